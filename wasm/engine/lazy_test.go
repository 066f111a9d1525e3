package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"unsafe"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/internal/synth"
)

// TestLazyScoringSameAnswers: pick finishes only the candidates whose
// bound can still win; the answers must be those of finishing every
// candidate, on random contexts of every placement, over the sample blob
// (curated rows, roles, prices, segments) and a synthetic one (free
// delivery, exclusions, experiments with other weights, a holdout).
func TestLazyScoringSameAnswers(t *testing.T) {
	engines := sampleAndSynthetic(t, 3)
	syn := engines[1].e
	for _, tc := range engines {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			n := e.Blob().Items.Len()
			segs := make([]uint32, 0, 4)
			for _, v := range e.Segments() {
				segs = append(segs, v)
			}
			rnd := rand.New(rand.NewPCG(11, 12))
			var lazy, eager []Suggestion
			for i := 0; i < 3000; i++ {
				ctx := randomContext(rnd, n, segs)
				if rnd.IntN(2) == 0 {
					ctx.Visitor = rnd.Uint64()
				}
				finishAll = true
				eager = e.Recommend(&ctx, eager[:0])
				finishAll = false
				lazy = e.Recommend(&ctx, lazy[:0])
				if !reflect.DeepEqual(lazy, eager) {
					t.Fatalf("context %d %+v:\nbounded %+v\nall     %+v", i, ctx, lazy, eager)
				}
			}
		})
	}
	// And the bound does spare work: a 10-item cart finishes few of its
	// candidates.
	e := syn
	ctx := benchCart(10)
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	r, _ := e.start(ctx, s)
	if len(r.recommend(nil)) == 0 {
		t.Fatal("no suggestions")
	}
	done := 0
	for i := range s.cands {
		if s.cands[i].done {
			done++
		}
	}
	if done*5 > len(s.cands) {
		t.Fatalf("finished %d of %d candidates", done, len(s.cands))
	}
	t.Logf("finished %d of %d candidates", done, len(s.cands))
}

// TestPickOnePassSameAnswers: pick takes all its slots in one pass over
// the candidates; the answers must be those of picking the best eligible
// candidate, then the best of the rest, one slot at a time (as pick did
// before), with every candidate finished, on random contexts of every
// placement over the sample blob and a synthetic one, with at most 1, 2
// and any number of suggestions per category.
func TestPickOnePassSameAnswers(t *testing.T) {
	for _, tc := range sampleAndSynthetic(t, 5) {
		for _, maxPer := range []int{1, 2, 0} {
			t.Run(fmt.Sprintf("%s/maxPer=%d", tc.name, maxPer), func(t *testing.T) {
				e := tc.e
				old := e.b.Policy.MaxPerCategory
				e.b.Policy.MaxPerCategory = maxPer
				defer func() { e.b.Policy.MaxPerCategory = old }()
				n := e.Blob().Items.Len()
				var segs []uint32
				for _, v := range e.Segments() {
					segs = append(segs, v)
				}
				slices.Sort(segs)
				rnd := rand.New(rand.NewPCG(13, uint64(maxPer)))
				var onePass, slots []Suggestion
				defer func() { pickSlotBySlot, finishAll = false, false }()
				for i := 0; i < 2000; i++ {
					ctx := randomContext(rnd, n, segs)
					if i%4 == 0 {
						ctx.K = 6 + rnd.IntN(MaxK-5) // deeper lists: more category collisions
					}
					pickSlotBySlot, finishAll = false, false
					onePass = e.Recommend(&ctx, onePass[:0])
					pickSlotBySlot, finishAll = true, true
					slots = e.Recommend(&ctx, slots[:0])
					if !reflect.DeepEqual(onePass, slots) {
						t.Fatalf("context %d %+v:\none pass    %+v\nslot by slot %+v", i, ctx, onePass, slots)
					}
				}
			})
		}
	}
}

type namedEngine struct {
	name string
	e    *Engine
}

// sampleAndSynthetic: engines over the sample blob (curated rows, roles,
// prices, segments) and a synthetic one of 3,000 items × 30 neighbours
// (free delivery, exclusions, feedback, experiments) built from seed.
func sampleAndSynthetic(t *testing.T, seed uint64) []namedEngine {
	t.Helper()
	syn, err := New(synth.Build(synth.Options{Items: 3000, Neighbours: 30, Seed: seed}))
	if err != nil {
		t.Fatal(err)
	}
	return []namedEngine{{"sample", sampleEngine(t)}, {"synthetic", syn}}
}

