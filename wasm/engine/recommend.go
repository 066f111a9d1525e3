package engine

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/stats"
)

// run holds one call's resolved inputs.
type run struct {
	e    *Engine
	ctx  *Context
	s    *scratch
	t    tuning
	k    int
	md   uint16 // month*100+day of ctx.Now, for seasons
	mask uint64 // exclusions that apply to this shopper
	loy  bool   // the shopper may see loyalty-only items

	cartTotal float64
	gap       float64 // amount missing to free delivery, 0 when no nudge
	threshold float64
	ratio     float64 // max complement price / anchor price for the placement
	refPrice  float64 // impulse price reference (cart total or anchor price)
	capPrice  float64 // price the complement cap compares with; NaN: each candidate's own anchor
	evMax     float64 // the strongest candidate's whole-cart evidence
	evBase    float64 // the pair floor's share every mined candidate holds (see PairFloor)
	rest      float64 // at most what margin and gap add to a candidate's score (see evCut)

	anchorOnly bool // Bundle: only ctx.Anchor is an anchor
}

// Recommend appends to dst the best suggestions for ctx, best first, and
// returns the extended slice. It applies every rule of the blob's policy
// (see docs/engine.md) and is deterministic: the same blob and context give
// the same answer. In steady state it does not allocate when dst has room.
func (e *Engine) Recommend(ctx *Context, dst []Suggestion) []Suggestion {
	s := e.scratch()
	defer e.done(s)
	r, ok := e.start(ctx, s)
	if !ok {
		return dst
	}
	return r.recommend(dst)
}

// start resolves the context; ok is false for a holdout visitor or a bad
// placement.
func (e *Engine) start(ctx *Context, s *scratch) (run, bool) {
	r := run{e: e, ctx: ctx, s: s, t: e.base, capPrice: math.NaN()}
	if ctx.Placement >= numPlacements {
		return r, false
	}
	if ctx.Visitor != 0 {
		for i := range e.exps {
			x := &e.exps[i]
			v := x.pick(ctx.Visitor)
			t := x.tunings[v]
			if t.off {
				return r, false
			}
			// A later experiment's overrides apply on top of an earlier one's
			// only where it changes them from the base policy.
			if t.w != e.base.w {
				r.t.w = t.w
			}
			for p := range t.k {
				if t.k[p] != e.base.k[p] {
					r.t.k[p] = t.k[p]
				}
			}
		}
	}
	r.k = r.t.k[ctx.Placement]
	if ctx.K > 0 {
		r.k = min(ctx.K, MaxK)
	}
	r.md = e.monthDay(ctx.Now)
	for _, seg := range ctx.Segments {
		for j, xs := range e.exclSeg {
			if xs == seg {
				r.mask |= 1 << uint(j)
			}
		}
		if seg == e.loyalSeg && e.loyalSeg != 0 {
			r.loy = true
		}
	}
	p := &e.b.Policy
	r.ratio = e.ratio[ctx.Placement]
	price := e.b.Items.Price
	for _, l := range ctx.Cart {
		if int(l.Item) < e.n && !math.IsNaN(price[l.Item]) {
			r.cartTotal += price[l.Item] * float64(max(l.Qty, 1))
		}
	}
	r.threshold = p.FreeDelivery
	if ctx.FreeDelivery > 0 {
		r.threshold = ctx.FreeDelivery
	}
	if r.threshold > 0 && r.cartTotal > 0 && r.cartTotal < r.threshold {
		share := p.FreeDeliveryGap
		if share <= 0 {
			share = 0.25
		}
		if missing := r.threshold - r.cartTotal; missing <= r.threshold*share {
			r.gap = missing
		}
	}
	r.refPrice = r.cartTotal
	if ctx.Anchor >= 0 && int(ctx.Anchor) < e.n && !math.IsNaN(price[ctx.Anchor]) {
		r.refPrice = max(r.refPrice, price[ctx.Anchor])
	}
	s.fb = e.fbRaise
	if !(r.t.w.Shrinkage <= maxRaiseShrinkage) {
		s.fb = e.fbAny // see indexFeedback
	}
	s.next(len(e.catRef))
	return r, true
}

// monthDay converts Unix seconds to month*100+day in UTC.
// monthDay is monthDay(unix), remembered for the last day asked: a date
// computation per call is a few hundred instructions in wasm.
func (e *Engine) monthDay(unix int64) uint16 {
	day := unix / 86400
	if unix < 0 || day >= 1<<47 {
		return monthDay(unix)
	}
	if v := e.md.Load(); v>>16 == uint64(day)+1 {
		return uint16(v)
	}
	md := monthDay(unix)
	e.md.Store((uint64(day)+1)<<16 | uint64(md))
	return md
}

func monthDay(unix int64) uint16 {
	_, m, d := time.Unix(unix, 0).UTC().Date()
	return uint16(m)*100 + uint16(d)
}

func (r *run) recommend(dst []Suggestion) []Suggestion {
	ctx, s := r.ctx, r.s
	r.blockAndAnchors()
	post := ctx.Placement.postPurchase()
	if len(s.anchors) == 0 && !post {
		return dst // rule 1: suggest only once an anchor is chosen
	}
	r.fromMatrix()
	r.fromPairs()
	r.fromTriples()
	if post {
		r.fromReplenish()
		r.fromViewed()
	}
	if r.gap > 0 {
		r.fromGap()
	}
	r.score()
	start := len(dst)
	checkout := ctx.Placement == Checkout
	// Complements first; at checkout the last slot is the impulse slot.
	slots := r.k
	if checkout && r.k >= 2 {
		slots = r.k - 1
	}
	dst = r.pick(dst, start, slots, noImpulse)
	if len(dst)-start < slots {
		r.fromCategories()
		dst = r.pick(dst, start, slots, noImpulse)
	}
	if checkout {
		r.fromImpulse()
		dst = r.pick(dst, start, len(dst)-start+1, onlyImpulse)
		dst = r.pick(dst, start, r.k, noImpulse)
	}
	// Impulse-class items only where no complement fits.
	return r.pick(dst, start, r.k, anyItem)
}

