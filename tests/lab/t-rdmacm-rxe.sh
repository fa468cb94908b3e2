#!/bin/bash
# t-rdmacm.sh over soft-RoCE (rxe0 on the guests' virtio-net link, rdma_cm
# on the link's own addresses) instead of pedma0 and IPoIB: validates the
# test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 600 --host tests/lab/t-rdmacm-rxe.sh --ep tests/lab/t-rdmacm-rxe.sh
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-rdmacm.sh"
