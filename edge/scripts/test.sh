#!/usr/bin/env bash
# Edge tests: the Go core's fuzzers for a few seconds each, then the
# integration tests against the real worker under wrangler dev (node --test).
# The Go unit tests run in ./build.sh's `go test ./...` stage.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
export ROOT OUT
cd "$ROOT"
GOOS=js GOARCH=wasm go vet ./edge
for f in FuzzParseEvents FuzzHandle; do
  go test -run='^$' -fuzz="^$f\$" -fuzztime="${FUZZTIME:-8s}" ./edge/api >/dev/null
  echo "fuzz $f: ok"
done
[ -f edge/build/xsell.wasm ] || ROOT=$ROOT OUT=$OUT edge/scripts/build.sh
if [ ! -d edge/node_modules ]; then
  (cd edge && HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error)
fi
cd edge
HOME=${XSELL_HOME:-$OUT/home} timeout 600 node --test --test-concurrency=1 test/*.test.mjs