// blockAndAnchors stamps what must never be suggested and lists the anchors.
func (r *run) blockAndAnchors() {
	e, ctx, s := r.e, r.ctx, r.s
	g := s.gen
	for _, l := range ctx.Cart {
		if int(l.Item) < e.n {
			s.marks[l.Item].block = g
		}
	}
	for _, d := range ctx.Dismissed {
		if int(d) < e.n {
			s.marks[d].block = g
		}
	}
	for _, o := range ctx.Owned {
		if int(o.Item) < e.n {
			s.marks[o.Item].owned = g
		}
	}
	if ctx.Anchor >= 0 && int(ctx.Anchor) < e.n {
		r.addAnchor(uint32(ctx.Anchor), 1)
		s.marks[ctx.Anchor].block = g
	}
	if !r.anchorOnly {
		for _, l := range ctx.Cart {
			// More of an item says a little more about the basket, not q times more.
			w := 1.0
			if l.Qty > 1 { // math.Log is a software loop in wasm; ln 1 is 0
				w += 0.25 * math.Log(float64(l.Qty))
			}
			r.addAnchor(l.Item, w)
		}
		if ctx.Placement == Email && len(s.anchors) == 0 {
			for _, o := range ctx.Owned {
				r.addAnchor(o.Item, 0.5)
			}
		}
	}
	r.capPrice = r.cartCap()
}

// addAnchor makes item an anchor of weight w (times its specificity),
// once. A method, not a closure in blockAndAnchors: a closure call per cart
// line is dearer in wasm.
func (r *run) addAnchor(item uint32, w float64) {
	e, s := r.e, r.s
	if int(item) >= e.n || len(s.anchors) >= maxAnchors {
		return
	}
	for _, a := range s.anchors {
		if a.item == item {
			return
		}
	}
	in := &e.info[item]
	price := in.price
	if math.IsNaN(price) {
		price = math.Inf(-1)
	}
	s.anchors = append(s.anchors, anchor{item: item, w: w * r.specificity(item), price: price})
	if c := e.cat[item]; c != 0 && in.role == blob.RoleFlagship {
		s.flagCat = append(s.flagCat, c)
	}
}

// cartCap is the anchor price of the price cap where the shopper's anchor
// is the whole cart (cart, checkout, order confirmation, email): the
// dearest anchor with a known price. A complement of the basket must be
// cheap next to the main purchase, not next to whichever cart item happens
// to be bought with it (two siblings of one family, each at the same
// price, are both complements of the camera in the cart). On product and
// add_to_cart it is NaN: each candidate compares with its own anchor.
func (r *run) cartCap() float64 {
	switch r.ctx.Placement {
	case Cart, Checkout, OrderConfirmation, Email:
	default:
		return math.NaN()
	}
	top := math.Inf(-1)
	for _, a := range r.s.anchors {
		if a.price > top { // unknown prices are -Inf, never NaN; not max(), a runtime call in wasm
			top = a.price
		}
	}
	if math.IsInf(top, -1) {
		return math.NaN()
	}
	return top
}

// specificity is how much a cart item says about the rest of the basket:
// ln(1 + N/n_A), an inverse document frequency. An item in most baskets
// (milk, bags) goes with everything, so its pairs weigh less in the
// whole-cart evidence than those of an item few shoppers buy. Always
// positive, so a cart of one popular item still gets its pairs; with one
// anchor it changes nothing (the evidence is scaled per call).
// matrixgen eval: groceries Cov@3 and the Online Retail sample's HR@3 and
// Cov@3 up, see docs/eval.md.
func (r *run) specificity(item uint32) float64 {
	e := r.e
	if v := e.spec[item].Load(); v != 0 { // computed on first use, never 0
		return math.Float64frombits(v)
	}
	v := 1.0
	if N, na := e.nStats, r.orders(item); N > 0 {
		v = math.Log1p(N / max(na, 1))
	}
	e.spec[item].Store(math.Float64bits(v))
	return v
}

// blocked reports whether item may not be suggested at all.
func (r *run) blocked(item uint32) bool {
	m := &r.s.marks[item]
	return m.block == r.s.gen || m.owned == r.s.gen
}

// fromMatrix adds the curated rows of every anchor, by item and by category,
// that are valid now and whose segment conditions the shopper meets.
func (r *run) fromMatrix() {
	e, s := r.e, r.s
	// Most anchors have no rows of their own or of their category: test
	// that here rather than in a call per anchor and category.
	for _, a := range s.anchors {
		if lo, hi := e.mxItemOff[a.item], e.mxItemOff[a.item+1]; lo != hi {
			r.matrixRows(e.mxItemRow[lo:hi], a.item)
		}
		if c := e.cat[a.item]; c != 0 {
			if lo, hi := e.mxCatOff[c], e.mxCatOff[c+1]; lo != hi {
				r.matrixRows(e.mxCatRow[lo:hi], a.item)
			}
		}
	}
}

func (r *run) matrixRows(rows []uint32, anchorItem uint32) {
	e, s, ctx := r.e, r.s, r.ctx
	m := &e.b.Matrix
	for _, row := range rows {
		item := m.Complement[row]
		if r.blocked(item) {
			continue
		}
		if f := m.ValidFrom[row]; f != 0 && ctx.Now < f {
			continue
		}
		if t := m.ValidTo[row]; t != 0 && ctx.Now > t {
			continue
		}
		if !r.segmentsMet(row) {
			continue
		}
		c := s.get(item)
		cur := 1 + float64(m.Priority[row])
		if c.row < 0 {
			s.eager = append(s.eager, int32(s.marks[item].slot))
		}
		if cur > c.curated || c.row < 0 {
			c.curated, c.row = cur, int32(row)
			c.rule, c.kind, c.reason = RuleMatrix, uint8(m.Kind[row]), m.Reason[row]
			c.anchor, c.ref, c.refPrice = int32(anchorItem), int32(anchorItem), math.Inf(1) // +Inf: fromPairs never replaces ref
			c.impulse = m.Kind[row] == blob.KindImpulse
		}
	}
}

