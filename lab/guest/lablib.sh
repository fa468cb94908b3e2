# shellcheck shell=bash
# Helpers for lab guest scripts.  stage2.sh sources this file and exports the
# functions, so a script run by `pedma-lab run` has them already; sourcing it
# again is harmless.
#
# Environment (set by stage2.sh): PEDMA_ROLE (host|ep), LAB_OUT (the run's
# output dir, shared by both guests, uncached), PEDMA_BUILD, PEDMA_REPO,
# LAB_SELF_IP, LAB_PEER_IP, LAB_BOOT (1, then 2, 3, ... after lab_restart_self).

: "${LAB_OUT:=/lab/out}"

# lab_log MSG...: timestamped message on stdout.
lab_log() {
	printf '[%s %s] %s\n' "$(date +%T.%3N)" "${PEDMA_ROLE:-?}" "$*"
}

# lab_signal NAME: tell the other guest NAME happened ($LAB_OUT/sync/NAME).
lab_signal() {
	local dir=$LAB_OUT/sync
	mkdir -p "$dir" || return 1
	printf '%s %s\n' "${PEDMA_ROLE:-?}" "$(date +%s.%N)" >"$dir/.$1.$$" &&
		mv -f "$dir/.$1.$$" "$dir/$1"
}

# lab_wait NAME [TIMEOUT_S]: wait (default 60 s) for lab_signal NAME.
lab_wait() {
	local name=$1 timeout=${2:-60} t0
	t0=$(date +%s)
	while [ ! -e "$LAB_OUT/sync/$name" ]; do
		if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
			lab_log "lab_wait: timed out after ${timeout}s waiting for '$name'" >&2
			return 1
		fi
		sleep 0.1
	done
}

# lab_port_state [DEV]: the state of port 1 of DEV (default pedma0), e.g.
# "4: ACTIVE"; prints nothing and fails if there is no such device.
lab_port_state() {
	local f=/sys/class/infiniband/${1:-pedma0}/ports/1/state
	[ -r "$f" ] || return 1
	cat "$f"
}

# lab_wait_port STATE [TIMEOUT_S] [DEV]: wait (default 60 s) until port 1 of
# DEV (default pedma0) is in STATE (e.g. ACTIVE, or "4: ACTIVE").
lab_wait_port() {
	local want=$1 timeout=${2:-60} dev=${3:-pedma0} t0 st=""
	t0=$(date +%s)
	while :; do
		st=$(lab_port_state "$dev" 2>/dev/null) || st=""
		case "$st" in
		"$want" | *": $want") return 0 ;;
		esac
		if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
			lab_log "lab_wait_port: $dev port 1 not $want after ${timeout}s (state: ${st:-no device})" >&2
			return 1
		fi
		sleep 0.2
	done
}

# The kernel messages that fail a run.
LAB_DMESG_BAD='BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|refcount_t|DMA guard violation'

# lab_dmesg_check: fail, printing them, if dmesg has bug/warning lines.
lab_dmesg_check() {
	local bad
	bad=$(dmesg | grep -E "$LAB_DMESG_BAD") || return 0
	lab_log "lab_dmesg_check: kernel reported problems:" >&2
	printf '%s\n' "$bad" >&2
	return 1
}

# lab_restart_self [WHY]: have the launcher kill this guest (SIGKILL of its
# QEMU: no shutdown, nothing is unloaded) and boot it again with the same
# RAM file, model and script, LAB_BOOT one higher.  Saves dmesg first (kept
# as ROLE.bootN.dmesg).  Does not return unless the launcher refused
# (--max-restarts) or did not act within 60 s: then it fails.
lab_restart_self() {
	local req=$LAB_OUT/restart-${PEDMA_ROLE:?} i
	dmesg >"$LAB_OUT/$PEDMA_ROLE.dmesg" 2>&1
	rm -f "$req.refused"
	printf 'boot %s: %s\n' "${LAB_BOOT:-1}" "${1:-restart}" >"$req.tmp" &&
		mv -f "$req.tmp" "$req" || return 1
	sync
	for ((i = 0; i < 600; i++)); do
		if [ -e "$req.refused" ]; then
			lab_log "lab_restart_self: refused by the launcher (--max-restarts)" >&2
			return 1
		fi
		sleep 0.1
	done
	lab_log "lab_restart_self: still alive 60 s after the request" >&2
	return 1
}
