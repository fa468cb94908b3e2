#!/bin/bash
# Guest side of bench/storage-bench: lab/pedma-lab runs it in both guests;
# not useful on its own.  Reads $LAB_OUT/bench.conf (written by
# storage-bench).  $SB_SERVER's side is the storage server, the other side
# the client:
#   - NVMe over Fabrics, once per transport of $SB_TRANSPORTS (pedma0: the
#     target on the server's ib0 address; rxe0: rdma_rxe on the virtio-net
#     link, the target on the server's address there): nvmet-rdma exports a
#     brd RAM disk, the client connects with nvme connect -t rdma and runs
#     fio (libaio, direct=1, time-based) on the raw namespace, each job of
#     $SB_NVME_JOBS in turn; disconnect; target down;
#   - NFS (NFSv4.2, nfsd exporting a tmpfs), once per way of $SB_NFS_WAYS
#     (rdma: proto=rdma, port 20049, to the server's ib0 address over
#     pedma0; tcp: proto=tcp to the server's virtio-net address): fio
#     writes a $SB_NFS_MIB MiB file with O_DIRECT, caches are dropped on the
#     client, fio reads it back with O_DIRECT; the file is removed; umount.
# The client side appends a row per measurement to
# $LAB_OUT/results-<role>.csv:
#   section,transport,test,bs,iodepth,seconds,iops,mb_s,clat_us,status
# from fio's JSON output (jq); status: ok, or why there is no value.  A
# transport that does not come up or a step that fails is recorded and the
# bench goes on.  The run machinery (ib_step, ib_sync, ipoib_up) is the lab
# tests' t-ib-lib.sh; the target and the NFS server are set up as
# t-nvmeof.sh and t-nfs.sh do.
set -euo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"
# shellcheck source=tests/lab/t-nvmeof-lib.sh
source "$PEDMA_REPO/tests/lab/t-nvmeof-lib.sh"

SB_SERVER=ep			# the storage server (nvmet target, nfsd)
SB_TRANSPORTS="pedma0 rxe0"	# NVMe-oF over these RDMA devices
SB_NFS_WAYS="rdma tcp"		# NFS over RDMA (pedma0) and over TCP (virtio-net)
SB_RUNTIME=10			# fio --runtime of each NVMe-oF job (time-based)
SB_RAMP=2			# fio --ramp_time of each NVMe-oF job
SB_IODEPTH=32			# NVMe-oF jobs' iodepth
# NVMe-oF jobs, in this order (writes first: brd reads of never-written
# pages are cheaper): NAME:RW:BS
SB_NVME_JOBS="write128k:write:128k randwrite4k:randwrite:4k randread4k:randread:4k read128k:read:128k"
SB_RAM_MB=128			# brd namespace size
SB_NFS_MIB=64			# NFS file size
SB_NFS_BS=1M			# NFS fio block size
SB_NFS_IODEPTH=4		# NFS fio iodepth (libaio, O_DIRECT)
SB_NFS_LIMIT=60			# NFS fio --runtime cap (the write may stop early)
SB_FIO_TMO=120			# beyond its runtime, one fio run's time limit
# shellcheck source=/dev/null
[ -f "$LAB_OUT/bench.conf" ] && source "$LAB_OUT/bench.conf"

NQN=nqn.2026-12.org.pedma:bench
SVC=4420
NVMEOF_RAM_MB=$SB_RAM_MB
NFS_PORT=20049
NFS_EXPORT=/srv/pedma-bench
NFS_MNT=/mnt/pedma-bench
PT_LOGDIR=$LAB_OUT/logs
CSV=$LAB_OUT/results-$PEDMA_ROLE.csv
mkdir -p "$PT_LOGDIR" "$LAB_OUT/sync"
: >"$CSV"
client=host
[ "$SB_SERVER" = host ] && client=ep
SIDE=client
[ "$PEDMA_ROLE" = "$SB_SERVER" ] && SIDE=server
addr_of() {	# addr_of pedma0|rxe0 ROLE: ROLE's address for that transport
	case "$1" in
	pedma0) echo "$IB_NET4.$(ib_num "$2")" ;;
	*) echo "${LAB_SELF_IP%.*}.$(ib_num "$2")" ;;
	esac
}
lab_log "storage-bench: $SIDE; NVMe-oF over [$SB_TRANSPORTS], NFS over [$SB_NFS_WAYS]," \
	"fio ${SB_RUNTIME}s (+${SB_RAMP}s ramp) per NVMe-oF job, NFS ${SB_NFS_MIB} MiB"

