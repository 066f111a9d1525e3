// Package compile turns what a shop feeds matrixgen (catalog, orders,
// curated matrix, feedback, policy) into a blob: it interns the catalog,
// mines the orders and fills every column. It is deterministic and reads no
// clock, so the offline evaluation can call it on a training split.
package compile

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/matrixgen/internal/mine"
	"github.com/xsell/xsell/wasm/blob"
)

// Errors returned by Compile (besides *input.Error for bad input).
var (
	// ErrNoOrders: Compile was called without orders.
	ErrNoOrders = errors.New("compile: no orders")
	// ErrTooBig: the blob would exceed what readers accept (blob.DefaultLimits).
	ErrTooBig = errors.New("compile: blob over the readers' limits")
)

// Inputs are the parsed files; only Orders is required.
type Inputs struct {
	Catalog  *input.Catalog
	Orders   *input.Orders
	Matrix   *input.Matrix
	Feedback *input.Feedback
	Policy   *blob.Policy // nil: blob.DefaultPolicy()
}

// Options tune Compile.
type Options struct {
	// Created is the build time written into the blob (Unix seconds); the
	// caller passes it so that the same inputs give the same blob.
	Created int64
	// Generator names the program, e.g. "matrixgen 1.0".
	Generator string
	// Now is the reference time for decay (0: the last order's time).
	Now int64
	// Progress is called now and then while mining (orders done, total).
	Progress func(done, total int)
	// Workers is how many goroutines count (0: all cores).
	Workers int
	// NoTriples skips mining {A,B}→C rules.
	NoTriples bool
}

// Report says what Compile did, for the command line and for reports.
type Report struct {
	Items int // items in the blob
	// CatalogFromOrders: there was no catalog; items come from the orders.
	CatalogFromOrders bool
	OrderItems        int // distinct items named by the orders
	// UnknownItems are order items missing from the catalog: their lines
	// (UnknownLines) are left out of the baskets. Examples lists a few.
	UnknownItems    int
	UnknownLines    uint64
	UnknownExamples []string
	// NeverOrdered counts catalog items no order names.
	NeverOrdered int
	Orders       int    // orders with at least one known item
	Lines        uint64 // order lines read
	Customers    int
	Timed        bool // orders carry times, so counts are decayed
	Pairs        int
	Triples      int
	MatrixRows   int
	FeedbackRows int
	// FeedbackUnknown counts feedback rows naming an item not in the blob.
	FeedbackUnknown int
	// Skipped says, once per missing catalog column, which rules cannot run.
	Skipped []string
	// Missing counts items without a value the rules use, per column.
	Missing  map[string]int
	Warnings input.Warnings
}

// ruleNeeds names what each optional catalog column feeds, for Report.Skipped.
var ruleNeeds = []struct{ column, rules string }{
	{"price", "price ratio, price segment (tier), free-delivery gap and up/down-sell rules"},
	{"category", "variety per category, price segments and category anchors"},
	{"role", "role rules (accessory pages, impulse slot, replenishment)"},
	{"stock", "the out-of-stock filter"},
	{"margin", "the margin term of the score (no margin or cost column)"},
	{"tags", "segment exclusions by item tag"},
	{"season", "the out-of-season filter"},
	{"replenish_days", "replenishment reminders"},
}

