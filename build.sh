#!/usr/bin/env bash
# xsell build, test, bench and demo. Every subcommand works on a fresh machine:
# it installs what it needs (npm packages, Debian's chromium) and stays offline.
#
#   ./build.sh demo    build everything, run the demo on http://127.0.0.1:8787
#   ./build.sh test    run every test (what CI runs)
#   ./build.sh bench   run every benchmark (prints figures next to baselines)
#   ./build.sh all     build everything (blob, wasm core, worker, web)
#   ./build.sh blob    build the sample blob only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
OUT=$ROOT/.out            # build outputs (ignored by git)
mkdir -p "$OUT"

# Keep wrangler and chromium off the network and out of the real $HOME.
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false
export XSELL_HOME=$OUT/home
mkdir -p "$XSELL_HOME"/{config,cache,data}

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

# ensure_npm DIR: install DIR's locked npm packages when missing or stale.
ensure_npm() {
  local dir=$1
  [ -f "$dir/package.json" ] || return 0
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.stamp" ]; then
    log "npm ci in $dir"
    (cd "$dir" && HOME=$XSELL_HOME npm ci --no-audit --no-fund --loglevel=error) && touch "$dir/node_modules/.stamp"
  fi
}

# ensure_chromium: Debian's chromium for the browser tests.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  log "installing Debian's chromium"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

# The core must stay pure: no platform imports, no wall clock.
check_purity() {
  local bad
  bad=$(go list -f '{{.ImportPath}}: {{join .Imports " "}}' ./wasm/blob/... ./wasm/engine/... 2>/dev/null |
    grep -E '(^|[ :])(syscall/js|os|net|net/http|os/exec)( |$)' || true)
  if [ -n "$bad" ]; then echo "core purity: $bad" >&2; return 1; fi
  if grep -rn --include='*.go' 'time\.Now()' wasm/blob wasm/engine 2>/dev/null | grep -v _test.go; then
    echo "core purity: the core reads the wall clock" >&2; return 1
  fi
}

build_blob() {
  log "matrixgen: sample blob"
  go run ./matrixgen build --orders matrixgen/testdata/sample/online-retail-sample.csv --orders-format online-retail \
    $( [ -f matrixgen/testdata/sample/catalog.csv ] && echo --catalog matrixgen/testdata/sample/catalog.csv ) \
    $( [ -f matrixgen/testdata/sample/matrix.csv ] && echo --matrix matrixgen/testdata/sample/matrix.csv ) \
    $( [ -f matrixgen/testdata/sample/policy.json ] && echo --policy matrixgen/testdata/sample/policy.json ) \
    -o "$OUT/sample.blob"
  echo "sample blob: $OUT/sample.blob (manifest: $OUT/sample.manifest.json)" >&2
}

# Component scripts: each directory owns how it builds, tests and benches.
component() { # component STEP: run <dir>/scripts/STEP.sh for each component that has it
  local step=$1 s
  for s in wasm/scripts/$step.sh web/scripts/$step.sh edge/scripts/$step.sh matrixgen/scripts/$step.sh; do
    [ -x "$s" ] || continue
    log "$s"
    ROOT=$ROOT OUT=$OUT "$s"
  done
}

build_all() {
  build_blob
  component build
}

# Test tally: every runner's results add up to one closing line.
PASSED=0; FAILED=0
tally() { # tally LOGFILE: count go test -v and node --test results
  local p f
  p=$(grep -cE '^\s*--- PASS' "$1" || true); f=$(grep -cE '^\s*--- FAIL' "$1" || true)
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  p=$(awk '/^# pass [0-9]+$/ {s += $3} END {print s+0}' "$1")
  f=$(awk '/^# fail [0-9]+$/ {s += $3} END {print s+0}' "$1")
  PASSED=$((PASSED + ${p:-0})); FAILED=$((FAILED + ${f:-0}))
}

