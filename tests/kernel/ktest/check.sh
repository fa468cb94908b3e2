#!/bin/bash
# Build checks of pedma_ktest.ko (CTest, label kernel):
#
#   check.sh build KDIR|612 OUTDIR [make args...]   warning-free build
#   check.sh checkpatch                             checkpatch --strict clean
#
# "612" means the bookworm-backports 6.12 headers, skipped (exit 77) when
# they are not installed, as in tests/kernel/build-check.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)

case "${1:-}" in
build)
	kdir=$2 out=$3
	shift 3
	if [ "$kdir" = 612 ]; then
		# shellcheck source=../../../lab/lib/kver.sh
		source "$repo/lab/lib/kver.sh"
		if ! kdir=$(pedma_headers_612); then
			echo "no 6.12 kernel headers installed"
			[ "${CI:-}" = true ] && { echo "FAIL: required in CI"; exit 1; }
			echo "SKIP"
			exit 77
		fi
	fi
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	echo "building pedma_ktest.ko against $kdir with: $*"
	rc=0
	"$here/build.sh" -k "$kdir" -o "$out" "$@" >"$log" 2>&1 || rc=$?
	cat "$log"
	[ "$rc" -eq 0 ] || { echo "FAIL: build failed ($rc)"; exit 1; }
	if grep -E "warning:|error:" "$log"; then
		echo "FAIL: the build printed warnings"
		exit 1
	fi
	[ -f "$out/pedma_ktest.ko" ] || { echo "FAIL: no pedma_ktest.ko"; exit 1; }
	echo "PASS: pedma_ktest.ko built warning-free against $kdir"
	;;
checkpatch)
	cp=/usr/src/linux-source-6.1/scripts/checkpatch.pl
	[ -f "$cp" ] || { echo "FAIL: $cp missing"; exit 1; }
	cd "$here"
	out=$(perl "$cp" --no-tree --strict --terse -f pedma_ktest.c 2>&1 || true)
	echo "$out"
	rm -f .checkpatch-camelcase.*
	if echo "$out" | grep -qE "(ERROR|WARNING|CHECK):"; then
		echo "FAIL: checkpatch --strict found problems"
		exit 1
	fi
	echo "PASS: checkpatch --strict clean"
	;;
*)
	sed -n '2,9p' "$0"
	exit 2
	;;
esac
