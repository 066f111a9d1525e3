package main

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/matrixgen/internal/mine"
	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/stats"
)

const reportUsage = `Usage: matrixgen report BLOB -o report.html [--items N]
       [--orders F [--orders-format FMT] --have-not A,B [--have-not C,D ...] --campaign campaign.csv]

Writes one self-contained HTML file for merchandisers: the top complements
of the most ordered items with their evidence, every curated pair and
whether the orders support it, and flagships with no complement.

With --orders and --have-not A,B it also lists the customers who bought A
but never B (a post-purchase campaign) in the CSV file named by --campaign:
customer_id,has_item,has_title,suggest_item,suggest_title,orders_with_item,first_bought.
The orders need customer ids.

Options:
`

type pairList []string

func (p *pairList) String() string     { return strings.Join(*p, " ") }
func (p *pairList) Set(s string) error { *p = append(*p, s); return nil }

func (e *env) report(args []string) error {
	fs := e.flags("report", reportUsage)
	out := fs.String("o", "", "HTML `file` to write (required)")
	items := fs.Int("items", 200, "how many of the most ordered items to show with their complements")
	ordersFile := fs.String("orders", "", "order `file`: test curated pairs the blob did not keep, and find customers for --have-not")
	format := fs.String("orders-format", input.FormatAuto, "orders format: "+strings.Join(input.Formats, ", "))
	campaign := fs.String("campaign", "", "CSV `file` for the customers of --have-not")
	var haveNot pairList
	fs.Var(&haveNot, "have-not", "`A,B`: customers who bought item A but never item B (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usagef("want one BLOB argument, got %d", len(pos))
	case *out == "":
		return usagef("-o report.html is required")
	case len(haveNot) > 0 && (*ordersFile == "" || *campaign == ""):
		return usagef("--have-not needs --orders (with customer ids) and --campaign FILE")
	case len(haveNot) == 0 && *campaign != "":
		return usagef("--campaign needs at least one --have-not A,B")
	}
	b, _, err := e.loadBlob(pos[0])
	if err != nil {
		return err
	}
	var orders *input.Orders
	if *ordersFile != "" {
		rc, _, err := e.open(*ordersFile)
		if err != nil {
			return err
		}
		orders, _, err = input.ReadOrders(displayName(*ordersFile), rc, *format)
		rc.Close()
		if err != nil {
			return err
		}
	}
	data := buildReport(b, *items, newPairCounter(orders))
	if len(haveNot) > 0 {
		pairs := make([][2]int, 0, len(haveNot))
		for _, hn := range haveNot {
			x, y, ok := splitPair(hn)
			if !ok {
				return usagef("--have-not %q: want two item ids separated by a comma", hn)
			}
			a, err := findItem(b, x)
			if err != nil {
				return err
			}
			c, err := findItem(b, y)
			if err != nil {
				return err
			}
			pairs = append(pairs, [2]int{a, c})
		}
		rows, summary, err := customersWithout(b, orders, pairs)
		if err != nil {
			return err
		}
		var sb strings.Builder
		if err := writeCampaign(&sb, rows); err != nil {
			return err
		}
		if err := writeFile(*campaign, []byte(sb.String())); err != nil {
			return err
		}
		data.Campaigns = summary
		data.CampaignFile = *campaign
	}
	var sb strings.Builder
	if err := reportTemplate.Execute(&sb, data); err != nil {
		return err
	}
	if err := writeFile(*out, []byte(sb.String())); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s (%d anchors, %d curated pairs, %d flagships without a complement)\n",
		*out, len(data.Anchors), len(data.Curated), len(data.Lonely))
	if *campaign != "" {
		for _, c := range data.Campaigns {
			fmt.Fprintf(e.stderr, "campaign %s → %s: %d customers (in %s)\n", c.HasID, c.SuggestID, c.Customers, *campaign)
		}
	}
	return nil
}

type reportItem struct{ ID, Title, Role, Category, Price string }

type reportNeighbour struct {
	Item                                      reportItem
	NAB                                       uint32
	Confidence, Lift, FisherP, Zhang, Decayed string
	Evidence                                  string
}

