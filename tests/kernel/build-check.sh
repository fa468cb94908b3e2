#!/bin/bash
# Build pedma.ko and pedma_lab.ko against one kernel and fail on any compiler,
# sparse or modpost warning.
#
#   build-check.sh KDIR|612 OUTDIR [make args...]
#   build-check.sh -b ARCH [-s SRCDIR] TREEDIR OUTDIR [make args...]
#
# "612" means: the bookworm-backports 6.12 headers, skipped (exit 77) when
# they are not installed.  -b ARCH (x86_64, arm64) is a board build: TREEDIR
# is first prepared by scripts/kernel-tree.sh (a configured, modules_prepare'd
# tree of Debian's linux-source-6.1 as a board would have it; cached), then
# the modules are built against it, for arm64 cross-compiled, with
# KBUILD_EXTRA_SYMBOLS=TREEDIR/exports.symvers: such a tree has no
# Module.symvers (no vmlinux was linked), so modpost learns the kernel's
# exports from that list, and its one warning that Module.symvers is missing
# is the only warning allowed.  Then, when kernel/drivers/ntb/hw/pedma_lab
# exists, ntb_hw_pedma_lab.ko is built against the same tree (whose
# configuration has CONFIG_NTB=m) the same way.  -s SRCDIR prepares the tree
# from another unpacked source (kernel-tree.sh -s), e.g. Debian's
# bookworm-backports /usr/src/linux-source-6.12; a SRCDIR that is not there
# is a skip (exit 77), except under CI=true, where it is a failure.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
board='' srcdir=''
if [ "${1:-}" = -b ]; then
	board=$2
	shift 2
	if [ "${1:-}" = -s ]; then
		srcdir=$2
		shift 2
	fi
fi
kdir=$1 out=$2
shift 2
args=("$@")
if [ "$kdir" = 612 ]; then
	# shellcheck source=../../lab/lib/kver.sh
	source "$repo/lab/lib/kver.sh"
	if ! kdir=$(pedma_headers_612); then
		echo "no 6.12 kernel headers installed (scripts/deps.sh installs them)"
		# CI must check both kernels; elsewhere this is a skip.
		[ "${CI:-}" = true ] && { echo "FAIL: required in CI"; exit 1; }
		echo "SKIP"
		exit 77
	fi
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ -n "$srcdir" ] && [ ! -f "$srcdir/Makefile" ]; then
	echo "no kernel source at $srcdir (scripts/deps.sh unpacks it)"
	[ "${CI:-}" = true ] && { echo "FAIL: required in CI"; exit 1; }
	echo "SKIP"
	exit 77
fi
if [ -n "$board" ]; then
	t0=$(date +%s)
	if ! "$repo/scripts/kernel-tree.sh" ${srcdir:+-s "$srcdir"} "$board" "$kdir"; then
		echo "FAIL: could not prepare the $board tree in $kdir"
		exit 1
	fi
	echo "tree: $(($(date +%s) - t0)) s"
	case $board in
	arm64) args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "${args[@]}") ;;
	*) args=(ARCH="$board" "${args[@]}") ;;
	esac
	args+=(KBUILD_EXTRA_SYMBOLS="$(cd "$kdir" && pwd)/exports.symvers")
fi

# Warnings of the compiler and sparse ("warning:", "error:") and of modpost
# ("WARNING:", "ERROR:": undefined symbols, section mismatches).  A board
# tree lacks Module.symvers by design: that notice (and its indented lines;
# newer kernels name the file with its path) is expected there.
check_log() {
	local bad
	bad=$(grep -E "warning:|error:|WARNING:|ERROR:" "$log" || true)
	if [ -n "$board" ]; then
		bad=$(grep -vxE "WARNING: (.*/)?Module\.symvers is missing\." <<<"$bad" || true)
	fi
	if [ -n "$bad" ]; then
		echo "$bad"
		return 1
	fi
}

