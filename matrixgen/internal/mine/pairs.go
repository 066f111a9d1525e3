package mine

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/xsell/xsell/wasm/blob"
)

// neighbour is a candidate B in anchor A's list.
type neighbour struct {
	item  uint32
	nab   uint32
	dec   float32
	score float64 // LiftLower(A→B)
}

func worseNeighbour(a, b neighbour) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.item > b.item
}

// pairCount is an unordered pair a < b with its joint count, a candidate
// antecedent of triples.
type pairCount struct{ a, b, nab uint32 }

func worsePair(x, y pairCount) bool {
	if x.nab != y.nab {
		return x.nab < y.nab
	}
	if x.a != y.a {
		return x.a > y.a
	}
	return x.b > y.b
}

// counter is one worker's dense scratch: counts over all items, reset after
// each anchor by walking only the touched entries.
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

// count adds every item of every order in orders to the counters.
func (c *counter) count(ix *index, orders []uint32) {
	cnt, touched, items, off := c.cnt, c.touched, ix.items, ix.off
	if c.dec == nil {
		for _, o := range orders {
			for _, x := range items[off[o]:off[o+1]] {
				v := cnt[x]
				if v == 0 {
					touched = append(touched, x)
				}
				cnt[x] = v + 1
			}
		}
	} else {
		dec, w := c.dec, ix.w
		for _, o := range orders {
			wo := w[o]
			for _, x := range items[off[o]:off[o+1]] {
				v := cnt[x]
				if v == 0 {
					touched = append(touched, x)
				}
				cnt[x] = v + 1
				dec[x] += wo
			}
		}
	}
	c.touched = touched
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

// byWork lists items in descending order of their order count, so that the
// heaviest anchors are handed out first and the workers finish together.
func byWork(nA []uint32) []uint32 {
	order := make([]uint32, len(nA))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if nA[a] != nA[b] {
			if nA[a] > nA[b] {
				return -1
			}
			return 1
		}
		return int(a) - int(b)
	})
	return order
}

// minePairs fills p with every anchor's best neighbours and returns the
// antecedent pairs for triples (sorted by (a, b)).
func minePairs(ix *index, opt Options, p *blob.Pairs, prog *progress) []pairCount {
	anchors := byWork(ix.nA)
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
			counter: newCounter(ix.nItems, ix.w != nil),
			top:     newTopK(opt.Neighbours, worseNeighbour),
		}
		if triples {
			w.ante = newTopK(opt.TriplePairs, worsePair)
		}
		workers[wi] = w
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(anchors)) {
					return
				}
				a := anchors[i]
				nA := ix.nA[a]
				if nA < skipBelow {
					return // anchors come in descending n_A: the rest are smaller
				}
				orders := ix.inv[ix.invOff[a]:ix.invOff[a+1]]
				w.count(ix, orders)
				for _, x := range w.touched {
					c := w.cnt[x]
					if x == a {
						continue
					}
					if triples && x > a && c >= tripleMin {
						pc := pairCount{a, x, c}
						if !w.ante.rejects(pc) {
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
					s := LiftLower(c, nA, nB, n, z)
					if s <= 1 {
						continue
					}
					d := float32(c)
					if w.dec != nil {
						d = float32(w.dec[x])
					}
					nb := neighbour{item: x, nab: c, dec: d, score: s}
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
				prog.add(int64(len(orders)))
			}
		})
	}
	wg.Wait()

	// Assemble the CSR columns in anchor order.
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
