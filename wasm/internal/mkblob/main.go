// Command mkblob writes synthetic blobs for the browser tests and benchmarks:
// a raw-body blob (what the edge serves under Content-Encoding), the same
// zstd-compressed, and a copy with one body byte flipped (a bad hash).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/internal/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mkblob:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mkblob", flag.ContinueOnError)
	items := fs.Int("items", 20000, "catalog size")
	neighbours := fs.Int("neighbours", 30, "mined neighbours per item")
	seed := fs.Uint64("seed", 1, "random seed")
	dir := fs.String("o", ".", "output directory")
	name := fs.String("name", "synth", "file name prefix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b := synth.Build(synth.Options{Items: *items, Neighbours: *neighbours, Seed: *seed})
	raw, err := blob.Encode(b, blob.EncodeOptions{Raw: true})
	if err != nil {
		return err
	}
	z, err := blob.Recode(raw, false, blob.Limits{})
	if err != nil {
		return err
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)-5] ^= 0x55
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for suffix, data := range map[string][]byte{".blob": raw, ".zst.blob": z, ".bad.blob": bad} {
		p := filepath.Join(*dir, *name+suffix)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %d bytes\n", p, len(data))
	}
	return nil
}
