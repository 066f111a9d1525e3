#!/usr/bin/env bash
# web/scripts/build.sh: put the page side of xsell into $OUT/site, beside the
# wasm core that wasm/scripts/build.sh copied there (nothing is deleted):
# the loader and widget, the demo shop and dashboard, the vendored chart
# library, and the shop's product list generated from $OUT/sample.blob.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
SITE=$OUT/site
WEB=$ROOT/web
mkdir -p "$SITE/shop" "$SITE/vendor"

cp "$WEB/xsell.js" "$WEB/xsell.d.ts" "$WEB/xsell-widget.js" "$SITE/"
cp -R "$WEB/site/." "$SITE/"

# The core under core/<build>/, immutable (see CORE_BUILD in web/xsell.js):
# a returning page then starts the core from its HTTP cache without asking
# the edge whether the files changed. The copies beside xsell.js stay for
# pages that load the core by its plain name.
if [ -f "$SITE/xsell.wasm" ] && [ -f "$SITE/xsell-core.js" ] && [ -f "$SITE/wasm_exec.js" ]; then
  build=$(cat "$SITE/xsell.wasm" "$SITE/xsell-core.js" "$SITE/wasm_exec.js" | sha256sum | cut -c1-16)
  rm -rf "$SITE/core"
  mkdir -p "$SITE/core/$build"
  cp "$SITE/xsell.wasm" "$SITE/xsell-core.js" "$SITE/wasm_exec.js" "$SITE/core/$build/"
  sed -i "s/^const CORE_BUILD = '';\$/const CORE_BUILD = '$build';/" "$SITE/xsell.js"
  grep -q "^const CORE_BUILD = '$build';\$" "$SITE/xsell.js" || { echo "web: could not stamp the core build into xsell.js" >&2; exit 1; }
  # Workers static assets (and wrangler dev) read _headers (below).
  core_headers=$'/core/*\n  Cache-Control: public, max-age=31536000, immutable\n'
else
  echo "web: the wasm core is missing from $SITE (wasm/scripts/build.sh); xsell.js loads it unversioned" >&2
fi

# The loader, the widget and the demo shop's own files are fresh for 5
# minutes and then served stale while they revalidate (a day): the next
# page of a visit starts its scripts from the HTTP cache instead of a
# round trip per module before its first cards. A page with a loader from
# before a deploy starts the core build it names, which that browser
# already holds (the wasm in the Cache API, the rest immutable). HTML
# pages keep the default: revalidated on each view.
{
  printf '%s' "${core_headers:-}"
  for p in /xsell.js /xsell-widget.js '/shop/*' '/img/*' '/vendor/*'; do
    printf '%s\n  Cache-Control: public, max-age=300, stale-while-revalidate=86400\n' "$p"
  done
} > "$SITE/_headers"

# Chart.js for the dashboard only (see web/package.json for why this one).
if [ ! -f "$WEB/node_modules/chart.js/dist/chart.umd.min.js" ]; then
  (cd "$WEB" && HOME=${XSELL_HOME:-$OUT/home} npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$WEB/node_modules/chart.js/dist/chart.umd.min.js" "$SITE/vendor/chart.umd.min.js"
cp "$WEB/node_modules/chart.js/LICENSE.md" "$SITE/vendor/chart.js.LICENSE.md"

if [ -f "$OUT/sample.blob" ]; then
  (cd "$ROOT" && go run ./web/cmd/shopdata -blob "$OUT/sample.blob" -n 40 -site "$SITE")
else
  echo "web: $OUT/sample.blob missing (run ./build.sh blob); the shop lists no products" >&2
fi
echo "web: site in $SITE" >&2
