package engine

import (
	"math"
	"reflect"
	"strconv"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

func TestAlternatives(t *testing.T) {
	s := shop()
	s.items = append(s.items,
		tItem{id: "cam3", cat: "cameras", price: 600, role: blob.RoleFlagship, tier: 2, orders: 50},
		tItem{id: "cam0", cat: "cameras", price: 300, role: blob.RoleFlagship, tier: 2, orders: 90},
		tItem{id: "cam4", cat: "cameras", price: 200, role: blob.RoleFlagship, tier: 1, orders: 300},
		tItem{id: "cam9", cat: "cameras", price: 630, role: blob.RoleFlagship, tier: 3, orders: 300},
		tItem{id: "camoos", cat: "cameras", price: 510, role: blob.RoleFlagship, tier: 2, orders: 500, oos: true},
		tItem{id: "camacc", cat: "cameras", price: 505, role: blob.RoleAccessory, orders: 500},
	)
	e := build(t, s)
	for _, tc := range []struct {
		name string
		req  Request
		want []string
	}{
		{"up within +25%, down to half, same role, in stock", Request{Placement: "product", Anchor: "cam1"},
			[]string{"cam2:upsell", "cam3:upsell", "cam0:downsell"}},
		{"dismissed alternatives are skipped", Request{Placement: "product", Anchor: "cam1", Dismissed: []string{"cam2"}},
			[]string{"cam3:upsell", "cam0:downsell"}},
		{"k bounds each side", Request{Placement: "product", Anchor: "cam1", K: 1}, []string{"cam2:upsell", "cam0:downsell"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Now = now
			var ctx Context
			e.Resolve(&tc.req, &ctx)
			got := render(e, e.Alternatives(uint32(ctx.Anchor), &ctx, nil))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBundle(t *testing.T) {
	s := shop()
	s.rows = []tRow{{anchor: "cam1", comp: "lens", disc: 10, prio: 1}, {anchor: "cat:cameras", comp: "bag", disc: 5},
		{anchor: "cam1", comp: "card", disc: 50, to: now - 1}}
	s.pairs = []tPair{{"cam1", "card", 40}}
	e := build(t, s)
	for _, tc := range []struct {
		name               string
		req                Request
		items              []string
		disc               []float32
		total, bundleTotal float64
	}{
		{"curated discounts, expired ones ignored", Request{Placement: "product", Anchor: "cam1"},
			[]string{"lens:matrix", "bag:matrix", "card:pairs"}, []float32{10, 5, 0}, 500 + 200 + 60 + 20, 500 + 180 + 57 + 20},
		{"cart lines are not bundled again", Request{Placement: "cart", Anchor: "cam1", Cart: cart("cam1", "lens")},
			[]string{"bag:matrix", "card:pairs"}, []float32{5, 0}, 500 + 60 + 20, 500 + 57 + 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Now = now
			var ctx Context
			e.Resolve(&tc.req, &ctx)
			b := e.Bundle(uint32(ctx.Anchor), &ctx, nil)
			if got := render(e, b.Items); !reflect.DeepEqual(got, tc.items) {
				t.Fatalf("items %v, want %v", got, tc.items)
			}
			for i, d := range tc.disc {
				if b.Items[i].Discount != d {
					t.Errorf("item %d discount %v, want %v", i, b.Items[i].Discount, d)
				}
			}
			if math.Abs(b.Total-tc.total) > 1e-9 || math.Abs(b.BundleTotal-tc.bundleTotal) > 1e-9 {
				t.Fatalf("totals %v / %v, want %v / %v", b.Total, b.BundleTotal, tc.total, tc.bundleTotal)
			}
		})
	}
}

func experimentShop() spec {
	s := shop()
	s.pairs = []tPair{{"cam1", "lens", 30}, {"cam1", "bag", 20}, {"cam1", "card", 40}}
	s.policy = func(p *blob.Policy) {
		p.Experiments = []blob.Experiment{
			{Name: "k", Variants: []blob.Variant{{Name: "three", Weight: 1}, {Name: "two", Weight: 1, K: map[string]int{"product": 2}}}},
			{Name: "holdout", Variants: []blob.Variant{{Name: "on", Weight: 9}, {Name: "off", Weight: 1, Off: true}}},
		}
	}
	return s
}

func TestVariants(t *testing.T) {
	e := build(t, experimentShop())
	count := map[string]int{}
	for i := 0; i < 4000; i++ {
		id := "visitor-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		v1, ok := e.Variant(id, "k")
		v2, _ := e.Variant(id, "k")
		if !ok || v1 != v2 {
			t.Fatalf("%s: not deterministic", id)
		}
		h, _ := e.Variant(id, "holdout")
		count["k="+v1.Name]++
		count["holdout="+h.Name]++
		as := e.Assignments(HashVisitor(id), nil)
		if len(as) != 2 || as[0].Variant != v1.Name || as[1].Variant != h.Name || as[1].Holdout != h.Off {
			t.Fatalf("%s: assignments %v disagree with Variant", id, as)
		}
		if got, want := e.VariantLabel(HashVisitor(id)), "k="+v1.Name+",holdout="+h.Name; got != want {
			t.Fatalf("%s: VariantLabel %q, want %q", id, got, want)
		}
		var ctx Context
		e.Resolve(&Request{Placement: "product", Anchor: "cam1", Now: now, Visitor: id}, &ctx)
		n := len(e.Recommend(&ctx, nil))
		want := 3
		switch {
		case h.Off:
			want = 0
		case v1.Name == "two":
			want = 2
		}
		if n != want {
			t.Fatalf("%s in %s/%s: %d suggestions, want %d", id, v1.Name, h.Name, n, want)
		}
	}
	for _, tc := range []struct {
		name     string
		min, max int
	}{{"k=three", 1800, 2200}, {"k=two", 1800, 2200}, {"holdout=on", 3450, 3750}, {"holdout=off", 250, 550}} {
		t.Run(tc.name, func(t *testing.T) {
			if c := count[tc.name]; c < tc.min || c > tc.max {
				t.Fatalf("%d of 4000 visitors, want %d..%d (%v)", c, tc.min, tc.max, count)
			}
		})
	}
	if _, ok := e.Variant("someone", "no such experiment"); ok {
		t.Fatal("unknown experiment reported ok")
	}
	var ctx Context
	e.Resolve(&Request{Placement: "product", Anchor: "cam1", Now: now}, &ctx)
	if n := len(e.Recommend(&ctx, nil)); n != 3 {
		t.Fatalf("no visitor: %d suggestions, want the base policy's 3", n)
	}
}

func TestDeterministic(t *testing.T) {
	e := build(t, withPairs())
	req := Request{Placement: "checkout", Cart: cart("cam1", "tripod"), Now: now, FreeDelivery: 620, Visitor: "v"}
	first := got(t, e, req)
	for i := 0; i < 50; i++ {
		if g := got(t, e, req); !reflect.DeepEqual(g, first) {
			t.Fatalf("call %d: %v, first %v", i, g, first)
		}
	}
}

func TestResolve(t *testing.T) {
	e := build(t, withPairs())
	var ctx Context
	n, err := e.Resolve(&Request{Placement: "cart", Cart: []CartLine{{ID: "cam1"}, {ID: "gone", Qty: 2}}, Segments: []string{"diabetic", "nobody"}, Currency: "XYZ"}, &ctx)
	if err != nil || n != 2 {
		t.Fatalf("dropped %d, err %v; want 2, nil", n, err)
	}
	if len(ctx.Cart) != 1 || ctx.Cart[0].Qty != 1 || len(ctx.Segments) != 1 || ctx.Currency != NoCurrency {
		t.Fatalf("ctx %+v", ctx)
	}
	if _, err := e.Resolve(&Request{Placement: "homepage"}, &ctx); err == nil {
		t.Fatal("unknown placement accepted")
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(nil); err != ErrNoBlob {
		t.Fatalf("nil blob: %v", err)
	}
	b, err := withPairs().blob()
	if err != nil {
		t.Fatal(err)
	}
	b.Pairs.To[0] = 999
	if _, err := New(b); err == nil {
		t.Fatal("invalid blob accepted")
	}
}

func TestCbrt(t *testing.T) {
	for _, x := range []float64{0, 1e-12, 1e-6, 0.001, 0.125, 0.3, 0.5, 0.999999, 1} {
		if got, want := cbrt(x), math.Cbrt(x); math.Abs(got-want) > 1e-12*max(want, 1e-300) && math.Abs(got-want) > 1e-15 {
			t.Errorf("cbrt(%v) = %v, want %v", x, got, want)
		}
	}
	prev := 0.0
	for i := 1; i <= 100000; i++ {
		y := cbrt(float64(i) / 100000)
		if y < prev {
			t.Fatalf("cbrt not monotonic at %d", i)
		}
		prev = y
	}
}

// powQ and rootQ against math.Pow, for the powers with their own code path
// and one that falls through to math.Pow.
func TestPowQRootQ(t *testing.T) {
	for _, q := range []float64{1, 2, 3, 4, 2.5, 8} {
		t.Run(strconv.FormatFloat(q, 'g', -1, 64), func(t *testing.T) {
			for _, x := range []float64{0, 1e-9, 0.001, 0.1, 0.37, 0.5, 0.99, 1} {
				if got, want := powQ(q, x), math.Pow(x, q); math.Abs(got-want) > 1e-12 {
					t.Errorf("powQ(%v, %v) = %v, want %v", q, x, got, want)
				}
				if got, want := rootQ(q, x), math.Pow(x, 1/q); math.Abs(got-want) > 1e-12 {
					t.Errorf("rootQ(%v, %v) = %v, want %v", q, x, got, want)
				}
			}
		})
	}
}

func TestVariantLabel(t *testing.T) {
	one := experimentShop()
	inner := one.policy
	one.policy = func(p *blob.Policy) {
		inner(p)
		p.Experiments = p.Experiments[:1]
	}
	e := build(t, one)
	for _, id := range []string{"visitor-a", "visitor-b", "visitor-c", "visitor-d"} {
		v, _ := e.Variant(id, "k")
		if got := e.VariantLabel(HashVisitor(id)); got != v.Name {
			t.Errorf("%s: one experiment: label %q, want the variant's name %q", id, got, v.Name)
		}
	}
	if got := e.VariantLabel(0); got != "" {
		t.Errorf("no visitor: label %q, want empty", got)
	}
	if got := build(t, shop()).VariantLabel(HashVisitor("visitor-a")); got != "" {
		t.Errorf("no experiments: label %q, want empty", got)
	}
}
