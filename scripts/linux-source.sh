#!/bin/bash
# Unpacks the kernel source that Debian ships in one suite (the binary
# package linux-source-X.Y that the suite's linux-source depends on), for
# the board build checks against the newest kernel (scripts/kernel-tree.sh
# -s, tests/kernel: kernel-build-board-*-newest).
#
#   scripts/linux-source.sh SUITE [LINK]        e.g. sid /usr/src/linux-source-newest
#
# The package is fetched with `apt-get download` through a private apt
# configuration (scripts/lib/apt-sources.sh: apt_private, an entry derived
# from the machine's own apt sources; the machine's sources are neither read
# for packages nor changed) and checked by apt against the suite's signed
# index; it is not installed: its tarball is unpacked to
# /usr/src/linux-source-X.Y (whole or absent), and LINK (default
# /usr/src/linux-source-newest) is made a symbolic link to that directory.  The .deb is kept in the cache
# ($PEDMA_CACHE, else /var/cache/pedma): a second run that finds the same
# version unpacked does nothing.  The suite's lists are fetched once
# (PEDMA_REFRESH=1 fetches them again: a newer upload or X.Y).
# Prints the unpacked directory on stdout (progress on stderr).  Exit
# status: 0 unpacked; 1 anything else.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/apt-sources.sh
. "$REPO/scripts/lib/apt-sources.sh"

log() { printf 'linux-source: %s\n' "$*" >&2; }
die() { printf 'linux-source: ERROR: %s\n' "$*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: $0 SUITE [LINK]"
fi
suite=$1
link=${2:-/usr/src/linux-source-newest}
case $suite in
'' | *[!a-z0-9-]*) die "bad suite name '$suite'" ;;
esac

cache=$(pedma_cache_root)
cache=$cache/linux-source/$suite
aptdir=$cache/apt

apt_private "$aptdir" deb "$suite" ||
	die "no apt source of this machine serves bookworm, its own suite or $suite: cannot derive an entry for $suite"
if [ "${PEDMA_REFRESH:-0}" = 1 ] || [ ! -f "$aptdir/stamp" ]; then
	log "apt-get update ($suite, private lists in $aptdir)"
fi
apt_private_update "$aptdir" ||
	{ cat "$aptdir/update.log" >&2; die "apt-get update for $suite failed"; }

# linux-source (the meta package) depends on exactly one linux-source-X.Y
pkg=$(apt-cache "${APT_PRIVATE[@]}" show linux-source 2>/dev/null |
	sed -n 's/^Depends:.*\(linux-source-[0-9][0-9.]*\).*/\1/p' | head -n 1)
[ -n "$pkg" ] || die "no linux-source package in $suite"
version=$(apt-cache "${APT_PRIVATE[@]}" show "$pkg" 2>/dev/null |
	awk '/^Version:/ { print $2; exit }')
[ -n "$version" ] || die "no version of $pkg in $suite"

dir=/usr/src/$pkg
stamp=$dir/.pedma-source-version
if [ -f "$dir/Makefile" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
	log "$pkg $version ($suite) is unpacked in $dir"
else
	dl=$cache/deb
	mkdir -p "$dl"
	deb=$dl/${pkg}_${version#*:}_all.deb
	if [ ! -s "$deb" ]; then
		find "$dl" -maxdepth 1 -name '*.deb' -delete
		log "apt-get download $pkg=$version ($suite) into $dl"
		(cd "$dl" && apt-get -q "${APT_PRIVATE[@]}" download "$pkg=$version") \
			>"$dl/download.log" 2>&1 ||
			{ cat "$dl/download.log" >&2; die "could not download $pkg=$version"; }
	fi
	[ -s "$deb" ] || die "apt-get download left no $deb"
	log "unpacking $pkg $version into $dir"
	tmp=$(mktemp -d "/usr/src/.$pkg.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# the package holds usr/src/$pkg.tar.xz, whose top directory is $pkg
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" |
		tar -xJ -C "$tmp"
	[ -f "$tmp/$pkg/Makefile" ] || die "$deb has no $pkg/Makefile"
	printf '%s\n' "$version" >"$tmp/$pkg/.pedma-source-version"
	rm -rf "$dir"
	mv "$tmp/$pkg" "$dir"
fi
ln -sfn "$dir" "$link"
log "$link -> $dir ($(make -s -C "$dir" kernelversion 2>/dev/null))"
echo "$dir"
