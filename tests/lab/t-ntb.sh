#!/bin/bash
# Upstream's NTB stack between the guests over the lab's NTB device: Debian's
# ntb.ko and NTB clients built out of tree from linux-source-6.1 and our
# ntb_hw_pedma_lab.ko on the lab's ivshmem device (kernel/build-ntb.sh, all
# in $PEDMA_BUILD/ntb; run with --no-pedma).  Both sides in lockstep:
#   1. ntb.ko, ntb_hw_pedma_lab.ko: the ivshmem device (1af4:1110) bound to
#      ntb_hw_pedma_lab, its NTB device on /sys/bus/ntb;
#   2. ntb_tool (debugfs): link up on both sides; 16 scratchpads written
#      through the peer (peer0/spadN, read back) and checked on the owner
#      (spadN), then the other way (local spadN, read by the peer); doorbells
#      (peer_db) seen by the other side's db_event (the interrupt) and db,
#      cleared there; the memory window: each side sets up its inbound MW
#      (peer0/mw_trans0, the whole window), the other maps it (peer_mw_trans0)
#      and fills it with random bytes through peer_mw0; SHA-256 compared on
#      the owner (mw0) and read back through peer_mw0;
#   3. ntb_pingpong (delay_ms=100): the count grows on both sides;
#   4. ntb_perf: a CPU copy test from the host, then from the endpoint
#      (debugfs run): "copied N bytes ... MBytes/s", N = 2^total_order;
#   5. ntb_transport + ntb_netdev: the netdev with 10.77.0.{1,2}/24; ping
#      (no loss), a 4 MiB random file (tcp_xfer) with its SHA-256 compared,
#      iperf3 5 s (server ep, client host);
#   6. the link down and up again: (a) the endpoint unloads ntb_netdev,
#      ntb_transport and ntb_hw_pedma_lab: the host's interface loses its
#      carrier; it loads them again: carrier, ping; (b) the endpoint's guest
#      is killed (nothing unloads; the model's departure count is all the
#      host learns): the host's carrier goes, the endpoint boots again
#      (LAB_BOOT 2 runs only its part of this step), loads the stack:
#      carrier, ping; then everything unloaded;
#   7. dmesg checked (also after every step), finish.
# Needs --max-restarts 1 (6b).
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

NTB=$PEDMA_BUILD/ntb			# kernel/build-ntb.sh's OUTDIR
XFER=$PEDMA_BUILD/tests/lab/tcp_xfer
DBG=/sys/kernel/debug
SHARE=$LAB_OUT/ntb			# files passed between the sides
# What ntb_hw_pedma_lab offers (the driver's facts)
NTB_SPADS=16
NTB_DB_VALID=0xffff
NTB_MWS=1
PERF_ORDER=26				# ntb_perf: 64 MiB per test
XFER_BYTES=$((4 << 20))
IPERF_T=5
NET4=10.77.0
SELF_N=1 PEER_N=2
[ "$PEDMA_ROLE" = host ] || { SELF_N=2; PEER_N=1; }
SELF4=$NET4.$SELF_N PEER4=$NET4.$PEER_N

mkdir -p "$SHARE" "$LAB_OUT/sync"

# fail (common.sh's, plus): tell the other side at once, so that it stops
# waiting for this one.
fail() {
	printf '%s\n' "$*" >"$LAB_OUT/sync/.ntb-failed-$PEDMA_ROLE.$$" &&
		mv -f "$LAB_OUT/sync/.ntb-failed-$PEDMA_ROLE.$$" "$LAB_OUT/sync/ntb-failed-$PEDMA_ROLE"
	echo "FAIL($PEDMA_ROLE): $*"
	exit 1
}

# both NAME [SEC]: this side reached NAME; wait (default 120 s) until the
# other side has too.  Fails at once when the other side failed.
both() {
	local name=$1 tmo=${2:-120} t0=$SECONDS
	lab_signal "ntb-$name-$PEDMA_ROLE" || fail "cannot signal $name"
	while [ ! -e "$LAB_OUT/sync/ntb-$name-$PEER_ROLE" ]; do
		if [ -e "$LAB_OUT/sync/ntb-failed-$PEER_ROLE" ]; then
			fail "the $PEER_ROLE side failed: $(cat "$LAB_OUT/sync/ntb-failed-$PEER_ROLE")"
		fi
		[ $((SECONDS - t0)) -lt "$tmo" ] ||
			fail "the $PEER_ROLE side did not reach '$name' within ${tmo}s"
		sleep 0.1
	done
}

