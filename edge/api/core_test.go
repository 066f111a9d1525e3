package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/xsell/xsell/edge/internal/testblob"
	"github.com/xsell/xsell/wasm/blob"
)

func TestConsumeIsIdempotent(t *testing.T) {
	b, err := ParseEvents(body(t, event(nil), event(func(m map[string]any) { m["id"] = "evt-0000002" })), now, DefaultEventLimits)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(b.Events)
	one, err := consume([]byte("[" + string(msg) + "]"))
	if err != nil {
		t.Fatal(err)
	}
	// The same message delivered twice in one batch (a retry that raced its
	// original) plans the same writes.
	two, err := consume([]byte("[" + string(msg) + "," + string(msg) + "]"))
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 3 || !bytes.Equal(one[0], two[0]) || !bytes.Equal(one[1], two[1]) || !bytes.Equal(one[2], two[2]) {
		t.Fatalf("plans differ:\n%s\n%s", bytes.Join(one, []byte("\n")), bytes.Join(two, []byte("\n")))
	}
	if !strings.HasPrefix(string(one[0]), "events/2025/11/22/") || bytes.Count(one[1], []byte("\n")) != 2 {
		t.Errorf("archive key %s, archive %q", one[0], one[1])
	}
	var chunk []Event
	if err := json.Unmarshal(one[2], &chunk); err != nil || len(chunk) != 2 {
		t.Fatalf("chunk %s: %v", one[2], err)
	}
}

