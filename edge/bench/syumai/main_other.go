//go:build !js

// Command syumai only builds for GOOS=js GOARCH=wasm; see main_js.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "syumai: build with GOOS=js GOARCH=wasm (edge/bench/bench.mjs does)")
	os.Exit(2)
}
