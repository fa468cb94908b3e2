#!/bin/bash
# NFS over RDMA between the guests, with the kernel's unmodified nfsd
# (svcrdma) and NFS client (xprtrdma), over $PEDMA_DEV (default pedma0);
# rdma_cm resolves the server through IPoIB (ib0, t-ib-lib.sh).  First the
# server on the host and the client on the endpoint, then the other way
# round; each round:
#   server: a fresh tmpfs exported as the NFSv4 root (fsid=0), rpc.mountd and
#     rpc.nfsd (NFSv4 only), then "rdma 20049" added to nfsd's portlist;
#   client: mount -t nfs4 -o proto=rdma,port=20049 (the mount must say
#     proto=rdma), a random file written through it; the server compares the
#     SHA-256 of what arrived in its tmpfs; the server writes a random file of
#     its own into the export; the client drops its caches, reads that file
#     with O_DIRECT and compares its SHA-256 with the server's; the file it
#     wrote is read back the same way; umount;
#   server: rpc.nfsd 0, exportfs -ua, mountd stopped, tmpfs unmounted.
# NFS_MIB (default 16) MiB per file.  dmesg is checked after every step on
# both sides.  A failure is recorded and the rest still runs.
set -euo pipefail
# shellcheck source=tests/lab/t-ib-lib.sh
source "$PEDMA_REPO/tests/lab/t-ib-lib.sh"

NFS_MIB=${NFS_MIB:-16}
NFS_PORT=20049
NFS_EXPORT=/srv/pedma-nfs
NFS_MNT=/mnt/pedma-nfs

# nfs_server_up: export a fresh tmpfs to the peer and start nfsd on TCP and
# on RDMA port 20049.  The NFSv4 grace period is shortened to its minimum
# (10 s) so that the first OPEN is not held back for 90 s.
nfs_server_up() {
	modprobe nfsd || { echo "modprobe nfsd failed"; return 1; }
	modprobe rpcrdma 2>/dev/null || modprobe svcrdma ||
		{ echo "neither rpcrdma nor svcrdma loads"; return 1; }
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd ||
		{ echo "mount nfsd failed"; return 1; }
	mkdir -p "$NFS_EXPORT" /var/lib/nfs/v4recovery
	mount -t tmpfs -o size=$((4 * NFS_MIB + 16))m,mode=1777 pedma-nfs "$NFS_EXPORT" ||
		{ echo "mount tmpfs $NFS_EXPORT failed"; return 1; }
	echo 10 >/proc/fs/nfsd/nfsv4gracetime
	echo 10 >/proc/fs/nfsd/nfsv4leasetime
	exportfs -o rw,fsid=0,no_root_squash,no_subtree_check,insecure \
		"$CM_PEER:$NFS_EXPORT" || { echo "exportfs failed"; return 1; }
	rpc.mountd -N 2 -N 3 --no-udp || { echo "rpc.mountd failed"; return 1; }
	rpc.nfsd -N 3 --no-udp 4 || { echo "rpc.nfsd failed"; return 1; }
	echo "rdma $NFS_PORT" >/proc/fs/nfsd/portlist ||
		{ echo "nfsd refused 'rdma $NFS_PORT' in its portlist"; return 1; }
	cat /proc/fs/nfsd/portlist
	grep -q "^rdma $NFS_PORT$" /proc/fs/nfsd/portlist ||
		{ echo "no 'rdma $NFS_PORT' in /proc/fs/nfsd/portlist"; return 1; }
	exportfs -v
	echo "nfsd serving $NFS_EXPORT to $CM_PEER on rdma $NFS_PORT (NFSv4: $(cat /proc/fs/nfsd/versions))"
}

nfs_server_down() {
	local bad=""
	rpc.nfsd 0 || bad+=" [rpc.nfsd 0 failed]"
	exportfs -ua || bad+=" [exportfs -ua failed]"
	pkill -x rpc.mountd || bad+=" [no rpc.mountd to stop]"
	umount "$NFS_EXPORT" || bad+=" [umount $NFS_EXPORT failed]"
	if [ -n "$bad" ]; then
		echo "server teardown:$bad"
		return 1
	fi
	echo "nfsd stopped, export and tmpfs gone"
}

# nfs_mount: mount the peer's export over RDMA.  The server's grace period
# makes the client retry for up to ~10 s; mount itself returns at once.
nfs_mount() {
	local opts
	modprobe rpcrdma 2>/dev/null || modprobe xprtrdma ||
		{ echo "neither rpcrdma nor xprtrdma loads"; return 1; }
	mkdir -p "$NFS_MNT"
	mount -t nfs4 -o "proto=rdma,port=$NFS_PORT,vers=4.2,hard,timeo=600" \
		"$CM_PEER:/" "$NFS_MNT" || { echo "mount -t nfs4 -o proto=rdma failed"; return 1; }
	opts=$(awk -v m="$NFS_MNT" '$2 == m { print $4 }' /proc/mounts)
	echo "mounted: $opts"
	case ",$opts," in
	*,proto=rdma,*) ;;
	*) echo "$NFS_MNT is not mounted over RDMA: $opts"; return 1 ;;
	esac
	echo "$CM_PEER:/ on $NFS_MNT over RDMA (port $NFS_PORT)"
}

