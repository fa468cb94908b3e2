# shellcheck shell=bash disable=SC2034  # a library: its users read IB_*, CM_*
# Shared by the lab tests of the IB management plane (t-ipoib.sh,
# t-rdmacm.sh, t-ud.sh) and bench/lab-ipoib-bench.sh.  Not a test itself
# (sourced; not registered).  Builds on t-perftest-lib.sh (pt_setup, pt_pair,
# pt_result, pt_dmesg_new, pt_summary): the same lockstep of both sides, the
# same per-run records, the same summary.
#
# Addresses.  ib0 (IPoIB) gets $IB_NET4.N/24 and $IB_NET6::N/64 (N: host 1,
# ep 2); defaults 10.77.0.0/24 and the ULA fd70:6564:6d61:1::/64, apart from
# the guests' virtio-net link (169.254.77.0/24, LAB_SELF_IP/LAB_PEER_IP).
# Override with PEDMA_IPOIB_NET4=a.b.c and PEDMA_IPOIB_NET6=xxxx:...:xxxx (a
# /64 prefix without the trailing ::).
#
# rdma_cm (CM_SELF/CM_PEER, CM_SELF6/CM_PEER6).  On an InfiniBand port
# rdma_cm resolves IP addresses through IPoIB, so ib_cm_setup loads
# ib_ipoib and uses the ib0 addresses.  On an Ethernet port (rdma_rxe on the
# virtio-net link: PEDMA_DEV=rxe0, the *-rxe.sh wrappers) it uses the link's
# own addresses, plus an IPv6 ULA ($IB_NET6 with the 4th group + 1) on the
# link.  PEDMA_CM_NET=ipoib|link forces one or the other.
#
# PEDMA_IPOIB_NETDEV=NAME makes ipoib_up use an existing netdev instead of
# loading ib_ipoib (t-ipoib-virtio.sh: the virtio-net link, to check
# t-ipoib.sh itself while there is no ib0).
#
# On an InfiniBand port the expected LIDs are host 1, endpoint 2, and the SM
# LID 1 (the host side runs the embedded SM/SA).

# shellcheck source=tests/lab/t-perftest-lib.sh
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

IB_NET4=${PEDMA_IPOIB_NET4:-10.77.0}
IB_NET6=${PEDMA_IPOIB_NET6:-fd70:6564:6d61:1}
ib_num() { [ "$1" = host ] && echo 1 || echo 2; }
IB_SELF4=$IB_NET4.$(ib_num "$PEDMA_ROLE")
IB_PEER4=$IB_NET4.$(ib_num "$PEER_ROLE")
IB_SELF6=$IB_NET6::$(ib_num "$PEDMA_ROLE")
IB_PEER6=$IB_NET6::$(ib_num "$PEER_ROLE")
IB_LID_SELF=$(ib_num "$PEDMA_ROLE")
IB_LID_PEER=$(ib_num "$PEER_ROLE")
IB_SM_LID=1
IB_IF=""			# the IPoIB netdev (ipoib_up)
IB_CARRIER_S=${PEDMA_IPOIB_CARRIER_S:-45}	# ib0 carrier: SA join of the broadcast group
IB_TOOL="stdbuf -oL"		# line-buffered tool output: readiness is seen in the logs
IB_PAIR_N=0			# ib_pair's own count: its barriers and ports (one-sided
				# ib_steps make PT_N differ between the sides)
CM_SELF="" CM_PEER="" CM_SELF6="" CM_PEER6="" CM_NET=""

# ---- lockstep ----

