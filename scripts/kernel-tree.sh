#!/bin/bash
# Prepares a configured kernel tree as a board would have it, for building
# pedma out of tree against it (tests/kernel: kernel-build-board-*).
#
#   scripts/kernel-tree.sh [-s SRCDIR] ARCH DIR
#
# ARCH is x86_64 or arm64 (cross-built with aarch64-linux-gnu-gcc).  DIR gets
# an out-of-source (make O=DIR) tree of SRCDIR (default Debian's unpacked
# /usr/src/linux-source-6.1; bookworm-backports' /usr/src/linux-source-6.12
# works the same way): the architecture's defconfig, the options below
# switched on with scripts/config, olddefconfig, a check that every option
# really ended up set (the script fails naming those that did not), then
# "make modules_prepare" only (no vmlinux, no modules), and DIR/exports.symvers,
# the symbols the configuration exports (scripts/lib/kernel-exports.py: a
# modules_prepare'd tree has no Module.symvers; pass
# KBUILD_EXTRA_SYMBOLS=DIR/exports.symvers to the module build).
#
# Cached: DIR/.pedma-tree-stamp records the source version, the compiler and
# the option list; when it matches, nothing is done.  Each step is timed.
# The options are a board's: NTB, the PCI endpoint framework with the virtual
# NTB function, the DesignWare eDMA, InfiniBand with user verbs (what pedma.ko
# needs), and for arm64 the DesignWare PCIe endpoint/host drivers of the SoCs
# in view (R-Car Gen4, Rockchip; "?" marks an option only set when the
# source's Kconfig has it: 6.1 has neither PCIE_RCAR_GEN4_EP nor a Rockchip
# DW endpoint driver; 6.12 has both, and arm64's defconfig there has the
# ARCH_RENESAS and ARCH_ROCKCHIP they depend on).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=/usr/src/linux-source-6.1

while getopts "s:h" opt; do
	case $opt in
	s) srcdir=$OPTARG ;;
	*) sed -n '2,26p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '2,26p' "$0"; exit 2; }
arch=$1 dir=$2

common=(
	INFINIBAND=m INFINIBAND_USER_ACCESS=m INFINIBAND_USER_MEM=y
	NTB=m PCI_ENDPOINT=y PCI_ENDPOINT_CONFIGFS=y PCI_EPF_VNTB=m
	DW_EDMA=m
)
case $arch in
x86_64)
	make_args=(ARCH=x86_64)
	srcarch=x86
	defconfig=x86_64_defconfig
	cc=gcc
	options=("${common[@]}" DW_EDMA_PCIE=m)
	;;
arm64)
	make_args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	srcarch=arm64
	defconfig=defconfig
	cc=aarch64-linux-gnu-gcc
	options=("${common[@]}" DW_EDMA_PCIE=m
		PCIE_DW_PLAT_EP=y PCIE_ROCKCHIP_DW_HOST=y
		'?PCIE_RCAR_GEN4_EP=y' '?PCIE_RCAR_GEN4_HOST=y'
		'?PCIE_ROCKCHIP_DW_EP=y')
	;;
*)
	echo "kernel-tree.sh: unknown ARCH '$arch' (x86_64 or arm64)" >&2
	exit 2
	;;
esac

die() { echo "kernel-tree.sh: $*" >&2; exit 1; }

if [ ! -f "$srcdir/Makefile" ] || [ ! -d "$srcdir/arch/$srcarch" ]; then
	die "no kernel source at $srcdir (install $(basename "$srcdir"): scripts/deps.sh)"
fi
[ ! -f "$srcdir/.config" ] ||
	die "$srcdir has a .config: an out-of-source build needs a clean source tree"
missing=()
for t in "$cc" make flex bison bc python3; do
	command -v "$t" >/dev/null || missing+=("$t")
done
for h in /usr/include/libelf.h /usr/include/openssl/opensslv.h; do
	[ -f "$h" ] || missing+=("$h")
