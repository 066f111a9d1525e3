package eval

import (
	"cmp"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/compile"
	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

var groceries = filepath.Join("..", "..", "testdata", "sample", "groceries.csv")

// basketsFile writes baskets, one order per line, and reads them back as
// matrixgen does.
func basketsFile(t *testing.T, lines []string) *input.Orders {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baskets.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return readOrders(t, path)
}

func groceryLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(groceries)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func TestTune(t *testing.T) {
	pinned := blob.DefaultPolicy()
	pinned.Weights.EvidencePower = 2
	lines := groceryLines(t)
	cases := []struct {
		name   string
		orders *input.Orders
		policy *blob.Policy
		// want: nil tuning (the policy sets q), the default with a reason,
		// or a search over every candidate.
		pinned, fallback bool
		why              string
		folds            int
	}{
		{name: "the policy sets q: nothing to choose", orders: readOrders(t, groceries), policy: &pinned, pinned: true},
		{name: "50 orders: too few, the default", orders: readOrders(t, timedOrders(t)), fallback: true, why: "10 validation baskets of two or more items, fewer than 100"},
		{name: "groceries: a search", orders: readOrders(t, groceries)},
		{name: "the first 3000 groceries orders: a search", orders: basketsFile(t, lines[:3000])},
		{name: "the first 3000 groceries orders, two validation blocks", orders: basketsFile(t, lines[:3000]), folds: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultTuneConfig()
			if c.folds > 0 {
				cfg.Folds = c.folds
			}
			pol, tun, err := Tune(compile.Inputs{Orders: c.orders, Policy: c.policy}, compile.Options{Workers: 1}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.pinned:
				if tun != nil || pol.Weights.EvidencePower != 2 || pol.Mining.Tuned != "" {
					t.Fatalf("pinned q: tuning %v, power %v, tuned %q; want nil, 2, \"\"", tun, pol.Weights.EvidencePower, pol.Mining.Tuned)
				}
				return
			case tun == nil:
				t.Fatal("no tuning")
			case c.fallback:
				if tun.Chosen != blob.DefaultEvidencePower || tun.Why != c.why || len(tun.Trials) != 0 || pol.Weights.EvidencePower != blob.DefaultEvidencePower {
					t.Fatalf("got %+v, power %v; want the default with the reason %q", tun, pol.Weights.EvidencePower, c.why)
				}
			default:
				var powers []float64
				for _, tr := range tun.Trials {
					powers = append(powers, tr.Power)
					if !(tr.HR3 > 0 && tr.HR3 < 1 && tr.Cov3 > 0 && tr.Cov3 <= 1) {
						t.Errorf("trial %+v out of range", tr)
					}
				}
				// The best HR@3 has no SE; the choice is within its own SE of
				// the best, and no other candidate that is covers more.
				best := slices.MaxFunc(tun.Trials, func(a, b Trial) int { return cmp.Compare(a.HR3, b.HR3) })
				var chosen Trial
				for _, tr := range tun.Trials {
					if tr.Power == tun.Chosen {
						chosen = tr
					}
					if (tr.SE == 0) != (tr.Power == best.Power) {
						t.Errorf("trial %+v: want an SE for every trial but the best (%v)", tr, best.Power)
					}
				}
				if best.HR3-chosen.HR3 > chosen.SE {
					t.Errorf("chose %+v, more than its SE below the best %+v", chosen, best)
				}
				for _, tr := range tun.Trials {
					if best.HR3-tr.HR3 <= tr.SE && tr.Cov3 > chosen.Cov3 {
						t.Errorf("chose %+v, but %+v is as good within its SE and covers more", chosen, tr)
					}
				}
				if !slices.Equal(powers, cfg.Powers) || pol.Weights.EvidencePower != tun.Chosen {
					t.Errorf("trials %+v, chosen %v, policy %v: want every candidate, and the choice in the policy", tun.Trials, tun.Chosen, pol.Weights.EvidencePower)
				}
				v := c.orders.Len() / 5
				if tun.Folds != cfg.Folds || tun.Fit != c.orders.Len()-v || tun.Validation != cfg.Folds*v || tun.Baskets < cfg.MinBaskets || tun.Queries < 2*tun.Baskets {
					t.Errorf("split %+v of %d orders: want %d blocks of the latest 20%% held out", tun, c.orders.Len(), cfg.Folds)
				}
			}
			if pol.Mining.Tuned != tun.String() || !strings.HasPrefix(pol.Mining.Tuned, "weights.evidence_power ") {
				t.Errorf("policy records %q, want %q", pol.Mining.Tuned, tun.String())
			}
			if c.folds == 0 { // determinism, once per kind of case
				again, tun2, err := Tune(compile.Inputs{Orders: c.orders, Policy: c.policy}, compile.Options{Workers: 2}, cfg)
				if err != nil || !reflect.DeepEqual(tun, tun2) || !reflect.DeepEqual(pol, again) {
					t.Errorf("a second run differs: %+v, %v", tun2, err)
				}
			}
		})
	}
}

