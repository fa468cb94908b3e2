#!/bin/bash
# Loopback: RC QPs connected to QPs on their own side (docs/architecture.md
# §6d), each guest on its own, both at once.  On each side:
#   - tests/verbs/pedma_xfer, server and client on this guest (127.0.0.1):
#     every opcode, sizes to 4 MiB, 1..16 SGEs, 4 QPs, every byte checked;
#   - tests/verbs/pedma_atomic likewise: fetch-add and CAS contention,
#     exact counts, the error cases;
#   - perftest ib_write_bw, ib_read_bw, ib_send_bw to this guest's own
#     address (the whole exchange through the local device);
#   - rping to this guest's own ib0 address (rdma_cm through IPoIB and the
#     embedded SA, CM MADs to our own LID), 10 pings, every buffer checked.
#   - ibv_srq_pingpong -c (targets on an SRQ: receives claimed through the
#     peer), the claims counter moving by every SEND;
#   - the same over UC QPs: pedma_xfer --uc (no RDMA_READ), ib_write_bw and
#     ib_send_bw -c UC, with uc_dropped unchanged (nothing may be dropped),
#     then pedma_errors' UC scenarios (what UC drops: uc_dropped moves by 8);
# Until IPoIB is up, our eDMA must start (next to) no chain: nothing of the
# loopback crosses the link.
# Last, a link loss: while pedma_xfer runs in loopback on the host, the
# endpoint unloads its driver (the host's link goes down) and 5 s later
# loads it again (the link comes back).  The host's loopback QPs do not
# need the link: the run must pass, every byte checked, and the link must
# have gone down and come up again while it ran (else the round proved
# nothing and fails).
set -euo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"

DEV=pedma0
XFER=$PEDMA_BUILD/tests/verbs/pedma_xfer
ATOM=$PEDMA_BUILD/tests/verbs/pedma_atomic
ERRS=$PEDMA_BUILD/tests/verbs/pedma_errors
if [ ! -x "$XFER" ] || [ ! -x "$ATOM" ] || [ ! -x "$ERRS" ]; then fail "tests/verbs programs not built"; fi
lab_wait_port ACTIVE 60 "$DEV" || fail "$DEV port 1 not ACTIVE"
HW=/sys/class/infiniband/$DEV/ports/1/hw_counters
base=$(( $(ib_num "$PEDMA_ROLE") * 100 + 18700 ))
errors=0
bad() {
	echo "FAIL($PEDMA_ROLE): $*"
	errors=$((errors + 1))
}

# pair NAME TIMEOUT CMD...: the server (CMD) and the client (CMD 127.0.0.1)
# on this guest; both must succeed
pair() {
	local name=$1 tmo=$2 spid rc=0
	shift 2
	timeout "$tmo" "$@" >"lo-$name-server.log" 2>&1 &
	spid=$!
	sleep 1
	timeout "$tmo" "$@" 127.0.0.1 >"lo-$name-client.log" 2>&1 || rc=$?
	wait "$spid" || rc=$((rc ? rc : $?))
	tail -n 4 "lo-$name-server.log" "lo-$name-client.log"
	if [ "$rc" -ne 0 ]; then
		cat "lo-$name-server.log" "lo-$name-client.log"
		bad "$name exited with $rc"
	else
		lab_log "$name: PASS"
	fi
}

# ctr NAME: a hardware counter of pedma0
ctr() { cat "$HW/$1"; }
chains0=$(ctr edma_chains_started)
loop0=$(ctr loopback_reqs)
pair xfer 300 "$XFER" -d "$DEV" -p "$base" -n 30 -m 4M --timeout 240
pair atomic 120 "$ATOM" -d "$DEV" -p $((base + 1)) -q 4 -n 100
pair atomic-ext 120 "$ATOM" -d "$DEV" -p $((base + 2)) -q 2 -n 100 -x
for t in ib_write_bw ib_read_bw ib_send_bw; do
	pair "$t" 120 "$t" -d "$DEV" -F -p $((base + 3)) -s 65536 -n 200 --report_gbits
	grep -qE '^ *65536 +200 ' "lo-$t-client.log" || bad "$t: no result line"
done
uc0=$(ctr uc_dropped)
pair xfer-uc 300 "$XFER" -d "$DEV" -p $((base + 5)) --uc -n 20 -m 1M --timeout 240
for t in ib_write_bw ib_send_bw; do
	pair "$t-uc" 120 "$t" -d "$DEV" -F -p $((base + 6)) -c UC -s 65536 -n 200 --report_gbits
	grep -qE '^ *65536 +200 ' "lo-$t-uc-client.log" || bad "$t -c UC: no result line"
done
[ "$(ctr uc_dropped)" = "$uc0" ] || bad "uc_dropped moved from $uc0 to $(ctr uc_dropped) in the UC runs"
# UC drops on our own side: no receive, bad rkey, past the MR, receive too
# short, a UC QP connected to an RC QP (pedma_errors' UC scenarios, each
# followed by RC transfers); the requester dropped exactly 8 messages
uc0=$(ctr uc_dropped)
pair errors-uc 120 "$ERRS" -d "$DEV" -p $((base + 7)) \
	--only uc-drops-no-receive-bad-rkey,uc-send-longer-than-receive,uc-rc-never-talk
