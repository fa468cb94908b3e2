#!/bin/bash
# t-ipoib.sh over the guests' virtio-net link instead of ib0 (same addresses,
# as secondary ones; no IPoIB modes, no module reload): checks the test
# itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 300 --host tests/lab/t-ipoib-virtio.sh --ep tests/lab/t-ipoib-virtio.sh
export PEDMA_IPOIB_NETDEV=${LAB_NETDEV:-eth0}
exec bash "$PEDMA_REPO/tests/lab/t-ipoib.sh"
