// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_lab_dma.ko, the lab's dmaengine driver: the endpoint's share of
 * the model's eDMA channels registered as a dmaengine provider, the way
 * the DWC endpoint driver registers a board's eDMA through dw-edma
 * (DMA_SLAVE, DMA_PRIVATE; write channels DMA_MEM_TO_DEV, read channels
 * DMA_DEV_TO_MEM; the PCI side from dma_slave_config, the memory side a
 * scatterlist of DMA addresses).  So the core's dmaengine mover runs in
 * the lab exactly as on a board.  It binds the auxiliary device the lab
 * device's owner creates (pedma_lab_dma.h) and reaches the registers
 * through the owner's ops (the lab's register mailbox); nothing here
 * knows the pedma core.
 *
 * Each channel runs one descriptor at a time: its segments become the LL
 * elements of the channel's ring (our coherent memory, which the model
 * reads as endpoint-local memory), the last with LIE, then a terminator
 * whose cycle bit stops the engine.  The done or abort interrupt of the
 * channel completes the descriptor and starts the next issued one.
 *
 * Locking: c->lock (irqsave) covers a channel's lists, its active
 * descriptor, configuration, cookies and @stopping; descriptors are
 * started under it.  irq_lock[dir] (a mutex: the status read sleeps)
 * serialises an interrupt's status read, clear and completions with
 * synchronize(), so a done bit read before a terminate never completes a
 * descriptor started after it.  Callbacks run under irq_lock only, never
 * under c->lock, so they may submit and issue.  Order: irq_lock, c->lock.
 */
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include <pedma/dw_edma_regs.h>

#include "pedma_lab_dma.h"

#define LD_RING_SIZE	SZ_64K
#define LD_RING_SLOTS	(LD_RING_SIZE / EDMA_V0_LL_ELEM_SIZE)
#define LD_MAX_SG	(LD_RING_SLOTS - 1)	/* one slot for the terminator */
#define LD_STOP_US	100000	/* a stopped channel is idle after this */

struct ld_seg {
	u64 local;
	u32 len;
};

struct ld_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	u64 pci;		/* the PCI side, contiguous */
	u32 n;
	struct ld_seg seg[];
};

struct ld_chan {
	struct dma_chan chan;
	struct pedma_lab_dma *ld;
	int dir;		/* PEDMA_DIR_WR or PEDMA_DIR_RD */
	u8 idx;			/* the engine's channel number */
	spinlock_t lock;
	struct dma_slave_config cfg;
	struct list_head allocated;	/* prepared, not submitted */
	struct list_head submitted;
	struct list_head issued;
	struct ld_desc *active;		/* on the engine */
	bool stopping;		/* terminated while active: start nothing */
	struct edma_v0_lli *ll;	/* LL ring, LD_RING_SIZE bytes */
	dma_addr_t ll_dma;
};

struct pedma_lab_dma {
	struct dma_device dd;
	struct pedma_lab_edma *e;	/* the device, its ops and counters */
	struct device *dma_dev;		/* whose mappings the engine uses */
	const struct pedma_lab_dma_ops *ops;
	void *priv;
	u8 mask[2];
	struct mutex irq_lock[2];	/* per direction: see "Locking" above */
	unsigned int nch;
	struct ld_chan ch[];
};

static struct ld_chan *to_ldc(struct dma_chan *chan)
{
	return container_of(chan, struct ld_chan, chan);
}

static struct ld_desc *to_ldd(struct dma_async_tx_descriptor *tx)
{
	return container_of(tx, struct ld_desc, tx);
}

static u32 ld_ch_base(int dir, u8 idx)
{
	return dir == PEDMA_DIR_WR ? EDMA_V0_WR_CH(idx) : EDMA_V0_RD_CH(idx);
}

static enum dma_transfer_direction ld_slave_dir(int dir)
{
	return dir == PEDMA_DIR_WR ? DMA_MEM_TO_DEV : DMA_DEV_TO_MEM;
}

static void ld_write1(struct pedma_lab_dma *ld, u32 off, u32 val)
{
	struct pedma_reg_write w = { off, val };

	ld->ops->write_batch(ld->priv, &w, 1);
}

