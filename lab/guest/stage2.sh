#!/bin/bash
# Second stage of a lab guest: PID 1 in the overlay of the host's root (the
# host's Debian userspace, read-only below a tmpfs).  Sets the guest up, runs
# the role's script and powers off.  Never exits: PID 1 exiting panics.
#
# Kernel command line (set by lab/pedma-lab):
#   pedma_lab.role=host|ep  pedma_lab.repo=DIR  pedma_lab.build=DIR
#   pedma_lab.script=FILE   pedma_lab.timeout=SEC  pedma_lab.nopedma=1
#   pedma_lab.boot=N (1, or 2, 3, ... after lab_restart_self: LAB_BOOT)
#
# Results in /lab/out (the run's output dir on the host):
#   ROLE.out (stdout+stderr of the script), ROLE.rc (its exit code, 124 when
#   it timed out), ROLE.dmesg, ROLE.setup (this file's own log).
set -u

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export TERM=dumb
LAB_OUT=/lab/out
ROLE=unknown

role=unknown repo="" build="" script="" timeout=240 nopedma=0 shell="" ttysize=24x80 boot=1
read -r -a cmdline </proc/cmdline || true
for w in "${cmdline[@]}"; do
	case "$w" in
	pedma_lab.role=*) role=${w#*=} ;;
	pedma_lab.repo=*) repo=${w#*=} ;;
	pedma_lab.build=*) build=${w#*=} ;;
	pedma_lab.script=*) script=${w#*=} ;;
	pedma_lab.timeout=*) timeout=${w#*=} ;;
	pedma_lab.nopedma=*) nopedma=${w#*=} ;;
	pedma_lab.shell=*) shell=${w#*=} ;;
	pedma_lab.tty=*) ttysize=${w#*=} ;;
	pedma_lab.boot=*) boot=${w#*=} ;;
	esac
done
ROLE=$role

finished=0
finish() {
	local rc=$1
	[ "$finished" -eq 1 ] && return
	finished=1
	[ -e "$LAB_OUT/$ROLE.rc" ] || echo "$rc" >"$LAB_OUT/$ROLE.rc"
	dmesg >"$LAB_OUT/$ROLE.dmesg" 2>&1
	sync
	echo "pedma-lab $ROLE: powering off (rc $rc)"
	busybox poweroff -f
	while :; do sleep 1; done
}
trap 'finish 125' EXIT
trap 'finish 126' TERM INT HUP

setup_log=$LAB_OUT/$ROLE.setup
: >"$setup_log" 2>/dev/null || setup_log=/dev/null
say() { printf 'pedma-lab %s: %s\n' "$ROLE" "$*" | tee -a "$setup_log"; }
fail_setup() {
	say "SETUP ERROR: $*"
	echo 120 >"$LAB_OUT/$ROLE.rc"
	finish 120
}

mnt() {	# mnt TYPE DIR [OPTS]
	mountpoint -q "$2" && return 0
	mkdir -p "$2"
	mount -t "$1" ${3:+-o "$3"} "$1" "$2" || say "warning: mount $1 $2 failed"
}
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
mnt devpts /dev/pts gid=5,mode=620,ptmxmode=666
mnt tmpfs /dev/shm mode=1777
# What udev or systemd would create: /dev/fd (bash process substitution),
# /dev/stdin, /dev/stdout, /dev/stderr.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
# /tmp stays the overlay (writable, private to the guest) so that scripts in
# the host's /tmp are visible in the guest at the same path.
mnt tmpfs /run mode=755
mountpoint -q /lab/out || fail_setup "/lab/out is not mounted"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

case "$ROLE" in
host) self_ip=169.254.77.1 peer_ip=169.254.77.2 ;;
ep) self_ip=169.254.77.2 peer_ip=169.254.77.1 ;;
*) fail_setup "bad pedma_lab.role=$ROLE" ;;
esac
hostname "pedma-$ROLE"

# Network: lo and the virtio-net link to the other guest.
ip link set lo up
netdev=""
for n in /sys/class/net/*; do
	n=${n##*/}
	[ "$n" = lo ] && continue
	netdev=$n
	break
done
if [ -n "$netdev" ]; then
	if ! { ip addr add "$self_ip/24" dev "$netdev" && ip link set "$netdev" up; }; then
		say "warning: could not configure $netdev"
	fi
else
	say "warning: no network device"
fi

# RDMA core modules (from the host's /lib/modules, same kernel).
for m in ib_core ib_uverbs rdma_ucm; do
	modprobe "$m" || say "warning: modprobe $m failed"
done

