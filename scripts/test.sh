#!/bin/bash
# The whole test suite: install what is missing, build, run every test
# (unit, kernel build checks, lab tests in two QEMU guests).
#   scripts/test.sh [ctest arguments, e.g. -L unit or -R lab-link]
# When a test fails, the last lines printed are a digest of the lab runs
# of this invocation that did not pass (scripts/lib/lab-digest.sh): CI
# keeps only the tail of the output.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo/scripts/deps.sh"
"$repo/scripts/build.sh"
cd "$repo/build"
mkdir -p lab/runs
stamp=$(mktemp lab/runs/.start.XXXXXX)
trap 'rm -f "$stamp"' EXIT
rc=0
ctest --output-on-failure -j2 "$@" || rc=$?
[ "$rc" -eq 0 ] || "$repo/scripts/lib/lab-digest.sh" "$stamp" || true
exit "$rc"