// Compile builds the blob. Errors about the inputs are *input.Error values
// that name the file and line.
func Compile(in Inputs, opt Options) (*blob.Blob, *Report, error) {
	if in.Orders == nil {
		return nil, nil, ErrNoOrders
	}
	pol := blob.DefaultPolicy()
	if in.Policy != nil {
		pol = *in.Policy
	}
	b := &blob.Blob{Created: opt.Created, Generator: opt.Generator, Policy: pol}
	rep := &Report{Missing: map[string]int{}}
	var st blob.StringTable

	cat := in.Catalog
	if cat == nil {
		cat = catalogFromOrders(in.Orders)
		rep.CatalogFromOrders = true
	}
	fillItems(b, cat, &st, rep)

	baskets, err := basketsFor(in.Orders, cat, rep)
	if err != nil {
		return nil, nil, err
	}
	mopt := mine.Options{Mining: pol.Mining, Now: opt.Now, Progress: opt.Progress, Workers: opt.Workers, NoTriples: opt.NoTriples}
	if baskets.Time == nil {
		mopt.HalfLifeDays = 0
	}
	res, err := mine.Mine(baskets, mopt)
	if err != nil {
		return nil, nil, fmt.Errorf("mine %s: %w", in.Orders.File, err)
	}
	b.Stats = res.Stats
	b.Stats.Lines = in.Orders.Lines
	b.Stats.Customers = uint32(len(in.Orders.CustomerIDs))
	b.Items.Orders, b.Items.OrdersDecayed = res.Orders, res.OrdersDecayed
	b.Pairs, b.Triples = res.Pairs, res.Triples
	for _, n := range res.Orders {
		if n == 0 {
			rep.NeverOrdered++
		}
	}

	b.Matrix.ReqOff, b.Matrix.ExclOff = []uint32{0}, []uint32{0}
	if in.Matrix != nil {
		if err := fillMatrix(b, cat, in.Matrix, &st); err != nil {
			return nil, nil, err
		}
	}
	if in.Feedback != nil {
		fillFeedback(b, cat, in.Feedback, rep)
	}
	b.Strings = st.Strings
	if len(b.Strings) == 0 {
		b.Strings = []string{""}
	}
	if err := b.Validate(); err != nil {
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	// A blob readers would refuse is no use: check the decoder's limits now.
	lim := blob.DefaultLimits
	if n, p := b.Items.Len(), len(b.Pairs.To); n > lim.MaxItems || p > lim.MaxPairs || len(b.Strings) > lim.MaxStrings {
		return nil, nil, fmt.Errorf("%w: %d items, %d pairs, %d strings; readers accept at most %d, %d, %d (lower mining.neighbours or split the catalog)",
			ErrTooBig, n, p, len(b.Strings), lim.MaxItems, lim.MaxPairs, lim.MaxStrings)
	}
	rep.Items = b.Items.Len()
	rep.Orders, rep.Lines, rep.Customers = int(b.Stats.Orders), b.Stats.Lines, len(in.Orders.CustomerIDs)
	rep.Timed = b.Stats.HalfLifeDays > 0
	rep.Pairs, rep.Triples = len(b.Pairs.To), len(b.Triples.To)
	rep.MatrixRows, rep.FeedbackRows = b.Matrix.Len(), b.Feedback.Len()
	return b, rep, nil
}

// catalogFromOrders makes a catalog of the items the orders name: titles
// from the order file's descriptions (Online Retail) or the ids, prices
// from the median unit price.
func catalogFromOrders(o *input.Orders) *input.Catalog {
	cat := &input.Catalog{File: o.File, Index: make(map[string]int, len(o.ItemIDs)), Columns: map[string]bool{"price": o.ItemPrice != nil}}
	cat.Items = make([]input.Item, len(o.ItemIDs))
	for i, id := range o.ItemIDs {
		it := input.Item{ID: id, Title: id, Price: math.NaN(), Margin: math.NaN(), Stock: blob.StockUnknown}
		if o.ItemTitle != nil && o.ItemTitle[i] != "" {
			it.Title = o.ItemTitle[i]
		}
		if o.ItemPrice != nil {
			it.Price = o.ItemPrice[i]
		}
		cat.Items[i] = it
		cat.Index[id] = i
	}
	return cat
}

func fillItems(b *blob.Blob, cat *input.Catalog, st *blob.StringTable, rep *Report) {
	n := len(cat.Items)
	it := &b.Items
	it.ID, it.Title = make([]string, n), make([]string, n)
	it.Price, it.Margin = make([]float64, n), make([]float32, n)
	it.Currency, it.URL, it.Image = make([]uint32, n), make([]uint32, n), make([]uint32, n)
	it.Category, it.Brand = make([]uint32, n), make([]uint32, n)
	it.Role, it.Stock = make([]blob.Role, n), make([]int32, n)
	it.SeasonFrom, it.SeasonTo, it.Replenish = make([]uint16, n), make([]uint16, n), make([]uint16, n)
	it.TagOff = make([]uint32, 1, n+1)
	for i, c := range cat.Items {
		it.ID[i], it.Title[i], it.Price[i], it.Margin[i] = c.ID, c.Title, c.Price, float32(c.Margin)
		it.Currency[i], it.URL[i], it.Image[i] = st.Ref(c.Currency), st.Ref(c.URL), st.Ref(c.Image)
		it.Category[i], it.Brand[i] = st.Ref(c.Category), st.Ref(c.Brand)
		it.Role[i], it.Stock[i] = c.Role, c.Stock
		it.SeasonFrom[i], it.SeasonTo[i], it.Replenish[i] = c.SeasonFrom, c.SeasonTo, c.Replenish
		for _, t := range c.Tags {
			it.Tags = append(it.Tags, st.Ref(t))
		}
		it.TagOff = append(it.TagOff, uint32(len(it.Tags)))
		if math.IsNaN(c.Price) {
			rep.Missing["price"]++
		}
		if c.Category == "" {
			rep.Missing["category"]++
		}
		if c.Role == blob.RoleNone {
			rep.Missing["role"]++
		}
		if math.IsNaN(c.Margin) {
			rep.Missing["margin"]++
		}
	}
	it.Tier = tiers(cat)
	for _, r := range ruleNeeds {
		has := cat.Columns[r.column]
		if r.column == "margin" {
			has = has || cat.Columns["cost"]
		}
		if !has {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("no %s column: skipped %s", r.column, r.rules))
		}
	}
}

