#!/bin/bash
# Build pedma.ko and pedma_lab.ko against one kernel and fail on any compiler or sparse
# warning.  Usage: build-check.sh KDIR|612 OUTDIR [make args...]
# "612" means: the bookworm-backports 6.12 headers, skipped (exit 77) when
# they are not installed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kdir=$1 out=$2
shift 2
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
echo "building pedma.ko and pedma_lab.ko against $kdir with: $*"
rc=0
"$repo/kernel/build.sh" -k "$kdir" -o "$out" "$@" >"$log" 2>&1 || rc=$?
cat "$log"
if [ "$rc" -ne 0 ]; then
	echo "FAIL: build failed ($rc)"
	exit 1
fi
if grep -E "warning:|error:" "$log"; then
	echo "FAIL: the build printed warnings"
	exit 1
fi
for m in pedma pedma_lab; do
	[ -f "$out/$m.ko" ] || { echo "FAIL: no $m.ko"; exit 1; }
done
# The core knows no backend: nothing of pedma_lab's is in pedma.ko.
if nm "$out/pedma.ko" | awk '{ print $NF }' | grep -E '^(pedma_lab|lab_)'; then
	echo "FAIL: pedma.ko (the core) has lab symbols"
	exit 1
fi
echo "PASS: pedma.ko and pedma_lab.ko built warning-free against $kdir"