// segmentsMet: the shopper has every required segment and no excluded one.
func (r *run) segmentsMet(row uint32) bool {
	m := &r.e.b.Matrix
	for _, need := range m.Req[m.ReqOff[row]:m.ReqOff[row+1]] {
		if !r.hasSegment(need) {
			return false
		}
	}
	for _, bar := range m.Excl[m.ExclOff[row]:m.ExclOff[row+1]] {
		if r.hasSegment(bar) {
			return false
		}
	}
	return true
}

func (r *run) hasSegment(seg uint32) bool {
	for _, s := range r.ctx.Segments {
		if s == seg {
			return true
		}
	}
	return false
}

// fromPairs scores every neighbour of every anchor into one whole-cart
// evidence: an item that goes with three cart items outranks one that goes
// with one, and its strongest single pair names the anchor and the numbers.
func (r *run) fromPairs() {
	e, s := r.e, r.s
	p := &e.b.Pairs
	same := r.t.w.Shrinkage == e.base.w.Shrinkage && r.t.w.EvidencePower == e.base.w.EvidencePower
	// Every kept neighbour of a cart item is evidence in itself (it passed
	// the mining test): it counts at least PairFloor over the cart's total
	// anchor weight, so an item several cart items point at outranks the
	// cube of one middling cosine.
	wAll := 0.0
	for _, a := range s.anchors {
		wAll += a.w
	}
	floor, wMin := 0.0, math.Inf(1)
	if wAll > 0 {
		floor = PairFloor / wAll
	}
	for _, a := range s.anchors {
		if a.w < wMin { // never NaN (see specificity): not min(), a runtime call in wasm
			wMin = a.w
		}
	}
	// The least a mined candidate holds from the floor: taken off again when
	// the evidence is scaled, so with one anchor the floor changes nothing.
	r.evBase = 0
	if floor > 0 && wMin > 0 && !math.IsInf(wMin, 1) {
		r.evBase = floor * wMin
	}
	g := s.gen
	for ai := range s.anchors {
		a := &s.anchors[ai]
		// Where a's mined neighbours are in the pair columns: none while
		// its shard has not been added. Here, not in a function: over the
		// inliner's budget, that was a call per anchor in wasm.
		lo, hi := p.Off[a.item], p.Off[a.item+1]
		if e.shards != nil && lo != hi && !e.shardHere(a.item) {
			hi = lo
		}
		to := p.To[lo:hi]
		if same {
			// The usual case, the loop the answer's time goes to: evidence
			// precomputed per pair, slices cut to one length so the loop
			// body has no bounds checks on them. In Go's WebAssembly every
			// taken jump goes through the function's dispatch loop, so the
			// loop keeps them few: a first contribution (most of them) makes
			// its candidate whole in one step, and a later one compares
			// prices against the NaN / +Inf in refPrice (setRef) instead of
			// testing row and ref. addPair's body,
			// written out: keep the two in step.
			if !(a.w > 0) {
				continue // with ev > 0 and floor >= 0, contrib = a.w·(ev+floor) > 0 iff a.w > 0
			}
			if lo != hi && !e.evDone[a.item].Load() {
				e.fillRowEvidence(a.item)
			}
			row := e.pairEv[lo:hi]
			row = row[:len(to)]
			if free := cap(s.cands) - len(s.cands); free < len(to) {
				s.cands = slices.Grow(s.cands, len(to))
			}
			ai, price := int32(a.item), a.price
			evMax := r.evMax // the strongest whole-cart evidence so far (score's scale)
			for k, b := range to {
				m := &s.marks[b] // one cache line: blocked, owned, candidate slot
				ev := float64(row[k])
				if min(m.block^g, m.owned^g) == 0 || !(ev > 0) {
					continue
				}
				contrib := a.w * (ev + floor)
				if m.seen != g {
					n := len(s.cands)
					m.seen, m.slot = g, int32(n)
					s.cands = s.cands[:n+1]
					s.cands[n].initPair(b, ai, price, contrib, lo+uint32(k))
					if contrib > evMax {
						evMax = contrib
					}
					if s.hasFeedback(b) {
						s.eager = append(s.eager, int32(n))
					}
					continue
				}
				c := &s.cands[m.slot]
				c.ev += contrib
				if c.ev > evMax {
					evMax = c.ev
				}
				r.setRef(c, a)
				if contrib > c.best {
					c.best = contrib
					if c.row < 0 {
						c.anchor, c.rule = ai, RulePairs
					}
					c.evKind, c.evA, c.evJ = evPair, a.item, lo+uint32(k)
				}
			}
			r.evMax = evMax
			continue
		}
		na := r.orders(a.item)
		for k, b := range to {
			m := &s.marks[b]
			if m.block == g || m.owned == g {
				continue
			}
			j := lo + uint32(k)
			nab := float64(p.NAB[j])
			if e.decayed {
				nab = float64(p.NABDecayed[j])
			}
			ev := pairEvidence(r.e.nStats, r.t.w.Shrinkage, r.t.w.EvidencePower, nab, na, r.orders(b))
			if !(ev > 0) {
				continue
			}
			r.addPair(m, b, a, j, a.w*(ev+floor))
		}
	}
}

