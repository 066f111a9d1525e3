#!/usr/bin/env bash
# wasm/scripts/bench.sh: the core's speed. Go benchmarks of Recommend on a
# synthetic 20k items × 30 neighbours blob (carts of 1, 3, 10) and of blob
# decode; then the same blob in headless Chromium through the JS API, beside
# a naive pure-JS baseline. Figures: docs/engine.md.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
cd "$ROOT"
echo "== go: Recommend and decode, 20k items × 30 neighbours ($(nproc) cores, load:$(cut -d' ' -f1-3 /proc/loadavg))" >&2
go test -run '^$' -bench 'Recommend|Decode' -benchtime "${XSELL_BENCHTIME:-2s}" -count 1 ./wasm/engine/ | grep -E '^(Benchmark|cpu:)'
[ -f "$OUT/site/xsell.wasm" ] || ROOT=$ROOT OUT=$OUT wasm/scripts/build.sh
DATA=$OUT/wasm-bench
go run ./wasm/internal/mkblob -o "$DATA" -items 20000 -neighbours 30 -name bench -naive -shard-pairs 30000 >/dev/null
if [ ! -d wasm/bench/node_modules/playwright-core ]; then
  (cd wasm/bench && HOME=${XSELL_HOME:-$OUT/home} npm install --no-audit --no-fund --loglevel=error)
fi
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
echo "== chromium: through the JS API (load:$(cut -d' ' -f1-3 /proc/loadavg))" >&2
timeout 600 node wasm/bench/run.mjs "$OUT/site" "$DATA" "$OUT/bench-wasm.json"
