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

/*
 * Register @adev (allocated and filled in), a child of @parent.  On
 * failure its memory is gone (@release ran).
 */
static int aux_add(struct auxiliary_device *adev, const char *name, u32 id,
		   struct device *parent, void (*release)(struct device *))
{
	int ret;

	adev->name = name;
	adev->id = id;
	adev->dev.parent = parent;
	adev->dev.release = release;
	ret = auxiliary_device_init(adev);
	if (ret) {
		release(&adev->dev);	/* not a device yet: frees only */
		return ret;
	}
	ret = auxiliary_device_add(adev);
	if (ret)
		auxiliary_device_uninit(adev);
	return ret;
}

static void aux_del(struct auxiliary_device *adev)
{
	auxiliary_device_delete(adev);
	auxiliary_device_uninit(adev);
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
	ret = aux_add(&e->adev, PEDMA_LAB_EDMA_DEVNAME, id, parent,
		      edma_release);
	if (ret)
		return ERR_PTR(ret);
	return e;
}

/* After its channels were given back; NULL is allowed.  Process context. */
void pedma_lab_edma_del(struct pedma_lab_edma *e)
{
	if (e)
		aux_del(&e->adev);
}

/* ---- the registers themselves, for pedma's LL mover (pedma_edma_regs.h) ---- */

static u32 regs_read(struct pedma_edma_regs *r, u32 off)
{
	return pedma_lab_regs_read(r->priv, off);
}

static void regs_write_batch(struct pedma_edma_regs *r,
			     const struct pedma_reg_write *w, unsigned int n)
{
	pedma_lab_regs_write_batch(r->priv, w, n);
}

static void regs_release(struct device *d)
{
	kfree(container_of(to_auxiliary_dev(d), struct pedma_edma_regs, adev));
}

/**
 * pedma_lab_edma_regs_add() - offer the model's engine to pedma's LL mover
 * @parent: the lab's PCI function
 * @id: unique among the owner's devices (the PCI function's id)
 * @regs: the side's register mailbox, valid until pedma_lab_edma_regs_del()
 * @local: the endpoint's side
 * @msi_base: the host: where the engine's IMWr raise its vectors
 *
 * Process context.  Returns the offer or an ERR_PTR.
 */
struct pedma_edma_regs *pedma_lab_edma_regs_add(struct device *parent, u32 id,
						struct pedma_lab_regs *regs,
						bool local, u64 msi_base)
{
	struct pedma_edma_regs *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->read = regs_read;
	r->write_batch = regs_write_batch;
	r->priv = regs;
	r->local = local;
	if (!local) {
		r->imwr_addr[PEDMA_DIR_WR] = msi_base +
					     4 * PEDMA_LAB_VEC_EDMA_WR;
		r->imwr_addr[PEDMA_DIR_RD] = msi_base +
					     4 * PEDMA_LAB_VEC_EDMA_RD;
	}
	mutex_init(&r->lock);
	ret = aux_add(&r->adev, PEDMA_EDMA_REGS_DEVNAME, id, parent,
		      regs_release);
	if (ret)
		return ERR_PTR(ret);
	return r;
}

/* After its user is gone (the NTB device unregistered); NULL is allowed */
void pedma_lab_edma_regs_del(struct pedma_edma_regs *r)
{
	if (r)
		aux_del(&r->adev);
}

/* The engine's interrupt of @dir, from the owner's threaded handler */
void pedma_lab_edma_regs_irq(struct pedma_edma_regs *r, int dir)
{
	mutex_lock(&r->lock);
	if (r->irq)
		r->irq(r->irq_ctx, dir);
	mutex_unlock(&r->lock);
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
