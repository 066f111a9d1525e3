#!/usr/bin/env bash
# wasm/scripts/ab.sh REV_A [REV_B] [ROUNDS]: recommend() in headless
# Chromium, the core built at two git revisions (REV_B default: the work
# tree as it is), alternating fresh browsers (wasm/bench/ab.mjs). Judge an
# engine change for the browser here, not by its Node or native figures.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
A=${1:?usage: wasm/scripts/ab.sh REV_A [REV_B] [ROUNDS]}
B=${2:-}
ROUNDS=${3:-5}
cd "$ROOT"
TMP=$(mktemp -d)
trap 'git worktree remove --force "$TMP/src-a" >/dev/null 2>&1 || true; git worktree remove --force "$TMP/src-b" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
site() { # site SRC DIR: the core and its JS from source tree SRC into DIR
  mkdir -p "$2"
  (cd "$1" && GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -tags xsell_lite -o "$2/xsell.wasm" ./wasm)
  cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$1/web/xsell-core.js" "$2/"
}
git worktree add -q --detach "$TMP/src-a" "$A"
site "$TMP/src-a" "$TMP/a"
if [ -n "$B" ]; then
  git worktree add -q --detach "$TMP/src-b" "$B"
  site "$TMP/src-b" "$TMP/b"
else
  site "$ROOT" "$TMP/b"
fi
DATA=$OUT/wasm-bench
[ -f "$DATA/bench.naive.json" ] || go run ./wasm/internal/mkblob -o "$DATA" -items 20000 -neighbours 30 -name bench -naive -shard-pairs 30000 >/dev/null
[ -d wasm/bench/node_modules/playwright-core ] || (cd wasm/bench && HOME=${XSELL_HOME:-$OUT/home} npm install --no-audit --no-fund --loglevel=error)
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
echo "== A: $A, B: ${B:-work tree}, $ROUNDS rounds (load:$(cut -d' ' -f1-3 /proc/loadavg))" >&2
timeout 1800 node wasm/bench/ab.mjs "$ROUNDS" "$DATA" "$TMP/a" "$TMP/b"
