# shellcheck shell=bash
# Helpers for the lab tests; sourced by the test scripts inside a guest,
# after the lab's lablib.sh (lab_signal, lab_wait, lab_wait_port, ...).

PEER_ROLE=host
[ "$PEDMA_ROLE" = host ] && PEER_ROLE=ep
PEDMA_KO=$PEDMA_BUILD/kernel/pedma.ko		# the core
PEDMA_LAB_KO=$PEDMA_BUILD/kernel/pedma_lab.ko	# the lab backend
# The backend module the run loads (pedma-lab --ntb: LAB_BACKEND=ntb, the
# NTB backend over the lab's NTB device, as on a board) and the driver of
# the lab's PCI function
PEDMA_BACKEND=pedma_lab PEDMA_PCI_DRIVER=pedma_lab
if [ "${LAB_BACKEND:-lab}" = ntb ]; then
	PEDMA_BACKEND=pedma_ntb PEDMA_PCI_DRIVER=ntb_hw_pedma_lab
fi

# pedma_backend_load: the backend alone (the core is loaded), with the
# run's $PEDMA_LAB_ARGS for the lab backend
pedma_backend_load() {
	if [ "$PEDMA_BACKEND" = pedma_ntb ]; then
		insmod "$PEDMA_BUILD/kernel/pedma_ntb.ko"
	else
		# shellcheck disable=SC2086 # the parameters, word-split
		insmod "$PEDMA_LAB_KO" ${PEDMA_LAB_ARGS:-}
	fi
}

# pedma_load [CORE_PARAMS...]: the core with those parameters, then the
# backend (which binds the lab's device: pedma0 appears; over NTB, the
# host's appears at the NTB link's first up) with the run's
# $PEDMA_LAB_ARGS.  What the backend stands on is loaded first and stays:
# pedma-lab --ep-dmaengine, the lab's dmaengine driver pedma_lab_dma.ko;
# --ntb, ntb.ko, pedma_lab_dma.ko and ntb_hw_pedma_lab.ko.
pedma_load() {
	local m
	if [ "$PEDMA_BACKEND" = pedma_ntb ]; then
		for m in ntb:ntb/ntb.ko pedma_lab_dma:kernel/pedma_lab_dma.ko \
			 ntb_hw_pedma_lab:ntb/ntb_hw_pedma_lab.ko; do
			[ -e "/sys/module/${m%%:*}" ] && continue
			if [ "${m%%:*}" = ntb_hw_pedma_lab ]; then
				# shellcheck disable=SC2086 # pedma-lab --ntb-shared's
				insmod "$PEDMA_BUILD/${m#*:}" ${LAB_NTB_ARGS:-} || return 1
			else
				insmod "$PEDMA_BUILD/${m#*:}" || return 1
			fi
		done
		insmod "$PEDMA_KO" "$@" || return 1
		pedma_backend_load || { rmmod pedma; return 1; }
		return 0
	fi
	# its dmaengine driver first, unless stage2.sh loaded it (--no-pedma-on)
	if [ "${LAB_EP_MOVER:-ll}" = dmaengine ] && [ ! -e /sys/module/pedma_lab_dma ]; then
		insmod "$PEDMA_BUILD/kernel/pedma_lab_dma.ko" || return 1
	fi
	insmod "$PEDMA_KO" "$@" || return 1
	pedma_backend_load || { rmmod pedma; return 1; }
}

# pedma_unload: the backend first (pedma0 goes), then the core.
pedma_unload() {
	rmmod "$PEDMA_BACKEND" && rmmod pedma
}

fail() {
	echo "FAIL($PEDMA_ROLE): $*"
	exit 1
}

# The launcher's --smp N: every lab test runs on as many CPUs as it asked for.
if [ "$(nproc)" != "${LAB_SMP:-1}" ]; then
	fail "$(nproc) CPUs online; the launcher asked for ${LAB_SMP:-1}"
fi

# Both sides finished their checks: neither powers off (which takes its
# side of the link down) while the other is still testing.
finish() {
	lab_signal "$PEDMA_ROLE-finished"
	lab_wait "$PEER_ROLE-finished" 120 || fail "peer never finished"
	lab_dmesg_check || fail "kernel reported a problem"
	echo "PASS($PEDMA_ROLE)"
}

port_state() {
	cat /sys/class/infiniband/pedma0/ports/1/state 2>/dev/null || echo "absent"
}

# Milliseconds since boot, from /proc/uptime.
now_ms() {
	local up
	read -r up _ < /proc/uptime
	echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}

# Poll the port until its state text contains $1; at most $2 ms.
# Prints the milliseconds it took.
wait_state_ms() {
	local want=$1 limit=$2 t0 t
	t0=$(now_ms)
	while :; do
		t=$(( $(now_ms) - t0 ))
		case "$(port_state)" in *"$want"*) echo "$t"; return 0 ;; esac
		[ "$t" -gt "$limit" ] && { echo "$t"; return 1; }
		sleep 0.02
	done
}

# Bytes held in the kmalloc slab caches (leak check without kmemleak).
kmalloc_bytes() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^kmalloc-/ { sum += $2 * $4 } END { print sum }' /proc/slabinfo
}

# kmalloc_settled [SNAP]: the smallest of 5 kmalloc_bytes readings 0.5 s
# apart (objects freed late, e.g. after an RCU grace period or by a
# process still exiting, count in one reading and not the next; a leak
# stays in all of them); with SNAP, that reading's bytes per kmalloc cache
# ("name bytes" lines) go to the file SNAP.
kmalloc_settled() {
	local i v min="" snap=${1:-}
	for ((i = 0; i < 5; i++)); do
		((i == 0)) || sleep 0.5
		v=$(kmalloc_bytes)
		if [ -z "$min" ] || [ "$v" -lt "$min" ]; then
			min=$v
			[ -z "$snap" ] || awk '/^kmalloc-/ { print $1, $2 * $4 }' /proc/slabinfo >"$snap"
		fi
	done
	echo "$min"
}

# kmalloc_growth BEFORE AFTER: the kmalloc caches that grew between two
# kmalloc_settled snapshots, largest first (at most 8)
kmalloc_growth() {
	awk 'NR == FNR { b[$1] = $2; next } $2 > b[$1] { print $1, "+" ($2 - b[$1]) }' "$1" "$2" |
		sort -t+ -k2 -n -r | head -n 8 | tr '\n' ' '
}

# Wait (bounded) until dmesg contains a pattern.
wait_dmesg() {
	local pat=$1 limit=$2 i
	for ((i = 0; i < limit * 10; i++)); do
		dmesg | grep -q -- "$pat" && return 0
		sleep 0.1
	done
	return 1
}
