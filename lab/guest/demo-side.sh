#!/bin/bash
# The demo (pedma-lab demo), the same on both sides: wait for the pedma port
# to become ACTIVE, show the device, wait for the other side to have shown
# it too.  Runs in a lab guest (lab/guest/stage2.sh provides lablib.sh).
set -euo pipefail
dev=${PEDMA_DEV:-pedma0}

if [ "${LAB_PEDMA_LOADED:-0}" != 1 ]; then
	lab_log "FAIL: pedma.ko and pedma_lab.ko are not loaded (see $LAB_OUT/$PEDMA_ROLE.setup)"
	lab_signal "$PEDMA_ROLE-demo-done"
	exit 1
fi
lab_log "pedma.ko, pedma_lab.ko loaded: ${LAB_PEDMA_LOADED:-?}; waiting up to 60 s for $dev port 1 ACTIVE"
if ! lab_wait_port ACTIVE 60 "$dev"; then
	# shellcheck disable=SC2012
	devs=$(ls /sys/class/infiniband 2>/dev/null | tr '\n' ' ') || true
	lab_log "RDMA devices: ${devs:-none}"
	lab_log "FAIL: $dev port 1 never became ACTIVE"
	lab_signal "$PEDMA_ROLE-demo-done"
	exit 1
fi
lab_log "$dev port 1: $(lab_port_state "$dev")"
echo "--- ibv_devices"
ibv_devices
echo "--- ibv_devinfo -v -d $dev"
ibv_devinfo -v -d "$dev"
lab_signal "$PEDMA_ROLE-demo-done"

peer=ep
[ "$PEDMA_ROLE" = ep ] && peer=host
lab_wait "$peer-demo-done" 60
lab_dmesg_check
lab_log "demo done"
