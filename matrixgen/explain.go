package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/stats"
)

const explainUsage = `Usage: matrixgen explain BLOB ITEM_A ITEM_B [--orders F [--orders-format FMT]]

Prints the evidence for suggesting ITEM_B with ITEM_A: the 2×2 table of
orders (plain and time-decayed), support, confidence both ways, lift,
leverage, conviction, Zhang, Jaccard, cosine, chi-square and Fisher's exact
p; B's rank among A's neighbours, {A,B}→C rules, curated rows and feedback.
Items are named by id (or by exact title). The blob keeps only each item's
best neighbours; with --orders the joint count is taken from the order file
when the pair was not kept.

Options:
`

func (e *env) explain(args []string) error {
	fs := e.flags("explain", explainUsage)
	ordersFile := fs.String("orders", "", "order `file` to count pairs the blob did not keep")
	format := fs.String("orders-format", input.FormatAuto, "orders format: "+strings.Join(input.Formats, ", "))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		return usagef("want BLOB ITEM_A ITEM_B, got %d arguments", len(pos))
	}
	b, _, err := e.loadBlob(pos[0])
	if err != nil {
		return err
	}
	a, err := findItem(b, pos[1])
	if err != nil {
		return err
	}
	c, err := findItem(b, pos[2])
	if err != nil {
		return err
	}
	if a == c {
		return usagef("ITEM_A and ITEM_B are the same item")
	}
	ex := explainPair(b, a, c)
	if !ex.kept && *ordersFile != "" {
		t, err := e.countFromOrders(*ordersFile, *format, b.Items.ID[a], b.Items.ID[c])
		if err != nil {
			return err
		}
		ex.plain, ex.fromOrders = t, true
	}
	ex.write(e.stdout, b)
	return nil
}

