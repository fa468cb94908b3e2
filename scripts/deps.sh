#!/bin/bash
# Installs what pedma needs to build and to run its lab, on Debian 12
# (bookworm), as root.  Idempotent: when everything is there it only checks
# (well under two seconds) and prints what it found.
#
#   scripts/deps.sh
#
# Installs with apt-get whatever is missing (also what building libibverbs
# from rdma-core's sources needs, for the provider-abi tests, and the Debian
# packaging tools and dkms, for the package test, and the arm64 cross compiler
# and kernel build tools, for the board build checks), unpacks the 6.1 kernel
# source (for checkpatch and the board build checks), and adds the
# bookworm-backports 6.12 kernel headers for a compile-only check and the
# bookworm-backports 6.12 kernel source, unpacked, for the 6.12 board build
# checks, and sid's kernel source (the newest Debian ships, unpacked by
# scripts/linux-source.sh, not installed) for the newest board build checks
# (a failure in either is a warning: those checks then skip).
# The apt source for bookworm-backports is derived from the machine's own
# sources: same archive, same key.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lab/lib/kver.sh
. "$REPO/lab/lib/kver.sh"
# shellcheck source=scripts/lib/apt-sources.sh
. "$REPO/scripts/lib/apt-sources.sh"

export DEBIAN_FRONTEND=noninteractive

PKGS=(
	build-essential cmake pkg-config git xz-utils shellcheck
	qemu-system-x86 linux-image-amd64 linux-headers-amd64
	busybox-static cpio kmod iproute2 procps iputils-ping
	libibverbs-dev librdmacm-dev ibverbs-utils ibverbs-providers rdma-core
	rdmacm-utils perftest infiniband-diags iperf3 nvme-cli fio
	sparse linux-source-6.1 gnuplot-nox valgrind
	ninja-build python3 libnl-3-dev libnl-route-3-dev
	dpkg-dev debhelper dh-dkms dkms lintian mmdebstrap
	nfs-kernel-server	# lab-nfs: the guests run this machine's nfsd tools and mount.nfs
	jq			# bench/storage-bench: reads fio's JSON output in the guests
	# kernel-build-board-*: scripts/kernel-tree.sh configures and prepares
	# linux-source-6.1 (x86_64, and arm64 cross-compiled)
	gcc-aarch64-linux-gnu flex bison bc libelf-dev libssl-dev
)
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
SRC_DIR=/usr/src/linux-source-6.1
SRC612_PKG=linux-source-6.12
SRC612_TAR=/usr/src/linux-source-6.12.tar.xz
SRC612_DIR=/usr/src/linux-source-6.12
SRCNEW_LINK=/usr/src/linux-source-newest	# scripts/linux-source.sh
BPO_LIST=/etc/apt/sources.list.d/pedma-bookworm-backports.sources

log() { printf 'deps: %s\n' "$*"; }
warn() { printf 'deps: WARNING: %s\n' "$*" >&2; }
die() { printf 'deps: ERROR: %s\n' "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "$1: run as root"
}

apt_updated=0
apt_update() {
	[ "$apt_updated" -eq 1 ] && return 0
	log "apt-get update"
	apt-get update -q || warn "apt-get update reported errors"
	apt_updated=1
}

apt_install() {
	log "apt-get install $*"
	apt-get install -y -q --no-install-recommends "$@"
}

# Packages of PKGS that are not installed.
missing_packages() {
	local installed
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PKGS[@]}" 2>/dev/null |
		awk '$2 == "ii" { print $1 }') || true
	local p
	for p in "${PKGS[@]}"; do
		grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		log "all ${#PKGS[@]} packages present"
		return 0
	fi
	need_root "missing packages: ${missing[*]}"
	# The kernel image and its headers come as a pair from one suite.
	case " ${missing[*]} " in
	*" linux-image-amd64 "* | *" linux-headers-amd64 "*)
		missing+=(linux-image-amd64 linux-headers-amd64) ;;
	esac
	apt_update
	apt_install "${missing[@]}"
}

