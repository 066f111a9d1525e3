// Package synth generates realistic synthetic order logs for benchmarks and
// tests: skewed item popularity, retail-like basket sizes, planted
// complements and kits for mining to find, timestamps over a year with
// weekly and seasonal rhythm, and repeat customers. The same Config gives the
// same log, whatever the number of cores.
package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// ErrConfig: a Config value is out of range.
var ErrConfig = errors.New("synth: bad config")

// Config describes the log to generate. Zero fields take the defaults of
// Default.
type Config struct {
	Seed      uint64
	Orders    int
	Items     int
	Customers int
	// MeanLines is the mean number of distinct items per order (lognormal
	// sizes; planted complements are part of it).
	MeanLines float64
	// Zipf is the exponent of item popularity: the k-th best seller is
	// picked in proportion to 1/(k+5)^Zipf.
	Zipf float64
	// Start is the first order time (Unix seconds); orders span Days days.
	Start int64
	Days  int
	// Complements is the share of items that have planted complements.
	Complements float64
	// Kits is how many planted {A,B}→C kits there are.
	Kits int
}

// Default returns the benchmark's configuration: 1M orders over 20k items.
func Default() Config {
	return Config{Seed: 1, Orders: 1_000_000, Items: 20_000, MeanLines: 10, Zipf: 1.0,
		Start: 1_704_067_200, Days: 365, Complements: 0.3, Kits: 200}
}

// Plant is a planted rule: when A is bought (and B, for a kit) the shopper
// adds C with probability P. B is -1 for a pair.
type Plant struct {
	A, B int32
	C    uint32
	P    float64
}

// Log is a generated order log in CSR form: order o has the distinct items
// Items[Off[o]:Off[o+1]] with quantities Qty, placed at Time[o] by customer
// Customer[o]. Orders are in time order.
type Log struct {
	Config   Config
	Off      []uint32
	Items    []uint32
	Qty      []uint16
	Time     []int64
	Customer []uint32
	NItems   int
	Price    []float64 // per item
	Plants   []Plant
}

// Len is the number of orders.
func (l *Log) Len() int { return len(l.Off) - 1 }

func (c Config) withDefaults() (Config, error) {
	d := Default()
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	if c.Orders == 0 {
		c.Orders = d.Orders
	}
	if c.Items == 0 {
		c.Items = d.Items
	}
	if c.Customers == 0 {
		c.Customers = max(1, c.Orders/4)
	}
	if c.MeanLines == 0 {
		c.MeanLines = d.MeanLines
	}
	if c.Zipf == 0 {
		c.Zipf = d.Zipf
	}
	if c.Start == 0 {
		c.Start = d.Start
	}
	if c.Days == 0 {
		c.Days = d.Days
	}
	if c.Complements == 0 {
		c.Complements = d.Complements
	}
	if c.Kits == 0 {
		c.Kits = d.Kits
	}
	switch {
	case c.Orders < 0 || c.Orders > 1<<28:
		return c, fmt.Errorf("%w: orders %d, want 1..%d", ErrConfig, c.Orders, 1<<28)
	case c.Items < 4 || c.Items > 1<<24:
		return c, fmt.Errorf("%w: items %d, want 4..%d", ErrConfig, c.Items, 1<<24)
	case c.Customers < 0:
		return c, fmt.Errorf("%w: customers %d", ErrConfig, c.Customers)
	case !(c.MeanLines >= 1 && c.MeanLines <= 100):
		return c, fmt.Errorf("%w: mean lines %v, want 1..100", ErrConfig, c.MeanLines)
	case !(c.Zipf > 0 && c.Zipf <= 3):
		return c, fmt.Errorf("%w: zipf %v, want (0, 3]", ErrConfig, c.Zipf)
	case c.Days < 1 || c.Days > 36500:
		return c, fmt.Errorf("%w: days %d", ErrConfig, c.Days)
	case !(c.Complements > 0 && c.Complements <= 1):
		return c, fmt.Errorf("%w: complements %v, want (0, 1]", ErrConfig, c.Complements)
	case c.Kits < 0:
		return c, fmt.Errorf("%w: kits %d", ErrConfig, c.Kits)
	}
	return c, nil
}

