package eval

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/xsell/xsell/matrixgen/internal/compile"
	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

// TuneConfig says how Tune chooses a shop's evidence power.
type TuneConfig struct {
	// ValidationShare is the share of the latest orders held out as
	// validation (the same split rule as the evaluation's test part).
	ValidationShare float64
	// MaxBaskets bounds the validation baskets scored (a seeded subsample),
	// so that tuning a large shop costs one extra mining run, not more.
	MaxBaskets int
	// MinBaskets: with fewer validation baskets of two or more items the
	// choice would be noise, and the default stays.
	MinBaskets int
	// Seed of the subsample.
	Seed uint64
	// Powers are the candidate values of weights.evidence_power.
	Powers []float64
	// Folds is how many validation blocks are scored, latest first, each
	// mined on the orders before it. 1 by default: 2 or 3 moved no choice
	// on the sample data (docs/eval.md) and each costs a mining run.
	Folds int
	// Workers is how many candidates are scored at once.
	Workers int
	// Triples mines {A,B}→C rules for the fit part too. Off by default:
	// they are most of the mining time and move few answers (see
	// docs/eval.md), and the final blob has them either way.
	Triples bool
}

// DefaultTuneConfig: the latest 20% of the orders, at most 2000 baskets
// (at least 100), q from 1 to 4 (the powers the engine computes without
// math.Pow).
func DefaultTuneConfig() TuneConfig {
	return TuneConfig{ValidationShare: 0.2, MaxBaskets: 2000, MinBaskets: 100, Seed: 1, Powers: []float64{1, 2, 3, 4}, Folds: 1, Workers: 2}
}

// Trial is one candidate's score on the validation baskets.
type Trial struct {
	Power float64 `json:"evidence_power"`
	HR3   float64 `json:"hr3"`
	Cov3  float64 `json:"cov3"`
	// SE is the standard error of the HR@3 difference to the best trial
	// (0 for the best itself).
	SE float64 `json:"se"`
}

// Tuning says what Tune chose and why.
type Tuning struct {
	// Chosen is the evidence power written into the policy.
	Chosen float64 `json:"evidence_power"`
	// Why is set when there was no search (too few orders); Trials is then
	// empty.
	Why string `json:"why,omitempty"`
	// Split says how orders were split (by time or position); Fit and Validation count its
	// orders, Baskets and Queries what was scored.
	Split      string  `json:"split"`
	Fit        int     `json:"fit_orders"`
	Folds      int     `json:"folds"`
	Validation int     `json:"validation_orders"`
	Baskets    int     `json:"baskets"`
	Queries    int     `json:"queries"`
	Trials     []Trial `json:"trials,omitempty"`
}

// String is one line for build reports and the blob's policy.
func (t *Tuning) String() string {
	if t.Why != "" {
		return fmt.Sprintf("weights.evidence_power %g (the default: %s)", t.Chosen, t.Why)
	}
	var tr []string
	for _, x := range t.Trials {
		tr = append(tr, fmt.Sprintf("q=%g %.4f±%.4f/%.3f", x.Power, x.HR3, x.SE, x.Cov3))
	}
	if t.Folds > 1 {
		return fmt.Sprintf("weights.evidence_power %g, chosen by HR@3 on the latest %d orders in %d blocks (%d baskets, %d hide-one queries), each block mined on the orders before it, split %s; HR@3±SE/Cov@3: %s",
			t.Chosen, t.Validation, t.Folds, t.Baskets, t.Queries, t.Split, strings.Join(tr, ", "))
	}
	return fmt.Sprintf("weights.evidence_power %g, chosen by HR@3 on the latest %d orders (%d baskets, %d hide-one queries), mined on the %d before, split %s; HR@3±SE/Cov@3: %s",
		t.Chosen, t.Validation, t.Baskets, t.Queries, t.Fit, t.Split, strings.Join(tr, ", "))
}

