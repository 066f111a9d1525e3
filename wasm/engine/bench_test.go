package engine

import (
	"strconv"
	"sync"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/internal/synth"
)

var (
	benchOnce sync.Once
	benchRaw  []byte
)

// benchBlob is the 20k items × 30 neighbours blob of the speed goals, raw body.
func benchBlob(b testing.TB) []byte {
	benchOnce.Do(func() {
		enc, err := blob.Encode(synth.Build(synth.Options{Items: 20000, Neighbours: 30, Seed: 1}), blob.EncodeOptions{Raw: true})
		if err != nil {
			b.Fatal(err)
		}
		benchRaw = enc
	})
	return benchRaw
}

func benchEngine(b testing.TB) *Engine {
	bl, err := blob.Decode(benchBlob(b), blob.DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(bl)
	if err != nil {
		b.Fatal(err)
	}
	for c := range e.catRef { // built on first use; not what a call costs in steady state
		e.category(uint32(c))
	}
	e.pools()
	return e
}

// benchCart is a cart of n popular-ish items spread over categories.
func benchCart(n int) *Context {
	ctx := &Context{Placement: Cart, Anchor: -1, Now: 1_781_000_000, Visitor: HashVisitor("visitor-7")}
	for i := 0; i < n; i++ {
		ctx.Cart = append(ctx.Cart, Line{Item: uint32(i*37 + 5), Qty: 1})
	}
	return ctx
}

func BenchmarkRecommend(b *testing.B) {
	e := benchEngine(b)
	for _, n := range []int{1, 3, 10} {
		b.Run("cart="+strconv.Itoa(n), func(b *testing.B) {
			ctx := benchCart(n)
			dst := make([]Suggestion, 0, MaxK)
			b.ReportAllocs()
			for b.Loop() {
				dst = e.Recommend(ctx, dst[:0])
			}
			if len(dst) == 0 {
				b.Fatal("no suggestions")
			}
		})
	}
}

// BenchmarkRecommendPageCarts is the browser benchmark's workload
// (wasm/bench/page.mjs): 256 carts of 10 items drawn by the same LCG from
// the first 2000, in turn, so a Go figure compares with the page's.
func BenchmarkRecommendPageCarts(b *testing.B) {
	e := benchEngine(b)
	seed := int64(7)
	rnd := func(n int64) uint32 { seed = (seed*1103515245 + 12345) % 2147483648; return uint32(seed % n) }
	ctxs := make([]Context, 256)
	for i := range ctxs {
		ctxs[i] = Context{Placement: Cart, Anchor: -1, Now: 1_781_000_000, Visitor: HashVisitor("visitor-1")}
		for range 10 {
			ctxs[i].Cart = append(ctxs[i].Cart, Line{Item: rnd(2000), Qty: 1})
		}
	}
	dst := make([]Suggestion, 0, MaxK)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		dst = e.Recommend(&ctxs[n&255], dst[:0])
		n++
	}
}

// BenchmarkRecommendWire is the browser's whole crossing: decode the
// context, recommend, encode the answer with its reasons.
func BenchmarkRecommendWire(b *testing.B) {
	e := benchEngine(b)
	in := AppendContext(nil, benchCart(10), "visitor-7")
	out := make([]byte, 0, MaxOutBytes)
	var ctx Context
	dst := make([]Suggestion, 0, MaxK)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.DecodeContext(in, &ctx); err != nil {
			b.Fatal(err)
		}
		dst = e.Recommend(&ctx, dst[:0])
		out = e.AppendSuggestions(out[:0], dst, 0, 0)
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := benchBlob(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		bl, err := blob.Decode(raw, blob.DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := New(bl); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew: the engine's indexes of the 20k × 30 blob, what a page
// builds after the decode.
func BenchmarkNew(b *testing.B) {
	bl, err := blob.Decode(benchBlob(b), blob.DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(bl); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRecommendDoesNotAllocate(t *testing.T) {
	e := build(t, withPairs())
	for _, tc := range []struct {
		name string
		req  Request
	}{
		{"product", Request{Placement: "product", Anchor: "cam1"}},
		{"cart", Request{Placement: "cart", Cart: cart("cam1", "tripod")}},
		{"checkout", Request{Placement: "checkout", Cart: cart("cam1"), FreeDelivery: 520}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Now = now
			var ctx Context
			e.Resolve(&tc.req, &ctx)
			dst := make([]Suggestion, 0, MaxK)
			out := make([]byte, 0, MaxOutBytes)
			e.Recommend(&ctx, dst) // warm the pool
			allocs := testing.AllocsPerRun(100, func() {
				dst = e.Recommend(&ctx, dst[:0])
				out = e.AppendSuggestions(out[:0], dst, 0, 0)
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per call, want 0", allocs)
			}
			if len(dst) == 0 {
				t.Fatal("no suggestions")
			}
		})
	}
}

func withPairs() spec {
	s := shop()
	s.pairs = []tPair{{"cam1", "lens", 30}, {"cam1", "bag", 20}, {"cam1", "card", 40}, {"tripod", "bag", 15}, {"cam1", "gum", 40}}
	s.rows = []tRow{{anchor: "cam1", comp: "tripod", reason: "steady shots"}}
	return s
}
