#!/bin/bash
# t-perftest-lat.sh over soft-RoCE (rxe0 on the guests' link) instead of
# pedma0: validates the test itself.  Run with --no-pedma, e.g.
#   lab/pedma-lab run --no-pedma --timeout 900 --host tests/lab/t-perftest-lat-rxe.sh --ep tests/lab/t-perftest-lat-rxe.sh
# Not run: ib_read_lat.  Under TCG, rxe's RDMA READ responses of a MiB or
# more (one burst of 1 KiB-MTU packets) overflow the UDP socket of QEMU's
# dgram netdev and rxe resends the whole read: -a stalls at the large sizes
# (it passed once with -e, in 130 s, and timed out once polling).
export PEDMA_DEV=rxe0
export PEDMA_PERFTEST_SKIP=ib_read_lat
exec bash "$PEDMA_REPO/tests/lab/t-perftest-lat.sh"