# step TEXT: a heading; the kernel log is checked at every step.
step() {
	lab_dmesg_check || fail "the kernel reported a problem (before: $*)"
	lab_log "---- $* ----"
}

# wait_for SEC CMD...: poll CMD until it succeeds, at most SEC seconds.
wait_for() {
	local tmo=$1 t0=$SECONDS
	shift
	until "$@"; do
		[ $((SECONDS - t0)) -lt "$tmo" ] || return 1
		sleep 0.1
	done
}

# wr FILE VALUE: write VALUE to a debugfs file, failing with the error.
wr() {
	local err
	err=$( { printf '%s\n' "$2" >"$1"; } 2>&1) ||
		fail "writing '$2' to ${1#"$DBG"/}: ${err:-failed}"
}

# rd FILE: its content (a debugfs file).
rd() {
	cat "$1" 2>/dev/null || fail "cannot read ${1#"$DBG"/}"
}

is_yes() { [ "$(cat "$1" 2>/dev/null)" = Y ]; }
listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

find_if() {
	local n
	for n in /sys/class/net/*; do
		[ "$(basename "$(readlink -f "$n/device/driver" 2>/dev/null)")" = ntb_netdev ] || continue
		IF=${n##*/}
		return 0
	done
	return 1
}
has_carrier() { [ "$(cat "/sys/class/net/$IF/carrier" 2>/dev/null)" = 1 ]; }

ping_check() {	# ping_check COUNT [ping args...]
	local n=$1 out rx
	shift
	out=$(ping -c "$n" -i 0.2 -W 5 "$@" "$PEER4" 2>&1) || true
	printf '%s\n' "$out" | tail -n 2 | sed 's/^/    /'
	rx=$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\2/p')
	[ "$rx" = "$n" ] || fail "ping $* $PEER4 over $IF: ${rx:-no} replies of $n"
}

# net_up: the NTB stack up to ntb_netdev (whatever of it is not loaded yet),
# the interface with this side's address, up, with carrier.
net_up() {
	local m
	for m in ntb ntb_hw_pedma_lab ntb_transport ntb_netdev; do
		[ -e "/sys/module/$m" ] || insmod "$NTB/$m.ko" || fail "insmod $m.ko"
	done
	IF=""
	wait_for 30 find_if || fail "no net device of driver ntb_netdev"
	ip addr add "$SELF4/24" dev "$IF" || fail "ip addr add $SELF4/24 dev $IF"
	ip link set "$IF" up || fail "ip link set $IF up"
	wait_for 60 has_carrier || fail "$IF has no carrier 60 s after up"
}

# carrier_ms WANT SEC: milliseconds until $IF's carrier is WANT (0/1).
carrier_ms() {
	local t0
	t0=$(now_ms)
	while [ "$(cat "/sys/class/net/$IF/carrier" 2>/dev/null)" != "$1" ]; do
		[ $(($(now_ms) - t0)) -lt $(($2 * 1000)) ] || return 1
		sleep 0.05
	done
	echo $(($(now_ms) - t0))
}

# The lab's ivshmem device bound to ntb_hw_pedma_lab: its PCI name in PCI.
find_pci() {
	local d
	PCI=""
	for d in /sys/bus/pci/devices/*; do
		[ "$(basename "$(readlink -f "$d/driver" 2>/dev/null)")" = ntb_hw_pedma_lab ] || continue
		PCI=${d##*/}
	done
	[ -n "$PCI" ]
}

# final_unload: everything out, in lockstep.
final_unload() {
	ip link set "$IF" down || fail "ip link set $IF down"
	rmmod ntb_netdev || fail "rmmod ntb_netdev"
	both netdev-unloaded
	rmmod ntb_transport || fail "rmmod ntb_transport"
	both transport-unloaded
	rmmod ntb_hw_pedma_lab || fail "rmmod ntb_hw_pedma_lab"
	rmmod ntb || fail "rmmod ntb"
	[ ! -e "/sys/bus/pci/devices/$PCI/driver" ] || fail "$PCI still has a driver after rmmod"
	echo "all NTB modules unloaded"
	both all-unloaded
}

