#!/usr/bin/env bash
# wasm/scripts/build.sh: build the browser core into $OUT/site (xsell.wasm,
# Go's wasm_exec.js, web/xsell-core.js) and print its raw/gzip/brotli sizes.
# Adds files only: web/scripts/build.sh puts the rest of the site there.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
SITE=$OUT/site
mkdir -p "$SITE"
cd "$ROOT"
# xsell_lite: blob.Decode without msgpack/zstd/ed25519 (raw bodies only;
# see docs/engine.md "Size"). XSELL_WASM_TAGS= (empty) builds the full decoder.
TAGS=${XSELL_WASM_TAGS-xsell_lite}
if ! GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' ${TAGS:+-tags "$TAGS"} -o "$SITE/xsell.wasm" ./wasm; then
  [ -n "$TAGS" ] || exit 1
  echo "wasm: WARNING: the $TAGS build failed (see above); building the full decoder instead (bigger, slower to load)" >&2
  GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$SITE/xsell.wasm" ./wasm
fi
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$SITE/wasm_exec.js"
cp web/xsell-core.js web/xsell-core.d.ts "$SITE/"
node -e '
const fs = require("fs"), zlib = require("zlib");
const b = fs.readFileSync(process.argv[1]);
const gz = zlib.gzipSync(b, { level: 9 }).length;
const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(0) + " KB";
console.error(`wasm: ${process.argv[1]}: ${kb(b.length)} raw, ${kb(gz)} gzip, ${kb(br)} brotli (goal <= 700 KB brotli)`);
' "$SITE/xsell.wasm"
