#!/bin/bash
# Builds libpedma inside an unpacked rdma-core source tree, the way that
# tree builds its own providers, against that release's real private ABI.
#
#   providers/pedma/build-in-rdma-core.sh SRC_DIR OUT_DIR
#
# SRC_DIR is left as it is (scripts/rdma-core-source.sh SUITE SRC_DIR gives
# Debian's source package of a suite).  OUT_DIR/rdma-core gets a copy of it
# with providers/pedma added: a CMakeLists.txt that includes our
# providers/pedma/rdma-core.cmake, hooked in after the tree's own providers.
# OUT_DIR/build is the tree's CMake build, of only libibverbs and
# pedma-rdmav<PABI> (not the rest of rdma-core), with -j${PEDMA_JOBS:-2}.
#
# Prints, as its last line, the path of the built
# libpedma-rdmav<PABI>.so.  Beside it in OUT_DIR/build/lib: the tree's
# libibverbs.so.1; OUT_DIR/build/etc/libibverbs.d/pedma.driver names the
# provider by absolute path.  Re-running rebuilds only what changed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'build-in-rdma-core: %s\n' "$*" >&2; }
die() { printf 'build-in-rdma-core: ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 SRC_DIR OUT_DIR"
src=$(cd "$1" && pwd) || die "no directory $1"
mkdir -p "$2"
out=$(cd "$2" && pwd)
if [ ! -f "$src/CMakeLists.txt" ] || [ ! -f "$src/libibverbs/driver.h" ]; then
	die "$src is not an rdma-core source tree"
fi

pabi=$(sed -n 's/^set(IBVERBS_PABI_VERSION "\([0-9]*\)")/\1/p' "$src/CMakeLists.txt")
version=$(sed -n 's/^set(PACKAGE_VERSION "\([^"]*\)")/\1/p' "$src/CMakeLists.txt")
[ -n "$pabi" ] || die "$src/CMakeLists.txt sets no IBVERBS_PABI_VERSION"

tree=$out/rdma-core
build=$out/build

# A fresh copy of the tree (timestamps kept, so a rebuild stays
# incremental), then our hook.
rm -rf "$tree"
cp -a "$src" "$tree"
mkdir -p "$tree/providers/pedma"
printf '# Added by %s: libpedma from the pedma repository.\ninclude("%s/rdma-core.cmake")\n' \
	"providers/pedma/build-in-rdma-core.sh" "$here" >"$tree/providers/pedma/CMakeLists.txt"
grep -q '^add_subdirectory(providers/' "$tree/CMakeLists.txt" ||
	die "$src/CMakeLists.txt adds no providers: cannot hook pedma in"
# After the last of the tree's own add_subdirectory(providers/...) lines.
awk '
	{ line[NR] = $0 }
	/^add_subdirectory\(providers\// { last = NR }
	END {
		for (i = 1; i <= NR; i++) {
			print line[i]
			if (i == last) print "add_subdirectory(providers/pedma)"
		}
	}' "$tree/CMakeLists.txt" >"$tree/CMakeLists.txt.pedma"
mv "$tree/CMakeLists.txt.pedma" "$tree/CMakeLists.txt"

generator=()
if command -v ninja >/dev/null 2>&1; then
	generator=(-G Ninja)
	[ ! -f "$build/CMakeCache.txt" ] || grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build/CMakeCache.txt" ||
		rm -rf "$build"
fi

log "configuring rdma-core $version (PABI $pabi) in $build"
# As Debian configures it where it matters to a provider (prefix /usr,
# /etc/libibverbs.d); no man pages, pyverbs or static libraries.
cmake -S "$tree" -B "$build" "${generator[@]}" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_INSTALL_PREFIX=/usr \
	-DCMAKE_INSTALL_SYSCONFDIR=/etc \
	-DCMAKE_INSTALL_LOCALSTATEDIR=/var \
	-DNO_MAN_PAGES=1 -DNO_PYVERBS=1 -DENABLE_STATIC=0 \
	>"$out/configure.log" 2>&1 ||
	{ tail -n 40 "$out/configure.log" >&2; die "configure failed (see $out/configure.log)"; }
grep 'pedma:' "$out/configure.log" >&2 || true

log "building ibverbs and pedma-rdmav$pabi (-j${PEDMA_JOBS:-2})"
cmake --build "$build" -j"${PEDMA_JOBS:-2}" --target ibverbs "pedma-rdmav$pabi" \
	>"$out/build.log" 2>&1 ||
	{ tail -n 60 "$out/build.log" >&2; die "build failed (see $out/build.log)"; }

lib=$build/lib/libpedma-rdmav$pabi.so
[ -f "$lib" ] || die "$lib was not built"
printf '%s\n' "$lib"
