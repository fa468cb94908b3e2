#!/bin/bash
# UD and multicast between the guests over $PEDMA_DEV (default pedma0):
#   - on an InfiniBand port: the port attributes (ibstat, ibv_devinfo,
#     sysfs: ACTIVE, LID host 1 / ep 2, SM LID 1, P_Key 0xffff);
#   - ibv_ud_pingpong -c (the receiver checks the data) at the largest size
#     the port's MTU allows (at most 2048, the tool's default) x 1000 and at
#     64 B x 2000, polling and with -e (completion events), the server on the
#     host and then on the endpoint: exit status, the "bytes/iters in"
#     summaries on both sides, and on InfiniBand the LIDs each side printed;
#     on InfiniBand also with a GRH (-g 0) at the large size;
#   - multicast with mckey (rdma_cm joins an IP multicast group: through the
#     SA on InfiniBand, resolved through IPoIB): the receiving side joins
#     with 2 QPs, the sending side with a receiver of its own (1 QP, see
#     MC_LOCAL) and then the sender, which sends MC_COUNT datagrams to the group; every
#     receiving QP must get all of them (mckey's receiver waits for that
#     many completions: a lost datagram leaves it waiting, and it is killed
#     and reported); on InfiniBand the group's MLID must be a multicast LID.
#     Both directions.
#   - same-side UD: ibv_ud_pingpong -c with server and client on the same
#     guest (the client's address handle names its own LID), on both guests
#     at once: on pedma each datagram claims a receive the QP published to
#     the peer, which takes it and answers; the claims counter must grow;
# dmesg is checked after every run on both sides; a failure is recorded and
# the rest still runs.
#
# t-ud-rxe.sh runs the same over rdma_rxe on the virtio-net link
# (PEDMA_DEV=rxe0; UD there needs a GID index: -g, chosen by pt_setup).
set -euo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"

TMO=60			# one program's limit (the longest on rxe: 15 s)
MC_COUNT=${MC_COUNT:-100}	# datagrams per multicast run
MC_SIZE=${MC_SIZE:-256}		# bytes each
# 1 (default): a receiver on the sending side too (multicast loopback;
# on pedma each of its datagrams claims a receive through the peer,
# docs/architecture.md section 4c)
MC_LOCAL=${MC_LOCAL:-1}

# ib_check_ud LOG SIDE: pt_pingpong_check; on InfiniBand also the LIDs of
# the "local address" and "remote address" lines.
ib_check_ud() {
	local log=$1 side=$2 info l r
	info=$(pt_pingpong_check "$log" "$side") || { echo "$info"; return 1; }
	if [ "$PT_LINK" = InfiniBand ]; then
		l=$(sed -n 's/.*local address: *LID \(0x[0-9a-f]*\).*/\1/p' "$log")
		r=$(sed -n 's/.*remote address: *LID \(0x[0-9a-f]*\).*/\1/p' "$log")
		if [ -z "$l" ] || [ -z "$r" ] || [ "$((l))" != "$IB_LID_SELF" ] || [ "$((r))" != "$IB_LID_PEER" ]; then
			echo "LIDs local ${l:-?} remote ${r:-?}, expected $IB_LID_SELF and $IB_LID_PEER"
			return 1
		fi
		info="$info; LIDs $l -> $r"
	fi
	echo "$info"
}

# mc_joined LOG: number of groups mckey joined so far.
mc_joined() {
	local n
	n=$(grep -c '^mckey: joined dgid' "$1" 2>/dev/null) || n=0
	echo "$n"
}

