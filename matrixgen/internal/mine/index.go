package mine

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// index is the baskets in the shape counting wants. Items are renumbered by
// rank (descending n_A, ties by item number) so that the counters of the
// best sellers, touched most, share a few cache lines. Each non-empty order
// is a record [len, ranks ascending...] in rec, so that visiting an order is
// one memory access, and the records are sorted by their first two ranks
// (lexOrder); the inverted index lists, per rank, the positions of the
// records holding it (ascending) and, beside them, their decay weights.
type index struct {
	nItems int
	id     []uint32 // rank → item number
	rank   []uint32 // item number → rank
	rec    []uint32
	invOff []uint32 // rank r's records: inv[invOff[r]:invOff[r+1]]
	inv    []uint32
	invW   []float32 // decay weight of each inv entry; nil: no decay
	// nA and nADecayed by rank.
	nA        []uint32
	nADecayed []float64
	n         uint32 // non-empty orders
	nDecayed  float64
	from, to  int64
}

// order returns the ranks in the record at p.
func (ix *index) order(p uint32) []uint32 {
	n := ix.rec[p]
	return ix.rec[p+1 : p+1+n]
}

// maxLines bounds the order lines Mine accepts: record positions are uint32.
const maxLines = math.MaxUint32 / 2

func newIndex(b *Baskets, opt Options) (*index, error) {
	nOrders := b.Len()
	if len(b.Off) == 0 && len(b.Items) != 0 {
		return nil, fmt.Errorf("%w: %d items but no offsets", ErrBaskets, len(b.Items))
	}
	if b.NItems < 0 || int64(b.NItems) > math.MaxUint32/2 {
		return nil, fmt.Errorf("%w: NItems %d out of range", ErrBaskets, b.NItems)
	}
	if len(b.Items) > maxLines || nOrders > maxLines {
		return nil, fmt.Errorf("%w: %d order lines in %d orders, more than %d", ErrBaskets, len(b.Items), nOrders, maxLines)
	}
	if nOrders > 0 && (b.Off[0] != 0 || int(b.Off[nOrders]) != len(b.Items)) {
		return nil, fmt.Errorf("%w: offsets run %d..%d, want 0..%d", ErrBaskets, b.Off[0], b.Off[nOrders], len(b.Items))
	}
	if b.Time != nil && len(b.Time) != nOrders {
		return nil, fmt.Errorf("%w: %d times for %d orders", ErrBaskets, len(b.Time), nOrders)
	}

	ix := &index{nItems: b.NItems}
	chunks := (nOrders + chunkOrders - 1) / chunkOrders
	workers := min(opt.Workers, max(1, chunks))

	// Pass 1, in parallel over fixed chunks of orders: validate, and count
	// each order's distinct items (a stamp per item says which order saw it
	// last) and each item's orders.
	distinct := make([]uint32, nOrders)
	nAs := make([][]uint32, workers)
	errs := make([]error, chunks)
	forChunks(workers, chunks, func(w, c int) {
		if nAs[w] == nil {
			nAs[w] = make([]uint32, b.NItems)
		}
		nA, stamp := nAs[w], stamps(b.NItems)
		for o := c * chunkOrders; o < min(nOrders, (c+1)*chunkOrders); o++ {
			lo, hi := b.Off[o], b.Off[o+1]
			if hi < lo {
				errs[c] = fmt.Errorf("%w: offsets decrease at order %d", ErrBaskets, o)
				return
			}
			d := uint32(0)
			for _, x := range b.Items[lo:hi] {
				if int(x) >= b.NItems {
					errs[c] = fmt.Errorf("%w: order %d has item %d, want below %d", ErrBaskets, o, x, b.NItems)
					return
				}
				if stamp[x] != uint32(o)+1 {
					stamp[x] = uint32(o) + 1
					nA[x]++
					d++
				}
			}
			distinct[o] = d
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err // the first order in error
		}
	}
	nA := make([]uint32, b.NItems)
	for _, part := range nAs {
		for x, c := range part {
			nA[x] += c
		}
	}

	// Rank the items; lay out the records: each non-empty order's position.
	ix.id = byWork(nA)
	ix.rank = make([]uint32, b.NItems)
	ix.nA = make([]uint32, b.NItems)
	for r, x := range ix.id {
		ix.rank[x] = uint32(r)
		ix.nA[r] = nA[x]
	}
	pos := make([]uint32, nOrders+1) // record of order o at pos[o] when distinct[o] > 0
	var recOrder []uint32
	for o, d := range distinct {
		pos[o+1] = pos[o]
		if d > 0 {
			pos[o+1] += d + 1
			recOrder = append(recOrder, uint32(o))
		}
	}
	ix.n = uint32(len(recOrder))
	ix.rec = make([]uint32, pos[nOrders])
	hugePages(ix.rec)

	// Pass 2, in parallel: write each record's distinct ranks, sorted.
	forChunks(workers, chunks, func(w, c int) {
		stamp := stamps(b.NItems)
		for o := c * chunkOrders; o < min(nOrders, (c+1)*chunkOrders); o++ {
			if distinct[o] == 0 {
				continue
			}
			p := pos[o]
			ix.rec[p] = distinct[o]
			k := p + 1
			for _, x := range b.Items[b.Off[o]:b.Off[o+1]] {
				if stamp[x] != uint32(o)+1 {
					stamp[x] = uint32(o) + 1
					ix.rec[k] = ix.rank[x]
					k++
				}
			}
			slices.Sort(ix.rec[p+1 : k])
		}
	})
	w := ix.weigh(b.Time, recOrder, opt)
	recPos := make([]uint32, len(recOrder)) // record k's position
	for k, o := range recOrder {
		recPos[k] = pos[o]
	}
	pos, distinct = nil, nil
	perm := ix.lexOrder(recPos)
	if !lexLayout {
		for k := range perm {
			perm[k] = uint32(k)
		}
	}

	// Lay the records out again in that order, and invert them: rank r's
	// records, ascending.
	rec := make([]uint32, 0, len(ix.rec))
	hugePages(rec[:cap(rec)])
	ix.invOff = make([]uint32, b.NItems+1)
	for r, c := range ix.nA {
		ix.invOff[r+1] = ix.invOff[r] + c
	}
	ix.inv = make([]uint32, ix.invOff[b.NItems])
	hugePages(ix.inv)
	if w != nil {
		ix.invW = make([]float32, len(ix.inv))
		hugePages(ix.invW)
	}
	ix.nADecayed = make([]float64, b.NItems)
	fill := slices.Clone(ix.invOff[:b.NItems])
	for _, k := range perm {
		p := uint32(len(rec))
		its := ix.order(recPos[k])
		rec = append(rec, uint32(len(its)))
		rec = append(rec, its...)
		wk := 1.0
		if w != nil {
			wk = w[k]
		}
		for _, r := range its {
			ix.inv[fill[r]] = p
			if w != nil {
				ix.invW[fill[r]] = float32(wk)
			}
			fill[r]++
			ix.nADecayed[r] += wk
		}
	}
	ix.rec = rec
	return ix, nil
}

// lexLayout turns the sorted record layout on; off only in
// BenchmarkCount, which measures what it gains.
var lexLayout = true

// lexOrder returns the records (by number, at positions recPos) sorted by
// their first two ranks: orders that share their best sellers lie together,
// so an anchor's records, popular anchors' above all, are near each other in
// memory and visiting them misses the cache less. Two stable counting sorts
// (second rank, then first) cost far less than a full lexicographic sort
// and give most of its locality.
func (ix *index) lexOrder(recPos []uint32) []uint32 {
	key2 := func(p uint32) uint32 {
		if ix.rec[p] < 2 {
			return uint32(ix.nItems) // single-item orders last in their group
		}
		return ix.rec[p+2]
	}
	key1 := func(p uint32) uint32 { return ix.rec[p+1] }
	perm := make([]uint32, len(recPos))
	for k := range perm {
		perm[k] = uint32(k)
	}
	tmp := make([]uint32, len(recPos))
	for _, key := range []func(uint32) uint32{key2, key1} {
		count := make([]uint32, ix.nItems+2)
		for _, k := range perm {
			count[key(recPos[k])+1]++
		}
		for r := 1; r < len(count); r++ {
			count[r] += count[r-1]
		}
		for _, k := range perm {
			c := key(recPos[k])
			tmp[count[c]] = k
			count[c]++
		}
		perm, tmp = tmp, perm
	}
	return perm
}

// chunkOrders is how many orders one task of the index build takes; fixed,
// so that nothing depends on the number of workers.
const chunkOrders = 1 << 16

// forChunks runs fn(worker, chunk) for chunks 0..n-1 on the given number of
// goroutines.
func forChunks(workers, n int, fn func(w, c int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= n {
					return
				}
				fn(w, c)
			}
		})
	}
	wg.Wait()
}

