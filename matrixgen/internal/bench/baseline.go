package bench

import "slices"

// baselineResult is what the straightforward counter produces: every pair's
// joint count and every item's order count.
type baselineResult struct {
	pairs map[uint64]uint32 // key a<<32 | b with a < b
	nA    []uint32
	n     uint32
}

// baseline is the counter a competent engineer writes first: de-duplicate
// each order, then for each pair of its items bump a map entry, and count
// n_A in a slice. It is the yardstick the issue names: `map[pair]count`.
func baseline(off, items []uint32, nItems int) *baselineResult {
	r := &baselineResult{pairs: map[uint64]uint32{}, nA: make([]uint32, nItems)}
	var its []uint32
	for o := 0; o+1 < len(off); o++ {
		its = append(its[:0], items[off[o]:off[o+1]]...)
		slices.Sort(its)
		its = slices.Compact(its)
		if len(its) == 0 {
			continue
		}
		r.n++
		for i, a := range its {
			r.nA[a]++
			for _, b := range its[i+1:] {
				r.pairs[uint64(a)<<32|uint64(b)]++
			}
		}
	}
	return r
}

func (r *baselineResult) nab(a, b uint32) uint32 {
	if a > b {
		a, b = b, a
	}
	return r.pairs[uint64(a)<<32|uint64(b)]
}