[ $(( $(ctr uc_dropped) - uc0 )) -eq 8 ] || bad "uc_dropped moved by $(( $(ctr uc_dropped) - uc0 )) in the UC error runs, expected 8"
# Targets on an SRQ: the peer consumes the SRQ's published ring, so each
# SEND claims its receive through it (pedma_claim.c, a record each way,
# no eDMA): ibv_srq_pingpong -c, 2 QPs on one SRQ per end, both ends here;
# 200 iterations (over both QPs) each way, each SEND a claim
cl0=$(ctr claims)
pair srq 180 ibv_srq_pingpong -d "$DEV" -p $((base + 9)) -q 2 -n 200 -s 1024 -c
for f in lo-srq-server.log lo-srq-client.log; do
	grep -q ' iters in ' "$f" || bad "ibv_srq_pingpong: no summary in $f"
done
[ $(( $(ctr claims) - cl0 )) -ge 400 ] ||
	bad "claims moved by $(( $(ctr claims) - cl0 )) in the SRQ run, expected at least 400"
# Nothing crossed the link (no IPoIB yet): every request counted as
# loopback, and our eDMA started next to no chain (a management datagram
# of the core may cross meanwhile; the loopback requests were thousands)
chains1=$(ctr edma_chains_started)
loop1=$(ctr loopback_reqs)
[ $((chains1 - chains0)) -le 10 ] || bad "edma_chains_started moved by $((chains1 - chains0)): loopback crossed the link"
[ $((loop1 - loop0)) -ge 600 ] || bad "loopback_reqs moved by $((loop1 - loop0)) only"
lab_log "loopback_reqs moved by $((loop1 - loop0)), loopback_bytes $(ctr loopback_bytes), eDMA chains by $((chains1 - chains0))"

# rping over rdma_cm to our own ib0 address
out=$(ipoib_up 2>&1) || { echo "$out"; fail "ipoib_up"; }
RP_COUNT=10
timeout 60 rping -s -a "$IB_SELF4" -p $((base + 4)) -C "$RP_COUNT" -v >lo-rping-server.log 2>&1 &
spid=$!
sleep 1
rc=0
timeout 60 rping -c -a "$IB_SELF4" -p $((base + 4)) -C "$RP_COUNT" -v -V >lo-rping-client.log 2>&1 || rc=$?
wait "$spid" || rc=$((rc ? rc : $?))
if [ "$rc" -ne 0 ]; then
	cat lo-rping-server.log lo-rping-client.log
	bad "rping to $IB_SELF4 exited with $rc"
else
	r=$(ib_check_rping lo-rping-client.log client) || bad "rping client: $r"
	lab_log "rping to our own address: $r"
fi

# A link loss under loopback traffic (see the top)
if [ "$PEDMA_ROLE" = host ]; then
	downs0=$(dmesg | grep -c "$DEV: link down" || true)
	ups0=$(dmesg | grep -c "$DEV: link up" || true)
	# pair in the background; the endpoint is told once both ends connected
	pair xfer-linkloss 300 "$XFER" -d "$DEV" -p $((base + 8)) -n 5000 -m 4M \
		--timeout 240 >lo-linkloss.out 2>&1 &
	ppid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q "connected:" lo-xfer-linkloss-client.log 2>/dev/null && break
		sleep 0.1
	done
	lab_signal lo-linkloss-start
	wait "$ppid" || true
	cat lo-linkloss.out
	grep -q "xfer-linkloss: PASS" lo-linkloss.out || bad "xfer-linkloss failed"
	downs1=$(dmesg | grep -c "$DEV: link down" || true)
	ups1=$(dmesg | grep -c "$DEV: link up" || true)
	lab_signal lo-linkloss-done
	if [ "$downs1" -le "$downs0" ] || [ "$ups1" -le "$ups0" ]; then
		bad "the link went down $((downs1 - downs0)) and up $((ups1 - ups0)) times while the loopback transfers ran, not both"
	else
		lab_log "link loss: the link went down and up during the loopback run, which passed"
	fi
	lab_wait_port ACTIVE 120 "$DEV" || bad "$DEV not ACTIVE again after the link loss"
else
	lab_wait lo-linkloss-start 300 || fail "the host never started the link-loss round"
	sleep 1		# the host's transfers are under way
	pedma_unload || fail "rmmod pedma_lab, pedma"
	lab_log "link loss: pedma unloaded under the host's loopback traffic"
	sleep 5
	pedma_load || fail "insmod pedma, pedma_lab"
	lab_log "link loss: pedma loaded again"
	lab_wait lo-linkloss-done 300 || bad "the host's link-loss round never ended"
	lab_wait_port ACTIVE 120 "$DEV" || bad "$DEV not ACTIVE again after the link loss"
fi

[ "$errors" -eq 0 ] || fail "$errors problems"
finish	# also checks dmesg