// addPair adds pair j's contribution from anchor a to candidate b.
func (r *run) addPair(m *mark, b uint32, a *anchor, j uint32, contrib float64) {
	if !(contrib > 0) {
		return
	}
	s := r.s
	var c *cand
	if m.seen == s.gen {
		c = &s.cands[m.slot]
	} else {
		c = s.get(b)
	}
	c.ev += contrib
	if c.ev > r.evMax {
		r.evMax = c.ev
	}
	r.setRef(c, a)
	if contrib > c.best {
		c.best = contrib
		if c.row < 0 {
			c.anchor, c.rule = int32(a.item), RulePairs
		}
		c.evKind, c.evA, c.evJ = evPair, a.item, j
	}
}

// setRef keeps the dearest contributing anchor: a complement must be
// cheap next to the main purchase it goes with, not next to a cable. No
// ref yet is a NaN refPrice (taken), a curated row's own anchor +Inf
// (kept): one comparison, no test of row and ref.
func (r *run) setRef(c *cand, a *anchor) {
	if !(a.price <= c.refPrice) {
		c.ref, c.refPrice = int32(a.item), a.price
	}
}

// orders is n_A as scored: decayed when the blob carries decay.
func (r *run) orders(i uint32) float64 {
	if r.e.decayed {
		return float64(r.e.b.Items.OrdersDecayed[i])
	}
	return float64(r.e.b.Items.Orders[i])
}

// lnLift is the log of the lift shrunk toward 1 by the policy's pseudo-count:
// (n_AB + s) / (E + s) with E = n_A·n_B/N the count expected by chance, so
// a pair seen 3 times weighs little and one seen 300 times nearly its lift.
func (r *run) lnLift(nab, nanb float64) float64 {
	return lnLift(r.e.nStats, r.t.w.Shrinkage, nab, nanb)
}

func lnLift(N, sh, nab, nanb float64) float64 {
	if N <= 0 || nanb <= 0 || nab <= 0 {
		return 0
	}
	if sh < 0 || math.IsNaN(sh) {
		sh = 0
	}
	expect := nanb / N
	if expect+sh <= 0 {
		return 0
	}
	l := (nab + sh) / (expect + sh)
	if !(l > 1) || math.IsInf(l, 0) {
		return 0
	}
	return math.Log(l)
}

// fromTriples adds the multi-item rules {A,B} → C for every pair of anchors.
func (r *run) fromTriples() {
	e, s := r.e, r.s
	t, it := &e.b.Triples, &e.b.Items
	if len(t.A) == 0 {
		return
	}
	// A pair's rows are under its smaller item: only anchors with rows of
	// their own can start one. Most carts have none or one, so the pairs
	// are those of the anchors listed here, in the same order as all pairs
	// (i, then j ascending): the sums come out the same.
	with := s.triWith[:0]
	for i := range s.anchors {
		if a := s.anchors[i].item; e.triOff[a+1] > e.triOff[a] {
			with = append(with, int32(i))
		}
	}
	s.triWith = with
	if len(with) == 0 && !triplesEveryPair {
		return
	}
	next := 0 // with[next:] are the anchors with rows from i on
	for i := 0; i < len(s.anchors); i++ {
		for next < len(with) && int(with[next]) < i {
			next++
		}
		hasI := triplesEveryPair || (next < len(with) && int(with[next]) == i)
		w := next // next of with to look at, when i has no rows
		for j := i + 1; j < len(s.anchors); j++ {
			if !hasI {
				// Only a j with rows, and a smaller item than i's, can pair.
				for w < len(with) && int(with[w]) < j {
					w++
				}
				if w == len(with) {
					break
				}
				j = int(with[w])
			}
			ai, bi := &s.anchors[i], &s.anchors[j]
			a, b := ai.item, bi.item
			if a > b {
				a, b = b, a
			}
			// The rows of a, then b among them by bisection.
			lo, hi := e.triOff[a], e.triOff[a+1]
			for lo < hi {
				mid := (lo + hi) / 2
				if t.B[mid] < b {
					lo = mid + 1
				} else {
					hi = mid
				}
			}
			row := int(lo)
			if lo >= e.triOff[a+1] || t.B[row] != b {
				continue
			}
			nab := float64(t.NAB[row])
			w := min(s.anchors[i].w, s.anchors[j].w)
			for k := t.Off[row]; k < t.Off[row+1]; k++ {
				c := t.To[k]
				if r.blocked(c) {
					continue
				}
				contrib := w * r.tripleEvidence(float64(t.NABC[k]), nab, float64(it.Orders[c]))
				if !(contrib > 0) { // never NaN into ev (pick's skip loop)
					continue
				}
				cd := s.get(c)
				cd.ev += contrib
				if cd.ev > r.evMax {
					r.evMax = cd.ev
				}
				r.setRef(cd, ai)
				r.setRef(cd, bi)
				if contrib > cd.best {
					cd.best = contrib
					if cd.row < 0 {
						cd.anchor, cd.rule = int32(a), RuleTriple
					}
					cd.evKind, cd.evJ, cd.evRow = evTriple, k, uint32(row)
				}
			}
		}
	}
}

// triplesEveryPair, set by the tests, makes fromTriples look at every pair
// of anchors, as it did before it skipped those without rows: the tests
// compare the answers both ways.
var triplesEveryPair = false

// PairFloor is what a kept neighbour of a cart item adds to the whole-cart
// evidence besides its cos^q, divided by the cart's total anchor weight:
// a vote. cos^q alone lets one middling pair outweigh several cart items
// that all point at the same item; on groceries (cosines ~0.1, cos^3
// ~0.001) the vote decides, on Online Retail (families of variants, cosines
// ~0.5) the cube does. matrixgen eval, docs/eval.md: groceries Cov@3
// 0.53 → 0.60 and 0.60 → 0.69 on two splits, HR@3 unchanged on both datasets.
const PairFloor = 0.02