// tiers puts each priced item of a category into its price tertile: 1
// budget, 2 mid, 3 premium; items equal in price share a tier. Items with
// no price or category, and categories with fewer than 3 priced items, get
// 0 (unknown), so the segment rule does not apply to them.
func tiers(cat *input.Catalog) []uint8 {
	out := make([]uint8, len(cat.Items))
	byCat := map[string][]int{}
	for i, it := range cat.Items {
		if it.Category != "" && !math.IsNaN(it.Price) {
			byCat[it.Category] = append(byCat[it.Category], i)
		}
	}
	for _, idx := range byCat {
		if len(idx) < 3 {
			continue
		}
		prices := make([]float64, len(idx))
		for k, i := range idx {
			prices[k] = cat.Items[i].Price
		}
		sort.Float64s(prices)
		for _, i := range idx {
			below := sort.SearchFloat64s(prices, cat.Items[i].Price) // items strictly cheaper
			out[i] = uint8(1 + 3*below/len(prices))
		}
	}
	return out
}

// basketsFor maps order item numbers to catalog numbers, leaving out items
// the catalog lacks (counted in the report).
func basketsFor(o *input.Orders, cat *input.Catalog, rep *Report) (*mine.Baskets, error) {
	rep.OrderItems = len(o.ItemIDs)
	toCat := make([]uint32, len(o.ItemIDs))
	identity := len(o.ItemIDs) == len(cat.Items)
	for i, id := range o.ItemIDs {
		j, ok := cat.Index[id]
		if !ok {
			toCat[i] = math.MaxUint32
			rep.UnknownItems++
			if len(rep.UnknownExamples) < 5 {
				rep.UnknownExamples = append(rep.UnknownExamples, id)
			}
			identity = false
			continue
		}
		toCat[i] = uint32(j)
		identity = identity && j == i
	}
	if rep.UnknownItems == len(o.ItemIDs) {
		return nil, &input.Error{File: o.File, Err: input.Errorf(input.ErrUnknown,
			"no order names an item of the catalog %s (orders name e.g. %s; the catalog has e.g. %s): do the id columns match?",
			cat.File, strings.Join(rep.UnknownExamples, ", "), strings.Join(firstIDs(cat, 3), ", "))}
	}
	b := &mine.Baskets{NItems: len(cat.Items)}
	if o.Time != nil && slices.ContainsFunc(o.Time, func(t int64) bool { return t != 0 }) {
		b.Time = o.Time
	}
	if identity {
		b.Off, b.Items = o.Off, o.Items
		return b, nil
	}
	b.Off = make([]uint32, len(o.Off))
	b.Items = make([]uint32, 0, len(o.Items))
	for ord := 0; ord < o.Len(); ord++ {
		for _, x := range o.Basket(ord) {
			if y := toCat[x]; y != math.MaxUint32 {
				b.Items = append(b.Items, y)
			} else {
				rep.UnknownLines++
			}
		}
		b.Off[ord+1] = uint32(len(b.Items))
	}
	return b, nil
}

