#!/usr/bin/env bash
# Build the edge worker: the Go core as WebAssembly (build/xsell.wasm) beside
# Go's wasm_exec.js, which src/go.mjs imports. wrangler bundles the rest.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
cd "$ROOT/edge"
mkdir -p build "$OUT/site"
GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o build/xsell.wasm.tmp .
mv build/xsell.wasm.tmp build/xsell.wasm
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" build/wasm_exec.js
echo "edge: build/xsell.wasm $(wc -c <build/xsell.wasm) bytes" >&2
