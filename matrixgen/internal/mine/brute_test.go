package mine

import (
	"cmp"
	"math"
	"slices"

	"github.com/xsell/xsell/wasm/blob"
)

// brute is the reference: straightforward maps over every pair and triple,
// and the selection rules restated from the documentation.
type brute struct {
	n      uint32
	nDec   float64
	nA     []uint32
	nADec  []float64
	pair   map[[2]uint32]uint32 // ordered a<b
	pairD  map[[2]uint32]float64
	triple map[[3]uint32]uint32 // a<b<c
	orders [][]uint32           // de-duplicated, sorted
}

func bruteCount(b *Baskets, halfLife float64, now int64) *brute {
	r := &brute{nA: make([]uint32, b.NItems), nADec: make([]float64, b.NItems),
		pair: map[[2]uint32]uint32{}, pairD: map[[2]uint32]float64{}, triple: map[[3]uint32]uint32{}}
	var latest int64 // of the orders that count
	for o, t := range b.Time {
		if b.Off[o+1] > b.Off[o] {
			latest = max(latest, t)
		}
	}
	if now == 0 {
		now = latest
	}
	for o := 0; o < b.Len(); o++ {
		set := map[uint32]bool{}
		for _, x := range b.Items[b.Off[o]:b.Off[o+1]] {
			set[x] = true
		}
		var its []uint32
		for x := range set {
			its = append(its, x)
		}
		slices.Sort(its)
		r.orders = append(r.orders, its)
		if len(its) == 0 {
			continue
		}
		w := 1.0
		if halfLife > 0 && latest != 0 && b.Time[o] != 0 && b.Time[o] < now {
			w = math.Pow(2, -float64(now-b.Time[o])/(halfLife*86400))
		}
		r.n++
		r.nDec += w
		for i, x := range its {
			r.nA[x]++
			r.nADec[x] += w
			for j := i + 1; j < len(its); j++ {
				k := [2]uint32{x, its[j]}
				r.pair[k]++
				r.pairD[k] += w
				for _, z := range its[j+1:] {
					r.triple[[3]uint32{x, its[j], z}]++
				}
			}
		}
	}
	return r
}

func (r *brute) nab(a, b uint32) uint32 {
	if a > b {
		a, b = b, a
	}
	return r.pair[[2]uint32{a, b}]
}

func (r *brute) nabDec(a, b uint32) float64 {
	if a > b {
		a, b = b, a
	}
	return r.pairD[[2]uint32{a, b}]
}

func (r *brute) nabc(a, b, c uint32) uint32 {
	k := []uint32{a, b, c}
	slices.Sort(k)
	return r.triple[[3]uint32{k[0], k[1], k[2]}]
}

type bruteNeighbour struct {
	b, nab uint32
	score  float64
}

// neighbours is anchor a's list by the documented rule: n_AB >= MinCount,
// LiftLower > 1, best first by the Wilson lower bound of the confidence
// n_AB/n_A, ties by item, at most Neighbours.
func (r *brute) neighbours(a uint32, m blob.Mining) []bruteNeighbour {
	var out []bruteNeighbour
	for b := range uint32(len(r.nA)) {
		nab := r.nab(a, b)
		if b == a || nab < uint32(m.MinCount) {
			continue
		}
		if LiftLower(nab, r.nA[a], r.nA[b], r.n, m.Confidence) > 1 {
			out = append(out, bruteNeighbour{b, nab, WilsonLower(nab, r.nA[a], m.Confidence)})
		}
	}
	slices.SortFunc(out, func(x, y bruteNeighbour) int { return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.b, y.b)) })
	return out[:min(len(out), m.Neighbours)]
}

type bruteRule struct {
	a, b, nab uint32
	to, nabc  []uint32
}

// triples restates the triple rule: the TriplePairs pairs with the largest
// n_AB >= TripleMin (ties by (a, b)), and for each the consequents C with
// n_ABC >= TripleMin whose Wilson lower bound, at the z corrected for the
// number of such consequents, is gain times both pair confidences.
func (r *brute) triples(m blob.Mining, gain float64) []bruteRule {
	type pc struct{ a, b, n uint32 }
	var pairs []pc
	for k, n := range r.pair {
		if n >= uint32(m.TripleMin) {
			pairs = append(pairs, pc{k[0], k[1], n})
		}
	}
	slices.SortFunc(pairs, func(x, y pc) int {
		return cmp.Or(cmp.Compare(y.n, x.n), cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
	})
	pairs = pairs[:min(len(pairs), m.TriplePairs)]
	slices.SortFunc(pairs, func(x, y pc) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	tests := 0
	for _, p := range pairs {
		for c := range uint32(len(r.nA)) {
			if c != p.a && c != p.b && r.nabc(p.a, p.b, c) >= uint32(m.TripleMin) {
				tests++
			}
		}
	}
	z := TripleZ(m.Confidence, tests)
	var out []bruteRule
	for _, p := range pairs {
		type cons struct {
			c, n  uint32
			score float64
		}
		var cs []cons
		for c := range uint32(len(r.nA)) {
			if c == p.a || c == p.b {
				continue
			}
			n := r.nabc(p.a, p.b, c)
			if n < uint32(m.TripleMin) {
				continue
			}
			lb := WilsonLower(n, p.n, z)
			base := max(float64(r.nab(p.a, c))/float64(r.nA[p.a]), float64(r.nab(p.b, c))/float64(r.nA[p.b]))
			if lb >= gain*base {
				cs = append(cs, cons{c, n, lb / base})
			}
		}
		if len(cs) == 0 {
			continue
		}
		slices.SortFunc(cs, func(x, y cons) int { return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.c, y.c)) })
		rule := bruteRule{a: p.a, b: p.b, nab: p.n}
		for _, c := range cs[:min(len(cs), m.Neighbours)] {
			rule.to = append(rule.to, c.c)
			rule.nabc = append(rule.nabc, c.n)
		}
		out = append(out, rule)
	}
	return out
}
