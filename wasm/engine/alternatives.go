package engine

import (
	"math"
	"sort"

	"github.com/xsell/xsell/wasm/blob"
)

// Alternatives appends up-sells (same category and role, pricier, at most
// policy.UpsellMaxRatio × the anchor) and then down-sells (cheaper, at
// least policy.DownsellMinRatio × the anchor), at most k of each, shown
// apart from cross-sell: their Rule is RuleUpsell or RuleDownsell. The
// shopper filters of Recommend apply (stock, season, segments, cart,
// dismissed); the price and complement rules do not, these are substitutes.
func (e *Engine) Alternatives(anchor uint32, ctx *Context, dst []Suggestion) []Suggestion {
	if int(anchor) >= e.n {
		return dst
	}
	s := e.scratch()
	defer e.done(s)
	r, ok := e.start(ctx, s)
	if !ok {
		return dst
	}
	r.blockAndAnchors()
	s.marks[anchor].block = s.gen
	s.flagCat = s.flagCat[:0] // substitutes are the point here
	it := &e.b.Items
	pa := it.Price[anchor]
	c := e.cat[anchor]
	if math.IsNaN(pa) || pa <= 0 || c == 0 {
		return dst
	}
	p := &e.b.Policy
	up, down := p.UpsellMaxRatio, p.DownsellMinRatio
	if up <= 1 {
		up = 1.25
	}
	if down <= 0 || down >= 1 {
		down = 0.5
	}
	e.category(c)
	byPrice := e.catByPrice[e.catOff[c]:e.catOff[c+1]]
	at := sort.Search(len(byPrice), func(i int) bool { return priceKey(it.Price[byPrice[i]]) >= pa })
	// Up-sells: from the anchor's price upwards; down-sells: downwards.
	for i := at; i < len(byPrice); i++ {
		item := byPrice[i]
		pi := it.Price[item]
		if math.IsNaN(pi) || pi > pa*up {
			break
		}
		if pi > pa {
			r.alternative(item, anchor, RuleUpsell, pa, pi)
		}
	}
	for i := at - 1; i >= 0; i-- {
		item := byPrice[i]
		pi := it.Price[item]
		if pi < pa*down {
			break
		}
		if pi < pa {
			r.alternative(item, anchor, RuleDownsell, pa, pi)
		}
	}
	dst = r.pickRule(dst, RuleUpsell)
	return r.pickRule(dst, RuleDownsell)
}

func (r *run) alternative(item, anchor uint32, rule Rule, pa, pi float64) {
	e := r.e
	it := &e.b.Items
	if r.blocked(item) || (it.Role[anchor] != blob.RoleNone && it.Role[item] != it.Role[anchor]) {
		return
	}
	c := r.s.get(item)
	c.rule, c.anchor = rule, int32(anchor)
	c.kind = uint8(blob.KindUpsell)
	if rule == RuleDownsell {
		c.kind = uint8(blob.KindDownsell)
	}
	c.ok = r.passShopper(c)
	if !c.ok {
		return
	}
	// Popular first, then the closest in price.
	c.score = math.Log1p(float64(it.Orders[item])) - math.Abs(pi/pa-1) + r.t.w.Acceptance*r.acceptance(c)
}

// passShopper is the part of pass that concerns the shopper, not the anchor.
func (r *run) passShopper(c *cand) bool {
	ref := c.ref
	c.ref = -1
	ok := r.pass(c, &r.e.info[c.item])
	c.ref = ref
	return ok
}

// pickRule appends up to k candidates of one rule, best first, without the
// variety limit (alternatives are of the anchor's own category).
func (r *run) pickRule(dst []Suggestion, rule Rule) []Suggestion {
	s := r.s
	for n := 0; n < r.k; n++ {
		best := -1
		for i := range s.cands {
			c := &s.cands[i]
			if !c.ok || c.taken || c.rule != rule {
				continue
			}
			if best >= 0 {
				b := &s.cands[best]
				if c.score < b.score || (c.score == b.score && c.item > b.item) {
					continue
				}
			}
			best = i
		}
		if best < 0 {
			break
		}
		s.cands[best].taken = true
		dst = append(dst, r.suggestion(&s.cands[best]))
	}
	return dst
}
