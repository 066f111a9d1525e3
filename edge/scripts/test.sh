#!/usr/bin/env bash
# Edge tests: the integration tests against the real worker under wrangler
# dev (node --test). The Go unit tests run in ./build.sh's `go test ./...`
# stage and its fuzzers in the `fuzz` stage.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
export ROOT OUT
cd "$ROOT"
GOOS=js GOARCH=wasm go vet ./edge
# Always rebuild (Go caches it): a run after Go changes must not test a stale core.
ROOT=$ROOT OUT=$OUT edge/scripts/build.sh
if [ ! -d edge/node_modules ]; then
  (cd edge && HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error)
fi
cd edge
HOME=${XSELL_HOME:-$OUT/home} timeout 600 node --test --test-concurrency=1 test/*.test.mjs
