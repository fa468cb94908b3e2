#!/bin/bash
# t-pingpong.sh over soft-RoCE (rxe0 on the guests' link) instead of pedma0:
# validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 600 --host tests/lab/t-pingpong-rxe.sh --ep tests/lab/t-pingpong-rxe.sh
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-pingpong.sh"
