#!/bin/bash
# Builds and installs pedma from its pedma-dkms .deb with DKMS for one
# kernel, in private trees under WORK_DIR (the machine's /lib/modules and
# DKMS tree are not touched; dkms creates its module signing key,
# /var/lib/dkms/mok.key and mok.pub, if there is none, as every DKMS install
# on Debian does).  Checks both modules (pedma.ko, the core, and
# pedma_lab.ko beside it) and their vermagic; prints the installed pedma.ko's
# path as its last line.
#
#   tests/package/dkms-build.sh PEDMA_DKMS_DEB KVER WORK_DIR
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 PEDMA_DKMS_DEB KVER WORK_DIR" >&2; exit 2; }
deb=$1 kver=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$(dpkg-deb -f "$deb" Version)
version=${version%%-*}
rm -rf "$work"
mkdir -p "$work/dkms" "$work/modules/$kver"
dpkg-deb -x "$deb" "$work/src"
d=(dkms --dkmstree "$work/dkms" --sourcetree "$work/src/usr/src"
	--installtree "$work/modules")
t=$SECONDS
"${d[@]}" add -m pedma -v "$version" >&2
"${d[@]}" build -m pedma -v "$version" -k "$kver" >&2 ||
	{ tail -n 40 "$work/dkms/pedma/$version/build/make.log" >&2 2>/dev/null; fail "dkms build"; }
"${d[@]}" install -m pedma -v "$version" -k "$kver" >&2 || fail "dkms install"
ko=$(find "$work/modules/$kver" -name 'pedma.ko*' | head -n 1)
[ -n "$ko" ] || fail "dkms install put no pedma.ko under $work/modules/$kver"
# The lab backend, beside the core (pedma.ko[.xz] -> pedma_lab.ko[.xz])
labko=$(dirname "$ko")/pedma_lab.${ko##*/pedma.}
[ -f "$labko" ] || fail "dkms install put no $labko beside $ko"
for m in "$ko" "$labko"; do
	magic=$(modinfo -F vermagic "$m")
	case $magic in
	"$kver "*) ;;
	*) fail "$m vermagic '$magic', want $kver" ;;
	esac
done
[ "$(modinfo -F depends "$labko")" = pedma ] || fail "$labko does not depend on pedma"
dmako=$(dirname "$ko")/pedma_lab_dma.${ko##*/pedma.}
[ -f "$dmako" ] || fail "dkms install put no $dmako beside $ko"
"${d[@]}" status -m pedma -v "$version" >&2
echo "dkms: built and installed $ko for $kver in $((SECONDS - t)) s" >&2
printf '%s\n' "$ko"