/* Put @d on the engine.  c->lock held. */
static void ld_run(struct ld_chan *c, struct ld_desc *d)
{
	u64 pci = d->pci;
	u32 base = ld_ch_base(c->dir, c->idx);
	struct pedma_reg_write w[] = {
		{ base + EDMA_V0_CH_CTRL1, EDMA_V0_CCS | EDMA_V0_LLE },
		{ base + EDMA_V0_CH_LLP_LO, lower_32_bits(c->ll_dma) },
		{ base + EDMA_V0_CH_LLP_HI, upper_32_bits(c->ll_dma) },
		{ c->dir == PEDMA_DIR_WR ? EDMA_V0_WR_DOORBELL :
					   EDMA_V0_RD_DOORBELL, c->idx },
	};
	u32 i;

	for (i = 0; i < d->n; i++) {
		struct edma_v0_lli *e = &c->ll[i];
		u64 local = d->seg[i].local;

		e->transfer_size = cpu_to_le32(d->seg[i].len);
		e->sar = cpu_to_le64(c->dir == PEDMA_DIR_WR ? local : pci);
		e->dar = cpu_to_le64(c->dir == PEDMA_DIR_WR ? pci : local);
		e->control = cpu_to_le32(EDMA_V0_CB |
					 (i == d->n - 1 ? EDMA_V0_LIE : 0));
		pci += d->seg[i].len;
	}
	/* The terminator: its cycle bit differs from CCS, the engine stops. */
	memset(&c->ll[d->n], 0, sizeof(c->ll[d->n]));
	c->active = d;
	atomic64_inc(&c->ld->e->ev_descs);
	atomic64_add(d->n, &c->ld->e->ev_elems);
	/* The elements are in memory before the doorbell reaches the model. */
	dma_wmb();
	c->ld->ops->write_batch(c->ld->priv, w, ARRAY_SIZE(w));
}

/* Start the next issued descriptor if the channel is free.  c->lock held. */
static void ld_start_next(struct ld_chan *c)
{
	struct ld_desc *d;

	if (c->active || c->stopping)
		return;
	d = list_first_entry_or_null(&c->issued, struct ld_desc, node);
	if (!d)
		return;
	list_del(&d->node);
	ld_run(c, d);
}

static dma_cookie_t ld_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct ld_chan *c = to_ldc(tx->chan);
	struct ld_desc *d = to_ldd(tx);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&c->lock, flags);
	cookie = c->chan.cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	c->chan.cookie = cookie;
	tx->cookie = cookie;
	list_move_tail(&d->node, &c->submitted);
	spin_unlock_irqrestore(&c->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
ld_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		 unsigned int sg_len, enum dma_transfer_direction dir,
		 unsigned long flags, void *context)
{
	struct ld_chan *c = to_ldc(chan);
	struct scatterlist *sg;
	unsigned long irqf;
	struct ld_desc *d;
	unsigned int i;

	if (dir != ld_slave_dir(c->dir) || !sg_len || sg_len > LD_MAX_SG)
		return NULL;
	d = kzalloc(struct_size(d, seg, sg_len), GFP_NOWAIT);
	if (!d)
		return NULL;
	for_each_sg(sgl, sg, sg_len, i) {
		if (!sg_dma_len(sg)) {
			kfree(d);
			return NULL;
		}
		d->seg[i].local = sg_dma_address(sg);
		d->seg[i].len = sg_dma_len(sg);
	}
	d->n = sg_len;
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.tx_submit = ld_tx_submit;
	d->tx.flags = flags;
	spin_lock_irqsave(&c->lock, irqf);
	d->pci = dir == DMA_MEM_TO_DEV ? c->cfg.dst_addr : c->cfg.src_addr;
	list_add_tail(&d->node, &c->allocated);
	spin_unlock_irqrestore(&c->lock, irqf);
	return &d->tx;
}

static int ld_config(struct dma_chan *chan, struct dma_slave_config *cfg)
{
	struct ld_chan *c = to_ldc(chan);
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->cfg = *cfg;
	spin_unlock_irqrestore(&c->lock, flags);
	return 0;
}

static void ld_issue_pending(struct dma_chan *chan)
{
	struct ld_chan *c = to_ldc(chan);
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	list_splice_tail_init(&c->submitted, &c->issued);
	ld_start_next(c);
	spin_unlock_irqrestore(&c->lock, flags);
}

