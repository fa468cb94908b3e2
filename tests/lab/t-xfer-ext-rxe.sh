#!/bin/bash
# t-xfer-ext.sh over soft-RoCE (rxe0 on the guests' link) instead of
# pedma0: checks the test's use of the extended verbs against rdma-core's
# rxe provider.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 900 --host tests/lab/t-xfer-ext-rxe.sh --ep tests/lab/t-xfer-ext-rxe.sh
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-xfer-ext.sh"
