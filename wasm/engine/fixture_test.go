package engine

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

// A small hand-built shop for the rule tests: each test starts from shop()
// and adds the pairs, rows and policy it is about.

type tItem struct {
	id, cat   string
	price     float64
	role      blob.Role
	tier      uint8
	tags      []string
	orders    uint32
	oos       bool
	season    [2]uint16
	replenish uint16
	margin    float32
	currency  string
}

type tPair struct {
	a, b string
	nab  uint32
}

type tRow struct {
	anchor, comp string // anchor "cat:NAME" for a category anchor
	kind         blob.Kind
	reason       string
	prio, disc   float32
	from, to     int64
	req, excl    []string
}

type tTriple struct {
	a, b string
	nab  uint32
	to   string
	nabc uint32
}

type tFb struct {
	anchor, item            string // anchor "" for any
	shown, added, dismissed uint32
}

type spec struct {
	items   []tItem
	pairs   []tPair
	triples []tTriple
	rows    []tRow
	fb      []tFb
	n       uint32
	policy  func(p *blob.Policy)
}

// now is 2026-06-15 12:00 UTC.
const now = 1781524800

func shop() spec {
	return spec{n: 1000, items: []tItem{
		{id: "cam1", cat: "cameras", price: 500, role: blob.RoleFlagship, tier: 2, orders: 100},
		{id: "cam2", cat: "cameras", price: 520, role: blob.RoleFlagship, tier: 2, orders: 80},
		{id: "lens", cat: "lenses", price: 200, role: blob.RoleAccessory, tier: 2, orders: 60},
		{id: "lenspro", cat: "lenses", price: 240, role: blob.RoleAccessory, tier: 3, orders: 30},
		{id: "bag", cat: "bags", price: 60, role: blob.RoleAccessory, tier: 2, orders: 50},
		{id: "card", cat: "storage", price: 20, role: blob.RoleConsumable, orders: 200},
		{id: "card2", cat: "storage", price: 25, role: blob.RoleConsumable, orders: 150},
		{id: "tripod", cat: "tripods", price: 90, role: blob.RoleAccessory, tier: 2, orders: 40},
		{id: "battery", cat: "power", price: 45, role: blob.RoleConsumable, orders: 70, replenish: 180},
		{id: "candy", cat: "snacks", price: 2, role: blob.RoleImpulse, orders: 300, tags: []string{"sugar"}},
		{id: "gum", cat: "snacks", price: 1.5, role: blob.RoleImpulse, orders: 250},
		{id: "strap", cat: "straps", price: 15, role: blob.RoleAccessory, orders: 20, tags: []string{"loyalty"}},
		{id: "hat", cat: "apparel", price: 30, role: blob.RoleSeasonal, orders: 20, season: [2]uint16{1101, 215}},
		{id: "filter", cat: "filters", price: 35, role: blob.RoleAccessory, orders: 25, oos: true},
	}}
}

func (s *spec) item(id string) *tItem {
	for i := range s.items {
		if s.items[i].id == id {
			return &s.items[i]
		}
	}
	panic("no item " + id)
}

