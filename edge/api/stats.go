package api

import (
	"encoding/json"
	"math"
	"sort"
)

// RuleRow is one agg_rule row: the funnel for a rule, placement, variant and
// day. Purchases and Revenue count only lines attributed to a suggestion
// (a purchase event that carries the rule that suggested it).
type RuleRow struct {
	Day         string  `json:"day"`
	Rule        string  `json:"rule"`
	Placement   string  `json:"placement"`
	Variant     string  `json:"variant"`
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	Adds        int64   `json:"adds"`
	Purchases   int64   `json:"purchases"`
	Dismissals  int64   `json:"dismissals"`
	Revenue     float64 `json:"revenue"`
}

// OrderGroup summarises the orders of one variant with (Accepted) or
// without an accepted suggestion: count, sums and sums of squares, which is
// all a mean, a variance and a t-test need.
type OrderGroup struct {
	Variant  string  `json:"variant"`
	Accepted bool    `json:"accepted"`
	Orders   int64   `json:"orders"`
	Value    float64 `json:"value"`
	Value2   float64 `json:"value2"`
	Items    float64 `json:"items"`
	Items2   float64 `json:"items2"`
}

// StatsInput is what the shell reads from D1 for GET /v1/stats.
type StatsInput struct {
	Events int64        `json:"events"`
	Rules  []RuleRow    `json:"rules"`
	Orders []OrderGroup `json:"orders"`
}

// Funnel is impressions → clicks → adds → purchases for one slice.
type Funnel struct {
	Key         string  `json:"key,omitempty"`
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	Adds        int64   `json:"adds"`
	Purchases   int64   `json:"purchases"`
	Dismissals  int64   `json:"dismissals"`
	ClickRate   float64 `json:"click_rate"` // clicks / impressions
	TakeRate    float64 `json:"take_rate"`  // adds / impressions: suggestions taken into the cart
	Revenue     float64 `json:"attributed_revenue"`
}

// OrderSide is AOV and items per order for one group of orders.
type OrderSide struct {
	Orders        int64   `json:"orders"`
	AOV           float64 `json:"aov"`
	ItemsPerOrder float64 `json:"items_per_order"`
}

// VariantOrders compares orders with and without an accepted suggestion.
// PValue is Welch's two-sided t-test on order value; PValueItems the same on
// items per order; -1 when either side has fewer than two orders.
type VariantOrders struct {
	Variant     string    `json:"variant"`
	With        OrderSide `json:"with_suggestions"`
	Without     OrderSide `json:"without_suggestions"`
	AOVLift     float64   `json:"aov_lift"` // with.aov / without.aov - 1
	T           float64   `json:"t"`
	PValue      float64   `json:"p_value"`
	PValueItems float64   `json:"p_value_items"`
	Significant bool      `json:"significant"` // p < 0.05
}

// Stats is GET /v1/stats.
type Stats struct {
	Events      int64           `json:"events"`
	Totals      Funnel          `json:"totals"`
	ByRule      []Funnel        `json:"by_rule"`
	ByPlacement []Funnel        `json:"by_placement"`
	ByVariant   []Funnel        `json:"by_variant"`
	ByDay       []Funnel        `json:"by_day"`
	Orders      []VariantOrders `json:"orders"`
	// Rows are the per-day rows by rule, placement and variant the
	// dashboard splits its time series by, in order of day, placement,
	// rule, variant; at most MaxStatsRows (the earliest are dropped and
	// RowsTruncated says so: ask for fewer days).
	Rows          []RuleRow `json:"rows"`
	RowsTruncated bool      `json:"rows_truncated"`
}

// MaxStatsRows bounds the rows of one stats answer: 90 days of 6
// placements × 10 rules × 3 variants fit several times over.
const MaxStatsRows = 50_000

