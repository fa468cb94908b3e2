# shellcheck shell=bash
# Helpers for the lab tests; sourced by the test scripts inside a guest,
# after the lab's lablib.sh (lab_signal, lab_wait, lab_wait_port, ...).

PEER_ROLE=host
[ "$PEDMA_ROLE" = host ] && PEER_ROLE=ep
PEDMA_KO=$PEDMA_BUILD/kernel/pedma.ko		# the core
PEDMA_LAB_KO=$PEDMA_BUILD/kernel/pedma_lab.ko	# the lab backend

# pedma_load [CORE_PARAMS...]: the core with those parameters, then the lab
# backend (which binds the lab's device: pedma0 appears).
pedma_load() {
	insmod "$PEDMA_KO" "$@" || return 1
	insmod "$PEDMA_LAB_KO" || { rmmod pedma; return 1; }
}

# pedma_unload: the backend first (pedma0 goes), then the core.
pedma_unload() {
	rmmod pedma_lab && rmmod pedma
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

# Wait (bounded) until dmesg contains a pattern.
wait_dmesg() {
	local pat=$1 limit=$2 i
	for ((i = 0; i < limit * 10; i++)); do
		dmesg | grep -q -- "$pat" && return 0
		sleep 0.1
	done
	return 1
}
