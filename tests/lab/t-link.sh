#!/bin/bash
# Both ports come up ACTIVE; libibverbs and our provider see the device;
# verbs not implemented yet fail with EOPNOTSUPP.  pedma_lab (with --ntb:
# ntb_hw_pedma_lab) binds exactly one ivshmem device, the one the model marked; with --stray-ivshmem
# (LAB_STRAY_IVSHMEM=1) the unmarked second one is left without a driver.
set -euo pipefail
source "$PEDMA_REPO/tests/lab/common.sh"

lab_wait_port ACTIVE 60 || fail "port not ACTIVE: $(port_state)"
dmesg | grep -q "pedma0: link up" || fail "no link-up message"
ibv_devices > devices.txt || fail "ibv_devices failed"
cat devices.txt
grep -q pedma0 devices.txt || fail "ibv_devices does not list pedma0"
ibv_devinfo -v -d pedma0 > devinfo.txt || fail "ibv_devinfo failed"
cat devinfo.txt
grep -q "PORT_ACTIVE" devinfo.txt || fail "ibv_devinfo shows no PORT_ACTIVE"
grep -q "link_layer:.*InfiniBand" devinfo.txt || fail "link layer is not InfiniBand"
"$PEDMA_BUILD/tests/lab/verbs_check" pedma0 --expect-port active || fail "verbs_check"

# The ivshmem devices (1af4:1110) and their drivers
ours=0 others=0
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1110 ] || continue
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	echo "ivshmem ${d##*/}: driver $drv"
	case $drv in
	"$PEDMA_PCI_DRIVER") ours=$((ours + 1)) ;;
	none) others=$((others + 1)) ;;
	*) fail "ivshmem ${d##*/} bound to $drv" ;;
	esac
done
[ "$ours" = 1 ] || fail "$PEDMA_PCI_DRIVER bound $ours ivshmem devices, not 1"
if [ "${LAB_STRAY_IVSHMEM:-0}" = 1 ]; then
	[ "$others" = 1 ] || fail "$others unbound ivshmem devices, want the stray one"
	dmesg | grep "not marked by the pedma lab model" || fail "no message for the unmarked device"
fi
finish
