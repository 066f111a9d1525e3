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
	}{
		{name: "the policy sets q: nothing to choose", orders: readOrders(t, groceries), policy: &pinned, pinned: true},
		{name: "50 orders: too few, the default", orders: readOrders(t, timedOrders(t)), fallback: true, why: "10 validation baskets of two or more items, fewer than 100"},
		{name: "groceries: a search", orders: readOrders(t, groceries)},
		// q = 2 and 3 tie on HR@3 here: the coverage decides.
		{name: "the first 3000 groceries orders: a search, a tie", orders: basketsFile(t, lines[:3000])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultTuneConfig()
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
				// Best HR@3, then coverage, then the smaller power.
				ranked := slices.Clone(tun.Trials)
				slices.SortStableFunc(ranked, func(a, b Trial) int {
					switch {
					case a.HR3 != b.HR3:
						return cmp.Compare(b.HR3, a.HR3)
					case a.Cov3 != b.Cov3:
						return cmp.Compare(b.Cov3, a.Cov3)
					}
					return cmp.Compare(a.Power, b.Power)
				})
				best := ranked[0]
				if !slices.Equal(powers, cfg.Powers) || tun.Chosen != best.Power || pol.Weights.EvidencePower != best.Power {
					t.Errorf("trials %+v, chosen %v, policy %v: want every candidate and the best HR@3", tun.Trials, tun.Chosen, pol.Weights.EvidencePower)
				}
				if tun.Fit+tun.Validation != c.orders.Len() || tun.Validation != c.orders.Len()/5 || tun.Baskets < cfg.MinBaskets || tun.Queries < 2*tun.Baskets {
					t.Errorf("split %+v of %d orders: want the latest 20%% held out", tun, c.orders.Len())
				}
			}
			if pol.Mining.Tuned != tun.String() || !strings.HasPrefix(pol.Mining.Tuned, "weights.evidence_power ") {
				t.Errorf("policy records %q, want %q", pol.Mining.Tuned, tun.String())
			}
			again, tun2, err := Tune(compile.Inputs{Orders: c.orders, Policy: c.policy}, compile.Options{Workers: 2}, cfg)
			if err != nil || !reflect.DeepEqual(tun, tun2) || !reflect.DeepEqual(pol, again) {
				t.Errorf("a second run differs: %+v, %v", tun2, err)
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
