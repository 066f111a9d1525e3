package stats

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func near(got, want, tol float64) bool {
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// Groceries {other vegetables, whole milk}, figures from the sample README
// (arules); the rest computed by hand from the same four counts.
var groceries = Table{NAB: 736, NA: 1903, NB: 2513, N: 9835}

func TestMeasures(t *testing.T) {
	tests := []struct {
		name string
		t    Table
		f    func(Table) float64
		want float64
	}{
		{"groceries support", groceries, Table.Support, 0.074835},
		{"groceries confidence", groceries, Table.Confidence, 0.386758},
		{"groceries confidence B→A", groceries, Table.ConfidenceBA, 0.292877},
		{"groceries lift", groceries, Table.Lift, 1.513634},
		{"groceries leverage", groceries, Table.Leverage, 0.074835 - (1903.0/9835)*(2513.0/9835)},
		{"groceries conviction", groceries, Table.Conviction, (1 - 2513.0/9835) / (1 - 736.0/1903)},
		{"groceries jaccard", groceries, Table.Jaccard, 736.0 / (1903 + 2513 - 736)},
		{"groceries cosine", groceries, Table.Cosine, 736 / math.Sqrt(1903*2513)},
		// a=736 b=1167 c=1777 d=6155: n(ad-bc)^2 / (nA nnotA nB nnotB)
		{"groceries chi-square", groceries, Table.ChiSquare, 9835 * math.Pow(736*6155-1167*1777, 2) / (1903.0 * 7932 * 2513 * 7322)},
		{"independent lift", Table{NAB: 25, NA: 50, NB: 50, N: 100}, Table.Lift, 1},
		{"independent zhang", Table{NAB: 25, NA: 50, NB: 50, N: 100}, Table.Zhang, 0},
		{"perfect zhang", Table{NAB: 10, NA: 10, NB: 10, N: 100}, Table.Zhang, 1},
		{"avoidance zhang", Table{NAB: 0, NA: 10, NB: 10, N: 100}, Table.Zhang, -1},
		{"always together conviction", Table{NAB: 10, NA: 10, NB: 20, N: 100}, Table.Conviction, math.Inf(1)},
		{"empty table lift", Table{}, Table.Lift, 0},
		{"empty table fisher", Table{}, Table.FisherP, 1},
		// Fisher by hand: N=10, nA=nB=5, nAB=5: 1/C(10,5) = 1/252.
		{"fisher all together", Table{NAB: 5, NA: 5, NB: 5, N: 10}, Table.FisherP, 1.0 / 252},
		// nAB=4: (C(5,4)C(5,1) + 1)/252 = 26/252.
		{"fisher four of five", Table{NAB: 4, NA: 5, NB: 5, N: 10}, Table.FisherP, 26.0 / 252},
		{"fisher at the floor", Table{NAB: 0, NA: 5, NB: 5, N: 10}, Table.FisherP, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f(tc.t); !near(got, tc.want, 1e-5) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFisherStrongPairIsTiny(t *testing.T) {
	if p := groceries.FisherP(); !(p < 1e-40) || p < 0 {
		t.Errorf("groceries pair p = %g, want a tiny positive number", p)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		t    Table
		ok   bool
	}{
		{"groceries", groceries, true},
		{"decayed", Table{NAB: 1.5, NA: 2.25, NB: 3.1, N: 10.7}, true},
		{"joint above margin", Table{NAB: 6, NA: 5, NB: 9, N: 10}, false},
		{"margins beyond N", Table{NAB: 0, NA: 6, NB: 6, N: 10}, false},
		{"negative", Table{NAB: -1, NA: 5, NB: 5, N: 10}, false},
		{"NaN", Table{NAB: math.NaN(), NA: 5, NB: 5, N: 10}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.t.Check()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrCounts)) {
				t.Errorf("Check() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	tests := []struct {
		t    Table
		want string
	}{
		{groceries, "bought together in 736 orders, 1.5× more often than chance"},
		{Table{NAB: 1, NA: 50, NB: 50, N: 100}, "bought together in 1 order"},
	}
	for _, tc := range tests {
		if got := tc.t.Evidence(); got != tc.want {
			t.Errorf("Evidence() = %q, want %q", got, tc.want)
		}
	}
}

func ExampleTable_All() {
	m := Table{NAB: 736, NA: 1903, NB: 2513, N: 9835}.All()
	fmt.Printf("support %.4f, confidence %.4f, lift %.3f\n", m.Support, m.Confidence, m.Lift)
	// Output: support 0.0748, confidence 0.3868, lift 1.514
}

// TestCheckErrorsReadAsFmt: Check's errors, built without fmt, read as
// fmt.Errorf's did and wrap ErrCounts.
func TestCheckErrorsReadAsFmt(t *testing.T) {
	for _, tc := range []struct {
		t    Table
		want string
	}{
		{Table{NAB: math.NaN(), NA: 2, NB: 3, N: 4}, fmt.Sprintf("%v: counts must be finite and non-negative: %+v", ErrCounts, Table{NAB: math.NaN(), NA: 2, NB: 3, N: 4})},
		{Table{NAB: 5, NA: 2.5, NB: 3, N: 4}, fmt.Sprintf("%v: n_AB %g, n_A %g, n_B %g, N %g", ErrCounts, 5.0, 2.5, 3.0, 4.0)},
	} {
		err := tc.t.Check()
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrCounts) {
			t.Errorf("%+v: %v, want %q wrapping ErrCounts", tc.t, err, tc.want)
		}
	}
	if got, want := (Table{NAB: 312, NA: 400, NB: 500, N: 10000}).Evidence(), fmt.Sprintf("bought together in %d %s, %.1f× more often than chance", 312, "orders", Table{NAB: 312, NA: 400, NB: 500, N: 10000}.Lift()); got != want {
		t.Errorf("evidence %q, want %q", got, want)
	}
}