type reportAnchor struct {
	Item       reportItem
	Orders     uint32
	Neighbours []reportNeighbour
	Curated    int
}

type reportCurated struct {
	Line                      uint32
	Anchor                    string
	AnchorTitle               string
	Complement                reportItem
	Kind, Reason, Discount    string
	Valid                     string
	Status, StatusClass, Note string
}

type reportTriple struct {
	A, B, C    reportItem
	NAB, NABC  uint32
	Confidence string
	Lift       string
	BestSingle string
}

type reportCampaign struct {
	HasID, HasTitle, SuggestID, SuggestTitle string
	Customers                                int
}

type reportData struct {
	Created, Generator, Hash       string
	Orders, Lines, Items, Pairs    int
	Triples, Customers             int
	Period                         string
	Anchors                        []reportAnchor
	Curated                        []reportCurated
	Supported, Unsupported, Sparse int
	Lonely                         []reportItem
	Triples3                       []reportTriple
	Flagships                      int
	NeverOrdered                   int
	Campaigns                      []reportCampaign
	CampaignFile                   string
	MinCount                       int
}

func itemOf(b *blob.Blob, i int) reportItem {
	price := ""
	if p := b.Items.Price[i]; !math.IsNaN(p) {
		price = strings.TrimSpace(fmt.Sprintf("%.2f %s", p, b.Str(b.Items.Currency[i])))
	}
	return reportItem{ID: b.Items.ID[i], Title: b.Items.Title[i], Role: b.Items.Role[i].String(), Category: b.Str(b.Items.Category[i]), Price: price}
}

func buildReport(b *blob.Blob, nItems int, pc *pairCounter) reportData {
	d := reportData{
		Created: isoTime(b.Created), Generator: b.Generator, Hash: b.Header.HashHex(),
		Orders: int(b.Stats.Orders), Lines: int(b.Stats.Lines), Items: b.Items.Len(), Pairs: len(b.Pairs.To),
		Triples: len(b.Triples.To), Customers: int(b.Stats.Customers), MinCount: b.Policy.Mining.MinCount,
		Period: "orders without times",
	}
	if b.Stats.From != 0 {
		d.Period = day(b.Stats.From) + " to " + day(b.Stats.To)
	}
	n := float64(b.Stats.Orders)
	curatedFor := map[int]int{}
	catCurated := map[uint32]bool{}
	for r := 0; r < b.Matrix.Len(); r++ {
		if a := b.Matrix.AnchorItem[r]; a >= 0 {
			curatedFor[int(a)]++
		} else {
			catCurated[b.Matrix.AnchorCategory[r]] = true
		}
	}
	for _, a := range mostOrdered(b, nItems) {
		if b.Items.Orders[a] == 0 {
			break
		}
		an := reportAnchor{Item: itemOf(b, a), Orders: b.Items.Orders[a], Curated: curatedFor[a]}
		for k := b.Pairs.Off[a]; k < b.Pairs.Off[a+1] && len(an.Neighbours) < 5; k++ {
			c := int(b.Pairs.To[k])
			t := stats.Table{NAB: float64(b.Pairs.NAB[k]), NA: float64(b.Items.Orders[a]), NB: float64(b.Items.Orders[c]), N: n}
			nb := reportNeighbour{Item: itemOf(b, c), NAB: b.Pairs.NAB[k], Confidence: fmt.Sprintf("%.0f%%", 100*t.Confidence()),
				Lift: fmt.Sprintf("%.1f×", t.Lift()), FisherP: pValue(t.FisherP()), Zhang: fmt.Sprintf("%.2f", t.Zhang()), Evidence: t.Evidence()}
			if b.Stats.HalfLifeDays > 0 {
				nb.Decayed = fmt.Sprintf("%.1f", b.Pairs.NABDecayed[k])
			}
			an.Neighbours = append(an.Neighbours, nb)
		}
		d.Anchors = append(d.Anchors, an)
	}
	d.Triples3 = topTriples(b, 25)
	for r := 0; r < b.Matrix.Len(); r++ {
		d.Curated = append(d.Curated, curatedRow(b, r, pc))
		switch d.Curated[r].StatusClass {
		case "ok":
			d.Supported++
		case "bad":
			d.Unsupported++
		default:
			d.Sparse++
		}
	}
	for i := 0; i < b.Items.Len(); i++ {
		if b.Items.Orders[i] == 0 {
			d.NeverOrdered++
		}
		if b.Items.Role[i] != blob.RoleFlagship {
			continue
		}
		d.Flagships++
		if b.Pairs.Off[i+1] == b.Pairs.Off[i] && curatedFor[i] == 0 && !catCurated[b.Items.Category[i]] {
			d.Lonely = append(d.Lonely, itemOf(b, i))
		}
	}
	return d
}

