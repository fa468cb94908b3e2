#!/bin/bash
# Runs one ctest test N times in a row and stops at the first run that does
# not pass: the "N consecutive runs" of an acceptance (issue 9: lab-stress,
# lab-unload-reload) or a hunt for a failure that shows only sometimes.
#
#   scripts/lab-series.sh [-b BUILD_DIR] [-o OUT_DIR] TEST N [NAME=VALUE...]
#
# BUILD_DIR defaults to the repository's build/; NAME=VALUE go into the
# test's environment (LAB_NTB=1, LAB_NTB_SHARED=1, LAB_EP_DRIVEN=1 ...).
# Each run takes the lab lock (/tmp/pedma-lab.lock: one lab on the machine
# at a time) and its ctest output goes to OUT_DIR/run-K.log (default
# /tmp/lab-series-TEST); OUT_DIR/summary gets a line per run (time, result,
# seconds, the lab run directory) and the commit tested.  Exit status: 0 when
# all N passed, else 1 (the summary names the failing run).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build
out=

while getopts "b:o:h" opt; do
	case $opt in
	b) build=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '2,15p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,15p' "$0"; exit 2; }
test=$1 n=$2
shift 2
case $n in '' | *[!0-9]*) echo "lab-series: N must be a number" >&2; exit 2 ;; esac
for kv in "$@"; do
	case $kv in
	[A-Za-z_]*=*) ;;
	*) echo "lab-series: '$kv' is not NAME=VALUE" >&2; exit 2 ;;
	esac
done
[ -f "$build/CTestTestfile.cmake" ] || { echo "lab-series: no ctest tree in $build" >&2; exit 2; }
(cd "$build" && ctest -N -R "^$test\$") | grep -q "^Total Tests: 1\$" ||
	{ echo "lab-series: no test '$test' in $build" >&2; exit 2; }
out=${out:-/tmp/lab-series-$test}
mkdir -p "$out"
sum=$out/summary
src=$(sed -n 's/^# Source directory: //p' "$build/CTestTestfile.cmake")
rev=$(git -C "${src:-$repo}" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "${src:-$repo}" status --porcelain --untracked-files=no 2>/dev/null | head -n 1)
printf '%s: %s x%s at %s%s in %s %s\n' "$(date '+%F %T')" "$test" "$n" "$rev" \
	"${dirty:+ (uncommitted changes)}" "$build" "$*" >>"$sum"

# the lab lock, taken for each run and given back between runs (the
# seconds printed are the run's, not the wait's)
exec 9>>/tmp/pedma-lab.lock
for i in $(seq 1 "$n"); do
	flock 9
	t0=$SECONDS
	rc=0
	touch "$out/.start"
	(cd "$build" && env "$@" ctest -R "^$test\$" --output-on-failure) \
		>"$out/run-$i.log" 2>&1 9>&- || rc=$?
	flock -u 9
	# ctest exits 0 for a name it lacks ("No tests were found") and for a
	# skipped test: neither is a pass
	if ! grep -q "tests passed, 0 tests failed out of 1" "$out/run-$i.log" ||
		grep -q "(Skipped)" "$out/run-$i.log"; then
		rc=1
	fi
	# the lab run directory this run made, if any
	run=$(find "$build/lab/runs" -mindepth 1 -maxdepth 1 -type d \
		-newer "$out/.start" 2>/dev/null | sort | tail -n 1 || true)
	printf '%s run %d/%d %s %d s %s\n' "$(date +%T)" "$i" "$n" \
		"$([ "$rc" -eq 0 ] && echo passed || echo FAILED)" "$((SECONDS - t0))" \
		"${run:-}" | tee -a "$sum"
	[ "$rc" -eq 0 ] || { echo "lab-series: run $i failed: $out/run-$i.log" >&2; exit 1; }
done
echo "lab-series: $test passed $n runs in a row" | tee -a "$sum"