# row SECTION TRANSPORT TEST BS IODEPTH SECONDS IOPS MB_S CLAT_US STATUS (client only)
row() {
	local st
	[ "$SIDE" = client ] || return 0
	st=$(printf '%s' "${10}" | tr ',\n' '; ')
	echo "$1,$2,$3,$4,$5,$6,$7,$8,$9,$st" >>"$CSV"
}

# step DESC CMD...: ib_step; on failure STEP_WHY is its reason.
STEP_WHY=""
step() {
	STEP_WHY=""
	if ib_step "$@"; then
		return 0
	fi
	STEP_WHY=$(printf '%s\n' "${PT_SUMMARY[-1]}" | sed 's/^FAIL #[0-9]* //')
	return 1
}

# agree NAME MINE: both sides publish MINE ("ok" or why not) under NAME and
# wait for each other; prints "" when both are ok, else the reasons.
agree() {
	local name=$1 mine=$2 peer why=""
	printf '%s\n' "$mine" >"$LAB_OUT/sync/$name-state-$PEDMA_ROLE"
	if ! ib_sync "$name" 300 >&2; then
		echo "the $PEER_ROLE side did not reach '$name'"
		return 0
	fi
	peer=$(cat "$LAB_OUT/sync/$name-state-$PEER_ROLE" 2>/dev/null) || peer="?"
	[ "$mine" = ok ] || why=$mine
	[ "$peer" = ok ] || why="${why:+$why; }$peer"
	echo "$why"
}

# ---- the transports ----

# pedma_up: pedma0 ACTIVE, ib0 up (IPoIB, t-ib-lib.sh), the peer answers.
pedma_up() {
	[ -e /sys/class/infiniband/pedma0 ] || { echo "no pedma0 (pedma.ko not loaded)"; return 1; }
	lab_wait_port ACTIVE 60 pedma0 || { echo "pedma0 port not ACTIVE"; return 1; }
	ipoib_up || return 1
}

# rxe_up: rxe0 on the virtio-net link, ACTIVE.
rxe_up() {
	if [ ! -e /sys/class/infiniband/rxe0 ]; then
		modprobe rdma_rxe || { echo "modprobe rdma_rxe failed"; return 1; }
		rdma link add rxe0 type rxe netdev "${LAB_NETDEV:-eth0}" ||
			{ echo "rdma link add rxe0 type rxe netdev ${LAB_NETDEV:-eth0} failed"; return 1; }
	fi
	lab_wait_port ACTIVE 60 rxe0 || { echo "rxe0 port not ACTIVE"; return 1; }
	echo "rxe0 on ${LAB_NETDEV:-eth0}: $(lab_port_state rxe0)"
}

# ---- NVMe over Fabrics (as t-nvmeof.sh) ----

# target_up, target_down, nvme_dev, host_connect, host_disconnect:
# tests/lab/t-nvmeof-lib.sh (sourced above)

# ---- fio ----