// pairEvidence is how much one cart item A says for B: the cosine
// n_AB / sqrt(n_A·n_B) raised to the policy's evidence power q
// (blob.Weights.EvidencePower), and only when the lift, shrunk toward 1 by
// the policy's pseudo-count, is above 1 (positive association). Evaluated
// on held-out baskets (matrixgen eval), the cosine ranks what shoppers add
// far better than the log lift, which favours rare items seen together a
// few times. Above 1, q lets a cart item's strongest complements count for
// more than many weak ones: Online Retail (families of variants) ranks best
// with q = 3 or 4 and loses half its hits at q = 1, groceries with 2 or 3,
// so matrixgen build chooses q per shop on a validation split of its
// orders (docs/eval.md, third round).
func pairEvidence(N, sh, q, nab, na, nb float64) float64 {
	if lnLift(N, sh, nab, na*nb) <= 0 {
		return 0
	}
	return powQ(q, nab/math.Sqrt(na*nb))
}

// tripleEvidence is pairEvidence for the rule {A,B} → C, with the pair
// {A,B} as one anchor of n_AB orders (triples carry plain counts only).
func (r *run) tripleEvidence(nabc, nab, nc float64) float64 {
	if r.lnLiftPlain(nabc, nab*nc) <= 0 {
		return 0
	}
	return powQ(r.t.w.EvidencePower, nabc/math.Sqrt(nab*nc))
}

// lnLiftPlain is lnLift on plain counts (triples carry no decayed counts).
func (r *run) lnLiftPlain(nab, nanb float64) float64 {
	N := float64(r.e.b.Stats.Orders)
	if N <= 0 || nanb <= 0 || nab <= 0 {
		return 0
	}
	sh := max(r.t.w.Shrinkage, 0)
	l := (nab + sh) / (nanb/N + sh)
	if !(l > 1) || math.IsInf(l, 0) {
		return 0
	}
	return math.Log(l)
}

// fromReplenish brings back owned items whose reorder interval has passed.
func (r *run) fromReplenish() {
	e, s, ctx := r.e, r.s, r.ctx
	it := &e.b.Items
	for _, o := range ctx.Owned {
		if int(o.Item) >= e.n || s.marks[o.Item].block == s.gen {
			continue
		}
		days := float64(it.Replenish[o.Item])
		if days <= 0 || o.At <= 0 {
			continue
		}
		since := float64(ctx.Now-o.At) / 86400
		if since < days {
			continue
		}
		c := s.get(o.Item)
		if c.rule == RuleReplenish {
			continue
		}
		c.init(o.Item)
		c.rule, c.kind = RuleReplenish, uint8(blob.KindConsumable)
		s.eager = append(s.eager, s.marks[o.Item].slot)
		// Due now weighs most; long overdue a little less (they may have
		// switched), never below half.
		c.base = 1.5 * max(0.5, 1-0.1*(since/days-1))
	}
}

// fromViewed suggests items viewed earlier and not bought.
func (r *run) fromViewed() {
	e, s := r.e, r.s
	for i, v := range r.ctx.Viewed {
		if int(v) >= e.n || r.blocked(v) || s.isCand(v) {
			continue
		}
		c := s.get(v)
		c.rule, c.kind = RuleViewed, uint8(kindOfRole(e.b.Items.Role[v]))
		s.eager = append(s.eager, s.marks[v].slot)
		// The most recent view (last in the list) first.
		c.base = 0.8 + 0.01*float64(i)/float64(len(r.ctx.Viewed))
	}
}

// fromGap adds items that close the free-delivery gap from the categories
// related to the anchors: the cheapest that closes it first.
func (r *run) fromGap() {
	e, s := r.e, r.s
	e.pools()
	for _, a := range s.anchors {
		c := e.cat[a.item]
		if c == 0 {
			continue
		}
		s.relCat[c] = s.gen
		to, _ := e.links(c)
		for _, l := range to {
			s.relCat[l] = s.gen
		}
	}
	price := e.b.Items.Price
	i := sort.Search(len(e.gapPool), func(k int) bool { return price[e.gapPool[k]] >= r.gap })
	added := 0
	for ; i < len(e.gapPool) && added < 8; i++ {
		item := e.gapPool[i]
		if price[item] > r.gap+r.threshold*0.5 {
			break
		}
		if r.blocked(item) || s.relCat[e.cat[item]] != s.gen || e.cat[item] == 0 {
			continue
		}
		c := s.get(item)
		if c.rule == RuleNone {
			c.rule, c.fallback, c.kind = RuleGap, true, uint8(kindOfRole(e.b.Items.Role[item]))
		}
		added++
	}
}

// fromCategories is the fallback when evidence and curation leave slots
// empty: the most popular items of the categories most linked to each
// anchor's category.
func (r *run) fromCategories() {
	e, s := r.e, r.s
	for _, a := range s.anchors {
		c := e.cat[a.item]
		if c == 0 {
			continue
		}
		tos, lifts := e.links(c)
		for l, to := range tos {
			lift := lifts[l]
			e.category(to)
			taken := 0
			for _, item := range e.catByPop[e.catOff[to]:e.catOff[to+1]] {
				if taken >= 3 {
					break
				}
				if r.blocked(item) || s.isCand(item) {
					continue
				}
				cd := s.get(item)
				cd.rule, cd.fallback, cd.anchor, cd.ref, cd.refPrice = RuleCategory, true, int32(a.item), int32(a.item), math.Inf(1)
				cd.kind = uint8(kindOfRole(e.b.Items.Role[item]))
				cd.base = 0.1*math.Log(max(float64(lift), 1)) + 0.001*math.Log1p(float64(e.b.Items.Orders[item]))
				cd.impulse = e.b.Items.Role[item] == blob.RoleImpulse
				r.finish(cd)
				taken++
			}
		}
	}
}

