#!/usr/bin/env bash
# Edge benchmark (bounded in time, 127.0.0.1 only): Go worker vs plain-JS
# baseline vs syumai's generated worker under local workerd, then the
# 50,000-request soak, then the worker isolate's own heap over 20,000
# requests (bench/heap.mjs). Figures go to stdout, $OUT/edge-bench.md and
# $OUT/edge-bench.json.
#   BENCH_SECONDS (6) per route, BENCH_CONCURRENCY (8), SOAK_REQUESTS (50000; 0 skips),
#   HEAP_REQUESTS (20000; 0 skips)
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
export ROOT OUT
[ -f "$ROOT/edge/build/xsell.wasm" ] || ROOT=$ROOT OUT=$OUT "$ROOT/edge/scripts/build.sh"
if [ ! -d "$ROOT/edge/node_modules" ]; then
  (cd "$ROOT/edge" && HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error)
fi
cd "$ROOT/edge"
HOME=${XSELL_HOME:-$OUT/home} timeout 1500 node bench/bench.mjs
if [ "${HEAP_REQUESTS:-20000}" != 0 ]; then
  HOME=${XSELL_HOME:-$OUT/home} timeout 600 node bench/heap.mjs
fi
