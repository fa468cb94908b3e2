#!/bin/bash
# The benchmark: install what is missing, build, then bench/rdma-bench
# (pedma0 against soft-RoCE between the two lab guests; bench/README.md).
#   scripts/bench.sh [rdma-bench options, e.g. --rxe-only]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/deps.sh"
"$repo/scripts/build.sh"
exec "$repo/bench/rdma-bench" --build "$repo/build" "$@"
