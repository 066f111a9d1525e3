// Package eval measures suggestion quality offline: it splits real orders by
// time, mines on the earlier part only, hides one item at a time from each
// later basket and checks whether the real engine, and the standard
// baselines, suggest it. `matrixgen eval` is Run.
package eval

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/xsell/xsell/matrixgen/internal/compile"
	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

const usage = `Usage: matrixgen eval --orders F [options]

Offline quality of the suggestions. Splits the orders by time (by their
position in the file when they have no timestamps), compiles a blob from the
earlier part only, and for every later basket with two or more items hides
one item at a time and asks the real engine (placement cart, the rest of the
basket as the cart, the policy's rules on, through the encoded blob) for 5
suggestions. The same protocol runs for the baselines: most popular, raw
co-occurrence count, confidence, lift, cosine and Jaccard, each summed over
the whole cart. Prints HitRate, MRR and NDCG at 1, 3 and 5, catalog coverage
and the share of fallback answers, with bootstrap intervals over baskets, and
the engine's ratio to the best baseline.

Options:
`

// ErrUsage wraps command-line mistakes (the CLI exits 2 on them).
var ErrUsage = errors.New("bad usage")

// Run is matrixgen eval: it parses args, evaluates and prints the
// report to stdout. Usage errors mention the flag.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("matrixgen eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	cfg := DefaultConfig()
	var orders, format, catalog, matrix, policy, now string
	var asJSON, noTriples bool
	var workers int
	fs.StringVar(&orders, "orders", "", "order history `file` (required)")
	fs.StringVar(&format, "orders-format", input.FormatAuto, "orders format: "+strings.Join(input.Formats, ", "))
	fs.StringVar(&catalog, "catalog", "", "catalog.csv `file` (optional: prices, roles, categories for the rules)")
	fs.StringVar(&matrix, "matrix", "", "curated matrix.csv `file` (optional)")
	fs.StringVar(&policy, "policy", "", "policy.json `file` (default: the built-in policy)")
	fs.Float64Var(&cfg.TestFrac, "test-share", cfg.TestFrac, "share of the latest orders held out for testing")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the test-basket subsample and the bootstrap")
	fs.IntVar(&cfg.Bootstrap, "bootstrap", cfg.Bootstrap, "bootstrap replicates over baskets (0: no intervals)")
	fs.IntVar(&cfg.MaxTestBaskets, "max-test-baskets", 0, "evaluate a seeded random subsample of this many test baskets (0: all)")
	fs.IntVar(&cfg.MinCount, "min-count", -1, "support threshold n_AB of the confidence and lift baselines (default: the policy's mining min_count)")
	fs.StringVar(&now, "now", "", "`time` the engine is asked at (RFC 3339 or Unix seconds; default: the last training order's time)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "methods evaluated at once")
	fs.IntVar(&workers, "mine-workers", 0, "mining goroutines (0: all cores)")
	fs.BoolVar(&asJSON, "json", false, "print the results as JSON")
	fs.BoolVar(&noTriples, "no-triples", false, "skip mining {A,B}→C rules for the engine's blob (faster; printed)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	case orders == "":
		fs.Usage()
		return fmt.Errorf("%w: --orders is required", ErrUsage)
	case !(cfg.TestFrac > 0 && cfg.TestFrac < 1):
		return fmt.Errorf("%w: --test-share %v: want a value between 0 and 1", ErrUsage, cfg.TestFrac)
	case cfg.Bootstrap < 0 || cfg.MaxTestBaskets < 0 || cfg.Workers < 1:
		return fmt.Errorf("%w: --bootstrap and --max-test-baskets must be >= 0, --workers >= 1", ErrUsage)
	}
	shop := &Shop{Workers: workers, NoTriples: noTriples}
	var err error
	if shop.Orders, err = readFile(orders, func(name string, r io.Reader) (*input.Orders, input.Warnings, error) {
		return input.ReadOrders(name, r, format)
	}); err != nil {
		return err
	}
	if catalog != "" {
		if shop.Catalog, err = readFile(catalog, input.ReadCatalog); err != nil {
			return err
		}
	}
	if matrix != "" {
		if shop.Matrix, err = readFile(matrix, input.ReadMatrix); err != nil {
			return err
		}
	}
	pol := blob.DefaultPolicy()
	if policy != "" {
		f, err := os.Open(policy)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		pol, err = input.ReadPolicy(policy, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	shop.Policy = &pol
	if cfg.MinCount < 0 {
		cfg.MinCount = max(pol.Mining.MinCount, 1)
	}
	if now != "" {
		if shop.Now, err = parseNow(now); err != nil {
			return err
		}
	}
	res, rep, err := shop.Evaluate(cfg)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		j := res.JSON()
		j.Tuning = shop.Tuning
		return enc.Encode(j)
	}
	fmt.Fprintf(stdout, "orders:     %s (%s): %d orders\n", orders, shop.Orders.Format, res.Orders)
	res.Print(stdout, shop.params(rep, catalog, matrix, policy))
	return nil
}

// Evaluate runs the protocol on the shop's orders with the real engine
// first, then the baselines.
func (s *Shop) Evaluate(cfg Config) (*Result, *compile.Report, error) {
	d := DataOf(s.Orders)
	if s.Catalog != nil {
		for _, it := range s.Catalog.Items {
			d.Catalog = append(d.Catalog, it.ID)
		}
	}
	var rep *compile.Report
	res, err := Evaluate(d, cfg, s.EngineTrainer(&rep))
	if err != nil {
		return nil, nil, err
	}
	return res, rep, nil
}

// params describes the engine's blob and policy for the report.
func (s *Shop) params(rep *compile.Report, catalog, matrix, policy string) string {
	var b strings.Builder
	p := s.Policy
	m := p.Mining
	w := p.Weights
	src := "built-in"
	if policy != "" {
		src = policy
	}
	fmt.Fprintf(&b, "engine:     placement cart, rules on; policy %s: k(cart) %d (asked for %d), max price ratio(cart) %.2f, match tier %v, max per category %d\n",
		src, p.K[blob.PlacementCart], MaxK, p.MaxPriceRatio[blob.PlacementCart], p.MatchTier, p.MaxPerCategory)
	q := "chosen on the training part (below)"
	if w.EvidencePower != 0 {
		q = strconv.FormatFloat(w.EvidencePower, 'g', -1, 64)
	}
	fmt.Fprintf(&b, "            weights: evidence %g, curated %g, margin %g, acceptance %g, gap %g, shrinkage %g, evidence power %s\n",
		w.Evidence, w.Curated, w.Margin, w.Acceptance, w.Gap, w.Shrinkage, q)
	fmt.Fprintf(&b, "mining:     min count %d, neighbours %d, half-life %g days, z %g, triples n_ABC >= %d over at most %d antecedent pairs\n",
		m.MinCount, m.Neighbours, m.HalfLifeDays, m.Confidence, m.TripleMin, m.TriplePairs)
	if s.Tuning != nil {
		fmt.Fprintf(&b, "tuned:      %s (on the training part only)\n", s.Tuning)
	}
	if rep != nil {
		tri := fmt.Sprintf("%d triples", rep.Triples)
		if s.NoTriples {
			tri = "no triples (--no-triples)"
		}
		fmt.Fprintf(&b, "blob:       %d items, %d pairs, %s, %d curated rows (training part only)\n", rep.Items, rep.Pairs, tri, rep.MatrixRows)
	}
	files := []string{}
	if catalog != "" {
		files = append(files, "catalog "+catalog)
	}
	if matrix != "" {
		files = append(files, "matrix "+matrix)
	}
	if len(files) > 0 {
		fmt.Fprintf(&b, "inputs:     %s\n", strings.Join(files, ", "))
	}
	switch {
	case s.Now != 0:
		fmt.Fprintf(&b, "now:        %s (--now)\n", fmtTime(s.Now))
	case s.askedAt != 0:
		fmt.Fprintf(&b, "now:        %s (the last training order)\n", fmtTime(s.askedAt))
	default:
		fmt.Fprintf(&b, "now:        unknown (untimed orders): seasons and curated validity are judged at 1970-01-01; pass --now\n")
	}
	fmt.Fprintf(&b, "go:         %s, %d cores", runtime.Version(), runtime.NumCPU())
	return b.String()
}

func readFile[T any](name string, read func(string, io.Reader) (T, input.Warnings, error)) (T, error) {
	var zero T
	f, err := os.Open(name)
	if err != nil {
		return zero, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	v, _, err := read(name, f)
	if err != nil {
		return zero, err
	}
	return v, nil
}

func parseNow(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), nil
		}
	}
	return 0, fmt.Errorf("eval: --now %q: want RFC 3339 (2011-06-30T12:00:00Z), a date (2011-06-30) or Unix seconds", s)
}