// stamps is a per-task "seen in order" array; entries hold order+1.
func stamps(n int) []uint32 { return make([]uint32, n) }

// byWork lists items in descending order of their order count, ties by item
// number: the rank order.
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

// weigh returns each record's decay weight 2^(-age/half-life), age measured
// back from opt.Now (or the latest order) and never negative; orders with no
// time weigh 1. It returns nil, and decayed counts equal plain ones, with no
// half-life or no times at all. It sets from, to and nDecayed.
func (ix *index) weigh(times []int64, recOrder []uint32, opt Options) []float64 {
	ix.nDecayed = float64(ix.n)
	if times == nil {
		return nil
	}
	for _, o := range recOrder {
		t := times[o]
		if t == 0 {
			continue
		}
		if ix.from == 0 || t < ix.from {
			ix.from = t
		}
		if ix.to == 0 || t > ix.to {
			ix.to = t
		}
	}
	if opt.HalfLifeDays == 0 || ix.to == 0 {
		return nil
	}
	now := opt.Now
	if now == 0 {
		now = ix.to
	}
	perSecond := math.Ln2 / (opt.HalfLifeDays * 86400)
	w := make([]float64, len(recOrder))
	ix.nDecayed = 0
	for k, o := range recOrder {
		w[k] = 1
		if t := times[o]; t != 0 && t < now {
			w[k] = math.Exp(-float64(now-t) * perSecond)
		}
		ix.nDecayed += w[k]
	}
	return w
}

// work is the counting work in order visits: the pair pass visits every
// order once per item in it; triples add some.
func (ix *index) work(noTriples bool) int64 {
	w := int64(len(ix.inv))
	if !noTriples {
		w += w / 4
	}
	return w
}