# The newest 6.1 image must have its headers (pedma.ko is built for it).
check_kernel_pair() {
	local f ver newest=""
	for f in /boot/vmlinuz-6.1.*-amd64; do
		[ -e "$f" ] || continue
		ver=${f#/boot/vmlinuz-}
		newest=$(printf '%s\n%s\n' "$newest" "$ver" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$newest" ] || die "no /boot/vmlinuz-6.1.*-amd64 after installing linux-image-amd64"
	[ -d "/lib/modules/$newest/build" ] && return 0
	need_root "headers for $newest"
	apt_update
	apt_install "linux-headers-$newest" || warn "could not install linux-headers-$newest"
}

# Unpacks TAR (holding one directory, DIR's name) to DIR: into a temporary
# directory beside it first, so that DIR is whole or absent.
unpack_tar() {
	local tar=$1 dir=$2 tmp
	need_root "unpacking $tar"
	log "unpacking $tar to $dir"
	tmp=$(mktemp -d /usr/src/.pedma-linux-source.XXXXXX)
	if ! tar -xJf "$tar" -C "$tmp" || [ ! -d "$tmp/$(basename "$dir")" ]; then
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$dir"
	mv "$tmp/$(basename "$dir")" "$dir"
	rm -rf "$tmp"
}

unpack_source() {
	if [ -f "$SRC_DIR/scripts/checkpatch.pl" ] && [ -f "$SRC_DIR/scripts/spelling.txt" ] &&
		[ -f "$SRC_DIR/scripts/const_structs.checkpatch" ]; then
		return 0
	fi
	[ -f "$SRC_TAR" ] || die "$SRC_TAR missing (package linux-source-6.1)"
	unpack_tar "$SRC_TAR" "$SRC_DIR" || die "could not unpack $SRC_TAR"
}

# Adds the bookworm-backports source; returns 1 if it could not be derived.
add_backports_source() {
	local entries line uri sb
	entries=$(apt_entries)
	if awk -F'\t' '$1 == "deb" && $3 == "bookworm-backports" { f = 1 } END { exit !f }' <<<"$entries"; then
		log "bookworm-backports already in the apt sources"
		return 0
	fi
	line=$(awk -F'\t' '$1 == "deb" && $3 == "bookworm" { print; exit }' <<<"$entries")
	if [ -z "$line" ]; then
		warn "no apt source serves the 'bookworm' suite: cannot derive bookworm-backports"
		return 1
	fi
	uri=$(cut -f2 <<<"$line")
	sb=$(cut -f4 <<<"$line")
	log "adding $BPO_LIST (bookworm-backports from the archive that serves bookworm)"
	{
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\n' "$uri"
		[ -z "$sb" ] || printf 'Signed-By: %s\n' "$sb"
	} >"$BPO_LIST"
	apt_updated=0
	return 0
}

# The newest plain (not -rt, not -cloud) 6.12 amd64 headers package.
find_headers_612_pkg() {
	local pkg
	pkg=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+[a-z0-9]+-amd64$' 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -n 1)
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache depends -t bookworm-backports linux-headers-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-headers-6\.12\.[0-9]+\+[a-z0-9]+-amd64$/ { print $2; exit }')
	fi
	printf '%s\n' "$pkg"
}

# The 6.12 headers for the compile-only check.  Debian's 6.12 headers
# package depends on its image: that image is installed beside the 6.1 pair
# (which stays the default and the lab's kernel).
install_headers_612() {
	local pkg added=0 target=()
	if pedma_headers_612 >/dev/null; then
		return 0
	fi
	need_root "6.12 headers"
	[ -f "$BPO_LIST" ] || added=1
	if add_backports_source; then
		target=(-t bookworm-backports)
	fi
	apt_update
	pkg=$(find_headers_612_pkg)
	if [ -z "$pkg" ]; then
		warn "no linux-headers-6.12.*-amd64 package found (bookworm-backports)"
		if [ "$added" -eq 1 ] && [ -f "$BPO_LIST" ]; then
			log "removing $BPO_LIST again"
			rm -f "$BPO_LIST"
		fi
		return 1
	fi
	if ! apt_install "${target[@]}" "$pkg"; then
		warn "could not install $pkg"
		return 1
	fi
	pedma_headers_612 >/dev/null
}

# The 6.12 source for the 6.12 board build checks (scripts/kernel-tree.sh
# -s): bookworm-backports' linux-source-6.12, unpacked like the 6.1 one.
install_source_612() {
	if [ -f "$SRC612_DIR/Makefile" ] && [ -f "$SRC612_DIR/scripts/config" ]; then
		return 0
	fi
	if [ ! -f "$SRC612_TAR" ]; then
		need_root "$SRC612_PKG"
		add_backports_source || return 1
		apt_update
		if ! apt_install -t bookworm-backports "$SRC612_PKG"; then
			warn "could not install $SRC612_PKG"
			return 1
		fi
		[ -f "$SRC612_TAR" ] || { warn "$SRC612_PKG has no $SRC612_TAR"; return 1; }
	fi
	if ! unpack_tar "$SRC612_TAR" "$SRC612_DIR"; then
		warn "could not unpack $SRC612_TAR"
		return 1
	fi
}

main() {
	install_packages
	check_kernel_pair
	unpack_source
	if ! install_headers_612; then
		warn "bookworm-backports 6.12 headers not installed: the 6.12 build check will skip"
	fi
	if ! install_source_612; then
		warn "bookworm-backports $SRC612_PKG not unpacked: the 6.12 board build checks will skip"
	fi
	local newest
	if ! newest=$("$REPO/scripts/linux-source.sh" sid "$SRCNEW_LINK" | tail -n 1); then
		warn "sid's linux-source not unpacked: the newest board build checks will skip"
		newest="(none: the newest board build checks will skip)"
	fi

	local kver h612
	kver=$(pedma_lab_kver) || die "no 6.1 kernel with headers found for the lab"
	h612=$(pedma_headers_612) || h612="(none: the 6.12 build check will skip)"
	log "kernel source for checkpatch: $SRC_DIR"
	log "6.12 headers: $h612"
	if [ -f "$SRC612_DIR/Makefile" ]; then
		log "6.12 kernel source for the board build checks: $SRC612_DIR"
	else
		log "6.12 kernel source: (none: the 6.12 board build checks will skip)"
	fi
	log "newest kernel source for the board build checks: $newest"
	log "lab guest kernel: $kver (/boot/vmlinuz-$kver, build against /lib/modules/$kver/build)"
}

main "$@"
