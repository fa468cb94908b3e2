#!/bin/bash
# A Debian userspace root for the lab guests (lab/pedma-lab run --root):
# SUITE's libibverbs, providers, perftest and librdmacm tools and what the
# lab's guest setup needs, made with mmdebstrap from Debian's packages.
#
#   scripts/guest-root.sh SUITE        e.g. trixie, sid; prints the root's path
#
# The archive and its key are those this machine's apt sources use for
# bookworm (or its own suite): the same URI with SUITE (no host name is
# written anywhere).  Release files past their Valid-Until are accepted
# (an archive snapshot of sid expires while still being right).  The root is
# cached under $PEDMA_CACHE/roots (else /var/cache/pedma/roots, else
# ~/.cache/pedma/roots), keyed by SUITE and this script's package list;
# PEDMA_REFRESH=1 makes it anew.  Exit status: 0 ready, 77 mmdebstrap could
# not get SUITE from the archive (callers skip), 1 anything else.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/apt-sources.sh
. "$REPO/scripts/lib/apt-sources.sh"

log() { printf 'guest-root: %s\n' "$*" >&2; }
die() { printf 'guest-root: ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 SUITE"
suite=$1
case $suite in
'' | *[!a-z0-9-]*) die "bad suite name '$suite'" ;;
esac
command -v mmdebstrap >/dev/null || die "mmdebstrap not found (scripts/deps.sh)"

# What the guests run: stage2.sh (bash, mount, ip, modprobe, busybox
# poweroff), the verbs and perftest tools the userland test runs.
PKGS=(kmod iproute2 iputils-ping procps util-linux busybox
	libibverbs1 ibverbs-providers ibverbs-utils perftest rdmacm-utils)

cache=$(pedma_cache_root)
key=$(printf '%s\n' "$suite" "${PKGS[@]}" | sha256sum | cut -c1-12)
root=$cache/roots/$suite-$key
if [ -x "$root/bin/bash" ] && [ "${PEDMA_REFRESH:-0}" != 1 ]; then
	printf '%s\n' "$root"
	exit 0
fi

entry=$(apt_debian_archive "$suite")
[ -n "$entry" ] || die "no apt source of this machine serves bookworm, its own suite or $suite"
uri=$(cut -f1 <<<"$entry")
sb=$(cut -f2 <<<"$entry")
src="deb${sb:+ [signed-by=$sb]} $uri $suite main"

mkdir -p "$cache/roots"
rm -rf "$root.tmp"
log "making the $suite root (${PKGS[*]}) in $root"
rc=0
mmdebstrap --variant=minbase --mode=root --format=directory \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--aptopt='Acquire::Retries "3"' \
	--include="$(IFS=,; echo "${PKGS[*]}")" \
	"$suite" "$root.tmp" "$src" >"$cache/roots/$suite.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	tail -n 5 "$cache/roots/$suite.log" >&2
	rm -rf "$root.tmp"
	if grep -qE "Unable to locate package|Failed to fetch|404" "$cache/roots/$suite.log"; then
		log "the archive does not serve $suite as needed: skipping"
		exit 77
	fi
	die "mmdebstrap $suite failed (log: $cache/roots/$suite.log)"
fi
# Older roots of this suite (another package list) go
find "$cache/roots" -maxdepth 1 -name "$suite-*" ! -name "$suite-$key*" -exec rm -rf {} +
mv "$root.tmp" "$root"
log "$suite root ready: $(du -sh "$root" | cut -f1)"
printf '%s\n' "$root"