for m in ntb ntb_hw_pedma_lab ntb_tool ntb_pingpong ntb_perf ntb_transport ntb_netdev; do
	[ -f "$NTB/$m.ko" ] || fail "$NTB/$m.ko not built (kernel/build-ntb.sh)"
done
[ -x "$XFER" ] || fail "$XFER not built"
if [ "${LAB_PEDMA_LOADED:-0}" = 1 ] || [ -e /sys/module/pedma_lab ]; then
	fail "pedma_lab is loaded: run this test with --no-pedma"
fi

# ---- the endpoint's boot after the kill of step 6 ----
if [ "${LAB_BOOT:-1}" -gt 1 ]; then
	[ "$PEDMA_ROLE" = ep ] || fail "boot $LAB_BOOT: only the endpoint is restarted"
	step "6b. boot $LAB_BOOT after the kill: the NTB stack again"
	net_up
	find_pci || fail "no PCI device bound to ntb_hw_pedma_lab"
	echo "$IF up again on boot $LAB_BOOT, carrier 1"
	lab_signal ntb-ep-back
	both killed-back 240
	ping_check 10
	echo "ping $PEER4 over $IF after the reboot: 10 of 10"
	both killed-ping
	final_unload
	step "7. end"
	finish
	exit 0
fi

# ---- 1. the lab NTB device ----
step "1. ntb.ko, ntb_hw_pedma_lab.ko"
insmod "$NTB/ntb.ko" || fail "insmod ntb.ko"
insmod "$NTB/ntb_hw_pedma_lab.ko" || fail "insmod ntb_hw_pedma_lab.ko"
PCI="" ours=0
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1110 ] || continue
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	echo "ivshmem ${d##*/}: driver $drv"
	if [ "$drv" = ntb_hw_pedma_lab ]; then
		PCI=${d##*/}
		ours=$((ours + 1))
	fi
done
[ "$ours" = 1 ] || fail "ntb_hw_pedma_lab bound $ours ivshmem devices, not 1"
wait_for 10 test -e "/sys/bus/ntb/devices/$PCI" ||
	fail "no NTB device $PCI under /sys/bus/ntb/devices (there: $(find /sys/bus/ntb/devices/ -mindepth 1 -maxdepth 1 -printf '%f ' 2>&1))"
NTBDEV=$PCI	# ntb_register_device names it after the PCI device
parent=$(basename "$(dirname "$(readlink -f "/sys/bus/ntb/devices/$NTBDEV")")")
[ "$parent" = "$PCI" ] || fail "NTB device $NTBDEV has parent $parent, not the PCI device $PCI"
echo "NTB device $NTBDEV on PCI $PCI"
both hw-loaded 180

# ---- 2. ntb_tool ----
step "2. ntb_tool: link, scratchpads, doorbells, memory window"
insmod "$NTB/ntb_tool.ko" || fail "insmod ntb_tool.ko"
T=$DBG/ntb_tool/$NTBDEV
wait_for 10 test -e "$T/peer0/link" || fail "no $T/peer0/link"
spads=$(find "$T" -maxdepth 1 -name 'spad*' | wc -l)
pspads=$(find "$T/peer0" -maxdepth 1 -name 'spad*' | wc -l)
inmws=$(find "$T/peer0" -maxdepth 1 -name 'mw_trans*' | wc -l)
outmws=$(find "$T/peer0" -maxdepth 1 -name 'peer_mw_trans*' | wc -l)
dbv=$(rd "$T/db_valid_mask")
echo "port $(rd "$T/port"), peer0 port $(rd "$T/peer0/port"); scratchpads $spads (peer $pspads)," \
	"inbound MWs $inmws, outbound MWs $outmws, db_valid_mask $dbv"
if [ "$spads" != "$NTB_SPADS" ] || [ "$pspads" != "$NTB_SPADS" ]; then
	fail "$spads scratchpads ($pspads of the peer), expected $NTB_SPADS"
fi
if [ "$inmws" != "$NTB_MWS" ] || [ "$outmws" != "$NTB_MWS" ]; then
	fail "$inmws inbound and $outmws outbound memory windows, expected $NTB_MWS"
fi
[ $((dbv)) = $((NTB_DB_VALID)) ] || fail "db_valid_mask $dbv, expected $NTB_DB_VALID"
both tool-loaded

wr "$T/link" Y
wait_for 60 is_yes "$T/peer0/link" || fail "peer0/link not Y 60 s after link Y on both sides"
echo "link up (peer0/link Y)"
both link-up

# Scratchpads.  spad_val ROLE I: what ROLE writes into the other side's spad I.
spad_val() {
	local tag=0x1000
	[ "$1" = host ] || tag=0x2000
	printf '%#x' $((0x4e540000 + tag + $2 * 0x11))
}
for ((i = 0; i < NTB_SPADS; i++)); do
	v=$(spad_val "$PEDMA_ROLE" "$i")
	wr "$T/peer0/spad$i" "$v"
	got=$(rd "$T/peer0/spad$i")
	[ $((got)) = $((v)) ] || fail "peer0/spad$i reads back $got after writing $v"
done
echo "wrote $NTB_SPADS scratchpads of the $PEER_ROLE side (peer0/spadN), read back"
both spad-written
for ((i = 0; i < NTB_SPADS; i++)); do
	want=$(spad_val "$PEER_ROLE" "$i")
	got=$(rd "$T/spad$i")
	[ $((got)) = $((want)) ] || fail "spad$i is $got, the $PEER_ROLE side wrote $want"
done
echo "own $NTB_SPADS scratchpads hold what the $PEER_ROLE side wrote ($(rd "$T/spad0") ...)"
both spad-checked
# the other way: local writes (spadN), read by the peer (peer0/spadN)
for ((i = 0; i < NTB_SPADS; i++)); do
	wr "$T/spad$i" "$(spad_val "$PEDMA_ROLE" "$i" | sed 's/^0x4e54/0x5053/')"
done
both spad-local
for ((i = 0; i < NTB_SPADS; i++)); do
	want=$(spad_val "$PEER_ROLE" "$i" | sed 's/^0x4e54/0x5053/')
	got=$(rd "$T/peer0/spad$i")
	[ $((got)) = $((want)) ] || fail "peer0/spad$i is $got, the $PEER_ROLE side wrote $want into its spad$i"
done
echo "the $PEER_ROLE side's own scratchpad writes seen through peer0/spadN"
both spad-local-checked

# Doorbells: the host rings 0x8421 on the endpoint, the endpoint 0x4212 on the host.
DB_OUT=0x8421 DB_IN=0x4212
[ "$PEDMA_ROLE" = host ] || { DB_OUT=0x4212; DB_IN=0x8421; }
wr "$T/db" "c $NTB_DB_VALID"
wr "$T/db_mask" "c $NTB_DB_VALID"
db=$(rd "$T/db")
[ $((db)) = 0 ] || fail "db reads $db after clearing it"
echo "db $db, db_mask $(rd "$T/db_mask")"
# db_event blocks until db == DB_IN: woken by the doorbell interrupt
# shellcheck disable=SC2016  # expanded by that bash
timeout 30 bash -c 'printf "%s\n" "$1" >"$2"' _ "$DB_IN" "$T/db_event" &
waiter=$!
sleep 1
both db-waiting
wr "$T/peer_db" "s $DB_OUT"
echo "rang $DB_OUT on the $PEER_ROLE side (peer_db)"
wait "$waiter" || fail "db_event: no doorbell $DB_IN within 30 s (db reads $(rd "$T/db"))"
db=$(rd "$T/db")
[ $((db)) = $((DB_IN)) ] || fail "db reads $db, the $PEER_ROLE side rang $DB_IN"
wr "$T/db" "c $DB_IN"
db2=$(rd "$T/db")
[ $((db2)) = 0 ] || fail "db reads $db2 after clearing $DB_IN"
echo "doorbell $db from the $PEER_ROLE side (db_event woke), cleared: db $db2"
both db-done

# The memory window: set up the inbound one (the whole window) ...
MWT=$T/peer0/mw_trans0
max=$(rd "$MWT" | awk -F'\t' '/^Size Max/ { print $2 }')
MW_SIZE=$((max))
if [ "$MW_SIZE" -le 0 ] || [ $((MW_SIZE % 65536)) != 0 ]; then
	fail "inbound MW size max '$max' is not a positive multiple of 64 KiB"
fi
wr "$MWT" "$MW_SIZE"
info=$(rd "$MWT")
printf '%s\n' "$info" | sed 's/^/    /'
dma=$(printf '%s\n' "$info" | awk -F'\t' '/^DMA Address/ { print $2 }')
wsize=$(printf '%s\n' "$info" | awk -F'\t' '/^Window Size/ { print $2 }')
if [ -z "$dma" ] || [ $((wsize)) != "$MW_SIZE" ]; then
	fail "inbound MW: DMA address '$dma', size '$wsize', expected $MW_SIZE"
fi
[ -e "$T/peer0/mw0" ] || fail "no peer0/mw0 after setting up mw_trans0"
printf '%s %s\n' "$dma" "$MW_SIZE" >"$SHARE/mw-$PEDMA_ROLE"
both mw-ready
# ... map the peer's and fill it with random bytes (64 KiB writes, in order)
read -r pdma psize <"$SHARE/mw-$PEER_ROLE" || fail "no MW of the $PEER_ROLE side"
wr "$T/peer0/peer_mw_trans0" "$pdma:$psize"
rd "$T/peer0/peer_mw_trans0" | sed 's/^/    /'
[ -e "$T/peer0/peer_mw0" ] || fail "no peer0/peer_mw0 after setting peer_mw_trans0"
pat=/tmp/ntb-mw-pattern
head -c "$psize" /dev/urandom >"$pat"
sha=$(sha_of "$pat")
dd if="$pat" of="$T/peer0/peer_mw0" bs=64k conv=notrunc status=none ||
	fail "writing $psize bytes to peer0/peer_mw0 failed"
back=$(head -c "$psize" "$T/peer0/peer_mw0" | sha256sum | cut -d' ' -f1)
[ "$back" = "$sha" ] || fail "peer0/peer_mw0 reads back SHA-256 $back, wrote $sha"
rm -f "$pat"
echo "$sha" >"$SHARE/mw-sha-$PEDMA_ROLE"
echo "wrote $psize random bytes into the $PEER_ROLE side's window (SHA-256 ${sha:0:16}...), read back"
both mw-written
want=$(cat "$SHARE/mw-sha-$PEER_ROLE")
got=$(head -c "$MW_SIZE" "$T/peer0/mw0" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "own inbound MW (peer0/mw0) has SHA-256 $got, the $PEER_ROLE side wrote $want"
echo "own inbound window: $MW_SIZE bytes, SHA-256 ${got:0:16}... matches what the $PEER_ROLE side wrote"
both mw-checked
# Release the windows first: ntb_tool's remove (6.1, as mainline) removes its
# debugfs tree, then debugfs_remove()s the mw0/peer_mw0 dentries of windows
# still set up, which are gone by then: an oops in rmmod.  A window released
# through debugfs has no dentry left to remove.
wr "$T/peer0/peer_mw_trans0" "0:0"
[ ! -e "$T/peer0/peer_mw0" ] || fail "peer0/peer_mw0 still there after peer_mw_trans0 0:0"
both peer-mw-released
wr "$MWT" 0
[ ! -e "$T/peer0/mw0" ] || fail "peer0/mw0 still there after mw_trans0 0"
echo "memory windows released (peer_mw_trans0 0:0, mw_trans0 0)"
both mw-released
rmmod ntb_tool || fail "rmmod ntb_tool"
both tool-unloaded

# ---- 3. ntb_pingpong ----
step "3. ntb_pingpong"
insmod "$NTB/ntb_pingpong.ko" delay_ms=100 || fail "insmod ntb_pingpong.ko"
P=$DBG/ntb_pingpong/$PCI
wait_for 10 test -e "$P/count" || fail "no $P/count"
both pp-loaded
pp_started() { [ "$(cat "$P/count" 2>/dev/null || echo 0)" -gt 0 ]; }
wait_for 60 pp_started || fail "ntb_pingpong count still 0 after 60 s"
c0=$(rd "$P/count")
sleep 5
c1=$(rd "$P/count")
echo "ntb_pingpong count $c0, 5 s later $c1 (+$((c1 - c0)))"
[ $((c1 - c0)) -ge 5 ] || fail "ntb_pingpong count grew by $((c1 - c0)) in 5 s (delay_ms=100)"
both pp-done
rmmod ntb_pingpong || fail "rmmod ntb_pingpong"
both pp-unloaded

# ---- 4. ntb_perf ----
step "4. ntb_perf"
insmod "$NTB/ntb_perf.ko" total_order="$PERF_ORDER" || fail "insmod ntb_perf.ko"
PF=$DBG/ntb_perf/$PCI
wait_for 10 test -e "$PF/run" || fail "no $PF/run"
both perf-loaded
for who in host ep; do
	if [ "$PEDMA_ROLE" = "$who" ]; then
		lab_log "ntb_perf test to peer 0 ($((1 << PERF_ORDER)) bytes)"
		rc=0
		# shellcheck disable=SC2016  # expanded by that bash
		timeout 180 bash -c 'printf "0\n" >"$1"' _ "$PF/run" || rc=$?
		if [ "$rc" != 0 ]; then
			rd "$PF/info" | sed 's/^/    /'
			fail "ntb_perf: writing 0 to run failed (exit $rc)"
		fi
		res=$(rd "$PF/run")
		printf '%s\n' "$res" | sed 's/^/    /'
		rd "$PF/info" | sed 's/^/    /'
		line=$(printf '%s\n' "$res" | grep -E '^[0-9]+: copied [0-9]+ bytes in [0-9]+ usecs, [0-9]+ MBytes/s$' | head -n 1) ||
			fail "ntb_perf reported no transfer rate"
		! printf '%s\n' "$res" | grep -q 'error status' || fail "ntb_perf reported an error"
		copied=$(echo "$line" | awk '{ print $3 }')
		rate=$(echo "$line" | awk '{ print $(NF - 1) }')
		[ "$copied" = $((1 << PERF_ORDER)) ] || fail "ntb_perf copied $copied bytes, not $((1 << PERF_ORDER))"
		[ "$rate" -gt 0 ] || fail "ntb_perf rate $rate MBytes/s"
		echo "ntb_perf $who -> $PEER_ROLE: $copied bytes, $rate MBytes/s"
	fi
	both "perf-$who" 240
done
rmmod ntb_perf || fail "rmmod ntb_perf"
both perf-unloaded

# ---- 5. ntb_transport, ntb_netdev ----
step "5. ntb_transport, ntb_netdev"
insmod "$NTB/ntb_transport.ko" || fail "insmod ntb_transport.ko"
insmod "$NTB/ntb_netdev.ko" || fail "insmod ntb_netdev.ko"
IF=""
wait_for 30 find_if || fail "no net device of driver ntb_netdev"
echo "ntb_netdev interface $IF ($(readlink -f "/sys/class/net/$IF/device"))"
ip addr add "$SELF4/24" dev "$IF" || fail "ip addr add $SELF4/24 dev $IF"
ip link set "$IF" up || fail "ip link set $IF up"
wait_for 60 has_carrier || fail "$IF has no carrier 60 s after up"
ip -br addr show dev "$IF"
echo "$IF mtu $(cat "/sys/class/net/$IF/mtu"), carrier 1"
both net-up

ping_check 20
ping_check 5 -s 8000
echo "ping $PEER4 over $IF: 20 of 20, and 5 of 5 with 8000 bytes"
both ping-done

XFER_PORT=5391 IPERF_PORT=5392
if [ "$PEDMA_ROLE" = host ]; then
	src=/tmp/ntb-xfer.bin
	head -c "$XFER_BYTES" /dev/urandom >"$src"
	sha_of "$src" >"$SHARE/xfer.sha256"
	lab_wait ntb-xfer-ready 60 || fail "the ep side's tcp_xfer never listened"
	out=$(timeout 120 "$XFER" send "$PEER4" "$XFER_PORT" "$src" 2>&1) ||
		fail "tcp_xfer send: $out"
	echo "    $out"
	n=$(printf '%s\n' "$out" | sed -n 's/^tcp_xfer: sent \([0-9]*\) bytes to .*, receiver counted \([0-9]*\)$/\1 \2/p')
	[ "$n" = "$XFER_BYTES $XFER_BYTES" ] || fail "tcp_xfer sent/counted '${n:-none}', expected $XFER_BYTES"
	rm -f "$src"
else
	dst=/tmp/ntb-xfer.bin
	timeout 120 "$XFER" recv "$XFER_PORT" "$dst" >"$SHARE/xfer-recv.log" 2>&1 &
	pid=$!
	wait_for 30 listening "$XFER_PORT" || fail "tcp_xfer recv not listening"
	lab_signal ntb-xfer-ready
	wait "$pid" || fail "tcp_xfer recv: $(cat "$SHARE/xfer-recv.log")"
	sed 's/^/    /' "$SHARE/xfer-recv.log"
	size=$(stat -c %s "$dst")
	want=$(cut -d' ' -f1 "$SHARE/xfer.sha256")
	got=$(sha_of "$dst")
	[ "$size" = "$XFER_BYTES" ] || fail "received $size bytes, expected $XFER_BYTES"
	[ "$got" = "$want" ] || fail "SHA-256 of the received file $got, the host's $want"
	echo "received $size bytes over $IF, SHA-256 ${got:0:16}... matches the host's"
	rm -f "$dst"
fi
both xfer-done

if [ "$PEDMA_ROLE" = ep ]; then
	timeout 60 iperf3 -s -1 -p "$IPERF_PORT" -f m >"$SHARE/iperf-server.log" 2>&1 &
	pid=$!
	wait_for 30 listening "$IPERF_PORT" || fail "iperf3 server not listening"
	lab_signal ntb-iperf-ready
	wait "$pid" || fail "iperf3 server: $(tail -n 5 "$SHARE/iperf-server.log")"
	line=$(grep ' receiver$' "$SHARE/iperf-server.log" | tail -n 1) || true
	echo "    ${line:-no receiver line}"
else
	lab_wait ntb-iperf-ready 60 || fail "the ep side's iperf3 server never listened"
	out=$(timeout 60 iperf3 -c "$PEER4" -p "$IPERF_PORT" -t "$IPERF_T" -f m 2>&1) ||
		fail "iperf3 client: $(printf '%s\n' "$out" | tail -n 5)"
	printf '%s\n' "$out" | tail -n 4 | sed 's/^/    /'
	rate=$(printf '%s\n' "$out" | awk '/ receiver$/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") r = $(i - 1) } END { print r }')
	awk -v r="${rate:-0}" 'BEGIN { exit !(r + 0 > 0) }' || fail "iperf3: receiver rate '${rate:-none}' Mbits/sec"
	echo "iperf3 host -> ep over $IF ($IPERF_T s): $rate Mbits/sec"
fi
both iperf-done 90

# ---- 6. the link goes down and comes back ----
step "6a. the endpoint's NTB driver unloaded and loaded again"
if [ "$PEDMA_ROLE" = ep ]; then
	ip link set "$IF" down || fail "ip link set $IF down"
	for m in ntb_netdev ntb_transport ntb_hw_pedma_lab; do
		rmmod "$m" || fail "rmmod $m"
	done
	lab_signal ntb-ep-unloaded
	lab_wait ntb-host-saw-down 60 || fail "the host never saw the link go down"
	net_up
	echo "ntb_hw_pedma_lab, ntb_transport, ntb_netdev loaded again: $IF, carrier 1"
else
	lab_wait ntb-ep-unloaded 60 || fail "the endpoint never unloaded"
	ms=$(carrier_ms 0 10) || fail "$IF still has carrier 10 s after the endpoint's rmmod"
	echo "$IF lost its carrier ${ms} ms after the endpoint's rmmod"
	lab_signal ntb-host-saw-down
	ms=$(carrier_ms 1 90) || fail "$IF has no carrier 90 s after the endpoint's reload"
	echo "$IF has carrier again"
fi
both reloaded 150
ping_check 10
echo "ping $PEER4 over $IF after the reload: 10 of 10"
both reload-ping

step "6b. the endpoint's guest killed (nothing unloads) and booted again"
if [ "$PEDMA_ROLE" = ep ]; then
	lab_signal ntb-ep-kill
	lab_restart_self "lab-ntb: the host must see the link go down, then up"
	fail "the launcher did not restart this guest"
fi
lab_wait ntb-ep-kill 60 || fail "the endpoint never asked to be killed"
ms=$(carrier_ms 0 30) || fail "$IF still has carrier 30 s after the endpoint's kill request"
echo "$IF lost its carrier ${ms} ms after the endpoint's kill request"
lab_wait ntb-ep-back 300 || fail "the endpoint never came back"
ms=$(carrier_ms 1 90) || fail "$IF has no carrier 90 s after the endpoint came back"
echo "$IF has carrier again after the endpoint's reboot"
both killed-back 240
ping_check 10
echo "ping $PEER4 over $IF after the endpoint's reboot: 10 of 10"
both killed-ping

final_unload

# ---- 7. ----
step "7. end"
lab_dmesg_check || fail "kernel reported a problem"
finish
