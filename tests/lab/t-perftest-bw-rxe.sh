#!/bin/bash
# t-perftest-bw.sh over soft-RoCE (rxe0 on the guests' link) instead of
# pedma0: validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 1200 --host tests/lab/t-perftest-bw-rxe.sh --ep tests/lab/t-perftest-bw-rxe.sh
# Not run: ib_read_bw.  Under TCG, rxe's RDMA READ responses (a burst of up
# to 8 MiB / 1 KiB-MTU packets) overflow the UDP socket of QEMU's dgram
# netdev; rxe then resends the whole read, which overflows again: -a with
# -q 4 stalls at 1-2 MiB and rxe warns (rxe_pool.c:255) when the QPs are
# destroyed.
export PEDMA_DEV=rxe0
export PEDMA_PERFTEST_SKIP=ib_read_bw
exec bash "$PEDMA_REPO/tests/lab/t-perftest-bw.sh"
