#!/bin/bash
# IPoIB between the guests over $PEDMA_DEV (default pedma0), with the
# kernel's unmodified ib_ipoib:
#   - the port's attributes (ibstat, ibv_devinfo, sysfs: ACTIVE, LID host 1 /
#     ep 2, SM LID 1, P_Key 0xffff);
#   - modprobe ib_ipoib: ib0 up with carrier (the broadcast group joined
#     through the SA), 10.77.0.{1,2}/24 and fd70:6564:6d61:1::{1,2}/64
#     (t-ib-lib.sh; the virtio-net link is 169.254.77.0/24);
#   - in datagram mode, then in connected mode (MTU 65520): IPv4 and IPv6
#     ping and 8000-byte pings both ways; iperf3 TCP both ways over IPv4 and
#     IPv6 (receiver rate > 0, exit 0 on both sides); a 16 MiB random file
#     sent both ways (tcp_xfer) and its SHA-256 compared;
#   - back in datagram mode: ib0 down/up on each side in turn, then pings;
#     rmmod ib_ipoib; modprobe ib_ipoib on each side in turn, then pings and
#     iperf3; the checked file transfer again, both ways;
#   - last, in connected mode: ib0 down/up on each side in turn, then pings.
# dmesg is checked after every step on both sides.  A failure is recorded
# and the rest still runs (unless ib0 never comes up).
#
# PEDMA_IPOIB_NETDEV=eth0 (t-ipoib-virtio.sh, --no-pedma) runs the same
# over the virtio-net link instead of ib0, without the modes and the module
# reload: a check of the test itself.
set -euo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"

XFER=$PEDMA_BUILD/tests/lab/tcp_xfer
XFER_BYTES=$(((16 << 20) + 12345))
XFER_SRC=/tmp/xfer-src.bin
XFER_DST=/tmp/xfer-dst.bin
IPERF_T=4	# seconds of each IPv4 iperf3 run (IPv6: 2)
TMO=90		# one program's limit

# ib_check_xfer LOG SIDE: the receiver (server) got XFER_BYTES bytes whose
# SHA-256 is the one the sender published; the sender saw the same count.
ib_check_xfer() {
	local log=$1 side=$2 n want got
	if [ "$side" = client ]; then
		n=$(sed -n 's/^tcp_xfer: sent \([0-9]*\) bytes to .*, receiver counted \([0-9]*\)$/\1 \2/p' "$log")
		if [ "$n" != "$XFER_BYTES $XFER_BYTES" ]; then
			echo "sent/counted '${n:-none}', expected $XFER_BYTES both"
			return 1
		fi
		echo "sent $XFER_BYTES bytes, receiver counted them all"
		return 0
	fi
	n=$(sed -n 's/^tcp_xfer: received \([0-9]*\) bytes from .*/\1/p' "$log")
	want=$(cut -d' ' -f1 "$PT_LOGDIR/xfer-$PEER_ROLE.sha256" 2>/dev/null) || want=""
	got=$(sha256sum "$XFER_DST" 2>/dev/null | cut -d' ' -f1) || got=""
	rm -f "$XFER_DST"
	if [ "$n" != "$XFER_BYTES" ]; then
		echo "received '${n:-none}' bytes, expected $XFER_BYTES"
		return 1
	fi
	if [ -z "$want" ] || [ "$got" != "$want" ]; then
		echo "SHA-256 of the received file $got, the sender's ${want:-missing}"
		return 1
	fi
	echo "received $XFER_BYTES bytes, SHA-256 ${got:0:16}... matches the sender's"
}

# ipoib_bounce: ip link set down, then up: carrier and addresses again.
ipoib_bounce() {
	local t0=$SECONDS
	ip link set "$IB_IF" down || return 1
	sleep 1
	[ "$(cat "/sys/class/net/$IB_IF/operstate")" = down ] || { echo "$IB_IF not down"; return 1; }
	ip link set "$IB_IF" up || return 1
	ipoib_wait_carrier "$IB_IF" "$IB_CARRIER_S" || return 1
	ipoib_addrs "$IB_IF" || return 1
	echo "$IB_IF down/up: carrier again after $((SECONDS - t0)) s"
}

# ipoib_reload: rmmod ib_ipoib (the netdev goes away), then ipoib_up.
ipoib_reload() {
	local old=$IB_IF i
	rmmod ib_ipoib || { echo "rmmod ib_ipoib failed"; return 1; }
	for ((i = 0; i < 50; i++)); do
		[ -e "/sys/class/net/$old" ] || break
		sleep 0.1
	done
	[ ! -e "/sys/class/net/$old" ] || { echo "$old still there after rmmod"; return 1; }
	ipoib_up
}

ping_both() {	# ping_both TAG: both families, the peer's ib0 addresses
	ib_step "ping $IB_PEER4 ($1)" ib_ping "$IB_PEER4" || true
	ib_step "ping $IB_PEER6 ($1)" ib_ping "$IB_PEER6" || true
}

