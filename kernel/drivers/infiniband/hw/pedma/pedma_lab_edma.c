// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Offer the model's eDMA channels as the auxiliary device
 * "<owner module>.edma" that pedma_lab_dma.ko binds (pedma_lab_dma.h), with
 * the side's register mailbox (pedma_lab_regs.c) as its register access,
 * and hand it the engine's interrupts.  Compiled into each lab module
 * that owns the lab's PCI function (pedma_lab.ko, ntb_hw_pedma_lab.ko), as
 * a board's DWC controller driver creates its dw-edma.
 */
#include <linux/slab.h>

#include <pedma/dw_edma_regs.h>

#include "pedma_lab_edma.h"

static u32 edma_read(void *priv, u32 off)
{
	return pedma_lab_regs_read(priv, off);
}

static void edma_write_batch(void *priv, const struct pedma_reg_write *w,
			     unsigned int n)
{
	pedma_lab_regs_write_batch(priv, w, n);
}

static const struct pedma_lab_dma_ops edma_ops = {
	.read = edma_read,
	.write_batch = edma_write_batch,
};

/*
 * How many write and read channels the engine has (its control register),
 * checked.  Process context.
 */
int pedma_lab_edma_count(struct pedma_lab_regs *regs, unsigned int *wr,
			 unsigned int *rd)
{
	u32 ctrl = pedma_lab_regs_read(regs, EDMA_V0_CTRL);

	*wr = (ctrl >> EDMA_V0_CTRL_WR_CH_CNT_SHIFT) & EDMA_V0_CTRL_CH_CNT_MASK;
	*rd = (ctrl >> EDMA_V0_CTRL_RD_CH_CNT_SHIFT) & EDMA_V0_CTRL_CH_CNT_MASK;
	if (ctrl == ~0u || !*wr || !*rd || *wr > EDMA_V0_MAX_WR_CH ||
	    *rd > EDMA_V0_MAX_RD_CH) {
		dev_err(regs->dev, "eDMA ctrl %#x: no channels to offer\n", ctrl);
		return -ENODEV;
	}
	return 0;
}

static void edma_release(struct device *d)
{
	kfree(container_of(to_auxiliary_dev(d), struct pedma_lab_edma, adev));
}

/**
 * pedma_lab_edma_add() - offer channels of the model's engine
 * @parent: the lab's PCI function (its DMA mappings are the engine's)
 * @id: unique among the owner's devices (the PCI function's id)
 * @regs: the side's register mailbox, valid until pedma_lab_edma_del()
 * @wr: write channels to offer, bit n = channel n
 * @rd: read channels to offer
 *
 * Process context.  Returns the device or an ERR_PTR.
 */
struct pedma_lab_edma *pedma_lab_edma_add(struct device *parent, u32 id,
					  struct pedma_lab_regs *regs, u8 wr,
					  u8 rd)
{
	struct pedma_lab_edma *e;
	int ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->ops = &edma_ops;
	e->priv = regs;
	e->mask[PEDMA_DIR_WR] = wr;
	e->mask[PEDMA_DIR_RD] = rd;
	mutex_init(&e->lock);
	e->adev.name = PEDMA_LAB_EDMA_DEVNAME;
	e->adev.id = id;
	e->adev.dev.parent = parent;
	e->adev.dev.release = edma_release;
	ret = auxiliary_device_init(&e->adev);
	if (ret) {
		kfree(e);
		return ERR_PTR(ret);
	}
	ret = auxiliary_device_add(&e->adev);
	if (ret) {
		auxiliary_device_uninit(&e->adev);
		return ERR_PTR(ret);
	}
	return e;
}

/* After its channels were given back; NULL is allowed.  Process context. */
void pedma_lab_edma_del(struct pedma_lab_edma *e)
{
	if (!e)
		return;
	auxiliary_device_delete(&e->adev);
	auxiliary_device_uninit(&e->adev);
}

/*
 * The engine's interrupt of @dir (PEDMA_DIR_WR or _RD), from the owner's
 * threaded handler: to the driver while one is bound.
 */
void pedma_lab_edma_irq(struct pedma_lab_edma *e, int dir)
{
	mutex_lock(&e->lock);
	if (e->irq)
		e->irq(e, dir);
	mutex_unlock(&e->lock);
}

/* The driver's counters, for the owner's events file */
void pedma_lab_edma_show(struct seq_file *m, struct pedma_lab_edma *e)
{
	seq_printf(m, "drv_dma_descs %lld\n", atomic64_read(&e->ev_descs));
	seq_printf(m, "drv_dma_elems %lld\n", atomic64_read(&e->ev_elems));
	seq_printf(m, "drv_dma_aborts %lld\n", atomic64_read(&e->ev_aborts));
}