// topTriples lists the {A,B}→C rules with the most orders behind them,
// with the confidence of the pair against the better single antecedent.
func topTriples(b *blob.Blob, n int) []reportTriple {
	t := &b.Triples
	type ref struct{ r, k int }
	var all []ref
	for r := range t.A {
		for k := t.Off[r]; k < t.Off[r+1]; k++ {
			all = append(all, ref{r, int(k)})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		x, y := all[i], all[j]
		if t.NABC[x.k] != t.NABC[y.k] {
			return t.NABC[x.k] > t.NABC[y.k]
		}
		return x.k < y.k
	})
	var out []reportTriple
	N := float64(b.Stats.Orders)
	for _, x := range all[:min(n, len(all))] {
		a, c, to := int(t.A[x.r]), int(t.B[x.r]), int(t.To[x.k])
		conf := float64(t.NABC[x.k]) / math.Max(1, float64(t.NAB[x.r]))
		single := 0.0
		for _, ant := range []int{a, c} {
			if k, ok := pairIndex(b, ant, to); ok {
				single = math.Max(single, float64(b.Pairs.NAB[k])/math.Max(1, float64(b.Items.Orders[ant])))
			}
		}
		rt := reportTriple{A: itemOf(b, a), B: itemOf(b, c), C: itemOf(b, to), NAB: t.NAB[x.r], NABC: t.NABC[x.k],
			Confidence: fmt.Sprintf("%.0f%%", 100*conf), BestSingle: "not kept"}
		if nc := float64(b.Items.Orders[to]); nc > 0 && N > 0 {
			rt.Lift = fmt.Sprintf("%.1f×", conf/(nc/N))
		}
		if single > 0 {
			rt.BestSingle = fmt.Sprintf("%.0f%%", 100*single)
		}
		out = append(out, rt)
	}
	return out
}

