#!/usr/bin/env bash
# web/scripts/test.sh: the page side's tests with node's test runner.
#   test/loader.test.mjs   the loader's checks of manifest and blob bytes (Node)
#   test/browser.test.mjs  the demo shop in Debian's chromium (playwright-core)
#                          against the edge worker under wrangler dev
# Needs what ./build.sh test prepares: $OUT/site (wasm and web builds),
# $OUT/sample.blob, edge/build and edge/node_modules, /usr/bin/chromium.
# Screenshots land in $OUT/screenshots.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
cd "$ROOT/web"
if [ ! -d node_modules/playwright-core ]; then
  HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error
fi
command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null || { echo "web: /usr/bin/chromium is missing (apt-get install chromium)" >&2; exit 1; }
[ -f "$OUT/site/xsell.wasm" ] || { echo "web: $OUT/site/xsell.wasm is missing (wasm/scripts/build.sh)" >&2; exit 1; }
[ -f "$OUT/site/shop/products.json" ] || { echo "web: $OUT/site/shop/products.json is missing (web/scripts/build.sh)" >&2; exit 1; }
rm -rf "$OUT/screenshots"
export ROOT OUT
# One browser test at a time: they share one worker and two cores.
timeout 900 node --test --test-concurrency=1 test/loader.test.mjs test/browser.test.mjs
