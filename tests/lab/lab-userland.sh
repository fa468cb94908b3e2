#!/bin/bash
# ctest lab-userland-<suite>: both lab guests run Debian SUITE's userspace
# (not this machine's) with our kernel and pedma.ko, and SUITE's
# libibverbs, ibv_rc_pingpong and perftest work against the other guest
# through libpedma built inside SUITE's own rdma-core source package.
#
#   tests/lab/lab-userland.sh SUITE BUILD_DIR TIMEOUT [pedma-lab options...]
#
#   1. scripts/guest-root.sh SUITE: the root (mmdebstrap, cached);
#   2. scripts/rdma-core-source.sh + providers/pedma/build-in-rdma-core.sh:
#      libpedma-rdmav<PABI>.so for SUITE's rdma-core (cached tree, rebuilt
#      as needed), under BUILD_DIR/rdma-core/SUITE;
#   3. lab/pedma-lab run --root ROOT ... t-userland.sh on both sides.
# Exit 77 (a skip) when the archive does not serve what steps 1-2 need.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 3 ] || { echo "usage: $0 SUITE BUILD_DIR TIMEOUT [options]" >&2; exit 2; }
suite=$1 build=$(readlink -m "$2") timeout=$3
shift 3
work=$build/rdma-core/$suite

rc=0
root=$("$REPO/scripts/guest-root.sh" "$suite") || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
echo "lab-userland: $suite root $root"

"$REPO/scripts/rdma-core-source.sh" "$suite" "$work/src" || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
lib=$("$REPO/providers/pedma/build-in-rdma-core.sh" "$work/src" "$work" | tail -n 1)
[ -f "$lib" ] || { echo "lab-userland: no provider built ($lib)"; exit 1; }
# The rdma-core version of the root: its libibverbs must be the one in use
version=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' libibverbs1)
version=${version%%-*}
echo "lab-userland: $suite rdma-core $version, provider $lib"

exec "$REPO/lab/pedma-lab" run --build "$build" --timeout "$timeout" --root "$root" \
	--env "PEDMA_USERLAND_SUITE=$suite" --env "PEDMA_USERLAND_LIB=$lib" \
	--env "PEDMA_USERLAND_VERSION=$version" "$@" \
	--host "$REPO/tests/lab/t-userland.sh" --ep "$REPO/tests/lab/t-userland.sh"
