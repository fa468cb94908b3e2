#!/bin/bash
# The DMA guard must catch the bug t-stress.sh is there to find.  Runs
#   lab/pedma-lab run --env PEDMA_STRESS_INJECT=1 ... t-stress.sh
# where the endpoint loads pedma with test_early_free_rq=1 (a published
# receive is given back before the peer confirmed it stopped using it):
# the peer's eDMA chains then target freed memory.  Passes only if the run
# FAILED and the guard reported the violation ("DMA guard violation" in a
# guest's dmesg or console, or "DMA GUARD:" in model.log).  A run that
# passes, or fails without the guard's line, fails this test.
#
#   tests/lab/lab-stress-guard-bites.sh BUILD_DIR TIMEOUT [pedma-lab options...]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(readlink -m "${1:?usage: $0 BUILD_DIR TIMEOUT [options]}")
TIMEOUT=${2:?usage: $0 BUILD_DIR TIMEOUT [options]}
shift 2
OUT=$BUILD/lab/runs/guard-bites-$(date +%Y%m%d-%H%M%S)-$$
T=$REPO/tests/lab/t-stress.sh

# guard_bit DIR: print the guard's lines of a run's output dir; fail if none.
guard_bit() {
	local d=$1 hits
	hits=$({
		grep -H 'DMA guard violation' "$d"/*.dmesg "$d"/*.console 2>/dev/null
		grep -H 'DMA GUARD:' "$d/model.log" 2>/dev/null
	} | head -n 20) || true
	[ -n "$hits" ] || return 1
	printf '%s\n' "$hits"
}

rc=0
"$REPO/lab/pedma-lab" run --build "$BUILD" --timeout "$TIMEOUT" --out "$OUT" \
	--env PEDMA_STRESS_INJECT=1 --env "PEDMA_STRESS_CYCLES=${PEDMA_STRESS_CYCLES:-20}" \
	--env "PEDMA_STRESS_KILLS=${PEDMA_STRESS_KILLS:-0}" "$@" --host "$T" --ep "$T" &
lab=$!
# The victim of the injected bug may be too broken to finish its script:
# once the model logged a violation, give the guests a few seconds to
# report it and end the run (the launcher cleans up on TERM).
while kill -0 "$lab" 2>/dev/null; do
	if grep -q 'DMA GUARD:' "$OUT/model.log" 2>/dev/null; then
		sleep 5
		kill -TERM "$lab" 2>/dev/null || true
		break
	fi
	sleep 1
done
wait "$lab" || rc=$?
echo
if [ "$rc" -eq 0 ]; then
	echo "lab-stress-guard-bites: FAIL: the run passed: test_early_free_rq=1 went unnoticed (is the parameter there? is the guard?)"
	exit 1
fi
if [ "$rc" -eq 2 ]; then
	echo "lab-stress-guard-bites: FAIL: the launcher could not run (rc 2)"
	exit 1
fi
if ! hits=$(guard_bit "$OUT"); then
	echo "lab-stress-guard-bites: FAIL: the run failed (rc $rc) but not by the DMA guard: no 'DMA guard violation' in $OUT/*.dmesg/*.console, no 'DMA GUARD:' in $OUT/model.log"
	grep -hE 'insmod|Unknown parameter|FAIL' "$OUT"/*.out "$OUT"/*.setup 2>/dev/null | head -n 10 || true
	exit 1
fi
echo "$hits"
# this run failed as it should: scripts/lib/lab-digest.sh leaves it out
touch "$OUT/expected-fail"
echo "lab-stress-guard-bites: PASS: the run failed (rc $rc) and the DMA guard caught the early-freed receive"