# ib_sync NAME [SEC]: both sides reached NAME.  Fails (at once) if the other
# side gave up (ib_abort), or after SEC (default 180) seconds.
ib_sync() {
	local name=$1 tmo=${2:-180} t0=$SECONDS
	lab_signal "$name-$PEDMA_ROLE"
	while [ ! -e "$LAB_OUT/sync/$name-$PEER_ROLE" ]; do
		if [ -e "$LAB_OUT/sync/ib-abort-$PEER_ROLE" ]; then
			lab_log "ib_sync $name: the $PEER_ROLE side gave up: $(cat "$LAB_OUT/sync/ib-abort-$PEER_ROLE")"
			return 1
		fi
		if [ $((SECONDS - t0)) -ge "$tmo" ]; then
			lab_log "ib_sync $name: the $PEER_ROLE side did not arrive in ${tmo}s"
			return 1
		fi
		sleep 0.1
	done
}

# ib_abort WHY: record WHY, tell the other side, and end the test (summary).
ib_abort() {
	pt_result FAIL "$1 (the rest was not run)"
	lab_log "giving up: $1"
	mkdir -p "$LAB_OUT/sync"
	printf '%s\n' "$1" >"$LAB_OUT/sync/ib-abort-$PEDMA_ROLE"
	ib_summary
}

# ib_note TEXT: a line in the summary that neither passes nor fails.
ib_note() {
	PT_SUMMARY+=("NOTE $1")
	lab_log "note: $1"
}

# ib_summary: the end of a test: every record, then pass (finish) or fail.
ib_summary() {
	pt_summary
}

# ---- one-sided steps ----

# ib_step DESC CMD [ARGS...]: run CMD on this side (output in a log, shown
# indented), record PASS with its last output line or FAIL with the status
# and that line; dmesg checked after it.  Returns 0 only on PASS.
ib_step() {
	local desc=$1 log rc=0 info why=""
	shift
	PT_N=$((PT_N + 1))
	log=$PT_LOGDIR/$(printf '%02d' "$PT_N")-step-$PEDMA_ROLE.log
	lab_log "#$PT_N $desc"
	"$@" >"$log" 2>&1 || rc=$?
	sed 's/^/    /' "$log"
	info=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
	[ "$rc" -eq 0 ] || why="exit status $rc: $info"
	pt_dmesg_new || why="${why:+$why; }kernel reported a problem"
	if [ -n "$why" ]; then
		pt_result FAIL "#$PT_N $desc: $why"
		lab_log "#$PT_N FAIL: $why"
		return 1
	fi
	pt_result PASS "#$PT_N $desc: $info"
	lab_log "#$PT_N ok: $info"
}

# ---- client/server pairs ----

# ib_cm_listening PORT: an rdma_cm ID listens on PORT (rdma tool, netlink).
ib_cm_listening() {
	rdma res show cm_id 2>/dev/null | grep -Eq "state LISTEN .*src-addr [^ ]*:$1 "
}

# ib_ready HOW PORT LOG: the server is ready for its client.
#   tcp: a TCP socket listens on PORT; cm: an rdma_cm ID listens on PORT;
#   cm:N: on port N; log:REGEX: LOG has a line matching REGEX.
ib_ready() {
	case "$1" in
	tcp) pt_listening "$2" ;;
	cm) ib_cm_listening "$2" ;;
	cm:*) ib_cm_listening "${1#cm:}" ;;
	log:*) grep -Eq -- "${1#log:}" "$3" 2>/dev/null ;;
	*) return 1 ;;
	esac
}