# pedma-lab run --env NAME=VALUE (before the modules: PEDMA_LAB_ARGS)
# shellcheck disable=SC1091
[ -f "$LAB_OUT/lab.env" ] && . "$LAB_OUT/lab.env"

# pedma.ko (the core), then pedma_lab.ko (the lab backend, binds the
# ivshmem device the model marked) with $PEDMA_LAB_ARGS; with pedma-lab
# --ep-dmaengine (LAB_EP_MOVER=dmaengine) first pedma_lab_dma.ko, the lab's
# dmaengine driver, which stays loaded (the tests reload the other two).
# With pedma-lab --ntb (LAB_BACKEND=ntb) a board's stack instead: the NTB
# core, the lab's dmaengine driver, the lab NTB device (its endpoint offers
# the engine; with pedma-lab --ntb-shared, LAB_NTB_ARGS=edma_regs=1: its
# registers to both sides), the core and the NTB backend pedma_ntb.ko.
pedma_loaded=0
if [ "$nopedma" != 1 ]; then
	kos=("$build/kernel/pedma.ko" "$build/kernel/pedma_lab.ko")
	[ "${LAB_EP_MOVER:-ll}" = dmaengine ] && kos=("$build/kernel/pedma_lab_dma.ko" "${kos[@]}")
	[ "${LAB_BACKEND:-lab}" = ntb ] &&
		kos=("$build/ntb/ntb.ko" "$build/kernel/pedma_lab_dma.ko"
		     "$build/ntb/ntb_hw_pedma_lab.ko" "$build/kernel/pedma.ko"
		     "$build/kernel/pedma_ntb.ko")
	for ko in "${kos[@]}"; do
		args=()
		if [ "$ko" = "$build/kernel/pedma_lab.ko" ]; then
			read -r -a args <<<"${PEDMA_LAB_ARGS:-}"
		elif [ "$ko" = "$build/ntb/ntb_hw_pedma_lab.ko" ]; then
			read -r -a args <<<"${LAB_NTB_ARGS:-}"
		fi
		if [ ! -f "$ko" ]; then
			say "ERROR: $ko not found (build it, or run with --no-pedma)"
			break
		elif out=$(insmod "$ko" "${args[@]}" 2>&1); then
			say "insmod $ko: ok"
		else
			say "ERROR: insmod $ko failed: $out"
			break
		fi
	done
	[ -e /sys/module/pedma_lab ] || [ -e /sys/module/pedma_ntb ] && pedma_loaded=1
fi

# The libibverbs provider.
if [ -f "$build/providers/pedma/pedma.driver" ]; then
	mkdir -p /etc/libibverbs.d
	cp "$build/providers/pedma/pedma.driver" /etc/libibverbs.d/
fi

export PEDMA_ROLE=$ROLE LAB_OUT PEDMA_BUILD=$build PEDMA_REPO=$repo
export LAB_SELF_IP=$self_ip LAB_PEER_IP=$peer_ip LAB_NETDEV=$netdev
export LAB_PEDMA_LOADED=$pedma_loaded PEDMA_TIMEOUT=$timeout LAB_SHELL_ROLE=$shell
export LAB_BOOT=$boot
# shellcheck source=lab/guest/lablib.sh
. "$repo/lab/guest/lablib.sh"
export -f lab_log lab_signal lab_wait lab_port_state lab_wait_port lab_dmesg_check
export -f lab_restart_self
export LAB_DMESG_BAD

[ -f "$script" ] || fail_setup "script '$script' not found"
say "setup done in $(cut -d' ' -f1 /proc/uptime)s of uptime (boot $boot); running $script (timeout ${timeout}s)"

cd /tmp || true
if [ "$shell" = "$ROLE" ]; then
	say "interactive shell; 'exit' or Ctrl-D powers both guests off"
	export TERM=linux
	tty=/dev/ttyS0	# a real tty: /dev/console cannot be a controlling terminal
	stty -F "$tty" rows "${ttysize%x*}" cols "${ttysize#*x}" 2>/dev/null
	# shellcheck disable=SC2094
	setsid -c bash -i <"$tty" >"$tty" 2>&1
	rc=$?
	lab_signal shell-done
	echo "$rc" >"$LAB_OUT/$ROLE.rc"
	finish "$rc"
fi
# Straight into the file (live on the host: LAB_OUT is uncached), not
# through a pipe, so that daemons the script leaves behind cannot hold the
# guest up.
rc=0
timeout --kill-after=5 "$timeout" bash "$script" </dev/null >"$LAB_OUT/$ROLE.out" 2>&1 || rc=$?
[ "$rc" -eq 124 ] && say "script timed out after ${timeout}s"
echo "$rc" >"$LAB_OUT/$ROLE.rc"
say "script exited with $rc"
finish "$rc"