// fromImpulse offers the checkout's impulse slot: popular impulse items
// priced under the impulse ratio of the cart.
func (r *run) fromImpulse() {
	e, s := r.e, r.s
	price := e.b.Items.Price
	taken := 0
	e.pools()
	for _, item := range e.impulse {
		if taken >= 4 {
			break
		}
		if r.blocked(item) || s.isCand(item) {
			continue
		}
		if p := price[item]; !math.IsNaN(p) && r.refPrice > 0 && p > r.refPrice*r.e.impRatio {
			continue
		}
		c := s.get(item)
		c.rule, c.fallback, c.impulse, c.kind = RuleImpulse, true, true, uint8(blob.KindImpulse)
		c.base = 0.05 * math.Log1p(float64(e.b.Items.Orders[item]))
		r.finish(c)
		taken++
	}
}

func kindOfRole(role blob.Role) blob.Kind {
	switch role {
	case blob.RoleConsumable:
		return blob.KindConsumable
	case blob.RoleAccessory:
		return blob.KindAccessory
	case blob.RoleThematic, blob.RoleSeasonal:
		return blob.KindThematic
	case blob.RoleImpulse:
		return blob.KindImpulse
	case blob.RoleService:
		return blob.KindService
	case blob.RolePromo:
		return blob.KindPromo
	}
	return blob.KindComplement
}

// score prepares the candidates collected so far for pick. Only a few of a
// cart's candidates can make the answer (a 10-item cart collects ~250 for
// 3 slots), and filtering and scoring them all was most of a call in
// WebAssembly (docs/engine.md, "Recommend"). So a candidate whose score is
// evidence plus terms every candidate shares the bound of (margin, gap) is
// left for pick, which finishes it only when its evidence clears the cut
// its best so far sets (evCut); the others are finished here.
func (r *run) score() {
	cs := r.s.cands
	// evMax was kept as the evidence came in (fromPairs, fromTriples).
	if finishAll {
		for i := range cs {
			r.finish(&cs[i])
		}
	}
	for _, i := range r.s.eager {
		if c := &cs[i]; !c.done {
			r.finish(c)
		}
	}
	e := r.e
	w := &r.t.w
	r.rest = 0
	if w.Margin > 0 {
		r.rest += w.Margin * e.maxMargin
	}
	if r.gap > 0 && w.Gap > 0 {
		r.rest += w.Gap // the gap term is w.Gap times at most 1
	}
}

// finishAll makes score finish every candidate: the tests compare the
// answers both ways on random contexts.
var finishAll = false

// evCut is the whole-cart evidence (cand.ev, as it is until finish) below
// which a candidate left for pick cannot beat a best scoring best: its
// score is at most w.Evidence·evidence + r.rest. Generous margins keep
// rounding (the terms add up in another order in finish) on the safe side:
// a candidate at the cut is finished, never skipped.
func (r *run) evCut(best float64) float64 {
	we := r.t.w.Evidence
	if we <= 0 || r.evMax <= r.evBase {
		// The evidence term is 0 (or counts against): only the rest can win.
		if r.rest < best-math.Abs(best)*1e-9-1e-12 {
			return math.Inf(1)
		}
		return math.Inf(-1)
	}
	t := (best - r.rest) / we // the evidence a candidate needs, in [0, 1]
	if !(t > 0) {
		return math.Inf(-1)
	}
	if t > 1.01 {
		return math.Inf(1)
	}
	x := powQ(r.t.w.EvidencePower, t) * (1 - 1e-6) // evidence = x^(1/q) with x the scaled ev
	return r.evBase + x*(r.evMax-r.evBase)*(1-1e-9)
}

// powQ and rootQ are x^q and x^(1/q) for x in [0, 1]. math.Pow is slow in
// WebAssembly (no hardware log/exp) and rootQ runs per candidate, so the
// powers matrixgen chooses from (1..4) take multiplications, math.Sqrt (one
// wasm instruction) and cbrt; only other policy values reach math.Pow.
func powQ(q, x float64) float64 {
	switch q {
	case 1:
		return x
	case 2:
		return x * x
	case 3:
		return x * x * x
	case 4:
		x *= x
		return x * x
	}
	return math.Pow(x, q)
}

func rootQ(q, x float64) float64 {
	switch q {
	case 1:
		return x
	case 2:
		return math.Sqrt(x)
	case 3:
		return cbrt(x)
	case 4:
		return math.Sqrt(math.Sqrt(x))
	}
	return math.Pow(x, 1/q)
}

// cbrt is the cube root of x in [0, 1] by three Newton steps from an
// exponent-halving first guess: a few multiplications, where math.Cbrt is a
// call with branches that costs as much as the rest of a candidate's score
// in WebAssembly. Exact to ~1e-15, monotonic, the same on every platform.
func cbrt(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	y := math.Float64frombits(math.Float64bits(x)/3 + 0x2a9f7893782da1ce)
	y = (2*y + x/(y*y)) / 3
	y = (2*y + x/(y*y)) / 3
	y = (2*y + x/(y*y)) / 3
	return y
}

// evidence is c's evidence term before its weight: the q-th root of its
// whole-cart evidence relative to the strongest candidate's, in [0, 1].
// The ranking among mined candidates is that of the sum of cos^q; the
// scale keeps evidence comparable with the fixed terms (curated priority,
// viewed, replenishment, fallbacks) whatever the data's cosines are.
func (r *run) evidence(c *cand) float64 {
	if c.ev <= r.evBase || r.evMax <= r.evBase {
		return 0
	}
	return rootQ(r.t.w.EvidencePower, (c.ev-r.evBase)/(r.evMax-r.evBase))
}

