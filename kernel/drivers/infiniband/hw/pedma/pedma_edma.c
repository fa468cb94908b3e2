// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The DesignWare eDMA (v0 register map, unrolled): the channel partition
 * agreed in the handshake and the linked-list data mover
 * (pedma_mover.h).  The only file that programs the engine.
 *
 * Both sides are full RDMA initiators, so each owns a disjoint set of write
 * channels (endpoint memory -> PCIe) and read channels (PCIe -> endpoint
 * memory).  The endpoint programs its channels locally; the host programs
 * its own through the backend's remote view of the register block.
 */
#include <linux/iopoll.h>

#include <pedma/dw_edma_regs.h>

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
 * half (rounded up) of each direction, the host the rest; in the
 * endpoint-driven mode (be->ep_driven) the endpoint takes them all.  A
 * mover that owns its channels (dmaengine) counts them in that mode: a
 * board's backend may have no register access at all; else the engine's
 * control register tells.
 */
int pedma_edma_propose_partition(struct pedma_dev *dev,
				 struct pedma_chan_part *part)
{
	const struct pedma_mover_ops *mv = dev->base_mover;
	bool ep_driven = dev->be->ep_driven;
	bool counted = ep_driven && mv->channels;
	unsigned int wr, rd, min = ep_driven ? 1 : 2;
	u32 ctrl = 0;

	if (counted) {
		wr = mv->channels(dev, PEDMA_DIR_WR);
		rd = mv->channels(dev, PEDMA_DIR_RD);
	} else {
		ctrl = edma_read(dev, EDMA_V0_CTRL);
		wr = (ctrl >> EDMA_V0_CTRL_WR_CH_CNT_SHIFT) &
		     EDMA_V0_CTRL_CH_CNT_MASK;
		rd = (ctrl >> EDMA_V0_CTRL_RD_CH_CNT_SHIFT) &
		     EDMA_V0_CTRL_CH_CNT_MASK;
	}
	if (wr < min || rd < min || wr > EDMA_V0_MAX_WR_CH ||
	    rd > EDMA_V0_MAX_RD_CH) {
		dev_err(dev->be->dma_dev,
			"%s reports %u write and %u read channels (ctrl %#x); the %s mode needs %u to 8 of each\n",
			counted ? mv->name : "eDMA", wr, rd, ctrl,
			ep_driven ? "endpoint-driven" : "shared", min);
		return -ENODEV;
	}
	part->wr_cnt = wr;
	part->rd_cnt = rd;
	part->ep_driven = ep_driven;
	/* Endpoint-driven: every channel is ours; we run the host's chains. */
	part->ep_wr = ep_driven ? low_mask(wr) : low_mask((wr + 1) / 2);
	part->ep_rd = ep_driven ? low_mask(rd) : low_mask((rd + 1) / 2);
	part->host_wr = low_mask(wr) & ~part->ep_wr;
	part->host_rd = low_mask(rd) & ~part->ep_rd;
	return pedma_edma_check_partition(part);
}

/*
 * Host: a partition read from the peer's block is untrusted.  Without
 * host channels only in the endpoint-driven mode (PEDMA_CAP_EP_DRIVEN).
 */
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
	if (!part->ep_wr || !part->ep_rd)
		return -EINVAL;
	/* The host has channels of both kinds, or none (endpoint-driven). */
	if (part->ep_driven)
		return part->host_wr || part->host_rd ? -EINVAL : 0;
	return !part->host_wr || !part->host_rd ? -EINVAL : 0;
}

/* ------------------------------------------------------------------------ */
/* The LL mover: chains of LL elements in the window's per-channel rings    */
/* ------------------------------------------------------------------------ */

#if EDMA_V0_MAX_WR_CH != PEDMA_MAX_CHAN || EDMA_V0_MAX_RD_CH != PEDMA_MAX_CHAN
#error "dev->chan[] must hold every eDMA v0 channel"
#endif

