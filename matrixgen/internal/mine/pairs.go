package mine

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/xsell/xsell/wasm/blob"
)

// neighbour is a candidate B in anchor A's list (item numbers, not ranks).
type neighbour struct {
	item  uint32
	nab   uint32
	dec   float32
	score float64 // WilsonLower(n_AB, n_A): confidence(A→B), bounded below
}

func worseNeighbour(a, b neighbour) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.item > b.item
}

// pairCount is an unordered pair of items a < b with its joint count, a
// candidate antecedent of triples; ra and rb are their ranks.
type pairCount struct{ a, b, nab, ra, rb uint32 }

func worsePair(x, y pairCount) bool {
	if x.nab != y.nab {
		return x.nab < y.nab
	}
	if x.a != y.a {
		return x.a > y.a
	}
	return x.b > y.b
}

// counter is one worker's dense scratch over ranks: counts (and decayed
// counts), reset after each use by walking only the touched entries.
type counter struct {
	cnt     []uint32
	dec     []float64
	touched []uint32
}

func newCounter(n int, decay bool) *counter {
	c := &counter{cnt: make([]uint32, n), touched: make([]uint32, 0, 1024)}
	if decay {
		c.dec = make([]float64, n)
	}
	return c
}

// count adds every item of every record in recs to the counters; weights
// (one per record) feed the decayed counts when the counter has them.
// Dense (no touched list, the caller scans everything) suits anchors whose
// records touch most items anyway.
func (c *counter) count(ix *index, recs []uint32, weights []float32, dense bool) {
	cnt, touched, rec := c.cnt, c.touched, ix.rec
	switch {
	case dense && c.dec != nil && weights != nil:
		dec := c.dec
		for i, p := range recs {
			n := rec[p]
			wo := float64(weights[i])
			for _, x := range rec[p+1 : p+1+n] {
				cnt[x]++
				dec[x] += wo
			}
		}
	case dense:
		for _, p := range recs {
			n := rec[p]
			for _, x := range rec[p+1 : p+1+n] {
				cnt[x]++
			}
		}
	case c.dec != nil && weights != nil:
		dec := c.dec
		for i, p := range recs {
			n := rec[p]
			wo := float64(weights[i])
			for _, x := range rec[p+1 : p+1+n] {
				v := cnt[x]
				if v == 0 {
					touched = append(touched, x)
				}
				cnt[x] = v + 1
				dec[x] += wo
			}
		}
	default:
		for _, p := range recs {
			n := rec[p]
			for _, x := range rec[p+1 : p+1+n] {
				v := cnt[x]
				if v == 0 {
					touched = append(touched, x)
				}
				cnt[x] = v + 1
			}
		}
	}
	c.touched = touched
}

// add counts recs (see count), choosing the dense loop when the records
// hold at least as many lines as there are items, then lists the touched
// entries either way.
func (c *counter) add(ix *index, recs []uint32, weights []float32) {
	lines := int64(len(recs)) * int64(len(ix.rec)-int(ix.n)) / max(1, int64(ix.n))
	if lines < int64(len(c.cnt)) || len(c.touched) > 0 {
		c.count(ix, recs, weights, false)
		return
	}
	c.count(ix, recs, weights, true)
	for x, v := range c.cnt {
		if v != 0 {
			c.touched = append(c.touched, uint32(x))
		}
	}
}

// reset zeroes the touched entries.
func (c *counter) reset() {
	for _, x := range c.touched {
		c.cnt[x] = 0
		if c.dec != nil {
			c.dec[x] = 0
		}
	}
	c.touched = c.touched[:0]
}

// anchorList is one anchor's kept neighbours inside a worker's buffers.
type anchorList struct{ anchor, start, n uint32 }

type pairWorker struct {
	*counter
	top   *topK[neighbour]
	ante  *topK[pairCount]
	lists []anchorList
	buf   []neighbour
}

