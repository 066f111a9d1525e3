package eval

// Counts are exact co-occurrence counts over a set of baskets: N baskets,
// n_A per item, and n_AB for every pair seen together, in CSR form per
// anchor (row a lists every b ≠ a with n_AB > 0, in item order).
type Counts struct {
	N   int
	NA  []uint32
	Off []uint32
	To  []int32
	NAB []uint32
}

// CountPairs counts baskets (items de-duplicated) over nItems items. It
// walks an inverted index so the cost is the sum of squared basket sizes
// with array increments only.
func CountPairs(baskets [][]int32, nItems int) *Counts {
	c := &Counts{N: 0, NA: make([]uint32, nItems), Off: make([]uint32, nItems+1)}
	for _, b := range baskets {
		if len(b) == 0 {
			continue
		}
		c.N++
		for _, a := range b {
			c.NA[a]++
		}
	}
	// Inverted index: item → baskets holding it.
	start := make([]int, nItems+1)
	for a := range nItems {
		start[a+1] = start[a] + int(c.NA[a])
	}
	inv := make([]int32, start[nItems])
	fill := append([]int(nil), start[:nItems]...)
	for bi, b := range baskets {
		for _, a := range b {
			inv[fill[a]] = int32(bi)
			fill[a]++
		}
	}
	scratch := make([]uint32, nItems)
	var touched []int32
	for a := range nItems {
		touched = touched[:0]
		for _, bi := range inv[start[a]:start[a+1]] {
			for _, x := range baskets[bi] {
				if x == int32(a) {
					continue
				}
				if scratch[x] == 0 {
					touched = append(touched, x)
				}
				scratch[x]++
			}
		}
		sortInt32(touched)
		for _, x := range touched {
			c.To = append(c.To, x)
			c.NAB = append(c.NAB, scratch[x])
			scratch[x] = 0
		}
		c.Off[a+1] = uint32(len(c.To))
	}
	return c
}

// Pair returns n_AB (0 when never together); a binary search in a's row.
func (c *Counts) Pair(a, b int32) uint32 {
	row := c.To[c.Off[a]:c.Off[a+1]]
	lo, hi := 0, len(row)
	for lo < hi {
		m := (lo + hi) / 2
		if row[m] < b {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(row) && row[lo] == b {
		return c.NAB[int(c.Off[a])+lo]
	}
	return 0
}

// Known is how many items have at least one order.
func (c *Counts) Known() int {
	n := 0
	for _, v := range c.NA {
		if v > 0 {
			n++
		}
	}
	return n
}
