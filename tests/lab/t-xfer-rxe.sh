#!/bin/bash
# t-xfer.sh over soft-RoCE (rxe0 on the guests' link) instead of pedma0:
# validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 900 --host tests/lab/t-xfer-rxe.sh --ep tests/lab/t-xfer-rxe.sh
# rxe's max_msg_sz is 8 MiB: pedma_xfer lowers --max-size to it.
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-xfer.sh"