t0=$(date +%s)
echo "building pedma.ko and pedma_lab.ko against $kdir with: ${args[*]}"
rc=0
"$repo/kernel/build.sh" -k "$kdir" -o "$out" "${args[@]}" >"$log" 2>&1 || rc=$?
cat "$log"
[ -z "$board" ] || echo "build: $(($(date +%s) - t0)) s"
if [ "$rc" -ne 0 ]; then
	echo "FAIL: build failed ($rc)"
	exit 1
fi
if ! check_log; then
	echo "FAIL: the build printed warnings"
	exit 1
fi
mods=(pedma pedma_lab pedma_lab_dma)
# A board's tree has CONFIG_NTB: the NTB backend is built too
[ -z "$board" ] || mods+=(pedma_ntb)
for m in "${mods[@]}"; do
	[ -f "$out/$m.ko" ] || { echo "FAIL: no $m.ko"; exit 1; }
done
# The lab's dmaengine driver is a provider like any other: it needs no
# symbol of pedma's (the core holds its channels; it must not pin them).
if [ -n "$(modinfo -F depends "$out/pedma_lab_dma.ko")" ]; then
	echo "FAIL: pedma_lab_dma.ko depends on $(modinfo -F depends "$out/pedma_lab_dma.ko")"
	exit 1
fi
# The core knows no backend: nothing of pedma_lab's is in pedma.ko.
if nm "$out/pedma.ko" | awk '{ print $NF }' | grep -E '^(pedma_lab|lab_)'; then
	echo "FAIL: pedma.ko (the core) has lab symbols"
	exit 1
fi
if [ -n "$board" ]; then
	# Probes built without the target's ARCH/CROSS_COMPILE would all fail.
	if ! grep -q '^#define PEDMA_HAVE_' "$out/pedma_compat.h"; then
		echo "FAIL: no compile probe built against $kdir (see $out/probes/log)"
		exit 1
	fi
	grep PEDMA_HAVE_ "$out/pedma_compat.h"
	readelf -h "$out/pedma.ko" | grep -E 'Machine:'
fi
echo "PASS: ${mods[*]/%/.ko} built warning-free against $kdir"

ntb_src=$repo/kernel/drivers/ntb/hw/pedma_lab
if [ -n "$board" ] && [ -f "$ntb_src/Kbuild" ]; then
	ntb_out=$out/ntb
	mkdir -p "$ntb_out"
	ntb_out=$(cd "$ntb_out" && pwd)
	find "$ntb_out" -maxdepth 1 -type l -delete
	pedma_src=$repo/kernel/drivers/infiniband/hw/pedma
	for f in "$ntb_src"/*.c "$ntb_src"/*.h "$ntb_src"/Kbuild \
		 "$pedma_src"/pedma_lab_{regs,edma}.[ch] \
		 "$pedma_src"/pedma_lab_dma.h "$pedma_src"/pedma_edma_regs.h \
		 "$pedma_src"/pedma_backend.h; do
		[ -e "$f" ] && ln -s "$f" "$ntb_out/$(basename "$f")"
	done
	t0=$(date +%s)
	echo "building ntb_hw_pedma_lab.ko against $kdir with: ${args[*]}"
	rc=0
	"$repo/kernel/compat/probe.sh" "$kdir" "$ntb_out" "${args[@]}"
	(unset MAKEFLAGS MFLAGS MAKELEVEL
	 make -C "$kdir" M="$ntb_out" PEDMA_INCLUDE="$repo/include" \
		-j"$(nproc 2>/dev/null || echo 2)" "${args[@]}" modules) >"$log" 2>&1 || rc=$?
	cat "$log"
	echo "build: $(($(date +%s) - t0)) s"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: ntb_hw_pedma_lab.ko build failed ($rc)"
		exit 1
	fi
	if ! check_log; then
		echo "FAIL: the ntb_hw_pedma_lab.ko build printed warnings"
		exit 1
	fi
	[ -f "$ntb_out/ntb_hw_pedma_lab.ko" ] || { echo "FAIL: no ntb_hw_pedma_lab.ko"; exit 1; }
	echo "PASS: ntb_hw_pedma_lab.ko built warning-free against $kdir"
fi
