// Package mine counts item pairs and triples in order baskets and keeps, per
// anchor, the neighbours whose evidence is strong enough to show a shopper.
// Counts are exact: n_AB, n_A, n_B and N, plain and time-decayed.
package mine

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/xsell/xsell/wasm/blob"
)

// Errors returned by Mine; wrapped errors say which order or option.
var (
	// ErrBaskets: the Baskets are inconsistent (offsets, item numbers, times).
	ErrBaskets = errors.New("mine: bad baskets")
	// ErrOptions: an option is out of range.
	ErrOptions = errors.New("mine: bad options")
)

// Baskets holds orders in CSR form: order o has items
// Items[Off[o]:Off[o+1]], dense item numbers below NItems (duplicates inside
// an order are allowed and counted once).
type Baskets struct {
	Off    []uint32
	Items  []uint32
	NItems int
	// Time is each order's time in Unix seconds; nil or 0 entries: unknown.
	Time []int64
}

// Len is the number of orders.
func (b *Baskets) Len() int {
	if len(b.Off) == 0 {
		return 0
	}
	return len(b.Off) - 1
}

// Options tune Mine; blob.Mining carries the merchant's values. A zero
// MinCount, Neighbours, Confidence, TripleMin or TriplePairs takes the value
// of blob.DefaultPolicy; HalfLifeDays 0 turns decay off. Negative values are
// an error.
type Options struct {
	blob.Mining
	// Now is the reference time for decay (usually the last order's time;
	// 0: the latest order time in the baskets).
	Now int64
	// Progress, when set, is called now and then with orders done and total
	// (done is the share of counting work done, scaled to orders). Calls are
	// serialised.
	Progress func(done, total int)
	// Workers is how many goroutines count (0: GOMAXPROCS).
	Workers int
	// NoTriples skips mining {A,B}→C rules.
	NoTriples bool
	// TripleGain: {A,B}→C is kept when the Wilson lower bound of its
	// confidence is at least TripleGain times the better of confidence(A→C)
	// and confidence(B→C) (0: DefaultTripleGain). Significance alone (1) is
	// not enough on real logs: orders holding both A and B are longer, so
	// almost every C is a little likelier in them.
	TripleGain float64
}

// DefaultTripleGain is the TripleGain used when Options leaves it 0.
const DefaultTripleGain = 1.5

// Result is what the blob needs from mining.
type Result struct {
	Stats         blob.Stats
	Orders        []uint32  // n_A per item
	OrdersDecayed []float32 // n_A, decayed
	Pairs         blob.Pairs
	Triples       blob.Triples
}

// Mine counts every pair of items bought together, keeps per anchor the
// opt.Neighbours neighbours with the best confidence lower bound (WilsonLower
// of n_AB/n_A) among those whose lift is significantly above 1 (see
// LiftLower), and mines {A,B}→C rules that beat both A→C and B→C. It does not
// change b. Stats.Customers is left 0: Baskets do not carry customers.
func Mine(b *Baskets, opt Options) (*Result, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	ix, err := newIndex(b, opt)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Stats: blob.Stats{
			Orders:        ix.n,
			OrdersDecayed: ix.nDecayed,
			Lines:         uint64(len(b.Items)),
			From:          ix.from,
			To:            ix.to,
		},
		Orders:        make([]uint32, b.NItems),
		OrdersDecayed: make([]float32, b.NItems),
	}
	for r, x := range ix.id {
		res.Orders[x] = ix.nA[r]
		res.OrdersDecayed[x] = float32(ix.nADecayed[r])
	}
	if ix.invW != nil {
		res.Stats.HalfLifeDays = opt.HalfLifeDays
	}
	prog := newProgress(opt.Progress, int(ix.n), ix.work(opt.NoTriples))
	antecedents := minePairs(ix, opt, &res.Pairs, prog)
	if !opt.NoTriples {
		mineTriples(ix, opt, antecedents, &res.Triples, prog)
	} else {
		res.Triples.Off = []uint32{0}
	}
	prog.finish()
	return res, nil
}

func (o Options) withDefaults() (Options, error) {
	m := &o.Mining
	if m.MinCount < 0 || m.Neighbours < 0 || m.TripleMin < 0 || m.TriplePairs < 0 || o.Workers < 0 {
		return o, fmt.Errorf("%w: negative value in %+v (workers %d)", ErrOptions, *m, o.Workers)
	}
	if !(m.HalfLifeDays >= 0) || math.IsInf(m.HalfLifeDays, 0) {
		return o, fmt.Errorf("%w: half_life_days %v, want a finite number >= 0", ErrOptions, m.HalfLifeDays)
	}
	if o.TripleGain != 0 && !(o.TripleGain >= 1 && o.TripleGain <= 100) {
		return o, fmt.Errorf("%w: triple gain %v, want 1..100", ErrOptions, o.TripleGain)
	}
	if o.TripleGain == 0 {
		o.TripleGain = DefaultTripleGain
	}
	if !(m.Confidence >= 0) || m.Confidence > 10 {
		return o, fmt.Errorf("%w: confidence %v, want a z value in 0..10", ErrOptions, m.Confidence)
	}
	d := blob.DefaultPolicy().Mining
	if m.MinCount == 0 {
		m.MinCount = d.MinCount
	}
	if m.Neighbours == 0 {
		m.Neighbours = d.Neighbours
	}
	if m.Confidence == 0 {
		m.Confidence = d.Confidence
	}
	if m.TripleMin == 0 {
		m.TripleMin = d.TripleMin
	}
	if m.TriplePairs == 0 {
		m.TriplePairs = d.TriplePairs
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o, nil
}
