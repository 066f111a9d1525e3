package eval

import (
	"fmt"
	"math"

	"github.com/xsell/xsell/matrixgen/internal/compile"
	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

// Shop is what matrixgen read: the orders and the optional merchant files.
// The catalog, matrix and policy are the merchant's, not mined, so they
// pass to the training blob whole; the orders are cut to the training part.
type Shop struct {
	Orders  *input.Orders
	Catalog *input.Catalog
	Matrix  *input.Matrix
	Policy  *blob.Policy
	// Now is the time the engine is asked at (Unix seconds) when a test
	// order has no time of its own.
	Now int64
	// Workers for mining (0: all cores).
	Workers int
	// askedAt is the time the engine was asked at, for the report.
	askedAt int64
	// NoTriples skips mining {A,B}→C rules (faster; the engine then has
	// pair evidence only).
	NoTriples bool
	// Tuning is what Tune chose on the training part for the last blob
	// (nil when the policy sets the evidence power).
	Tuning *Tuning
}

// DataOf turns parsed orders into evaluation Data (order o is basket o).
func DataOf(o *input.Orders) *Data {
	d := &Data{IDs: o.ItemIDs, Time: o.Time}
	d.Baskets = make([][]int32, o.Len())
	for i := range d.Baskets {
		src := o.Basket(i)
		b := make([]int32, len(src))
		for j, it := range src {
			b[j] = int32(it)
		}
		d.Baskets[i] = dedupe(b)
	}
	return d
}

// trainOrders is o cut to the training part: only the training orders, and
// only the items they name, so neither a count nor an item id of the test
// part reaches the blob.
func trainOrders(o *input.Orders, train *Data) *input.Orders {
	orig := make(map[string]int, len(o.ItemIDs))
	for i, id := range o.ItemIDs {
		orig[id] = i
	}
	t := &input.Orders{File: o.File, Format: o.Format, ItemIDs: train.IDs, Off: make([]uint32, 1, len(train.Baskets)+1)}
	if o.ItemTitle != nil {
		t.ItemTitle = make([]string, len(train.IDs))
	}
	if o.ItemPrice != nil {
		t.ItemPrice = make([]float64, len(train.IDs))
	}
	for i, id := range train.IDs {
		if t.ItemTitle != nil {
			t.ItemTitle[i] = o.ItemTitle[orig[id]]
		}
		if t.ItemPrice != nil {
			t.ItemPrice[i] = o.ItemPrice[orig[id]]
		}
	}
	for _, b := range train.Baskets {
		for _, it := range b {
			t.Items = append(t.Items, uint32(it))
		}
		t.Off = append(t.Off, uint32(len(t.Items)))
	}
	t.Time = train.Time
	if o.Customer != nil {
		t.Customer = make([]uint32, len(train.Order))
		for i, oi := range train.Order {
			t.Customer[i] = o.Customer[oi]
		}
		t.CustomerIDs = o.CustomerIDs
	}
	t.Lines = uint64(len(t.Items))
	t.Kept = t.Lines
	return t
}

// EngineBlob compiles the training part into a blob and returns the bytes
// a browser would load. As matrixgen build does, it first lets Tune choose
// what the policy leaves to matrixgen, on a validation split of the
// training part: Tune never sees a test order.
func (s *Shop) EngineBlob(train *Data) ([]byte, *compile.Report, error) {
	var created int64
	for _, t := range train.Time {
		created = max(created, t)
	}
	in := compile.Inputs{Catalog: s.Catalog, Orders: trainOrders(s.Orders, train), Matrix: s.Matrix, Policy: s.Policy}
	opt := compile.Options{Created: created, Generator: "matrixgen eval", Workers: s.Workers, NoTriples: s.NoTriples}
	pol, tun, err := Tune(in, opt, DefaultTuneConfig())
	if err != nil {
		return nil, nil, fmt.Errorf("eval: %w", err)
	}
	in.Policy, s.Tuning = &pol, tun
	b, rep, err := compile.Compile(in, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("eval: compile the training part: %w", err)
	}
	raw, err := blob.Encode(b, blob.EncodeOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("eval: encode the training blob: %w", err)
	}
	return raw, rep, nil
}

// EngineTrainer returns a Trainer that builds the real engine: compile the
// training part, Encode, Decode (the bytes a browser loads) and engine.New.
// The blob's report is stored in *rep when rep is not nil.
func (s *Shop) EngineTrainer(rep **compile.Report) Trainer {
	return func(train *Data, ids []string) (Method, error) {
		raw, r, err := s.EngineBlob(train)
		if err != nil {
			return nil, err
		}
		if rep != nil {
			*rep = r
		}
		b, err := blob.Decode(raw, blob.DecodeOptions{})
		if err != nil {
			return nil, fmt.Errorf("eval: decode the training blob: %w", err)
		}
		e, err := engine.New(b)
		if err != nil {
			return nil, err
		}
		now := s.Now
		if now == 0 {
			now = b.Created // the last training order's time, 0 when untimed
		}
		s.askedAt = now
		return NewEngineMethod("engine", e, ids, now), nil
	}
}

// EngineMethod asks the real engine at placement cart with the rest of the
// basket as the cart, the business rules of the blob's policy on.
type EngineMethod struct {
	name     string
	e        *engine.Engine
	toBlob   []int32 // evaluation item → blob item, -1 unknown
	fromBlob []int32 // blob item → evaluation item, -1 never in the orders
	now      int64

	basket []int32
	ctx    engine.Context
	out    []engine.Suggestion

	// ratio is the policy's price cap for the cart placement; priced
	// counts queries whose hidden item and cart have prices, capped those
	// where the hidden item costs more than ratio × the dearest cart item,
	// which the price rule forbids whatever the evidence.
	ratio          float64
	priced, capped int
}

// NewEngineMethod maps items by id between the evaluation (ids) and the
// engine's catalog.
func NewEngineMethod(name string, e *engine.Engine, ids []string, now int64) *EngineMethod {
	m := &EngineMethod{name: name, e: e, toBlob: make([]int32, len(ids)), fromBlob: make([]int32, e.Len()), now: now, ratio: 0.5}
	if r, ok := e.Blob().Policy.MaxPriceRatio[blob.PlacementCart]; ok && r > 0 {
		m.ratio = min(r, 1)
	}
	for i := range m.fromBlob {
		m.fromBlob[i] = -1
	}
	for i, id := range ids {
		m.toBlob[i] = -1
		if bi, ok := e.Item(id); ok {
			m.toBlob[i] = int32(bi)
			m.fromBlob[bi] = int32(i)
		}
	}
	return m
}

func (m *EngineMethod) Name() string         { return m.name }
func (m *EngineMethod) Start(basket []int32) { m.basket = basket }

func (m *EngineMethod) Answer(hide, k int, dst []Suggestion) []Suggestion {
	ctx := &m.ctx
	ctx.Reset()
	ctx.Placement = engine.Cart
	ctx.Anchor = -1
	ctx.Now = m.now
	ctx.K = k
	for i, it := range m.basket {
		if i == hide || int(it) >= len(m.toBlob) || m.toBlob[it] < 0 {
			continue
		}
		ctx.Cart = append(ctx.Cart, engine.Line{Item: uint32(m.toBlob[it]), Qty: 1})
	}
	m.countPriceCap(hide)
	m.out = m.e.Recommend(ctx, m.out[:0])
	dst = dst[:0]
	for _, s := range m.out {
		it := m.fromBlob[s.Item]
		if it < 0 {
			// A catalog item no order names: it cannot be the hidden
			// item, but it takes the slot.
			it = -1
		}
		dst = append(dst, Suggestion{Item: it, Fallback: s.Fallback})
	}
	return dst
}

// countPriceCap tallies whether the price rule lets the hidden item in at
// all: no complement may cost more than ratio × the dearest cart item.
func (m *EngineMethod) countPriceCap(hide int) {
	price := m.e.Blob().Items.Price
	h := m.basket[hide]
	if int(h) >= len(m.toBlob) || m.toBlob[h] < 0 || math.IsNaN(price[m.toBlob[h]]) {
		return
	}
	dearest := math.NaN()
	for _, l := range m.ctx.Cart {
		if p := price[l.Item]; !math.IsNaN(p) && !(p <= dearest) {
			dearest = p
		}
	}
	if math.IsNaN(dearest) {
		return
	}
	m.priced++
	if price[m.toBlob[h]] > m.ratio*dearest {
		m.capped++
	}
}

// Diagnostics says how many hidden items the price rule put out of reach.
func (m *EngineMethod) Diagnostics() string {
	if m.priced == 0 {
		return ""
	}
	return fmt.Sprintf("%s: the price rule (complement <= %.2f x the dearest cart item) forbids the hidden item in at least %.1f%% of %d priced queries",
		m.name, m.ratio, 100*float64(m.capped)/float64(m.priced), m.priced)
}
