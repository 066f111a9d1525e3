package eval

import (
	"fmt"
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
	return TuneConfig{ValidationShare: 0.2, MaxBaskets: 2000, MinBaskets: 100, Seed: 1, Powers: []float64{1, 2, 3, 4}, Workers: 2}
}

// Trial is one candidate's score on the validation baskets.
type Trial struct {
	Power float64 `json:"evidence_power"`
	HR3   float64 `json:"hr3"`
	Cov3  float64 `json:"cov3"`
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
		tr = append(tr, fmt.Sprintf("q=%g %.4f/%.3f", x.Power, x.HR3, x.Cov3))
	}
	return fmt.Sprintf("weights.evidence_power %g, chosen by HR@3 on the latest %d orders (%d baskets, %d hide-one queries), mined on the %d before, split %s; HR@3/Cov@3: %s",
		t.Chosen, t.Validation, t.Baskets, t.Queries, t.Fit, t.Split, strings.Join(tr, ", "))
}

// Tune chooses the policy's evidence power for in.Orders when the policy
// leaves it to matrixgen (weights.evidence_power 0): it holds out the
// latest ValidationShare of the orders, compiles the rest as Compile would
// (feedback left out: it is not about those orders), runs the hide-one
// protocol of the evaluation through the real engine for each candidate
// power, and keeps the best HR@3, ties broken by coverage, then by the
// smaller power. It returns the policy to compile all the orders with:
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
	t.Split, t.Fit, t.Validation = "by time", len(sp.Train), len(sp.Test)
	if !sp.ByTime {
		t.Split = "by order position (" + sp.Why + ")"
	}
	fit, toFit := restrict(d, sp.Train)
	ids, baskets := holdOut(d, fit, toFit, sp.Test)
	if len(baskets) < cfg.MinBaskets {
		t.Why = fmt.Sprintf("%d validation baskets of two or more items, fewer than %d", len(baskets), cfg.MinBaskets)
		return settle()
	}
	baskets = subsample(baskets, cfg.MaxBaskets, cfg.Seed)
	t.Baskets = len(baskets)

	var created int64
	for _, tm := range fit.Time {
		created = max(created, tm)
	}
	fitIn := compile.Inputs{Catalog: in.Catalog, Orders: trainOrders(in.Orders, fit), Matrix: in.Matrix, Policy: &pol}
	fopt := opt
	fopt.Created, fopt.Progress = created, nil
	fopt.NoTriples = opt.NoTriples || !cfg.Triples
	b, _, err := compile.Compile(fitIn, fopt)
	if err != nil {
		return pol, nil, fmt.Errorf("tune: compile the fit part: %w", err)
	}
	methods := make([]Method, len(cfg.Powers))
	for i, q := range cfg.Powers {
		bq := *b
		bq.Policy.Weights.EvidencePower = q
		e, err := engine.New(&bq)
		if err != nil {
			return pol, nil, fmt.Errorf("tune: %w", err)
		}
		methods[i] = NewEngineMethod("q="+strconv.FormatFloat(q, 'g', -1, 64), e, ids, b.Created)
	}
	// Coverage counts against what the evaluation's Cov@3 counts: the fit
	// part's items and the catalog's.
	known := len(fit.IDs)
	inFit := make(map[string]bool, len(fit.IDs))
	for _, id := range fit.IDs {
		inFit[id] = true
	}
	for _, id := range d.Catalog {
		if !inFit[id] {
			inFit[id] = true
			known++
		}
	}
	known = max(known, 1)
	runs := runAll(methods, baskets, cfg.Workers)
	t.Queries = runs[0].Queries
	for i, r := range runs {
		var hits float64
		var shown []int32
		for _, st := range r.Baskets {
			hits += st.sum[mHR3]
			shown = append(shown, st.shown3...)
		}
		slices.Sort(shown)
		t.Trials = append(t.Trials, Trial{Power: cfg.Powers[i], HR3: hits / float64(max(r.Queries, 1)), Cov3: float64(len(slices.Compact(shown))) / float64(known)})
	}
	best := t.Trials[0]
	for _, x := range t.Trials[1:] {
		if x.HR3 > best.HR3 || (x.HR3 == best.HR3 && (x.Cov3 > best.Cov3 || (x.Cov3 == best.Cov3 && x.Power < best.Power))) {
			best = x
		}
	}
	t.Chosen = best.Power
	return settle()
}
