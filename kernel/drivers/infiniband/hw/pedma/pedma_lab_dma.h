/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lab's eDMA as a dmaengine provider: what the module that owns the
 * lab device (pedma_lab.ko or ntb_hw_pedma_lab.ko) and the lab's
 * dmaengine driver (pedma_lab_dma.ko, pedma_lab_dma.c) share.
 *
 * The owner creates an auxiliary device "<owner module>.edma" for its
 * endpoint's channels (pedma_lab_edma.c); pedma_lab_dma.ko binds it and registers the
 * channels with the dmaengine core.  The provider is a module of its own,
 * as a board's dw-edma belongs to the controller's driver and not to
 * pedma: the dmaengine core pins the provider's module while a client
 * holds a channel, so the core's dmaengine mover, which holds them for a
 * device's lifetime, must not pin the backend it runs on (rmmod pedma_lab
 * would be refused).
 */
#ifndef PEDMA_LAB_DMA_H
#define PEDMA_LAB_DMA_H

#include <linux/atomic.h>
#include <linux/auxiliary_bus.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "pedma_backend.h"

#define PEDMA_LAB_EDMA_DEVNAME	"edma"

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

/**
 * struct pedma_lab_edma - one lab device's channels offered as dmaengine
 * @adev: the auxiliary device; its parent is the lab's PCI function, whose
 *	DMA mappings the engine uses
 * @ops: register access, valid while the device exists
 * @priv: for @ops
 * @mask: the channels to offer per direction (PEDMA_DIR_WR, PEDMA_DIR_RD),
 *	bit n = channel n
 * @lock: covers @irq
 * @irq: set by the driver while bound: the engine's interrupt of a
 *	direction, from the owner's threaded handler
 * @ev_descs: descriptors put on the engine (events file)
 * @ev_elems: their LL elements
 * @ev_aborts: descriptors that ended aborted
 */
struct pedma_lab_edma {
	struct auxiliary_device adev;
	const struct pedma_lab_dma_ops *ops;
	void *priv;
	u8 mask[2];
	struct mutex lock;		/* covers @irq */
	void (*irq)(struct pedma_lab_edma *e, int dir);
	atomic64_t ev_descs;
	atomic64_t ev_elems;
	atomic64_t ev_aborts;
};

#endif /* PEDMA_LAB_DMA_H */
