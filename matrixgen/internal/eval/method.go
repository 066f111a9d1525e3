package eval

import "math"

// Suggestion is one answer slot: an item number of the Data and whether the
// method fell back to it for want of evidence.
type Suggestion struct {
	Item     int32
	Fallback bool
}

// Method answers hide-one queries. Start sets the test basket; Answer
// returns up to k suggestions for the basket without basket[hide], best
// first, never an item of that cart. A Method is used by one goroutine.
type Method interface {
	Name() string
	Start(basket []int32)
	Answer(hide, k int, dst []Suggestion) []Suggestion
}

// Measure scores the evidence that b goes with a from the 2×2 counts.
type Measure func(nab, na, nb, n float64) float64

// The standard measures the baselines rank by.
var (
	measureCount      Measure = func(nab, na, nb, n float64) float64 { return nab }
	measureConfidence Measure = func(nab, na, nb, n float64) float64 { return nab / na }
	measureLift       Measure = func(nab, na, nb, n float64) float64 { return nab * n / (na * nb) }
	measureCosine     Measure = func(nab, na, nb, n float64) float64 { return nab / math.Sqrt(na*nb) }
	measureJaccard    Measure = func(nab, na, nb, n float64) float64 { return nab / (na + nb - nab) }
)

// ranker keeps the best k candidates by score, ties broken by popularity
// then item number, so every method is deterministic.
type ranker struct {
	pop   []uint32
	items []int32
	score []float64
}

func (r *ranker) reset() { r.items, r.score = r.items[:0], r.score[:0] }

func (r *ranker) better(s float64, it int32, j int) bool {
	if s != r.score[j] {
		return s > r.score[j]
	}
	pa, pb := popOf(r.pop, it), popOf(r.pop, r.items[j])
	if pa != pb {
		return pa > pb
	}
	return it < r.items[j]
}

func popOf(pop []uint32, it int32) uint32 {
	if int(it) < len(pop) {
		return pop[it]
	}
	return 0
}

func (r *ranker) offer(it int32, s float64, k int) {
	n := len(r.items)
	if n == k && !r.better(s, it, n-1) {
		return
	}
	if n < k {
		r.items, r.score = append(r.items, 0), append(r.score, 0)
	} else {
		n--
	}
	for n > 0 && r.better(s, it, n-1) {
		r.items[n], r.score[n] = r.items[n-1], r.score[n-1]
		n--
	}
	r.items[n], r.score[n] = it, s
}

// popular lists items by training popularity, most popular first.
func popularOrder(c *Counts) []int32 {
	var out []int32
	for a, v := range c.NA {
		if v > 0 {
			out = append(out, int32(a))
		}
	}
	r := &ranker{pop: c.NA}
	sortByPop(out, r)
	return out
}

