#!/bin/bash
# The extended verbs API across the link (tests/verbs/pedma_xfer --ext):
# QPs from ibv_create_qp_ex with send_ops_flags, every WR posted through
# ibv_wr_start/ibv_wr_*/ibv_wr_complete (SGE, SGE list, inline, inline
# list), CQs from ibv_create_cq_ex polled only through ibv_start_poll/
# ibv_next_poll/ibv_end_poll and the ibv_wc_read_* accessors, and
# pedma_xfer's full checks of every byte, guard and completion field.
# Round 1: the host is the server, busy polling; round 2 the endpoint,
# with a completion channel.  Then a run with one corrupted receive byte
# must fail: the checks see what the extended poll delivered.  On pedma, first --ext-refusals:
# ibv_query_device_ex agrees with ibv_query_device (atomic_cap too) and
# claims no completion clock, and completion timestamps, IGNORE_OVERRUN,
# atomics and RDMA ops in a UD QP's send_ops_flags are refused (EOPNOTSUPP).
# Round 3 (pedma0): both sides reloaded with test_rec_room=2, so requests
# wait for record room (also those that rode in an earlier request's chain).
#
# PEDMA_DEV=rxe0 runs the same over soft-RoCE (with --no-pedma) to check
# the test itself; PEDMA_XFER_ARGS adds options to both sides.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=${PEDMA_DEV:-pedma0}
XFER=$PEDMA_BUILD/tests/verbs/pedma_xfer
[ -x "$XFER" ] || fail "$XFER not built"
# shellcheck disable=SC2206
ARGS=(-d "$DEV" --timeout 300 --ext -n 150 -m 16M ${PEDMA_XFER_ARGS:-})

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

opts=(-p 18629 --phases s2c -n 40 -m 256k -b 0 --full-every 1 --inject recv)
rc=0
if [ "$PEDMA_ROLE" = host ]; then
	out=$("$XFER" "${ARGS[@]}" "${opts[@]}" 2>&1) || rc=$?
else
	out=$("$XFER" "${ARGS[@]}" "${opts[@]}" "$LAB_PEER_IP" 2>&1) || rc=$?
fi
[ "$rc" -ne 0 ] || { echo "$out"; fail "self-check: a corrupted receive went unnoticed"; }
if [ "$PEDMA_ROLE" = host ] && ! grep -q "received data: first bad byte" <<<"$out"; then
	echo "$out"
	fail "self-check: no 'received data: first bad byte' in the output"
fi
lab_log "self-check: detected: $(grep -m1 -o "FAIL.*" <<<"$out" || echo "peer closed")"

# Round 3 (pedma only): both sides reload pedma with test_rec_room=2
# (testing only): the record ring counts as full with 2 records the peer
# has not taken, so SENDs and WRITEs with immediate wait for record room,
# before they start and after a chain they rode in (finish_cur()); every
# byte is still checked, and each side must have waited (rec_room_waits).
if [ "$DEV" = pedma0 ]; then
	pedma_unload || fail "rmmod before round 3"
	pedma_load test_rec_room=2 || fail "insmod test_rec_room=2"
	lab_signal "recroom-$PEDMA_ROLE"
	lab_wait "recroom-$PEER_ROLE" 120 || fail "the $PEER_ROLE side never reloaded"
	lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV not ACTIVE after the reload"
	xfer_round 3 host -s 13
	waits=$(cat "/sys/class/infiniband/$DEV/ports/1/hw_counters/rec_room_waits")
	lab_log "round 3: $waits waits for record room"
	[ "$waits" -gt 0 ] || fail "round 3: no request waited for record room (rec_room_waits 0)"
fi
finish
