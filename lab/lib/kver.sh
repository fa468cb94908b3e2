# shellcheck shell=bash
# Kernel versions the lab and the build use.  Source this file, then call:
#
#   pedma_lab_kver        the guest kernel of the lab: the newest installed
#                         /boot/vmlinuz-6.1.*-amd64 whose /lib/modules/<ver>/build
#                         exists (pedma.ko must be built against this one)
#   pedma_headers_612     the directory of the newest 6.12 amd64 headers
#                         (bookworm-backports; the compile-only check)
#
# Each prints its answer and returns 0, or prints nothing and returns 1.
# Run directly (bash lab/lib/kver.sh) it prints both.

pedma_lab_kver() {
	local f ver best=""
	for f in /boot/vmlinuz-6.1.*-amd64; do
		[ -e "$f" ] || continue
		ver=${f#/boot/vmlinuz-}
		[ -d "/lib/modules/$ver/build" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$ver" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	printf '%s\n' "$best"
}

pedma_headers_612() {
	local d best=""
	for d in /usr/src/linux-headers-6.12*-amd64 /lib/modules/6.12*/build; do
		case "$d" in *-rt-amd64* | *-cloud-amd64*) continue ;; esac
		[ -f "$d/Makefile" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$d" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	printf '%s\n' "$best"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	printf 'lab guest kernel: %s\n' "$(pedma_lab_kver || echo 'none found')"
	printf '6.12 headers:     %s\n' "$(pedma_headers_612 || echo 'none found')"
fi
