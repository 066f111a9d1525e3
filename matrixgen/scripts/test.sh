#!/usr/bin/env bash
# matrixgen integration tests: build the real binary and run it as a process
# (exit statuses, stdin, stdout/stderr, the sample blob build.sh made).
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
mkdir -p "$OUT"
cd "$ROOT"
go build -o "$OUT/matrixgen" ./matrixgen
MATRIXGEN="$OUT/matrixgen" OUT="$OUT" go test -count=1 -tags integration -v -run 'Integration' ./matrixgen/
