package engine

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestContextRoundTrip(t *testing.T) {
	e := build(t, withPairs())
	for _, tc := range []struct {
		name    string
		ctx     Context
		visitor string
	}{
		{"empty", Context{Anchor: -1}, ""},
		{"everything", Context{Placement: Checkout, Anchor: 3, K: 4, Now: now, FreeDelivery: 49.5, Currency: 1,
			Cart: []Line{{0, 1}, {4, 3}}, Viewed: []uint32{2, 5}, Owned: []Owned{{8, now - 86400*200}, {1, -5}},
			Dismissed: []uint32{6}, Segments: []uint32{7, 1 << 31}}, "visitor-ü"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := AppendContext(nil, &tc.ctx, tc.visitor)
			var got Context
			if err := e.DecodeContext(enc, &got); err != nil {
				t.Fatal(err)
			}
			want := tc.ctx
			if tc.visitor != "" {
				want.Visitor = HashVisitor(tc.visitor)
			}
			norm := func(c *Context) {
				if len(c.Cart) == 0 {
					c.Cart = nil
				}
				if len(c.Viewed) == 0 {
					c.Viewed = nil
				}
				if len(c.Owned) == 0 {
					c.Owned = nil
				}
				if len(c.Dismissed) == 0 {
					c.Dismissed = nil
				}
				if len(c.Segments) == 0 {
					c.Segments = nil
				}
			}
			norm(&got)
			norm(&want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDecodeContextRejects(t *testing.T) {
	e := build(t, withPairs())
	good := AppendContext(nil, &Context{Placement: Cart, Anchor: -1, Cart: []Line{{0, 1}}, Now: now}, "v")
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short header", good[:40]},
		{"bad magic", mut(func(b []byte) []byte { b[0] = 'Y'; return b })},
		{"bad placement", mut(func(b []byte) []byte { le.PutUint32(b[4:], 6); return b })},
		{"anchor out of range", mut(func(b []byte) []byte { le.PutUint32(b[8:], 999); return b })},
		{"anchor below -1", mut(func(b []byte) []byte { le.PutUint32(b[8:], uint32(0xfffffff0)); return b })},
		{"NaN free delivery", mut(func(b []byte) []byte { le.PutUint64(b[24:], math.Float64bits(math.NaN())); return b })},
		{"negative free delivery", mut(func(b []byte) []byte { le.PutUint64(b[24:], math.Float64bits(-1)); return b })},
		{"cart item out of range", mut(func(b []byte) []byte { le.PutUint32(b[64:], 999); return b })},
		{"count over the bytes", mut(func(b []byte) []byte { le.PutUint32(b[36:], 2); return b })},
		{"count over the limit", mut(func(b []byte) []byte { le.PutUint32(b[40:], MaxContextList+1); return b })},
		{"huge count", mut(func(b []byte) []byte { le.PutUint32(b[44:], 0xffffffff); return b })},
		{"visitor too long", mut(func(b []byte) []byte { le.PutUint32(b[56:], MaxVisitorBytes+1); return b })},
		{"trailing bytes", append(append([]byte(nil), good...), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx Context
			if err := e.DecodeContext(tc.in, &ctx); !errors.Is(err, ErrContext) {
				t.Fatalf("err = %v, want ErrContext", err)
			}
		})
	}
}

// FuzzDecodeContext: hostile page bytes never panic the core, and whatever
// decodes also recommends and encodes without panicking.
func FuzzDecodeContext(f *testing.F) {
	e := build(f, withPairs())
	f.Add(AppendContext(nil, &Context{Placement: Cart, Anchor: 0, Cart: []Line{{1, 2}}, Now: now, Viewed: []uint32{3}}, "v"))
	f.Add(AppendContext(nil, &Context{Placement: Email, Anchor: -1, Owned: []Owned{{8, 1}}, Segments: []uint32{5}}, ""))
	f.Add(AppendContext(nil, &Context{Placement: Checkout, Anchor: -1, Cart: []Line{{0, 1}}, FreeDelivery: 600}, "x"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		var ctx Context
		if err := e.DecodeContext(in, &ctx); err != nil {
			if !errors.Is(err, ErrContext) {
				t.Fatalf("error %v does not wrap ErrContext", err)
			}
			return
		}
		list := e.Recommend(&ctx, nil)
		if len(list) > MaxK {
			t.Fatalf("%d suggestions, more than MaxK", len(list))
		}
		out := e.AppendSuggestions(nil, list, 0, 0)
		if len(out) > MaxOutBytes {
			t.Fatalf("answer of %d bytes, over MaxOutBytes", len(out))
		}
		again := AppendContext(nil, &ctx, "")
		var ctx2 Context
		if err := e.DecodeContext(again, &ctx2); err != nil {
			t.Fatalf("re-encoded context does not decode: %v", err)
		}
		if ctx.Anchor >= 0 {
			e.Alternatives(uint32(ctx.Anchor), &ctx, nil)
			e.Bundle(uint32(ctx.Anchor), &ctx, nil)
		}
	})
}

func TestAppendSuggestionsLayout(t *testing.T) {
	e := build(t, withPairs())
	list := []Suggestion{
		{Item: 2, Anchor: 0, Kind: 3, Rule: RulePairs, Score: 1.5, Evidence: Evidence{NAB: 30, NA: 100, NB: 60, N: 1000, Lift: 5}},
		{Item: 7, Anchor: 0, Kind: 1, Rule: RuleMatrix, Reason: 99, Fallback: true, ClosesGap: true, Discount: 10},
	}
	list[1].Reason = e.b.Matrix.Reason[0]
	out := e.AppendSuggestions([]byte("prefix"), list, 12.5, 11.25)
	b := out[6:]
	le := binary.LittleEndian
	if n := le.Uint32(b); n != 2 {
		t.Fatalf("count %d", n)
	}
	if math.Float64frombits(le.Uint64(b[16:])) != 12.5 || math.Float64frombits(le.Uint64(b[24:])) != 11.25 {
		t.Fatal("totals")
	}
	text := b[le.Uint32(b[8:]):]
	if int(le.Uint32(b[12:])) != len(text) {
		t.Fatalf("text length %d, have %d", le.Uint32(b[12:]), len(text))
	}
	for i, want := range []string{"bought together in 30 orders, 5× more often than chance", "steady shots"} {
		r := b[OutHeaderSize+i*OutRecordSize:]
		off, n := le.Uint32(r[20:]), le.Uint32(r[24:])
		if got := string(text[off : off+n]); got != want {
			t.Errorf("record %d reason %q, want %q", i, got, want)
		}
		if le.Uint32(r) != list[i].Item || r[9] != uint8(list[i].Rule) {
			t.Errorf("record %d item/rule", i)
		}
	}
	if r := b[OutHeaderSize+OutRecordSize:]; r[10] != FlagFallback|FlagClosesGap || math.Float32frombits(le.Uint32(r[48:])) != 10 {
		t.Errorf("flags %d discount %v", r[10], math.Float32frombits(le.Uint32(r[48:])))
	}
}

// TestReasonByEvidenceFlag: a record flagged FlagReasonByEvidence carries
// a reason text that its rule, n_AB and lift alone give (the page reuses
// the text it decoded for the same three), on random contexts of every
// placement over the sample blob and a synthetic one; generated reasons of
// other rules and curated ones are not flagged.
func TestReasonByEvidenceFlag(t *testing.T) {
	flagged := 0
	for _, tc := range sampleAndSynthetic(t, 3) {
		e := tc.e
		n := e.Blob().Items.Len()
		rnd := rand.New(rand.NewPCG(5, 6))
		var list []Suggestion
		var out []byte
		for i := 0; i < 3000; i++ {
			ctx := randomContext(rnd, n, nil)
			list = e.Recommend(&ctx, list[:0])
			out = e.AppendSuggestions(out[:0], list, 0, 0)
			le := binary.LittleEndian
			text := int(le.Uint32(out[8:]))
			for k := range list {
				rec := out[OutHeaderSize+k*OutRecordSize:]
				flags := rec[10]
				s := &list[k]
				want := s.Reason == 0 && (s.Rule == RulePairs || s.Rule == RuleTriple)
				if (flags&FlagReasonByEvidence != 0) != want {
					t.Fatalf("%+v: flags %b", s, flags)
				}
				if !want {
					continue
				}
				flagged++
				got := string(out[text+int(le.Uint32(rec[20:])):][:le.Uint32(rec[24:])])
				// Only the three numbers: anything else the text took from s would differ here.
				alone := Suggestion{Item: 1<<32 - 1, Anchor: -7, Rule: s.Rule, Evidence: Evidence{NAB: s.Evidence.NAB, Lift: s.Evidence.Lift}}
				if want := e.Reason(&alone); got != want {
					t.Fatalf("%+v: reason %q, from the rule, n_AB and lift alone %q", s, got, want)
				}
			}
		}
	}
	if flagged < 1000 {
		t.Fatalf("only %d flagged reasons", flagged)
	}
}