func firstIDs(cat *input.Catalog, n int) []string {
	var ids []string
	for _, it := range cat.Items[:min(n, len(cat.Items))] {
		ids = append(ids, it.ID)
	}
	return ids
}

func fillMatrix(b *blob.Blob, cat *input.Catalog, m *input.Matrix, st *blob.StringTable) error {
	mx := &b.Matrix
	cats := map[string]bool{}
	for _, it := range cat.Items {
		cats[it.Category] = true
	}
	for _, r := range m.Rows {
		comp, ok := cat.Index[r.Complement]
		if !ok {
			return &input.Error{File: m.File, Line: r.Line, Column: r.ComplementColumn, Field: "complement",
				Err: input.Errorf(input.ErrUnknown, "item %q is not in the catalog (%s)", r.Complement, cat.File)}
		}
		anchor := int32(-1)
		if r.AnchorCategory != "" {
			if !cats[r.AnchorCategory] {
				return &input.Error{File: m.File, Line: r.Line, Column: r.AnchorColumn, Field: "anchor",
					Err: input.Errorf(input.ErrUnknown, "no catalog item has category %q (%s)", r.AnchorCategory, cat.File)}
			}
		} else {
			a, ok := cat.Index[r.Anchor]
			if !ok {
				return &input.Error{File: m.File, Line: r.Line, Column: r.AnchorColumn, Field: "anchor",
					Err: input.Errorf(input.ErrUnknown, "item %q is not in the catalog (%s)", r.Anchor, cat.File)}
			}
			anchor = int32(a)
		}
		mx.AnchorItem = append(mx.AnchorItem, anchor)
		mx.AnchorCategory = append(mx.AnchorCategory, st.Ref(r.AnchorCategory))
		mx.Complement = append(mx.Complement, uint32(comp))
		mx.Kind = append(mx.Kind, r.Kind)
		mx.Reason = append(mx.Reason, st.Ref(r.Reason))
		mx.Priority = append(mx.Priority, float32(r.Priority))
		mx.Discount = append(mx.Discount, float32(r.Discount))
		mx.ValidFrom = append(mx.ValidFrom, r.ValidFrom)
		mx.ValidTo = append(mx.ValidTo, r.ValidTo)
		for _, s := range r.Require {
			mx.Req = append(mx.Req, st.Ref(s))
		}
		for _, s := range r.Exclude {
			mx.Excl = append(mx.Excl, st.Ref(s))
		}
		mx.ReqOff = append(mx.ReqOff, uint32(len(mx.Req)))
		mx.ExclOff = append(mx.ExclOff, uint32(len(mx.Excl)))
		mx.Line = append(mx.Line, uint32(r.Line))
	}
	return nil
}

func fillFeedback(b *blob.Blob, cat *input.Catalog, fb *input.Feedback, rep *Report) {
	f := &b.Feedback
	for _, r := range fb.Rows {
		item, ok := cat.Index[r.Item]
		anchor := -1
		if r.Anchor != input.AnyAnchor {
			a, aok := cat.Index[r.Anchor]
			ok = ok && aok
			anchor = a
		}
		if !ok {
			rep.FeedbackUnknown++
			rep.Warnings.Add(fb.File, "feedback rows naming items not in the catalog, skipped", fmt.Sprintf("line %d: %s → %s", r.Line, r.Anchor, r.Item))
			continue
		}
		f.Anchor = append(f.Anchor, int32(anchor))
		f.Item = append(f.Item, uint32(item))
		f.Shown = append(f.Shown, r.Shown)
		f.Clicked = append(f.Clicked, r.Clicked)
		f.Added = append(f.Added, r.Added)
		f.Bought = append(f.Bought, r.Bought)
		f.Dismissed = append(f.Dismissed, r.Dismissed)
	}
}