# fio_json JSON RW: "IOPS MB_S CLAT_US" of fio's first job (read or write
# side by RW); fails with the reason.
fio_json() {
	local json=$1 dir="read" out
	case "$2" in *write*) dir="write" ;; esac
	command -v jq >/dev/null || { echo "jq is not installed (scripts/deps.sh)"; return 1; }
	out=$(jq -r --arg d "$dir" '.jobs[0] as $j
		| [($j.error // -1), ($j[$d].iops // -1), ($j[$d].bw_bytes // -1),
		   ($j[$d].clat_ns.mean // -1)] | @tsv' "$json" 2>&1) ||
		{ echo "no JSON from fio: $(head -c 200 "$json" | tr '\n' ' ')"; return 1; }
	awk -F'\t' '{
		if ($1 != 0) { print "fio job error " $1; exit 1 }
		if (!($2 > 0) || !($3 > 0)) { print "no I/O measured: iops " $2 ", bw " $3; exit 1 }
		printf "%.0f %.2f %.0f\n", $2, $3 / 1e6, $4 / 1e3
	}' <<<"$out"
}

# fio_run NAME TIMEOUT ARGS...: fio --output-format=json into
# logs/fio-NAME-ROLE.json; on success FIO_RES is "IOPS MB_S CLAT_US".
FIO_RES=""
fio_run() {
	local name=$1 tmo=$2 json rc=0 rw="" a i m l
	shift 2
	json=$PT_LOGDIR/fio-$name-$PEDMA_ROLE.json
	FIO_RES=""
	for a in "$@"; do case "$a" in --rw=*) rw=${a#--rw=} ;; esac; done
	timeout -k 10 "$tmo" fio --name="$name" --output-format=json --output="$json" "$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		[ "$rc" -ne 124 ] || { echo "fio timed out after ${tmo}s"; return 1; }
		tail -n 5 "$json" 2>/dev/null
		echo "fio exit status $rc"
		return 1
	fi
	FIO_RES=$(fio_json "$json" "$rw") || { echo "$FIO_RES"; return 1; }
	read -r i m l <<<"$FIO_RES"
	echo "fio $name: $i IOPS, $m MB/s, clat mean $l us"
}

# ---- NVMe-oF over one transport ----

nvme_round() {	# nvme_round pedma0|rxe0 WHY_NOT ("" when usable)
	local tr=$1 why=$2 addr job name rw bs dev up=ok i m l
	addr=$(addr_of "$tr" "$SB_SERVER")
	lab_log "===== NVMe-oF over $tr (target $addr on $SB_SERVER) ====="
	if [ "$SIDE" = server ]; then
		if [ -z "$why" ]; then
			step "nvmet target on $addr ($tr)" target_up "$addr" || up="target on $SB_SERVER: $STEP_WHY"
		else
			up=$why
		fi
		printf '%s\n' "$up" >"$LAB_OUT/sync/nvme-$tr-target"
		ib_sync "nvme-$tr-target" 300 || true
		ib_sync "nvme-$tr-done" $((10 * (SB_RUNTIME + SB_RAMP + SB_FIO_TMO))) || true
		if [ -z "$why" ]; then
			step "nvmet target down ($tr)" target_down || true
		fi
		return 0
	fi
	ib_sync "nvme-$tr-target" 300 || why="${why:-the target side never got ready}"
	up=$(cat "$LAB_OUT/sync/nvme-$tr-target" 2>/dev/null) || up="no word from the target side"
	[ -n "$why" ] || [ "$up" = ok ] || why=$up
	if [ -z "$why" ] && ! step "nvme connect -t rdma -a $addr ($tr)" host_connect "$addr"; then
		why="connect: $STEP_WHY"
	fi
	dev=$(nvme_dev) || dev=""
	for job in $SB_NVME_JOBS; do
		IFS=: read -r name rw bs <<<"$job"
		if [ -n "$why" ]; then
			row nvmeof "$tr" "$name" "$bs" "$SB_IODEPTH" "$SB_RUNTIME" "" "" "" "$why"
			continue
		fi
		if step "fio $name over $tr" fio_run "nvme-$tr-$name" $((SB_RUNTIME + SB_RAMP + SB_FIO_TMO)) \
			--filename="$dev" --ioengine=libaio --direct=1 --rw="$rw" --bs="$bs" \
			--iodepth="$SB_IODEPTH" --time_based=1 --runtime="$SB_RUNTIME" \
			--ramp_time="$SB_RAMP" --size=100% --norandommap=1 --randrepeat=0; then
			read -r i m l <<<"$FIO_RES"
			row nvmeof "$tr" "$name" "$bs" "$SB_IODEPTH" "$SB_RUNTIME" "$i" "$m" "$l" ok
		else
			row nvmeof "$tr" "$name" "$bs" "$SB_IODEPTH" "$SB_RUNTIME" "" "" "" "$STEP_WHY"
		fi
	done
	[ -z "$dev" ] || step "nvme disconnect ($tr)" host_disconnect || true
	ib_sync "nvme-$tr-done" 300 || true
}

# ---- NFS ----

nfs_server_up() {	# nfs_server_up RDMA(0|1)
	local c
	modprobe nfsd || { echo "modprobe nfsd failed"; return 1; }
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd ||
		{ echo "mount nfsd failed"; return 1; }
	mkdir -p "$NFS_EXPORT" /var/lib/nfs/v4recovery
	mount -t tmpfs -o size=$((SB_NFS_MIB + 32))m,mode=1777 pedma-bench "$NFS_EXPORT" ||
		{ echo "mount tmpfs $NFS_EXPORT failed"; return 1; }
	echo 10 >/proc/fs/nfsd/nfsv4gracetime
	echo 10 >/proc/fs/nfsd/nfsv4leasetime
	for c in "$(addr_of pedma0 "$client")" "$(addr_of rxe0 "$client")"; do
		exportfs -o rw,fsid=0,no_root_squash,no_subtree_check,insecure "$c:$NFS_EXPORT" ||
			{ echo "exportfs to $c failed"; return 1; }
	done
	rpc.mountd -N 2 -N 3 --no-udp || { echo "rpc.mountd failed"; return 1; }
	rpc.nfsd -N 3 --no-udp 4 || { echo "rpc.nfsd failed"; return 1; }
	if [ "$1" = 1 ]; then
		{ modprobe rpcrdma 2>/dev/null || modprobe svcrdma; } ||
			{ echo "neither rpcrdma nor svcrdma loads"; return 1; }
		echo "rdma $NFS_PORT" >/proc/fs/nfsd/portlist ||
			{ echo "nfsd refused 'rdma $NFS_PORT' in its portlist"; return 1; }
	fi
	cat /proc/fs/nfsd/portlist
	exportfs -v
	echo "nfsd serving $NFS_EXPORT (tmpfs): $(tr '\n' ' ' </proc/fs/nfsd/portlist)"
}

nfs_server_down() {
	local bad=""
	rpc.nfsd 0 || bad+=" [rpc.nfsd 0 failed]"
	exportfs -ua || bad+=" [exportfs -ua failed]"
	pkill -x rpc.mountd || bad+=" [no rpc.mountd to stop]"
	umount "$NFS_EXPORT" || bad+=" [umount $NFS_EXPORT failed]"
	[ -z "$bad" ] || { echo "server teardown:$bad"; return 1; }
	echo "nfsd stopped, export and tmpfs gone"
}

nfs_mount() {	# nfs_mount rdma|tcp ADDR
	local way=$1 addr=$2 opts o
	o="proto=tcp"
	if [ "$way" = rdma ]; then
		{ modprobe rpcrdma 2>/dev/null || modprobe xprtrdma; } ||
			{ echo "neither rpcrdma nor xprtrdma loads"; return 1; }
		o="proto=rdma,port=$NFS_PORT"
	fi
	mkdir -p "$NFS_MNT"
	mount -t nfs4 -o "$o,vers=4.2,hard,timeo=600" "$addr:/" "$NFS_MNT" ||
		{ echo "mount -t nfs4 -o $o $addr:/ failed"; return 1; }
	opts=$(awk -v m="$NFS_MNT" '$2 == m { print $4 }' /proc/mounts)
	case ",$opts," in
	*,proto=$way,*) ;;
	*) echo "$NFS_MNT is not mounted with proto=$way: $opts"; return 1 ;;
	esac
	echo "$addr:/ on $NFS_MNT: $opts"
}

