/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lab's dmaengine driver: the model's eDMA channels as a dmaengine
 * provider on the endpoint guest, as dw-edma offers a board's channels
 * (pedma_lab_dma.c).  The module that owns the lab device creates it and
 * feeds it the engine's interrupts of its channels.
 */
#ifndef PEDMA_LAB_DMA_H
#define PEDMA_LAB_DMA_H

#include <linux/device.h>
#include <linux/types.h>

#include "pedma_backend.h"

struct pedma_lab_dma;
struct seq_file;

/**
 * struct pedma_lab_dma_ops - the engine's registers, as the owner reaches them
 * @read: a 32-bit register (offset from the eDMA block).  Process
 *	context; may sleep.
 * @write_batch: registers in order as one burst.  Any context.
 */
struct pedma_lab_dma_ops {
	u32 (*read)(void *priv, u32 off);
	void (*write_batch)(void *priv, const struct pedma_reg_write *w,
			    unsigned int n);
};

struct pedma_lab_dma *pedma_lab_dma_create(struct device *dev,
					   const struct pedma_lab_dma_ops *ops,
					   void *priv, u8 wr_mask, u8 rd_mask);
void pedma_lab_dma_destroy(struct pedma_lab_dma *ld);
void pedma_lab_dma_irq(struct pedma_lab_dma *ld, int dir);
void pedma_lab_dma_show(struct pedma_lab_dma *ld, struct seq_file *m);

#endif /* PEDMA_LAB_DMA_H */
