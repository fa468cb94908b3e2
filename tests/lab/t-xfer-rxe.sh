#!/bin/bash
# t-xfer.sh over soft-RoCE (rxe0 on the guests' link) instead of pedma0:
# validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 900 --host tests/lab/t-xfer-rxe.sh --ep tests/lab/t-xfer-rxe.sh
# PEDMA_XFER_ARGS in this file's environment is not passed by pedma-lab;
# edit the default below to shorten a run.
export PEDMA_DEV=rxe0
export PEDMA_XFER_ARGS=${PEDMA_XFER_ARGS:-}
exec bash "$PEDMA_REPO/tests/lab/t-xfer.sh"
