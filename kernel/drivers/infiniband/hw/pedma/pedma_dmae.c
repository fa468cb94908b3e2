// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The dmaengine data mover (pedma_mover.h): chains run on slave channels
 * of a dmaengine provider that moves between this side's memory and PCI
 * addresses, as the endpoint's own dw-edma channels do on a stock kernel
 * (and the lab's dmaengine driver over the model's channels).
 *
 * A chain is a list of segments (source, destination, length).  The slave
 * API takes the memory side as a scatterlist and the PCI side contiguous
 * from the channel's configured address, so the chain is cut into runs
 * whose PCI side is contiguous: one descriptor per run, all submitted
 * together and issued once.  Descriptors of one channel complete in
 * order; every one reports its result (an abort anywhere ends the chain
 * as aborted) and the last one's callback ends the chain.
 *
 * A descriptor callback (provider context: a tasklet, a threaded
 * interrupt) only records which channel's chain ended and how, in a
 * per-direction bit set laid out like the eDMA's interrupt status (done
 * bits [7:0], abort bits [23:16]), then calls pedma_edma_irq(): the same
 * path as an engine interrupt, so epochs, the data-path lock and the
 * wake-ups are the LL mover's.  irq_status() reads the set, irq() clears
 * what it ended under xlock, as the LL mover clears the engine's status.
 *
 * Channels are requested when the device is created (process context)
 * and released when it is destroyed; a link only resets their state.
 */
#include <linux/dmaengine.h>
#include <linux/iopoll.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "pedma.h"

/* Segments per chain (scatterlist entries over all its descriptors) */
#define PEDMA_DMAE_SEGS		64
#define PEDMA_DMAE_SEG_MAX	0x40000000u	/* bytes per segment */
/* How long a chain may still run after the link went down */
#define PEDMA_DMAE_QUIESCE_US	100000

struct pedma_dmae_seg {
	u64 local;		/* this side's DMA address */
	u64 pci;		/* the PCI address */
	u32 len;
};

struct pedma_dmae_chan {
	struct pedma_dev *dev;
	struct dma_chan *dc;
	int dir;
	u8 idx;
	/* c->lock covers left, aborted, seq, fail_seq, and ending's reset */
	spinlock_t lock;
	u32 left;		/* descriptors of the chain not reported */
	bool aborted;		/* one of them failed */
	u32 seq;		/* chains started on the channel */
	u32 fail_seq;		/* the chain dmae_fail_work() is to end */
	atomic_t ending;	/* 1 once the chain's end was posted */
	struct work_struct fail_work;	/* prep/submit failed, or an abort */
	struct pedma_dmae_seg seg[PEDMA_DMAE_SEGS];
	struct scatterlist sgl[PEDMA_DMAE_SEGS];
};

struct pedma_dmae {
	atomic_t ended[2];	/* done [7:0], abort [23:16] by index */
	struct pedma_dmae_chan ch[2][PEDMA_MAX_CHAN];
};

static struct pedma_dmae *to_dmae(struct pedma_dev *dev)
{
	return dev->mover_priv;
}

static enum dma_transfer_direction slave_dir(int dir)
{
	/* a write channel moves our memory to PCIe */
	return dir == PEDMA_DIR_WR ? DMA_MEM_TO_DEV : DMA_DEV_TO_MEM;
}

struct dmae_filter {
	struct device *dev;
	enum dma_transfer_direction dir;
};

static bool dmae_filter(struct dma_chan *chan, void *param)
{
	struct dmae_filter *f = param;
	struct dma_slave_caps caps;

	if (chan->device->dev != f->dev)
		return false;
	if (dma_get_slave_caps(chan, &caps))
		return false;
	return caps.directions & BIT(f->dir);
}

/* Post the end of @c's chain once, from any context */
static void dmae_end(struct pedma_dmae_chan *c, bool aborted)
{
	struct pedma_dmae *m = to_dmae(c->dev);

	if (atomic_xchg(&c->ending, 1))
		return;
	atomic_or(aborted ? EDMA_V0_INT_ABORT(c->idx) : EDMA_V0_INT_DONE(c->idx),
		  &m->ended[c->dir]);
	pedma_edma_irq(c->dev, c->dir);
}

