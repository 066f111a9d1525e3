// Package bench implements `matrixgen bench`: it generates a synthetic order
// log and, on the same data in one process, times a straightforward
// map[pair]count counter against our miner, then (optionally) the whole
// command line path, and prints wall time, CPU time, peak memory and order
// lines per second side by side.
package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/xsell/xsell/matrixgen/internal/mine"
	"github.com/xsell/xsell/matrixgen/internal/synth"
	"github.com/xsell/xsell/wasm/blob"
)

const usage = `Usage: matrixgen bench [options]

Generates a synthetic order log (seeded: skewed item popularity, lognormal
basket sizes, planted complements) and times, on the same data:
  baseline   a map[pair]count counter (de-duplicate each order, bump a
             map entry per pair, count n_A)
  mine       matrixgen's miner with the blob's default options (exact
             plain and decayed counts, top neighbours, {A,B}→C triples)
  cli        write the log as CSV and run "matrixgen build" on it
             (parse, mine, encode), in a child process
It prints wall and CPU time, peak heap (live objects above the shared
input), order lines per second and the ratio to the baseline.

Options:
`

type config struct {
	sizes     []int
	synth     synth.Config
	workers   int
	baseline  bool
	cli       bool
	triples   bool
	write     string
	tmp       string
	exe       string
	maxOrders int
}

// Run parses args (without the "bench" word) and runs the benchmark, writing
// the table to stdout and progress to stderr.
func Run(args []string, stdout, stderr io.Writer) error {
	cfg := config{synth: synth.Default()}
	fs := flag.NewFlagSet("matrixgen bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	orders := fs.String("orders", "250000,1000000", "order counts to run, comma-separated (each its own log)")
	fs.IntVar(&cfg.synth.Items, "items", cfg.synth.Items, "catalog size")
	fs.Float64Var(&cfg.synth.MeanLines, "lines", cfg.synth.MeanLines, "mean distinct items per order")
	fs.Float64Var(&cfg.synth.Zipf, "zipf", cfg.synth.Zipf, "popularity exponent: the k-th best seller sells ∝ 1/(k+5)^zipf")
	seed := fs.Uint64("seed", cfg.synth.Seed, "random seed")
	fs.IntVar(&cfg.workers, "workers", 0, "mining goroutines (0: GOMAXPROCS)")
	fs.BoolVar(&cfg.baseline, "baseline", true, "run the map[pair]count baseline")
	fs.BoolVar(&cfg.cli, "cli", true, "also time the command line path (CSV → matrixgen build) at the smallest size")
	fs.BoolVar(&cfg.triples, "triples", true, "mine {A,B}→C triples too (a separate row)")
	fs.StringVar(&cfg.write, "write", "", "write the largest log as long-form orders CSV to `file` and keep it")
	fs.StringVar(&cfg.tmp, "tmp", "", "`dir` for the CLI run's files (default: the system temp dir)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return fmt.Errorf("%w: %v (see matrixgen bench --help)", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (see matrixgen bench --help)", ErrUsage, fs.Arg(0))
	}
	cfg.synth.Seed = *seed
	for _, f := range strings.Split(*orders, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(f, "_", "")))
		if err != nil || n < 1 || n > 50_000_000 {
			return fmt.Errorf("%w: --orders: %q is not an order count in 1..50000000", ErrUsage, f)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	return run(cfg, stdout, stderr)
}

// ErrUsage wraps every command-line error Run returns (unknown flag, bad
// value, extra argument), so that the caller can exit with the misuse
// status.
var ErrUsage = errors.New("bench: bad usage")

// row is one line of the table; compare rows get ratios to the baseline.
type row struct {
	name    string
	m       measurement
	lines   int
	note    string
	compare bool
}

