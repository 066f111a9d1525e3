#!/usr/bin/env bash
# matrixgen reader benchmark: order lines per second of the CSV reader alone
# (the whole pipeline against a map counter is `matrixgen bench`).
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT"
go test -run '^$' -bench 'ReadOrders' -benchtime 3x ./matrixgen/internal/input/
