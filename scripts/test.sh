#!/bin/bash
# The test suite: install what is missing, build, run the tests (unit,
# kernel build checks, lab tests in two QEMU guests).
#   scripts/test.sh             the default suite (CI): every test but those
#                               labelled "full" (ctest -LE full)
#   scripts/test.sh --full      every test, the "full" ones too
#   scripts/test.sh [ctest arguments, e.g. -L unit or -R lab-link]
#                               what they select, "full" ones included
# The "full" tests cover again, in another mode or with more runs, what the
# default suite covers (tests/*/CMakeLists.txt say how; docs/lab.md).
# When a test fails, the last lines printed are a digest of the lab runs
# of this invocation that did not pass (scripts/lib/lab-digest.sh): CI
# keeps only the tail of the output.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
select=()
if [ "${1:-}" = --full ]; then
	shift
elif [ $# -eq 0 ]; then
	select=(-LE full)
fi
"$repo/scripts/deps.sh"
"$repo/scripts/build.sh"
cd "$repo/build"
mkdir -p lab/runs
stamp=$(mktemp lab/runs/.start.XXXXXX)
trap 'rm -f "$stamp"' EXIT
rc=0
ctest --output-on-failure -j2 "${select[@]}" "$@" || rc=$?
[ "$rc" -eq 0 ] || "$repo/scripts/lib/lab-digest.sh" "$stamp" || true
exit "$rc"
