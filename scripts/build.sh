#!/bin/bash
# Configure and build everything (provider, model, module, tests) into build/.
#   scripts/build.sh [extra cmake -D options...]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cmake -S "$repo" -B "$repo/build" "$@"
cmake --build "$repo/build" -j"$(nproc 2>/dev/null || echo 2)"