static void ld_free_list(struct list_head *list)
{
	struct ld_desc *d, *tmp;

	list_for_each_entry_safe(d, tmp, list, node) {
		list_del(&d->node);
		kfree(d);
	}
}

/*
 * Drop every descriptor, no callback; a running one is stopped (the STOP
 * doorbell) and the channel starts nothing until synchronize() saw it
 * idle.  Any context.
 */
static int ld_terminate_all(struct dma_chan *chan)
{
	struct ld_chan *c = to_ldc(chan);
	unsigned long flags;
	LIST_HEAD(drop);

	spin_lock_irqsave(&c->lock, flags);
	list_splice_tail_init(&c->allocated, &drop);
	list_splice_tail_init(&c->submitted, &drop);
	list_splice_tail_init(&c->issued, &drop);
	if (c->active) {
		list_add_tail(&c->active->node, &drop);
		c->active = NULL;
		c->stopping = true;
		ld_write1(c->ld, c->dir == PEDMA_DIR_WR ? EDMA_V0_WR_DOORBELL :
			  EDMA_V0_RD_DOORBELL, EDMA_V0_DOORBELL_STOP | c->idx);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	ld_free_list(&drop);
	return 0;
}

static bool ld_running(struct ld_chan *c)
{
	u32 c1 = c->ld->ops->read(c->ld->priv,
				  ld_ch_base(c->dir, c->idx) + EDMA_V0_CH_CTRL1);

	if (c1 == ~0u)
		return false;	/* the engine is gone */
	return (c1 & EDMA_V0_CH_STATUS_MASK) >> EDMA_V0_CH_STATUS_SHIFT ==
	       EDMA_V0_CH_STATUS_RUNNING;
}

/*
 * No callback of the channel runs after this, and a stopped channel is
 * idle (bounded) with its stale done/abort bits cleared.  Process
 * context.
 */
static void ld_synchronize(struct dma_chan *chan)
{
	struct ld_chan *c = to_ldc(chan);
	struct pedma_lab_dma *ld = c->ld;
	unsigned long flags;
	bool stopping, running;

	mutex_lock(&ld->irq_lock[c->dir]);
	spin_lock_irqsave(&c->lock, flags);
	stopping = c->stopping;
	spin_unlock_irqrestore(&c->lock, flags);
	if (stopping) {
		if (read_poll_timeout(ld_running, running, !running, 100,
				      LD_STOP_US, false, c))
			dev_err(ld->dd.dev, "lab eDMA %s channel %u does not stop\n",
				c->dir == PEDMA_DIR_WR ? "write" : "read",
				c->idx);
		ld_write1(ld, c->dir == PEDMA_DIR_WR ? EDMA_V0_WR_INT_CLEAR :
			  EDMA_V0_RD_INT_CLEAR,
			  EDMA_V0_INT_DONE(c->idx) | EDMA_V0_INT_ABORT(c->idx));
		spin_lock_irqsave(&c->lock, flags);
		c->stopping = false;
		ld_start_next(c);
		spin_unlock_irqrestore(&c->lock, flags);
	}
	mutex_unlock(&ld->irq_lock[c->dir]);
}

static enum dma_status ld_tx_status(struct dma_chan *chan, dma_cookie_t cookie,
				    struct dma_tx_state *state)
{
	struct ld_chan *c = to_ldc(chan);
	dma_cookie_t done, used;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	done = c->chan.completed_cookie;
	used = c->chan.cookie;
	spin_unlock_irqrestore(&c->lock, flags);
	dma_set_tx_state(state, done, used, 0);
	return dma_async_is_complete(cookie, done, used);
}

static int ld_alloc_chan_resources(struct dma_chan *chan)
{
	struct ld_chan *c = to_ldc(chan);
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->chan.cookie = DMA_MIN_COOKIE;
	c->chan.completed_cookie = DMA_MIN_COOKIE;
	spin_unlock_irqrestore(&c->lock, flags);
	return 0;
}

static void ld_free_chan_resources(struct dma_chan *chan)
{
	ld_terminate_all(chan);
	ld_synchronize(chan);
}

static void ld_caps(struct dma_chan *chan, struct dma_slave_caps *caps)
{
	caps->directions = BIT(ld_slave_dir(to_ldc(chan)->dir));
}

static void ld_callback(struct ld_desc *d, bool abort)
{
	struct dmaengine_result res = {
		.result = abort ? DMA_TRANS_ABORTED : DMA_TRANS_NOERROR,
	};

	if (d->tx.callback_result)
		d->tx.callback_result(d->tx.callback_param, &res);
	else if (d->tx.callback)
		d->tx.callback(d->tx.callback_param);
}

/*
 * The engine's interrupt of direction @dir (e->irq): completes the active
 * descriptor of each of our channels the status reports, starts the next,
 * then runs the callbacks.  The owner's threaded handler, under e->lock
 * (the status read sleeps).
 */
static void ld_irq(struct pedma_lab_edma *e, int dir)
{
	struct pedma_lab_dma *ld = auxiliary_get_drvdata(&e->adev);
	u32 mine = ld->mask[dir], st;
	unsigned int i;

	mutex_lock(&ld->irq_lock[dir]);
	st = ld->ops->read(ld->priv, dir == PEDMA_DIR_WR ?
			   EDMA_V0_WR_INT_STATUS : EDMA_V0_RD_INT_STATUS);
	if (st == ~0u)
		goto out;	/* the engine is gone */
	st &= mine | mine << 16;
	if (!st)
		goto out;
	ld_write1(ld, dir == PEDMA_DIR_WR ? EDMA_V0_WR_INT_CLEAR :
		  EDMA_V0_RD_INT_CLEAR, st);
	for (i = 0; i < ld->nch; i++) {
		struct ld_chan *c = &ld->ch[i];
		bool abort = st & EDMA_V0_INT_ABORT(c->idx);
		struct ld_desc *d = NULL;
		unsigned long flags;

		if (c->dir != dir ||
		    !(abort || (st & EDMA_V0_INT_DONE(c->idx))))
			continue;
		spin_lock_irqsave(&c->lock, flags);
		if (!c->stopping && c->active) {
			d = c->active;
			c->active = NULL;
			c->chan.completed_cookie = d->tx.cookie;
			ld_start_next(c);
		}
		spin_unlock_irqrestore(&c->lock, flags);
		if (d) {
			if (abort)
				atomic64_inc(&ld->e->ev_aborts);
			ld_callback(d, abort);
			kfree(d);
		}
	}
out:
	mutex_unlock(&ld->irq_lock[dir]);
}

static void ld_free(struct pedma_lab_dma *ld)
{
	unsigned int i;

	for (i = 0; i < ld->nch; i++)
		if (ld->ch[i].ll)
			dma_free_coherent(ld->dma_dev, LD_RING_SIZE,
					  ld->ch[i].ll, ld->ch[i].ll_dma);
	kfree(ld);
}

/*
 * Register the channels the device offers.  Enables both engines, masks
 * the local interrupts of the channels not offered (the host's: theirs
 * reach the host by IMWr) and clears ours.
 */
static int ld_probe(struct auxiliary_device *adev,
		    const struct auxiliary_device_id *id)
{
	struct pedma_lab_edma *e = container_of(adev, struct pedma_lab_edma,
						adev);
	unsigned int n = hweight8(e->mask[0]) + hweight8(e->mask[1]), i = 0;
	struct device *dma_dev = adev->dev.parent;
	struct pedma_lab_dma *ld;
	int dir, ret;

	if (!n || !e->ops || !dma_dev)
		return -EINVAL;
	ld = kzalloc(struct_size(ld, ch, n), GFP_KERNEL);
	if (!ld)
		return -ENOMEM;
	ld->e = e;
	ld->dma_dev = dma_dev;
	ld->ops = e->ops;
	ld->priv = e->priv;
	ld->mask[PEDMA_DIR_WR] = e->mask[PEDMA_DIR_WR];
	ld->mask[PEDMA_DIR_RD] = e->mask[PEDMA_DIR_RD];
	mutex_init(&ld->irq_lock[0]);
	mutex_init(&ld->irq_lock[1]);
	INIT_LIST_HEAD(&ld->dd.channels);
	/* Our device: channels pin this module, not the lab device's owner. */
	ld->dd.dev = &adev->dev;
	for (dir = 0; dir < 2; dir++) {
		unsigned long m = ld->mask[dir];
		unsigned int idx;

		for_each_set_bit(idx, &m, EDMA_V0_MAX_WR_CH) {
			struct ld_chan *c = &ld->ch[i++];

			c->ld = ld;
			c->dir = dir;
			c->idx = idx;
			spin_lock_init(&c->lock);
			INIT_LIST_HEAD(&c->allocated);
			INIT_LIST_HEAD(&c->submitted);
			INIT_LIST_HEAD(&c->issued);
			c->ll = dma_alloc_coherent(dma_dev, LD_RING_SIZE,
						   &c->ll_dma, GFP_KERNEL);
			ld->nch = i;
			if (!c->ll) {
				ret = -ENOMEM;
				goto err;
			}
			c->chan.device = &ld->dd;
			list_add_tail(&c->chan.device_node, &ld->dd.channels);
		}
	}

	dma_cap_set(DMA_SLAVE, ld->dd.cap_mask);
	dma_cap_set(DMA_PRIVATE, ld->dd.cap_mask);
	ld->dd.directions = BIT(DMA_MEM_TO_DEV) | BIT(DMA_DEV_TO_MEM);
	ld->dd.src_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_4_BYTES);
	ld->dd.dst_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_4_BYTES);
	ld->dd.residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	ld->dd.device_alloc_chan_resources = ld_alloc_chan_resources;
	ld->dd.device_free_chan_resources = ld_free_chan_resources;
	ld->dd.device_caps = ld_caps;
	ld->dd.device_config = ld_config;
	ld->dd.device_prep_slave_sg = ld_prep_slave_sg;
	ld->dd.device_issue_pending = ld_issue_pending;
	ld->dd.device_tx_status = ld_tx_status;
	ld->dd.device_terminate_all = ld_terminate_all;
	ld->dd.device_synchronize = ld_synchronize;

	for (dir = 0; dir < 2; dir++) {
		u32 other = 0xffu & ~ld->mask[dir];
		struct pedma_reg_write w[] = {
			{ dir == PEDMA_DIR_WR ? EDMA_V0_WR_ENGINE_EN :
						EDMA_V0_RD_ENGINE_EN,
			  EDMA_V0_ENGINE_EN },
			{ dir == PEDMA_DIR_WR ? EDMA_V0_WR_INT_MASK :
						EDMA_V0_RD_INT_MASK,
			  other | other << 16 },
			{ dir == PEDMA_DIR_WR ? EDMA_V0_WR_INT_CLEAR :
						EDMA_V0_RD_INT_CLEAR,
			  ld->mask[dir] | (u32)ld->mask[dir] << 16 },
		};

		ld->ops->write_batch(ld->priv, w, ARRAY_SIZE(w));
	}
	auxiliary_set_drvdata(adev, ld);
	ret = dma_async_device_register(&ld->dd);
	if (ret)
		goto err;
	mutex_lock(&e->lock);
	e->irq = ld_irq;
	mutex_unlock(&e->lock);
	dev_info(&adev->dev, "lab dmaengine: write channels %#x, read channels %#x\n",
		 ld->mask[PEDMA_DIR_WR], ld->mask[PEDMA_DIR_RD]);
	return 0;