func build(t testing.TB, s spec) *Engine {
	t.Helper()
	b, err := s.blob()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (s spec) blob() (*blob.Blob, error) {
	var st blob.StringTable
	b := &blob.Blob{Created: now - 86400, Generator: "engine test", Policy: blob.DefaultPolicy()}
	b.Policy.Exclusions = []blob.Exclusion{{Segment: "diabetic", Tag: "sugar"}}
	b.Policy.FreeDelivery = 0
	if s.policy != nil {
		s.policy(&b.Policy)
	}
	b.Stats = blob.Stats{Orders: s.n}
	idx := map[string]uint32{}
	it := &b.Items
	it.TagOff = []uint32{0}
	for i, x := range s.items {
		idx[x.id] = uint32(i)
		it.ID = append(it.ID, x.id)
		it.Title = append(it.Title, strings.ToUpper(x.id[:1])+x.id[1:])
		it.Price = append(it.Price, x.price)
		cur := x.currency
		if cur == "" {
			cur = "EUR"
		}
		it.Currency = append(it.Currency, st.Ref(cur))
		it.URL = append(it.URL, st.Ref("/p/"+x.id))
		it.Image = append(it.Image, st.Ref("/img/"+x.id+".jpg"))
		it.Category = append(it.Category, st.Ref(x.cat))
		it.Brand = append(it.Brand, 0)
		it.Role = append(it.Role, x.role)
		stock := blob.StockIn
		if x.oos {
			stock = 0
		}
		it.Stock = append(it.Stock, stock)
		m := x.margin
		if m == 0 {
			m = float32(math.NaN())
		}
		it.Margin = append(it.Margin, m)
		it.Tier = append(it.Tier, x.tier)
		for _, tag := range x.tags {
			it.Tags = append(it.Tags, st.Ref(tag))
		}
		it.TagOff = append(it.TagOff, uint32(len(it.Tags)))
		it.SeasonFrom = append(it.SeasonFrom, x.season[0])
		it.SeasonTo = append(it.SeasonTo, x.season[1])
		it.Replenish = append(it.Replenish, x.replenish)
		it.Orders = append(it.Orders, x.orders)
		it.OrdersDecayed = append(it.OrdersDecayed, float32(x.orders))
	}
	// Pairs in CSR by anchor, strongest first.
	byA := map[uint32][]tPair{}
	for _, p := range s.pairs {
		byA[idx[p.a]] = append(byA[idx[p.a]], p)
	}
	pr := &b.Pairs
	pr.Off = []uint32{0}
	for a := range s.items {
		ps := byA[uint32(a)]
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].nab > ps[j].nab })
		for _, p := range ps {
			pr.To = append(pr.To, idx[p.b])
			pr.NAB = append(pr.NAB, p.nab)
			pr.NABDecayed = append(pr.NABDecayed, float32(p.nab))
		}
		pr.Off = append(pr.Off, uint32(len(pr.To)))
	}
	tr := &b.Triples
	tr.Off = []uint32{0}
	sort.SliceStable(s.triples, func(i, j int) bool {
		ai, bi := sorted2(idx[s.triples[i].a], idx[s.triples[i].b])
		aj, bj := sorted2(idx[s.triples[j].a], idx[s.triples[j].b])
		return ai < aj || (ai == aj && bi < bj)
	})
	for _, x := range s.triples {
		a, bb := sorted2(idx[x.a], idx[x.b])
		if n := len(tr.A); n > 0 && tr.A[n-1] == a && tr.B[n-1] == bb {
			tr.To = append(tr.To, idx[x.to])
			tr.NABC = append(tr.NABC, x.nabc)
			tr.Off[n] = uint32(len(tr.To))
			continue
		}
		tr.A, tr.B, tr.NAB = append(tr.A, a), append(tr.B, bb), append(tr.NAB, x.nab)
		tr.To, tr.NABC = append(tr.To, idx[x.to]), append(tr.NABC, x.nabc)
		tr.Off = append(tr.Off, uint32(len(tr.To)))
	}
	m := &b.Matrix
	m.ReqOff, m.ExclOff = []uint32{0}, []uint32{0}
	for i, r := range s.rows {
		if c, ok := strings.CutPrefix(r.anchor, "cat:"); ok {
			m.AnchorItem = append(m.AnchorItem, -1)
			m.AnchorCategory = append(m.AnchorCategory, st.Ref(c))
		} else {
			m.AnchorItem = append(m.AnchorItem, int32(idx[r.anchor]))
			m.AnchorCategory = append(m.AnchorCategory, 0)
		}
		m.Complement = append(m.Complement, idx[r.comp])
		k := r.kind
		if k == 0 {
			k = blob.KindComplement
		}
		m.Kind = append(m.Kind, k)
		m.Reason = append(m.Reason, st.Ref(r.reason))
		m.Priority = append(m.Priority, r.prio)
		m.Discount = append(m.Discount, r.disc)
		m.ValidFrom = append(m.ValidFrom, r.from)
		m.ValidTo = append(m.ValidTo, r.to)
		for _, q := range r.req {
			m.Req = append(m.Req, st.Ref(q))
		}
		m.ReqOff = append(m.ReqOff, uint32(len(m.Req)))
		for _, q := range r.excl {
			m.Excl = append(m.Excl, st.Ref(q))
		}
		m.ExclOff = append(m.ExclOff, uint32(len(m.Excl)))
		m.Line = append(m.Line, uint32(i+2))
	}
	f := &b.Feedback
	for _, x := range s.fb {
		a := int32(-1)
		if x.anchor != "" {
			a = int32(idx[x.anchor])
		}
		f.Anchor = append(f.Anchor, a)
		f.Item = append(f.Item, idx[x.item])
		f.Shown = append(f.Shown, x.shown)
		f.Clicked = append(f.Clicked, 0)
		f.Added = append(f.Added, x.added)
		f.Bought = append(f.Bought, 0)
		f.Dismissed = append(f.Dismissed, x.dismissed)
	}
	b.Strings = st.Strings
	if len(b.Strings) == 0 {
		b.Strings = []string{""}
	}
	// Round trip through the wire format: the engine reads what a browser reads.
	enc, err := blob.Encode(b, blob.EncodeOptions{Raw: true})
	if err != nil {
		return nil, err
	}
	return blob.Decode(enc, blob.DecodeOptions{})
}

func sorted2(a, b uint32) (uint32, uint32) {
	if a > b {
		return b, a
	}
	return a, b
}

// got runs a request and renders the answer as "id:rule" strings.
func got(t testing.TB, e *Engine, r Request) []string {
	t.Helper()
	if r.Now == 0 {
		r.Now = now
	}
	var ctx Context
	if _, err := e.Resolve(&r, &ctx); err != nil {
		t.Fatal(err)
	}
	return render(e, e.Recommend(&ctx, nil))
}

func render(e *Engine, list []Suggestion) []string {
	out := []string{}
	for _, s := range list {
		out = append(out, e.b.Items.ID[s.Item]+":"+s.Rule.String())
	}
	return out
}

func cart(ids ...string) []CartLine {
	var out []CartLine
	for _, id := range ids {
		out = append(out, CartLine{ID: id, Qty: 1})
	}
	return out
}
