package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Config is everything that decides the numbers; Report prints it so a run
// can be reproduced.
type Config struct {
	// TestFrac is the share of the latest orders held out for testing.
	TestFrac float64
	// Seed drives the test-basket subsample and the bootstrap.
	Seed uint64
	// Bootstrap is the number of bootstrap replicates (0: no intervals).
	Bootstrap int
	// MaxTestBaskets subsamples the eligible test baskets (0: all).
	MaxTestBaskets int
	// MinCount is the support threshold (n_AB at least) of the confidence
	// and lift baselines, as association-rule miners use.
	MinCount int
	// Workers is how many methods run at once.
	Workers int
}

// DefaultConfig: a 20% test part, 1000 replicates, seed 1.
func DefaultConfig() Config {
	return Config{TestFrac: 0.2, Seed: 1, Bootstrap: 1000, MinCount: 3, Workers: 2}
}

// Trainer builds a method from the training part only: train is the Data
// restricted to the training orders, with its own item numbering (items
// that appear only in the test part are absent). ids is the evaluation's
// item space: train.IDs first, then the items only the test part names,
// then catalog-only items; the method answers in its numbers.
type Trainer func(train *Data, ids []string) (Method, error)

// Result is one evaluation run.
type Result struct {
	Config   Config
	Split    string
	Orders   int
	Train    int
	Test     int
	Eligible int // test baskets with at least two items
	Used     int // after subsampling
	Queries  int
	// Unseen is the share of hidden items that never occur in training:
	// no method can suggest them.
	Unseen float64
	// Known is the catalog the coverage is measured against: the items of
	// the training part and of the catalog file.
	Known   int
	Summary Summary
	Elapsed []time.Duration
	Build   time.Duration
	// Notes are the methods' own diagnostics (e.g. what the price rule
	// forbids), printed under the table.
	Notes []string
}

// Evaluate splits d, trains the engine (first) and the baselines on the
// training part, runs the hide-one protocol on the test part and
// summarises. engine may be nil (baselines only).
func Evaluate(d *Data, cfg Config, engine Trainer, extra ...Trainer) (*Result, error) {
	sp, err := SplitOrders(d, cfg.TestFrac)
	if err != nil {
		return nil, err
	}
	train, toTrain := restrict(d, sp.Train)
	res := &Result{Config: cfg, Split: sp.String(d), Orders: len(d.Baskets), Train: len(sp.Train), Test: len(sp.Test)}

	ids, tests := holdOut(d, train, toTrain, sp.Test)
	nTrain := int32(len(train.IDs))
	res.Eligible = len(tests)
	if res.Eligible == 0 {
		return nil, fmt.Errorf("eval: no test basket has two or more items (%d test orders)", len(sp.Test))
	}
	tests = subsample(tests, cfg.MaxTestBaskets, cfg.Seed)
	res.Used = len(tests)
	var hidden, hiddenUnseen int
	for _, t := range tests {
		for _, it := range t {
			hidden++
			if it >= nTrain {
				hiddenUnseen++
			}
		}
	}
	res.Unseen = float64(hiddenUnseen) / float64(hidden)

	counts := CountPairs(train.Baskets, int(nTrain))
	res.Known = counts.Known() + catalogOnly(train.IDs, d.Catalog)
	var methods []Method
	start := time.Now()
	for _, tr := range append([]Trainer{engine}, extra...) {
		if tr == nil {
			continue
		}
		m, err := tr(train, ids)
		if err != nil {
			return nil, err
		}
		methods = append(methods, m)
	}
	methods = append(methods, Baselines(counts, cfg.MinCount)...)
	res.Build = time.Since(start)

	runs := runAll(methods, tests, cfg.Workers)
	for _, m := range methods {
		if d, ok := m.(interface{ Diagnostics() string }); ok && d.Diagnostics() != "" {
			res.Notes = append(res.Notes, d.Diagnostics())
		}
	}
	for _, r := range runs {
		res.Elapsed = append(res.Elapsed, r.Elapsed)
	}
	res.Queries = runs[0].Queries
	res.Summary = summarize(runs, res.Known, len(ids), cfg.Bootstrap, cfg.Seed)
	if engine == nil {
		// No engine: ratios compare against nothing meaningful.
		for m := range res.Summary.Ratio {
			res.Summary.Best[m] = -1
		}
	}
	return res, nil
}

