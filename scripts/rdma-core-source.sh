#!/bin/bash
# Unpacks Debian's own rdma-core source package of one suite into a fresh
# directory, for building libpedma inside it
# (providers/pedma/build-in-rdma-core.sh).
#
#   scripts/rdma-core-source.sh SUITE DEST_DIR      e.g. trixie build/x/src
#
# The files come with `apt-get source` through a private apt configuration
# (its own deb-src entry, lists and cache under the cache directory), so the
# machine's apt sources are neither read for packages nor changed.  The
# deb-src entry is derived from the machine's existing apt sources: the
# archive and key that serve bookworm (or this machine's own suite).  apt
# checks every file against the signed Sources index.  Downloads are kept:
# the second run does not touch the network (PEDMA_REFRESH=1 looks again).
#
# The tree is the source package as dpkg-source unpacks it: the upstream
# tarball with Debian's patches applied.  The archive does not always serve
# every file of a source package; without the .dsc the upstream tarball is
# unpacked and the patches of the Debian tarball are applied with patch(1),
# and without the Debian tarball the upstream tree is used as it is (said
# on stdout either way).
#
# Cache: $PEDMA_CACHE, else /var/cache/pedma when writable, else
# ~/.cache/pedma.  Exit status: 0 unpacked; 77 the archive does not serve
# that suite's rdma-core upstream tarball (callers skip); 1 anything else.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/apt-sources.sh
. "$REPO/scripts/lib/apt-sources.sh"

log() { printf 'rdma-core-source: %s\n' "$*"; }
die() { printf 'rdma-core-source: ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 SUITE DEST_DIR"
suite=$1
dest=$2
case $suite in
'' | *[!a-z0-9-]*) die "bad suite name '$suite'" ;;
esac


cache=$(pedma_cache_root)/rdma-core-src/$suite
aptdir=$cache/apt
# The deb-src entry for SUITE, from the archive that serves bookworm (or
# this machine's own suite): same URI, same Signed-By.
apt_private "$aptdir" deb-src "$suite" ||
	die "no apt source of this machine serves bookworm, its own suite or $suite: cannot derive a deb-src entry"
APT_OPTS=("${APT_PRIVATE[@]}")
if [ "${PEDMA_REFRESH:-0}" = 1 ] || [ ! -f "$aptdir/stamp" ]; then
	log "apt-get update (deb-src $suite, private lists in $aptdir)"
fi
apt_private_update "$aptdir" ||
	{ cat "$aptdir/update.log" >&2; die "apt-get update for deb-src $suite failed"; }
version=$(apt-cache "${APT_OPTS[@]}" showsrc rdma-core 2>/dev/null |
	awk '/^Version:/ { print $2; exit }')
[ -n "$version" ] || die "no rdma-core source package in $suite"
upstream=${version#*:}
upstream=${upstream%-*}

dl=$cache/$version
mkdir -p "$dl"
orig() { find "$dl" -maxdepth 1 -name "rdma-core_${upstream}.orig.tar.*" ! -name '*.asc' | head -n 1; }
if [ ! -f "$dl/.fetched" ] || [ "${PEDMA_REFRESH:-0}" = 1 ] || [ -z "$(orig)" ]; then
	log "apt-get source --download-only rdma-core=$version ($suite) into $dl"
	if ! (cd "$dl" && apt-get -q "${APT_OPTS[@]}" source --download-only \
		"rdma-core=$version") >"$dl/source.log" 2>&1; then
		log "apt-get source did not get every file:"
		grep -E '^(E|Err):' "$dl/source.log" | sed 's/^/  /' || true
	fi
	touch "$dl/.fetched"
fi

tarball=$(orig)
if [ -z "$tarball" ]; then
	if grep -q ' 404 ' "$dl/source.log" 2>/dev/null; then
		log "SKIP: the archive does not serve rdma-core_${upstream}.orig.tar.* ($suite $version)"
		exit 77
	fi
	die "rdma-core_${upstream}.orig.tar.* ($suite $version) not downloaded; see $dl/source.log"
fi
dsc=$dl/rdma-core_${version#*:}.dsc
debtar=$(find "$dl" -maxdepth 1 -name "rdma-core_${version#*:}.debian.tar.*" | head -n 1)

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
if [ -f "$dsc" ] && [ -n "$debtar" ]; then
	dpkg-source -q -x "$dsc" "$dest" >/dev/null
	how="dpkg-source -x"
else
	mkdir -p "$dest"
	tar -xf "$tarball" -C "$dest" --strip-components=1
	how="upstream tarball"
	if [ -n "$debtar" ]; then
		tar -xf "$debtar" -C "$dest"
		n=0
		if [ -f "$dest/debian/patches/series" ]; then
			while read -r p _; do
				case $p in '' | '#'*) continue ;; esac
				patch -s -p1 -d "$dest" <"$dest/debian/patches/$p"
				n=$((n + 1))
			done <"$dest/debian/patches/series"
		fi
		how="$how + Debian tarball, $n Debian patches applied (no .dsc served)"
	else
		how="$how only (the archive served no .dsc or Debian tarball)"
	fi
fi
pabi=$(sed -n 's/^set(IBVERBS_PABI_VERSION "\([0-9]*\)")/\1/p' "$dest/CMakeLists.txt")
log "rdma-core $version ($suite, PABI ${pabi:-?}) in $dest: $how"
