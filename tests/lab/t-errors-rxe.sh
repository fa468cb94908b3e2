#!/bin/bash
# t-errors.sh over soft-RoCE (rxe0 on the guests' link) instead of pedma0:
# validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --host tests/lab/t-errors-rxe.sh --ep tests/lab/t-errors-rxe.sh
# rxe is known to fail write-bad-lkey and send-longer-than-receive (other
# completion statuses than the InfiniBand spec's).
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-errors.sh"