err:
	ld_free(ld);
	return ret;
}

/* Every client released its channels: they pin this module until then. */
static void ld_remove(struct auxiliary_device *adev)
{
	struct pedma_lab_edma *e = container_of(adev, struct pedma_lab_edma,
						adev);
	struct pedma_lab_dma *ld = auxiliary_get_drvdata(adev);

	mutex_lock(&e->lock);
	e->irq = NULL;
	mutex_unlock(&e->lock);
	dma_async_device_unregister(&ld->dd);
	ld_free(ld);
}

static const struct auxiliary_device_id ld_ids[] = {
	{ .name = "pedma_lab." PEDMA_LAB_EDMA_DEVNAME },
	{ .name = "ntb_hw_pedma_lab." PEDMA_LAB_EDMA_DEVNAME },
	{ }
};
MODULE_DEVICE_TABLE(auxiliary, ld_ids);

static struct auxiliary_driver ld_driver = {
	.name = "edma",
	.probe = ld_probe,
	.remove = ld_remove,
	.id_table = ld_ids,
};
module_auxiliary_driver(ld_driver);

MODULE_AUTHOR("The pedma developers");
MODULE_DESCRIPTION("pedma lab: the lab model's eDMA channels as a dmaengine provider");
MODULE_LICENSE("Dual BSD/GPL");