# ib_pair SERVER_ROLE CHECK TIMEOUT READY SERVER_CMD... -- CLIENT_CMD...
#   The side SERVER_ROLE runs SERVER_CMD, waits until it is ready (READY:
#   see ib_ready) and lets the other side run CLIENT_CMD; "@PORT@" in either
#   becomes this pair's port.  Each program at most TIMEOUT seconds; a server
#   still running 20 s after its client ended is killed.  Then on each side
#   CHECK LOG SIDE (SIDE: server|client) checks the output and prints a
#   one-line result.  Exit status, CHECK and dmesg decide PASS or FAIL; the
#   sequence goes on either way (like pt_pair, whose records it shares).
ib_pair() {
	local srole=$1 check=$2 tmo=$3 ready=$4
	shift 4
	local -a scmd=() ccmd=() cmd=()
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do scmd+=("$1"); shift; done
	[ "$#" -gt 0 ] && shift
	ccmd=("$@")
	local n p port side log pid rc=0 t0 tdone="" why="" info="" desc a
	PT_N=$((PT_N + 1))
	n=$PT_N
	IB_PAIR_N=$((IB_PAIR_N + 1))
	p=ibp$IB_PAIR_N
	port=$((PT_PORT_BASE + 200 + IB_PAIR_N))
	side=client
	[ "$PEDMA_ROLE" = "$srole" ] && side=server
	if [ "$side" = server ]; then
		for a in "${scmd[@]}"; do cmd+=("${a//@PORT@/$port}"); done
	else
		for a in "${ccmd[@]}"; do cmd+=("${a//@PORT@/$port}"); done
	fi
	desc="[server on $srole] ${cmd[0]##*/} ${cmd[*]:1}"
	if [ -e "$LAB_OUT/sync/$PT_ABORT" ]; then
		pt_result SKIP "#$n $desc: skipped after $PT_MAX_TIMEOUTS timeouts"
		return 0
	fi
	log=$PT_LOGDIR/$(printf '%02d' "$n")-${cmd[0]##*/}-$side-$PEDMA_ROLE.log
	lab_log "#$n $side: ${cmd[*]}"
	: >"$log"
	t0=$SECONDS
	if [ "$side" = server ]; then
		# shellcheck disable=SC2086  # IB_TOOL is a command prefix
		timeout -k 5 "$tmo" $IB_TOOL "${cmd[@]}" >"$log" 2>&1 &
		pid=$!
		while ! ib_ready "$ready" "$port" "$log"; do
			kill -0 "$pid" 2>/dev/null || break
			if [ $((SECONDS - t0)) -ge 60 ]; then
				why="not ready ($ready) after 60 s"
				break
			fi
			sleep 0.1
		done
		lab_signal "$p-ready"
		while kill -0 "$pid" 2>/dev/null; do
			if [ -z "$tdone" ] && [ -e "$LAB_OUT/sync/$p-done-$PEER_ROLE" ]; then
				tdone=$SECONDS
			fi
			if [ -n "$tdone" ] && [ $((SECONDS - tdone)) -ge 20 ]; then
				why="${why:+$why; }still running 20 s after the client ended: killed"
				kill "$pid" 2>/dev/null || true
				sleep 5
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.2
		done
		wait "$pid" || rc=$?
	else
		if lab_wait "$p-ready" 90; then
			# shellcheck disable=SC2086
			timeout -k 5 "$tmo" $IB_TOOL "${cmd[@]}" >"$log" 2>&1 || rc=$?
		else
			why="the server never started"
			rc=255
		fi
	fi
	sed 's/^/    /' "$log"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why=${why:-"timed out after ${tmo}s"}
		PT_TIMEOUTS=$((PT_TIMEOUTS + 1))
		if [ "$PT_TIMEOUTS" -ge "$PT_MAX_TIMEOUTS" ]; then
			lab_log "$PT_TIMEOUTS programs timed out: skipping the remaining runs"
			lab_signal "$PT_ABORT"
		fi
	fi
	if [ "$rc" -ne 0 ]; then
		why=${why:-"exit status $rc"}
		info=$("$check" "$log" "$side") || true
		[ -z "$info" ] || why="$why; $info"
	elif ! info=$("$check" "$log" "$side"); then
		why="bad output: $info"
	fi
	if ! pt_dmesg_new; then
		why="${why:+$why; }kernel reported a problem"
	fi
	if [ -n "$why" ]; then
		pt_result FAIL "#$n $side $desc: $why"
		lab_log "#$n FAIL ($side, $((SECONDS - t0)) s): $why"
		printf '%s\n' "$side: $why" >"$LAB_OUT/sync/$p-fail-$PEDMA_ROLE"
	else
		pt_result PASS "#$n $side $desc: $info"
		lab_log "#$n ok ($side, $((SECONDS - t0)) s): $info"
	fi
	lab_signal "$p-done-$PEDMA_ROLE"
	PT_PEER_WHY=""
	if ! lab_wait "$p-done-$PEER_ROLE" $((tmo + 60)); then
		PT_PEER_WHY="the $PEER_ROLE side never finished"
		pt_result FAIL "#$n: $PT_PEER_WHY"
		lab_signal "$PT_ABORT"
	elif [ -e "$LAB_OUT/sync/$p-fail-$PEER_ROLE" ]; then
		PT_PEER_WHY=$(cat "$LAB_OUT/sync/$p-fail-$PEER_ROLE")
	fi
	return 0
}

# ---- checks of tool output (CHECK LOG SIDE; print one line, fail on bad output) ----

# ib_check_rping: the client printed "ping data: rdma-ping-K: ..." for
# K = 0 .. RP_COUNT-1 in order (-v; -V compared every buffer: "data
# mismatch" otherwise), the server as many "server ping data" lines.
ib_check_rping() {
	local log=$1 side=$2 out
	out=$(awk -v want="$RP_COUNT" -v side="$side" '
		side == "client" && /^ping data: rdma-ping-[0-9]+: / {
			split($3, f, "-"); k = f[3] + 0
			if (k != n) bad = bad " [ping " n " printed as " k "]"
			n++
		}
		side == "server" && /^server ping data: rdma-ping-[0-9]+: / { n++ }
		/data mismatch|error|failed|bogus/ { bad = bad " [" $0 "]" }
		END {
			if (n != want) bad = bad " [" n " of " want " pings]"
			if (bad != "") { print "FAIL" bad; exit }
			print "OK " n " pings" (side == "client" ? ", every buffer validated (-V)" : "")
		}' "$log")
	case "$out" in
	OK*) echo "${out#OK }" ;;
	*) echo "${out#FAIL }"; return 1 ;;
	esac
}

