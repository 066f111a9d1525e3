package mine

import (
	"fmt"
	"math"
)

// index is the baskets in the shape counting wants: each order's items sorted
// and de-duplicated, an inverted index item → orders (ascending), n_A, and
// each order's decay weight.
type index struct {
	nItems int
	off    []uint32 // order o: items[off[o]:off[o+1]]
	items  []uint32
	// invOff/inv: item x is in orders inv[invOff[x]:invOff[x+1]], ascending.
	invOff []uint32
	inv    []uint32
	w      []float64 // decay weight per order; nil: no decay
	nA     []uint32
	// nADecayed aliases nA's values as float32 when there is no decay.
	nADecayed []float32
	n         uint32 // non-empty orders
	nDecayed  float64
	from, to  int64
}

// maxLines bounds the order lines Mine accepts: offsets are uint32.
const maxLines = math.MaxUint32 - 1

func newIndex(b *Baskets, opt Options) (*index, error) {
	nOrders := b.Len()
	if len(b.Off) == 0 && len(b.Items) != 0 {
		return nil, fmt.Errorf("%w: %d items but no offsets", ErrBaskets, len(b.Items))
	}
	if b.NItems < 0 || int64(b.NItems) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: NItems %d out of range", ErrBaskets, b.NItems)
	}
	if len(b.Items) > maxLines {
		return nil, fmt.Errorf("%w: %d order lines, more than %d", ErrBaskets, len(b.Items), maxLines)
	}
	if nOrders > 0 && (b.Off[0] != 0 || int(b.Off[nOrders]) != len(b.Items)) {
		return nil, fmt.Errorf("%w: offsets run %d..%d, want 0..%d", ErrBaskets, b.Off[0], b.Off[nOrders], len(b.Items))
	}
	if b.Time != nil && len(b.Time) != nOrders {
		return nil, fmt.Errorf("%w: %d times for %d orders", ErrBaskets, len(b.Time), nOrders)
	}
	ix := &index{nItems: b.NItems, off: make([]uint32, nOrders+1), items: make([]uint32, len(b.Items)), nA: make([]uint32, b.NItems)}
	nItems := uint32(b.NItems)
	k := uint32(0)
	for o := 0; o < nOrders; o++ {
		lo, hi := b.Off[o], b.Off[o+1]
		if hi < lo {
			return nil, fmt.Errorf("%w: offsets decrease at order %d", ErrBaskets, o)
		}
		start := k
		for _, x := range b.Items[lo:hi] {
			if x >= nItems {
				return nil, fmt.Errorf("%w: order %d has item %d, want below %d", ErrBaskets, o, x, nItems)
			}
			// Insertion sort with de-duplication: baskets are short.
			j := k
			for j > start && ix.items[j-1] > x {
				j--
			}
			if j > start && ix.items[j-1] == x {
				continue
			}
			copy(ix.items[j+1:k+1], ix.items[j:k])
			ix.items[j] = x
			k++
		}
		ix.off[o+1] = k
		if k > start {
			ix.n++
		}
		for _, x := range ix.items[start:k] {
			ix.nA[x]++
		}
	}
	ix.items = ix.items[:k]

	ix.invOff = make([]uint32, b.NItems+1)
	for x, c := range ix.nA {
		ix.invOff[x+1] = ix.invOff[x] + c
	}
	ix.inv = make([]uint32, k)
	fill := make([]uint32, b.NItems)
	copy(fill, ix.invOff[:b.NItems])
	for o := 0; o < nOrders; o++ {
		for _, x := range ix.items[ix.off[o]:ix.off[o+1]] {
			ix.inv[fill[x]] = uint32(o)
			fill[x]++
		}
	}
	ix.weigh(b.Time, opt)
	return ix, nil
}

// weigh sets each order's decay weight 2^(-age/half-life), age measured back
// from opt.Now (or the latest order) and never negative; orders with no time
// weigh 1. With no half-life or no times at all, decayed counts equal plain.
func (ix *index) weigh(times []int64, opt Options) {
	nOrders := len(ix.off) - 1
	for o, t := range times {
		if t == 0 || ix.off[o] == ix.off[o+1] {
			continue
		}
		if ix.from == 0 || t < ix.from {
			ix.from = t
		}
		if ix.to == 0 || t > ix.to {
			ix.to = t
		}
	}
	ix.nADecayed = make([]float32, ix.nItems)
	if opt.HalfLifeDays == 0 || ix.to == 0 {
		for x, c := range ix.nA {
			ix.nADecayed[x] = float32(c)
		}
		ix.nDecayed = float64(ix.n)
		return
	}
	now := opt.Now
	if now == 0 {
		now = ix.to
	}
	perSecond := math.Ln2 / (opt.HalfLifeDays * 86400)
	ix.w = make([]float64, nOrders)
	acc := make([]float64, ix.nItems)
	for o := 0; o < nOrders; o++ {
		w := 1.0
		if t := times[o]; t != 0 && t < now {
			w = math.Exp(-float64(now-t) * perSecond)
		}
		ix.w[o] = w
		if ix.off[o] == ix.off[o+1] {
			continue
		}
		ix.nDecayed += w
		for _, x := range ix.items[ix.off[o]:ix.off[o+1]] {
			acc[x] += w
		}
	}
	for x, s := range acc {
		ix.nADecayed[x] = float32(s)
	}
}

// work is the counting work in order visits: the pair pass visits every
// order once per item in it; triples add up to twice that.
func (ix *index) work(noTriples bool) int64 {
	w := int64(len(ix.inv))
	if !noTriples {
		w += w / 4
	}
	return w
}
