#!/usr/bin/env bash
# Run the edge locally: build, migrate a D1 persisted under $OUT/edge-demo,
# start wrangler dev on 127.0.0.1:${PORT:-8787} (offline) with the static
# site from $OUT/site, publish $OUT/sample.blob, print the URL. Ctrl-C stops.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
export ROOT OUT
ROOT=$ROOT OUT=$OUT "$ROOT/edge/scripts/build.sh"
if [ ! -d "$ROOT/edge/node_modules" ]; then
  (cd "$ROOT/edge" && HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$ROOT/edge/scripts/demo.mjs"