# ib_check_cmatose: ucmatose/udaddy: "data transfers complete", "test
# complete", "return status 0", no failure lines.
ib_check_cmatose() {
	local log=$1 bad
	bad=$(grep -E 'fail|error|unable|unknown' "$log" | head -n 3 | tr '\n' ' ') || bad=""
	if [ -n "$bad" ]; then
		echo "$bad"
		return 1
	fi
	grep -q '^data transfers complete' "$log" || { echo "no 'data transfers complete'"; return 1; }
	grep -q '^return status 0$' "$log" || { echo "no 'return status 0'"; return 1; }
	echo "data transfers complete, return status 0"
}

# ib_check_rdma_cs: rdma_server/rdma_client: "rdma_X: end 0".
ib_check_rdma_cs() {
	local log=$1
	if grep -Eq '^rdma_(server|client): end 0$' "$log" &&
		! grep -Eqi 'error|fail|No such|Invalid' "$log"; then
		echo "end 0 (16-byte send and reply)"
		return 0
	fi
	grep -Ev '^rdma_(server|client): start' "$log" | head -n 3 | tr '\n' ' '
	return 1
}

# ib_check_iperf: iperf3's "receiver" summary line with a rate > 0 (-f m).
ib_check_iperf() {
	local log=$1 out
	out=$(awk '
		/ receiver$/ { n++; for (i = 1; i <= NF; i++) if ($i ~ /bits\/sec$/) { r = $(i - 1); u = $i; t = $(i - 3) " " $(i - 2) } }
		/iperf3: error|unable to/ { err = err " [" $0 "]" }
		END {
			if (err != "") { print "FAIL" err; exit }
			if (!n) { print "FAIL no receiver summary line"; exit }
			if (!(r + 0 > 0)) { print "FAIL receiver rate " r " " u; exit }
			print "OK " r " " u " (" t " received)"
		}' "$log")
	case "$out" in
	OK*) echo "${out#OK }" ;;
	*) echo "${out#FAIL }"; return 1 ;;
	esac
}

# ---- port attributes (InfiniBand only) ----