#define PEDMA_LL_SLOTS		(PEDMA_WND_LL_RING_SIZE / EDMA_V0_LL_ELEM_SIZE)
#define PEDMA_LL_MAX_DATA	(PEDMA_LL_SLOTS - 1)	/* one for the terminator */
#define PEDMA_ELEM_MAX		0x40000000u	/* bytes per data element */

/*
 * How long a channel may keep running after the link went down before it
 * is stopped, and again after the STOP doorbell
 */
#define PEDMA_CHAN_QUIESCE_US	100000

static bool is_host(struct pedma_dev *dev)
{
	return dev->be->role == PEDMA_ROLE_HOST;
}

static u32 ch_base(int dir, unsigned int idx)
{
	return dir == PEDMA_DIR_WR ? EDMA_V0_WR_CH(idx) : EDMA_V0_RD_CH(idx);
}

/* The channels of @dir the partition gave this side */
static u32 own_mask(struct pedma_dev *dev, int dir)
{
	const struct pedma_chan_part *p = &dev->link.part;

	if (dir == PEDMA_DIR_WR)
		return is_host(dev) ? p->host_wr : p->ep_wr;
	return is_host(dev) ? p->host_rd : p->ep_rd;
}

/*
 * Link up: take our channels from the partition and set up what we own of
 * the engine.  The endpoint owns the interrupt masks (host channels
 * masked: their done interrupt goes to the host as an IMWr); the host owns
 * the IMWr addresses.  No done or abort bit of an earlier link may end a
 * new chain: ours are cleared.
 */
static void ll_link_up(struct pedma_dev *dev)
{
	struct pedma_backend *be = dev->be;
	struct pedma_reg_write w[16];
	unsigned int n = 0;
	int dir;

	dev->ll_base = is_host(dev) ? dev->link.peer_wnd_local_base :
				      be->wnd_local_base;
	for (dir = 0; dir < 2; dir++) {
		u32 mask = own_mask(dev, dir);
		u32 other = (dir == PEDMA_DIR_WR ? dev->link.part.host_wr |
			     dev->link.part.ep_wr : dev->link.part.host_rd |
			     dev->link.part.ep_rd) & ~mask;
		unsigned int i;

		dev->nchan[dir] = 0;
		for (i = 0; i < PEDMA_MAX_CHAN; i++) {
			struct pedma_chan *ch;

			if (!(mask & BIT(i)))
				continue;
			ch = &dev->chan[dir][dev->nchan[dir]++];
			pedma_chan_init(ch, dir, i);
			ch->ll_off = dir == PEDMA_DIR_WR ? PEDMA_WND_LL_WR_RING(i) :
							   PEDMA_WND_LL_RD_RING(i);
		}
		w[n++] = (struct pedma_reg_write){
			dir == PEDMA_DIR_WR ? EDMA_V0_WR_ENGINE_EN :
					      EDMA_V0_RD_ENGINE_EN,
			EDMA_V0_ENGINE_EN };
		if (is_host(dev)) {
			u64 a = be->imwr_addr[dir];
			u32 done = dir == PEDMA_DIR_WR ? EDMA_V0_WR_DONE_IMWR_LO :
							 EDMA_V0_RD_DONE_IMWR_LO;
			u32 abort = dir == PEDMA_DIR_WR ? EDMA_V0_WR_ABORT_IMWR_LO :
							  EDMA_V0_RD_ABORT_IMWR_LO;

			w[n++] = (struct pedma_reg_write){ done, lower_32_bits(a) };
			w[n++] = (struct pedma_reg_write){ done + 4, upper_32_bits(a) };
			w[n++] = (struct pedma_reg_write){ abort, lower_32_bits(a) };
			w[n++] = (struct pedma_reg_write){ abort + 4, upper_32_bits(a) };
		} else {
			w[n++] = (struct pedma_reg_write){
				dir == PEDMA_DIR_WR ? EDMA_V0_WR_INT_MASK :
						      EDMA_V0_RD_INT_MASK,
				other | other << 16 };
		}
		w[n++] = (struct pedma_reg_write){
			dir == PEDMA_DIR_WR ? EDMA_V0_WR_INT_CLEAR :
					      EDMA_V0_RD_INT_CLEAR,
			mask | mask << 16 };
	}
	be->ops->edma_write_batch(be, w, n);
}