# mc_check LOG ROLE_IN_RUN QPS: mckey's output: QPS joins (with a multicast
# LID on InfiniBand), "data transfers complete", "return status 0".
mc_check() {
	local log=$1 what=$2 qps=$3 mlid bad=""
	[ "$(mc_joined "$log")" = "$qps" ] || bad+=" [$(mc_joined "$log") of $qps joins]"
	if [ "$PT_LINK" = InfiniBand ]; then
		while read -r mlid; do
			if [ "$((mlid))" -lt $((0xc000)) ] || [ "$((mlid))" -ge $((0xffff)) ]; then
				bad+=" [mlid $mlid is not a multicast LID]"
			fi
		done < <(sed -n 's/^mckey: joined dgid: .* mlid \(0x[0-9a-f]*\).*/\1/p' "$log")
	fi
	grep -q '^data transfers complete' "$log" || bad+=" [no 'data transfers complete']"
	grep -q '^return status 0$' "$log" || bad+=" [no 'return status 0']"
	if grep -Eq 'fail|error|unable' "$log"; then
		bad+=" [$(grep -E 'fail|error|unable' "$log" | head -n 2 | tr '\n' ' ')]"
	fi
	if [ -n "$bad" ]; then
		echo "$what:$bad"
		return 1
	fi
	case "$what" in
	sender) echo "sender: $MC_COUNT datagrams sent" ;;
	*) echo "$what: $qps QP(s) joined, each received all $MC_COUNT datagrams" ;;
	esac
}

# mc_receiver LOG QPS: start mckey receiving with QPS QPs (MC_PID), wait
# until every QP joined.  Fails with the reason in MC_WHY.  (Not in a
# subshell: MC_PID must stay this shell's child.)
mc_receiver() {
	local log=$1 qps=$2 t0=$SECONDS
	MC_WHY=""
	# shellcheck disable=SC2086
	timeout -k 5 "$TMO" $IB_TOOL mckey -m "$MC_GROUP" -b "$CM_SELF" -c "$qps" \
		-C "$MC_COUNT" -S "$MC_SIZE" >"$log" 2>&1 &
	MC_PID=$!
	while [ "$(mc_joined "$log")" -lt "$qps" ]; do
		if ! kill -0 "$MC_PID" 2>/dev/null; then
			MC_WHY="receiver exited before joining"
			return 1
		fi
		if [ $((SECONDS - t0)) -ge 60 ]; then
			MC_WHY="receiver not joined after 60 s"
			return 1
		fi
		sleep 0.1
	done
}

# mc_reap PID: wait for a receiver; once the sender is done it gets 30 s to
# count its datagrams, then it is killed.  Fails with the reason in MC_WHY.
mc_reap() {
	local pid=$1 sent_at="" rc=0
	MC_WHY=""
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$sent_at" ] && [ -e "$LAB_OUT/sync/mc$MC_RUN-sent" ]; then
			sent_at=$SECONDS
		fi
		if [ -n "$sent_at" ] && [ $((SECONDS - sent_at)) -ge 30 ]; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			MC_WHY="receiver still waiting for datagrams 30 s after the sender finished: killed (datagrams lost)"
			return 1
		fi
		sleep 0.2
	done
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { MC_WHY="receiver exit status $rc"; return 1; }
}