# ib_port_check: ibstat, ibv_devinfo and sysfs agree on what an IB port
# managed by pedma's embedded SM must show: port ACTIVE, LinkUp, LID
# $IB_LID_SELF, SM LID $IB_SM_LID, P_Key 0xffff at index 0, link layer
# InfiniBand.
ib_port_check() {
	local dev=$PT_DEV s=/sys/class/infiniband/$PT_DEV/ports/1 st di bad="" v
	st=$(ibstat "$dev" 1 2>&1) || { echo "ibstat $dev 1 failed: $st"; return 1; }
	di=$(ibv_devinfo -d "$dev" -i 1 2>&1) || { echo "ibv_devinfo failed: $di"; return 1; }
	printf '%s\n' "$st" "$di"
	v=$(awk -F': *' '/State:/ { print $2; exit }' <<<"$st")
	[ "$v" = Active ] || bad+=" [ibstat State: $v]"
	v=$(awk -F': *' '/Physical state:/ { print $2 }' <<<"$st")
	[ "$v" = LinkUp ] || bad+=" [ibstat Physical state: $v]"
	v=$(awk -F': *' '/Base lid:/ { print $2 }' <<<"$st")
	[ "$v" = "$IB_LID_SELF" ] || bad+=" [ibstat Base lid: $v, expected $IB_LID_SELF]"
	v=$(awk -F': *' '/SM lid:/ { print $2 }' <<<"$st")
	[ "$v" = "$IB_SM_LID" ] || bad+=" [ibstat SM lid: $v, expected $IB_SM_LID]"
	v=$(awk -F': *' '/Link layer:/ { print $2 }' <<<"$st")
	[ "$v" = InfiniBand ] || bad+=" [ibstat Link layer: $v]"
	v=$(awk '$1 == "port_lid:" { print $2 }' <<<"$di")
	[ "$v" = "$IB_LID_SELF" ] || bad+=" [ibv_devinfo port_lid: $v]"
	v=$(awk '$1 == "sm_lid:" { print $2 }' <<<"$di")
	[ "$v" = "$IB_SM_LID" ] || bad+=" [ibv_devinfo sm_lid: $v]"
	v=$(awk '$1 == "state:" { print $2 }' <<<"$di")
	[ "$v" = PORT_ACTIVE ] || bad+=" [ibv_devinfo state: $v]"
	v=$(cat "$s/lid" 2>/dev/null) || v=none
	[ "$((v))" = "$IB_LID_SELF" ] 2>/dev/null || bad+=" [sysfs lid: $v]"
	v=$(cat "$s/sm_lid" 2>/dev/null) || v=none
	[ "$((v))" = "$IB_SM_LID" ] 2>/dev/null || bad+=" [sysfs sm_lid: $v]"
	v=$(cat "$s/pkeys/0" 2>/dev/null) || v=none
	[ "$v" = 0xffff ] || bad+=" [P_Key index 0: $v]"
	if [ -n "$bad" ]; then
		echo "port attributes:$bad"
		return 1
	fi
	echo "$dev port 1 Active/LinkUp, LID $IB_LID_SELF, SM LID $IB_SM_LID, P_Key 0xffff (ibstat, ibv_devinfo, sysfs)"
}

# ---- IPoIB ----

# ipoib_find_if: the IPoIB netdev of port 1 of $PT_DEV: a net device of
# type ARPHRD_INFINIBAND (32) under the RDMA device's parent, else any ib*.
ipoib_find_if() {
	local n
	for n in "/sys/class/infiniband/$PT_DEV/device/net/"* /sys/class/net/ib*; do
		[ -e "$n/type" ] || continue
		[ "$(cat "$n/type")" = 32 ] || continue
		echo "${n##*/}"
		return 0
	done
	return 1
}

