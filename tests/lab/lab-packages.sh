#!/bin/bash
# ctest lab-packages: what a board user installs, and nothing else, runs
# perftest between the guests.  The packages (scripts/package.sh, built into
# BUILD_DIR/deb unless there already) are installed as a user installs
# them: the module built by DKMS from pedma-dkms (tests/package/dkms-build.sh,
# private trees on this machine: the guests cannot run DKMS's compiler in
# time under TCG), loaded in each guest from there; ibverbs-provider-pedma
# installed with dpkg -i in each guest, whose libibverbs must then load the
# provider from the package's path through the package's own driver file,
# with RDMAV_DRIVERS unset and nothing of the build tree's
# (t-packages.sh).
#
#   tests/lab/lab-packages.sh BUILD_DIR TIMEOUT [pedma-lab options...]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR TIMEOUT [options]" >&2; exit 2; }
build=$(readlink -m "$1") timeout=$2
shift 2
deb=$build/deb

# first FILE...: the first of the glob's matches that exists, or nothing
first() { [ -e "$1" ] && printf '%s\n' "$1"; }
prov=$(first "$deb"/ibverbs-provider-pedma_*_*.deb) || true
dkmsdeb=$(first "$deb"/pedma-dkms_*_all.deb) || true
if [ -z "$prov" ] || [ -z "$dkmsdeb" ]; then
	"$REPO/scripts/package.sh" "$deb"
	prov=$(first "$deb"/ibverbs-provider-pedma_*_*.deb)
	dkmsdeb=$(first "$deb"/pedma-dkms_*_all.deb)
fi
# shellcheck source=lab/lib/kver.sh
. "$REPO/lab/lib/kver.sh"
kver=$(pedma_lab_kver) || { echo "lab-packages: no 6.1 kernel with headers"; exit 1; }
command -v dkms >/dev/null || { echo "lab-packages: dkms not installed (scripts/deps.sh)"; exit 77; }
ko=$("$REPO/tests/package/dkms-build.sh" "$dkmsdeb" "$kver" "$deb/lab-dkms" | tail -n 1)
echo "lab-packages: $prov, $ko (from $dkmsdeb)"

exec "$REPO/lab/pedma-lab" run --build "$build" --timeout "$timeout" --no-pedma \
	--env "PEDMA_PKG_PROVIDER=$prov" --env "PEDMA_PKG_KO=$ko" "$@" \
	--host "$REPO/tests/lab/t-packages.sh" --ep "$REPO/tests/lab/t-packages.sh"
