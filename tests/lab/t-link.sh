#!/bin/bash
# Both ports come up ACTIVE; libibverbs and our provider see the device;
# verbs not implemented yet fail with EOPNOTSUPP.
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
finish
