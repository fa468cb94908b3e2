#!/bin/bash
# Data integrity over RC QPs (tests/verbs/pedma_xfer): every opcode, sizes
# from 0 to 64 MiB, 1..16 SGEs at unaligned places, 4 QPs in flight, every
# byte and the guards around it checked.  Round 1: the host is the server
# (requester first), the endpoint the client; round 2 the other way round,
# waiting for completions through a completion channel.  Rounds 3 and 4: the
# same over UC QPs (--uc: no RDMA_READ), the host then the endpoint the
# server, round 4 through ibv_wr_* and ibv_start_poll (--ext); every UC
# message must arrive (the receives are posted first), so uc_dropped stays
# unchanged on both sides.  pedma_resize resizes a CQ with completions of
# real transfers pending (both roles, the second time an extended CQ),
# then, with -r, reregisters an MR under the peer's RDMA (both roles).
# Then the checker
# checks itself: short runs that corrupt one byte (--inject) must fail with
# the matching message.
#
# PEDMA_DEV names the device (default pedma0).  PEDMA_DEV=rxe0 creates a
# soft-RoCE device on the guests' link instead (run with --no-pedma; see
# t-xfer-rxe.sh): that validates the test itself.  PEDMA_XFER_ARGS adds
# options to both sides (e.g. "-n 50 -m 4M").
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=${PEDMA_DEV:-pedma0}
XFER=$PEDMA_BUILD/tests/verbs/pedma_xfer
[ -x "$XFER" ] || fail "$XFER not built"
# shellcheck disable=SC2206
ARGS=(-d "$DEV" --timeout 300 ${PEDMA_XFER_ARGS:-})

if [ "$DEV" = rxe0 ]; then
	if [ ! -e /sys/class/infiniband/rxe0 ]; then
		modprobe rdma_rxe || fail "modprobe rdma_rxe"
		rdma link add rxe0 type rxe netdev "${LAB_NETDEV:-eth0}" || fail "rdma link add rxe0"
	fi
	# rxe drops packets under TCG: retransmit after 67 ms, not 1 s
	ARGS+=(--ack-timeout 14)
fi
lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV port 1 not ACTIVE"

# xfer_round N SERVER_ROLE [OPTIONS...]: one run, the server on SERVER_ROLE
xfer_round() {
	local n=$1 server=$2 rc=0
	shift 2
	lab_log "round $n: server on $server, $DEV, options: ${ARGS[*]} $*"
	if [ "$PEDMA_ROLE" = "$server" ]; then
		"$XFER" "${ARGS[@]}" -p $((18600 + n)) "$@" || rc=$?
	else
		"$XFER" "${ARGS[@]}" -p $((18600 + n)) "$@" "$LAB_PEER_IP" || rc=$?
	fi
	[ "$rc" -eq 0 ] || fail "pedma_xfer round $n (server on $server) exited with $rc"
	lab_log "round $n: PASS"
}

# selfcheck N WHAT TEXT: a run with one corrupted byte fails; the host (the
# requester, which also prints what the responder found) names TEXT
selfcheck() {
	local n=$1 what=$2 text=$3 out rc=0
	local opts=(-p $((18610 + n)) --phases s2c -n 40 -m 256k -b 0 --full-every 1 --inject "$what")
	if [ "$PEDMA_ROLE" = host ]; then
		out=$("$XFER" "${ARGS[@]}" "${opts[@]}" 2>&1) || rc=$?
	else
		out=$("$XFER" "${ARGS[@]}" "${opts[@]}" "$LAB_PEER_IP" 2>&1) || rc=$?
	fi
	[ "$rc" -ne 0 ] || { echo "$out"; fail "self-check '$what': pedma_xfer did not fail"; }
	if [ "$PEDMA_ROLE" = host ] && ! grep -q "$text" <<<"$out"; then
		echo "$out"
		fail "self-check '$what': no '$text' in the output"
	fi
	lab_log "self-check '$what': detected: $(grep -m1 -o "FAIL.*" <<<"$out" || echo "peer closed")"
}

# resize_round N SERVER_ROLE [OPTIONS...]: pedma_resize (ibv_resize_cq with
# completions of real writes pending, shrink, overflow), the server on
# SERVER_ROLE, the client (the requester, whose CQ is resized) on the other
resize_round() {
	local n=$1 server=$2 rc=0
	shift 2
	lab_log "resize $n: server on $server, $DEV $*"
	if [ "$PEDMA_ROLE" = "$server" ]; then
		"$RESIZE" -d "$DEV" -p $((18620 + n)) "$@" || rc=$?
	else
		"$RESIZE" -d "$DEV" -p $((18620 + n)) "$@" "$LAB_PEER_IP" || rc=$?
	fi
	[ "$rc" -eq 0 ] || fail "pedma_resize $n (server on $server) exited with $rc"
	lab_log "resize $n: PASS"
}
RESIZE=$PEDMA_BUILD/tests/verbs/pedma_resize
[ -x "$RESIZE" ] || fail "$RESIZE not built"

xfer_round 1 host -s 1
xfer_round 2 ep -s 2 --events
UC_HW=/sys/class/infiniband/$DEV/ports/1/hw_counters/uc_dropped
uc0=$(cat "$UC_HW" 2>/dev/null || echo 0)
xfer_round 3 host -s 3 --uc
xfer_round 4 ep -s 4 --uc --ext -n 80 -m 16M
uc1=$(cat "$UC_HW" 2>/dev/null || echo 0)
[ "$uc1" = "$uc0" ] || fail "uc_dropped moved from $uc0 to $uc1 in the UC rounds"
lab_log "UC rounds: uc_dropped unchanged ($uc1)"
resize_round 1 host
resize_round 2 ep -x
# -r: ibv_rereg_mr (translation, access, PD) under the peer's WRITEs and READs
# (rdma_rxe cannot change an MR's translation: pedma only)
if [ "$DEV" = pedma0 ]; then
	resize_round 3 host -r
	resize_round 4 ep -r
fi
selfcheck 1 data "target range: first bad byte"
selfcheck 2 guard "guard byte"
selfcheck 3 recv "received data: first bad byte"
selfcheck 4 read "READ data in the local SGEs: first bad byte"
selfcheck 5 stray "stray write in rbuf"
finish