nfs_umount() {
	umount "$NFS_MNT" || { echo "umount $NFS_MNT failed"; return 1; }
	echo "unmounted $NFS_MNT"
}

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo "caches dropped"
}

nfs_round() {	# nfs_round rdma|tcp WHY_NOT
	local way=$1 why=$2 tr="tcp-virtio" addr f size i m l
	[ "$way" = rdma ] && tr="rdma-pedma0"
	addr=$(addr_of rxe0 "$SB_SERVER")
	[ "$way" = rdma ] && addr=$(addr_of pedma0 "$SB_SERVER")
	lab_log "===== NFS over $way ($SB_SERVER's $addr) ====="
	f=$NFS_MNT/bench-$way
	if [ -z "$why" ] && ! step "mount $addr:/ proto=$way" nfs_mount "$way" "$addr"; then
		why="mount: $STEP_WHY"
	fi
	if [ -n "$why" ]; then
		row nfs "$tr" write "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "" "" "" "$why"
		row nfs "$tr" read "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "" "" "" "$why"
		return 0
	fi
	if step "NFS/$way: fio write ${SB_NFS_MIB} MiB" fio_run "nfs-$way-write" $((SB_NFS_LIMIT + SB_FIO_TMO)) \
		--filename="$f" --ioengine=libaio --direct=1 --rw=write --bs="$SB_NFS_BS" \
		--iodepth="$SB_NFS_IODEPTH" --size="${SB_NFS_MIB}M" --runtime="$SB_NFS_LIMIT" \
		--end_fsync=1; then
		read -r i m l <<<"$FIO_RES"
		row nfs "$tr" write "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "$i" "$m" "$l" ok
	else
		row nfs "$tr" write "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "" "" "" "$STEP_WHY"
	fi
	size=$(stat -c %s "$f" 2>/dev/null) || size=0
	if [ "$size" -lt $((1 << 20)) ]; then
		row nfs "$tr" read "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "" "" "" "no file to read ($size bytes written)"
	else
		step "drop caches" drop_caches || true
		if step "NFS/$way: fio read $((size >> 20)) MiB" fio_run "nfs-$way-read" $((SB_NFS_LIMIT + SB_FIO_TMO)) \
			--filename="$f" --ioengine=libaio --direct=1 --rw=read --bs="$SB_NFS_BS" \
			--iodepth="$SB_NFS_IODEPTH" --size="$size" --runtime="$SB_NFS_LIMIT"; then
			read -r i m l <<<"$FIO_RES"
			row nfs "$tr" read "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "$i" "$m" "$l" ok
		else
			row nfs "$tr" read "$SB_NFS_BS" "$SB_NFS_IODEPTH" "" "" "" "" "$STEP_WHY"
		fi
	fi
	rm -f "$f" || true
	step "umount ($way)" nfs_umount || true
}

