#!/bin/bash
# t-xfer-ext.sh over soft-RoCE (rxe0 on the guests' link) instead of
# pedma0: checks the test's use of the extended verbs against rdma-core's
# rxe provider.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 900 --host tests/lab/t-xfer-ext-rxe.sh --ep tests/lab/t-xfer-ext-rxe.sh
#
# Expected to FAIL with Debian 12's rdma-core 44 (and 56.1): rxe's
# wr_set_sge_list adds the first SGE's length num_sge times (fixed by
# rdma-core 65), so multi-SGE requests send the wrong length and the
# responder reports "receive completion byte_len N, expected M".  pedma_xfer
# without --ext passes on the same guests; this is the test catching a
# builder bug, not a fault of the test.
export PEDMA_DEV=rxe0
exec bash "$PEDMA_REPO/tests/lab/t-xfer-ext.sh"
