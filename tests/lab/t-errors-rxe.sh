#!/bin/bash
# t-errors.sh over soft-RoCE (rxe0 on the guests' link) instead of pedma0:
# validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --host tests/lab/t-errors-rxe.sh --ep tests/lab/t-errors-rxe.sh
# Known rxe deviations from the InfiniBand spec (Debian 12's 6.1 kernel),
# reported as XFAIL:
#   write-bad-lkey            rxe: IBV_WC_LOC_QP_OP_ERR, spec: IBV_WC_LOC_PROT_ERR
#   send-longer-than-receive  rxe: requester IBV_WC_REM_OP_ERR and responder
#                             IBV_WC_LOC_QP_OP_ERR, spec: IBV_WC_REM_INV_REQ_ERR
#                             and IBV_WC_LOC_LEN_ERR
export PEDMA_DEV=rxe0
export PEDMA_ERRORS_KNOWN_FAIL=write-bad-lkey,send-longer-than-receive,uc-send-longer-than-receive
exec bash "$PEDMA_REPO/tests/lab/t-errors.sh"