// curatedRow says whether the orders support a curated pair.
func curatedRow(b *blob.Blob, r int, pc *pairCounter) reportCurated {
	m := &b.Matrix
	c := int(m.Complement[r])
	row := reportCurated{Line: m.Line[r], Anchor: matrixAnchor(b, r), Complement: itemOf(b, c), Kind: m.Kind[r].String(), Reason: b.Str(m.Reason[r])}
	if m.Discount[r] > 0 {
		row.Discount = fmt.Sprintf("%g%%", m.Discount[r])
	}
	if m.ValidFrom[r] != 0 || m.ValidTo[r] != 0 {
		from, to := "…", "…"
		if m.ValidFrom[r] != 0 {
			from = day(m.ValidFrom[r])
		}
		if m.ValidTo[r] != 0 {
			to = day(m.ValidTo[r])
		}
		row.Valid = from + " – " + to
	}
	minCount := uint32(max(1, b.Policy.Mining.MinCount))
	if a := int(m.AnchorItem[r]); a >= 0 {
		row.AnchorTitle = b.Items.Title[a]
		ex := explainPair(b, a, c)
		switch {
		case ex.kept:
			row.Status, row.StatusClass = "supported", "ok"
			row.Note = ex.plain.Evidence()
			if ex.rank == 0 {
				row.Note += " (kept in the reverse direction)"
			}
		case b.Items.Orders[a] < minCount || b.Items.Orders[c] < minCount:
			row.Status, row.StatusClass = "too little data", "thin"
			row.Note = fmt.Sprintf("%d and %d orders; mining needs %d", b.Items.Orders[a], b.Items.Orders[c], minCount)
		case pc != nil:
			// Not kept: count it from the orders and apply the mining test.
			t := pc.table(b.Items.ID[a], b.Items.ID[c])
			m := b.Policy.Mining
			if t.NAB >= float64(minCount) && mine.LiftLower(uint32(t.NAB), uint32(t.NA), uint32(t.NB), uint32(t.N), m.Confidence) > 1 {
				row.Status, row.StatusClass = "supported", "ok"
				row.Note = t.Evidence() + fmt.Sprintf(" (significant, outside the best %d kept)", m.Neighbours)
			} else {
				row.Status, row.StatusClass = "not supported", "bad"
				row.Note = fmt.Sprintf("together in %.0f orders, lift %.2f, p %s: not more often than chance", t.NAB, t.Lift(), pValue(t.FisherP()))
			}
		default:
			row.Status, row.StatusClass = "not kept", "thin"
			row.Note = fmt.Sprintf("not among the best %d mined neighbours (%d and %d orders); pass --orders to test it", b.Policy.Mining.Neighbours, b.Items.Orders[a], b.Items.Orders[c])
		}
		return row
	}
	// Category anchor: how many of the category's items have the complement as a neighbour.
	cat := m.AnchorCategory[r]
	total, with := 0, 0
	for i := 0; i < b.Items.Len(); i++ {
		if b.Items.Category[i] != cat || i == c {
			continue
		}
		total++
		if _, ok := pairIndex(b, i, c); ok {
			with++
		} else if _, ok := pairIndex(b, c, i); ok {
			with++
		}
	}
	row.AnchorTitle = fmt.Sprintf("%d items", total)
	row.Note = fmt.Sprintf("mined with %d of %d items in the category", with, total)
	switch {
	case with > 0:
		row.Status, row.StatusClass = "supported", "ok"
	case b.Items.Orders[c] < minCount:
		row.Status, row.StatusClass = "too little data", "thin"
	default:
		row.Status, row.StatusClass = "not supported", "bad"
	}
	return row
}

type campaignRow struct {
	customer          string
	has, suggest      int
	orders            int
	first             int64
	hasTime           bool
	hasItemID, sugID  string
	hasTitle, sugTitl string
}

// customersWithout finds, per pair (A, B), the customers with an order holding A and
// none holding B.
func customersWithout(b *blob.Blob, o *input.Orders, pairs [][2]int) ([]campaignRow, []reportCampaign, error) {
	if o.Customer == nil {
		return nil, nil, &input.Error{File: o.File, Err: input.Errorf(input.ErrMissingColumn, "no customer column: --have-not needs customer ids")}
	}
	orderItem := make(map[string]uint32, len(o.ItemIDs))
	for i, id := range o.ItemIDs {
		orderItem[id] = uint32(i)
	}
	var rows []campaignRow
	var summary []reportCampaign
	for _, p := range pairs {
		a, c := b.Items.ID[p[0]], b.Items.ID[p[1]]
		xa, okA := orderItem[a]
		xc, okC := orderItem[c]
		type acc struct {
			orders int
			first  int64
			hasB   bool
		}
		per := map[uint32]*acc{}
		for ord := 0; ord < o.Len(); ord++ {
			cust := o.Customer[ord]
			if cust == 0 {
				continue
			}
			hasA, hasB := false, false
			for _, x := range o.Basket(ord) {
				hasA = hasA || (okA && x == xa)
				hasB = hasB || (okC && x == xc)
			}
			if !hasA && !hasB {
				continue
			}
			ac := per[cust]
			if ac == nil {
				ac = &acc{}
				per[cust] = ac
			}
			ac.hasB = ac.hasB || hasB
			if hasA {
				ac.orders++
				if t := orderTime(o, ord); t != 0 && (ac.first == 0 || t < ac.first) {
					ac.first = t
				}
			}
		}
		n := 0
		var these []campaignRow
		for cust, ac := range per {
			if ac.orders == 0 || ac.hasB {
				continue
			}
			n++
			these = append(these, campaignRow{customer: o.CustomerIDs[cust-1], orders: ac.orders, first: ac.first,
				hasItemID: a, hasTitle: b.Items.Title[p[0]], sugID: c, sugTitl: b.Items.Title[p[1]]})
		}
		sort.Slice(these, func(i, j int) bool { return these[i].customer < these[j].customer })
		rows = append(rows, these...)
		summary = append(summary, reportCampaign{HasID: a, HasTitle: b.Items.Title[p[0]], SuggestID: c, SuggestTitle: b.Items.Title[p[1]], Customers: n})
	}
	return rows, summary, nil
}

