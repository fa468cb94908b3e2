#!/bin/bash
# t-ud.sh over soft-RoCE (rxe0 on the guests' virtio-net link; UD with a GID
# index, rdma_cm multicast on the link's addresses) instead of pedma0:
# validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 600 --host tests/lab/t-ud-rxe.sh --ep tests/lab/t-ud-rxe.sh
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-ud.sh"
