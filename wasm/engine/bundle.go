package engine

import "math"

// Bundle is a "cheaper together" kit: the anchor and its best complements,
// each at its curated bundle discount. Items stay individually optional:
// a widget that lets the shopper untick one recomputes the totals from
// the items' prices and Discount.
type Bundle struct {
	Anchor uint32
	// Items are the complements (Suggestion.Discount set), best first.
	Items []Suggestion
	// Total is the anchor and every item at full price; BundleTotal the
	// same with the discounts. Items without a price count as 0.
	Total, BundleTotal float64
}

// Bundle builds the kit for anchor: the product-page recommendation for
// the anchor alone (the cart's other lines are still never suggested),
// with the best curated discount of each pair. dst is reused for Items.
func (e *Engine) Bundle(anchor uint32, ctx *Context, dst []Suggestion) Bundle {
	out := Bundle{Anchor: anchor, Items: dst}
	if int(anchor) >= e.n {
		return out
	}
	c := *ctx
	c.Anchor = int32(anchor)
	if c.Placement.postPurchase() || c.Placement == Checkout {
		c.Placement = Product
	}
	s := e.scratch()
	defer e.done(s)
	r, ok := e.start(&c, s)
	if !ok {
		return out
	}
	r.anchorOnly = true
	start := len(dst)
	out.Items = r.recommend(dst)
	price := e.b.Items.Price
	pa := price[anchor]
	if math.IsNaN(pa) {
		pa = 0
	}
	out.Total, out.BundleTotal = pa, pa
	for i := start; i < len(out.Items); i++ {
		sg := &out.Items[i]
		sg.Discount = e.discount(anchor, sg.Item, ctx.Now)
		p := price[sg.Item]
		if math.IsNaN(p) {
			continue
		}
		out.Total += p
		out.BundleTotal += p * (1 - float64(sg.Discount)/100)
	}
	return out
}

// discount is the best valid curated bundle discount for anchor → item, by
// item anchor or by the anchor's category.
func (e *Engine) discount(anchor, item uint32, now int64) float32 {
	m := &e.b.Matrix
	best := float32(0)
	look := func(rows []uint32) {
		for _, row := range rows {
			if m.Complement[row] != item || m.Discount[row] <= best {
				continue
			}
			if (m.ValidFrom[row] != 0 && now < m.ValidFrom[row]) || (m.ValidTo[row] != 0 && now > m.ValidTo[row]) {
				continue
			}
			best = m.Discount[row]
		}
	}
	look(e.mxItemRow[e.mxItemOff[anchor]:e.mxItemOff[anchor+1]])
	if c := e.cat[anchor]; c != 0 {
		look(e.mxCatRow[e.mxCatOff[c]:e.mxCatOff[c+1]])
	}
	return best
}
