#!/bin/bash
# ctest "package" (label package): the Debian packages build, lintian finds
# no error, and what they install works.
#
#   tests/package/package_test.sh BUILD_DIR TEST_PROVIDER_FAKEDEV TEST_PROVIDER_LOAD
#
#   1. scripts/package.sh BUILD_DIR/deb;
#   2. lintian on the .changes: fails on any E: tag (warnings are shown);
#   3. dpkg-deb -c: the provider in the multiarch libibverbs dir, its
#      driver file in /etc/libibverbs.d, dkms.conf and the module sources;
#   4. the provider package unpacked into a throwaway root: loaded by the
#      installed libibverbs (test_provider_load), and found through its
#      own "driver pedma" file and the library search path
#      (test_provider_fakedev driver-name: fake pedma0 matched);
#   5. if dkms is installed: dkms add, build and install of the unpacked
#      pedma-dkms for the lab's 6.1 kernel in private trees
#      (tests/package/dkms-build.sh): the installed modules, their vermagic
#      and dependencies, and no pedma_ntb.ko (Debian's 6.1 has no NTB;
#      package-dkms-board installs for a board's kernel, which has it).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -eq 3 ] || { echo "usage: $0 BUILD_DIR FAKEDEV LOADTEST" >&2; exit 2; }
build=$1 fakedev=$2 loadtest=$3
deb=$build/deb
start=$SECONDS
fail() { echo "FAIL: $*"; exit 1; }

"$repo/scripts/package.sh" "$deb"
echo "packages built in $((SECONDS - start)) s"

# --- lintian -------------------------------------------------------------
changes=$(ls "$deb"/*.changes)
lint=$(lintian --tag-display-limit 0 "$changes" 2>&1 | grep -v 'root privileges' || true)
printf 'lintian:\n%s\n' "${lint:-(nothing)}"
printf 'lintian summary: %s errors, %s warnings, %s info\n' \
	"$(grep -c '^E: ' <<<"$lint" || true)" "$(grep -c '^W: ' <<<"$lint" || true)" \
	"$(grep -c '^I: ' <<<"$lint" || true)"
! grep -q '^E: ' <<<"$lint" || fail "lintian reports errors"

# --- contents ------------------------------------------------------------
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
prov=$(ls "$deb"/ibverbs-provider-pedma_*.deb)
dkmsdeb=$(ls "$deb"/pedma-dkms_*_all.deb)
provlist=$(dpkg-deb -c "$prov" | awk '{ print $6 }')
for f in "./usr/lib/$ma/libibverbs/libpedma-rdmav34.so" ./etc/libibverbs.d/pedma.driver; do
	grep -qxF "$f" <<<"$provlist" || fail "$prov lacks $f"
done
version=$(dpkg-deb -f "$dkmsdeb" Version)
version=${version%%-*}
dkmslist=$(dpkg-deb -c "$dkmsdeb" | awk '{ print $6 }')
for f in dkms.conf kernel/build.sh kernel/drivers/infiniband/hw/pedma/Kbuild \
	kernel/drivers/infiniband/hw/pedma/pedma_main.c \
	kernel/drivers/infiniband/hw/pedma/pedma_backend.h \
	kernel/drivers/infiniband/hw/pedma/pedma_lab_pci.c include/uapi/rdma/pedma-abi.h \
	include/pedma/pedma_window.h; do
	grep -qxF "./usr/src/pedma-$version/$f" <<<"$dkmslist" || fail "$dkmsdeb lacks /usr/src/pedma-$version/$f"
done
echo "contents: OK"

root=$(mktemp -d "${TMPDIR:-/tmp}/pedma-package.XXXXXX")
trap 'rm -rf "$root"' EXIT

# --- the provider package, unpacked ---------------------------------------
dpkg-deb -x "$prov" "$root/provider"
plib=$root/provider/usr/lib/$ma/libibverbs
[ "$(cat "$root/provider/etc/libibverbs.d/pedma.driver")" = "driver pedma" ] ||
	fail "pedma.driver does not say 'driver pedma'"
"$loadtest" "$plib/libpedma-rdmav34.so"
# driver-name mode reads <dir>/install/pedma.driver: the packaged file.
mkdir -p "$root/fake/install"
cp "$root/provider/etc/libibverbs.d/pedma.driver" "$root/fake/install/"
rc=0
LD_LIBRARY_PATH=$plib "$fakedev" driver-name "$root/fake" || rc=$?
case $rc in
0) ;;
77) echo "test_provider_fakedev skipped (no private mount namespace)" ;;
*) fail "the packaged provider was not found and matched through 'driver pedma'" ;;
esac

# --- DKMS ------------------------------------------------------------------
if ! command -v dkms >/dev/null 2>&1; then
	echo "dkms not installed: dkms build/install not checked"
else
	# shellcheck source=lab/lib/kver.sh
	. "$repo/lab/lib/kver.sh"
	kver=$(pedma_lab_kver) || fail "no 6.1 kernel with headers for dkms"
	ko=$("$repo/tests/package/dkms-build.sh" "$dkmsdeb" "$kver" "$root/dkms" | tail -n 1) ||
		fail "dkms build or install"
	echo "dkms: $ko"
fi

echo "package: OK in $((SECONDS - start)) s"