iperf_pair() {	# iperf_pair SENDER_ROLE ADDR_OF_RECEIVER SECONDS
	local srv=host
	[ "$1" = host ] && srv=ep
	ib_pair "$srv" ib_check_iperf "$TMO" tcp iperf3 -s -1 -p @PORT@ -f m -- \
		iperf3 -c "$2" -p @PORT@ -t "$3" -f m
}

xfer_pair() {	# xfer_pair SENDER_ROLE: the file over IPv4
	local srv=host
	[ "$1" = host ] && srv=ep
	ib_pair "$srv" ib_check_xfer "$TMO" tcp "$XFER" recv @PORT@ "$XFER_DST" -- \
		"$XFER" send "$IB_PEER4" @PORT@ "$XFER_SRC"
}

# ---- setup ----
PT_LOGDIR=$LAB_OUT/ipoib
mkdir -p "$PT_LOGDIR"
[ -x "$XFER" ] || fail "$XFER not built"
MODES="datagram connected"
if [ -n "${PEDMA_IPOIB_NETDEV:-}" ]; then
	PT_DEV=$PEDMA_IPOIB_NETDEV
	MODES="link"
	ib_note "PEDMA_IPOIB_NETDEV=$PEDMA_IPOIB_NETDEV: the test over that netdev, no IPoIB modes or module reload"
else
	pt_setup ipoib
	if [ "$PT_LINK" = InfiniBand ]; then
		ib_step "port attributes ($PT_DEV)" ib_port_check || true
	else
		ib_abort "$PT_DEV: link layer $PT_LINK, IPoIB needs InfiniBand"
	fi
fi
head -c "$XFER_BYTES" /dev/urandom >"$XFER_SRC"
sha256sum "$XFER_SRC" >"$PT_LOGDIR/xfer-$PEDMA_ROLE.sha256"
ib_step "IPoIB up" ipoib_up || ib_abort "no IPoIB interface"
ib_sync ipoib-up || ib_abort "the $PEER_ROLE side has no IPoIB interface"

# ---- both modes: ping, iperf3, checked transfer ----
for mode in $MODES; do
	if [ "$mode" != link ]; then
		ib_step "$IB_IF mode $mode" ipoib_set_mode "$mode" || true
		ib_sync "mode-$mode" || ib_abort "the $PEER_ROLE side could not switch to $mode"
	fi
	ping_both "$mode"
	ib_step "ping -s 8000 $IB_PEER4 ($mode)" ib_ping "$IB_PEER4" -s 8000 || true
	ib_sync "ping-$mode" || ib_abort "the $PEER_ROLE side did not finish its pings"
	for snd in host ep; do
		iperf_pair "$snd" "$IB_PEER4" "$IPERF_T"
		iperf_pair "$snd" "$IB_PEER6" 2
		xfer_pair "$snd"
	done
done

# ---- down/up and module reload, in datagram mode, each side in turn ----
if [ -z "${PEDMA_IPOIB_NETDEV:-}" ]; then
	ib_step "$IB_IF mode datagram" ipoib_set_mode datagram || true
	ib_sync mode-datagram-again || ib_abort "the $PEER_ROLE side could not switch back to datagram"
fi
bounce_both() {	# bounce_both TAG: down/up on each side in turn, pings after each
	local who
	for who in host ep; do
		if [ "$PEDMA_ROLE" = "$who" ]; then
			ib_step "$IB_IF down/up ($1)" ipoib_bounce || true
		fi
		ib_sync "bounce-$1-$who" || ib_abort "the $PEER_ROLE side did not come back"
		ping_both "after $who's down/up, $1"
		ib_sync "bounce-ping-$1-$who" || ib_abort "the $PEER_ROLE side did not finish its pings"
	done
}
bounce_both "${MODES%% *}"
if [ -z "${PEDMA_IPOIB_NETDEV:-}" ]; then
	for who in host ep; do
		if [ "$PEDMA_ROLE" = "$who" ]; then
			ib_step "rmmod ib_ipoib; modprobe ib_ipoib" ipoib_reload || true
		fi
		ib_sync "reload-$who" || ib_abort "the $PEER_ROLE side did not reload"
		ping_both "after $who's reload"
		ib_sync "reload-ping-$who" || ib_abort "the $PEER_ROLE side did not finish its pings"
		iperf_pair "$who" "$IB_PEER4" 2
	done
fi
for snd in host ep; do
	xfer_pair "$snd"
done

# ---- down/up in connected mode (last: a hang here costs nothing else) ----
if [ -z "${PEDMA_IPOIB_NETDEV:-}" ]; then
	ib_step "$IB_IF mode connected" ipoib_set_mode connected || true
	ib_sync mode-connected-again || ib_abort "the $PEER_ROLE side could not switch to connected"
	bounce_both connected
fi
rm -f "$XFER_SRC"
ib_summary