/*
 * Process context: the chain cannot run to its end; stop the channel and
 * end the chain as aborted, unless it ended meanwhile (its last callback
 * came after all) and the channel may run the next chain: the check and
 * the terminate are under c->lock, which start() takes to begin a chain.
 */
static void dmae_fail_work(struct work_struct *work)
{
	struct pedma_dmae_chan *c = container_of(work, struct pedma_dmae_chan,
						 fail_work);
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	if (c->seq != c->fail_seq || atomic_read(&c->ending)) {
		spin_unlock_irqrestore(&c->lock, flags);
		return;
	}
	dmaengine_terminate_async(c->dc);
	spin_unlock_irqrestore(&c->lock, flags);
	dmaengine_synchronize(c->dc);
	dmae_end(c, true);
}

/* The running chain cannot end normally: end it from dmae_fail_work() */
static void dmae_fail(struct pedma_dmae_chan *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->fail_seq = c->seq;
	spin_unlock_irqrestore(&c->lock, flags);
	schedule_work(&c->fail_work);
}

static void dmae_callback(void *param, const struct dmaengine_result *res)
{
	struct pedma_dmae_chan *c = param;
	bool failed = res && res->result != DMA_TRANS_NOERROR;
	unsigned long flags;
	bool last, aborted;

	spin_lock_irqsave(&c->lock, flags);
	if (c->left)
		c->left--;
	c->aborted |= failed;
	last = !c->left;
	aborted = c->aborted;
	spin_unlock_irqrestore(&c->lock, flags);
	if (last)
		dmae_end(c, aborted);
	else if (failed)
		/* the descriptors behind it may never run: stop the channel */
		dmae_fail(c);
}

static void dmae_release(struct pedma_dmae *m)
{
	int dir, i;

	for (dir = 0; dir < 2; dir++)
		for (i = 0; i < PEDMA_MAX_CHAN; i++) {
			struct pedma_dmae_chan *c = &m->ch[dir][i];

			if (!c->dc)
				continue;
			cancel_work_sync(&c->fail_work);
			dmaengine_terminate_sync(c->dc);
			dma_release_channel(c->dc);
			c->dc = NULL;
		}
}

/*
 * Take every slave channel of the backend's provider, per direction, up
 * to PEDMA_MAX_CHAN.  Process context.
 */
static int dmae_init(struct pedma_dev *dev)
{
	struct pedma_dmae *m;
	dma_cap_mask_t mask;
	int dir;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	dev->mover_priv = m;
	dma_cap_zero(mask);
	dma_cap_set(DMA_SLAVE, mask);
	for (dir = 0; dir < 2; dir++) {
		struct dmae_filter f = { dev->be->dma_chan_dev, slave_dir(dir) };
		unsigned int n;

		for (n = 0; n < PEDMA_MAX_CHAN; n++) {
			struct pedma_dmae_chan *c = &m->ch[dir][n];
			struct dma_chan *dc;

			dc = dma_request_channel(mask, dmae_filter, &f);
			if (!dc)
				break;
			c->dev = dev;
			c->dc = dc;
			c->dir = dir;
			c->idx = n;
			spin_lock_init(&c->lock);
			INIT_WORK(&c->fail_work, dmae_fail_work);
		}
		if (!n) {
			dev_err(dev->be->dma_dev,
				"no dmaengine %s channel of %s (DMA_SLAVE, %s)%s\n",
				dir == PEDMA_DIR_WR ? "write" : "read",
				dev_name(dev->be->dma_chan_dev),
				dir == PEDMA_DIR_WR ? "DMA_MEM_TO_DEV" :
						      "DMA_DEV_TO_MEM",
				dev->be->dma_chan_dev->driver ? "" :
				": no driver bound to it");
			dmae_release(m);
			kfree(m);
			dev->mover_priv = NULL;
			return -ENODEV;
		}
	}
	return 0;
}