# mc_run SENDER_ROLE: one multicast run (a new group each time).
MC_RUN=0
mc_run() {
	local snd=$1 n why="" info="" rlog llog slog rc=0 t0=$SECONDS x lpid=""
	PT_N=$((PT_N + 1))
	n=$PT_N
	# Barriers by MC_RUN, the same count on both sides.
	MC_RUN=$((MC_RUN + 1))
	MC_GROUP=239.77.0.$MC_RUN
	rlog=$PT_LOGDIR/$(printf '%02d' "$n")-mckey-recv-$PEDMA_ROLE.log
	llog=$PT_LOGDIR/$(printf '%02d' "$n")-mckey-localrecv-$PEDMA_ROLE.log
	slog=$PT_LOGDIR/$(printf '%02d' "$n")-mckey-send-$PEDMA_ROLE.log
	if [ "$PEDMA_ROLE" != "$snd" ]; then
		lab_log "#$n multicast $MC_GROUP: receiving (2 QPs), $snd sends"
		if mc_receiver "$rlog" 2; then
			lab_signal "mc$MC_RUN-joined"
			mc_reap "$MC_PID" || why=$MC_WHY
		else
			why=$MC_WHY
			lab_signal "mc$MC_RUN-joined"
			kill "$MC_PID" 2>/dev/null || true
			wait "$MC_PID" 2>/dev/null || true
		fi
		sed 's/^/    /' "$rlog"
		x=$(mc_check "$rlog" receiver 2) || why="${why:+$why; }$x"
		info=$x
	else
		lab_log "#$n multicast $MC_GROUP: sending $MC_COUNT x $MC_SIZE B$([ "$MC_LOCAL" = 1 ] && echo ", a local receiver too")"
		if [ "$MC_LOCAL" = 1 ]; then
			mc_receiver "$llog" 1 || why="local $MC_WHY"
			lpid=$MC_PID
		fi
		if ! lab_wait "mc$MC_RUN-joined" 90; then
			why="${why:+$why; }the $PEER_ROLE side's receiver never joined"
		else
			# shellcheck disable=SC2086
			timeout -k 5 "$TMO" $IB_TOOL mckey -m "$MC_GROUP" -b "$CM_SELF" -s \
				-C "$MC_COUNT" -S "$MC_SIZE" >"$slog" 2>&1 || rc=$?
		fi
		lab_signal "mc$MC_RUN-sent"
		sed 's/^/    /' "$slog" 2>/dev/null || true
		[ "$rc" -eq 0 ] || why="${why:+$why; }sender exit status $rc"
		x=$(mc_check "$slog" sender 1) || why="${why:+$why; }$x"
		info=$x
		if [ -n "$lpid" ]; then
			mc_reap "$lpid" || why="${why:+$why; }local $MC_WHY"
			sed 's/^/    /' "$llog"
			x=$(mc_check "$llog" "local receiver" 1) || why="${why:+$why; }$x"
			info="$info; $x"
		fi
	fi
	pt_dmesg_new || why="${why:+$why; }kernel reported a problem"
	if [ -n "$why" ]; then
		pt_result FAIL "#$n multicast $MC_GROUP from $snd: $why"
		lab_log "#$n FAIL ($((SECONDS - t0)) s): $why"
	else
		pt_result PASS "#$n multicast $MC_GROUP from $snd: $info"
		lab_log "#$n ok ($((SECONDS - t0)) s): $info"
	fi
	lab_signal "mc$MC_RUN-done-$PEDMA_ROLE"
	lab_wait "mc$MC_RUN-done-$PEER_ROLE" $((TMO + 90)) || pt_result FAIL "#$n: the $PEER_ROLE side never finished"
}

ib_cm_setup ud