// finish settles a candidate's kind, filters and score.
func (r *run) finish(c *cand) {
	e := r.e
	in := &e.info[c.item]
	if c.rule == RulePairs || c.rule == RuleTriple {
		c.kind = uint8(kindOfRole(in.role))
		c.impulse = in.role == blob.RoleImpulse
	}
	if c.rule == RuleMatrix && in.role == blob.RoleImpulse {
		c.impulse = true
	}
	c.done = true
	c.ok = r.pass(c, in)
	if !c.ok {
		c.ev = math.Inf(1) // done: see pick's skip loop
		return
	}
	w := &r.t.w
	sc := c.base + w.Evidence*r.evidence(c) + w.Curated*c.curated + w.Margin*float64(in.margin)
	// ev has served (the evidence term above): from now on it says "done"
	// to pick's skip loop, which reads ev alone.
	c.ev = math.Inf(1)
	if in.fbN > 0 {
		sc += w.Acceptance * r.acceptance(c)
	}
	if r.gap > 0 {
		if p := in.price; p >= r.gap {
			c.gap = true
			// Closing the gap with the least overshoot is best.
			sc += w.Gap * max(0, 1-(p-r.gap)/r.threshold)
		}
	}
	c.score = sc
}

// acceptance is what shoppers did with this pair before, as log of the
// shrunk add rate over the overall rate, minus the dismissal rate.
func (r *run) acceptance(c *cand) float64 {
	e := r.e
	f := &e.b.Feedback
	in := &e.info[c.item]
	rows := e.fbRow[in.fbLo : in.fbLo+uint32(in.fbN)]
	best := -1
	for _, row := range rows {
		if f.Anchor[row] == c.anchor && c.anchor >= 0 {
			best = int(row)
			break
		}
		if f.Anchor[row] == -1 {
			best = int(row)
		}
	}
	if best < 0 {
		return 0
	}
	return acceptanceOf(float64(f.Added[best]), float64(f.Shown[best]), float64(f.Dismissed[best]), e.fbPrior, max(r.t.w.Shrinkage, 1))
}

// maxRaiseShrinkage is the most shrinkage for which Engine.fbRaise holds
// every item whose acceptance can be above 0 (see indexFeedback).
const maxRaiseShrinkage = 1e6

// acceptanceOf is acceptance for one feedback row: the log of the add rate,
// shrunk toward prior by sh pseudo-shows, over prior, minus the dismissal
// rate. When added < prior·shown it is below 0 for every sh >= 1 (in exact
// arithmetic: at added = prior·shown rounding can give +2e-16, hence the
// margin indexFeedback keeps).
func acceptanceOf(added, shown, dismissed, prior, sh float64) float64 {
	rate := (added + sh*prior) / (shown + sh)
	return math.Log(rate/prior) - dismissed/(shown+sh)
}

// pass applies the filters of DESIGN.md rules 3, 4 and 5.
func (r *run) pass(c *cand, in *itemInfo) bool {
	e, ctx := r.e, r.ctx
	i := c.item
	if in.flags != 0 {
		if in.flags&flagOOS != 0 {
			return false
		}
		if in.flags&flagSeason != 0 && !blob.InSeason(e.b.Items.SeasonFrom[i], e.b.Items.SeasonTo[i], r.md) {
			return false
		}
		if in.flags&flagExcl != 0 && e.exclMask[i]&r.mask != 0 {
			return false
		}
		if in.flags&flagLoyal != 0 && !r.loy {
			return false
		}
	}
	if ctx.Currency != 0 && in.cur != 0 && in.cur != ctx.Currency {
		return false
	}
	role := in.role
	// Complements, not substitutes: never a second flagship of a flagship
	// anchor's category.
	if role == blob.RoleFlagship {
		for _, fc := range r.s.flagCat {
			if fc == in.cat && fc != 0 {
				return false
			}
		}
	}
	if c.ref < 0 {
		return true
	}
	an := &e.info[c.ref]
	// Never accessory (or consumable) → flagship.
	if role == blob.RoleFlagship && (an.role == blob.RoleAccessory || an.role == blob.RoleConsumable) {
		return false
	}
	pa, pc := an.price, in.price
	if !math.IsNaN(r.capPrice) {
		pa = r.capPrice
	}
	if !math.IsNaN(pa) && !math.IsNaN(pc) && pa > 0 {
		limit := r.ratio
		if c.impulse && ctx.Placement == Checkout {
			limit = min(limit, e.impRatio)
		}
		if pc > pa*limit {
			return false
		}
	}
	p := &e.b.Policy
	if p.MatchTier {
		ta, tc := an.tier, in.tier
		cheap := role == blob.RoleConsumable || (!math.IsNaN(pc) && pc < p.CheapExempt)
		if ta != 0 && tc != 0 && ta != tc && !cheap {
			return false
		}
	}
	return true
}

// Which candidates a pick may take.
const (
	noImpulse = iota
	onlyImpulse
	anyItem
)