static bool chan_running(struct pedma_dev *dev, int dir, u8 idx)
{
	u32 c1 = dev->be->ops->edma_read(dev->be,
					 ch_base(dir, idx) + EDMA_V0_CH_CTRL1);

	if (c1 == ~0u)
		return false;	/* the engine is gone, and its chains with it */
	return (c1 & EDMA_V0_CH_STATUS_MASK) >> EDMA_V0_CH_STATUS_SHIFT ==
	       EDMA_V0_CH_STATUS_RUNNING;
}

/*
 * Wait until none of the channels in @busy runs a chain: what they move
 * may be given back once the QPs flush.  Process context, no locks (a lab
 * register read waits for the model).  Bounded: a channel still running
 * after PEDMA_CHAN_QUIESCE_US is stopped and polled once more.
 */
static void ll_quiesce(struct pedma_dev *dev, const u8 busy[2])
{
	int dir, i, round;

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < PEDMA_MAX_CHAN; i++) {
			if (!(busy[dir] & BIT(i)))
				continue;
			for (round = 0; round < 2; round++) {
				bool running;

				if (!read_poll_timeout(chan_running, running,
						       !running, 100,
						       PEDMA_CHAN_QUIESCE_US,
						       false, dev, dir, i))
					break;
				if (round)
					ibdev_err(&dev->ibdev,
						  "eDMA %s channel %d does not stop\n",
						  dir == PEDMA_DIR_WR ? "write" : "read", i);
				else
					dev->be->ops->edma_write(dev->be,
						dir == PEDMA_DIR_WR ?
						EDMA_V0_WR_DOORBELL :
						EDMA_V0_RD_DOORBELL,
						EDMA_V0_DOORBELL_STOP | i);
			}
		}
	}
}

static void ll_reset(struct pedma_dev *dev, const u8 busy[2])
{
	int dir;

	for (dir = 0; dir < 2; dir++) {
		u32 mask = own_mask(dev, dir);

		/* Our done/abort bits of the chains that ended unseen */
		if (busy[dir])
			dev->be->ops->edma_write(dev->be,
						 dir == PEDMA_DIR_WR ?
						 EDMA_V0_WR_INT_CLEAR :
						 EDMA_V0_RD_INT_CLEAR,
						 mask | mask << 16);
	}
	pedma_chains_reset(dev);
}

static int ll_begin(struct pedma_dev *dev, int dir, struct pedma_chain *c)
{
	struct pedma_chan *ch = pedma_chan_free(dev, dir);

	if (!ch)
		return -EBUSY;
	c->ch = ch;
	c->room = PEDMA_LL_MAX_DATA;
	c->n = 0;
	c->ll = dev->be->wnd + ch->ll_off;
	c->prev = NULL;
	return 0;
}

static void ll_write(void __iomem *e, u32 control, u32 size, u64 sar, u64 dar)
{
	writel(size, e + offsetof(struct edma_v0_lli, transfer_size));
	writel(lower_32_bits(sar), e + offsetof(struct edma_v0_lli, sar));
	writel(upper_32_bits(sar), e + offsetof(struct edma_v0_lli, sar) + 4);
	writel(lower_32_bits(dar), e + offsetof(struct edma_v0_lli, dar));
	writel(upper_32_bits(dar), e + offsetof(struct edma_v0_lli, dar) + 4);
	writel(control, e + offsetof(struct edma_v0_lli, control));
}

/*
 * Elements are written one behind: the last one gets its interrupt bits
 * in ll_start(), so each is written once.
 */
