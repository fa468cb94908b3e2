#!/bin/bash
# In-kernel verbs test (tests/kernel/ktest/pedma_ktest.ko) between the two
# guests.  Each side loads the module, they swap "info" (QPN LID GID RKEY
# ADDR LEN) through $LAB_OUT, connect their RC QPs, and the client runs
# SEND, SEND_WITH_IMM, RDMA WRITE, WRITE_WITH_IMM and READ tests, polled and
# notified, against the server, which checks what arrived, and the fast
# registration case (REG_MR, LOCAL_INV, stale keys, SEND_WITH_INV).  Round 1: the host
# is the client; round 2: the endpoint.  In round 1 both sides first run
# "uc": a kernel UC QP connected to itself (READ and atomics refused when
# posted, a SEND without receive and a WRITE with a bad rkey dropped, a
# later SEND received intact) and "loopinv": an RC QP connected to itself
# registers a fast-reg MR, WRITEs through it, invalidates it with a
# SEND_WITH_INV (the receive shows IB_WC_WITH_INVALIDATE) and a WRITE with
# the stale rkey fails.  Round 3 removes the device under a
# bound (unconnected) client.
#
# PEDMA_DEV (default pedma0) picks the device.  PEDMA_DEV=rxe0 first makes a
# soft-RoCE device on the guests' private link, to check the client itself
# without pedma (pedma-lab run --no-pedma with a wrapper that exports it).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

DEV=${PEDMA_DEV:-pedma0}
KO=${KTEST_KO:-$PEDMA_BUILD/tests/kernel/ktest/pedma_ktest.ko}
DBG=/sys/kernel/debug/pedma_ktest
NETDEV=${LAB_NETDEV:-eth0}

[ -f "$KO" ] || fail "$KO not built"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug ||
	fail "no debugfs"

case "$DEV" in
rxe*)
	modprobe rdma_rxe || fail "modprobe rdma_rxe"
	rdma link add "$DEV" type rxe netdev "$NETDEV" || fail "rdma link add $DEV"
	# RoCE without rdma_cm uses the link-local GIDs: wait for the
	# link-local IPv6 address to leave DAD, or its packets are dropped.
	for ((i = 0; i < 100; i++)); do
		a=$(ip -6 addr show dev "$NETDEV" scope link 2>/dev/null) || a=""
		case "$a" in *inet6*) [[ "$a" != *tentative* ]] && break ;; esac
		sleep 0.1
	done
	ip -6 addr show dev "$NETDEV" scope link
	;;
esac

# ktest N CMD: write CMD to the control file (synchronous), log the result.
ktest() {
	local n=$1
	shift
	lab_log "round $n: $*"
	if ! echo "$*" > "$DBG/ctl"; then
		dmesg | grep 'pedma_ktest:' | tail -n 40
		fail "round $n: '$*' failed"
	fi
}

# round N CLIENT: one load, connect, test, unload cycle; CLIENT is host|ep.
round() {
	local n=$1 client=$2 role=server info="" i
	[ "$PEDMA_ROLE" = "$client" ] && role=client
	insmod "$KO" dev="$DEV" role="$role" || fail "round $n: insmod"
	lab_wait_port ACTIVE 60 "$DEV" || fail "round $n: $DEV port not ACTIVE"
	for ((i = 0; i < 100; i++)); do
		info=$(cat "$DBG/info" 2>/dev/null) && break
		sleep 0.1
	done
	[ -n "$info" ] || fail "round $n: module did not bind to $DEV"
	lab_log "round $n: $role, info: $info"
	echo "$info" > "$LAB_OUT/ktest-$n-$PEDMA_ROLE.info"
	lab_signal "ktest-$n-$PEDMA_ROLE-info"
	lab_wait "ktest-$n-$PEER_ROLE-info" 120 || fail "round $n: no info from $PEER_ROLE"
	# QPs of the kernel connected to themselves (loopback): UC refusals
	# and drops; RC fast registration and SEND_WITH_INV
	if [ "$n" -eq 1 ]; then
		ktest "$n" uc
		ktest "$n" loopinv
	fi
	ktest "$n" connect "$(cat "$LAB_OUT/ktest-$n-$PEER_ROLE.info")"
	lab_signal "ktest-$n-$PEDMA_ROLE-connected"
	lab_wait "ktest-$n-$PEER_ROLE-connected" 120 || fail "round $n: $PEER_ROLE did not connect"
	if [ "$role" = client ]; then
		ktest "$n" run all
	else
		ktest "$n" check
	fi
	dmesg | grep -E 'pedma_ktest: (run |check:)' | tail -n 1
	lab_signal "ktest-$n-$PEDMA_ROLE-done"
	lab_wait "ktest-$n-$PEER_ROLE-done" 600 || fail "round $n: $PEER_ROLE did not finish"
	rmmod pedma_ktest || fail "round $n: rmmod"
	[ ! -e "$DBG" ] || fail "round $n: $DBG left behind"
	lab_signal "ktest-$n-$PEDMA_ROLE-unloaded"
	lab_wait "ktest-$n-$PEER_ROLE-unloaded" 60 || fail "round $n: $PEER_ROLE did not unload"
}

round 1 host
round 2 ep

# Round 3: the device goes away under the bound client (its remove callback
# frees everything), then the module unloads.
insmod "$KO" dev="$DEV" role=server || fail "round 3: insmod"
cat "$DBG/info" >/dev/null || fail "round 3: module did not bind to $DEV"
case "$DEV" in
rxe*) rdma link delete "$DEV" || fail "round 3: rdma link delete" ;;
*) rmmod "$PEDMA_BACKEND" || fail "round 3: rmmod $PEDMA_BACKEND" ;;
esac
wait_dmesg "pedma_ktest: $DEV: released" 10 || fail "round 3: no remove callback"
rmmod pedma_ktest || fail "round 3: rmmod pedma_ktest"
lab_log "round 3: device removed under the client, module unloaded"
finish
