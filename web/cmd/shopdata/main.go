// Command shopdata writes the demo shop's product list as JSON from a blob:
// the anchors of the curated matrix, then the best sellers, so the demo
// pages list what the engine actually knows about. With -site it also
// writes a page per product at the catalog's /product/ID URL and a picture
// for every local /img/NAME.svg the catalog names, so every link and image a
// suggestion card shows exists.
//
//	go run ./web/cmd/shopdata -blob .out/sample.blob -n 40 -o .out/site/shop/products.json
//	go run ./web/cmd/shopdata -blob .out/sample.blob -site .out/site
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/xsell/xsell/wasm/blob"
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
	if cfg.site != "" {
		b, err := blob.Decode(src, blob.DecodeOptions{})
		if err != nil {
			return err
		}
		n, err := writeSite(cfg.site, b, out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "shopdata: %d products listed, %d product pages, %d images in %s\n", len(list.Items), n.pages, n.images, cfg.site)
		return nil
	}
	if cfg.out == "" || cfg.out == "-" {
		_, err = stdout.Write(out)
		return err
	}
	return os.WriteFile(cfg.out, out, 0o644)
}
