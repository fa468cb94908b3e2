#!/bin/bash
# The guests run another Debian release's userspace (lab/pedma-lab --root,
# scripts/guest-root.sh; driven by lab-userland.sh): that release's
# libibverbs must load libpedma built inside that release's own rdma-core
# (providers/pedma/build-in-rdma-core.sh) through an ordinary driver file,
# with no RDMAV_DRIVERS, and that release's tools must work across the link:
# ibv_devinfo on both sides, ibv_rc_pingpong -c (data checked) and perftest's
# ib_write_bw (64 KiB, 1 MiB) and ib_read_lat (-a), each with the server on the host, then on the
# endpoint.
#
# Environment (from lab-userland.sh through --env):
#   PEDMA_USERLAND_SUITE   trixie, sid, ...
#   PEDMA_USERLAND_LIB     libpedma-rdmav<PABI>.so built for that release
#   PEDMA_USERLAND_VERSION rdma-core's version there (56.1, 65.0, ...): the
#                          libibverbs in use must be that one
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

: "${PEDMA_USERLAND_SUITE:?}" "${PEDMA_USERLAND_LIB:?}" "${PEDMA_USERLAND_VERSION:?}"
TMO=240

# The userspace is that release's, not this machine's
. /etc/os-release
lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libibverbs.so.1) || fail "no libibverbs.so.1"
case "${lib##*/}" in
"libibverbs.so.1."*".$PEDMA_USERLAND_VERSION") ;;
*) fail "libibverbs in use is $lib, not rdma-core $PEDMA_USERLAND_VERSION's" ;;
esac
lab_log "userspace: $PRETTY_NAME, ${lib##*/}, perftest $(dpkg-query -W -f='${Version}' perftest)"

# The provider: that release's build, named by a driver file, nothing else
unset RDMAV_DRIVERS
[ -f "$PEDMA_USERLAND_LIB" ] || fail "$PEDMA_USERLAND_LIB not found"
rm -f /etc/libibverbs.d/pedma.driver
echo "driver ${PEDMA_USERLAND_LIB%-rdmav*.so}" >/etc/libibverbs.d/pedma.driver
lab_log "provider: $(cat /etc/libibverbs.d/pedma.driver)"

pt_setup userland
out=$(ibv_devinfo -v -d "$PT_DEV" 2>&1) || { printf '%s\n' "$out"; fail "ibv_devinfo -d $PT_DEV failed"; }
printf '%s\n' "$out" | head -n 40
if grep -qiE "couldn't load|warning|no userspace device" <<<"$out"; then
	fail "ibv_devinfo: libibverbs complained (above)"
fi
grep -qE "^hca_id:[[:space:]]+$PT_DEV\$" <<<"$out" || fail "ibv_devinfo: no hca_id $PT_DEV"
grep -qE "state:[[:space:]]+PORT_ACTIVE" <<<"$out" || fail "ibv_devinfo: port not PORT_ACTIVE"
lab_signal "devinfo-$PEDMA_ROLE"
lab_wait "devinfo-$PEER_ROLE" 120 || fail "the $PEER_ROLE side's ibv_devinfo never passed"

mapfile -t common < <(pt_perftest_args)
# The tools must run across the link; a run whose time perftest could not
# measure (its CPU clock not calibrated on a busy TCG host: BW 0, seen in
# the local CI run of 2026-12-06) still ran its iterations
# shellcheck disable=SC2034  # read by pt_perftest_table
PT_NOCAL_OK=1
for srv in host ep; do
	PP_ITERS=500 PP_BYTES=$((4096 * 500 * 2))
	pt_pair "$srv" pt_pingpong_check "$TMO" ibv_rc_pingpong -d "$PT_DEV" -c -s 4096 -n 500
	PT_TABLE_ON=client
	# perftest 25 prints MiB/s with two decimals: a few 2-byte writes
	# show as 0.00, so bandwidth at sizes that measure
	for sz in 65536 1048576; do
		PT_SIZES=$sz
		pt_pair "$srv" pt_perftest_table "$TMO" ib_write_bw "${common[@]}" -s "$sz" -n 50
	done
	PT_SIZES=""
	pt_pair "$srv" pt_perftest_table "$TMO" ib_read_lat "${common[@]}" -a -n 10
done
pt_summary