func sortByPop(items []int32, r *ranker) {
	// Insertion into a fresh ranker would be quadratic; sort directly.
	pop := r.pop
	slicesSortFunc(items, func(a, b int32) int {
		if pop[a] != pop[b] {
			if pop[a] > pop[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
}

// fillPopular appends the most popular items not in the cart and not yet
// chosen until dst has k entries, marking them as fallbacks.
func fillPopular(dst []Suggestion, k int, popular []int32, inCart func(int32) bool) []Suggestion {
	for _, it := range popular {
		if len(dst) >= k {
			break
		}
		if inCart(it) || chosen(dst, it) {
			continue
		}
		dst = append(dst, Suggestion{Item: it, Fallback: true})
	}
	return dst
}

func chosen(dst []Suggestion, it int32) bool {
	for _, s := range dst {
		if s.Item == it {
			return true
		}
	}
	return false
}

// Popular suggests the items bought most often in training, whatever the cart.
type Popular struct {
	popular []int32
	basket  []int32
}

// NewPopular is the most-popular baseline over training counts.
func NewPopular(c *Counts) *Popular { return &Popular{popular: popularOrder(c)} }

func (p *Popular) Name() string         { return "popular" }
func (p *Popular) Start(basket []int32) { p.basket = basket }
func (p *Popular) Answer(hide, k int, dst []Suggestion) []Suggestion {
	dst = dst[:0]
	for _, it := range p.popular {
		if len(dst) == k {
			break
		}
		if inCartExcept(p.basket, hide, it) {
			continue
		}
		dst = append(dst, Suggestion{Item: it})
	}
	return dst
}

// inCartExcept: is it in basket other than at position hide? basket is sorted.
func inCartExcept(basket []int32, hide int, it int32) bool {
	lo, hi := 0, len(basket)
	for lo < hi {
		m := (lo + hi) / 2
		if basket[m] < it {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(basket) && basket[lo] == it && lo != hide
}

// Pairwise is an item-to-item baseline: each candidate's score is the sum,
// over every cart item a, of a measure of the pair (a, candidate). Pairs
// with n_AB below MinCount carry no evidence. Free slots are filled with
// the most popular items, marked as fallbacks (what such apps show).
type Pairwise struct {
	name     string
	c        *Counts
	measure  Measure
	minCount uint32
	popular  []int32

	basket  []int32
	sum     []float64 // whole-basket score per item
	support []int32   // how many basket items give evidence for the item
	hid     []float64 // scratch: the hidden item's own contribution
	hidOn   []bool
	touched []int32
	mark    []bool
	rank    ranker
}

// NewPairwise builds a pairwise baseline over training counts.
func NewPairwise(name string, c *Counts, m Measure, minCount int, popular []int32) *Pairwise {
	n := len(c.NA)
	return &Pairwise{name: name, c: c, measure: m, minCount: uint32(max(minCount, 1)), popular: popular,
		sum: make([]float64, n), support: make([]int32, n), hid: make([]float64, n), hidOn: make([]bool, n), mark: make([]bool, n), rank: ranker{pop: c.NA}}
}

func (p *Pairwise) Name() string { return p.name }

// contrib calls f(b, score) for every kept pair of anchor a.
func (p *Pairwise) contrib(a int32, f func(b int32, s float64)) {
	if int(a) >= len(p.c.NA) {
		return // unknown in training: no evidence
	}
	c, n := p.c, float64(p.c.N)
	na := float64(c.NA[a])
	for j := c.Off[a]; j < c.Off[a+1]; j++ {
		if c.NAB[j] < p.minCount {
			continue
		}
		b := c.To[j]
		f(b, p.measure(float64(c.NAB[j]), na, float64(c.NA[b]), n))
	}
}

// Start sums every basket item's evidence once; Answer subtracts the
// hidden item's own share, so a query costs one row, not the whole cart.
func (p *Pairwise) Start(basket []int32) {
	for _, b := range p.touched {
		p.sum[b], p.support[b], p.mark[b] = 0, 0, false
	}
	p.touched, p.basket = p.touched[:0], basket
	for _, a := range basket {
		p.contrib(a, func(b int32, s float64) {
			if !p.mark[b] {
				p.mark[b] = true
				p.touched = append(p.touched, b)
			}
			p.sum[b] += s
			p.support[b]++
		})
	}
}

func (p *Pairwise) Answer(hide, k int, dst []Suggestion) []Suggestion {
	h := p.basket[hide]
	p.contrib(h, func(b int32, s float64) { p.hid[b], p.hidOn[b] = s, true })
	p.rank.reset()
	for _, b := range p.touched {
		if inCartExcept(p.basket, hide, b) {
			continue
		}
		support := p.support[b]
		if p.hidOn[b] {
			support--
		}
		if support > 0 {
			p.rank.offer(b, p.sum[b]-p.hid[b], k)
		}
	}
	p.contrib(h, func(b int32, s float64) { p.hid[b], p.hidOn[b] = 0, false })
	dst = dst[:0]
	for _, it := range p.rank.items {
		dst = append(dst, Suggestion{Item: it})
	}
	return fillPopular(dst, k, p.popular, func(it int32) bool { return inCartExcept(p.basket, hide, it) })
}
