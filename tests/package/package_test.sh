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
#      pedma-dkms for the lab's 6.1 kernel, all in private dkms, source and
#      install trees (the machine's /lib/modules and DKMS tree are not
#      touched; dkms does create its module signing key,
#      /var/lib/dkms/mok.key and mok.pub, if there is none, as every DKMS
#      install on Debian does), then modinfo of the installed pedma.ko.
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
	kernel/drivers/infiniband/hw/pedma/pedma_main.c include/uapi/rdma/pedma-abi.h \
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
	dpkg-deb -x "$dkmsdeb" "$root/dkms-src"
	d=(dkms --dkmstree "$root/dkms" --sourcetree "$root/dkms-src/usr/src"
		--installtree "$root/modules")
	mkdir -p "$root/dkms" "$root/modules/$kver"
	t=$SECONDS
	"${d[@]}" add -m pedma -v "$version"
	"${d[@]}" build -m pedma -v "$version" -k "$kver" ||
		{ tail -n 40 "$root/dkms/pedma/$version/build/make.log" 2>/dev/null; fail "dkms build"; }
	"${d[@]}" install -m pedma -v "$version" -k "$kver" || fail "dkms install"
	ko=$(find "$root/modules/$kver" -name 'pedma.ko*' | head -n 1)
	[ -n "$ko" ] || fail "dkms install put no pedma.ko under $root/modules/$kver"
	magic=$(modinfo -F vermagic "$ko")
	case $magic in
	"$kver "*) ;;
	*) fail "$ko vermagic '$magic', want $kver" ;;
	esac
	"${d[@]}" status -m pedma -v "$version"
	echo "dkms: built and installed $ko for $kver in $((SECONDS - t)) s"
fi

echo "package: OK in $((SECONDS - start)) s"
