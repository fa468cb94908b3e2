# shellcheck shell=bash
# NVMe over Fabrics (RDMA) helpers shared by tests/lab/t-nvmeof.sh and
# bench/lab-storage-bench.sh: an nvmet target with a brd namespace on one
# guest, nvme-rdma on the other.  Not a test itself (sourced).  The caller
# sets NQN (the subsystem), SVC (the TCP service id) and NVMEOF_RAM_MB (the
# brd size) before calling them.

# target_up ADDR: brd namespace exported on ADDR through nvmet's configfs.
target_up() {
	local addr=$1 cfs=/sys/kernel/config/nvmet s
	modprobe brd rd_nr=1 rd_size=$((NVMEOF_RAM_MB * 1024)) || { echo "modprobe brd"; return 1; }
	modprobe nvmet-rdma || { echo "modprobe nvmet-rdma"; return 1; }
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	s=$cfs/subsystems/$NQN
	mkdir -p "$s/namespaces/1" "$cfs/ports/1"
	echo 1 >"$s/attr_allow_any_host"
	echo /dev/ram0 >"$s/namespaces/1/device_path"
	echo 1 >"$s/namespaces/1/enable"
	echo rdma >"$cfs/ports/1/addr_trtype"
	echo ipv4 >"$cfs/ports/1/addr_adrfam"
	echo "$addr" >"$cfs/ports/1/addr_traddr"
	echo "$SVC" >"$cfs/ports/1/addr_trsvcid"
	ln -s "$s" "$cfs/ports/1/subsystems/$NQN"
	echo "nvmet: $NQN, namespace /dev/ram0 (${NVMEOF_RAM_MB} MiB brd), rdma $addr:$SVC"
}

target_down() {
	local cfs=/sys/kernel/config/nvmet s=/sys/kernel/config/nvmet/subsystems/$NQN
	rm -f "$cfs/ports/1/subsystems/$NQN"
	rmdir "$cfs/ports/1" 2>/dev/null || true
	echo 0 >"$s/namespaces/1/enable" 2>/dev/null || true
	rmdir "$s/namespaces/1" "$s" 2>/dev/null || true
	modprobe -r nvmet-rdma nvmet 2>/dev/null || true
	modprobe -r brd || { echo "modprobe -r brd"; return 1; }
	echo "nvmet target removed"
}

# nvme_dev: the block device of our subsystem's namespace (the multipath
# head or the controller's namespace: both "device" links have subsysnqn).
nvme_dev() {
	local b n
	for b in /sys/block/nvme*; do
		n=${b##*/}
		[[ $n =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
		[ "$(cat "$b/device/subsysnqn" 2>/dev/null)" = "$NQN" ] || continue
		echo "/dev/$n"
		return 0
	done
	return 1
}

# host_connect ADDR: nvme connect and wait for the namespace.
host_connect() {
	local addr=$1 i dev=""
	modprobe nvme-rdma || { echo "modprobe nvme-rdma"; return 1; }
	nvme connect -t rdma -a "$addr" -s "$SVC" -n "$NQN" -q "nqn.2026-12.org.pedma:$PEDMA_ROLE" ||
		{ echo "nvme connect failed"; return 1; }
	for ((i = 0; i < 150; i++)); do
		dev=$(nvme_dev) && [ -b "$dev" ] && break
		dev=""
		sleep 0.2
	done
	[ -n "$dev" ] || { echo "no namespace block device after connect"; return 1; }
	nvme list 2>/dev/null | grep -E "^/dev/nvme|Node" || true
	echo "connected: $dev ($(blockdev --getsize64 "$dev") bytes)"
}

host_disconnect() {
	local i
	nvme disconnect -n "$NQN" || { echo "nvme disconnect failed"; return 1; }
	for ((i = 0; i < 100; i++)); do
		nvme_dev >/dev/null || { echo "disconnected"; return 0; }
		sleep 0.1
	done
	echo "the namespace is still there 10 s after disconnect"
	return 1
}

