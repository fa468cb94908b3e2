#!/bin/bash
# Guest side of bench/ipoib-bench: lab/pedma-lab runs it in both guests; not
# useful on its own.  Reads $LAB_OUT/bench.conf (written by ipoib-bench),
# then for each round and each link of $IPB_LINKS in turn (ib0 in datagram
# mode, ib0 in connected mode with MTU 65520, the guests' virtio-net link)
# runs iperf3 TCP in both directions, the sender as iperf3's client.  The
# link "ntb" (ntb_netdev over ntb_transport on the lab's NTB device, the
# same emulated link without pedma: kernel/build-ntb.sh) needs the lab
# device to itself, so all its rounds come first: pedma unloaded, the NTB
# stack loaded, measured, unloaded, pedma loaded again.  The
# sending side appends a row to $LAB_OUT/results-<role>.csv:
#   round,link,mtu,direction,seconds,streams,mbps,status
# mbps: the receiver's rate (Mbit/s); status: ok, or why there is no value.
# A link that does not come up is recorded and the bench goes on.  The run
# machinery (ib_pair, ipoib_up) is the lab tests' t-ib-lib.sh.
set -uo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"

IPB_LINKS="virtio datagram connected"
IPB_TIME=10		# iperf3 -t
IPB_STREAMS=1		# iperf3 -P
IPB_ROUNDS=1
IPB_TIMEOUT=60		# one iperf3 beyond its -t
# shellcheck source=/dev/null
[ -f "$LAB_OUT/bench.conf" ] && source "$LAB_OUT/bench.conf"

PT_MAX_TIMEOUTS=4
PT_LOGDIR=$LAB_OUT/logs
CSV=$LAB_OUT/results-$PEDMA_ROLE.csv
mkdir -p "$PT_LOGDIR" "$LAB_OUT/sync"
: >"$CSV"
lab_log "ipoib-bench: links [$IPB_LINKS], ${IPB_TIME}s x $IPB_STREAMS stream(s), $IPB_ROUNDS round(s)"

row() {	# row ROUND LINK MTU DIRECTION MBPS STATUS
	local st
	st=$(printf '%s' "$6" | tr ',\n' '; ')
	echo "$1,$2,$3,$4,$IPB_TIME,$IPB_STREAMS,$5,$st" >>"$CSV"
}

# ib_state: this side's ib0 (ipoib_up); both sides agree whether it is
# usable.  Sets IB_WHY ("" when usable).
IB_WHY=""
ib_bringup() {
	local mine=ok peer log=$PT_LOGDIR/ipoib-up-$PEDMA_ROLE.log i
	# over NTB the device comes with the NTB link, after a reload too
	for ((i = 0; i < 300; i++)); do
		[ -e "/sys/class/infiniband/$PT_DEV" ] && break
		sleep 0.1
	done
	if [ ! -e "/sys/class/infiniband/$PT_DEV" ]; then
		mine="no $PT_DEV on $PEDMA_ROLE"
	elif ! lab_wait_port ACTIVE 60 "$PT_DEV"; then
		mine="$PT_DEV port not ACTIVE on $PEDMA_ROLE"
	elif ! ipoib_up >"$log" 2>&1; then
		mine="ib0 not up on $PEDMA_ROLE: $(tail -n 1 "$log")"
	fi
	sed 's/^/    /' "$log" 2>/dev/null
	printf '%s\n' "$mine" >"$LAB_OUT/sync/ib-state-$PEDMA_ROLE"
	lab_signal "ib-state-done-$PEDMA_ROLE"
	lab_wait "ib-state-done-$PEER_ROLE" 180 || { IB_WHY="the $PEER_ROLE side never reported"; return; }
	peer=$(cat "$LAB_OUT/sync/ib-state-$PEER_ROLE")
	IB_WHY=""
	[ "$mine" = ok ] || IB_WHY=$mine
	[ "$peer" = ok ] || IB_WHY="${IB_WHY:+$IB_WHY; }$peer"
	if [ -z "$IB_WHY" ]; then
		ib_ping "$IB_PEER4" >"$PT_LOGDIR/ib-ping-$PEDMA_ROLE.log" 2>&1 || mine="ib0 ping from $PEDMA_ROLE failed"
		printf '%s\n' "$mine" >"$LAB_OUT/sync/ib-ping-state-$PEDMA_ROLE"
		lab_signal "ib-ping-done-$PEDMA_ROLE"
		lab_wait "ib-ping-done-$PEER_ROLE" 120 || { IB_WHY="the $PEER_ROLE side never pinged"; return; }
		peer=$(cat "$LAB_OUT/sync/ib-ping-state-$PEER_ROLE")
		[ "$mine" = ok ] || IB_WHY=$mine
		[ "$peer" = ok ] || IB_WHY="${IB_WHY:+$IB_WHY; }$peer"
	fi
	lab_log "ib0: ${IB_WHY:-usable on both sides}"
}

