// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe: the DMA block iterator lives in its own header, rdma/iter.h. */
#include <rdma/iter.h>

void pedma_probe_iter(struct ib_umem *umem);

void pedma_probe_iter(struct ib_umem *umem)
{
	struct ib_block_iter biter;

	rdma_umem_for_each_dma_block(umem, &biter, 4096)
		;
}
