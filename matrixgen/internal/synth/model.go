package synth

import (
	"math"
	"math/rand/v2"
)

// alias draws from a discrete distribution in O(1) (Vose's alias method).
type alias struct {
	prob  []float64
	alias []uint32
}

func newAlias(w []float64) *alias {
	n := len(w)
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	a := &alias{prob: make([]float64, n), alias: make([]uint32, n)}
	scaled := make([]float64, n)
	var small, large []uint32
	for i, v := range w {
		scaled[i] = v * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, uint32(i))
		} else {
			large = append(large, uint32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		a.prob[i] = 1
	}
	for _, i := range small { // rounding leftovers
		a.prob[i] = 1
	}
	return a
}

func (a *alias) draw(rng *rand.Rand) uint32 {
	i := rng.IntN(len(a.prob))
	if rng.Float64() < a.prob[i] {
		return uint32(i)
	}
	return a.alias[i]
}

// zipfOffset flattens the head of the popularity curve (Zipf–Mandelbrot):
// with a pure Zipf law and ten lines per order the top item would be in half
// of all orders; real shops' best seller is in 5–25% (whole milk: 25% of the
// Groceries baskets).
const zipfOffset = 5

// model is the shop behind the log: who is popular, what goes with what.
type model struct {
	cfg        Config
	pop        *alias
	popularity []float64 // share of picks per item
	price      []float64
	// compOff/comp/compP: item x's planted complements and their chances.
	compOff []uint32
	comp    []uint32
	compP   []float64
	// kitOff/kits: the kits anchored at item x (its A), as plant indices.
	kitOff []uint32
	kits   []uint32
	plants []Plant
	// mu and sigma of the lognormal number of picks per order.
	mu, sigma float64
}

func newModel(cfg Config) *model {
	rng := rand.New(rand.NewPCG(cfg.Seed, 1<<41))
	n := cfg.Items
	m := &model{cfg: cfg, popularity: make([]float64, n), price: make([]float64, n)}
	// Item numbers are a random permutation of popularity ranks, as in a
	// real catalog where ids say nothing about sales.
	perm := rng.Perm(n)
	sum := 0.0
	for rank, x := range perm {
		w := 1 / math.Pow(float64(rank+zipfOffset), cfg.Zipf)
		m.popularity[x] = w
		sum += w
	}
	for x := range m.popularity {
		m.popularity[x] /= sum
		m.price[x] = math.Round(math.Exp(math.Log(15)+0.9*rng.NormFloat64())*100) / 100
		if m.price[x] < 0.5 {
			m.price[x] = 0.5
		}
	}
	m.pop = newAlias(m.popularity)

	// Complements: drawn by a flattened popularity (accessories and
	// consumables sell widely, but no item completes everything), each added
	// with its own chance when the anchor is picked.
	flat := make([]float64, n)
	for x, p := range m.popularity {
		flat[x] = math.Sqrt(p)
	}
	compPop := newAlias(flat)
	m.compOff = make([]uint32, n+1)
	added := 0.0 // expected complement lines per pick
	for x := range n {
		if rng.Float64() < cfg.Complements {
			k := 1 + rng.IntN(4)
			start := len(m.comp)
			for range k {
				c := compPop.draw(rng)
				if int(c) == x || contains(m.comp[start:], c) {
					continue
				}
				p := 0.1 + 0.3*rng.Float64()
				m.comp = append(m.comp, c)
				m.compP = append(m.compP, p)
				m.plants = append(m.plants, Plant{A: int32(x), B: -1, C: c, P: p})
				added += m.popularity[x] * p
			}
		}
		m.compOff[x+1] = uint32(len(m.comp))
	}

	// Kits: an anchor, one of its complements, and a third item that comes
	// only when both are bought (a camera, its lens, and the lens hood).
	kitsOf := make([][]uint32, n)
	for tries := 0; len(m.plants) > 0 && tries < 100*cfg.Kits && countKits(m.plants) < cfg.Kits; tries++ {
		a := m.pop.draw(rng)
		lo, hi := m.compOff[a], m.compOff[a+1]
		if lo == hi {
			continue
		}
		if len(kitsOf[a]) > 0 {
			continue // one kit per anchor keeps baskets near MeanLines
		}
		b := m.comp[lo+uint32(rng.IntN(int(hi-lo)))]
		c := m.pop.draw(rng)
		if c == a || c == b || m.popularity[c] > m.popularity[a] ||
			contains(m.comp[lo:hi], c) || contains(m.comp[m.compOff[b]:m.compOff[b+1]], c) {
			continue // the kit's third item is a specific, rarer part, not already a complement
		}
		kitsOf[a] = append(kitsOf[a], uint32(len(m.plants)))
		m.plants = append(m.plants, Plant{A: int32(a), B: int32(b), C: c, P: 0.5})
	}
	m.kitOff = make([]uint32, n+1)
	for x := range n {
		m.kits = append(m.kits, kitsOf[x]...)
		m.kitOff[x+1] = uint32(len(m.kits))
	}

	// Picks per order: lognormal, scaled so that picks plus planted
	// complements average MeanLines; two pilot runs correct for complements
	// already in the basket.
	m.sigma = 0.8
	mean := math.Max(1, cfg.MeanLines/(1+added))
	m.mu = math.Log(mean) - m.sigma*m.sigma/2
	pilot := rand.New(rand.NewPCG(cfg.Seed, 1<<42))
	var basket []uint32
	for range 2 {
		lines := 0
		const orders = 4000
		for range orders {
			basket = m.basket(pilot, basket[:0])
			lines += len(basket)
		}
		m.mu += math.Log(cfg.MeanLines / (float64(lines) / orders))
	}
	return m
}

func countKits(p []Plant) int {
	k := 0
	for _, x := range p {
		if x.B >= 0 {
			k++
		}
	}
	return k
}

func contains(s []uint32, x uint32) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// basket appends one order's distinct items to dst.
func (m *model) basket(rng *rand.Rand, dst []uint32) []uint32 {
	picks := int(math.Round(math.Exp(m.mu + m.sigma*rng.NormFloat64())))
	picks = max(1, min(picks, 400))
	for tries := 0; picks > 0 && tries < 4*picks+8; tries++ {
		x := m.pop.draw(rng)
		if contains(dst, x) {
			continue // a popular item drawn twice: draw again
		}
		picks--
		dst = append(dst, x)
		for i := m.compOff[x]; i < m.compOff[x+1]; i++ {
			if c := m.comp[i]; rng.Float64() < m.compP[i] && !contains(dst, c) {
				dst = append(dst, c)
			}
		}
	}
	for _, a := range dst {
		for _, k := range m.kits[m.kitOff[a]:m.kitOff[a+1]] {
			p := m.plants[k]
			if contains(dst, uint32(p.B)) && !contains(dst, p.C) && rng.Float64() < p.P {
				dst = append(dst, p.C)
			}
		}
	}
	return dst
}