# ---- the run ----

command -v fio >/dev/null || lab_log "fio is not installed: every measurement fails"
want_pedma=0 want_rxe=0
case " $SB_TRANSPORTS $SB_NFS_WAYS " in *" pedma0 "* | *" rdma "*) want_pedma=1 ;; esac
case " $SB_TRANSPORTS " in *" rxe0 "*) want_rxe=1 ;; esac
PEDMA_WHY="not wanted" RXE_WHY="not wanted"
if [ "$want_pedma" = 1 ]; then
	mine=ok
	PT_DEV=pedma0
	step "pedma0 and ib0 up" pedma_up || mine="$PEDMA_ROLE: $STEP_WHY"
	PEDMA_WHY=$(agree pedma-up "$mine")
	if [ -z "$PEDMA_WHY" ]; then
		mine=ok
		step "ping $IB_PEER4 over ib0" ib_ping "$IB_PEER4" || mine="$PEDMA_ROLE: $STEP_WHY"
		PEDMA_WHY=$(agree pedma-ping "$mine")
	fi
	lab_log "pedma0/ib0: ${PEDMA_WHY:-usable on both sides}"
fi
if [ "$want_rxe" = 1 ]; then
	mine=ok
	step "rxe0 up" rxe_up || mine="$PEDMA_ROLE: $STEP_WHY"
	RXE_WHY=$(agree rxe-up "$mine")
	lab_log "rxe0: ${RXE_WHY:-usable on both sides}"
fi

for tr in $SB_TRANSPORTS; do
	case "$tr" in
	pedma0) nvme_round pedma0 "$PEDMA_WHY" ;;
	rxe0) nvme_round rxe0 "$RXE_WHY" ;;
	*) lab_log "unknown transport '$tr'" ;;
	esac
done

if [ -n "$SB_NFS_WAYS" ]; then
	rdma=0
	case " $SB_NFS_WAYS " in *" rdma "*) [ -n "$PEDMA_WHY" ] || rdma=1 ;; esac
	mkdir -p /var/lib/nfs
	if [ "$SIDE" = server ]; then
		mine=ok
		step "nfsd (RDMA listener: $rdma)" nfs_server_up "$rdma" || mine="nfsd on $SB_SERVER: $STEP_WHY"
		if [ "$mine" = ok ]; then
			# The client's first OPEN would wait out the grace period.
			lab_log "waiting out nfsd's NFSv4 grace period ($(cat /proc/fs/nfsd/nfsv4gracetime) s)"
			sleep $(($(cat /proc/fs/nfsd/nfsv4gracetime) + 1))
		fi
		printf '%s\n' "$mine" >"$LAB_OUT/sync/nfs-server"
		ib_sync nfs-server 300 || true
		ib_sync nfs-done 900 || true
		[ "$mine" != ok ] || step "stop nfsd" nfs_server_down || true
	else
		ib_sync nfs-server 300 || true
		srv=$(cat "$LAB_OUT/sync/nfs-server" 2>/dev/null) || srv="no word from the server side"
		for way in $SB_NFS_WAYS; do
			why=""
			[ "$srv" = ok ] || why=$srv
			[ "$way" != rdma ] || [ -n "$why" ] || why=$PEDMA_WHY
			nfs_round "$way" "$why"
		done
		ib_sync nfs-done 300 || true
	fi
fi

echo
echo "===== $PEDMA_ROLE: storage bench steps (${SECONDS}s) ====="
printf '  %s\n' "${PT_SUMMARY[@]}"
lab_signal "$PEDMA_ROLE-finished"
lab_wait "$PEER_ROLE-finished" 300 || lab_log "the $PEER_ROLE side never finished"