// ComputeStats folds aggregate rows into the stats answer.
func ComputeStats(in StatsInput) Stats {
	s := Stats{Events: in.Events, Orders: []VariantOrders{}}
	by := func(key func(RuleRow) string) []Funnel {
		m := map[string]*Funnel{}
		for _, r := range in.Rules {
			k := key(r)
			f := m[k]
			if f == nil {
				f = &Funnel{Key: k}
				m[k] = f
			}
			f.add(r)
		}
		out := make([]Funnel, 0, len(m))
		for _, f := range m {
			f.rates()
			out = append(out, *f)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	for _, r := range in.Rules {
		s.Totals.add(r)
	}
	s.Totals.rates()
	s.ByRule = by(func(r RuleRow) string { return r.Rule })
	s.ByPlacement = by(func(r RuleRow) string { return r.Placement })
	s.ByVariant = by(func(r RuleRow) string { return r.Variant })
	s.ByDay = by(func(r RuleRow) string { return r.Day })
	s.Rows = make([]RuleRow, len(in.Rules))
	copy(s.Rows, in.Rules)
	sort.Slice(s.Rows, func(i, j int) bool {
		a, b := &s.Rows[i], &s.Rows[j]
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		if a.Placement != b.Placement {
			return a.Placement < b.Placement
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Variant < b.Variant
	})
	if len(s.Rows) > MaxStatsRows {
		s.Rows, s.RowsTruncated = s.Rows[len(s.Rows)-MaxStatsRows:], true
	}

	groups := map[string]*[2]OrderGroup{}
	for _, g := range in.Orders {
		p := groups[g.Variant]
		if p == nil {
			p = &[2]OrderGroup{}
			groups[g.Variant] = p
		}
		i := 0
		if g.Accepted {
			i = 1
		}
		p[i].Orders += g.Orders
		p[i].Value += g.Value
		p[i].Value2 += g.Value2
		p[i].Items += g.Items
		p[i].Items2 += g.Items2
	}
	for v, p := range groups {
		without, with := p[0], p[1]
		vo := VariantOrders{Variant: v, With: side(with), Without: side(without), PValue: -1, PValueItems: -1}
		if vo.Without.AOV > 0 && with.Orders > 0 {
			vo.AOVLift = round(vo.With.AOV/vo.Without.AOV-1, 4)
		}
		if t, pv, ok := welch(with.Orders, with.Value, with.Value2, without.Orders, without.Value, without.Value2); ok {
			vo.T, vo.PValue = round(t, 4), round(pv, 6)
			vo.Significant = pv < 0.05
		}
		if _, pv, ok := welch(with.Orders, with.Items, with.Items2, without.Orders, without.Items, without.Items2); ok {
			vo.PValueItems = round(pv, 6)
		}
		s.Orders = append(s.Orders, vo)
	}
	sort.Slice(s.Orders, func(i, j int) bool { return s.Orders[i].Variant < s.Orders[j].Variant })
	return s
}

func (f *Funnel) add(r RuleRow) {
	f.Impressions += r.Impressions
	f.Clicks += r.Clicks
	f.Adds += r.Adds
	f.Purchases += r.Purchases
	f.Dismissals += r.Dismissals
	f.Revenue += r.Revenue
}

func (f *Funnel) rates() {
	if f.Impressions > 0 {
		f.ClickRate = round(float64(f.Clicks)/float64(f.Impressions), 6)
		f.TakeRate = round(float64(f.Adds)/float64(f.Impressions), 6)
	}
	f.Revenue = round(f.Revenue, 2)
}

func side(g OrderGroup) OrderSide {
	s := OrderSide{Orders: g.Orders}
	if g.Orders > 0 {
		s.AOV = round(g.Value/float64(g.Orders), 2)
		s.ItemsPerOrder = round(g.Items/float64(g.Orders), 3)
	}
	return s
}

// welch is Welch's unequal-variance t-test from counts, sums and sums of
// squares; it answers t and the two-sided p-value.
func welch(n1 int64, s1, q1 float64, n2 int64, s2, q2 float64) (t, p float64, ok bool) {
	if n1 < 2 || n2 < 2 {
		return 0, 0, false
	}
	a, b := float64(n1), float64(n2)
	m1, m2 := s1/a, s2/b
	v1 := math.Max(0, (q1-a*m1*m1)/(a-1))
	v2 := math.Max(0, (q2-b*m2*m2)/(b-1))
	se2 := v1/a + v2/b
	if se2 == 0 {
		if m1 == m2 {
			return 0, 1, true
		}
		// no spread on either side: any difference is certain
		return math.Copysign(math.MaxFloat64, m1-m2), 0, true
	}
	t = (m1 - m2) / math.Sqrt(se2)
	df := se2 * se2 / ((v1/a)*(v1/a)/(a-1) + (v2/b)*(v2/b)/(b-1))
	return t, studentTwoSided(t, df), true
}

// studentTwoSided is P(|T| >= |t|) for Student's t with df degrees of
// freedom: the regularized incomplete beta I_{df/(df+t²)}(df/2, 1/2).
func studentTwoSided(t, df float64) float64 {
	if math.IsInf(t, 0) {
		return 0
	}
	return incBeta(df/2, 0.5, df/(df+t*t))
}

// incBeta is the regularized incomplete beta function I_x(a, b), by its
// continued fraction (modified Lentz), using the symmetry for fast
// convergence.
func incBeta(a, b, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log(1-x))
	if x > (a+1)/(a+b+2) {
		return 1 - incBeta(b, a, 1-x)
	}
	const tiny, eps = 1e-300, 1e-14
	f, c, d := 1.0, 1.0, 0.0
	for i := 0; i <= 300; i++ {
		m := float64(i / 2)
		var num float64
		switch {
		case i == 0:
			num = 1
		case i%2 == 0:
			num = m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m))
		default:
			num = -(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1))
		}
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		d = 1 / d
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		f *= c * d
		if math.Abs(1-c*d) < eps {
			return front * (f - 1) / a
		}
	}
	return front * (f - 1) / a
}

func round(x float64, digits int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func stats(in []byte) ([][]byte, error) {
	var si StatsInput
	if err := json.Unmarshal(in, &si); err != nil {
		return nil, errorf(500, "internal", ErrBadJSON, "stats rows: %s", jsonMessage(err))
	}
	out, err := json.Marshal(ComputeStats(si))
	if err != nil {
		return nil, err
	}
	return [][]byte{out}, nil
}
