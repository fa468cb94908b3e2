#!/bin/bash
# The whole test suite: install what is missing, build, run every test
# (unit, kernel build checks, lab tests in two QEMU guests).
#   scripts/test.sh [ctest arguments, e.g. -L unit or -R lab-link]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/deps.sh"
"$repo/scripts/build.sh"
cd "$repo/build"
exec ctest --output-on-failure -j2 "$@"