# ipoib_addrs IF: this side's ib0 addresses on IF (again after a reload or
# down/up: IPv6 addresses do not survive a down), then wait until IPv6
# duplicate address detection is over (up to 10 s).
ipoib_addrs() {
	local ifn=$1 i
	ip addr replace "$IB_SELF4/24" dev "$ifn" || return 1
	ip -6 addr replace "$IB_SELF6/64" dev "$ifn" || return 1
	for ((i = 0; i < 100; i++)); do
		[ -z "$(ip -6 addr show dev "$ifn" tentative 2>/dev/null)" ] && break
		sleep 0.1
	done
	if [ -n "$(ip -6 addr show dev "$ifn" dadfailed 2>/dev/null)" ]; then
		echo "IPv6 duplicate address detection failed on $ifn"
		return 1
	fi
}

# ipoib_wait_carrier IF SEC
ipoib_wait_carrier() {
	local ifn=$1 tmo=$2 t0=$SECONDS
	while [ "$(cat "/sys/class/net/$ifn/carrier" 2>/dev/null)" != 1 ]; do
		if [ $((SECONDS - t0)) -ge "$tmo" ]; then
			echo "$ifn: no carrier after ${tmo}s (operstate $(cat "/sys/class/net/$ifn/operstate" 2>/dev/null))"
			return 1
		fi
		sleep 0.2
	done
}

# ipoib_up: load ib_ipoib (unless PEDMA_IPOIB_NETDEV names a netdev to use),
# find the netdev (IB_IF), bring it up, wait for carrier (IPoIB reports
# carrier once its SA join of the broadcast group succeeded), add the
# addresses.  Prints what it did; fails with the reason.
ipoib_up() {
	local t0=$SECONDS
	if [ -n "${PEDMA_IPOIB_NETDEV:-}" ]; then
		IB_IF=$PEDMA_IPOIB_NETDEV
	else
		modprobe ib_ipoib || { echo "modprobe ib_ipoib failed"; return 1; }
		IB_IF=""
		while ! IB_IF=$(ipoib_find_if); do
			if [ $((SECONDS - t0)) -ge 15 ]; then
				echo "ib_ipoib loaded, but no IPoIB netdev for $PT_DEV after 15 s"
				return 1
			fi
			sleep 0.2
		done
	fi
	[ -e "/sys/class/net/$IB_IF" ] || { echo "no netdev $IB_IF"; return 1; }
	ip link set "$IB_IF" up || { echo "ip link set $IB_IF up failed"; return 1; }
	ipoib_wait_carrier "$IB_IF" "$IB_CARRIER_S" || return 1
	ipoib_addrs "$IB_IF" || return 1
	ip -d addr show dev "$IB_IF"
	echo "$IB_IF up with carrier after $((SECONDS - t0)) s: $IB_SELF4/24, $IB_SELF6/64, MTU $(cat "/sys/class/net/$IB_IF/mtu"), mode $(cat "/sys/class/net/$IB_IF/mode" 2>/dev/null || echo -)"
}

# ipoib_set_mode MODE: datagram, or connected with MTU 65520.
ipoib_set_mode() {
	local mode=$1 m mtu
	echo "$mode" >"/sys/class/net/$IB_IF/mode" || { echo "cannot set mode $mode"; return 1; }
	if [ "$mode" = connected ]; then
		ip link set "$IB_IF" mtu 65520 || { echo "cannot set MTU 65520"; return 1; }
	fi
	ipoib_wait_carrier "$IB_IF" 30 || return 1
	m=$(cat "/sys/class/net/$IB_IF/mode")
	mtu=$(cat "/sys/class/net/$IB_IF/mtu")
	ip -d link show dev "$IB_IF"
	[ "$m" = "$mode" ] || { echo "mode reads back as $m"; return 1; }
	if [ "$mode" = connected ] && [ "$mtu" != 65520 ]; then
		echo "connected mode MTU $mtu, expected 65520"
		return 1
	fi
	echo "$IB_IF mode $m, MTU $mtu, carrier"
}

