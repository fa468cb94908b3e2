#!/bin/bash
# Builds the lab guests' initramfs: static busybox, the modules that mount the
# host's root over virtio-9p (and virtio-net), and lab/guest/init as /init.
#
#   lab/guest/mkinitramfs.sh KVER OUTFILE
#
# OUTFILE is a gzip'ed newc cpio, written atomically.  The launcher caches it
# under ${BUILD}/lab/ with a name keyed by KVER and a hash of the inputs.
set -euo pipefail

GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULES=(virtio_pci 9pnet_virtio 9p overlay virtio_net)

die() { printf 'mkinitramfs: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$#" -eq 2 ] || die "usage: $0 KVER OUTFILE"
KVER=$1
OUTFILE=$2

BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || die "busybox not found (install busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked (install busybox-static)"
fi
[ -d "/lib/modules/$KVER" ] || die "/lib/modules/$KVER missing"

stage=$(mktemp -d "${TMPDIR:-/tmp}/pedma-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,etc,lib/modules,lower,rw,newroot}
cp "$BUSYBOX" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
# A console node so /init has stdout before devtmpfs is mounted (root only).
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

# Modules in dependency order, each once, decompressed (busybox insmod
# takes plain .ko only).
: >"$stage/etc/modules.list"
for m in "${MODULES[@]}"; do
	deps=$(modprobe -S "$KVER" --show-depends "$m") || die "modprobe --show-depends $m failed"
	while read -r verb path _; do
		[ "$verb" = insmod ] || continue	# "builtin X" needs nothing
		name=$(basename "$path")
		name=${name%.xz}
		name=${name%.zst}
		name=${name%.gz}
		grep -qxF "$name" "$stage/etc/modules.list" && continue
		case "$path" in
		*.ko.xz) xz -dc "$path" >"$stage/lib/modules/$name" ;;
		*.ko.zst) zstd -qdc "$path" >"$stage/lib/modules/$name" ;;
		*.ko.gz) gzip -dc "$path" >"$stage/lib/modules/$name" ;;
		*.ko) cp "$path" "$stage/lib/modules/$name" ;;
		*) die "unexpected module file $path" ;;
		esac
		printf '%s\n' "$name" >>"$stage/etc/modules.list"
	done <<<"$deps"
done

install -m 755 "$GUEST_DIR/init" "$stage/init"

mkdir -p "$(dirname "$OUTFILE")"
tmp=$(mktemp "$OUTFILE.XXXXXX")
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --reproducible --quiet) | gzip -n -6 >"$tmp"
mv -f "$tmp" "$OUTFILE"
printf 'mkinitramfs: %s (%s modules, kernel %s)\n' "$OUTFILE" \
	"$(wc -l <"$stage/etc/modules.list")" "$KVER"