// Baselines are the standard methods every run compares against.
func Baselines(c *Counts, minCount int) []Method {
	pop := popularOrder(c)
	return []Method{
		NewPopular(c),
		NewPairwise("count", c, measureCount, 1, pop),
		NewPairwise("confidence", c, measureConfidence, minCount, pop),
		NewPairwise("lift", c, measureLift, minCount, pop),
		NewPairwise("cosine", c, measureCosine, 1, pop),
		NewPairwise("jaccard", c, measureJaccard, 1, pop),
	}
}

// restrict returns the Data of the given orders with its own compact item
// numbering, and the map from d's item numbers to it (-1: absent).
func restrict(d *Data, orders []int) (*Data, []int32) {
	to := make([]int32, len(d.IDs))
	for i := range to {
		to[i] = -1
	}
	t := &Data{}
	if d.Time != nil {
		t.Time = make([]int64, 0, len(orders))
	}
	for _, o := range orders {
		b := make([]int32, len(d.Baskets[o]))
		for i, it := range d.Baskets[o] {
			if to[it] < 0 {
				to[it] = int32(len(t.IDs))
				t.IDs = append(t.IDs, d.IDs[it])
			}
			b[i] = to[it]
		}
		t.Baskets = append(t.Baskets, dedupe(b))
		if d.Time != nil {
			t.Time = append(t.Time, d.Time[o])
		}
		t.Order = append(t.Order, o)
	}
	return t, to
}

// holdOut numbers the items of d for methods trained on train (toTrain maps
// d's items to train's, -1 absent, and is completed in place): training
// items, then items only other orders name (they can be hidden but never
// suggested from evidence), then catalog-only items. It returns that item
// space and the held-out orders with two or more distinct items in it.
func holdOut(d, train *Data, toTrain []int32, orders []int) (ids []string, baskets [][]int32) {
	ids = append([]string(nil), train.IDs...)
	for it, n := range toTrain {
		if n < 0 {
			toTrain[it] = int32(len(ids))
			ids = append(ids, d.IDs[it])
		}
	}
	known := make(map[string]bool, len(ids))
	for _, id := range ids {
		known[id] = true
	}
	for _, id := range d.Catalog {
		if !known[id] {
			known[id] = true
			ids = append(ids, id)
		}
	}
	for _, o := range orders {
		b := d.Baskets[o]
		if len(b) < 2 {
			continue
		}
		t := make([]int32, len(b))
		for i, it := range b {
			t[i] = toTrain[it]
		}
		baskets = append(baskets, dedupe(t))
	}
	return ids, baskets
}

// subsample keeps a seeded random max of the baskets, in their order (all
// when max is 0 or there are no more).
func subsample(baskets [][]int32, max int, seed uint64) [][]int32 {
	if max <= 0 || len(baskets) <= max {
		return baskets
	}
	rng := rand.New(rand.NewPCG(seed, 0x7375627361)) // "subsa"
	pick := rng.Perm(len(baskets))[:max]
	slices.Sort(pick)
	sub := make([][]int32, len(pick))
	for i, p := range pick {
		sub[i] = baskets[p]
	}
	return sub
}

// catalogOnly counts the distinct catalog ids that ids lacks: items no
// training order names, which coverage counts as known all the same.
func catalogOnly(ids, catalog []string) int {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	n := 0
	for _, id := range catalog {
		if !seen[id] {
			seen[id] = true
			n++
		}
	}
	return n
}