func orderTime(o *input.Orders, ord int) int64 {
	if o.Time == nil {
		return 0
	}
	return o.Time[ord]
}

func writeCampaign(w io.Writer, rows []campaignRow) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"customer_id", "has_item", "has_title", "suggest_item", "suggest_title", "orders_with_item", "first_bought"})
	for _, r := range rows {
		first := ""
		if r.first != 0 {
			first = time.Unix(r.first, 0).UTC().Format(time.RFC3339)
		}
		cw.Write([]string{csvSafe(r.customer), csvSafe(r.hasItemID), csvSafe(r.hasTitle), csvSafe(r.sugID), csvSafe(r.sugTitl), fmt.Sprint(r.orders), first})
	}
	cw.Flush()
	return cw.Error()
}

// pairCounter counts exact 2×2 tables from order baskets, for pairs the
// blob did not keep.
type pairCounter struct {
	o      *input.Orders
	byItem map[string][]uint32 // item id → orders holding it, ascending, once each
}

func newPairCounter(o *input.Orders) *pairCounter {
	if o == nil {
		return nil
	}
	pc := &pairCounter{o: o, byItem: make(map[string][]uint32, len(o.ItemIDs))}
	last := make([]int, len(o.ItemIDs))
	for i := range last {
		last[i] = -1
	}
	for ord := 0; ord < o.Len(); ord++ {
		for _, x := range o.Basket(ord) {
			if last[x] != ord {
				last[x] = ord
				id := o.ItemIDs[x]
				pc.byItem[id] = append(pc.byItem[id], uint32(ord))
			}
		}
	}
	return pc
}

func (pc *pairCounter) table(a, c string) stats.Table {
	la, lc := pc.byItem[a], pc.byItem[c]
	t := stats.Table{NA: float64(len(la)), NB: float64(len(lc)), N: float64(pc.o.Len())}
	for i, j := 0, 0; i < len(la) && j < len(lc); {
		switch {
		case la[i] < lc[j]:
			i++
		case la[i] > lc[j]:
			j++
		default:
			t.NAB++
			i++
			j++
		}
	}
	return t
}