run_stage() { # run_stage NAME CMD...: run, keep the log, count; a crash counts as a failure
  local name=$1; shift
  local logf=$OUT/test-$name.log
  log "test: $name"
  set +e
  "$@" 2>&1 | tee "$logf"
  local rc=${PIPESTATUS[0]}
  set -e
  tally "$logf"
  if [ "$rc" != 0 ]; then
    echo "stage $name failed (exit $rc)" >&2
    grep -qE '^\s*--- FAIL|^# fail [1-9]' "$logf" || FAILED=$((FAILED + 1))
    STAGE_FAILED=1
  fi
}

# fuzz_one PKG NAME TIME: TIME of Go's fuzzer on one target. A crasher (a new
# file under PKG/testdata/fuzz/NAME) fails with the fuzzer's output. A failure
# that wrote none is the fuzzer itself under a starved machine: a worker that
# "hung or terminated unexpectedly", or Go 1.26's coordinator reporting its
# own -fuzztime deadline as "context deadline exceeded" (go.dev/issue/75804,
# fixed in 1.27). That gets one more try. The fuzzer's output is indented so
# the tally does not count a retried run's FAIL line.
fuzz_one() {
  local pkg=$1 name=$2 time=$3 dir=$1/testdata/fuzz/$2 log=$OUT/fuzz-$2.log before after try
  for try in 1 2; do
    before=$( (ls "$dir" 2>/dev/null || true) | wc -l)
    if go test -run='^$' -fuzz="^$name\$" -fuzztime="$time" "./$pkg" >"$log" 2>&1; then
      echo "fuzz $name: ok ($time)"
      return 0
    fi
    after=$( (ls "$dir" 2>/dev/null || true) | wc -l)
    tail -25 "$log" | sed 's/^/  | /'
    if [ "$after" != "$before" ] || ! grep -qE 'hung or terminated unexpectedly|^\s*context deadline exceeded$' "$log"; then
      echo "fuzz $name: FAILED (input in $dir)"
      return 1
    fi
    echo "fuzz $name: the fuzzer failed without a crasher (try $try of 2)"
  done
  return 1
}

# Every parser of bytes from the network or the page, a few seconds each.
fuzz_all() {
  local rc=0
  fuzz_one wasm/blob FuzzDecode "${FUZZTIME:-10s}" || rc=1
  fuzz_one wasm/blob FuzzDecodeShard "${FUZZTIME:-5s}" || rc=1
  fuzz_one wasm/engine FuzzDecodeContext "${FUZZTIME:-5s}" || rc=1
  fuzz_one edge/api FuzzParseEvents "${FUZZTIME:-8s}" || rc=1
  fuzz_one edge/api FuzzHandle "${FUZZTIME:-8s}" || rc=1
  return $rc
}

cmd_test() {
  STAGE_FAILED=0
  check_purity
  go vet ./...
  run_stage go go test -count=1 -v ./...
  export PATH="$PATH:$(go env GOROOT)/lib/wasm"
  run_stage wasm env GOOS=js GOARCH=wasm go test -count=1 -v ./wasm/blob/... ./wasm/engine/...
  run_stage fuzz fuzz_all
  build_all
  [ -d edge/scripts ] && ensure_npm edge
  [ -d web/scripts ] && { ensure_npm web; ensure_chromium; }
  for s in wasm web edge matrixgen; do
    [ -x "$s/scripts/test.sh" ] && run_stage "$s-integration" env ROOT="$ROOT" OUT="$OUT" "$s/scripts/test.sh"
  done
  echo "$PASSED passed, $FAILED failed"
  [ "$STAGE_FAILED" = 0 ] && [ "$FAILED" = 0 ]
}

cmd_bench() {
  go run ./matrixgen bench
  build_all
  [ -d edge/scripts ] && ensure_npm edge
  [ -d web/scripts ] && { ensure_npm web; ensure_chromium; }
  component bench
}

cmd_demo() {
  build_all
  if [ -x edge/scripts/demo.sh ]; then
    ensure_npm edge; ensure_npm web
    exec env ROOT="$ROOT" OUT="$OUT" edge/scripts/demo.sh
  fi
  echo "demo: the edge worker has not landed yet; the sample blob is at $OUT/sample.blob" >&2
}

case "${1:-}" in
  test) cmd_test ;;
  bench) cmd_bench ;;
  demo) cmd_demo ;;
  all) build_all ;;
  blob) build_blob ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
