#!/bin/bash
# Builds the Debian packages of pedma into build/deb/:
#   ibverbs-provider-pedma  libpedma-rdmav34.so in the multiarch libibverbs
#                           provider dir, /etc/libibverbs.d/pedma.driver
#   pedma-dkms              the kernel module source and its dkms.conf
#
#   scripts/package.sh [OUT_DIR]        (default build/deb)
#
# dpkg-buildpackage with the repository's debian/, run on a copy of the
# files the packages are built from (OUT_DIR/pedma), so the work tree and
# build/ are not touched.  Binary packages only, unsigned.  Needs the build
# dependencies of debian/control (scripts/deps.sh installs them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$repo/build/deb}

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$out/pedma
rm -rf "$stage"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$stage"
tar -C "$repo" -cf - --exclude-vcs \
	CMakeLists.txt cmake include providers kernel debian README.md |
	tar -C "$stage" -xf -

cd "$stage"
echo "package: dpkg-buildpackage in $stage"
dpkg-buildpackage -b -us -uc -j"${PEDMA_JOBS:-2}" >"$out/build.log" 2>&1 ||
	{ tail -n 60 "$out/build.log" >&2; echo "package: dpkg-buildpackage failed (see $out/build.log)" >&2; exit 1; }
ls -1 "$out"/*.deb