// Tune chooses the policy's evidence power for in.Orders when the policy
// leaves it to matrixgen (weights.evidence_power 0): it holds out the
// latest ValidationShare of the orders, compiles the rest as Compile would
// (feedback left out: it is not about those orders), runs the hide-one
// protocol of the evaluation through the real engine for each candidate
// power, and keeps the best HR@3 unless another candidate within one
// standard error of it covers more of the catalog (see choose). It returns the policy to compile all the orders with:
// the chosen power set and the trials recorded in Mining.Tuned. A policy
// that sets the power comes back as it is, with a nil Tuning. Tune sees
// only in.Orders: an evaluation passes its training part.
func Tune(in compile.Inputs, opt compile.Options, cfg TuneConfig) (blob.Policy, *Tuning, error) {
	pol := blob.DefaultPolicy()
	if in.Policy != nil {
		pol = *in.Policy
	}
	if pol.Weights.EvidencePower != 0 || in.Orders == nil {
		return pol, nil, nil
	}
	t := &Tuning{Chosen: blob.DefaultEvidencePower}
	settle := func() (blob.Policy, *Tuning, error) {
		pol.Weights.EvidencePower = t.Chosen
		pol.Mining.Tuned = t.String()
		return pol, t, nil
	}
	d := DataOf(in.Orders)
	if in.Catalog != nil {
		for _, it := range in.Catalog.Items {
			d.Catalog = append(d.Catalog, it.ID)
		}
	}
	if len(d.Baskets) < 2 {
		t.Why = fmt.Sprintf("%d orders, too few to hold any out", len(d.Baskets))
		return settle()
	}
	sp, err := SplitOrders(d, cfg.ValidationShare)
	if err != nil {
		t.Why = err.Error()
		return settle()
	}
	t.Split, t.Fit = "by time", len(sp.Train)
	if !sp.ByTime {
		t.Split = "by order position (" + sp.Why + ")"
	}
	// Fold f holds out the f-th latest block of len(sp.Test) orders and
	// mines every order before it (a rolling origin).
	order := append(slices.Clone(sp.Train), sp.Test...)
	v := len(sp.Test)
	// Per validation basket: its queries, and each candidate's hits in it.
	var queries []float64
	hits := make([][]float64, len(cfg.Powers))
	cov := make([]float64, len(cfg.Powers))
	for f := 0; f < max(cfg.Folds, 1); f++ {
		hi := len(order) - f*v
		if hi-v < v { // the fit part would be smaller than what it is tested on
			break
		}
		fit, toFit := restrict(d, order[:hi-v])
		ids, baskets := holdOut(d, fit, toFit, order[hi-v:hi])
		if len(baskets) < cfg.MinBaskets {
			if f == 0 {
				t.Why = fmt.Sprintf("%d validation baskets of two or more items, fewer than %d", len(baskets), cfg.MinBaskets)
				return settle()
			}
			break
		}
		baskets = subsample(baskets, cfg.MaxBaskets, cfg.Seed)
		runs, known, err := tryPowers(in, opt, cfg, &pol, d, fit, ids, baskets)
		if err != nil {
			return pol, nil, err
		}
		t.Folds++
		t.Validation += v
		t.Baskets += len(baskets)
		t.Queries += runs[0].Queries
		for _, st := range runs[0].Baskets {
			queries = append(queries, float64(st.queries))
		}
		for i, r := range runs {
			var shown []int32
			for _, st := range r.Baskets {
				hits[i] = append(hits[i], st.sum[mHR3])
				shown = append(shown, st.shown3...)
			}
			slices.Sort(shown)
			cov[i] += float64(len(slices.Compact(shown))) / float64(known)
		}
	}
	for i, q := range cfg.Powers {
		var h float64
		for _, x := range hits[i] {
			h += x
		}
		t.Trials = append(t.Trials, Trial{Power: q, HR3: h / float64(max(t.Queries, 1)), Cov3: cov[i] / float64(t.Folds)})
	}
	t.Chosen = choose(t.Trials, hits, queries)
	return settle()
}

// choose takes the best HR@3 and then, among the candidates whose HR@3 is
// within one standard error of it, the widest coverage (ties: the smaller
// power). The standard error is that of the paired difference in HR@3 to
// the best, with the basket as the unit (its queries are correlated): on
// validation splits of a few hundred baskets neighbouring powers differ by
// less than that, and then the second criterion, coverage,
// decides instead of noise. It fills in each trial's SE.
func choose(trials []Trial, hits [][]float64, queries []float64) float64 {
	best := 0
	for i, x := range trials {
		if b := trials[best]; x.HR3 > b.HR3 || (x.HR3 == b.HR3 && x.Power < b.Power) {
			best = i
		}
	}
	var nq float64
	for _, q := range queries {
		nq += q
	}
	k := float64(len(queries))
	pick := best
	for i := range trials {
		if i != best && k > 1 && nq > 0 {
			// Cluster-robust variance of the ratio estimator Σd/Σq.
			mean := trials[i].HR3 - trials[best].HR3
			var ss float64
			for j, q := range queries {
				r := hits[i][j] - hits[best][j] - mean*q
				ss += r * r
			}
			trials[i].SE = math.Sqrt(ss*k/(k-1)) / nq
		}
		x, p := trials[i], trials[pick]
		if trials[best].HR3-x.HR3 <= x.SE && (x.Cov3 > p.Cov3 || (x.Cov3 == p.Cov3 && x.Power < p.Power)) {
			pick = i
		}
	}
	return trials[pick].Power
}

// tryPowers compiles the fit part and runs the hide-one protocol on the
// validation baskets once per candidate power. known is what coverage
// counts against, as the evaluation's Cov@3: the fit part's items and the
// catalog's.
func tryPowers(in compile.Inputs, opt compile.Options, cfg TuneConfig, pol *blob.Policy, d, fit *Data, ids []string, baskets [][]int32) ([]MethodRun, int, error) {
	var created int64
	for _, tm := range fit.Time {
		created = max(created, tm)
	}
	fitIn := compile.Inputs{Catalog: in.Catalog, Orders: trainOrders(in.Orders, fit), Matrix: in.Matrix, Policy: pol}
	fopt := opt
	fopt.Created, fopt.Progress = created, nil
	fopt.NoTriples = opt.NoTriples || !cfg.Triples
	b, _, err := compile.Compile(fitIn, fopt)
	if err != nil {
		return nil, 0, fmt.Errorf("tune: compile the fit part: %w", err)
	}
	methods := make([]Method, len(cfg.Powers))
	for i, q := range cfg.Powers {
		bq := *b
		bq.Policy.Weights.EvidencePower = q
		e, err := engine.New(&bq)
		if err != nil {
			return nil, 0, fmt.Errorf("tune: %w", err)
		}
		methods[i] = NewEngineMethod("q="+strconv.FormatFloat(q, 'g', -1, 64), e, ids, b.Created)
	}
	known := len(fit.IDs) + catalogOnly(fit.IDs, d.Catalog)
	return runAll(methods, baskets, cfg.Workers), max(known, 1), nil
}
