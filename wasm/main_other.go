//go:build !js

// Command xsell is the browser core: built with GOOS=js GOARCH=wasm it
// exposes the engine to web/xsell-core.js (see main_js.go and
// docs/engine.md). Built natively it only says so, which keeps
// `go build ./...` and `go vet ./...` working on every platform.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func run(_ []string, _, _ io.Writer) error {
	return fmt.Errorf("xsell: this is the browser core; build it with GOOS=js GOARCH=wasm (see wasm/scripts/build.sh)")
}