// chunk is how many orders one goroutine generates from one random stream;
// fixed so that the log does not depend on the number of cores.
const chunk = 1 << 15

// Generate builds the log in memory.
func Generate(cfg Config) (*Log, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := newModel(cfg)
	l := &Log{Config: cfg, NItems: cfg.Items, Price: m.price, Plants: m.plants}
	l.Time = orderTimes(cfg)
	l.Customer = customers(cfg)

	type part struct {
		off   []uint32
		items []uint32
		qty   []uint16
	}
	parts := make([]part, (cfg.Orders+chunk-1)/chunk)
	var wg sync.WaitGroup
	next := make(chan int, len(parts))
	for i := range parts {
		next <- i
	}
	close(next)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var basket []uint32
			for i := range next {
				rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)+1))
				lo, hi := i*chunk, min((i+1)*chunk, cfg.Orders)
				p := part{off: make([]uint32, 0, hi-lo), items: make([]uint32, 0, int(float64(hi-lo)*cfg.MeanLines*1.1))}
				for range hi - lo {
					basket = m.basket(rng, basket[:0])
					p.items = append(p.items, basket...)
					for range basket {
						p.qty = append(p.qty, quantity(rng))
					}
					p.off = append(p.off, uint32(len(p.items)))
				}
				parts[i] = p
			}
		})
	}
	wg.Wait()
	total := 0
	for _, p := range parts {
		total += len(p.items)
	}
	if total > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d order lines do not fit uint32 offsets", ErrConfig, total)
	}
	l.Off = make([]uint32, 1, cfg.Orders+1)
	l.Items = make([]uint32, 0, total)
	l.Qty = make([]uint16, 0, total)
	for _, p := range parts {
		base := uint32(len(l.Items))
		for _, o := range p.off {
			l.Off = append(l.Off, base+o)
		}
		l.Items = append(l.Items, p.items...)
		l.Qty = append(l.Qty, p.qty...)
	}
	return l, nil
}

// quantity: mostly 1, sometimes a few.
func quantity(rng *rand.Rand) uint16 {
	q := uint16(1)
	for q < 24 && rng.IntN(4) == 0 {
		q++
	}
	return q
}

// orderTimes spreads the orders over cfg.Days with a weekly rhythm (weekends
// busier), a December peak and a summer lull, sorted.
func orderTimes(cfg Config) []int64 {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0))
	weights := make([]float64, cfg.Days)
	for d := range weights {
		dow := (d + 1) % 7 // 2024-01-01 was a Monday
		w := 1.0
		if dow >= 5 {
			w = 1.4
		}
		doy := d % 365
		w *= 1 + 0.8*math.Exp(-math.Pow(float64(doy-350)/12, 2)) - 0.25*math.Exp(-math.Pow(float64(doy-200)/30, 2))
		weights[d] = w
	}
	days := newAlias(weights)
	t := make([]int64, cfg.Orders)
	for i := range t {
		t[i] = cfg.Start + int64(days.draw(rng))*86400 + int64(rng.IntN(86400))
	}
	slices.Sort(t)
	return t
}

// customers assigns orders to customers with a skewed repeat rate: a few
// customers order often, most once or twice.
func customers(cfg Config) []uint32 {
	rng := rand.New(rand.NewPCG(cfg.Seed, 1<<40))
	w := make([]float64, cfg.Customers)
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), 0.7)
	}
	a := newAlias(w)
	perm := rng.Perm(cfg.Customers)
	c := make([]uint32, cfg.Orders)
	for i := range c {
		c[i] = uint32(perm[a.draw(rng)])
	}
	return c
}
