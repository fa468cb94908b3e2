#!/bin/bash
# Smoke test of the lab launcher itself (no pedma.ko): two runs of
#   lab/pedma-lab run --no-pedma
# 1. passing scripts: the guests ping each other over the guest link,
#    lab_signal/lab_wait work both ways, a file the host writes into $LAB_OUT
#    is read by the ep;
# 2. the ep script exits 3: the launcher must fail and report ep rc=3.
#
#   tests/lab/lab-selftest.sh [BUILD_DIR]
#
# Uses the eDMA model when BUILD_DIR/lab/model/pedma-lab-model exists, else
# runs without it (--no-model) and says so.  Exits 77 (skip) when the
# machine cannot boot the guests (no QEMU or no lab kernel: scripts/deps.sh).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(readlink -m "${1:-${PEDMA_BUILD:-$REPO/build}}")
LAB=$REPO/lab/pedma-lab
# shellcheck source=lab/lib/kver.sh
. "$REPO/lab/lib/kver.sh"

if ! command -v qemu-system-x86_64 >/dev/null || ! pedma_lab_kver >/dev/null; then
	echo "lab-selftest: SKIP: no qemu-system-x86_64 or no lab kernel (run scripts/deps.sh)"
	exit 77
fi

opts=(--build "$BUILD" --no-pedma --timeout 120)
if [ -x "$BUILD/lab/model/pedma-lab-model" ]; then
	echo "lab-selftest: with the model $BUILD/lab/model/pedma-lab-model"
else
	echo "lab-selftest: NOTE: $BUILD/lab/model/pedma-lab-model not built: running with --no-model"
	opts+=(--no-model)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pedma-lab-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT
runs=$BUILD/lab/runs

cat >"$work/pass-host.sh" <<'EOF'
set -euo pipefail
lab_signal host-up
lab_wait ep-up 60
ping -c 2 -W 5 "$LAB_PEER_IP"
echo "hello from the host $$" >"$LAB_OUT/.from-host.tmp"
mv "$LAB_OUT/.from-host.tmp" "$LAB_OUT/from-host.txt"
lab_signal host-wrote
lab_wait ep-read 60
lab_dmesg_check
lab_log "host ok"
EOF
cat >"$work/pass-ep.sh" <<'EOF'
set -euo pipefail
lab_signal ep-up
lab_wait host-up 60
ping -c 2 -W 5 "$LAB_PEER_IP"
lab_wait host-wrote 60
grep '^hello from the host' "$LAB_OUT/from-host.txt"
lab_signal ep-read
lab_dmesg_check
lab_log "ep ok"
EOF
cat >"$work/fail-host.sh" <<'EOF'
lab_log "host: nothing to do"
EOF
cat >"$work/fail-ep.sh" <<'EOF'
lab_log "ep: exiting with 3 on purpose"
exit 3
EOF

passed=0 failed=0
check() {	# check NAME CONDITION-RESULT
	if [ "$2" -eq 0 ]; then
		echo "lab-selftest: ok: $1"
		passed=$((passed + 1))
	else
		echo "lab-selftest: FAILED: $1"
		failed=$((failed + 1))
	fi
}

# 1. passing run
rc=0
rm -rf "$runs/selftest-pass" "$runs/selftest-fail"
"$LAB" run "${opts[@]}" --out "$runs/selftest-pass" \
	--host "$work/pass-host.sh" --ep "$work/pass-ep.sh" >"$work/pass.log" 2>&1 || rc=$?
cat "$work/pass.log"
ok=1
if [ "$rc" -eq 0 ] && grep -q 'host rc=0, ep rc=0' "$work/pass.log" &&
	grep -q 'host ok' "$runs/selftest-pass/host.out" &&
	grep -q '^hello from the host' "$runs/selftest-pass/ep.out" &&
	grep -q ' 0% packet loss' "$runs/selftest-pass/host.out" &&
	grep -q ' 0% packet loss' "$runs/selftest-pass/ep.out"; then
	ok=0
fi
check "passing run exits 0 (ping, signal/wait, shared file)" "$ok"

# 2. the ep script exits 3
rc=0
"$LAB" run "${opts[@]}" --out "$runs/selftest-fail" \
	--host "$work/fail-host.sh" --ep "$work/fail-ep.sh" >"$work/fail.log" 2>&1 || rc=$?
cat "$work/fail.log"
ok=1
if [ "$rc" -ne 0 ] && grep -q 'host rc=0, ep rc=3' "$work/fail.log" &&
	grep -q 'FAIL: ep script exited with 3' "$work/fail.log"; then
	ok=0
	# failed as it should: scripts/lib/lab-digest.sh leaves it out
	touch "$runs/selftest-fail/expected-fail"
fi
check "run with ep exit 3 fails (launcher rc $rc) and reports ep rc=3" "$ok"

echo "lab-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
