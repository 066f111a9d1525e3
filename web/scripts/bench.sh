#!/usr/bin/env bash
# web/scripts/bench.sh: time to first suggestion (cold, warm), bytes over the
# wire, and a recommendation in the page against a round trip to the edge.
# Bounded: 5 minutes at most. Needs what ./build.sh bench builds first.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$ROOT/.out}
export ROOT OUT
cd "$ROOT/web"
timeout 360 node scripts/bench.mjs "$@"
