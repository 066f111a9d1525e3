// Package stats derives the standard association measures of a pair of
// items from the four counts of its 2×2 table (n_AB, n_A, n_B, N), which is
// what the blob carries. matrixgen's explain and report and the engine's
// reasons use the same functions. Pure Go: no platform, no clock.
package stats

import (
	"errors"
	"math"
	"strconv"
)

// ErrCounts: the four counts cannot come from one set of orders.
var ErrCounts = errors.New("stats: inconsistent counts")

// countsError is ErrCounts with what is wrong, built without fmt (the
// browser build links none: ~300 KB of wasm).
type countsError struct{ msg string }

func (e *countsError) Error() string { return ErrCounts.Error() + ": " + e.msg }

func (e *countsError) Unwrap() error { return ErrCounts }

func wrap(msg string) error { return &countsError{msg} }

// ftoa formats v as fmt's %v and %g do.
func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Table is the 2×2 table of A and B over N orders: NAB orders hold both, NA
// hold A, NB hold B. Counts may be time-decayed (fractional).
type Table struct {
	NAB, NA, NB, N float64
}

// Check reports counts that no set of orders can produce.
func (t Table) Check() error {
	for _, v := range []float64{t.NAB, t.NA, t.NB, t.N} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return wrap("counts must be finite and non-negative: {NAB:" + ftoa(t.NAB) + " NA:" + ftoa(t.NA) + " NB:" + ftoa(t.NB) + " N:" + ftoa(t.N) + "}")
		}
	}
	const slack = 1e-9 // decayed counts are float sums
	if t.NAB > t.NA*(1+slack) || t.NAB > t.NB*(1+slack) || t.NA > t.N*(1+slack) || t.NB > t.N*(1+slack) ||
		t.NA+t.NB-t.NAB > t.N*(1+slack)+slack {
		return wrap("n_AB " + ftoa(t.NAB) + ", n_A " + ftoa(t.NA) + ", n_B " + ftoa(t.NB) + ", N " + ftoa(t.N))
	}
	return nil
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Support is P(A and B) = n_AB / N.
func (t Table) Support() float64 { return div(t.NAB, t.N) }

// Confidence is P(B | A) = n_AB / n_A: how often an order with A also has B.
func (t Table) Confidence() float64 { return div(t.NAB, t.NA) }

// ConfidenceBA is P(A | B) = n_AB / n_B.
func (t Table) ConfidenceBA() float64 { return div(t.NAB, t.NB) }

// Lift is P(A and B) / (P(A) P(B)): how many times more often A and B are
// bought together than if they were independent (1: no association).
func (t Table) Lift() float64 { return div(t.NAB*t.N, t.NA*t.NB) }

// Leverage is P(A and B) − P(A) P(B), in [−0.25, 0.25].
func (t Table) Leverage() float64 {
	if t.N == 0 {
		return 0
	}
	return t.NAB/t.N - (t.NA/t.N)*(t.NB/t.N)
}

// Conviction of A→B is P(A) P(not B) / P(A and not B): how much more often
// A would come without B if they were independent. +Inf when B always
// follows A; 1 for independence.
func (t Table) Conviction() float64 {
	if t.NA == 0 || t.N == 0 {
		return 0
	}
	c := t.Confidence()
	if c >= 1 {
		return math.Inf(1)
	}
	return (1 - t.NB/t.N) / (1 - c)
}

// Zhang is Zhang's measure of A→B in [−1, 1]: leverage scaled by its largest
// possible value (1 perfect association, 0 independence, −1 perfect
// avoidance).
func (t Table) Zhang() float64 {
	if t.N == 0 {
		return 0
	}
	pab, pa, pb := t.NAB/t.N, t.NA/t.N, t.NB/t.N
	den := math.Max(pab*(1-pa), pa*(pb-pab))
	return div(pab-pa*pb, den)
}

// Jaccard is n_AB / (n_A + n_B − n_AB): the share of orders with A or B that
// hold both.
func (t Table) Jaccard() float64 { return div(t.NAB, t.NA+t.NB-t.NAB) }

// Cosine is n_AB / sqrt(n_A n_B).
func (t Table) Cosine() float64 { return div(t.NAB, math.Sqrt(t.NA*t.NB)) }

// ChiSquare is Pearson's chi-square statistic of the 2×2 table (1 degree of
// freedom; 3.84 is the 5% critical value).
func (t Table) ChiSquare() float64 {
	n := t.N
	a, b, c := t.NAB, t.NA-t.NAB, t.NB-t.NAB
	d := n - a - b - c
	den := t.NA * (n - t.NA) * t.NB * (n - t.NB)
	if den == 0 {
		return 0
	}
	x := a*d - b*c
	return n * x * x / den
}

// FisherP is the one-sided p-value of Fisher's exact test for a positive
// association: the probability, were A and B independent with these
// margins, of at least NAB orders holding both. Counts are rounded to whole
// orders. Small (e.g. < 0.01) means the pair is unlikely to be chance.
func (t Table) FisherP() float64 {
	n, na, nb, k := math.Round(t.N), math.Round(t.NA), math.Round(t.NB), math.Round(t.NAB)
	if n <= 0 || na > n || nb > n || k > na || k > nb {
		return 1
	}
	lo := math.Max(0, na+nb-n)
	if k <= lo {
		return 1
	}
	hi := math.Min(na, nb)
	base := lchoose(n, nb)
	p := 0.0
	for x := k; x <= hi; x++ {
		term := math.Exp(lchoose(na, x) + lchoose(n-na, nb-x) - base)
		p += term
		if term < p*1e-17 && x > na*nb/n {
			break // past the mode, terms only shrink
		}
	}
	return math.Min(1, p)
}

func lchoose(n, k float64) float64 {
	a, _ := math.Lgamma(n + 1)
	b, _ := math.Lgamma(k + 1)
	c, _ := math.Lgamma(n - k + 1)
	return a - b - c
}

// Measures holds every measure of a table, for explain and reports.
type Measures struct {
	Support, Confidence, ConfidenceBA, Lift, Leverage, Conviction,
	Zhang, Jaccard, Cosine, ChiSquare, FisherP float64
}

// All computes every measure.
func (t Table) All() Measures {
	return Measures{
		Support: t.Support(), Confidence: t.Confidence(), ConfidenceBA: t.ConfidenceBA(), Lift: t.Lift(),
		Leverage: t.Leverage(), Conviction: t.Conviction(), Zhang: t.Zhang(), Jaccard: t.Jaccard(),
		Cosine: t.Cosine(), ChiSquare: t.ChiSquare(), FisherP: t.FisherP(),
	}
}

// Evidence is the shopper-facing sentence for mined evidence, e.g.
// "bought together in 312 orders, 4.1× more often than chance".
func (t Table) Evidence() string {
	n := int64(math.Round(t.NAB))
	orders := "orders"
	if n == 1 {
		orders = "order"
	}
	l := t.Lift()
	if l >= 1.05 {
		return "bought together in " + strconv.FormatInt(n, 10) + " " + orders + ", " + strconv.FormatFloat(l, 'f', 1, 64) + "× more often than chance"
	}
	return "bought together in " + strconv.FormatInt(n, 10) + " " + orders
}
