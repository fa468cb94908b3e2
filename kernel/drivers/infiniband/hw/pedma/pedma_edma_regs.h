/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An eDMA whose registers pedma programs itself (the shared mode's LL
 * mover), offered by the driver of the PCI function an NTB device sits on:
 * the lab's NTB device offers its model's engine this way (ntb_hw_pedma_lab
 * edma_regs=1); on a board, glue that maps a DesignWare controller's eDMA
 * registers where no driver claims them would.  The offer is the
 * auxiliary device "<module>.edma_regs.<id>" whose parent is that PCI
 * function; pedma_ntb finds it there and binds nothing.  The offer must
 * outlive the NTB device (its driver deletes it after
 * ntb_unregister_device()), so a client that found it at probe may use it
 * until its remove.
 */
#ifndef PEDMA_EDMA_REGS_H
#define PEDMA_EDMA_REGS_H

#include <linux/auxiliary_bus.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "pedma_backend.h"

#define PEDMA_EDMA_REGS_DEVNAME	"edma_regs"

/**
 * struct pedma_edma_regs - an eDMA's registers, as one side reaches them
 * @adev: the auxiliary device; its parent is the PCI function
 * @read: a 32-bit register (offset from the eDMA block).  Process
 *	context; may sleep.
 * @write_batch: registers in order as one burst.  Any context.
 * @priv: for the provider
 * @local: the endpoint's own engine (the engine's local side); else the
 *	host's way to it across the link
 * @imwr_addr: host only: the PCIe addresses whose write by the engine
 *	interrupts this side, for write ([0]) and read ([1]) channels
 * @lock: covers @irq and @irq_ctx
 * @irq: set by the user while it may get interrupts: the engine's
 *	interrupt of a direction (PEDMA_DIR_WR, PEDMA_DIR_RD), called by the
 *	provider's threaded handler under @lock
 * @irq_ctx: for @irq
 */
struct pedma_edma_regs {
	struct auxiliary_device adev;
	u32 (*read)(struct pedma_edma_regs *r, u32 off);
	void (*write_batch)(struct pedma_edma_regs *r,
			    const struct pedma_reg_write *w, unsigned int n);
	void *priv;
	bool local;
	u64 imwr_addr[2];
	struct mutex lock;		/* covers @irq, @irq_ctx */
	void (*irq)(void *ctx, int dir);
	void *irq_ctx;
};

#endif /* PEDMA_EDMA_REGS_H */
