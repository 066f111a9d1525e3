package engine

import (
	"strconv"
	"strings"

	"github.com/xsell/xsell/wasm/blob"
)

// Placement is where suggestions show, in funnel order (blob.Placements).
type Placement uint8

const (
	Product Placement = iota
	AddToCart
	Cart
	Checkout
	OrderConfirmation
	Email
	numPlacements
)

func (p Placement) String() string {
	if int(p) < len(blob.Placements) {
		return blob.Placements[p]
	}
	return "invalid"
}

// ParsePlacement maps a placement name to a Placement.
func ParsePlacement(s string) (Placement, error) {
	for i, n := range blob.Placements {
		if n == s {
			return Placement(i), nil
		}
	}
	return 0, &blob.Wrapped{Base: ErrPlacement, Suffix: " " + strconv.Quote(s) + " (want one of [" + strings.Join(blob.Placements, " ") + "])"}
}

// postPurchase placements get replenishment and viewed-earlier suggestions.
func (p Placement) postPurchase() bool { return p == OrderConfirmation || p == Email }

// Rule names what produced a suggestion.
type Rule uint8

const (
	RuleNone Rule = iota
	RuleMatrix
	RulePairs
	RuleTriple
	RuleCategory
	RuleImpulse
	RuleReplenish
	RuleViewed
	RuleGap
	RuleUpsell
	RuleDownsell
	numRules
)

var ruleNames = [...]string{"", "matrix", "pairs", "triple", "category", "impulse", "replenish", "viewed", "gap", "upsell", "downsell"}

func (r Rule) String() string {
	if int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return "invalid"
}

// Line is a cart line: an item number and its quantity.
type Line struct {
	Item uint32
	Qty  uint32
}

// Owned is an item the shopper bought before, and when (Unix seconds, 0
// unknown).
type Owned struct {
	Item uint32
	At   int64
}

// Context is what the shopper is doing, with items as dense item numbers
// (Engine.Item maps ids) and segments as numbers (Engine.Segment). Request
// is the same with strings, for callers at the API edge.
type Context struct {
	Placement Placement
	// Anchor is the item being viewed or just added, -1 for none.
	Anchor    int32
	Cart      []Line
	Viewed    []uint32
	Owned     []Owned
	Dismissed []uint32
	Segments  []uint32
	// Now is the current time in Unix seconds; the engine never reads a clock.
	Now int64
	// Currency is the string ref of the shop currency (Engine.Currency), 0
	// for any; items priced in another currency are skipped.
	Currency uint32
	// FreeDelivery overrides the policy's free-delivery threshold when > 0.
	FreeDelivery float64
	// Visitor is HashVisitor(visitor id), 0 for none (no experiment applies).
	Visitor uint64
	// K overrides the policy's number of suggestions when > 0.
	K int
}

// Reset empties c, keeping its slices' memory.
func (c *Context) Reset() {
	*c = Context{Anchor: -1, Cart: c.Cart[:0], Viewed: c.Viewed[:0], Owned: c.Owned[:0],
		Dismissed: c.Dismissed[:0], Segments: c.Segments[:0]}
}

// Evidence is the 2×2 table behind a mined suggestion: NAB orders hold the
// anchor (or both anchors of a triple) and the item, NA the anchor(s), NB
// the item, N all orders; Lift = NAB·N / (NA·NB).
type Evidence struct {
	NAB  uint32  `json:"together"`
	NA   uint32  `json:"anchor_orders"`
	NB   uint32  `json:"item_orders"`
	N    uint32  `json:"orders"`
	Lift float32 `json:"lift"`
}

// Suggestion is one recommended item.
type Suggestion struct {
	Item uint32
	// Anchor is the item this suggestion mostly complements, -1 for none.
	Anchor int32
	Kind   blob.Kind
	Rule   Rule
	// Fallback marks suggestions without direct evidence or curation
	// (category, impulse, gap fill-ins).
	Fallback bool
	// ClosesGap: adding the item brings the cart to free delivery.
	ClosesGap bool
	Score     float32
	// Reason is the string ref of the curated reason, 0 when the reason is
	// generated (Engine.AppendReason writes it either way).
	Reason   uint32
	Evidence Evidence
	// Discount is the bundle discount in percent (Bundle only).
	Discount float32
}

// Request is a Context with catalog ids and segment names, for callers at
// the API edge (the edge worker's query string, tests, examples).
type Request struct {
	Placement    string     `json:"placement"`
	Anchor       string     `json:"anchor,omitempty"`
	Cart         []CartLine `json:"cart,omitempty"`
	Viewed       []string   `json:"viewed,omitempty"`
	Owned        []OwnedID  `json:"owned,omitempty"`
	Dismissed    []string   `json:"dismissed,omitempty"`
	Segments     []string   `json:"segments,omitempty"`
	Now          int64      `json:"now"`
	Currency     string     `json:"currency,omitempty"`
	FreeDelivery float64    `json:"free_delivery,omitempty"`
	Visitor      string     `json:"visitor,omitempty"`
	K            int        `json:"k,omitempty"`
}

// CartLine is a cart line by item id.
type CartLine struct {
	ID  string `json:"id"`
	Qty int    `json:"qty,omitempty"`
}

// OwnedID is an owned item by id.
type OwnedID struct {
	ID string `json:"id"`
	At int64  `json:"at,omitempty"`
}

// Resolve fills ctx from r. Unknown item ids and segment names are dropped
// (the catalog may have changed since the page was rendered) and counted in
// the returned number; an unknown placement is an error.
func (e *Engine) Resolve(r *Request, ctx *Context) (dropped int, err error) {
	ctx.Reset()
	p, err := ParsePlacement(r.Placement)
	if err != nil {
		return 0, err
	}
	ctx.Placement, ctx.Now, ctx.FreeDelivery, ctx.K = p, r.Now, r.FreeDelivery, r.K
	item := func(id string) (uint32, bool) {
		i, ok := e.ids[id]
		if !ok {
			dropped++
		}
		return i, ok
	}
	if r.Anchor != "" {
		if i, ok := item(r.Anchor); ok {
			ctx.Anchor = int32(i)
		}
	}
	for _, l := range r.Cart {
		if i, ok := item(l.ID); ok {
			q := l.Qty
			if q <= 0 {
				q = 1
			}
			ctx.Cart = append(ctx.Cart, Line{Item: i, Qty: uint32(min(q, 1<<20))})
		}
	}
	for _, id := range r.Viewed {
		if i, ok := item(id); ok {
			ctx.Viewed = append(ctx.Viewed, i)
		}
	}
	for _, o := range r.Owned {
		if i, ok := item(o.ID); ok {
			ctx.Owned = append(ctx.Owned, Owned{Item: i, At: o.At})
		}
	}
	for _, id := range r.Dismissed {
		if i, ok := item(id); ok {
			ctx.Dismissed = append(ctx.Dismissed, i)
		}
	}
	for _, s := range r.Segments {
		if n, ok := e.segs[s]; ok {
			ctx.Segments = append(ctx.Segments, n)
		} else {
			dropped++
		}
	}
	if r.Currency != "" {
		ctx.Currency = e.Currency(r.Currency)
	}
	if r.Visitor != "" {
		ctx.Visitor = HashVisitor(r.Visitor)
	}
	return dropped, nil
}
