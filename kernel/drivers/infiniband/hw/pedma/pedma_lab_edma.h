/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The owner's side of the lab's dmaengine provider: create the auxiliary
 * device pedma_lab_dma.ko binds, deliver the engine's interrupts to it
 * (pedma_lab_edma.c, compiled into pedma_lab.ko and ntb_hw_pedma_lab.ko).
 */
#ifndef PEDMA_LAB_EDMA_H
#define PEDMA_LAB_EDMA_H

#include <linux/seq_file.h>

#include "pedma_edma_regs.h"
#include "pedma_lab_dma.h"
#include "pedma_lab_regs.h"

int pedma_lab_edma_count(struct pedma_lab_regs *regs, unsigned int *wr,
			 unsigned int *rd);
struct pedma_lab_edma *pedma_lab_edma_add(struct device *parent, u32 id,
					  struct pedma_lab_regs *regs, u8 wr,
					  u8 rd);
void pedma_lab_edma_del(struct pedma_lab_edma *e);
void pedma_lab_edma_irq(struct pedma_lab_edma *e, int dir);
void pedma_lab_edma_show(struct seq_file *m, struct pedma_lab_edma *e);

struct pedma_edma_regs *pedma_lab_edma_regs_add(struct device *parent, u32 id,
						struct pedma_lab_regs *regs,
						bool local, u64 msi_base);
void pedma_lab_edma_regs_del(struct pedma_edma_regs *r);
void pedma_lab_edma_regs_irq(struct pedma_edma_regs *r, int dir);

#endif /* PEDMA_LAB_EDMA_H */