# set_mode MODE: both sides switch ib0; both agree whether it worked.
set_mode() {
	local mine=ok peer log=$PT_LOGDIR/mode-$1-$PEDMA_ROLE.log
	ipoib_set_mode "$1" >"$log" 2>&1 || mine="mode $1 on $PEDMA_ROLE: $(tail -n 1 "$log")"
	printf '%s\n' "$mine" >"$LAB_OUT/sync/mode-$1-$IPB_ROUND-$PEDMA_ROLE"
	lab_signal "mode-$1-$IPB_ROUND-done-$PEDMA_ROLE"
	lab_wait "mode-$1-$IPB_ROUND-done-$PEER_ROLE" 120 || { echo "the $PEER_ROLE side never switched"; return 1; }
	peer=$(cat "$LAB_OUT/sync/mode-$1-$IPB_ROUND-$PEER_ROLE")
	[ "$mine" = ok ] || { echo "$mine"; return 1; }
	[ "$peer" = ok ] || { echo "$peer"; return 1; }
}

# measure ROUND LINK ADDR_OF(host) ADDR_OF(ep) MTU: iperf3 both ways.
measure() {
	local round=$1 link=$2 mtu=$5 snd srv dst mbps why log
	for snd in host ep; do
		srv=ep dst=$4
		[ "$snd" = ep ] && srv=host dst=$3
		ib_pair "$srv" ib_check_iperf $((IPB_TIME + IPB_TIMEOUT)) tcp \
			iperf3 -s -1 -p @PORT@ -f m -- \
			iperf3 -c "$dst" -p @PORT@ -t "$IPB_TIME" -P "$IPB_STREAMS" -f m
		[ "$PEDMA_ROLE" = "$snd" ] || continue
		log=$PT_LOGDIR/$(printf '%02d' "$PT_N")-iperf3-client-$PEDMA_ROLE.log
		why=""
		if [ "$PT_LAST" != PASS ]; then
			why=$(printf '%s\n' "${PT_SUMMARY[-1]}" | sed 's/.*-f m: //')
		elif [ -n "$PT_PEER_WHY" ]; then
			why="$PEER_ROLE $PT_PEER_WHY"
		fi
		mbps=$(awk '/ receiver$/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") r = $(i - 1) } END { print r }' "$log")
		if [ -z "$why" ] && [ -n "$mbps" ]; then
			row "$round" "$link" "$mtu" "$snd->$srv" "$mbps" ok
		else
			row "$round" "$link" "$mtu" "$snd->$srv" "" "${why:-no receiver rate}"
		fi
	done
}

# ---- ntb_netdev: the NTB stack on the lab device, pedma off meanwhile ----
NTB=$PEDMA_BUILD/ntb
NTB_NET4=10.78.0
NTB_IF=""
NTB_MODS=(ntb ntb_hw_pedma_lab ntb_transport ntb_netdev)

ntb_find_if() {
	local n
	for n in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$n/device/driver" 2>/dev/null)")" = ntb_netdev ] || continue
		NTB_IF=${n##*/}
		return 0
	done
	return 1
}