// TestEvCut: a candidate pick skips (ev below the cut) scores below the
// best, however its margin and gap terms come out, at the cut's edge too.
func TestEvCut(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200000; i++ {
		e := &Engine{maxMargin: rnd.Float64()}
		r := &run{e: e, evBase: rnd.Float64() * 0.01, gap: float64(rnd.IntN(2)) * 10, threshold: 50}
		r.evMax = r.evBase + rnd.Float64()*math.Pow(10, -float64(rnd.IntN(12)))
		qs := []float64{1, 2, 3, 4, 1.5, 8}
		r.t.w = blob.Weights{Evidence: rnd.Float64() * 3, Margin: rnd.Float64(), Gap: rnd.Float64(), EvidencePower: qs[rnd.IntN(len(qs))]}
		if rnd.IntN(10) == 0 {
			r.t.w.Evidence = 0
		}
		r.rest = r.t.w.Margin*e.maxMargin + r.t.w.Gap*math.Min(r.gap, 1)
		best := rnd.Float64() * 4
		cut := r.evCut(best)
		// The strongest candidate the cut skips: just below it.
		ev := math.Nextafter(cut, math.Inf(-1))
		if math.IsInf(cut, 0) || ev < r.evBase {
			ev = r.evBase + rnd.Float64()*(r.evMax-r.evBase)
			if !(ev < cut) {
				continue
			}
		}
		c := &cand{ev: ev}
		w := &r.t.w
		sc := c.base + w.Evidence*r.evidence(c) + w.Curated*c.curated + w.Margin*e.maxMargin
		if r.gap > 0 {
			sc += w.Gap * 1
		}
		if !(sc < best) {
			t.Fatalf("case %d: ev %v below cut %v scores %v, best %v (state %+v)", i, ev, cut, sc, best, r)
		}
	}
}

// TestAppendTenths: the lift in a reason reads as strconv's shortest
// formatting of the rounded value did.
func TestAppendTenths(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	xs := []float64{0, 1.1, 1.15, 1.25, 4.05, 9.95, 10, 99.96, 123456.75, 1e14, 3e15, math.Inf(1)}
	for i := 0; i < 100000; i++ {
		xs = append(xs, rnd.Float64()*math.Pow(10, float64(rnd.IntN(8))))
	}
	for _, x := range xs {
		want := strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
		if got := string(appendTenths(nil, x)); got != want {
			t.Fatalf("%v: %q, want %q", x, got, want)
		}
	}
}

