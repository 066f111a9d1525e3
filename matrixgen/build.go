package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xsell/xsell/matrixgen/internal/compile"
	"github.com/xsell/xsell/matrixgen/internal/eval"
	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

const buildUsage = `Usage: matrixgen build --orders F [options] -o OUT.blob

Compiles the inputs into OUT.blob and writes OUT.manifest.json beside it.
With --shard-pairs, OUT.blob is the head of a sharded blob and its pair
shards go to OUT.shards/<hash>.blob (upload them before the head).
Every input but --orders is optional; "-" reads stdin. Orders come in long
form (one order line per row: order_id,item_id[,quantity,price,time,customer_id]),
as baskets (one order per line, items separated by commas, or by whitespace
when the file has no commas), or as UCI Online Retail (InvoiceNo, StockCode,
Description, Quantity, UnitPrice, CustomerID, ...; cancellations cancel the
customer's earlier purchase). "auto" tells them apart by the header.

Options:
`

type buildFlags struct {
	catalog, orders, format, matrix, policy, feedback, out, created string
	noTriples, raw, quiet                                           bool
	workers                                                         int
	shards                                                          shardFlag
}

func (e *env) build(args []string) error {
	var f buildFlags
	fs := e.flags("build", buildUsage)
	fs.StringVar(&f.orders, "orders", "", "order history `file` (required)")
	fs.StringVar(&f.format, "orders-format", input.FormatAuto, "orders format: "+strings.Join(input.Formats, ", "))
	fs.StringVar(&f.catalog, "catalog", "", "catalog.csv `file` (without it, items come from the orders)")
	fs.StringVar(&f.matrix, "matrix", "", "curated matrix.csv `file`")
	fs.StringVar(&f.policy, "policy", "", "policy.json `file` (defaults: docs/matrixgen.md)")
	fs.StringVar(&f.feedback, "feedback", "", "acceptance export `file` (GET /v1/export of the edge)")
	fs.StringVar(&f.out, "o", "", "output blob `file` (required)")
	fs.StringVar(&f.created, "created", "", "build `time` to record (RFC 3339 or Unix seconds; default now, or $SOURCE_DATE_EPOCH)")
	fs.BoolVar(&f.noTriples, "no-triples", false, "skip mining {A,B}→C rules")
	fs.BoolVar(&f.raw, "raw", false, "store the body uncompressed")
	fs.BoolVar(&f.quiet, "q", false, "print nothing but errors")
	fs.IntVar(&f.workers, "workers", 0, "counting goroutines (0: all cores)")
	fs.Var(&f.shards, "shard-pairs", "cut the pair rows into shards of about `N` pairs (OUT.shards/); 0: one whole blob; auto: shards of 50000 when the blob has over 200000 pairs")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef("unexpected argument %q", pos[0])
	case f.orders == "":
		return usagef("--orders is required")
	case f.out == "":
		return usagef("-o OUT.blob is required")
	case !contains(input.Formats, f.format):
		return usagef("--orders-format %q: want one of %s", f.format, strings.Join(input.Formats, ", "))
	}
	created, err := e.createdTime(f.created)
	if err != nil {
		return err
	}
	stdinUsers := 0
	for _, n := range []string{f.orders, f.catalog, f.matrix, f.policy, f.feedback} {
		if n == "-" {
			stdinUsers++
		}
	}
	if stdinUsers > 1 {
		return usagef("only one input may be read from stdin (-)")
	}

	start := time.Now()
	prog := newProgress(e.stderr, e.terminal && !f.quiet)
	defer prog.done()
	var in compile.Inputs
	var warns input.Warnings
	if f.catalog != "" {
		err = e.readInput(f.catalog, func(name string, r io.Reader) (input.Warnings, error) {
			c, ws, err := input.ReadCatalog(name, r)
			in.Catalog = c
			return ws, err
		}, prog, &warns)
		if err != nil {
			return err
		}
	}
	err = e.readInput(f.orders, func(name string, r io.Reader) (input.Warnings, error) {
		o, ws, err := input.ReadOrders(name, r, f.format)
		in.Orders = o
		return ws, err
	}, prog, &warns)
	if err != nil {
		return err
	}
	if f.matrix != "" {
		if err := e.readInput(f.matrix, func(name string, r io.Reader) (input.Warnings, error) {
			m, ws, err := input.ReadMatrix(name, r)
			in.Matrix = m
			return ws, err
		}, prog, &warns); err != nil {
			return err
		}
	}
	if f.feedback != "" {
		if err := e.readInput(f.feedback, func(name string, r io.Reader) (input.Warnings, error) {
			fb, ws, err := input.ReadFeedback(name, r)
			in.Feedback = fb
			return ws, err
		}, prog, &warns); err != nil {
			return err
		}
	}
	if f.policy != "" {
		if err := e.readInput(f.policy, func(name string, r io.Reader) (input.Warnings, error) {
			p, err := input.ReadPolicy(name, r)
			in.Policy = &p
			return nil, err
		}, prog, &warns); err != nil {
			return err
		}
	}
	opt := compile.Options{
		Created: created, Generator: generatorID, Workers: f.workers, NoTriples: f.noTriples,
		Progress: func(done, total int) { prog.set("mining", int64(done), int64(total)) },
	}
	// What the policy leaves to matrixgen (weights.evidence_power 0) is
	// chosen on a validation split of these orders before mining them all.
	prog.set("tuning", 0, 0)
	pol, tun, err := eval.Tune(in, opt, eval.DefaultTuneConfig())
	if err != nil {
		return err
	}
	in.Policy = &pol
	b, rep, err := compile.Compile(in, opt)
	if err != nil {
		return err
	}
	opts := blob.EncodeOptions{Raw: f.raw}
	head := b
	var enc []byte
	var shards [][]byte
	if n := f.shards.pairsPerShard(len(b.Pairs.To)); n > 0 {
		head, enc, shards, err = engine.EncodeSharded(b, n, opts)
	} else {
		enc, err = blob.Encode(b, opts)
	}
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	man := blob.ManifestFor(head, enc)
	for i := range shards {
		man.Shards[i].Size = int64(len(shards[i]))
	}
	manJSON, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	manPath := manifestPath(f.out)
	// Shards, then the head that vouches for them, then the manifest: a
	// head on disk always has its shards beside it.
	if err := writeShards(f.out, head, shards); err != nil {
		return err
	}
	if err := writeFile(f.out, enc); err != nil {
		return err
	}
	if err := writeFile(manPath, append(manJSON, '\n')); err != nil {
		return err
	}
	if err := pruneShards(f.out, head); err != nil {
		return fmt.Errorf("remove the previous build's shards: %w", err)
	}
	prog.done()
	if !f.quiet {
		warns = append(warns, rep.Warnings...)
		printSummary(e, f.out, manPath, enc, head, rep, tun, warns, time.Since(start))
		if len(shards) > 0 {
			printShards(e, f.out, man.Shards)
		}
	}
	return nil
}

