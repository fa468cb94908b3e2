#!/bin/bash
# The extended verbs API across the link (tests/verbs/pedma_xfer --ext):
# QPs from ibv_create_qp_ex with send_ops_flags, every WR posted through
# ibv_wr_start/ibv_wr_*/ibv_wr_complete (SGE, SGE list, inline, inline
# list), CQs from ibv_create_cq_ex polled only through ibv_start_poll/
# ibv_next_poll/ibv_end_poll and the ibv_wc_read_* accessors, and
# pedma_xfer's full checks of every byte, guard and completion field.
# Round 1: the host is the server, busy polling; round 2 the endpoint,
# with a completion channel.  On pedma, first --ext-refusals:
# ibv_query_device_ex agrees with ibv_query_device and claims no atomics
# and no completion clock, and completion timestamps, IGNORE_OVERRUN,
# atomics in send_ops_flags and RDMA ops on UD are refused (EOPNOTSUPP).
#
# PEDMA_DEV=rxe0 runs the same over soft-RoCE (with --no-pedma) to check
# the test itself; PEDMA_XFER_ARGS adds options to both sides.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=${PEDMA_DEV:-pedma0}
XFER=$PEDMA_BUILD/tests/verbs/pedma_xfer
[ -x "$XFER" ] || fail "$XFER not built"
# shellcheck disable=SC2206
ARGS=(-d "$DEV" --timeout 300 --ext -n 60 -m 4M ${PEDMA_XFER_ARGS:-})

if [ "$DEV" = rxe0 ]; then
	if [ ! -e /sys/class/infiniband/rxe0 ]; then
		modprobe rdma_rxe || fail "modprobe rdma_rxe"
		rdma link add rxe0 type rxe netdev "${LAB_NETDEV:-eth0}" || fail "rdma link add rxe0"
	fi
	ARGS+=(--ack-timeout 14)
else
	ARGS+=(--ext-refusals)
fi
lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV port 1 not ACTIVE"

xfer_round() {
	local n=$1 server=$2 rc=0
	shift 2
	lab_log "round $n: server on $server, $DEV, options: ${ARGS[*]} $*"
	if [ "$PEDMA_ROLE" = "$server" ]; then
		"$XFER" "${ARGS[@]}" -p $((18620 + n)) "$@" || rc=$?
	else
		"$XFER" "${ARGS[@]}" -p $((18620 + n)) "$@" "$LAB_PEER_IP" || rc=$?
	fi
	[ "$rc" -eq 0 ] || fail "pedma_xfer --ext round $n (server on $server) exited with $rc"
	lab_log "round $n: PASS"
}

xfer_round 1 host -s 11
xfer_round 2 ep -s 12 --events
finish
