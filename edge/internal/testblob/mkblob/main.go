// Command mkblob writes a test blob: mkblob -seed 1 -items 30 -o file.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/xsell/xsell/edge/internal/testblob"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mkblob:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkblob", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int("seed", 1, "seed: different seeds, different blobs")
	items := fs.Int("items", 30, "catalog size")
	out := fs.String("o", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o is required")
	}
	b, err := testblob.Encode(*seed, *items)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}
