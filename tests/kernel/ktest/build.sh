#!/bin/bash
# Build pedma_ktest.ko out of tree against a kernel build directory, the way
# kernel/build.sh builds pedma.ko:
#
#   tests/kernel/ktest/build.sh [-k KDIR] [-o OUTDIR] [make arguments...]
#
# KDIR defaults to the running kernel's, OUTDIR to build/tests/kernel/ktest.
# OUTDIR gets symbolic links to the sources and the build happens there,
# leaving the tree clean.  Extra arguments go to make (e.g. W=1 C=1).
# The module uses only kernel verbs that are the same in 6.1 and 6.12, so it
# needs no compile probes (kernel/compat/probes is pedma.ko's mechanism).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
kdir=/lib/modules/$(uname -r)/build
out=$repo/build/tests/kernel/ktest

while getopts "k:o:h" opt; do
	case $opt in
	k) kdir=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '2,10p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

if [ ! -f "$kdir/Makefile" ]; then
	echo "build.sh: no kernel build directory at $kdir" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
# Called from another make (CMake): run our own jobserver, quietly.
unset MAKEFLAGS MFLAGS MAKELEVEL

find "$out" -maxdepth 1 -type l -delete
for f in pedma_ktest.c Kbuild; do
	ln -s "$here/$f" "$out/$f"
done

exec make -C "$kdir" M="$out" -j"$jobs" "$@" modules