func TestConsumeChunks(t *testing.T) {
	var evs []Event
	for i := 0; i < ChunkEvents*2+5; i++ {
		evs = append(evs, Event{ID: strings.Repeat("e", 4) + string(rune('a'+i%26)) + strings.Repeat("0", 3) + itoa(i), Type: "click", Day: "2025-11-22", Visitor: "visitor-01", Received: now})
	}
	msg, _ := json.Marshal(evs)
	parts, err := consume([]byte("[" + string(msg) + "]"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(parts) - 2; got != 3 {
		t.Fatalf("%d chunks, want 3", got)
	}
}

func TestConsumeRejectsBadMessages(t *testing.T) {
	for _, in := range []string{`x`, `[{"id":1}]`, `[[{"id":"evt-0000001"}]]`} {
		if _, err := consume([]byte(in)); !errors.Is(err, ErrBadJSON) && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", in, err)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestStudentTwoSided(t *testing.T) {
	for _, tc := range []struct{ t, df, want float64 }{
		{0, 10, 1},
		{2, 10, 0.073388},     // R: 2*pt(-2, 10)
		{1.96, 1e6, 0.049996}, // the normal limit
		{-3.5, 4, 0.024896},   // R: 2*pt(-3.5, 4)
		{1, 1, 0.5},           // Cauchy
	} {
		if got := studentTwoSided(tc.t, tc.df); math.Abs(got-tc.want) > 2e-5 {
			t.Errorf("t=%v df=%v: p = %.6f, want %.6f", tc.t, tc.df, got, tc.want)
		}
	}
}

func TestComputeStats(t *testing.T) {
	// Orders with a suggestion: 100, 120, 110 (mean 110); without: 80, 90, 85, 95 (mean 87.5).
	grp := func(variant string, accepted bool, vals ...float64) OrderGroup {
		g := OrderGroup{Variant: variant, Accepted: accepted, Orders: int64(len(vals))}
		for _, v := range vals {
			g.Value += v
			g.Value2 += v * v
			g.Items += 2
			g.Items2 += 4
		}
		return g
	}
	s := ComputeStats(StatsInput{
		Events: 42,
		Rules: []RuleRow{
			{Day: "2025-11-21", Rule: "pairs", Placement: "cart", Variant: "a", Impressions: 100, Clicks: 10, Adds: 5, Purchases: 2, Revenue: 40},
			{Day: "2025-11-22", Rule: "matrix", Placement: "cart", Variant: "b", Impressions: 50, Clicks: 10, Adds: 10, Purchases: 5, Revenue: 100.004},
		},
		Orders: []OrderGroup{grp("a", true, 100, 120, 110), grp("a", false, 80, 90, 85, 95), grp("b", true, 50)},
	})
	if s.Totals.Impressions != 150 || s.Totals.Adds != 15 || s.Totals.TakeRate != 0.1 || s.Totals.Revenue != 140 {
		t.Errorf("totals %+v", s.Totals)
	}
	if len(s.ByRule) != 2 || s.ByRule[0].Key != "matrix" || s.ByRule[0].TakeRate != 0.2 || len(s.ByDay) != 2 || len(s.ByPlacement) != 1 {
		t.Errorf("slices %+v %+v %+v", s.ByRule, s.ByDay, s.ByPlacement)
	}
	if len(s.Rows) != 2 || s.Rows[0].Day != "2025-11-21" || s.Rows[1].Rule != "matrix" || s.Rows[1].Adds != 10 || s.RowsTruncated {
		t.Errorf("rows %+v (truncated %v)", s.Rows, s.RowsTruncated)
	}
	if len(s.Orders) != 2 {
		t.Fatalf("orders %+v", s.Orders)
	}
	a := s.Orders[0]
	if a.Variant != "a" || a.With.AOV != 110 || a.Without.AOV != 87.5 || a.With.ItemsPerOrder != 2 || a.AOVLift != round(110/87.5-1, 4) {
		t.Errorf("variant a %+v", a)
	}
	// Welch: t = 22.5 / sqrt(100/3 + 41.667/4) = 3.4017, df = 3.2347, p = 0.037815
	// (the t density integrated numerically, independently of incBeta).
	if math.Abs(a.T-3.4017) > 1e-3 || math.Abs(a.PValue-0.037815) > 1e-5 || !a.Significant {
		t.Errorf("welch t=%v p=%v", a.T, a.PValue)
	}
	if b := s.Orders[1]; b.PValue != -1 || b.Significant {
		t.Errorf("variant b with one order has a p-value: %+v", b)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatal(err)
	}
}

// TestStatsRowsBounded: a long range answers the latest MaxStatsRows rows,
// in order, and says it dropped the rest.
func TestStatsRowsBounded(t *testing.T) {
	var rows []RuleRow
	for i := MaxStatsRows + 10; i > 0; i-- { // newest first, as SQL may answer
		rows = append(rows, RuleRow{Day: fmt.Sprintf("2025-%05d", i), Rule: "pairs", Placement: "cart", Variant: "a", Impressions: 1})
	}
	s := ComputeStats(StatsInput{Rules: rows})
	if len(s.Rows) != MaxStatsRows || !s.RowsTruncated || s.Rows[0].Day != "2025-00011" || s.Rows[len(s.Rows)-1].Day != fmt.Sprintf("2025-%05d", MaxStatsRows+10) {
		t.Fatalf("%d rows, truncated %v, first %q, last %q", len(s.Rows), s.RowsTruncated, s.Rows[0].Day, s.Rows[len(s.Rows)-1].Day)
	}
	if s.Totals.Impressions != int64(MaxStatsRows+10) {
		t.Fatalf("totals count every row: %d", s.Totals.Impressions)
	}
}

func TestWelchNoSpread(t *testing.T) {
	tt, p, ok := welch(3, 30, 300, 3, 60, 1200)
	if !ok || p != 0 || tt >= 0 || math.IsInf(tt, 0) {
		t.Errorf("t=%v p=%v ok=%v", tt, p, ok)
	}
	if _, err := json.Marshal(tt); err != nil {
		t.Error(err)
	}
}

func TestWriteExport(t *testing.T) {
	rows := []PairRow{
		{Anchor: "", Item: "gift-card", Shown: 9, Bought: 1},
		{Anchor: "cam,1", Item: `lens "pro"`, Shown: 100, Clicked: 10, Added: 5, Bought: 3, Dismissed: 2},
		{Anchor: "=cmd", Item: "line\nbreak", Shown: 1},
	}
	out, err := WriteExport(rows)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "anchor,item,shown,clicked,added,bought,dismissed" {
		t.Errorf("header %v", recs[0])
	}
	if len(recs) != 4 || recs[1][0] != "*" || recs[2][0] != "cam,1" || recs[2][1] != `lens "pro"` || recs[3][1] != "line\nbreak" {
		t.Errorf("records %q", recs)
	}
	if strings.Join(recs[2][2:], ",") != "100,10,5,3,2" {
		t.Errorf("counts %v", recs[2])
	}
}

func mustBlob(t *testing.T, seed int) []byte {
	t.Helper()
	b, err := testblob.Encode(seed, 30)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPrepare(t *testing.T) {
	src := mustBlob(t, 1)
	p, err := Prepare(src, 0)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := blob.ParseHeader(src)
	if p.Manifest.Hash != h.HashHex() || p.Manifest.Size != int64(len(src)) || p.Manifest.Counts.Items != 30 {
		t.Errorf("manifest %+v", p.Manifest)
	}
	rh, err := blob.ParseHeader(p.Raw)
	if err != nil || rh.HashHex() != h.HashHex() || rh.Flags&blob.FlagZstd != 0 {
		t.Errorf("raw form: %v %+v", err, rh)
	}
	if _, err := blob.Decode(p.Raw, blob.DecodeOptions{}); err != nil {
		t.Errorf("raw form does not decode: %v", err)
	}
	if len(p.RawZstd) == 0 || len(p.RawZstd) >= len(p.Raw) {
		t.Errorf("zstd form %d bytes, raw %d", len(p.RawZstd), len(p.Raw))
	}
}

func TestPrepareRejects(t *testing.T) {
	good := mustBlob(t, 1)
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name, code string
		src        []byte
		max        int
		status     int
	}{
		{"empty", "truncated", nil, 0, 422},
		{"not a blob", "not_a_blob", []byte("hello world, this is not a blob at all"), 0, 422},
		{"truncated", "truncated", good[:len(good)-10], 0, 422},
		{"flipped body byte", "bad_blob", mut(func(b []byte) []byte { b[len(b)-3] ^= 0xff; return b }), 0, 422},
		{"wrong hash", "hash_mismatch", mut(func(b []byte) []byte {
			raw, _ := blob.Recode(b, true, blob.Limits{})
			raw[40] ^= 1
			return raw
		}), 0, 422},
		{"newer major", "unsupported_version", mut(func(b []byte) []byte { b[4] = 9; return b }), 0, 422},
		{"over size cap", "too_large", good, 100, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prepare(tc.src, tc.max)
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Status != tc.status {
				t.Fatalf("err = %v, want %d %s", err, tc.status, tc.code)
			}
			if !strings.Contains(e.Message, "blob") {
				t.Errorf("message %q does not say why", e.Message)
			}
		})
	}
}

func TestHandleRecommend(t *testing.T) {
	c := NewCore()
	src := mustBlob(t, 2)
	h, _ := blob.ParseHeader(src)
	in := func(q string) []byte { b, _ := json.Marshal(recommendInput{Hash: h.HashHex(), Query: q}); return b }
	if st, parts := c.Handle(OpRecommend, in("?placement=product&anchor=item-0"), now); st != 409 || !strings.Contains(string(parts[0]), "need_blob") {
		t.Fatalf("before load: %d %s", st, parts[0])
	}
	if st, parts := c.Handle(OpLoadBlob, src, now); st != 200 || string(parts[0]) != h.HashHex() {
		t.Fatalf("load: %d %s", st, parts[0])
	}
	st, parts := c.Handle(OpRecommend, in("?placement=product&anchor=item-0&k=2&cart=item-9:2,nope"), now)
	if st != 200 || !strings.HasPrefix(string(parts[0]), "application/json") {
		t.Fatalf("recommend: %d %s", st, parts)
	}
	var ans RecommendAnswer
	if err := json.Unmarshal(parts[1], &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Blob != h.HashHex() || ans.Dropped != 1 || len(ans.Suggestions) == 0 || len(ans.Suggestions) > 2 {
		t.Fatalf("answer %+v", ans)
	}
	for _, s := range ans.Suggestions {
		if s.ID == "item-0" || s.Kind == "" || s.Rule == "" {
			t.Errorf("suggestion %+v", s)
		}
	}
	st, parts = c.Handle(OpRecommend, in("?placement=product&anchor=item-0&format=html"), now)
	if st != 200 || !strings.HasPrefix(string(parts[0]), "text/html") || strings.Contains(string(parts[1]), "<script>") {
		t.Fatalf("html: %d %s", st, parts)
	}
}

func TestParseRecommendQueryRejects(t *testing.T) {
	for _, tc := range []struct{ name, q, field string }{
		{"no placement", "anchor=a", "placement"},
		{"bad placement", "placement=sidebar", "placement"},
		{"unknown param", "placement=cart&foo=1", "foo"},
		{"repeated param", "placement=cart&k=1&k=2", "k"},
		{"bad k", "placement=cart&k=99", "k"},
		{"bad qty", "placement=cart&cart=a:0", "cart"},
		{"control char", "placement=cart&anchor=a%00b", "anchor"},
		{"bad currency", "placement=cart&currency=EURO", "currency"},
		{"bad visitor", "placement=cart&visitor=a%20b", "visitor"},
		{"bad format", "placement=cart&format=xml", "format"},
		{"too many ids", "placement=cart&viewed=" + strings.Repeat("a,", 100) + "a", "viewed"},
		{"bad escape", "placement=cart&anchor=%zz", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParseRecommendQuery(tc.q, now/1000)
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(e.Message, tc.field) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, _, err := ParseRecommendQuery("placement=cart&"+strings.Repeat("x", 9000), 0); err == nil {
		t.Error("long query accepted")
	}
}

func TestFrameRoundTrip(t *testing.T) {
	parts := [][]byte{[]byte("a"), nil, []byte("hello")}
	st, got, err := Unframe(Frame(nil, 202, parts))
	if err != nil || st != 202 || len(got) != 3 || string(got[2]) != "hello" || len(got[1]) != 0 {
		t.Fatalf("%d %q %v", st, got, err)
	}
	if _, _, err := Unframe([]byte{1, 0, 5, 0}); err == nil {
		t.Error("truncated frame accepted")
	}
}

func TestHandleErrors(t *testing.T) {
	c := NewCore()
	for _, tc := range []struct {
		name   string
		op     Op
		in     string
		status int
	}{
		{"unknown op", 99, "", 500},
		{"events bad json", OpEvents, "{", 400},
		{"stats bad rows", OpStats, "[", 500},
		{"configure", OpConfigure, `{"max_events":2}`, 200},
		{"events over configured cap", OpEvents, `{"events":[{},{},{}]}`, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, parts := c.Handle(tc.op, []byte(tc.in), now)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %q", st, tc.status, parts)
			}
			if st != 200 {
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(parts[0], &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Errorf("error body %s", parts[0])
				}
			}
		})
	}
}

// FuzzHandle: no operation panics or answers an unframeable result on any input.
func FuzzHandle(f *testing.F) {
	f.Add(int32(OpEvents), []byte(`{"events":[{}]}`))
	f.Add(int32(OpPublish), []byte("XSEL"))
	f.Add(int32(OpConsume), []byte(`[[{"id":"x"}]]`))
	f.Add(int32(OpStats), []byte(`{"rules":[{"impressions":-1}]}`))
	f.Add(int32(OpRecommend), []byte(`{"hash":"","query":"placement=cart"}`))
	f.Fuzz(func(t *testing.T, op int32, in []byte) {
		c := NewCore()
		st, parts := c.Handle(Op(op%11), in, now)
		if st < 200 || st > 599 {
			t.Fatalf("status %d", st)
		}
		if _, _, err := Unframe(Frame(nil, st, parts)); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkPrepare(b *testing.B) {
	src, err := testblob.Encode(1, 20_000)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Prepare(src, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEvents20(b *testing.B) {
	evs := make([]any, 20)
	for i := range evs {
		e := event(nil)
		e["id"] = "evt-bench-" + itoa(i)
		evs[i] = e
	}
	in, _ := json.Marshal(map[string]any{"events": evs})
	c := NewCore()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if st, _ := c.Handle(OpEvents, in, now); st != 200 {
			b.Fatal(st)
		}
	}
}
