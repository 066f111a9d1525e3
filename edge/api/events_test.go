package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const now = int64(1_763_800_000_000) // 2025-11-22T08:26:40Z in ms

func event(mod func(m map[string]any)) map[string]any {
	m := map[string]any{
		"id": "evt-0000001", "type": "click", "ts": now - 1000, "placement": "cart", "anchor": "cam-1",
		"item": "lens-2", "rule": "pairs", "rank": 1, "variant": "b", "blob": "ab12", "visitor": "visitor-01",
	}
	if mod != nil {
		mod(m)
	}
	return m
}

func body(t *testing.T, evs ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"events": evs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEventsAccepts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ev    map[string]any
		check func(t *testing.T, e Event)
	}{
		{"click", event(nil), func(t *testing.T, e Event) {
			if e.Day != "2025-11-22" || e.Received != now || e.Qty != 1 || e.Rank != 1 || e.Variant != "b" {
				t.Errorf("got %+v", e)
			}
		}},
		{"purchase without placement", event(func(m map[string]any) {
			m["type"], m["order"], m["price"], m["qty"], m["currency"] = "purchase", "o-1", 19.5, 2, "EUR"
			delete(m, "placement")
		}), func(t *testing.T, e Event) {
			if e.Order != "o-1" || e.Price != 19.5 || e.Qty != 2 || e.Placement != "" {
				t.Errorf("got %+v", e)
			}
		}},
		{"unicode item", event(func(m map[string]any) { m["item"] = "Käse–Ü 🧀" }), func(t *testing.T, e Event) {
			if e.Item != "Käse–Ü 🧀" {
				t.Errorf("item %q", e.Item)
			}
		}},
		{"ts at max age", event(func(m map[string]any) { m["ts"] = now - DefaultEventLimits.MaxAge.Milliseconds() }), nil},
		// What web/xsell.js sends for fields it has nothing for: empty strings, zero price.
		{"empty optional strings", event(func(m map[string]any) {
			m["anchor"], m["rule"], m["variant"], m["blob"], m["price"] = "", "", "", "", 0
		}), func(t *testing.T, e Event) {
			if e.Anchor != "" || e.Blob != "" || e.Rule != "" {
				t.Errorf("got %+v", e)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseEvents(body(t, tc.ev), now, DefaultEventLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Rejected) != 0 || len(b.Events) != 1 {
				t.Fatalf("rejected %+v", b.Rejected)
			}
			if tc.check != nil {
				tc.check(t, b.Events[0])
			}
		})
	}
}

func TestParseEventsRejectsField(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		mod         func(m map[string]any)
	}{
		{"no id", "id", func(m map[string]any) { delete(m, "id") }},
		{"short id", "id", func(m map[string]any) { m["id"] = "abc" }},
		{"id with slash", "id", func(m map[string]any) { m["id"] = "evt/../../x" }},
		{"unknown type", "type", func(m map[string]any) { m["type"] = "view" }},
		{"type not string", "type", func(m map[string]any) { m["type"] = 3 }},
		{"no visitor", "visitor", func(m map[string]any) { delete(m, "visitor") }},
		{"email as visitor", "visitor", func(m map[string]any) { m["visitor"] = "jane@example.com" }},
		{"fractional ts", "ts", func(m map[string]any) { m["ts"] = 1.5 }},
		{"ts in the future", "ts", func(m map[string]any) { m["ts"] = now + time.Hour.Milliseconds() }},
		{"ts too old", "ts", func(m map[string]any) { m["ts"] = now - 31*24*time.Hour.Milliseconds() }},
		{"bad placement", "placement", func(m map[string]any) { m["placement"] = "sidebar" }},
		{"click without placement", "placement", func(m map[string]any) { delete(m, "placement") }},
		{"no item", "item", func(m map[string]any) { delete(m, "item") }},
		{"item with newline", "item", func(m map[string]any) { m["item"] = "a\nb" }},
		{"item with NUL", "item", func(m map[string]any) { m["item"] = "a\x00b" }},
		{"item with bidi override", "item", func(m map[string]any) { m["item"] = "abc\u202edef" }},
		{"item too long", "item", func(m map[string]any) { m["item"] = strings.Repeat("x", 129) }},
		{"anchor star", "anchor", func(m map[string]any) { m["anchor"] = "*" }},
		{"rule too long", "rule", func(m map[string]any) { m["rule"] = strings.Repeat("r", 65) }},
		{"rank negative", "rank", func(m map[string]any) { m["rank"] = -1 }},
		{"rank fraction", "rank", func(m map[string]any) { m["rank"] = 1.5 }},
		{"blob not hex", "blob", func(m map[string]any) { m["blob"] = "XYZ" }},
		{"negative price", "price", func(m map[string]any) { m["price"] = -1 }},
		{"huge price", "price", func(m map[string]any) { m["price"] = 1e12 }},
		{"price as string", "price", func(m map[string]any) { m["price"] = "9.99" }},
		{"zero qty", "qty", func(m map[string]any) { m["qty"] = 0 }},
		{"lowercase currency", "currency", func(m map[string]any) { m["currency"] = "eur" }},
		{"purchase without order", "order", func(m map[string]any) { m["type"], m["price"] = "purchase", 1 }},
		{"purchase without price", "price", func(m map[string]any) { m["type"], m["order"] = "purchase", "o-1" }},
		{"unknown field", "email", func(m map[string]any) { m["email"] = "jane@example.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok := event(func(m map[string]any) { m["id"] = "evt-good-01" })
			b, err := ParseEvents(body(t, ok, event(tc.mod)), now, DefaultEventLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Events) != 1 || b.Events[0].ID != "evt-good-01" {
				t.Errorf("the good event was not kept: %+v", b.Events)
			}
			if len(b.Rejected) != 1 {
				t.Fatalf("rejected %+v", b.Rejected)
			}
			r := b.Rejected[0]
			if r.Index != 1 || r.Field != tc.field || r.Message == "" {
				t.Errorf("rejected %+v, want index 1 field %s", r, tc.field)
			}
			if !errors.Is(&r, ErrInvalid) {
				t.Error("FieldError does not wrap ErrInvalid")
			}
		})
	}
}