func printShards(e *env, out string, shards []blob.Shard) {
	var total, largest int64
	for _, s := range shards {
		total += s.Size
		largest = max(largest, s.Size)
	}
	fmt.Fprintf(e.stderr, "  sharded   %d pair shards in %s/ (%s, largest %s); upload them before the head\n",
		len(shards), shardDir(out), byteSize(total), byteSize(largest))
}

// readInput opens name, streams it through a progress counter into read,
// and collects the warnings.
// A gzip-compressed file (by its magic bytes) is inflated on the fly.
func (e *env) readInput(name string, read func(string, io.Reader) (input.Warnings, error), prog *progress, warns *input.Warnings) error {
	rc, size, err := e.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	label := "reading " + filepath.Base(displayName(name))
	br := bufio.NewReaderSize(&countingReader{r: rc, total: size, p: prog, label: label}, 64<<10)
	var r io.Reader = sizedReader{br, size}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &input.Error{File: displayName(name), Err: input.Errorf(input.ErrSyntax, "gzip: %v", err)}
		}
		defer zr.Close()
		r = zr
	}
	ws, err := read(displayName(name), r)
	*warns = append(*warns, ws...)
	return err
}

// sizedReader tells the orders reader the input's size (see input.Sizer).
type sizedReader struct {
	io.Reader
	size int64
}

func (s sizedReader) Size() int64 { return s.size }

// createdTime is the build time: the flag, else $SOURCE_DATE_EPOCH (for
// reproducible builds), else now.
func (e *env) createdTime(s string) (int64, error) {
	if s == "" {
		s = os.Getenv("SOURCE_DATE_EPOCH")
	}
	if s == "" {
		return e.now(), nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && v >= 0 {
		return v, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, usagef("--created %q: want RFC 3339 (2025-01-31T12:00:00Z) or Unix seconds", s)
	}
	return t.Unix(), nil
}

// manifestPath puts the manifest beside the blob: shop.blob → shop.manifest.json.
func manifestPath(out string) string {
	return strings.TrimSuffix(out, ".blob") + ".manifest.json"
}

// writeFile replaces path atomically, so a failed run never leaves half a
// blob; it creates the directory when needed.
func writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func printSummary(e *env, out, manPath string, enc []byte, b *blob.Blob, rep *compile.Report, tun *eval.Tuning, warns input.Warnings, took time.Duration) {
	w := e.stderr
	fmt.Fprintf(w, "wrote %s (%s, hash %s…) and %s in %.2fs\n", out, byteSize(int64(len(enc))), b.Header.HashHex()[:12], manPath, took.Seconds())
	src := "catalog"
	if rep.CatalogFromOrders {
		src = "from the orders (no catalog)"
	}
	fmt.Fprintf(w, "  items     %d (%s), %d never ordered\n", rep.Items, src, rep.NeverOrdered)
	fmt.Fprintf(w, "  orders    %d from %d lines, %d customers", rep.Orders, rep.Lines, rep.Customers)
	if rep.Timed {
		fmt.Fprintf(w, ", %s .. %s, half-life %g days", day(b.Stats.From), day(b.Stats.To), b.Stats.HalfLifeDays)
	} else {
		fmt.Fprint(w, ", no times (no decay)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  mined     %d pairs, %d {A,B}→C rules\n", rep.Pairs, rep.Triples)
	fmt.Fprintf(w, "  curated   %d matrix rows, %d feedback rows\n", rep.MatrixRows, rep.FeedbackRows)
	if tun != nil {
		fmt.Fprintf(w, "  tuned     %s\n", tun)
	} else {
		fmt.Fprintf(w, "  evidence  power %g (set by the policy)\n", b.Policy.Weights.EvidencePower)
	}
	if rep.UnknownItems > 0 {
		fmt.Fprintf(w, "  unknown   %d items in the orders are not in the catalog (%d lines left out), e.g. %s\n",
			rep.UnknownItems, rep.UnknownLines, strings.Join(rep.UnknownExamples, ", "))
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "  note      %s\n", s)
	}
	for _, ws := range warns {
		label := "warning"
		if ws.What == input.WarnCancelled {
			label = "note" // what a user of Online Retail expects, not a problem
		}
		fmt.Fprintf(w, "  %-9s %s\n", label, ws)
	}
}

func day(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02") }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
