#!/usr/bin/env bash
# wasm/scripts/test.sh: the JS bridge against the real wasm core, under Node
# (node --test). Builds the core when missing and the test blobs.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
cd "$ROOT"
[ -f "$OUT/site/xsell.wasm" ] && [ -f "$OUT/site/xsell-core.js" ] || ROOT=$ROOT OUT=$OUT wasm/scripts/build.sh
DATA=$OUT/wasm-test
go run ./wasm/internal/mkblob -o "$DATA" -items 500 -neighbours 20 -name small -expect -shard-pairs 2000 >/dev/null
go run ./wasm/internal/mkblob -o "$DATA" -items 300 -neighbours 10 -seed 2 -name other >/dev/null
XSELL_SITE=$OUT/site XSELL_TESTDATA=$DATA node --test wasm/test/