func run(cfg config, stdout, stderr io.Writer) error {
	opt := mine.Options{Mining: blob.DefaultPolicy().Mining, Workers: cfg.workers}
	workers := cfg.workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	m := opt.Mining
	fmt.Fprintf(stdout, "matrixgen bench: seed %d, %d items, zipf %.2g, mean %.3g lines/order; %s %s/%s, %d CPUs, %d mining workers\n",
		cfg.synth.Seed, cfg.synth.Items, cfg.synth.Zipf, cfg.synth.MeanLines, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), workers)
	fmt.Fprintf(stdout, "mining options (blob defaults): min_count %d, neighbours %d, half_life_days %g, z %g, triple_min %d, triple_pairs %d, triple_gain %g\n",
		m.MinCount, m.Neighbours, m.HalfLifeDays, m.Confidence, m.TripleMin, m.TriplePairs, mine.DefaultTripleGain)
	if load := loadAverage(); load != "" {
		fmt.Fprintf(stdout, "load average at start: %s (other processes share the CPUs: compare the cpu columns too)\n", load)
	}

	type perSize struct {
		lines int
		ours  measurement
		based measurement
	}
	var sizes []perSize
	for i, n := range cfg.sizes {
		sc := cfg.synth
		sc.Orders = n
		fmt.Fprintf(stderr, "bench: generating %d orders...\n", n)
		var log *synth.Log
		gen, err := measure(func() (err error) { log, err = synth.Generate(sc); return })
		if err != nil {
			return err
		}
		lines := len(log.Items)
		fmt.Fprintf(stdout, "\n%s orders, %s order lines (%.2f per order), generated in %s\n",
			group(n), group(lines), float64(lines)/float64(n), dur(gen.wall))
		baskets := &mine.Baskets{Off: log.Off, Items: log.Items, NItems: log.NItems, Time: log.Time}

		var rows []row
		var base *baselineResult
		if cfg.baseline {
			fmt.Fprintf(stderr, "bench: baseline map[pair]count...\n")
			mm, _ := measure(func() error { base = baseline(log.Off, log.Items, log.NItems); return nil })
			rows = append(rows, row{name: "baseline map[pair]count", m: mm, lines: lines, note: fmt.Sprintf("%s distinct pairs", group(len(base.pairs)))})
		}
		fmt.Fprintf(stderr, "bench: mine, pairs only...\n")
		var res *mine.Result
		pairsOpt := opt
		pairsOpt.NoTriples = true
		mm, err := measure(func() (err error) { res, err = mine.Mine(baskets, pairsOpt); return })
		if err != nil {
			return err
		}
		note := fmt.Sprintf("%s kept pairs", group(len(res.Pairs.To)))
		if base != nil {
			note += ", " + agree(base, res)
		}
		rows = append(rows, row{name: "mine: pairs (plain+decayed)", m: mm, lines: lines, note: note, compare: true})
		ours := mm
		if cfg.triples {
			fmt.Fprintf(stderr, "bench: mine, pairs and triples...\n")
			mm, err := measure(func() (err error) { res, err = mine.Mine(baskets, opt); return })
			if err != nil {
				return err
			}
			rows = append(rows, row{name: "mine: pairs + triples", m: mm, lines: lines, compare: true,
				note: fmt.Sprintf("%s kept pairs, %s triple rules", group(len(res.Pairs.To)), group(len(res.Triples.To)))})
			ours = mm
		}
		res, base = nil, nil
		if cfg.cli && i == 0 {
			rows = append(rows, cliRows(cfg, log, stderr)...)
		}
		if cfg.write != "" && i == len(cfg.sizes)-1 {
			if err := writeFile(cfg.write, log); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", cfg.write)
		}
		printRows(stdout, rows)
		sizes = append(sizes, perSize{lines: lines, ours: ours, based: rows[0].m})
	}
	if len(sizes) > 1 {
		a, b := sizes[0], sizes[len(sizes)-1]
		scale := float64(b.lines) / float64(a.lines)
		ratio := func(x, y time.Duration) float64 { return float64(x) / float64(max(y, 1)) }
		fmt.Fprintf(stdout, "\nlinearity: %.2f× the lines took %.2f× the wall time, %.2f× the cpu (mine, last row)",
			scale, ratio(b.ours.wall, a.ours.wall), ratio(b.ours.cpu, a.ours.cpu))
		if cfg.baseline {
			fmt.Fprintf(stdout, "; %.2f×, %.2f× (baseline)", ratio(b.based.wall, a.based.wall), ratio(b.based.cpu, a.based.cpu))
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "process max RSS: %s\n", size(maxRSS()))
	return nil
}

// agree checks our counts against the baseline's: every n_A, N and every
// kept pair's n_AB.
func agree(base *baselineResult, res *mine.Result) string {
	if base.n != res.Stats.Orders {
		return fmt.Sprintf("COUNTS DIFFER: N %d vs %d", res.Stats.Orders, base.n)
	}
	for x, c := range res.Orders {
		if base.nA[x] != c {
			return fmt.Sprintf("COUNTS DIFFER: n_A of item %d: %d vs %d", x, c, base.nA[x])
		}
	}
	p := &res.Pairs
	for a := 0; a+1 < len(p.Off); a++ {
		for k := p.Off[a]; k < p.Off[a+1]; k++ {
			if want := base.nab(uint32(a), p.To[k]); want != p.NAB[k] {
				return fmt.Sprintf("COUNTS DIFFER: n_AB of %d,%d: %d vs %d", a, p.To[k], p.NAB[k], want)
			}
		}
	}
	return "counts equal the baseline's"
}

func printRows(w io.Writer, rows []row) {
	fmt.Fprintf(w, "  %-28s %9s %9s %12s %9s %7s %7s %7s  %s\n", "run", "wall", "cpu", "peak memory", "lines/s", "speed", "cpu", "memory", "")
	var base *row
	if len(rows) > 0 && strings.HasPrefix(rows[0].name, "baseline") {
		base = &rows[0]
	}
	for _, r := range rows {
		speed, cpu, mem := "", "", ""
		if base != nil && r.compare && r.m.wall > 0 {
			speed = fmt.Sprintf("%.1f×", float64(base.m.wall)/float64(r.m.wall))
			if r.m.cpu > 0 && base.m.cpu > 0 {
				cpu = fmt.Sprintf("%.1f×", float64(base.m.cpu)/float64(r.m.cpu))
			}
			if r.m.peakHeap > 0 && base.m.peakHeap > 0 {
				mem = fmt.Sprintf("%.2f×", float64(r.m.peakHeap)/float64(base.m.peakHeap))
			}
		}
		heap := size(r.m.peakHeap)
		if r.m.rss > 0 {
			heap = size(r.m.rss) + " rss"
		}
		rate := ""
		if r.lines > 0 && r.m.wall > 0 {
			rate = fmt.Sprintf("%.2fM", float64(r.lines)/r.m.wall.Seconds()/1e6)
		}
		fmt.Fprintf(w, "  %-28s %9s %9s %12s %9s %7s %7s %7s  %s\n", r.name, dur(r.m.wall), dur(r.m.cpu), heap, rate, speed, cpu, mem, r.note)
	}
	if base != nil {
		fmt.Fprintln(w, "  speed: baseline wall / wall; cpu: baseline cpu / cpu; memory: peak / baseline peak (heap in use above the")
		fmt.Fprintln(w, "  shared input; the CLI row shows the child's max RSS and is not compared)")
	}
}

func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", d.Seconds()*1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func size(n uint64) string {
	switch {
	case n == 0:
		return "-"
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n < 1<<20:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
}

func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