static void ll_add(struct pedma_chain *c, u64 src, u64 dst, u32 len,
		   const struct pedma_auth *peer)
{
	if (c->prev)
		ll_write(c->prev, EDMA_V0_CB, c->prev_size, c->prev_sar,
			 c->prev_dar);
	c->prev = c->ll + c->n * EDMA_V0_LL_ELEM_SIZE;
	c->prev_size = len;
	c->prev_sar = src;
	c->prev_dar = dst;
	c->n++;
	c->room--;
}

/*
 * Run the chain: LIE (and RIE on the host, whose done interrupt arrives as
 * an IMWr) on the last element, then a terminator whose cycle bit differs
 * from CCS, so the engine stops there; the four start writes go to the
 * backend as one batch (one mailbox kick in the lab).
 */
static void ll_start(struct pedma_dev *dev, struct pedma_chain *c,
		     pedma_chain_done_fn done, void *cookie)
{
	struct pedma_chan *ch = c->ch;
	u32 last = is_host(dev) ? EDMA_V0_LIE | EDMA_V0_RIE : EDMA_V0_LIE;
	u32 base = ch_base(ch->dir, ch->idx);
	u64 llp = dev->ll_base + ch->ll_off;
	struct pedma_reg_write w[] = {
		{ base + EDMA_V0_CH_CTRL1, EDMA_V0_CCS | EDMA_V0_LLE },
		{ base + EDMA_V0_CH_LLP_LO, lower_32_bits(llp) },
		{ base + EDMA_V0_CH_LLP_HI, upper_32_bits(llp) },
		{ ch->dir == PEDMA_DIR_WR ? EDMA_V0_WR_DOORBELL :
					    EDMA_V0_RD_DOORBELL, ch->idx },
	};

	/* Terminator first: its CB differs from CCS, the engine stops. */
	ll_write(c->ll + c->n * EDMA_V0_LL_ELEM_SIZE, 0, 0, 0, 0);
	ll_write(c->prev, EDMA_V0_CB | last, c->prev_size, c->prev_sar,
		 c->prev_dar);
	pedma_chain_started(ch, done, cookie);
	/*
	 * The host wrote the elements through the window: a read flushes its
	 * posted writes before the engine fetches them (dw-edma does the same
	 * for a remote engine).
	 */
	if (is_host(dev))
		pedma_wnd_readl(dev, dev->be->wnd + ch->ll_off);
	dev->be->ops->edma_write_batch(dev->be, w, ARRAY_SIZE(w));
}

/*
 * An interrupt of direction @dir: the done/abort bits of our channels.
 * The status register is read once per interrupt (on the host a PCIe
 * read, kept off the per-request path), outside the data-path lock: a
 * register read may wait for the engine (the lab's model).  Threaded
 * interrupt or process context.
 */
static u32 ll_irq_status(struct pedma_dev *dev, int dir)
{
	u32 st = dev->be->ops->edma_read(dev->be, dir == PEDMA_DIR_WR ?
					 EDMA_V0_WR_INT_STATUS :
					 EDMA_V0_RD_INT_STATUS);
	u32 mine = own_mask(dev, dir);

	if (st == ~0u)
		return 0;	/* the engine is gone */
	return st & (mine | mine << 16);	/* done [7:0], abort [23:16] */
}

/*
 * End the chains @st reports, clearing those bits write-1-to-clear (ours
 * only: the peer owns the others).  xlock held.
 */
static void ll_irq(struct pedma_dev *dev, int dir, u32 st)
{
	if (!st)
		return;
	dev->be->ops->edma_write(dev->be, dir == PEDMA_DIR_WR ?
				 EDMA_V0_WR_INT_CLEAR : EDMA_V0_RD_INT_CLEAR,
				 st);
	pedma_chains_end(dev, dir, st);
}

const struct pedma_mover_ops pedma_edma_ll_mover = {
	.name = "ll",
	.max_seg = PEDMA_ELEM_MAX,
	.link_up = ll_link_up,
	.quiesce = ll_quiesce,
	.reset = ll_reset,
	.begin = ll_begin,
	.add = ll_add,
	.start = ll_start,
	.irq_status = ll_irq_status,
	.irq = ll_irq,
};