// findItem resolves an id, or else a unique exact title (any case).
func findItem(b *blob.Blob, name string) (int, error) {
	for i, id := range b.Items.ID {
		if id == name {
			return i, nil
		}
	}
	found := -1
	for i, t := range b.Items.Title {
		if strings.EqualFold(t, name) {
			if found >= 0 {
				return 0, fmt.Errorf("%q: several items have this title (%s, %s); name one by id", name, b.Items.ID[found], b.Items.ID[i])
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("%q: no item with this id or title in the blob", name)
	}
	return found, nil
}

// pairExplanation gathers what the blob says about a → c.
type pairExplanation struct {
	a, c       int
	plain      stats.Table
	decayed    stats.Table
	hasDecay   bool
	kept       bool // the blob holds n_AB for the pair
	keptDir    string
	rank       int // c's position among a's neighbours, 1-based; 0 not there
	fromOrders bool
}

func explainPair(b *blob.Blob, a, c int) pairExplanation {
	ex := pairExplanation{a: a, c: c}
	it := &b.Items
	ex.plain = stats.Table{NA: float64(it.Orders[a]), NB: float64(it.Orders[c]), N: float64(b.Stats.Orders)}
	ex.decayed = stats.Table{NA: float64(it.OrdersDecayed[a]), NB: float64(it.OrdersDecayed[c]), N: b.Stats.OrdersDecayed}
	ex.hasDecay = b.Stats.HalfLifeDays > 0
	if k, ok := pairIndex(b, a, c); ok {
		ex.kept, ex.keptDir, ex.rank = true, "A→B", k-int(b.Pairs.Off[a])+1
		ex.plain.NAB, ex.decayed.NAB = float64(b.Pairs.NAB[k]), float64(b.Pairs.NABDecayed[k])
	} else if k, ok := pairIndex(b, c, a); ok {
		ex.kept, ex.keptDir = true, "B→A"
		ex.plain.NAB, ex.decayed.NAB = float64(b.Pairs.NAB[k]), float64(b.Pairs.NABDecayed[k])
	}
	return ex
}

// pairIndex finds c among a's kept neighbours.
func pairIndex(b *blob.Blob, a, c int) (int, bool) {
	for k := b.Pairs.Off[a]; k < b.Pairs.Off[a+1]; k++ {
		if int(b.Pairs.To[k]) == c {
			return int(k), true
		}
	}
	return 0, false
}

func (ex pairExplanation) write(out io.Writer, b *blob.Blob) {
	it := &b.Items
	fmt.Fprintf(out, "A  %s  %s\n", it.ID[ex.a], it.Title[ex.a])
	fmt.Fprintf(out, "B  %s  %s\n\n", it.ID[ex.c], it.Title[ex.c])
	switch {
	case ex.fromOrders:
		fmt.Fprintf(out, "The blob does not keep this pair; n_AB, n_A, n_B and N below are counted from the order file.\n\n")
	case !ex.kept:
		fmt.Fprintf(out, "The blob does not keep this pair: B is not among A's best %d neighbours, nor A among B's\n"+
			"(too few orders together, or not significantly more often than chance). Pass --orders to count it.\n\n", b.Policy.Mining.Neighbours)
	case ex.rank > 0:
		fmt.Fprintf(out, "B is neighbour %d of %d kept for A.\n\n", ex.rank, b.Pairs.Off[ex.a+1]-b.Pairs.Off[ex.a])
	default:
		fmt.Fprintf(out, "A is among B's kept neighbours, B is not among A's (evidence is directed).\n\n")
	}
	writeTable(out, "orders", ex.plain, ex.kept || ex.fromOrders, "%.0f")
	if ex.hasDecay && ex.kept {
		writeTable(out, fmt.Sprintf("decayed (half-life %g days)", b.Stats.HalfLifeDays), ex.decayed, true, "%.1f")
	}
	if ex.kept || ex.fromOrders {
		writeMeasures(out, ex.plain, ex.decayed, ex.hasDecay && ex.kept)
		fmt.Fprintf(out, "\nreason shown: %s\n", ex.plain.Evidence())
	}
	writeTriples(out, b, ex.a, ex.c)
	writeCurated(out, b, ex.a, ex.c)
}

func writeTable(out io.Writer, title string, t stats.Table, known bool, num string) {
	f := func(v float64) string { return fmt.Sprintf(num, v) }
	nab := func(v float64) string {
		if !known {
			return "?"
		}
		return f(v)
	}
	fmt.Fprintf(out, "%s:\n", title)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\tB\tnot B\ttotal\t\n")
	fmt.Fprintf(w, "A\t%s\t%s\t%s\t\n", nab(t.NAB), nab(t.NA-t.NAB), f(t.NA))
	fmt.Fprintf(w, "not A\t%s\t%s\t%s\t\n", nab(t.NB-t.NAB), nab(t.N-t.NA-t.NB+t.NAB), f(t.N-t.NA))
	fmt.Fprintf(w, "total\t%s\t%s\t%s\t\n", f(t.NB), f(t.N-t.NB), f(t.N))
	w.Flush()
	fmt.Fprintln(out)
}

func writeMeasures(out io.Writer, plain, decayed stats.Table, withDecay bool) {
	p, d := plain.All(), decayed.All()
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if withDecay {
		fmt.Fprintf(w, "measure\tplain\tdecayed\tmeaning\n")
	} else {
		fmt.Fprintf(w, "measure\tvalue\tmeaning\n")
	}
	row := func(name string, pv, dv float64, meaning string) {
		if withDecay {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", name, num(pv), num(dv), meaning)
		} else {
			fmt.Fprintf(w, "%s\t%s\t%s\n", name, num(pv), meaning)
		}
	}
	row("support", p.Support, d.Support, "share of all orders with both")
	row("confidence A→B", p.Confidence, d.Confidence, "share of orders with A that have B")
	row("confidence B→A", p.ConfidenceBA, d.ConfidenceBA, "share of orders with B that have A")
	row("lift", p.Lift, d.Lift, "times more often together than chance (1 = independent)")
	row("leverage", p.Leverage, d.Leverage, "P(AB) − P(A)P(B)")
	row("conviction", p.Conviction, d.Conviction, "how much more often A comes without B if independent")
	row("Zhang", p.Zhang, d.Zhang, "−1 avoid … 0 independent … 1 always together")
	row("Jaccard", p.Jaccard, d.Jaccard, "both / either")
	row("cosine", p.Cosine, d.Cosine, "n_AB / √(n_A n_B)")
	row("chi-square", p.ChiSquare, d.ChiSquare, "1 d.f.; above 3.84: significant at 5%")
	w.Flush()
	fmt.Fprintf(out, "Fisher's exact p (one-sided, positive association): %s\n", pValue(p.FisherP))
}

func num(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "∞"
	case v != 0 && math.Abs(v) < 0.001:
		return fmt.Sprintf("%.3g", v)
	}
	return fmt.Sprintf("%.4f", v)
}

func pValue(p float64) string {
	if p < 1e-300 {
		return "< 1e-300"
	}
	return fmt.Sprintf("%.3g", p)
}

func writeTriples(out io.Writer, b *blob.Blob, a, c int) {
	lo, hi := uint32(min(a, c)), uint32(max(a, c))
	t := &b.Triples
	for r := range t.A {
		if t.A[r] != lo || t.B[r] != hi {
			continue
		}
		fmt.Fprintf(out, "\nwith both A and B in the basket (%d orders):\n", t.NAB[r])
		for k := t.Off[r]; k < t.Off[r+1]; k++ {
			to := t.To[k]
			fmt.Fprintf(out, "  → %s  %s: %d orders (%.0f%% of them)\n", b.Items.ID[to], b.Items.Title[to], t.NABC[k], 100*float64(t.NABC[k])/math.Max(1, float64(t.NAB[r])))
		}
	}
}

func writeCurated(out io.Writer, b *blob.Blob, a, c int) {
	m := &b.Matrix
	for r := 0; r < m.Len(); r++ {
		if int(m.Complement[r]) != c {
			continue
		}
		anchorA := int(m.AnchorItem[r]) == a
		catA := m.AnchorItem[r] < 0 && m.AnchorCategory[r] != 0 && m.AnchorCategory[r] == b.Items.Category[a]
		if anchorA || catA {
			fmt.Fprintf(out, "\ncurated (matrix line %d, anchor %s): %s, %q", m.Line[r], matrixAnchor(b, r), m.Kind[r], b.Str(m.Reason[r]))
			if m.Discount[r] > 0 {
				fmt.Fprintf(out, ", bundle discount %g%%", m.Discount[r])
			}
			fmt.Fprintln(out)
		}
	}
	f := &b.Feedback
	for r := 0; r < f.Len(); r++ {
		if int(f.Item[r]) == c && (int(f.Anchor[r]) == a || f.Anchor[r] < 0) {
			anchor := "A"
			if f.Anchor[r] < 0 {
				anchor = "any anchor"
			}
			fmt.Fprintf(out, "\nfeedback (%s): shown %d, clicked %d, added %d, bought %d, dismissed %d\n",
				anchor, f.Shown[r], f.Clicked[r], f.Added[r], f.Bought[r], f.Dismissed[r])
		}
	}
}

// countFromOrders counts the exact 2×2 table of two item ids in an order file.
func (e *env) countFromOrders(name, format, idA, idB string) (stats.Table, error) {
	rc, _, err := e.open(name)
	if err != nil {
		return stats.Table{}, err
	}
	defer rc.Close()
	o, _, err := input.ReadOrders(displayName(name), rc, format)
	if err != nil {
		return stats.Table{}, err
	}
	na, nb := -1, -1
	for i, id := range o.ItemIDs {
		switch id {
		case idA:
			na = i
		case idB:
			nb = i
		}
	}
	t := stats.Table{N: float64(o.Len())}
	for ord := 0; ord < o.Len(); ord++ {
		hasA, hasB := false, false
		for _, x := range o.Basket(ord) {
			hasA = hasA || int(x) == na
			hasB = hasB || int(x) == nb
		}
		if hasA {
			t.NA++
		}
		if hasB {
			t.NB++
		}
		if hasA && hasB {
			t.NAB++
		}
	}
	return t, nil
}
