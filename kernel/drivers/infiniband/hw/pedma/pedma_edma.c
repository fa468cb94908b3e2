// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma eDMA helpers: register access through the backend and the channel
 * partition.  The LL chain builder joins this file with the data path.
 *
 * Both sides are full RDMA initiators, so each owns a disjoint set of write
 * channels (endpoint memory -> PCIe) and read channels (PCIe -> endpoint
 * memory).  The endpoint programs its channels locally; the host programs
 * its own through the backend's remote view of the register block.
 */
#include "pedma.h"

static u32 edma_read(struct pedma_dev *dev, u32 off)
{
	return dev->be->ops->edma_read(dev->be, off);
}

static u8 low_mask(unsigned int n)
{
	return (u8)((1u << n) - 1);
}

/*
 * Endpoint: split the engine's channels.  The endpoint takes the lower
 * half (rounded up) of each direction, the host the rest.
 */
int pedma_edma_propose_partition(struct pedma_dev *dev,
				 struct pedma_chan_part *part)
{
	u32 ctrl = edma_read(dev, EDMA_V0_CTRL);
	unsigned int wr = (ctrl >> EDMA_V0_CTRL_WR_CH_CNT_SHIFT) &
			  EDMA_V0_CTRL_CH_CNT_MASK;
	unsigned int rd = (ctrl >> EDMA_V0_CTRL_RD_CH_CNT_SHIFT) &
			  EDMA_V0_CTRL_CH_CNT_MASK;

	if (wr < 2 || rd < 2 || wr > EDMA_V0_MAX_WR_CH || rd > EDMA_V0_MAX_RD_CH) {
		dev_err(dev->be->dma_dev,
			"eDMA reports %u write and %u read channels (ctrl %#x); pedma needs 2 to 8 of each\n",
			wr, rd, ctrl);
		return -ENODEV;
	}
	part->wr_cnt = wr;
	part->rd_cnt = rd;
	part->ep_wr = low_mask((wr + 1) / 2);
	part->ep_rd = low_mask((rd + 1) / 2);
	part->host_wr = low_mask(wr) & ~part->ep_wr;
	part->host_rd = low_mask(rd) & ~part->ep_rd;
	return pedma_edma_check_partition(part);
}

/* Host: a partition read from the peer's block is untrusted. */
int pedma_edma_check_partition(const struct pedma_chan_part *part)
{
	if (!part->wr_cnt || part->wr_cnt > EDMA_V0_MAX_WR_CH ||
	    !part->rd_cnt || part->rd_cnt > EDMA_V0_MAX_RD_CH)
		return -EINVAL;
	if ((part->host_wr | part->ep_wr) & ~low_mask(part->wr_cnt) ||
	    (part->host_rd | part->ep_rd) & ~low_mask(part->rd_cnt))
		return -EINVAL;
	if (part->host_wr & part->ep_wr || part->host_rd & part->ep_rd)
		return -EINVAL;
	if (!part->host_wr || !part->ep_wr || !part->host_rd || !part->ep_rd)
		return -EINVAL;
	return 0;
}
