#!/bin/bash
# Error completions and recovery (tests/verbs/pedma_errors): bad rkey/lkey,
# out-of-range and access-right violations, RNR, receive too short,
# deregistration under traffic, destroying a busy QP, illegal QP state
# transitions, UC drops (no receive, bad rkey, receive too short, a UC QP
# connected to an RC QP; uc_dropped must move by exactly what was dropped);
# each scenario on fresh QPs, each followed by good transfers
# on fresh QPs.  Round 1: the endpoint is the requester (client) and the
# host the responder (server); round 2 the other way round.
#
# PEDMA_DEV names the device (default pedma0); PEDMA_DEV=rxe0 creates a
# soft-RoCE device on the guests' link (run with --no-pedma; see
# t-errors-rxe.sh).  PEDMA_ERRORS_ARGS adds options to both sides,
# PEDMA_ERRORS_KNOWN_FAIL lists scenarios allowed to fail (XFAIL).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=${PEDMA_DEV:-pedma0}
ERRS=$PEDMA_BUILD/tests/verbs/pedma_errors
[ -x "$ERRS" ] || fail "$ERRS not built"
# shellcheck disable=SC2206
ARGS=(-d "$DEV" ${PEDMA_ERRORS_ARGS:-})
[ -z "${PEDMA_ERRORS_KNOWN_FAIL:-}" ] || ARGS+=(--known-fail "$PEDMA_ERRORS_KNOWN_FAIL")

if [ "$DEV" = rxe0 ] && [ ! -e /sys/class/infiniband/rxe0 ]; then
	modprobe rdma_rxe || fail "modprobe rdma_rxe"
	rdma link add rxe0 type rxe netdev "${LAB_NETDEV:-eth0}" || fail "rdma link add rxe0"
fi
lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV port 1 not ACTIVE"

failed=0
# errors_round N SERVER_ROLE: one run, the server (responder) on SERVER_ROLE
errors_round() {
	local n=$1 server=$2 rc=0
	lab_log "round $n: server (responder) on $server, $DEV"
	if [ "$PEDMA_ROLE" = "$server" ]; then
		"$ERRS" "${ARGS[@]}" -p $((18700 + n)) || rc=$?
	else
		"$ERRS" "${ARGS[@]}" -p $((18700 + n)) "$LAB_PEER_IP" || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		lab_log "round $n: pedma_errors exited with $rc"
		failed=1
	fi
}

UC_HW=/sys/class/infiniband/$DEV/ports/1/hw_counters/uc_dropped
uc0=$(cat "$UC_HW" 2>/dev/null || echo "")
# both rounds run even if the first fails: the lines say which scenarios
errors_round 1 host
errors_round 2 ep
[ "$failed" -eq 0 ] || fail "pedma_errors reported failures (FAIL lines above)"
# Each side was the UC requester once: 4 messages dropped in
# uc-drops-no-receive-bad-rkey, 2 in uc-send-longer-than-receive, 2 in
# uc-rc-never-talk; nothing else of ours is UC.  (rxe has no such counter.)
if [ -n "$uc0" ] && [ -z "${PEDMA_ERRORS_ARGS:-}" ]; then
	uc1=$(cat "$UC_HW")
	[ $((uc1 - uc0)) -eq 8 ] || fail "uc_dropped moved by $((uc1 - uc0)), expected 8"
	lab_log "uc_dropped moved by 8"
fi
finish
