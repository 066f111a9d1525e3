package mine

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/xsell/xsell/wasm/blob"
)

// tripleCand is a consequent C of antecedent row r = {A,B}: nabc orders hold
// all three, lb is the Wilson lower bound of confidence({A,B}→C) and base the
// best plain confidence of A→C and B→C seen so far.
type tripleCand struct {
	row, c, nabc uint32
	lb, base     float64
}

// span is a run of indices lo..hi-1.
type span struct{ lo, hi int }

// runs splits the indices 0..n-1 into runs with the same key.
func runs(n int, key func(i int) uint32) []span {
	var out []span
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && key(hi) == key(lo) {
			hi++
		}
		out = append(out, span{lo, hi})
		lo = hi
	}
	return out
}

// parallel runs fn over spans with the given number of workers, handing the
// spans out in order, each worker with its own two counters.
func parallel(ix *index, workers int, spans []span, fn func(c1, c2 *counter, s span)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		c1, c2 := newCounter(ix.nItems, false), newCounter(ix.nItems, false)
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(spans)) {
					return
				}
				fn(c1, c2, spans[i])
			}
		})
	}
	wg.Wait()
}

// mineTriples keeps, for each antecedent pair {A,B} (ante, sorted by (a, b)),
// the consequents C with n_ABC >= TripleMin whose confidence({A,B}→C) is
// significantly above both confidence(A→C) and confidence(B→C): its Wilson
// lower bound must exceed the larger of the two. A and B's own confidences are
// taken as known: they rest on n_A and n_B orders, far more than n_AB.
func mineTriples(ix *index, opt Options, ante []pairCount, t *blob.Triples, prog *progress) {
	t.Off = []uint32{0}
	if len(ante) == 0 {
		return
	}
	z := opt.Confidence
	tripleMin := uint32(opt.TripleMin)

	// Pass 1, grouped by A: count n_AC once per A, then n_ABC per row over the
	// orders holding both, and keep C when it beats A→C.
	byA := runs(len(ante), func(i int) uint32 { return ante[i].a })
	slices.SortStableFunc(byA, func(x, y span) int {
		return cmp.Compare(ix.nA[ante[y.lo].a], ix.nA[ante[x.lo].a])
	})
	var mu sync.Mutex
	var cands []tripleCand
	parallel(ix, opt.Workers, byA, func(ca, cabc *counter, s span) {
		a := ante[s.lo].a
		ordersA := ix.inv[ix.invOff[a]:ix.invOff[a+1]]
		ca.count(ix, ordersA)
		nA := float64(ix.nA[a])
		var local []tripleCand
		var common []uint32
		work := int64(len(ordersA))
		for r := s.lo; r < s.hi; r++ {
			b := ante[r].b
			common = intersect(ix, a, b, common[:0])
			work += int64(len(common))
			cabc.count(ix, common)
			for _, c := range cabc.touched {
				k := cabc.cnt[c]
				if c == a || c == b || k < tripleMin {
					continue
				}
				lb := WilsonLower(k, ante[r].nab, z)
				confA := float64(ca.cnt[c]) / nA
				if lb > confA {
					local = append(local, tripleCand{row: uint32(r), c: c, nabc: k, lb: lb, base: confA})
				}
			}
			cabc.reset()
		}
		ca.reset()
		prog.add(work / 4)
		mu.Lock()
		cands = append(cands, local...)
		mu.Unlock()
	})

	// Pass 2, grouped by B: count n_BC once per B and keep C when it beats
	// B→C too.
	slices.SortFunc(cands, func(x, y tripleCand) int {
		return cmp.Or(cmp.Compare(ante[x.row].b, ante[y.row].b), cmp.Compare(x.row, y.row), cmp.Compare(x.c, y.c))
	})
	byB := runs(len(cands), func(i int) uint32 { return ante[cands[i].row].b })
	slices.SortStableFunc(byB, func(x, y span) int {
		return cmp.Compare(ix.nA[ante[cands[y.lo].row].b], ix.nA[ante[cands[x.lo].row].b])
	})
	parallel(ix, opt.Workers, byB, func(cb, _ *counter, s span) {
		b := ante[cands[s.lo].row].b
		ordersB := ix.inv[ix.invOff[b]:ix.invOff[b+1]]
		cb.count(ix, ordersB)
		nB := float64(ix.nA[b])
		for i := s.lo; i < s.hi; i++ {
			cands[i].base = max(cands[i].base, float64(cb.cnt[cands[i].c])/nB)
		}
		cb.reset()
		prog.add(int64(len(ordersB)) / 4)
	})
	kept := slices.DeleteFunc(cands, func(c tripleCand) bool { return !(c.lb > c.base) })

	// Best first per row: by how far the bound clears the better pair rule,
	// ties by item number; at most Neighbours per row.
	score := func(c tripleCand) float64 { return c.lb / c.base } // base > 0: n_AC >= n_ABC > 0
	slices.SortFunc(kept, func(x, y tripleCand) int {
		return cmp.Or(cmp.Compare(x.row, y.row), cmp.Compare(score(y), score(x)), cmp.Compare(x.c, y.c))
	})
	for lo := 0; lo < len(kept); {
		hi := lo + 1
		for hi < len(kept) && kept[hi].row == kept[lo].row {
			hi++
		}
		pc := ante[kept[lo].row]
		t.A = append(t.A, pc.a)
		t.B = append(t.B, pc.b)
		t.NAB = append(t.NAB, pc.nab)
		for _, c := range kept[lo:min(hi, lo+opt.Neighbours)] {
			t.To = append(t.To, c.c)
			t.NABC = append(t.NABC, c.nabc)
		}
		t.Off = append(t.Off, uint32(len(t.To)))
		lo = hi
	}
}

// intersect appends the orders holding both a and b: it walks the shorter
// order list and looks the other item up in each order's sorted items.
func intersect(ix *index, a, b uint32, dst []uint32) []uint32 {
	orders, other := ix.inv[ix.invOff[a]:ix.invOff[a+1]], b
	if ob := ix.inv[ix.invOff[b]:ix.invOff[b+1]]; len(ob) < len(orders) {
		orders, other = ob, a
	}
	for _, o := range orders {
		if _, ok := slices.BinarySearch(ix.items[ix.off[o]:ix.off[o+1]], other); ok {
			dst = append(dst, o)
		}
	}
	return dst
}
