#!/bin/bash
# Guest side of lab-packages (lab-packages.sh): the DKMS-built pedma.ko
# (PEDMA_PKG_KO) and pedma_lab.ko beside it loaded, ibverbs-provider-pedma (PEDMA_PKG_PROVIDER)
# installed with dpkg -i into this guest's root (a tmpfs overlay: gone at
# power-off), the lab's own driver file removed and RDMAV_DRIVERS unset;
# then libibverbs must load libpedma from the package's path (LD_DEBUG
# shows the file it opened), ibv_devinfo shows pedma0 active, and
# ibv_rc_pingpong -c, ib_write_bw and ib_read_lat run with the server on
# either side.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/t-perftest-lib.sh"

: "${PEDMA_PKG_PROVIDER:?}" "${PEDMA_PKG_KO:?}"
TMO=240

# Nothing of the build tree's
unset RDMAV_DRIVERS
rm -f /etc/libibverbs.d/pedma.driver
lsmod | grep -q '^pedma ' && fail "pedma already loaded (run with --no-pedma)"

PKG_LAB_KO=$(dirname "$PEDMA_PKG_KO")/pedma_lab.${PEDMA_PKG_KO##*/pedma.}
PKG_DMA_KO=$(dirname "$PEDMA_PKG_KO")/pedma_lab_dma.${PEDMA_PKG_KO##*/pedma.}
if [ "${LAB_EP_MOVER:-ll}" = dmaengine ]; then
	insmod "$PKG_DMA_KO" || fail "insmod $PKG_DMA_KO"
fi
insmod "$PEDMA_PKG_KO" || fail "insmod $PEDMA_PKG_KO"
# shellcheck disable=SC2086 # the run's pedma_lab parameters, word-split
insmod "$PKG_LAB_KO" ${PEDMA_LAB_ARGS:-} || fail "insmod $PKG_LAB_KO"
lab_log "loaded $PEDMA_PKG_KO, $PKG_LAB_KO ($(modinfo -F vermagic "$PEDMA_PKG_KO"))"
out=$(dpkg -i "$PEDMA_PKG_PROVIDER" 2>&1) || { printf '%s\n' "$out"; fail "dpkg -i $PEDMA_PKG_PROVIDER"; }
printf '%s\n' "$out" | tail -n 2
dpkg-query -W ibverbs-provider-pedma
[ "$(cat /etc/libibverbs.d/pedma.driver)" = "driver pedma" ] ||
	fail "/etc/libibverbs.d/pedma.driver is not the package's"

pt_setup packages
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
want=/usr/lib/$ma/libibverbs/libpedma-rdmav34.so
out=$(LD_DEBUG=files ibv_devinfo -d "$PT_DEV" 2>&1) || { printf '%s\n' "$out"; fail "ibv_devinfo -d $PT_DEV failed"; }
opened=$(grep -oE 'file=[^ ]*libpedma[^ ]*' <<<"$out" | sort -u | sed 's/^file=//')
lab_log "libibverbs opened: ${opened:-nothing named libpedma}"
[ "$opened" = "$want" ] || fail "the provider loaded is '${opened:-none}', not the package's $want"
if grep -v 'LD_DEBUG\|^ *[0-9]*:' <<<"$out" | grep -qiE "couldn't load|warning"; then
	fail "ibv_devinfo: libibverbs complained"
fi
grep -qE "state:[[:space:]]+PORT_ACTIVE" <<<"$out" || fail "ibv_devinfo: port not PORT_ACTIVE"
lab_signal "devinfo-$PEDMA_ROLE"
lab_wait "devinfo-$PEER_ROLE" 120 || fail "the $PEER_ROLE side's ibv_devinfo never passed"

mapfile -t common < <(pt_perftest_args)
for srv in host ep; do
	PP_ITERS=500 PP_BYTES=$((4096 * 500 * 2))
	pt_pair "$srv" pt_pingpong_check "$TMO" ibv_rc_pingpong -d "$PT_DEV" -c -s 4096 -n 500
	PT_TABLE_ON=client
	PT_SIZES=65536
	pt_pair "$srv" pt_perftest_table "$TMO" ib_write_bw "${common[@]}" -s 65536 -n 50
	PT_SIZES=""
	pt_pair "$srv" pt_perftest_table "$TMO" ib_read_lat "${common[@]}" -a -n 10
done
pt_summary