// pick appends the best remaining candidates until dst holds want
// suggestions (counted from start), keeping variety; mode says whether
// impulse-class items may come in (otherwise they wait).
//
// One pass over the candidates, not one per slot: it keeps the picks in
// order in a short list, which is what picking the best one, then the best
// of the rest, and so on gives, because the only thing that changes
// between slots is how full each category is. So a candidate enters the
// list only if fewer than its category's room are above it there, and
// pushes out the lowest of its category when it would overfill it. Once
// the list is full, the last entry's score sets the cut a candidate left
// for pick must clear to be finished at all (evCut).
func (r *run) pick(dst []Suggestion, start, want int, mode int) []Suggestion {
	if pickSlotBySlot {
		return r.pickSlots(dst, start, want, mode)
	}
	need := want - (len(dst) - start)
	if need <= 0 {
		return dst
	}
	s, e := r.s, r.e
	maxPer := e.b.Policy.MaxPerCategory
	top := s.top[:0]
	cut := math.Inf(-1) // cand.ev a candidate left for pick needs to enter a full list
	cs := s.cands
	for i := 0; i < len(cs); i++ {
		// Most candidates cannot beat the list's last (never filtered nor
		// scored): a loop of its own that touches nothing else. It reads ev
		// alone, one test per candidate: finish sets a finished candidate's
		// ev to +Inf (never skipped) and taking one sets it to NaN (always
		// skipped, below), so this is "taken, or not finished and ev < cut"
		// (a live ev is never NaN: every contribution is checked > 0).
		for i < len(cs) && !(cs[i].ev >= cut) {
			i++
		}
		if i == len(cs) {
			break
		}
		c := &cs[i]
		if !c.done {
			r.finish(c)
		}
		if !c.ok || (c.impulse && mode == noImpulse) || (!c.impulse && mode == onlyImpulse) {
			continue
		}
		n := len(top)
		if n == need {
			if b := &s.cands[top[n-1]]; c.score < b.score || (c.score == b.score && c.item > b.item) {
				continue
			}
		}
		at := n // c's place: after every entry that beats it
		for at > 0 {
			if b := &s.cands[top[at-1]]; c.score < b.score || (c.score == b.score && c.item > b.item) {
				break
			}
			at--
		}
		drop := -1
		if cat := e.cat[c.item]; maxPer > 0 && cat != 0 {
			room := maxPer - r.catUsed(cat)
			above, below := 0, 0
			for j, x := range top {
				if e.cat[s.cands[x].item] != cat {
					continue
				}
				if j < at {
					above++
				} else {
					below++
					drop = j // the lowest of its category, if one must go
				}
			}
			if above >= room {
				continue // its category is full above it: never picked
			}
			if above+1+below <= room {
				drop = -1
			}
		}
		// c goes in at at; the entry at drop (never above at) goes out, or
		// the list grows by one. Loops over at most MaxK entries rather than
		// slices.Delete and Insert: calls, and a memmove each, in wasm.
		if drop < 0 {
			top = append(top, 0)
			drop = len(top) - 1
		}
		for j := drop; j > at; j-- {
			top[j] = top[j-1]
		}
		top[at] = int32(i)
		if len(top) > need {
			top = top[:need]
		}
		if len(top) == need {
			cut = r.evCut(s.cands[top[need-1]].score)
		}
	}
	s.top = top[:0]
	for _, x := range top {
		c := &s.cands[x]
		c.taken, c.ev = true, math.NaN() // NaN: see the skip loop
		r.useCat(c.item)
		dst = append(dst, r.suggestion(c))
	}
	return dst
}

// pickSlotBySlot, set by the tests, picks one slot at a time as pick did
// before its one pass (pickSlots): the tests compare the answers both ways.
var pickSlotBySlot = false

// pickSlots is the reference pick the tests compare pick with: for each
// slot, the best candidate not taken, of the mode's class, whose category
// is not full, every candidate finished.
func (r *run) pickSlots(dst []Suggestion, start, want int, mode int) []Suggestion {
	s := r.s
	maxPer := r.e.b.Policy.MaxPerCategory
	for len(dst)-start < want {
		best := -1
		for i := range s.cands {
			c := &s.cands[i]
			if !c.done {
				r.finish(c)
			}
			if c.taken || !c.ok || (c.impulse && mode == noImpulse) || (!c.impulse && mode == onlyImpulse) {
				continue
			}
			if best >= 0 {
				b := &s.cands[best]
				if c.score < b.score || (c.score == b.score && c.item > b.item) {
					continue
				}
			}
			if maxPer > 0 && r.catFull(c.item, maxPer) {
				continue
			}
			best = i
		}
		if best < 0 {
			break
		}
		c := &s.cands[best]
		c.taken, c.ev = true, math.NaN() // as pick does
		r.useCat(c.item)
		dst = append(dst, r.suggestion(c))
	}
	return dst
}

// catUsed is how many suggestions of category cat this call has made.
func (r *run) catUsed(cat uint32) int {
	for _, u := range r.s.catUsed {
		if u.cat == cat {
			return u.n
		}
	}
	return 0
}

func (r *run) catFull(item uint32, maxPer int) bool {
	cat := r.e.cat[item]
	return cat != 0 && r.catUsed(cat) >= maxPer
}

func (r *run) useCat(item uint32) {
	cat := r.e.cat[item]
	for i := range r.s.catUsed {
		if r.s.catUsed[i].cat == cat {
			r.s.catUsed[i].n++
			return
		}
	}
	r.s.catUsed = append(r.s.catUsed, catCount{cat: cat, n: 1})
}

// evidenceCounts resolves a candidate's strongest evidence into its 2×2 table.
func (r *run) evidenceCounts(c *cand) Evidence {
	b := r.e.b
	switch c.evKind {
	case evPair:
		return Evidence{NAB: b.Pairs.NAB[c.evJ], NA: b.Items.Orders[c.evA], NB: b.Items.Orders[c.item], N: b.Stats.Orders}
	case evTriple:
		return Evidence{NAB: b.Triples.NABC[c.evJ], NA: b.Triples.NAB[c.evRow], NB: b.Items.Orders[c.item], N: b.Stats.Orders}
	}
	return Evidence{}
}

func (r *run) suggestion(c *cand) Suggestion {
	s := Suggestion{Item: c.item, Anchor: c.anchor, Kind: blob.Kind(c.kind), Rule: c.rule, Fallback: c.fallback,
		ClosesGap: c.gap, Score: float32(c.score), Reason: c.reason}
	if c.rule == RulePairs || c.rule == RuleTriple || (c.rule == RuleMatrix && c.best > 0) {
		ev := r.evidenceCounts(c)
		ev.Lift = float32(stats.Table{NAB: float64(ev.NAB), NA: float64(ev.NA), NB: float64(ev.NB), N: float64(ev.N)}.Lift())
		s.Evidence = ev
	}
	if s.Kind == blob.KindNone {
		s.Kind = blob.KindComplement
	}
	return s
}
