#!/bin/bash
# Build the NTB modules (kernel/build-ntb.sh: upstream's from Debian's
# linux-source-6.1, and ntb_hw_pedma_lab.ko) against one kernel, then the
# pedma modules with the NTB backend pedma_ntb.ko against that NTB core
# (kernel/build.sh -n); fail on any compiler or sparse warning (the make
# arguments, e.g. W=1 C=1, apply to ours only) or a missing module.
# Usage: build-check-ntb.sh KDIR OUTDIR [make args...]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kdir=$1 out=$2
shift 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# build WHAT CMD...: run the build; fail on its failure or on any warning
build() {
	local what=$1 rc=0
	shift
	echo "building $what against $kdir: $*"
	"$@" >"$log" 2>&1 || rc=$?
	cat "$log"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: build failed ($rc)"
		exit 1
	fi
	if grep -E "warning:|error:" "$log"; then
		echo "FAIL: the build printed warnings"
		exit 1
	fi
}
build "the NTB modules" "$repo/kernel/build-ntb.sh" -k "$kdir" -o "$out" "$@"
for m in ntb ntb_transport ntb_tool ntb_pingpong ntb_perf ntb_netdev ntb_hw_pedma_lab; do
	[ -f "$out/$m.ko" ] || { echo "FAIL: no $m.ko"; exit 1; }
done
build "pedma_ntb.ko (and that NTB core)" "$repo/kernel/build.sh" -k "$kdir" -o "$out/pedma" \
	-n "$out/upstream/Module.symvers" "$@"
[ -f "$out/pedma/pedma_ntb.ko" ] || { echo "FAIL: no pedma_ntb.ko"; exit 1; }
# A backend: it needs the core and the NTB core, no lab module
deps=$(modinfo -F depends "$out/pedma/pedma_ntb.ko")
if [ "$deps" != "pedma,ntb" ] && [ "$deps" != "ntb,pedma" ]; then
	echo "FAIL: pedma_ntb.ko depends on '$deps' (want pedma and ntb)"
	exit 1
fi
echo "PASS: the NTB modules and pedma_ntb.ko built warning-free against $kdir"