static void dmae_fini(struct pedma_dev *dev)
{
	struct pedma_dmae *m = to_dmae(dev);

	if (!m)
		return;
	dmae_release(m);
	kfree(m);
	dev->mover_priv = NULL;
}

static unsigned int dmae_count(struct pedma_dmae *m, int dir)
{
	unsigned int n = 0;

	while (n < PEDMA_MAX_CHAN && m->ch[dir][n].dc)
		n++;
	return n;
}

static unsigned int dmae_channels(struct pedma_dev *dev, int dir)
{
	return dmae_count(to_dmae(dev), dir);
}

/*
 * Link up: our channels are the provider's; the partition must give this
 * side at least as many (the lab's provider offers exactly the endpoint's
 * share).  xlock held.
 */
static void dmae_link_up(struct pedma_dev *dev)
{
	const struct pedma_chan_part *p = &dev->link.part;
	struct pedma_dmae *m = to_dmae(dev);
	int dir;

	for (dir = 0; dir < 2; dir++) {
		unsigned int n = dmae_count(m, dir), i;
		u8 part = dev->be->role == PEDMA_ROLE_HOST ?
			  (dir == PEDMA_DIR_WR ? p->host_wr : p->host_rd) :
			  (dir == PEDMA_DIR_WR ? p->ep_wr : p->ep_rd);

		if (n > hweight8(part)) {
			ibdev_warn(&dev->ibdev,
				   "%u dmaengine %s channels, the partition gives this side %u: using %u\n",
				   n, dir == PEDMA_DIR_WR ? "write" : "read",
				   hweight8(part), hweight8(part));
			n = hweight8(part);
		}
		dev->nchan[dir] = n;
		for (i = 0; i < n; i++)
			pedma_chan_init(&dev->chan[dir][i], dir, i);
		atomic_set(&m->ended[dir], 0);
	}
}

static bool dmae_chain_ended(struct pedma_dmae *m, int dir, unsigned int i)
{
	return atomic_read(&m->ended[dir]) &
	       (EDMA_V0_INT_DONE(i) | EDMA_V0_INT_ABORT(i));
}

/*
 * Wait (bounded) until the chains on @busy ended; a channel whose chain
 * does not end is terminated: after dmaengine_terminate_sync() none of
 * its callbacks runs any more.  Process context, no locks.
 */
static void dmae_quiesce(struct pedma_dev *dev, const u8 busy[2])
{
	struct pedma_dmae *m = to_dmae(dev);
	int dir, i;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < PEDMA_MAX_CHAN; i++) {
			struct pedma_dmae_chan *c = &m->ch[dir][i];
			bool ended;

			if (!(busy[dir] & BIT(i)) || !c->dc)
				continue;
			if (read_poll_timeout(dmae_chain_ended, ended, ended,
					      100, PEDMA_DMAE_QUIESCE_US, false,
					      m, dir, i))
				ibdev_warn(&dev->ibdev,
					   "dmaengine %s channel %d: a chain did not end, terminated\n",
					   dir == PEDMA_DIR_WR ? "write" : "read", i);
			cancel_work_sync(&c->fail_work);
			dmaengine_terminate_sync(c->dc);
		}
	}
}

static void dmae_reset(struct pedma_dev *dev, const u8 busy[2])
{
	struct pedma_dmae *m = to_dmae(dev);

	atomic_set(&m->ended[PEDMA_DIR_WR], 0);
	atomic_set(&m->ended[PEDMA_DIR_RD], 0);
	pedma_chains_reset(dev);
}

static int dmae_begin(struct pedma_dev *dev, int dir, struct pedma_chain *c)
{
	struct pedma_chan *ch = pedma_chan_free(dev, dir);

	if (!ch)
		return -EBUSY;
	c->ch = ch;
	c->room = PEDMA_DMAE_SEGS;
	c->n = 0;
	c->priv = &to_dmae(dev)->ch[dir][ch->idx];
	return 0;
}

