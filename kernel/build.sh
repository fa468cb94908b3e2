#!/bin/bash
# Build pedma.ko (the core) and pedma_lab.ko (the lab backend) out of tree
# against a kernel build directory.
#
#   kernel/build.sh [-k KDIR] [-o OUTDIR] [-n NTB_SYMVERS] [make arguments...]
#
# -n: also build pedma_ntb.ko (the NTB backend) against the NTB core built
# out of tree (kernel/build-ntb.sh's OUTDIR/upstream/Module.symvers), for
# kernels without CONFIG_NTB such as Debian's; a kernel with CONFIG_NTB
# builds it without -n.
# KDIR defaults to the running kernel's (/lib/modules/$(uname -r)/build),
# OUTDIR to build/kernel.  Kbuild of this era builds an external module in
# its source directory, so OUTDIR gets symbolic links to the sources and the
# build happens there, leaving the tree clean.  Before the build, every probe
# in kernel/compat/probes/NAME.c is compiled against KDIR and
# OUTDIR/pedma_compat.h gets "#define PEDMA_HAVE_<NAME> 1" for each probe
# that compiles: API differences are detected, never guessed from version
# numbers.  Extra arguments go to make (e.g. W=1 C=1); those that choose the
# target and toolchain (ARCH=, CROSS_COMPILE=, LLVM=, CC=, ...) go to the
# probes' make too.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
src=$here/drivers/infiniband/hw/pedma
kdir=/lib/modules/$(uname -r)/build
out=$repo/build/kernel
ntb_symvers=

while getopts "k:o:n:h" opt; do
	case $opt in
	k) kdir=$OPTARG ;;
	o) out=$OPTARG ;;
	n) ntb_symvers=$OPTARG ;;
	*) sed -n '2,22p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

if [ ! -f "$kdir/Makefile" ]; then
	echo "build.sh: no kernel build directory at $kdir" >&2
	echo "build.sh: install the matching linux-headers package or pass -k KDIR" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
# Called from another make (CMake): run our own jobserver, quietly.
unset MAKEFLAGS MFLAGS MAKELEVEL

# Compile probes: OUTDIR/pedma_compat.h (kernel/compat/probe.sh)
"$here/compat/probe.sh" "$kdir" "$out" "$@"

# Link the sources into OUTDIR; drop links to files that no longer exist.
find "$out" -maxdepth 1 -type l -delete
for f in "$src"/*.c "$src"/*.h "$src"/Kbuild; do
	ln -s "$f" "$out/$(basename "$f")"
done

ntb_args=()
if [ -n "$ntb_symvers" ]; then
	[ -f "$ntb_symvers" ] || { echo "build.sh: no $ntb_symvers (kernel/build-ntb.sh first)" >&2; exit 1; }
	ntb_args=(PEDMA_NTB=1 KBUILD_EXTRA_SYMBOLS="$(cd "$(dirname "$ntb_symvers")" && pwd)/$(basename "$ntb_symvers")")
fi
kmake() {
	make -C "$kdir" M="$out" PEDMA_INCLUDE="$repo/include" -j"$jobs" \
		"${ntb_args[@]}" "$@" modules
}
kmake "$@"

# With CONFIG_MODVERSIONS, genksyms keeps an exporting object's CRCs in its
# .o.cmd file; an object whose CRCs went missing there (seen once after an
# interrupted incremental build) gives CRC 0 in Module.symvers, and
# pedma_lab.ko then fails to load ("no symbol version").  Rebuild clean once.
if grep -qs '^CONFIG_MODVERSIONS=y' "$kdir/include/config/auto.conf" &&
   grep -q '^0x00000000[[:space:]]' "$out/Module.symvers"; then
	echo "build.sh: symbol CRCs missing in Module.symvers; rebuilding clean" >&2
	rm -f "$out"/*.o "$out"/.*.o.cmd "$out"/*.ko "$out"/Module.symvers
	kmake "$@"
	if grep -q '^0x00000000[[:space:]]' "$out/Module.symvers"; then
		echo "build.sh: symbol CRCs still missing in $out/Module.symvers" >&2
		exit 1
	fi
fi
