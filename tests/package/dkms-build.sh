#!/bin/bash
# Builds and installs pedma from its pedma-dkms .deb with DKMS for one
# kernel, in private trees under WORK_DIR (the machine's /lib/modules and
# DKMS tree are not touched: dkms installs with --no-depmod into
# WORK_DIR/root/lib/modules and depmod runs on that root; dkms creates its
# module signing key, /var/lib/dkms/mok.key and mok.pub, if there is none,
# as every DKMS install on Debian does).  Checks what was installed against
# the kernel's configuration: pedma.ko (the core), pedma_lab.ko and
# pedma_lab_dma.ko always; pedma_ntb.ko (the NTB backend) exactly when the
# kernel has CONFIG_NTB, depending on ntb and pedma (a board's kernel;
# Debian's leave NTB unset).  Every module's vermagic must name KVER and
# depmod must find the backends' dependency on the core.  Prints the
# installed pedma.ko's path as its last line.
#
#   tests/package/dkms-build.sh [-s KERNEL_TREE] PEDMA_DKMS_DEB KVER WORK_DIR
#
# Without -s the kernel is an installed one (/lib/modules/KVER/build, its
# headers package).  -s builds against a configured kernel tree instead
# (dkms --kernelsourcedir), such as a board's tree of scripts/kernel-tree.sh;
# its exports.symvers, if there is one, goes to modpost as
# KBUILD_EXTRA_SYMBOLS (a modules_prepare'd tree has no Module.symvers).
set -euo pipefail

ksrc=
while getopts "s:h" opt; do
	case $opt in
	s) ksrc=$OPTARG ;;
	*) sed -n '15,21p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 3 ] || { sed -n '15,21p' "$0" >&2; exit 2; }
deb=$1 kver=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$(dpkg-deb -f "$deb" Version)
version=${version%%-*}
rm -rf "$work"
mods=$work/root/lib/modules
mkdir -p "$work/dkms" "$mods/$kver"
dpkg-deb -x "$deb" "$work/src"
d=(dkms --dkmstree "$work/dkms" --sourcetree "$work/src/usr/src"
	--installtree "$mods")
k=(-k "$kver")
if [ -n "$ksrc" ]; then
	ksrc=$(cd "$ksrc" && pwd)
	k+=(--kernelsourcedir "$ksrc")
	if [ -f "$ksrc/exports.symvers" ]; then
		export KBUILD_EXTRA_SYMBOLS=$ksrc/exports.symvers
	fi
	config=$ksrc/include/config/auto.conf
else
	config=/lib/modules/$kver/build/include/config/auto.conf
fi
[ -f "$config" ] || fail "no kernel configuration at $config"
t=$SECONDS
"${d[@]}" add -m pedma -v "$version" >&2
"${d[@]}" build -m pedma -v "$version" "${k[@]}" >&2 ||
	{ tail -n 40 "$work/dkms/pedma/$version/build/make.log" >&2 2>/dev/null; fail "dkms build"; }
"${d[@]}" install --no-depmod -m pedma -v "$version" "${k[@]}" >&2 ||
	fail "dkms install"
ko=$(find "$mods/$kver" -name 'pedma.ko*' | head -n 1)
[ -n "$ko" ] || fail "dkms install put no pedma.ko under $mods/$kver"
dir=$(dirname "$ko") ext=${ko##*/pedma.}

want=(pedma_lab pedma_lab_dma)
if grep -qs '^CONFIG_NTB=[ym]' "$config"; then
	ntb=yes
	want+=(pedma_ntb)
else
	ntb=no
	[ ! -e "$dir/pedma_ntb.$ext" ] ||
		fail "pedma_ntb.$ext installed for a kernel without CONFIG_NTB"
fi
for b in pedma "${want[@]}"; do
	m=$dir/$b.$ext
	[ -f "$m" ] || fail "dkms install put no $m beside $ko"
	magic=$(modinfo -F vermagic "$m")
	case $magic in
	"$kver "*) ;;
	*) fail "$m vermagic '$magic', want $kver" ;;
	esac
done
[ "$(modinfo -F depends "$dir/pedma_lab.$ext")" = pedma ] ||
	fail "$dir/pedma_lab.$ext does not depend on pedma"
if [ $ntb = yes ]; then
	deps=$(modinfo -F depends "$dir/pedma_ntb.$ext" | tr , '\n' | sort | paste -sd,)
	[ "$deps" = ntb,pedma ] ||
		fail "$dir/pedma_ntb.$ext depends on '$deps', want ntb and pedma"
fi
# depmod on the private root: the backends' dependency on the core
depmod -b "$work/root" "$kver" || fail "depmod -b $work/root $kver"
rel=${dir#"$mods/$kver"/}
for b in "${want[@]}"; do
	[ "$b" = pedma_lab_dma ] && continue
	grep -qxF "$rel/$b.$ext: $rel/pedma.$ext" "$mods/$kver/modules.dep" ||
		fail "modules.dep has no '$rel/$b.$ext: $rel/pedma.$ext'"
done
"${d[@]}" status -m pedma -v "$version" "${k[@]}" >&2
echo "dkms: built and installed pedma ${want[*]} for $kver (CONFIG_NTB: $ntb)" \
	"in $((SECONDS - t)) s" >&2
printf '%s\n' "$ko"