# ntb_up: this side's part; prints why not, else nothing.
ntb_up() {
	local m i n
	for m in "${NTB_MODS[@]}"; do
		[ -f "$NTB/$m.ko" ] || { echo "$NTB/$m.ko not built (kernel/build-ntb.sh)"; return 1; }
	done
	if [ -e "/sys/module/$PEDMA_BACKEND" ]; then
		pedma_unload || { echo "pedma would not unload"; return 1; }
	fi
	# (pedma-lab --ntb: ntb.ko and ntb_hw_pedma_lab.ko are pedma's too)
	for m in "${NTB_MODS[@]}"; do
		[ -e "/sys/module/$m" ] && continue
		insmod "$NTB/$m.ko" || { echo "insmod $m.ko failed"; return 1; }
	done
	for ((i = 0; i < 300; i++)); do
		ntb_find_if && break
		sleep 0.1
	done
	[ -n "$NTB_IF" ] || { echo "no ntb_netdev interface"; return 1; }
	n=1
	[ "$PEDMA_ROLE" = host ] || n=2
	if ! ip addr add "$NTB_NET4.$n/24" dev "$NTB_IF" || ! ip link set "$NTB_IF" up; then
		echo "$NTB_IF would not come up"
		return 1
	fi
	for ((i = 0; i < 600; i++)); do
		[ "$(cat "/sys/class/net/$NTB_IF/carrier" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	echo "$NTB_IF has no carrier after 60 s"
	return 1
}

# ntb_down WANT_PEDMA: the NTB stack out, pedma back in (if the bench uses
# ib0: WANT_PEDMA 1).
ntb_down() {
	local want=$1 i
	shift
	[ -n "$NTB_IF" ] && ip link set "$NTB_IF" down
	for ((i = ${#NTB_MODS[@]} - 1; i >= 0; i--)); do
		# pedma-lab --ntb: pedma runs on the NTB device next
		[ "$PEDMA_BACKEND" = pedma_ntb ] && [ "$want" = 1 ] && ((i < 2)) && break
		[ -e "/sys/module/${NTB_MODS[i]}" ] && rmmod "${NTB_MODS[i]}"
	done
	if [ "$want" = 1 ] && [ ! -e "/sys/module/$PEDMA_BACKEND" ]; then
		pedma_load "$@" || lab_log "ntb: pedma would not load again"
	fi
}

# ntb_phase: every round of the ntb link; both sides agree it is usable.
ntb_phase() {
	local mine=ok peer why round log=$PT_LOGDIR/ntb-up-$PEDMA_ROLE.log
	ntb_up >"$log" 2>&1 || mine=$(tail -n 1 "$log")
	printf '%s\n' "$mine" >"$LAB_OUT/sync/ntb-state-$PEDMA_ROLE"
	lab_signal "ntb-state-done-$PEDMA_ROLE"
	if lab_wait "ntb-state-done-$PEER_ROLE" 180; then
		peer=$(cat "$LAB_OUT/sync/ntb-state-$PEER_ROLE")
		why=""
		[ "$mine" = ok ] || why="$mine on $PEDMA_ROLE"
		[ "$peer" = ok ] || why="${why:+$why; }$peer on $PEER_ROLE"
	else
		why="the $PEER_ROLE side never reported"
	fi
	lab_log "ntb: ${why:-$NTB_IF usable on both sides}"
	for ((round = 1; round <= IPB_ROUNDS; round++)); do
		lab_log "round $round: ntb"
		if [ -n "$why" ]; then
			[ "$PEDMA_ROLE" = host ] && row "$round" ntb_netdev "" "host->ep" "" "$why"
			[ "$PEDMA_ROLE" = ep ] && row "$round" ntb_netdev "" "ep->host" "" "$why"
			continue
		fi
		measure "$round" ntb_netdev "$NTB_NET4.1" "$NTB_NET4.2" "$(cat "/sys/class/net/$NTB_IF/mtu")"
	done
	lab_signal "ntb-measured-$PEDMA_ROLE"
	lab_wait "ntb-measured-$PEER_ROLE" 300 || true
	ntb_down "$ib_wanted"
}

ib_wanted=0
case " $IPB_LINKS " in *" datagram "* | *" connected "*) ib_wanted=1 ;; esac
case " $IPB_LINKS " in *" ntb "*) ntb_phase ;; esac
if [ "$ib_wanted" = 1 ]; then
	ib_bringup
fi
for ((IPB_ROUND = 1; IPB_ROUND <= IPB_ROUNDS; IPB_ROUND++)); do
	for link in $IPB_LINKS; do
		lab_log "round $IPB_ROUND: $link"
		case "$link" in
		virtio)
			measure "$IPB_ROUND" virtio-net "${LAB_SELF_IP%.*}.1" "${LAB_SELF_IP%.*}.2" \
				"$(cat "/sys/class/net/${LAB_NETDEV:-eth0}/mtu")"
			;;
		datagram | connected)
			why=$IB_WHY
			if [ -z "$why" ]; then
				why=$(set_mode "$link") || true
			fi
			if [ -n "$why" ]; then
				[ "$PEDMA_ROLE" = host ] && row "$IPB_ROUND" "ib0-$link" "" "host->ep" "" "$why"
				[ "$PEDMA_ROLE" = ep ] && row "$IPB_ROUND" "ib0-$link" "" "ep->host" "" "$why"
				continue
			fi
			measure "$IPB_ROUND" "ib0-$link" "$IB_NET4.1" "$IB_NET4.2" "$(cat "/sys/class/net/$IB_IF/mtu")"
			;;
		ntb) ;;	# measured first, in ntb_phase
		*) lab_log "unknown link '$link'" ;;
		esac
	done
done
lab_signal "$PEDMA_ROLE-finished"
lab_wait "$PEER_ROLE-finished" 120 || true
lab_dmesg_check || exit 1
exit 0
