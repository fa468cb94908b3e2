#!/bin/bash
# ctest provider_abi_<suite> (label provider-abi): libpedma built inside
# Debian's rdma-core source package of SUITE, against that release's real
# private ABI, then loaded by that tree's own libibverbs.
#
#   tests/provider/provider_abi.sh SUITE WORK_DIR FAKEDEV READELF IMPORTS
#
#   1. scripts/rdma-core-source.sh SUITE WORK_DIR/src (downloads cached;
#      exit 77, a skip, when the archive does not serve the tarball);
#   2. providers/pedma/build-in-rdma-core.sh: libibverbs and
#      libpedma-rdmav<PABI>.so only;
#   3. readelf (check_provider_symbols.cmake): exports nothing, imports
#      verbs_register_driver_<PABI> and the rest of IMPORTS (comma list)
#      at IBVERBS_PRIVATE_<PABI>, each defined there by the tree's
#      libibverbs;
#   4. test_provider_fakedev (FAKEDEV) with the tree's libibverbs first in
#      LD_LIBRARY_PATH, once with RDMAV_DRIVERS and once with the tree's
#      own pedma.driver: libibverbs loads the provider with no "couldn't
#      load driver" warning, matches fake pedma0 by name, refuses the
#      other ABIs, and opening pedma0 reaches the provider's get_context.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -eq 5 ] || { echo "usage: $0 SUITE WORK_DIR FAKEDEV READELF IMPORTS" >&2; exit 2; }
suite=$1 work=$2 fakedev=$3 readelf=$4 imports=$5
start=$SECONDS

rc=0
"$repo/scripts/rdma-core-source.sh" "$suite" "$work/src" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"

lib=$("$repo/providers/pedma/build-in-rdma-core.sh" "$work/src" "$work" | tail -n 1)
libdir=$(dirname "$lib")
pabi=${lib##*-rdmav}
pabi=${pabi%.so}
echo "built $lib (PABI $pabi) in $((SECONDS - start)) s"

cmake -DLIB="$lib" -DPABI="$pabi" -DREADELF="$readelf" \
	-DIBVERBS="$libdir/libibverbs.so.1" \
	-DEXPECT="verbs_register_driver_$pabi,$imports" \
	-P "$repo/tests/provider/check_provider_symbols.cmake" | grep -v '^-- imports '

run_fakedev() {
	local out
	out=$(LD_LIBRARY_PATH="$libdir" "$fakedev" "$@") || { rc=$?; printf '%s\n' "$out"; return "$rc"; }
	printf '%s\n' "$out"
	# The tree's libibverbs, not the installed one, did the loading.
	grep -qxF "libibverbs: $libdir/libibverbs.so.1" <<<"$out" || {
		echo "FAIL: not run with $libdir/libibverbs.so.1"
		return 1
	}
}
run_fakedev rdmav-drivers "$libdir"
run_fakedev driver-file "$work/build/etc/libibverbs.d"

echo "provider_abi $suite: rdma-core PABI $pabi OK in $((SECONDS - start)) s"