nfs_umount() {
	umount "$NFS_MNT" || { echo "umount $NFS_MNT failed"; return 1; }
	echo "unmounted $NFS_MNT"
}

# nfs_make FILE: NFS_MIB MiB of random bytes; prints the SHA-256 into
# $PT_LOGDIR/FILE-$PEDMA_ROLE.sha256 for the other side.
nfs_make() {
	local f=$1 sum
	dd if=/dev/urandom of="/tmp/$f" bs=1M count="$NFS_MIB" status=none ||
		{ echo "dd failed"; return 1; }
	sum=$(sha256sum "/tmp/$f" | cut -d' ' -f1)
	echo "$sum" >"$PT_LOGDIR/$f-$PEDMA_ROLE.sha256"
	echo "$f: $NFS_MIB MiB, SHA-256 ${sum:0:16}..."
}

# nfs_write FILE: copy /tmp/FILE into the mount and make it stable (fsync).
nfs_write() {
	local f=$1 t0=$SECONDS
	dd if="/tmp/$f" of="$NFS_MNT/$f" bs=1M conv=fsync status=none ||
		{ echo "writing $NFS_MNT/$f failed"; return 1; }
	echo "wrote $NFS_MIB MiB to $NFS_MNT/$f in $((SECONDS - t0)) s"
}

# nfs_check PATH ROLE FILE: PATH's SHA-256 is the one ROLE published for
# FILE.  Under the mount it reads with O_DIRECT after dropping the caches,
# so a client reads through the wire, not its page cache (tmpfs, the
# server's side, has no O_DIRECT).
nfs_check() {
	local path=$1 role=$2 f=$3 want got t0=$SECONDS direct=""
	want=$(cat "$PT_LOGDIR/$f-$role.sha256" 2>/dev/null) || want=""
	[ -n "$want" ] || { echo "no SHA-256 from the $role side for $f"; return 1; }
	sync
	echo 3 >/proc/sys/vm/drop_caches
	case "$path" in "$NFS_MNT"/*) direct=iflag=direct ;; esac
	got=$(dd if="$path" bs=1M ${direct:+"$direct"} status=none | sha256sum | cut -d' ' -f1) ||
		{ echo "reading $path failed"; return 1; }
	if [ "$got" != "$want" ]; then
		echo "$path: SHA-256 $got, the $role side wrote $want"
		return 1
	fi
	echo "$path: $NFS_MIB MiB read in $((SECONDS - t0)) s, SHA-256 ${got:0:16}... matches the $role side's"
}

# nfs_round SERVER_ROLE: one round, nfsd on SERVER_ROLE, the client on the other
nfs_round() {
	local srv=$1 r=$1 up=1
	if [ "$PEDMA_ROLE" = "$srv" ]; then
		ib_step "[server on $r] nfsd with an RDMA listener" nfs_server_up || up=0
		[ "$up" = 1 ] && lab_signal "nfs-$r-up"
		lab_signal "nfs-$r-ready"
		ib_sync "nfs-$r-written" 300 || up=0
		if [ "$up" = 1 ]; then
			ib_step "[server on $r] the client's file arrived" \
				nfs_check "$NFS_EXPORT/c2s-$r" "$PEER_ROLE" "c2s-$r" || true
			ib_step "[server on $r] a file of the server's" nfs_make "s2c-$r" || true
			cp "/tmp/s2c-$r" "$NFS_EXPORT/s2c-$r" && sync
		fi
		lab_signal "nfs-$r-served"
		ib_sync "nfs-$r-done" 300 || true
		[ "$up" = 1 ] && { ib_step "[server on $r] stop nfsd" nfs_server_down || true; }
		return 0
	fi
	lab_wait "nfs-$r-ready" 120 || { ib_step "[client] the server side never got ready" false || true; return 0; }
	if [ ! -e "$LAB_OUT/sync/nfs-$r-up" ]; then
		ib_note "[server on $r] nfsd did not start: the client side is skipped"
		ib_sync "nfs-$r-written" 300 || true
		ib_sync "nfs-$r-done" 300 || true
		return 0
	fi
	local mounted=1
	ib_step "[server on $r] mount over RDMA" nfs_mount || mounted=0
	if [ "$mounted" = 1 ]; then
		ib_step "[server on $r] a file of the client's" nfs_make "c2s-$r" || true
		ib_step "[server on $r] write it over NFS/RDMA" nfs_write "c2s-$r" || true
	fi
	ib_sync "nfs-$r-written" 300 || true
	lab_wait "nfs-$r-served" 300 || true
	if [ "$mounted" = 1 ]; then
		ib_step "[server on $r] read the server's file over NFS/RDMA" \
			nfs_check "$NFS_MNT/s2c-$r" "$PEER_ROLE" "s2c-$r" || true
		ib_step "[server on $r] read our own file back" \
			nfs_check "$NFS_MNT/c2s-$r" "$PEDMA_ROLE" "c2s-$r" || true
		ib_step "[server on $r] umount" nfs_umount || true
	fi
	ib_sync "nfs-$r-done" 300 || true
}

ib_cm_setup nfs
mkdir -p /var/lib/nfs
for srv in host ep; do
	nfs_round "$srv"
done
ib_summary