# ---- ibv_ud_pingpong ----
mtu=$(ibv_devinfo -d "$PT_DEV" -i 1 | awk '$1 == "active_mtu:" { print $2 }')
big=2048
[ -n "$mtu" ] && [ "$mtu" -lt "$big" ] && big=$mtu
common=(-d "$PT_DEV" -c)
[ -z "$PT_GID" ] || common+=(-g "$PT_GID")
for sz in "$big:1000" 64:2000; do
	for ev in "" -e; do
		for srv in host ep; do
			size=${sz%%:*} iters=${sz#*:}
			PP_ITERS=$iters
			PP_BYTES=$((size * iters * 2))
			# The addresses go over TCP on the virtio-net link.
			# shellcheck disable=SC2086  # $ev: nothing or -e
			ib_pair "$srv" ib_check_ud "$TMO" tcp \
				ibv_ud_pingpong "${common[@]}" -s "$size" -n "$iters" $ev -p @PORT@ -- \
				ibv_ud_pingpong "${common[@]}" -s "$size" -n "$iters" $ev -p @PORT@ "$LAB_PEER_IP"
		done
	done
done

# On InfiniBand also with a GRH (-g 0: the AH carries the port GID, as
# rdma_cm's UD and multicast address handles do).
if [ "$PT_LINK" = InfiniBand ] && [ -z "$PT_GID" ]; then
	for srv in host ep; do
		PP_ITERS=1000
		PP_BYTES=$((big * 1000 * 2))
		ib_pair "$srv" ib_check_ud "$TMO" tcp \
			ibv_ud_pingpong "${common[@]}" -g 0 -s "$big" -n 1000 -p @PORT@ -- \
			ibv_ud_pingpong "${common[@]}" -g 0 -s "$big" -n 1000 -p @PORT@ "$LAB_PEER_IP"
	done
fi

# ---- same-side UD: both ends of ibv_ud_pingpong on this guest ----
# ud_self SIZE ITERS: on both sides at once.
UD_SELF=0
ud_self() {
	local size=$1 iters=$2 n port slog clog spid rc=0 why="" x info="" l r c0 c1 ctr
	PT_N=$((PT_N + 1))
	n=$PT_N
	UD_SELF=$((UD_SELF + 1))
	port=$((PT_PORT_BASE + 150 + UD_SELF))
	slog=$PT_LOGDIR/$(printf '%02d' "$n")-ud-self-server-$PEDMA_ROLE.log
	clog=$PT_LOGDIR/$(printf '%02d' "$n")-ud-self-client-$PEDMA_ROLE.log
	PP_ITERS=$iters
	PP_BYTES=$((size * iters * 2))
	ctr=/sys/class/infiniband/$PT_DEV/ports/1/hw_counters/claims
	c0=$(cat "$ctr" 2>/dev/null || echo 0)
	lab_log "#$n same-side ibv_ud_pingpong -s $size -n $iters (both ends here)"
	timeout -k 5 "$TMO" ibv_ud_pingpong "${common[@]}" -s "$size" -n "$iters" -p "$port" \
		>"$slog" 2>&1 &
	spid=$!
	while ! pt_listening "$port"; do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	timeout -k 5 "$TMO" ibv_ud_pingpong "${common[@]}" -s "$size" -n "$iters" -p "$port" \
		127.0.0.1 >"$clog" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || why="client exit status $rc"
	rc=0
	wait "$spid" || rc=$?
	[ "$rc" -eq 0 ] || why="${why:+$why; }server exit status $rc"
	sed 's/^/    server: /' "$slog"
	sed 's/^/    client: /' "$clog"
	for x in "$slog" "$clog"; do
		info=$(pt_pingpong_check "$x" -) || why="${why:+$why; }${x##*-ud-self-}: $info"
		if [ "$PT_LINK" = InfiniBand ]; then
			l=$(sed -n 's/.*local address: *LID \(0x[0-9a-f]*\).*/\1/p' "$x")
			r=$(sed -n 's/.*remote address: *LID \(0x[0-9a-f]*\).*/\1/p' "$x")
			if [ -z "$l" ] || [ -z "$r" ] || [ "$((l))" != "$IB_LID_SELF" ] || [ "$((r))" != "$IB_LID_SELF" ]; then
				why="${why:+$why; }LIDs local ${l:-?} remote ${r:-?}, expected $IB_LID_SELF for both"
			fi
		fi
	done
	if [ -e "$ctr" ]; then
		c1=$(cat "$ctr")
		# every datagram both ways, less the receives QP1-style kept
		# ones could take (none for a user UD QP)
		[ $((c1 - c0)) -ge $((2 * iters)) ] ||
			why="${why:+$why; }claims grew by $((c1 - c0)), expected at least $((2 * iters))"
		info="$info; claims +$((c1 - c0))"
	fi
	pt_dmesg_new || why="${why:+$why; }kernel reported a problem"
	if [ -n "$why" ]; then
		pt_result FAIL "#$n same-side ibv_ud_pingpong -s $size: $why"
		lab_log "#$n FAIL: $why"
	else
		pt_result PASS "#$n same-side ibv_ud_pingpong -s $size: $info"
		lab_log "#$n ok: $info"
	fi
	lab_signal "udself$UD_SELF-done-$PEDMA_ROLE"
	lab_wait "udself$UD_SELF-done-$PEER_ROLE" $((2 * TMO + 60)) ||
		pt_result FAIL "#$n: the $PEER_ROLE side never finished its same-side run"
}
ud_self "$big" 200
ud_self 64 300

# ---- multicast ----
for snd in host ep; do
	mc_run "$snd"
done
ib_summary