done
[ ${#missing[@]} -eq 0 ] ||
	die "missing ${missing[*]} (scripts/deps.sh installs gcc-aarch64-linux-gnu flex bison bc libelf-dev libssl-dev)"

srcdir=$(cd "$srcdir" && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
unset MAKEFLAGS MFLAGS MAKELEVEL

version=$(make -s -C "$srcdir" kernelversion 2>/dev/null)
# The Debian package's version too: a new upload of 6.1.x changes sources
# (the package is named like the directory: linux-source-6.1, -6.12; a
# source that scripts/linux-source.sh unpacked without installing it says
# its version in .pedma-source-version).
pkgver=$(cat "$srcdir/.pedma-source-version" 2>/dev/null ||
	dpkg-query -W -f='${Version}' "$(basename "$srcdir")" 2>/dev/null || true)
stamp_text=$(printf 'source %s %s %s\narch %s\ncompiler %s\noptions %s\nexports %s\n' \
	"$srcdir" "$version" "${pkgver:-unknown}" "$arch" "$("$cc" --version | head -n 1)" \
	"${options[*]}" "$(sha1sum <"$here/lib/kernel-exports.py" | cut -c1-12)")
stamp=$dir/.pedma-tree-stamp
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_text" ] &&
	[ -f "$dir/scripts/mod/modpost" ] && [ -s "$dir/exports.symvers" ]; then
	echo "kernel-tree.sh: $dir is prepared ($arch, $version): nothing to do"
	exit 0
fi
rm -f "$stamp"

step_start=0
step() { step_start=$(date +%s.%N); echo "kernel-tree.sh: $*"; }
step_done() {
	printf 'kernel-tree.sh:   %.1f s\n' "$(echo "$(date +%s.%N) - $step_start" | bc)"
}
kmake() { make -C "$srcdir" O="$dir" "${make_args[@]}" "$@"; }

total_start=$(date +%s.%N)
step "$defconfig ($arch, $version) in $dir"
kmake -s "$defconfig"
step_done

step "options: ${options[*]}"
set_args=()
want=()
for o in "${options[@]}"; do
	name=${o#\?} name=${name%%=*} val=${o#*=}
	if [ "${o:0:1}" = "?" ] &&
		! grep -rqsE "^(menu)?config[[:space:]]+$name\$" --include='Kconfig*' \
			"$srcdir/drivers" "$srcdir/arch/$srcarch"; then
		echo "kernel-tree.sh:   $name: not in this source's Kconfig, left out"
		continue
	fi
	case $val in
	m) set_args+=(-m "$name") ;;
	y) set_args+=(-e "$name") ;;
	*) die "bad option $o" ;;
	esac
	want+=("$name=$val")
done
"$srcdir/scripts/config" --file "$dir/.config" "${set_args[@]}"
kmake -s olddefconfig
bad=()
for w in "${want[@]}"; do
	grep -qx "CONFIG_$w" "$dir/.config" ||
		bad+=("$w (got: $(grep -E "^(# )?CONFIG_${w%%=*}[= ]" "$dir/.config" || echo absent))")
done
[ ${#bad[@]} -eq 0 ] || die "options not set after olddefconfig: ${bad[*]}"
if grep -q '^CONFIG_MODVERSIONS=y' "$dir/.config"; then
	die "CONFIG_MODVERSIONS is set: exports.symvers (CRC 0) would not do"
fi
step_done

step "modules_prepare (-j$jobs)"
kmake -s -j"$jobs" modules_prepare
step_done

step "exports.symvers"
python3 "$here/lib/kernel-exports.py" "$srcdir" "$dir" "$srcarch" >"$dir/exports.symvers.new"
mv "$dir/exports.symvers.new" "$dir/exports.symvers"
echo "kernel-tree.sh:   $(wc -l <"$dir/exports.symvers") exported symbols"
step_done

printf '%s\n' "$stamp_text" >"$stamp"
printf 'kernel-tree.sh: %s prepared in %.1f s\n' "$dir" \
	"$(echo "$(date +%s.%N) - $total_start" | bc)"