func TestParseEventsRejectsBody(t *testing.T) {
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = event(nil)
	}
	tooMany, _ := json.Marshal(map[string]any{"events": many})
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
		err    error
	}{
		{"empty", ``, 400, "bad_json", ErrBadJSON},
		{"not json", `hello`, 400, "bad_json", ErrBadJSON},
		{"array", `[{"id":"x"}]`, 400, "bad_json", ErrBadJSON},
		{"no events", `{}`, 400, "bad_json", ErrBadJSON},
		{"events null", `{"events":null}`, 400, "bad_json", ErrBadJSON},
		{"empty batch", `{"events":[]}`, 400, "invalid", ErrInvalid},
		{"unknown top field", `{"events":[],"x":1}`, 400, "bad_json", ErrBadJSON},
		{"trailing data", `{"events":[{}]} {}`, 400, "bad_json", ErrBadJSON},
		{"truncated", `{"events":[{"id":"evt-0000001"`, 400, "bad_json", ErrBadJSON},
		{"invalid utf8", "{\"events\":[\"\xff\"]}", 400, "bad_json", ErrBadJSON},
		{"too many", string(tooMany), 413, "too_many_events", ErrTooLarge},
		{"too large", `{"events":[` + strings.Repeat(" ", 70_000) + `]}`, 413, "too_large", ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEvents([]byte(tc.body), now, DefaultEventLimits)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Status != tc.status || e.Code != tc.code || !errors.Is(err, tc.err) {
				t.Errorf("got %d %s %v, want %d %s", e.Status, e.Code, err, tc.status, tc.code)
			}
		})
	}
}

func TestParseEventsDedupsWithinBatch(t *testing.T) {
	b, err := ParseEvents(body(t, event(nil), event(nil), event(func(m map[string]any) { m["id"] = "evt-0000002" })), now, DefaultEventLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Events) != 2 {
		t.Errorf("got %d events, want 2", len(b.Events))
	}
}

// FuzzParseEvents: never panics; whatever it accepts is within every bound
// and survives the consumer's plan.
func FuzzParseEvents(f *testing.F) {
	good, _ := json.Marshal(map[string]any{"events": []any{event(nil)}})
	f.Add(good)
	f.Add([]byte(`{"events":[{"id":"evt-0000001","type":"purchase","ts":1763799999000,"item":"x","order":"o","price":1,"visitor":"vvvvvvvv"}]}`))
	f.Add([]byte(`{"events":[1,"a",null,{}]}`))
	f.Add([]byte(`{"events":[{"ts":1e400}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := ParseEvents(in, now, DefaultEventLimits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
				t.Fatalf("error %v is not a 4xx *Error", err)
			}
			return
		}
		if len(b.Events)+len(b.Rejected) == 0 || len(b.Events) > DefaultEventLimits.MaxEvents {
			t.Fatalf("batch of %d accepted, %d rejected", len(b.Events), len(b.Rejected))
		}
		for _, e := range b.Events {
			if len(e.ID) < 8 || len(e.ID) > 64 || len(e.Item) > 128 || e.Qty < 1 || e.Price < 0 || e.Day == "" {
				t.Fatalf("accepted out of bounds: %+v", e)
			}
		}
		msg, _ := json.Marshal(b.Events)
		if len(b.Events) > 0 {
			if _, err := consume([]byte("[" + string(msg) + "]")); err != nil {
				t.Fatalf("consumer rejects what ingest accepted: %v", err)
			}
		}
	})
}