// TestTuneNoPeeking: the evaluation chooses q on its training part only.
// Two order files share their first 80% (the training part) and differ in
// the rest (the test part): the engine's q, and every validation score that
// chose it, are the same, while the test results differ; and the choice is
// the one Tune makes from the training orders alone.
func TestTuneNoPeeking(t *testing.T) {
	lines := groceryLines(t)[:4000]
	cut := 3200
	other := append(slices.Clone(lines[:cut]), lines[:len(lines)-cut]...) // the test part replaced by earlier orders
	cfg := DefaultConfig()
	cfg.Bootstrap, cfg.MaxTestBaskets = 0, 300
	var tunings []*Tuning
	var results []float64
	for _, ls := range [][]string{lines, other} {
		o := basketsFile(t, ls)
		pol := blob.DefaultPolicy()
		shop := &Shop{Orders: o, Policy: &pol, Workers: 1}
		res, _, err := shop.Evaluate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Train != cut || shop.Tuning == nil {
			t.Fatalf("train %d orders (want %d), tuning %v", res.Train, cut, shop.Tuning)
		}
		if shop.Tuning.Fit+shop.Tuning.Validation != res.Train {
			t.Errorf("tuned on %d + %d orders, want the %d training orders", shop.Tuning.Fit, shop.Tuning.Validation, res.Train)
		}
		tunings = append(tunings, shop.Tuning)
		results = append(results, res.Summary.Est[0][mHR3].Value)
	}
	if !reflect.DeepEqual(tunings[0], tunings[1]) {
		t.Errorf("the test part changed the choice:\n%+v\n%+v", tunings[0], tunings[1])
	}
	if results[0] == results[1] {
		t.Errorf("engine HR@3 %v on both test parts: the test parts do not differ", results[0])
	}
	_, alone, err := Tune(compile.Inputs{Orders: basketsFile(t, lines[:cut])}, compile.Options{Workers: 1}, DefaultTuneConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone, tunings[0]) {
		t.Errorf("Tune on the training orders alone: %+v, the evaluation's: %+v", alone, tunings[0])
	}
}

// choose on hand-made validation results: four baskets of ten queries.
func TestChoose(t *testing.T) {
	queries := []float64{10, 10, 10, 10}
	cases := []struct {
		name string
		// per candidate (powers 1, 2, 3): hits per basket and coverage
		hits [3][]float64
		cov  [3]float64
		want float64
	}{
		{"a clear winner keeps its place whatever the coverage",
			[3][]float64{{1, 1, 1, 1}, {5, 5, 5, 5}, {2, 2, 2, 2}}, [3]float64{0.9, 0.1, 0.9}, 2},
		{"within one SE of the best: the widest coverage",
			[3][]float64{{1, 1, 1, 1}, {6, 4, 6, 4}, {4, 6, 4, 4}}, [3]float64{0.9, 0.1, 0.5}, 3},
		{"a tie on HR@3: the wider coverage",
			[3][]float64{{5, 5, 5, 5}, {5, 5, 5, 5}, {0, 0, 0, 0}}, [3]float64{0.2, 0.3, 0.9}, 2},
		{"within one SE, the same coverage: the smaller power",
			[3][]float64{{0, 0, 0, 0}, {6, 4, 6, 4}, {4, 6, 4, 4}}, [3]float64{0.1, 0.5, 0.5}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trials := make([]Trial, 3)
			for i := range trials {
				var h float64
				for _, x := range c.hits[i] {
					h += x
				}
				trials[i] = Trial{Power: float64(i + 1), HR3: h / 40, Cov3: c.cov[i]}
			}
			if got := choose(trials, c.hits[:], queries); got != c.want {
				t.Errorf("chose q=%v, want %v (trials %+v)", got, c.want, trials)
			}
		})
	}
}
