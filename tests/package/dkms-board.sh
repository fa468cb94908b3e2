#!/bin/bash
# ctest "package-dkms-board" (label package): the pedma-dkms package that
# the "package" test built, installed by DKMS for a board's kernel, one
# with CONFIG_NTB: the newest kernel source Debian ships (sid's, unpacked
# by scripts/linux-source.sh), configured as a board would be by
# scripts/kernel-tree.sh (the x86_64 tree of kernel-build-board-x86_64-newest,
# cached and shared with it).  dkms-build.sh -s checks that pedma_ntb.ko is
# built and installed beside the core and depends on ntb and pedma, every
# module's vermagic, and depmod's view of the dependencies.
#
#   tests/package/dkms-board.sh BUILD_DIR TREE_DIR [SRC_DIR]
#
# SRC_DIR defaults to /usr/src/linux-source-newest.  No source there is a
# skip (exit 77), except under CI=true, where it is a failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 2 ] || { sed -n '11,14p' "$0" >&2; exit 2; }
build=$1 tree=$2 src=${3:-/usr/src/linux-source-newest}
fail() { echo "FAIL: $*"; exit 1; }

if [ ! -f "$src/Makefile" ]; then
	echo "no kernel source at $src (scripts/deps.sh unpacks it)"
	[ "${CI:-}" = true ] && fail "required in CI"
	echo "SKIP"
	exit 77
fi
command -v dkms >/dev/null || fail "dkms not installed (scripts/deps.sh)"
debs=("$build"/deb/pedma-dkms_*_all.deb)
[ -f "${debs[0]}" ] || fail "no pedma-dkms package in $build/deb (the package test builds it)"

t=$SECONDS
"$repo/scripts/kernel-tree.sh" -s "$src" x86_64 "$tree" ||
	fail "could not prepare the x86_64 tree in $tree"
echo "tree: $((SECONDS - t)) s"
grep -qs '^CONFIG_NTB=[ym]' "$tree/include/config/auto.conf" ||
	fail "$tree is not configured with CONFIG_NTB"
kver=$(cat "$tree/include/config/kernel.release")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pedma-dkms-board.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ko=$("$repo/tests/package/dkms-build.sh" -s "$tree" "${debs[0]}" "$kver" "$tmp/dkms" \
	2>"$tmp/log" | tail -n 1) || { cat "$tmp/log"; fail "dkms build or install for $kver"; }
grep -E '^dkms: |^pedma/' "$tmp/log" || true
echo "installed: $(find "$(dirname "$ko")" -name "*.ko*" -printf "%f\n" | sort | paste -sd " ")"
echo "PASS: pedma-dkms built and installed for $kver (a board's tree, CONFIG_NTB) in $((SECONDS - t)) s"