// minePairs fills p with every anchor's best neighbours and returns the
// antecedent pairs for triples (sorted by (a, b)). Anchors are handed out in
// rank order, heaviest first, so that the workers finish together.
func minePairs(ix *index, opt Options, p *blob.Pairs, prog *progress) []pairCount {
	triples := !opt.NoTriples
	minCount := uint32(opt.MinCount)
	tripleMin := uint32(opt.TripleMin)
	skipBelow := minCount
	if triples {
		skipBelow = min(minCount, tripleMin)
	}
	z := opt.Confidence
	n := ix.n

	workers := make([]*pairWorker, opt.Workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for wi := range workers {
		w := &pairWorker{
			counter: newCounter(ix.nItems, ix.invW != nil),
			top:     newTopK(opt.Neighbours, worseNeighbour),
		}
		if triples {
			w.ante = newTopK(opt.TriplePairs, worsePair)
		}
		workers[wi] = w
		wg.Go(func() {
			for {
				r := uint32(next.Add(1) - 1)
				if int(r) >= ix.nItems {
					return
				}
				nA := ix.nA[r]
				if nA < skipBelow {
					return // ranks come in descending n_A: the rest are smaller
				}
				lo, hi := ix.invOff[r], ix.invOff[r+1]
				var weights []float32
				if ix.invW != nil {
					weights = ix.invW[lo:hi]
				}
				w.add(ix, ix.inv[lo:hi], weights)
				a := ix.id[r]
				for _, x := range w.touched {
					c := w.cnt[x]
					if x == r {
						continue
					}
					if triples && x > r && c >= tripleMin {
						pc := pairCount{a: min(a, ix.id[x]), b: max(a, ix.id[x]), nab: c}
						if !w.ante.rejects(pc) {
							pc.ra, pc.rb = ix.rank[pc.a], ix.rank[pc.b]
							w.ante.push(pc)
						}
					}
					if c < minCount {
						continue
					}
					nB := ix.nA[x]
					if uint64(c)*uint64(n) <= uint64(nA)*uint64(nB) {
						continue // lift <= 1: cannot pass
					}
					if LiftLower(c, nA, nB, n, z) <= 1 {
						continue // not significantly above chance
					}
					s := WilsonLower(c, nA, z)
					d := float32(c)
					if w.dec != nil {
						d = float32(w.dec[x])
					}
					nb := neighbour{item: ix.id[x], nab: c, dec: d, score: s}
					if !w.top.rejects(nb) {
						w.top.push(nb)
					}
				}
				w.reset()
				start := len(w.buf)
				w.buf = w.top.drain(w.buf)
				if k := len(w.buf) - start; k > 0 {
					w.lists = append(w.lists, anchorList{a, uint32(start), uint32(k)})
				}
				prog.add(int64(hi - lo))
			}
		})
	}
	wg.Wait()

	// Assemble the CSR columns in item order.
	p.Off = make([]uint32, ix.nItems+1)
	where := make([]anchorList, ix.nItems)
	from := make([]int32, ix.nItems)
	for i := range from {
		from[i] = -1
	}
	total := 0
	for wi, w := range workers {
		for _, l := range w.lists {
			where[l.anchor] = l
			from[l.anchor] = int32(wi)
			total += int(l.n)
		}
	}
	p.To = make([]uint32, 0, total)
	p.NAB = make([]uint32, 0, total)
	p.NABDecayed = make([]float32, 0, total)
	for a := 0; a < ix.nItems; a++ {
		if wi := from[a]; wi >= 0 {
			l := where[a]
			for _, nb := range workers[wi].buf[l.start : l.start+l.n] {
				p.To = append(p.To, nb.item)
				p.NAB = append(p.NAB, nb.nab)
				p.NABDecayed = append(p.NABDecayed, nb.dec)
			}
		}
		p.Off[a+1] = uint32(len(p.To))
	}
	if !triples {
		return nil
	}
	all := newTopK(opt.TriplePairs, worsePair)
	for _, w := range workers {
		for _, pc := range w.ante.h {
			all.push(pc)
		}
	}
	ante := all.h
	slices.SortFunc(ante, func(x, y pairCount) int {
		if x.a != y.a {
			return int(x.a) - int(y.a)
		}
		return int(x.b) - int(y.b)
	})
	return ante
}
