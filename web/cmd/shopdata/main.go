// Command shopdata writes the demo shop's product list as JSON from a blob:
// the best-selling items first, then the anchors of the curated matrix, so
// the demo pages list what the engine actually knows about. The pages fetch
// details and suggestions through the core; this file only lists products.
//
//	go run ./web/cmd/shopdata -blob .out/sample.blob -n 40 -o .out/site/shop/products.json
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "shopdata:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(cfg.blob)
	if err != nil {
		return err
	}
	list, err := build(src, cfg.n)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.blob, err)
	}
	out, err := encode(list)
	if err != nil {
		return err
	}
	if cfg.out == "" || cfg.out == "-" {
		_, err = stdout.Write(out)
		return err
	}
	return os.WriteFile(cfg.out, out, 0o644)
}