// csvSafe defuses spreadsheet formulas in text that came from the shop's files.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var reportTemplate = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xsell report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:2px solid #e3e7ee;padding-bottom:.3rem}
.muted{color:#667085} table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f6f8fb;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#067647;font-weight:600} .bad{color:#b42318;font-weight:600} .thin{color:#b54708;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem}
.card{background:#f6f8fb;border-radius:.5rem;padding:.6rem .8rem} .card b{display:block;font-size:1.3rem}
details{margin:.3rem 0} summary{cursor:pointer} code{font-size:12px}
</style></head><body>
<h1>Cross-sell report</h1>
<p class="muted">Blob <code>{{.Hash}}</code>, built {{.Created}} by {{.Generator}}; {{.Period}}.</p>
<div class="cards">
<div class="card"><b>{{.Orders}}</b>orders</div><div class="card"><b>{{.Lines}}</b>order lines</div>
<div class="card"><b>{{.Items}}</b>items</div><div class="card"><b>{{.Pairs}}</b>mined pairs</div>
<div class="card"><b>{{.Triples}}</b>{A,B}→C rules</div><div class="card"><b>{{.Customers}}</b>customers</div>
</div>

<h2>Top complements of the most ordered items</h2>
<p class="muted">Per item, the best mined neighbours (a pair is kept when it is bought together in at least {{.MinCount}} orders and more often than chance with 95% confidence). Confidence: share of the item's orders that also hold the complement. Lift: how many times more often than chance. p: Fisher's exact test.</p>
{{range .Anchors}}<details{{if .Neighbours}} open{{end}}><summary><b>{{.Item.Title}}</b> <span class="muted">{{.Item.ID}} · {{.Orders}} orders{{if .Item.Category}} · {{.Item.Category}}{{end}}{{if .Item.Role}} · {{.Item.Role}}{{end}}{{if .Curated}} · {{.Curated}} curated{{end}}</span></summary>
{{if .Neighbours}}<table><tr><th>complement</th><th>id</th><th>together</th><th>confidence</th><th>lift</th><th>Zhang</th><th>p</th><th>shopper sees</th></tr>
{{range .Neighbours}}<tr><td>{{.Item.Title}}</td><td><code>{{.Item.ID}}</code></td><td class="num">{{.NAB}}{{if .Decayed}} <span class="muted">({{.Decayed}} decayed)</span>{{end}}</td><td class="num">{{.Confidence}}</td><td class="num">{{.Lift}}</td><td class="num">{{.Zhang}}</td><td class="num">{{.FisherP}}</td><td>{{.Evidence}}</td></tr>
{{end}}</table>{{else}}<p class="muted">No complement has enough evidence yet.</p>{{end}}</details>
{{end}}

{{if .Triples3}}<h2>Bought with both: {A,B} → C</h2>
<p class="muted">When a basket already holds both A and B, C follows more often than with either alone. The rules with the most orders behind them; "alone" is the better of A→C and B→C.</p>
<table><tr><th>A</th><th>B</th><th>→ C</th><th>orders with A and B</th><th>… and C</th><th>confidence</th><th>alone</th><th>lift</th></tr>
{{range .Triples3}}<tr><td>{{.A.Title}}</td><td>{{.B.Title}}</td><td>{{.C.Title}}</td><td class="num">{{.NAB}}</td><td class="num">{{.NABC}}</td><td class="num">{{.Confidence}}</td><td class="num">{{.BestSingle}}</td><td class="num">{{.Lift}}</td></tr>
{{end}}</table>{{end}}

<h2>Curated pairs</h2>
<p>{{len .Curated}} curated pairs: <span class="ok">{{.Supported}} supported by orders</span>, <span class="bad">{{.Unsupported}} not supported</span>, <span class="thin">{{.Sparse}} with too little data or not tested</span>. A pair is supported when it passes the mining test (together in at least {{.MinCount}} orders, lift above 1 with 95% confidence).</p>
{{if .Curated}}<table><tr><th>line</th><th>anchor</th><th>complement</th><th>kind</th><th>reason</th><th>discount</th><th>valid</th><th>orders say</th></tr>
{{range .Curated}}<tr><td class="num">{{.Line}}</td><td><code>{{.Anchor}}</code><br><span class="muted">{{.AnchorTitle}}</span></td><td>{{.Complement.Title}}<br><code>{{.Complement.ID}}</code></td><td>{{.Kind}}</td><td>{{.Reason}}</td><td>{{.Discount}}</td><td>{{.Valid}}</td><td><span class="{{.StatusClass}}">{{.Status}}</span><br><span class="muted">{{.Note}}</span></td></tr>
{{end}}</table>{{end}}

<h2>Flagships with no complement</h2>
<p>{{len .Lonely}} of {{.Flagships}} flagship items have neither a curated complement nor a mined one: add matrix rows for them.</p>
{{if .Lonely}}<table><tr><th>id</th><th>title</th><th>category</th><th>price</th></tr>
{{range .Lonely}}<tr><td><code>{{.ID}}</code></td><td>{{.Title}}</td><td>{{.Category}}</td><td class="num">{{.Price}}</td></tr>
{{end}}</table>{{end}}
<p class="muted">{{.NeverOrdered}} catalog items appear in no order.</p>

{{if .Campaigns}}<h2>Post-purchase campaigns</h2>
<p>Customers who bought the first item but never the second; the list is in <code>{{.CampaignFile}}</code>.</p>
<table><tr><th>has</th><th>never bought</th><th>customers</th></tr>
{{range .Campaigns}}<tr><td>{{.HasTitle}} <code>{{.HasID}}</code></td><td>{{.SuggestTitle}} <code>{{.SuggestID}}</code></td><td class="num">{{.Customers}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))