// TestConcurrentFirstUse: an engine is safe for concurrent use, including
// the per-category order and links and the pools built on first use: every
// goroutine gets the answers one goroutine alone gets (go test -race shows
// any unguarded first use).
func TestConcurrentFirstUse(t *testing.T) {
	b := synth.Build(synth.Options{Items: 2000, Neighbours: 30, Seed: 9})
	alone, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	var ctxs []Context
	for i := 0; i < 200; i++ {
		pl := []Placement{Product, Cart, Checkout}[i%3]
		ctx := Context{Placement: pl, Anchor: int32(i * 7 % 2000), Now: 1_781_000_000, FreeDelivery: 60}
		if pl != Product {
			ctx.Cart = []Line{{Item: uint32(i * 13 % 2000), Qty: 1}}
		}
		ctxs = append(ctxs, ctx)
	}
	want := make([][]Suggestion, len(ctxs))
	for i := range ctxs {
		want[i] = alone.Recommend(&ctxs[i], nil)
		if alt := alone.Alternatives(uint32(ctxs[i].Anchor), &ctxs[i], nil); len(alt) > 0 {
			want[i] = append(want[i], alt...)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range ctxs {
				i := (k*5 + g*31) % len(ctxs)
				got := shared.Recommend(&ctxs[i], nil)
				if alt := shared.Alternatives(uint32(ctxs[i].Anchor), &ctxs[i], nil); len(alt) > 0 {
					got = append(got, alt...)
				}
				if !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("goroutine %d, context %d: %+v, want %+v", g, i, got, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestErrorsReadAsFmt: the engine's errors, built without fmt (the browser
// build links none), read as fmt.Errorf's did and wrap their sentinel.
func TestErrorsReadAsFmt(t *testing.T) {
	_, err := ParsePlacement("homepage")
	if want := fmt.Errorf("%w %q (want one of %v)", ErrPlacement, "homepage", blob.Placements); err == nil || err.Error() != want.Error() || !errors.Is(err, ErrPlacement) {
		t.Errorf("placement: %v, want %v", err, want)
	}
	e := sampleEngine(t)
	var ctx Context
	bad := AppendContext(nil, &Context{Placement: Cart, Anchor: -1, Cart: []Line{{Item: 1, Qty: 1}}}, "v")
	bad[36+0*4] = 0xff // cart count: the lengths no longer add up
	err = e.DecodeContext(bad, &ctx)
	want := fmt.Errorf("%w: counts need %d bytes, have %d", ErrContext, ContextHeaderSize+255*8+len("v"), len(bad))
	if err == nil || !errors.Is(err, ErrContext) || err.Error() != want.Error() {
		t.Errorf("context: %v, want %v", err, want)
	}
	bad = AppendContext(nil, &Context{Placement: Cart, Anchor: -1, FreeDelivery: 1}, "")
	binary.LittleEndian.PutUint64(bad[24:], math.Float64bits(math.Inf(1)))
	if err := e.DecodeContext(bad, &ctx); err == nil || err.Error() != fmt.Errorf("%w: free_delivery %v", ErrContext, math.Inf(1)).Error() {
		t.Errorf("free delivery: %v", err)
	}
}

// TestCandInitSetsEveryField: a candidate's slot is reused call after
// call, and init / initPair set it field by field (no composite literal:
// see init). A field left out would carry the last call's value: every
// field here starts as garbage and must come out as the literal says.
func TestCandInitSetsEveryField(t *testing.T) {
	garbage := func() *cand { // every byte 7: every field, whatever its type, not what init sets
		c := new(cand)
		b := unsafe.Slice((*byte)(unsafe.Pointer(c)), unsafe.Sizeof(*c))
		for i := range b {
			b[i] = 7
		}
		return c
	}
	same := func(name string, got, want cand) {
		t.Helper()
		if math.IsNaN(want.refPrice) != math.IsNaN(got.refPrice) {
			t.Fatalf("%s: refPrice %v, want %v", name, got.refPrice, want.refPrice)
		}
		if math.IsNaN(want.refPrice) {
			got.refPrice, want.refPrice = 0, 0
		}
		if got != want {
			t.Fatalf("%s:\ngot  %+v\nwant %+v", name, got, want)
		}
	}
	c := garbage()
	c.init(42)
	same("init", *c, cand{item: 42, anchor: -1, ref: -1, row: -1, refPrice: math.NaN()})
	c = garbage()
	c.initPair(42, 3, 19.5, 0.25, 1234)
	same("initPair", *c, cand{item: 42, anchor: 3, ref: 3, refPrice: 19.5, rule: RulePairs, row: -1,
		ev: 0.25, best: 0.25, evKind: evPair, evA: 3, evJ: 1234})
}

// TestFeedbackEagerOnlyWhenItCanRaise: score finishes a candidate with
// feedback before pick only when one of its rows can give acceptance above
// 0 (Engine.fbRaise). A row under the line (added < prior·shown, with
// indexFeedback's margin) never does for any shrinkage up to
// maxRaiseShrinkage, so pick's cut bounds those items like any other
// (TestLazyScoringSameAnswers checks the answers on the synthetic blob,
// whose rows fall on both sides); a policy with more shrinkage, or NaN,
// finishes every item with feedback.
func TestFeedbackEagerOnlyWhenItCanRaise(t *testing.T) {
	rnd := rand.New(rand.NewPCG(21, 22))
	under := func(added, shown, prior float64) bool { return added < prior*shown*(1-1e-6) }
	checked := 0
	for i := 0; i < 400000; i++ {
		prior := math.Pow(10, -4*rnd.Float64()) // 1e-4 .. 1
		shown := float64(rnd.IntN(1 << uint(rnd.IntN(24)+1)))
		added := math.Floor(prior * shown * rnd.Float64())
		if i%5 == 0 {
			added = math.Ceil(prior*shown) - 1 // just under the line
		}
		sh := math.Pow(10, 6*rnd.Float64()) // 1 .. maxRaiseShrinkage
		if i%11 == 0 {
			sh = []float64{1, maxRaiseShrinkage}[rnd.IntN(2)]
		}
		if added < 0 || !under(added, shown, prior) {
			continue
		}
		checked++
		if got := acceptanceOf(added, shown, float64(rnd.IntN(50)), prior, sh); got > 0 {
			t.Fatalf("added %v shown %v prior %v sh %v: acceptance %v > 0", added, shown, prior, sh, got)
		}
	}
	if checked < 100000 {
		t.Fatalf("only %d rows under the line checked", checked)
	}
	// The synthetic blob's rows: fbRaise marks the items with a row at or
	// above the line, fbAny every item with rows, and some are on each side.
	e, err := New(synth.Build(synth.Options{Items: 3000, Neighbours: 30, Seed: 3}))
	if err != nil {
		t.Fatal(err)
	}
	f := &e.b.Feedback
	want := map[uint32]bool{}
	for r := 0; r < f.Len(); r++ {
		if !under(float64(f.Added[r]), float64(f.Shown[r]), e.fbPrior) {
			want[f.Item[r]] = true
		}
	}
	bit := func(set []uint64, i int) bool { return set[i/64]&(1<<(i%64)) != 0 }
	raise, withRows := 0, 0
	for i := 0; i < e.n; i++ {
		if bit(e.fbRaise, i) != want[uint32(i)] {
			t.Fatalf("item %d: in fbRaise %v, want %v", i, bit(e.fbRaise, i), want[uint32(i)])
		}
		if bit(e.fbAny, i) != (e.fbOff[i+1] > e.fbOff[i]) {
			t.Fatalf("item %d: in fbAny %v, has %d rows", i, bit(e.fbAny, i), e.fbOff[i+1]-e.fbOff[i])
		}
		if want[uint32(i)] {
			raise++
		}
		if bit(e.fbAny, i) {
			withRows++
		}
	}
	if raise == 0 || raise == withRows {
		t.Fatalf("%d of %d items with feedback can be raised: want some on each side", raise, withRows)
	}
	// Which set a call uses follows its shrinkage.
	for _, tc := range []struct {
		sh   float64
		want []uint64
	}{{5, e.fbRaise}, {maxRaiseShrinkage, e.fbRaise}, {maxRaiseShrinkage * 2, e.fbAny}, {math.NaN(), e.fbAny}} {
		old := e.base.w.Shrinkage
		e.base.w.Shrinkage = tc.sh
		s := newScratch(e.n)
		ctx := *benchCart(3)
		ctx.Visitor = 0 // the base policy, no experiment's weights
		e.start(&ctx, s)
		e.base.w.Shrinkage = old
		if &s.fb[0] != &tc.want[0] {
			t.Errorf("shrinkage %v: the call does not use the set it should", tc.sh)
		}
	}
}

// TestTriplesSkipSameAnswers: fromTriples looks only at the pairs of
// anchors whose smaller item has triple rows; the answers must be those of
// looking at every pair, on carts built around the blobs' triple rows (two
// antecedent pairs in some, random items around them, in random order).
func TestTriplesSkipSameAnswers(t *testing.T) {
	defer func() { triplesEveryPair = false }()
	triples := 0
	for _, tc := range sampleAndSynthetic(t, 9) {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			tr := &e.b.Triples
			if len(tr.A) == 0 {
				t.Skip("no triples")
			}
			rnd := rand.New(rand.NewPCG(31, 32))
			var skip, every []Suggestion
			before := triples
			for i := 0; i < 3000; i++ {
				r := rnd.IntN(len(tr.A))
				items := []uint32{tr.A[r], tr.B[r]}
				if i%2 == 1 {
					r2 := rnd.IntN(len(tr.A))
					items = append(items, tr.A[r2], tr.B[r2])
				}
				for k := rnd.IntN(9); k > 0; k-- {
					items = append(items, uint32(rnd.IntN(e.n)))
				}
				rnd.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
				ctx := Context{Placement: Cart, Anchor: -1, Now: now}
				for _, it := range items {
					ctx.Cart = append(ctx.Cart, Line{Item: it, Qty: 1})
				}
				triplesEveryPair = false
				skip = e.Recommend(&ctx, skip[:0])
				triplesEveryPair = true
				every = e.Recommend(&ctx, every[:0])
				if !reflect.DeepEqual(skip, every) {
					t.Fatalf("cart %v:\nskipping  %+v\nall pairs %+v", items, skip, every)
				}
				for _, s := range skip {
					if s.Rule == RuleTriple {
						triples++
					}
				}
			}
			t.Logf("%d answers from triples", triples-before)
		})
	}
	if triples == 0 {
		t.Fatal("no triple rule among the answers: the carts do not exercise fromTriples")
	}
}
