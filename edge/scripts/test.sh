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
# fuzz NAME: a few seconds of Go's fuzzer. A crasher (a new file under
# edge/api/testdata/fuzz/NAME) fails the run with the fuzzer's output; a
# worker that "hung or terminated unexpectedly" without one is what a
# starved machine looks like (seen once in CI while browsers ran beside
# it), and gets one more try.
fuzz() {
  local f=$1 log="$OUT/fuzz-$1.log" dir=edge/api/testdata/fuzz/$1 before after
  mkdir -p "$OUT"
  for try in 1 2; do
    before=$( (ls "$dir" 2>/dev/null || true) | wc -l)
    if go test -run='^$' -fuzz="^$f\$" -fuzztime="${FUZZTIME:-8s}" ./edge/api >"$log" 2>&1; then
      echo "fuzz $f: ok"
      return 0
    fi
    after=$( (ls "$dir" 2>/dev/null || true) | wc -l)
    tail -25 "$log" >&2
    if [ "$after" != "$before" ] || ! grep -q "hung or terminated unexpectedly" "$log"; then
      echo "fuzz $f: FAILED (input in $dir)" >&2
      return 1
    fi
    echo "fuzz $f: the fuzzer's worker hung without a crasher (try $try)" >&2
  done
  return 1
}
for f in FuzzParseEvents FuzzHandle; do
  fuzz "$f"
done
[ -f edge/build/xsell.wasm ] || ROOT=$ROOT OUT=$OUT edge/scripts/build.sh
if [ ! -d edge/node_modules ]; then
  (cd edge && HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error)
fi
cd edge
HOME=${XSELL_HOME:-$OUT/home} timeout 600 node --test --test-concurrency=1 test/*.test.mjs
