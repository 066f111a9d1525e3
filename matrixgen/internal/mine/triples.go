package mine

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/xsell/xsell/wasm/blob"
)

// tripleCand is a consequent C (a rank) of antecedent row r = {A,B}: nabc
// orders hold all three, lb is the Wilson lower bound of
// confidence({A,B}→C), base the best plain confidence of A→C and B→C seen
// so far.
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
// spans out in order, each worker with its number and its own two counters.
func parallel(ix *index, workers int, spans []span, fn func(worker int, c1, c2 *counter, s span)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		c1, c2 := newCounter(ix.nItems, false), newCounter(ix.nItems, false)
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(spans)) {
					return
				}
				fn(w, c1, c2, spans[i])
			}
		})
	}
	wg.Wait()
}

// mineTriples keeps, for each antecedent pair {A,B} (ante, sorted by (a, b)),
// the consequents C with n_ABC >= TripleMin whose confidence({A,B}→C) is
// significantly and substantially above both confidence(A→C) and
// confidence(B→C): its Wilson lower bound must be at least TripleGain times
// the larger of the two, at the z of TripleZ for the number of consequents
// tested. A and B's own confidences are taken as known: they rest on n_A and
// n_B orders, more than n_AB.
func mineTriples(ix *index, opt Options, ante []pairCount, t *blob.Triples, prog *progress) {
	t.Off = []uint32{0}
	if len(ante) == 0 {
		return
	}
	z := opt.Confidence
	tripleMin := uint32(opt.TripleMin)
	gain := opt.TripleGain

	// Pass 1, grouped by A: one scan of A's records counts n_AC and hands
	// each record to the rows whose B it holds; then n_ABC per row over its
	// records, keeping C when it beats A→C.
	byA := runs(len(ante), func(i int) uint32 { return ante[i].a })
	slices.SortStableFunc(byA, func(x, y span) int {
		return cmp.Compare(ix.nA[ante[y.lo].ra], ix.nA[ante[x.lo].ra])
	})
	var mu sync.Mutex
	var cands []tripleCand
	var tests atomic.Int64
	// Per worker: rowOf[rank] is the row (within the group) whose B has that
	// rank, or -1; common[i] lists the records holding A and row i's B.
	rowOf := make([][]int32, opt.Workers)
	common := make([][][]uint32, opt.Workers)
	parallel(ix, opt.Workers, byA, func(w int, ca, cabc *counter, s span) {
		if rowOf[w] == nil {
			rowOf[w] = make([]int32, ix.nItems)
			for i := range rowOf[w] {
				rowOf[w][i] = -1
			}
		}
		ro := rowOf[w]
		for len(common[w]) < s.hi-s.lo {
			common[w] = append(common[w], nil)
		}
		lists := common[w][:s.hi-s.lo]
		for i := range lists {
			lists[i] = lists[i][:0]
			ro[ante[s.lo+i].rb] = int32(i)
		}
		a := ante[s.lo].ra
		ordersA := ix.inv[ix.invOff[a]:ix.invOff[a+1]]
		ca.distribute(ix, ordersA, ro, lists)
		for i := range lists {
			ro[ante[s.lo+i].rb] = -1
		}
		nA := float64(ix.nA[a])
		var local []tripleCand
		work := int64(len(ordersA))
		tested := 0
		for r := s.lo; r < s.hi; r++ {
			b := ante[r].rb
			recs := lists[r-s.lo]
			work += int64(len(recs))
			cabc.add(ix, recs, nil)
			for _, c := range cabc.touched {
				k := cabc.cnt[c]
				if c == a || c == b || k < tripleMin {
					continue
				}
				tested++
				// A first sieve at the plain z: the corrected z is larger,
				// its bound smaller.
				lb := WilsonLower(k, ante[r].nab, z)
				confA := float64(ca.cnt[c]) / nA
				if lb >= gain*confA {
					local = append(local, tripleCand{row: uint32(r), c: c, nabc: k, lb: lb, base: confA})
				}
			}
			cabc.reset()
		}
		ca.reset()
		tests.Add(int64(tested))
		prog.add(work / 4)
		mu.Lock()
		cands = append(cands, local...)
		mu.Unlock()
	})

	zt := TripleZ(z, int(tests.Load()))
	cands = slices.DeleteFunc(cands, func(c tripleCand) bool { return !(WilsonLower(c.nabc, ante[c.row].nab, zt) >= gain*c.base) })
	for i := range cands {
		cands[i].lb = WilsonLower(cands[i].nabc, ante[cands[i].row].nab, zt)
	}

	// Pass 2, grouped by B: count n_BC once per B and keep C when it beats
	// B→C too.
	slices.SortFunc(cands, func(x, y tripleCand) int {
		return cmp.Or(cmp.Compare(ante[x.row].b, ante[y.row].b), cmp.Compare(x.row, y.row), cmp.Compare(x.c, y.c))
	})
	byB := runs(len(cands), func(i int) uint32 { return ante[cands[i].row].b })
	slices.SortStableFunc(byB, func(x, y span) int {
		return cmp.Compare(ix.nA[ante[cands[y.lo].row].rb], ix.nA[ante[cands[x.lo].row].rb])
	})
	parallel(ix, opt.Workers, byB, func(_ int, cb, _ *counter, s span) {
		b := ante[cands[s.lo].row].rb
		ordersB := ix.inv[ix.invOff[b]:ix.invOff[b+1]]
		cb.add(ix, ordersB, nil)
		nB := float64(ix.nA[b])
		for i := s.lo; i < s.hi; i++ {
			cands[i].base = max(cands[i].base, float64(cb.cnt[cands[i].c])/nB)
		}
		cb.reset()
		prog.add(int64(len(ordersB)) / 4)
	})
	kept := slices.DeleteFunc(cands, func(c tripleCand) bool { return !(c.lb >= gain*c.base) })

	// Best first per row: by how far the bound clears the better pair rule,
	// ties by item number; at most Neighbours per row.
	score := func(c tripleCand) float64 { return c.lb / c.base } // base > 0: n_AC >= n_ABC > 0
	slices.SortFunc(kept, func(x, y tripleCand) int {
		return cmp.Or(cmp.Compare(x.row, y.row), cmp.Compare(score(y), score(x)), cmp.Compare(ix.id[x.c], ix.id[y.c]))
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
			t.To = append(t.To, ix.id[c.c])
			t.NABC = append(t.NABC, c.nabc)
		}
		t.Off = append(t.Off, uint32(len(t.To)))
		lo = hi
	}
}

// distribute counts A's records (recs) into c, as count does, and appends
// each record to lists[rowOf[x]] for every item x in it that is the B of one
// of the group's rows: the records holding both A and B, found while A's
// records are in cache anyway.
func (c *counter) distribute(ix *index, recs []uint32, rowOf []int32, lists [][]uint32) {
	cnt, touched, rec := c.cnt, c.touched, ix.rec
	for _, p := range recs {
		n := rec[p]
		for _, x := range rec[p+1 : p+1+n] {
			v := cnt[x]
			if v == 0 {
				touched = append(touched, x)
			}
			cnt[x] = v + 1
			if r := rowOf[x]; r >= 0 {
				lists[r] = append(lists[r], p)
			}
		}
	}
	c.touched = touched
}
