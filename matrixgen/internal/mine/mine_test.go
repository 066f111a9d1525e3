package mine

import (
	"bufio"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

// groceries reads the shipped arules "Groceries" data: one basket per line,
// items separated by commas.
func groceries(t testing.TB) (*Baskets, []string) {
	t.Helper()
	f, err := os.Open("../../testdata/sample/groceries.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]uint32{}
	var names []string
	b := &Baskets{Off: []uint32{0}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		for _, name := range strings.Split(line, ",") {
			id, ok := ids[name]
			if !ok {
				id = uint32(len(names))
				ids[name] = id
				names = append(names, name)
			}
			b.Items = append(b.Items, id)
		}
		b.Off = append(b.Off, uint32(len(b.Items)))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	b.NItems = len(names)
	return b, names
}

func defaults() blob.Mining { return blob.DefaultPolicy().Mining }

func mustMine(t testing.TB, b *Baskets, opt Options) *Result {
	t.Helper()
	res, err := Mine(b, opt)
	if err != nil {
		t.Fatalf("Mine: %v", err)
	}
	return res
}

// checkAgainstBrute compares every count and every kept list with the
// brute-force reference.
func checkAgainstBrute(t *testing.T, b *Baskets, opt Options, res *Result) {
	t.Helper()
	o, err := opt.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	ref := bruteCount(b, o.HalfLifeDays, o.Now)
	if res.Stats.Orders != ref.n {
		t.Fatalf("N = %d, want %d", res.Stats.Orders, ref.n)
	}
	if !close(res.Stats.OrdersDecayed, ref.nDec) {
		t.Fatalf("N decayed = %v, want %v", res.Stats.OrdersDecayed, ref.nDec)
	}
	if !slices.Equal(res.Orders, ref.nA) {
		t.Fatalf("n_A differs:\n got %v\nwant %v", res.Orders, ref.nA)
	}
	for x := range ref.nADec {
		if !close(float64(res.OrdersDecayed[x]), ref.nADec[x]) {
			t.Fatalf("item %d: n_A decayed = %v, want %v", x, res.OrdersDecayed[x], ref.nADec[x])
		}
	}
	p := &res.Pairs
	if len(p.Off) != b.NItems+1 {
		t.Fatalf("%d pair offsets for %d items", len(p.Off), b.NItems)
	}
	for a := range uint32(b.NItems) {
		want := ref.neighbours(a, o.Mining)
		lo, hi := p.Off[a], p.Off[a+1]
		if int(hi-lo) != len(want) {
			t.Fatalf("anchor %d keeps %d neighbours, want %d: got %v want %v", a, hi-lo, len(want), p.To[lo:hi], want)
		}
		for i, w := range want {
			k := lo + uint32(i)
			if p.To[k] != w.b || p.NAB[k] != w.nab {
				t.Fatalf("anchor %d neighbour %d = (%d, n_AB %d), want (%d, n_AB %d)", a, i, p.To[k], p.NAB[k], w.b, w.nab)
			}
			if d := ref.nabDec(a, w.b); !close(float64(p.NABDecayed[k]), d) {
				t.Fatalf("anchor %d neighbour %d: n_AB decayed %v, want %v", a, w.b, p.NABDecayed[k], d)
			}
		}
	}
	if o.NoTriples {
		if len(res.Triples.A) != 0 {
			t.Fatalf("NoTriples but %d triple rows", len(res.Triples.A))
		}
		return
	}
	want := ref.triples(o.Mining, o.TripleGain)
	tr := &res.Triples
	if len(tr.A) != len(want) {
		t.Fatalf("%d triple rows, want %d", len(tr.A), len(want))
	}
	for r, w := range want {
		got := bruteRule{a: tr.A[r], b: tr.B[r], nab: tr.NAB[r], to: tr.To[tr.Off[r]:tr.Off[r+1]], nabc: tr.NABC[tr.Off[r]:tr.Off[r+1]]}
		if got.a != w.a || got.b != w.b || got.nab != w.nab || !slices.Equal(got.to, w.to) || !slices.Equal(got.nabc, w.nabc) {
			t.Fatalf("triple row %d = %+v, want %+v", r, got, w)
		}
	}
}

func close(got, want float64) bool {
	return math.Abs(got-want) <= 1e-5*math.Max(1, math.Abs(want))
}

func TestGroceriesAgainstBruteForce(t *testing.T) {
	b, names := groceries(t)
	cases := []struct {
		name string
		opt  Options
	}{
		{"defaults", Options{Mining: defaults()}},
		{"one worker", Options{Mining: defaults(), Workers: 1}},
		{"five workers", Options{Mining: defaults(), Workers: 5}},
		{"min count 1, 5 neighbours", Options{Mining: blob.Mining{MinCount: 1, Neighbours: 5, Confidence: 1.96, TripleMin: 20, TriplePairs: 50}}},
		{"strict", Options{Mining: blob.Mining{MinCount: 30, Neighbours: 10, Confidence: 3, TripleMin: 30, TriplePairs: 100}}},
		{"no triples", Options{Mining: defaults(), NoTriples: true}},
		{"significance alone", Options{Mining: defaults(), TripleGain: 1}},
		{"gain 3", Options{Mining: defaults(), TripleGain: 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustMine(t, b, tc.opt)
			checkAgainstBrute(t, b, tc.opt, res)
		})
	}
	t.Run("published counts", func(t *testing.T) {
		res := mustMine(t, b, Options{Mining: defaults()})
		if res.Stats.Orders != 9835 {
			t.Fatalf("N = %d, want 9835", res.Stats.Orders)
		}
		veg, milk := uint32(slices.Index(names, "other vegetables")), uint32(slices.Index(names, "whole milk"))
		if res.Orders[veg] != 1903 || res.Orders[milk] != 2513 {
			t.Fatalf("n_A = %d, n_B = %d, want 1903, 2513", res.Orders[veg], res.Orders[milk])
		}
		p := &res.Pairs
		k := slices.Index(p.To[p.Off[veg]:p.Off[veg+1]], milk)
		if k < 0 {
			t.Fatalf("whole milk is not among other vegetables' neighbours")
		}
		if got := p.NAB[int(p.Off[veg])+k]; got != 736 {
			t.Fatalf("n_AB = %d, want 736", got)
		}
		if k != 0 {
			t.Errorf("whole milk is other vegetables' neighbour %d; its confidence bound (0.365) is the highest", k)
		}
		if res.Stats.HalfLifeDays != 0 || res.Stats.OrdersDecayed != 9835 {
			t.Fatalf("no times: want no decay, got half-life %v, N decayed %v", res.Stats.HalfLifeDays, res.Stats.OrdersDecayed)
		}
		if len(res.Triples.A) == 0 {
			t.Fatalf("no triples mined from groceries")
		}
	})
}

func TestRandomBasketsAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		b := randomBaskets(rng, 1+rng.IntN(400), 1+rng.IntN(30), rng.IntN(2) == 0)
		opt := Options{
			Mining: blob.Mining{
				MinCount: 1 + rng.IntN(4), Neighbours: 1 + rng.IntN(6), Confidence: []float64{0.5, 1, 1.96}[rng.IntN(3)],
				TripleMin: 1 + rng.IntN(4), TriplePairs: 1 + rng.IntN(40), HalfLifeDays: []float64{0, 10, 100}[rng.IntN(3)],
			},
			Workers:    1 + rng.IntN(3),
			TripleGain: []float64{0, 1, 2.5}[rng.IntN(3)],
		}
		b.Time = b.Time[:b.Len()]
		t.Run(strings.Join([]string{"case", string(rune('A' + i%26)), string(rune('a' + i/26))}, ""), func(t *testing.T) {
			res := mustMine(t, b, opt)
			checkAgainstBrute(t, b, opt, res)
			if err := encodes(b.NItems, res); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// randomBaskets draws orders from a skewed item distribution with repeats
// and empty orders, times over 200 days or none.
func randomBaskets(rng *rand.Rand, orders, items int, timed bool) *Baskets {
	b := &Baskets{Off: []uint32{0}, NItems: items, Time: make([]int64, orders)}
	for o := range orders {
		n := rng.IntN(7)
		for range n {
			x := rng.IntN(items)
			x = x * rng.IntN(items) / items // skew towards low numbers
			b.Items = append(b.Items, uint32(x))
		}
		b.Off = append(b.Off, uint32(len(b.Items)))
		if timed && rng.IntN(10) > 0 {
			b.Time[o] = 1_700_000_000 + int64(rng.IntN(200*86400))
		}
	}
	return b
}

// encodes checks that the result fits the blob's columns.
func encodes(nItems int, res *Result) error {
	bl := &blob.Blob{Strings: []string{""}, Stats: res.Stats, Pairs: res.Pairs, Triples: res.Triples, Policy: blob.DefaultPolicy()}
	for i := range nItems {
		bl.Items.ID = append(bl.Items.ID, string(rune('a'+i%26))+strings.Repeat("x", i/26))
		bl.Items.Title = append(bl.Items.Title, "t")
	}
	bl.Items.Orders, bl.Items.OrdersDecayed = res.Orders, res.OrdersDecayed
	_, err := blob.Encode(bl, blob.EncodeOptions{Raw: true})
	return err
}

func TestDirected(t *testing.T) {
	// Item 1 is rare and always bought with 3; 2 is bought with 3 more
	// often; 0 is in every order. With one neighbour per anchor, 1's list
	// holds 3 but 3's list holds 2: evidence is kept per direction.
	b := &Baskets{NItems: 4, Off: []uint32{0}}
	add := func(n int, items ...uint32) {
		for range n {
			b.Items = append(b.Items, items...)
			b.Off = append(b.Off, uint32(len(b.Items)))
		}
	}
	add(30, 0, 1, 3)
	add(100, 0, 2, 3)
	add(170, 0, 3)
	add(700, 0)
	opt := Options{Mining: blob.Mining{MinCount: 3, Neighbours: 1}}
	res := mustMine(t, b, opt)
	checkAgainstBrute(t, b, opt, res)
	p := &res.Pairs
	for _, c := range []struct {
		anchor int
		want   []uint32
	}{{0, nil}, {1, []uint32{3}}, {2, []uint32{3}}, {3, []uint32{2}}} {
		if got := p.To[p.Off[c.anchor]:p.Off[c.anchor+1]]; !slices.Equal(got, c.want) {
			t.Errorf("anchor %d: neighbours %v, want %v", c.anchor, got, c.want)
		}
	}
	// The same pair scores differently each way: A→B rests on n_A trials.
	if LiftLower(30, 30, 300, 1000, 1.96) == LiftLower(30, 300, 30, 1000, 1.96) {
		t.Errorf("LiftLower is symmetric on a lopsided pair")
	}
}

func TestDecayHandComputed(t *testing.T) {
	const day = 86400
	now := int64(1_750_000_000)
	// Orders 0, 30 and 60 days old with a 30-day half-life weigh 1, ½, ¼;
	// order 3 has no time (weight 1); order 4 is empty and does not count.
	b := &Baskets{
		NItems: 3,
		Off:    []uint32{0, 2, 4, 6, 8, 8},
		Items:  []uint32{0, 1, 0, 1, 0, 2, 1, 1},
		Time:   []int64{now, now - 30*day, now - 60*day, 0, now - 90*day},
	}
	res := mustMine(t, b, Options{Mining: blob.Mining{MinCount: 1, Neighbours: 5, HalfLifeDays: 30, Confidence: 0.1}, NoTriples: true})
	if res.Stats.Orders != 4 {
		t.Fatalf("N = %d, want 4 (the empty order does not count)", res.Stats.Orders)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"N decayed", res.Stats.OrdersDecayed, 1 + 0.5 + 0.25 + 1},
		{"n_0 decayed", float64(res.OrdersDecayed[0]), 1 + 0.5 + 0.25},
		{"n_1 decayed", float64(res.OrdersDecayed[1]), 1 + 0.5 + 1},
		{"n_2 decayed", float64(res.OrdersDecayed[2]), 0.25},
		{"half-life", res.Stats.HalfLifeDays, 30},
		{"from", float64(res.Stats.From), float64(now - 60*day)},
		{"to", float64(res.Stats.To), float64(now)},
	} {
		if !close(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !slices.Equal(res.Orders, []uint32{3, 3, 1}) {
		t.Errorf("n_A = %v, want [3 3 1] (item 1 twice in order 3 counts once)", res.Orders)
	}
	// Now later than every order: everything ages by 30 more days.
	later := mustMine(t, b, Options{Mining: blob.Mining{MinCount: 1, HalfLifeDays: 30}, Now: now + 30*day, NoTriples: true})
	if want := 0.5 + 0.25 + 0.125 + 1; !close(later.Stats.OrdersDecayed, want) {
		t.Errorf("N decayed with Now a half-life later = %v, want %v", later.Stats.OrdersDecayed, want)
	}
	// Decayed pair counts: item 0 with 1 in the orders weighing 1 and ½.
	ref := bruteCount(b, 30, 0)
	if got := ref.nabDec(0, 1); !close(got, 1.5) {
		t.Fatalf("reference n_01 decayed = %v, want 1.5", got)
	}
}

func TestTiesDeterministic(t *testing.T) {
	// Anchor 0 with four neighbours of identical counts: they tie on every
	// measure and must come out by item number, whatever the worker count.
	b := &Baskets{NItems: 6, Off: []uint32{0}}
	for range 10 {
		for _, x := range []uint32{4, 2, 3, 1} {
			b.Items = append(b.Items, 0, x)
			b.Off = append(b.Off, uint32(len(b.Items)))
		}
		b.Items = append(b.Items, 5)
		b.Off = append(b.Off, uint32(len(b.Items)))
	}
	var first *Result
	for workers := 1; workers <= 4; workers++ {
		res := mustMine(t, b, Options{Mining: blob.Mining{MinCount: 2, Neighbours: 3, Confidence: 0.5}, Workers: workers})
		p := &res.Pairs
		if got := p.To[p.Off[0]:p.Off[1]]; !slices.Equal(got, []uint32{1, 2, 3}) {
			t.Fatalf("workers %d: anchor 0's neighbours = %v, want [1 2 3]", workers, got)
		}
		if first == nil {
			first = res
		} else if !slices.Equal(first.Pairs.To, res.Pairs.To) || !slices.Equal(first.Pairs.Off, res.Pairs.Off) {
			t.Fatalf("workers %d: result differs from workers 1", workers)
		}
	}
}

func TestTriplesPlanted(t *testing.T) {
	// Items 0 and 1 together predict 2 (in 45 of their 50 orders), while
	// either alone rarely comes with 2; 3 comes with 0 as often with or
	// without 1, so {0,1}→3 is no better than 0→3 and must not be kept.
	b := &Baskets{NItems: 6, Off: []uint32{0}}
	add := func(n int, items ...uint32) {
		for range n {
			b.Items = append(b.Items, items...)
			b.Off = append(b.Off, uint32(len(b.Items)))
		}
	}
	add(45, 0, 1, 2)
	add(5, 0, 1)
	add(200, 0, 3)
	add(200, 0)
	add(250, 1)
	add(30, 2, 4)
	add(100, 5)
	add(25, 0, 1, 3)
	opt := Options{Mining: blob.Mining{MinCount: 3, Neighbours: 5, TripleMin: 5, TriplePairs: 10}}
	res := mustMine(t, b, opt)
	checkAgainstBrute(t, b, opt, res)
	tr := &res.Triples
	row := -1
	for r := range tr.A {
		if tr.A[r] == 0 && tr.B[r] == 1 {
			row = r
		}
	}
	if row < 0 {
		t.Fatalf("no row {0,1} among %v/%v", tr.A, tr.B)
	}
	if got := tr.To[tr.Off[row]:tr.Off[row+1]]; !slices.Equal(got, []uint32{2}) {
		t.Fatalf("{0,1} → %v, want [2] (3 is no likelier with 1 than without)", got)
	}
	if tr.NAB[row] != 75 || tr.NABC[tr.Off[row]] != 45 {
		t.Fatalf("n_AB %d, n_ABC %d, want 75, 45", tr.NAB[row], tr.NABC[tr.Off[row]])
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		b    Baskets
		opt  Options
		want error
		msg  string
	}{
		{"item out of range", Baskets{NItems: 2, Off: []uint32{0, 1, 3}, Items: []uint32{0, 1, 2}}, Options{}, ErrBaskets, "order 1 has item 2"},
		{"offsets past items", Baskets{NItems: 2, Off: []uint32{0, 4}, Items: []uint32{0, 1}}, Options{}, ErrBaskets, "offsets run"},
		{"offsets decrease", Baskets{NItems: 2, Off: []uint32{0, 2, 1, 2}, Items: []uint32{0, 1}}, Options{}, ErrBaskets, "decrease at order 1"},
		{"items without offsets", Baskets{NItems: 2, Items: []uint32{0}}, Options{}, ErrBaskets, "no offsets"},
		{"times too few", Baskets{NItems: 2, Off: []uint32{0, 1}, Items: []uint32{0}, Time: []int64{1, 2}}, Options{}, ErrBaskets, "2 times for 1 orders"},
		{"negative items", Baskets{NItems: -1, Off: []uint32{0}}, Options{}, ErrBaskets, "NItems -1"},
		{"negative neighbours", Baskets{NItems: 1, Off: []uint32{0}}, Options{Mining: blob.Mining{Neighbours: -1}}, ErrOptions, "negative"},
		{"NaN half-life", Baskets{NItems: 1, Off: []uint32{0}}, Options{Mining: blob.Mining{HalfLifeDays: math.NaN()}}, ErrOptions, "half_life_days"},
		{"huge z", Baskets{NItems: 1, Off: []uint32{0}}, Options{Mining: blob.Mining{Confidence: 100}}, ErrOptions, "confidence"},
		{"small triple gain", Baskets{NItems: 1, Off: []uint32{0}}, Options{TripleGain: 0.5}, ErrOptions, "triple gain"},
		{"negative workers", Baskets{NItems: 1, Off: []uint32{0}}, Options{Workers: -2}, ErrOptions, "workers -2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Mine(&tc.b, tc.opt)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    Baskets
	}{
		{"nothing", Baskets{}},
		{"no items", Baskets{NItems: 3, Off: []uint32{0}}},
		{"empty orders", Baskets{NItems: 3, Off: []uint32{0, 0, 0}}},
		{"singletons", Baskets{NItems: 3, Off: []uint32{0, 1, 2}, Items: []uint32{2, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustMine(t, &tc.b, Options{})
			if len(res.Pairs.To) != 0 || len(res.Triples.A) != 0 {
				t.Fatalf("pairs %v triples %v from no pairs", res.Pairs.To, res.Triples.A)
			}
			if len(res.Pairs.Off) != tc.b.NItems+1 || len(res.Triples.Off) != 1 {
				t.Fatalf("offsets %d/%d, want %d/1", len(res.Pairs.Off), len(res.Triples.Off), tc.b.NItems+1)
			}
			if err := encodes(tc.b.NItems, res); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWilsonLower(t *testing.T) {
	for _, c := range []struct {
		k, n uint32
		z    float64
		want float64
	}{
		{0, 0, 1.96, 0},
		{0, 10, 1.96, 0},
		{5, 10, 1.96, 0.2365931},     // textbook: 5/10 at 95% is [0.237, 0.763]
		{10, 10, 1.96, 0.7224599},    // all successes: n/(n+z²)
		{736, 1903, 1.96, 0.3651255}, // other vegetables → whole milk in groceries
		{50, 100, 0, 0.5},            // z 0: the point estimate
	} {
		if got := WilsonLower(c.k, c.n, c.z); math.Abs(got-c.want) > 1e-4 {
			t.Errorf("WilsonLower(%d, %d, %v) = %v, want %v", c.k, c.n, c.z, got, c.want)
		}
	}
	for _, c := range []struct {
		z     float64
		tests int
		want  float64
	}{
		{1.96, 0, 1.96}, {1.96, 1, 1.96}, {1.96, 1000, 4.0556}, {1.96, 1_000_000, 5.4513}, {3, 10, 3.6425},
	} {
		if got := TripleZ(c.z, c.tests); math.Abs(got-c.want) > 1e-3 {
			t.Errorf("TripleZ(%v, %d) = %v, want %v", c.z, c.tests, got, c.want)
		}
	}
	if got, want := LiftLower(5, 10, 20, 100, 0), 2.5; math.Abs(got-want) > 1e-12 {
		t.Errorf("LiftLower with z 0 = %v, want raw lift %v", got, want)
	}
	// Same raw lift (12.5), a hundred times the evidence: ranks higher.
	if LiftLower(2, 4, 400, 10000, 1.96) >= LiftLower(200, 400, 400, 10000, 1.96) {
		t.Errorf("a pair seen twice outranks the same lift seen 200 times")
	}
}

func TestProgress(t *testing.T) {
	b, _ := groceries(t)
	var calls, last, total int
	_, err := Mine(b, Options{Mining: defaults(), Progress: func(done, tot int) {
		calls++
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		last, total = done, tot
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 2 || last != 9835 || total != 9835 {
		t.Fatalf("%d progress calls ending at %d/%d, want several ending at 9835/9835", calls, last, total)
	}
}
