// Package synth builds synthetic blobs of any size for the engine's
// benchmarks and the browser tests: a catalog of categories with roles,
// prices and tiers, mined-looking pair counts, a curated matrix, triples and
// feedback. Deterministic for a seed; no clock, no platform.
package synth

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/xsell/xsell/wasm/blob"
)

// Options size the blob.
type Options struct {
	Items      int    // catalog size
	Neighbours int    // mined neighbours per item
	Seed       uint64 // same seed, same blob
}

// Build returns a valid blob (not encoded).
func Build(o Options) *blob.Blob {
	r := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	n := o.Items
	var st blob.StringTable
	b := &blob.Blob{Created: 1_780_000_000, Generator: "xsell synth", Policy: blob.DefaultPolicy()}
	b.Policy.FreeDelivery = 60
	b.Policy.Exclusions = []blob.Exclusion{{Segment: "diabetic", Tag: "sugar"}}
	b.Policy.Experiments = []blob.Experiment{{Name: "weights", Variants: []blob.Variant{
		{Name: "control", Weight: 0.45}, {Name: "evidence-heavy", Weight: 0.45, Weights: &blob.Weights{Evidence: 2, Curated: 2, Margin: 0.1, Acceptance: 0.5, Gap: 0.5, Shrinkage: 5}},
		{Name: "holdout", Weight: 0.1, Off: true}}}}
	eur := st.Ref("EUR")
	ncat := max(n/50, 4)
	cats := make([]uint32, ncat)
	for c := range cats {
		cats[c] = st.Ref("category-" + strconv.Itoa(c))
	}
	sugar, loyalty := st.Ref("sugar"), st.Ref("loyalty")
	it := &b.Items
	it.TagOff = []uint32{0}
	const orders = 200_000
	for i := 0; i < n; i++ {
		c := i % ncat
		id := "sku-" + strconv.Itoa(i)
		it.ID = append(it.ID, id)
		it.Title = append(it.Title, "Item "+strconv.Itoa(i)+" of category "+strconv.Itoa(c))
		// Flagships in the first categories are dear; the rest cheaper.
		role := blob.RoleAccessory
		switch {
		case c%5 == 0:
			role = blob.RoleFlagship
		case c%5 == 1:
			role = blob.RoleConsumable
		case c%17 == 3:
			role = blob.RoleImpulse
		}
		price := math.Round(math.Exp(r.NormFloat64()*0.8+3)*100) / 100
		if role == blob.RoleFlagship {
			price *= 8
		}
		if role == blob.RoleImpulse {
			price = math.Round(price/8*100) / 100
		}
		it.Price = append(it.Price, price)
		it.Currency = append(it.Currency, eur)
		it.URL = append(it.URL, st.Ref("/p/"+id))
		it.Image = append(it.Image, st.Ref("/img/"+id+".jpg"))
		it.Category = append(it.Category, cats[c])
		it.Brand = append(it.Brand, 0)
		it.Role = append(it.Role, role)
		stock := blob.StockIn
		if r.IntN(50) == 0 {
			stock = 0
		}
		it.Stock = append(it.Stock, stock)
		it.Margin = append(it.Margin, float32(0.1+0.4*r.Float64()))
		it.Tier = append(it.Tier, uint8(1+r.IntN(3)))
		if r.IntN(40) == 0 {
			it.Tags = append(it.Tags, sugar)
		}
		if r.IntN(200) == 0 {
			it.Tags = append(it.Tags, loyalty)
		}
		it.TagOff = append(it.TagOff, uint32(len(it.Tags)))
		it.SeasonFrom = append(it.SeasonFrom, 0)
		it.SeasonTo = append(it.SeasonTo, 0)
		rep := uint16(0)
		if role == blob.RoleConsumable {
			rep = uint16(30 + r.IntN(150))
		}
		it.Replenish = append(it.Replenish, rep)
		// Zipf-like popularity.
		pop := uint32(float64(orders) * 0.02 / math.Pow(float64(i+1), 0.6))
		it.Orders = append(it.Orders, pop+5)
		it.OrdersDecayed = append(it.OrdersDecayed, float32(pop+5)*0.7)
	}
	b.Stats = blob.Stats{Orders: orders, OrdersDecayed: orders * 0.7, HalfLifeDays: 90, Lines: orders * 4}
	p := &b.Pairs
	p.Off = []uint32{0}
	seen := map[uint32]bool{}
	for a := 0; a < n; a++ {
		clear(seen)
		seen[uint32(a)] = true
		nab := uint32(50 + r.IntN(200))
		for k := 0; k < o.Neighbours && k < n-1; k++ {
			var to uint32
			for {
				// Neighbours mostly from nearby categories, some anywhere.
				if r.IntN(3) > 0 {
					to = uint32((a + 1 + r.IntN(ncat*3)) % n)
				} else {
					to = uint32(r.IntN(n))
				}
				if !seen[to] {
					break
				}
			}
			seen[to] = true
			p.To = append(p.To, to)
			p.NAB = append(p.NAB, nab)
			p.NABDecayed = append(p.NABDecayed, float32(nab)*0.7)
			nab = max(3, nab*9/10)
		}
		p.Off = append(p.Off, uint32(len(p.To)))
	}
	// Triples: a few hundred antecedent pairs from the first neighbours.
	t := &b.Triples
	t.Off = []uint32{0}
	for a := 0; a < n && len(t.A) < n/20; a += 7 {
		if p.Off[a+1]-p.Off[a] < 3 {
			continue
		}
		x, y := uint32(a), p.To[p.Off[a]]
		if x > y {
			x, y = y, x
		}
		if len(t.A) > 0 && (t.A[len(t.A)-1] > x || (t.A[len(t.A)-1] == x && t.B[len(t.B)-1] >= y)) {
			continue // keep rows sorted and unique
		}
		t.A, t.B, t.NAB = append(t.A, x), append(t.B, y), append(t.NAB, 40)
		t.To, t.NABC = append(t.To, p.To[p.Off[a]+1], p.To[p.Off[a]+2]), append(t.NABC, 12, 9)
		t.Off = append(t.Off, uint32(len(t.To)))
	}
	// A curated matrix on every tenth flagship, and category rows.
	m := &b.Matrix
	m.ReqOff, m.ExclOff = []uint32{0}, []uint32{0}
	reason := st.Ref("completes the kit")
	addRow := func(anchorItem int32, anchorCat uint32, comp uint32, disc float32) {
		m.AnchorItem = append(m.AnchorItem, anchorItem)
		m.AnchorCategory = append(m.AnchorCategory, anchorCat)
		m.Complement = append(m.Complement, comp)
		m.Kind = append(m.Kind, blob.KindAccessory)
		m.Reason = append(m.Reason, reason)
		m.Priority = append(m.Priority, 1)
		m.Discount = append(m.Discount, disc)
		m.ValidFrom = append(m.ValidFrom, 0)
		m.ValidTo = append(m.ValidTo, 0)
		m.ReqOff = append(m.ReqOff, 0)
		m.ExclOff = append(m.ExclOff, 0)
		m.Line = append(m.Line, uint32(len(m.Line)+2))
	}
	for a := 0; a < n; a += 10 {
		if it.Role[a] == blob.RoleFlagship {
			addRow(int32(a), 0, uint32((a+1)%n), 10)
		}
	}
	for c := 0; c < ncat; c += 5 {
		addRow(-1, cats[c], uint32((c+2)%n), 0)
	}
	// Feedback on a few pairs.
	f := &b.Feedback
	for a := 0; a < n; a += 25 {
		if p.Off[a+1] > p.Off[a] {
			f.Anchor = append(f.Anchor, int32(a))
			f.Item = append(f.Item, p.To[p.Off[a]])
			f.Shown = append(f.Shown, 200)
			f.Clicked = append(f.Clicked, 20)
			f.Added = append(f.Added, uint32(r.IntN(20)))
			f.Bought = append(f.Bought, 3)
			f.Dismissed = append(f.Dismissed, uint32(r.IntN(10)))
		}
	}
	b.Strings = st.Strings
	return b
}
