//go:build !js

// Command edge is the Go core of the xsell edge worker; it only runs as
// WebAssembly inside the worker (GOOS=js GOARCH=wasm, see edge/scripts/build.sh).
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Stderr); err != nil {
		os.Exit(2)
	}
}

func run(stderr io.Writer) error {
	err := fmt.Errorf("edge: build with GOOS=js GOARCH=wasm (edge/scripts/build.sh) and run under wrangler")
	fmt.Fprintln(stderr, err)
	return err
}