static void dmae_add(struct pedma_chain *c, u64 src, u64 dst, u32 len,
		     const struct pedma_auth *peer)
{
	struct pedma_dmae_chan *dc = c->priv;
	struct pedma_dmae_seg *s = &dc->seg[c->n];

	if (dc->dir == PEDMA_DIR_WR) {
		s->local = src;
		s->pci = dst;
	} else {
		s->pci = src;
		s->local = dst;
	}
	s->len = len;
	c->n++;
	c->room--;
}

/* Segments from @first that continue one contiguous PCI run */
static u32 dmae_run(const struct pedma_dmae_chan *c, u32 first, u32 n)
{
	u32 k = 1;

	while (first + k < n &&
	       c->seg[first + k].pci == c->seg[first + k - 1].pci +
					c->seg[first + k - 1].len)
		k++;
	return k;
}

/*
 * Prepare and submit one descriptor per contiguous PCI run, then issue
 * them.  Any context (xlock held): providers prepare with GFP_NOWAIT.  A
 * failure ends the chain as aborted from a work item (the callback must
 * not run under xlock), after the channel was terminated.
 */
static void dmae_start(struct pedma_dev *dev, struct pedma_chain *ch,
		       pedma_chain_done_fn done, void *cookie)
{
	struct pedma_dmae_chan *c = ch->priv;
	enum dma_transfer_direction sdir = slave_dir(c->dir);
	u32 first, runs = 0, k;
	unsigned long flags;
	int ret = 0;

	for (first = 0; first < ch->n; first += dmae_run(c, first, ch->n))
		runs++;
	spin_lock_irqsave(&c->lock, flags);
	c->left = runs;
	c->aborted = false;
	c->seq++;
	atomic_set(&c->ending, 0);
	spin_unlock_irqrestore(&c->lock, flags);
	pedma_chain_started(ch->ch, done, cookie);

	for (first = 0; first < ch->n && !ret; first += k) {
		struct dma_slave_config cfg = { .direction = sdir };
		struct dma_async_tx_descriptor *tx;
		u32 i;

		k = dmae_run(c, first, ch->n);
		if (sdir == DMA_MEM_TO_DEV)
			cfg.dst_addr = c->seg[first].pci;
		else
			cfg.src_addr = c->seg[first].pci;
		sg_init_table(&c->sgl[first], k);
		for (i = 0; i < k; i++) {
			sg_dma_address(&c->sgl[first + i]) = c->seg[first + i].local;
			sg_dma_len(&c->sgl[first + i]) = c->seg[first + i].len;
		}
		ret = dmaengine_slave_config(c->dc, &cfg);
		if (ret)
			break;
		tx = dmaengine_prep_slave_sg(c->dc, &c->sgl[first], k, sdir,
					     DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
		if (!tx) {
			ret = -ENOMEM;
			break;
		}
		tx->callback_result = dmae_callback;
		tx->callback_param = c;
		ret = dma_submit_error(dmaengine_submit(tx));
	}
	if (ret) {
		ibdev_err_ratelimited(&dev->ibdev,
				      "dmaengine %s channel %u: descriptor not submitted (%d)\n",
				      c->dir == PEDMA_DIR_WR ? "write" : "read",
				      c->idx, ret);
		dmae_fail(c);
		return;
	}
	dma_async_issue_pending(c->dc);
}

static u32 dmae_irq_status(struct pedma_dev *dev, int dir)
{
	return atomic_read(&to_dmae(dev)->ended[dir]);
}

/* End the chains @st reports and forget those bits.  xlock held. */
static void dmae_irq(struct pedma_dev *dev, int dir, u32 st)
{
	if (!st)
		return;
	atomic_andnot(st, &to_dmae(dev)->ended[dir]);
	pedma_chains_end(dev, dir, st);
}

const struct pedma_mover_ops pedma_dmae_mover = {
	.name = "dmaengine",
	.max_seg = PEDMA_DMAE_SEG_MAX,
	.init = dmae_init,
	.fini = dmae_fini,
	.channels = dmae_channels,
	.link_up = dmae_link_up,
	.quiesce = dmae_quiesce,
	.reset = dmae_reset,
	.begin = dmae_begin,
	.add = dmae_add,
	.start = dmae_start,
	.irq_status = dmae_irq_status,
	.irq = dmae_irq,
};