# ib_ping ADDR [PING_ARGS...]: ADDR answers (up to 20 s for the first reply:
# ARP/ND and path resolution), then 10 pings at 0.2 s of which at least 9
# must be answered (the lab shares two cores with QEMU's dgram netdev, which
# drops a packet now and then under load; a link that does not work loses
# them all).
ib_ping() {
	local addr=$1 t0=$SECONDS out got
	shift
	until ping -n -c 1 -W 2 "$@" "$addr" >/dev/null 2>&1; do
		if [ $((SECONDS - t0)) -ge 20 ]; then
			ping -n -c 1 -W 2 "$@" "$addr" 2>&1
			echo "$addr: no reply for 20 s"
			return 1
		fi
	done
	out=$(ping -n -c 10 -i 0.2 -W 5 "$@" "$addr" 2>&1) || true
	printf '%s\n' "$out"
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	if [ "${got:-0}" -lt 9 ]; then
		echo "$addr: ${got:-0} of 10 pings answered"
		return 1
	fi
	echo "ping ${*:+$* }$addr: $got/10, $(grep -o 'rtt [^ ]* = [^ ]*' <<<"$out" | cut -d/ -f5) ms avg"
}

# ipoib_link6 ADDR/LEN DEV: an IPv6 address for rdma_cm on an Ethernet link.
ipoib_link6() {
	ip -6 addr replace "$1" dev "$2" nodad || return 1
	echo "$1 on $2"
}

# ib_cm_setup NAME: the device (pt_setup NAME, port ACTIVE on both sides);
# on InfiniBand its port attributes (ib_port_check) and ib0 (ipoib_up);
# CM_SELF/CM_PEER (IPv4) and CM_SELF6/CM_PEER6 for rdma_cm; both sides
# ping each other.  Gives up (ib_abort) when the addresses are not usable.
ib_cm_setup() {
	pt_setup "$1"
	CM_NET=${PEDMA_CM_NET:-}
	if [ -z "$CM_NET" ]; then
		CM_NET="link"
		[ "$PT_LINK" = InfiniBand ] && CM_NET=ipoib
	fi
	if [ "$PT_LINK" = InfiniBand ]; then
		ib_step "port attributes ($PT_DEV)" ib_port_check || true
	else
		ib_note "link layer $PT_LINK: no LID/SM checks"
	fi
	case "$CM_NET" in
	ipoib)
		ib_step "IPoIB up" ipoib_up || ib_abort "no IPoIB interface for rdma_cm"
		CM_SELF=$IB_SELF4 CM_PEER=$IB_PEER4 CM_SELF6=$IB_SELF6 CM_PEER6=$IB_PEER6
		;;
	link)
		local net6
		net6=${IB_NET6%:*}:$(printf '%x' $((0x${IB_NET6##*:} + 1)))
		CM_SELF=$LAB_SELF_IP CM_PEER=$LAB_PEER_IP
		CM_SELF6=$net6::$(ib_num "$PEDMA_ROLE") CM_PEER6=$net6::$(ib_num "$PEER_ROLE")
		ib_step "IPv6 $CM_SELF6 on ${LAB_NETDEV:-eth0}" \
			ipoib_link6 "$CM_SELF6/64" "${LAB_NETDEV:-eth0}" ||
			ib_abort "cannot add $CM_SELF6"
		;;
	*) ib_abort "PEDMA_CM_NET: ipoib or link, not '$CM_NET'" ;;
	esac
	lab_log "rdma_cm addresses: $CM_SELF -> $CM_PEER, $CM_SELF6 -> $CM_PEER6 ($CM_NET)"
	ib_sync cm-addrs || ib_abort "the $PEER_ROLE side did not set its addresses up"
	if ! ib_step "ping $CM_PEER" ib_ping "$CM_PEER"; then
		ping -n -c 3 -W 2 -q "$CM_PEER" >/dev/null 2>&1 || ib_abort "$CM_PEER does not answer"
	fi
	ib_step "ping $CM_PEER6" ib_ping "$CM_PEER6" || true
	ib_sync cm-ping || ib_abort "the $PEER_ROLE side cannot reach $CM_SELF"
}
