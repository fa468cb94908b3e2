/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lab model's eDMA registers, reached through one side's register
 * mailbox in BAR2 (include/pedma/pedma_lab.h): what a board reaches by
 * MMIO.  pedma_lab_regs.c is compiled into each lab module that owns the
 * lab's PCI function: pedma_lab.ko (the lab backend) and
 * ntb_hw_pedma_lab.ko (the lab as an NTB device, whose endpoint offers the
 * engine to pedma_lab_dma.ko).  Only one of them binds the device, so one
 * side has one producer.
 */
#ifndef PEDMA_LAB_REGS_H
#define PEDMA_LAB_REGS_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <pedma/pedma_lab.h>

#include "pedma_backend.h"

/**
 * struct pedma_lab_regs - one side's register mailbox to the model
 * @dev: for messages
 * @doorbell: the ivshmem doorbell register (BAR0)
 * @shm: BAR2, mapped at least over the lab area
 * @mbox: this side's mailbox
 * @model_ev: the model's event counters (struct pedma_lab_events), or
 *	NULL if the model does not count events
 * @model_id: the model's ivshmem peer id
 * @kick_vec: the model's vector this side rings
 * @lock: serialises producers; covers @prod, @wprod and @dead
 * @prod: our private copy of the published producer index
 * @wprod: @prod after the last write
 * @dead: the model stopped answering: register access is off
 * @ev_reg_reads: register reads sent (events file)
 * @ev_reg_writes: register writes sent
 * @ev_batches: write batches
 * @ev_kicks: kicks of the model
 */
struct pedma_lab_regs {
	struct device *dev;
	void __iomem *doorbell;
	void __iomem *shm;
	struct pedma_lab_mbox __iomem *mbox;
	void __iomem *model_ev;
	u32 model_id;
	u32 kick_vec;
	spinlock_t lock;		/* producers: prod, wprod, dead */
	u32 prod;
	u32 wprod;
	bool dead;
	atomic64_t ev_reg_reads;
	atomic64_t ev_reg_writes;
	atomic64_t ev_batches;
	atomic64_t ev_kicks;
};

void pedma_lab_regs_init(struct pedma_lab_regs *r, struct device *dev,
			 void __iomem *bar0, void __iomem *shm, bool host);
u32 pedma_lab_regs_read(struct pedma_lab_regs *r, u32 off);
void pedma_lab_regs_write_batch(struct pedma_lab_regs *r,
				const struct pedma_reg_write *w,
				unsigned int n);
void pedma_lab_regs_write(struct pedma_lab_regs *r, u32 off, u32 val);
bool pedma_lab_regs_dead(struct pedma_lab_regs *r);
void pedma_lab_regs_show_drv(struct seq_file *m, struct pedma_lab_regs *r);
void pedma_lab_regs_show_model(struct seq_file *m, struct pedma_lab_regs *r,
			       bool host);

#endif /* PEDMA_LAB_REGS_H */
