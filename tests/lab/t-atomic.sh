#!/bin/bash
# RDMA atomics over RC QPs (tests/verbs/pedma_atomic): both sides at once,
# each with 4 QPs hammering the other's counters -- fetch-and-add (the old
# values come back as a permutation, the final count is exact) and
# compare-and-swap contention (likewise) -- then a misaligned address
# (IBV_WC_REM_INV_REQ_ERR) and an MR without REMOTE_ATOMIC
# (IBV_WC_REM_ACCESS_ERR), guard bytes around every result.  Round 1: the
# host is the TCP server; round 2 the endpoint, with 8 QPs, posting through
# the extended API (ibv_wr_atomic_*).  Then the
# responder's counters (rx_atomic_executed) must have moved.  Round 3: both
# sides reload pedma with test_atomic_unchecked=1, so the requester sends
# the two bad atomics without checking them and the responder's own checks
# must refuse them (same completion statuses, rx_atomic_refused moves, the
# counters and guard bytes untouched).
#
# PEDMA_DEV names the device (default pedma0).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=${PEDMA_DEV:-pedma0}
PROG=$PEDMA_BUILD/tests/verbs/pedma_atomic
[ -x "$PROG" ] || fail "$PROG not built"
lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV port 1 not ACTIVE"
HW=/sys/class/infiniband/$DEV/ports/1/hw_counters

ibv_devinfo -v -d "$DEV" | grep -E "atomic_cap" || fail "ibv_devinfo -v"
ibv_devinfo -v -d "$DEV" | grep -q "atomic_cap:.*ATOMIC_HCA" || fail "atomic_cap is not ATOMIC_HCA"
exec0=$(cat "$HW/rx_atomic_executed")

# round N SERVER_ROLE [OPTIONS...]
round() {
	local n=$1 server=$2 rc=0
	shift 2
	lab_log "round $n: server on $server, $*"
	if [ "$PEDMA_ROLE" = "$server" ]; then
		"$PROG" -d "$DEV" -p $((18650 + n)) "$@" || rc=$?
	else
		"$PROG" -d "$DEV" -p $((18650 + n)) "$@" "$LAB_PEER_IP" || rc=$?
	fi
	[ "$rc" -eq 0 ] || fail "pedma_atomic round $n (server on $server) exited with $rc"
	lab_log "round $n: PASS"
}

round 1 host -q 4 -n 200
round 2 ep -q 8 -n 100 -x

exec1=$(cat "$HW/rx_atomic_executed")
# each round: 2 x QPs x iterations at least (CAS retries count too)
[ $((exec1 - exec0)) -ge $((2 * 4 * 200 + 2 * 8 * 100)) ] ||
	fail "rx_atomic_executed moved by $((exec1 - exec0)) only"
lab_log "rx_atomic_executed moved by $((exec1 - exec0)), rx_atomic_refused $(cat "$HW/rx_atomic_refused")"

if [ "$DEV" = pedma0 ]; then
	lab_signal "$PEDMA_ROLE-round2-done"
	lab_wait "$PEER_ROLE-round2-done" 120 || fail "peer never finished round 2"
	# one side after the other: each leaves a link whose peer answers
	[ "$PEDMA_ROLE" = host ] || lab_wait host-reloaded 120 || fail "host never reloaded"
	pedma_unload || fail "rmmod"
	pedma_load test_atomic_unchecked=1 || fail "insmod test_atomic_unchecked=1"
	lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV not ACTIVE after the reload"
	lab_signal "$PEDMA_ROLE-reloaded"
	if [ "$PEDMA_ROLE" = host ]; then
		lab_wait ep-reloaded 120 || fail "ep never reloaded"
		lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV not ACTIVE after the reloads"
	fi
	ref0=$(cat "$HW/rx_atomic_refused")
	round 3 host -q 2 -n 20
	ref1=$(cat "$HW/rx_atomic_refused")
	# the peer sent us one misaligned request and one to an MR without
	# REMOTE_ATOMIC; with its checks on, neither would have crossed
	[ $((ref1 - ref0)) -ge 2 ] || fail "rx_atomic_refused moved by $((ref1 - ref0)), not 2"
	lab_log "round 3: the responder refused $((ref1 - ref0)) unchecked requests"
fi
finish
