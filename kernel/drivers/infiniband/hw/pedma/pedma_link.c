// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma link handshake and port state.
 *
 * Each side owns one handshake block in the window's control page and only
 * ever writes its own; it reads the peer's, which is untrusted.  The link
 * is up when both sides have acknowledged each other's current generation
 * (a random value chosen at every start), so a peer that reloads is always
 * noticed even if it was never seen going down.  See docs/architecture.md,
 * "Link handshake".
 *
 * All of this runs on the link's ordered workqueue: the event work (peer
 * doorbell) and the heartbeat work never run at the same time.
 */
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/random.h>

#include "pedma.h"
#include "pedma_trace.h"

/* Heartbeat period, and how long a silent peer is still believed alive */
#define PEDMA_HB_PERIOD		(HZ / 4)
/*
 * Generous: a loaded TCG guest (the lab) can leave a side's workqueue
 * unserved for seconds, and a false "peer dead" fails every connection.
 */
#define PEDMA_HB_TIMEOUT	(10 * HZ)

enum pedma_refusal {
	PEDMA_REFUSE_NONE,
	PEDMA_REFUSE_MAGIC,
	PEDMA_REFUSE_VERSION,
	PEDMA_REFUSE_ROLE,
	PEDMA_REFUSE_STATE,
	PEDMA_REFUSE_PARTITION,
	PEDMA_REFUSE_WND_SIZE,
	PEDMA_REFUSE_MODE,
};

static const char * const pedma_refusal_text[] = {
	[PEDMA_REFUSE_NONE] = "none",
	[PEDMA_REFUSE_MAGIC] = "bad magic",
	[PEDMA_REFUSE_VERSION] = "window layout version mismatch",
	[PEDMA_REFUSE_ROLE] = "peer has the same role",
	[PEDMA_REFUSE_STATE] = "invalid state",
	[PEDMA_REFUSE_PARTITION] = "invalid eDMA channel partition",
	[PEDMA_REFUSE_WND_SIZE] = "window size differs (KiB)",
	[PEDMA_REFUSE_MODE] = "shared mode offered; this host reaches no eDMA",
};

static void __iomem *hs_block(struct pedma_dev *dev, u8 role)
{
	return dev->be->wnd + (role == PEDMA_ROLE_HOST ?
			       PEDMA_WND_HS_HOST_OFF : PEDMA_WND_HS_EP_OFF);
}

static u8 peer_role(struct pedma_dev *dev)
{
	return dev->be->role == PEDMA_ROLE_HOST ? PEDMA_ROLE_EP : PEDMA_ROLE_HOST;
}

/* Publish our whole block.  The peer may read it at any time. */
static void write_self(struct pedma_dev *dev)
{
	memcpy_toio(hs_block(dev, dev->be->role), &dev->link.self,
		    sizeof(dev->link.self));
	/* Order the block before any doorbell that announces it. */
	wmb();
}

static void part_from_block(struct pedma_chan_part *p,
			    const struct pedma_hs_block *b)
{
	p->host_wr = b->host_wr_mask;
	p->host_rd = b->host_rd_mask;
	p->ep_wr = b->ep_wr_mask;
	p->ep_rd = b->ep_rd_mask;
	p->wr_cnt = b->wr_ch_cnt;
	p->rd_cnt = b->rd_ch_cnt;
	p->ep_driven = le32_to_cpu(b->caps) & PEDMA_CAP_EP_DRIVEN;
}

static void part_to_block(struct pedma_hs_block *b,
			  const struct pedma_chan_part *p)
{
	b->host_wr_mask = p->host_wr;
	b->host_rd_mask = p->host_rd;
	b->ep_wr_mask = p->ep_wr;
	b->ep_rd_mask = p->ep_rd;
	b->wr_ch_cnt = p->wr_cnt;
	b->rd_ch_cnt = p->rd_cnt;
	b->caps = cpu_to_le32(p->ep_driven ? PEDMA_CAP_EP_DRIVEN :
				 PEDMA_CAP_NONE);
}

/*
 * Validate a snapshot of the peer's block.  Returns PEDMA_REFUSE_NONE if
 * it may take part in a link; *val gets the offending value otherwise.
 * A block of all zeroes (nobody there yet) is reported as bad magic with
 * value 0, which the caller treats as silence rather than an error.
 */
static int check_peer(struct pedma_dev *dev, const struct pedma_hs_block *b,
		      u32 *val)
{
	struct pedma_chan_part part;

	*val = le32_to_cpu(b->magic);
	if (*val != PEDMA_HS_MAGIC)
		return PEDMA_REFUSE_MAGIC;
	*val = le16_to_cpu(b->layout_version);
	if (*val != pedma_hs_layout_version)
		return PEDMA_REFUSE_VERSION;
	*val = b->role;
	if (*val != peer_role(dev))
		return PEDMA_REFUSE_ROLE;
	*val = b->state;
	if (*val > PEDMA_HS_UP)
		return PEDMA_REFUSE_STATE;
	/* Both sides place the areas by the window size. */
	*val = le64_to_cpu(b->wnd_size) >> 10;
	if (b->state != PEDMA_HS_DOWN &&
	    le64_to_cpu(b->wnd_size) != dev->be->wnd_size)
		return PEDMA_REFUSE_WND_SIZE;
	/* The endpoint owns the eDMA and proposes the partition. */
	if (dev->be->role == PEDMA_ROLE_HOST && b->state != PEDMA_HS_DOWN) {
		part_from_block(&part, b);
		*val = part.host_wr | part.host_rd << 8 | part.ep_wr << 16 |
		       part.ep_rd << 24;
		if (pedma_edma_check_partition(&part))
			return PEDMA_REFUSE_PARTITION;
		if (!part.ep_driven && !pedma_be_regs(dev->be))
			return PEDMA_REFUSE_MODE;
	}
	*val = 0;
	return PEDMA_REFUSE_NONE;
}

static void report_refusal(struct pedma_dev *dev, int why, u32 val)
{
	struct pedma_link *link = &dev->link;

	if (link->refusal == why && link->refusal_val == val)
		return;
	link->refusal = why;
	link->refusal_val = val;
	if (why == PEDMA_REFUSE_NONE || (why == PEDMA_REFUSE_MAGIC && !val))
		return;
	if (why == PEDMA_REFUSE_VERSION)
		ibdev_err(&dev->ibdev,
			  "link refused: peer speaks window layout version %u, this side speaks %u\n",
			  val, pedma_hs_layout_version);
	else
		ibdev_err(&dev->ibdev,
			  "link refused: peer handshake block invalid (%s, value %#x)\n",
			  pedma_refusal_text[why], val);
}

static void port_event(struct pedma_dev *dev, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = &dev->ibdev,
		.element.port_num = PEDMA_PORT,
		.event = type,
	};

	ib_dispatch_event(&ev);
}

static void link_set_up(struct pedma_dev *dev, const struct pedma_hs_block *peer)
{
	struct pedma_link *link = &dev->link;

	if (dev->be->role == PEDMA_ROLE_HOST) {
		part_from_block(&link->part, peer);
		part_to_block(&link->self, &link->part);
		/* Where the engine finds the window; checked by the engine. */
		link->peer_wnd_local_base = le64_to_cpu(peer->wnd_local_base);
	}
	link->linked_gen = le32_to_cpu(peer->gen);
	/* Only names the peer's GID (SA, GRH): any value is harmless. */
	WRITE_ONCE(link->peer_guid, (__force __be64)peer->node_guid);
	pedma_xfer_link_up(dev);
	link->self.state = PEDMA_HS_UP;
	write_self(dev);
	WRITE_ONCE(link->up, true);
	pedma_ctr_inc(dev, PEDMA_CTR_LINK_UP);
	trace_pedma_link(dev, true, dev->be->desc);
	ibdev_info(&dev->ibdev,
		   "link up: %s, %s mode, eDMA channels wr %#x/%#x rd %#x/%#x (host/ep), mover %s (%u+%u channels)\n",
		   dev->be->desc,
		   link->part.ep_driven ? "endpoint-driven" : "shared",
		   link->part.host_wr, link->part.ep_wr,
		   link->part.host_rd, link->part.ep_rd, dev->mover->name,
		   dev->nchan[PEDMA_DIR_WR], dev->nchan[PEDMA_DIR_RD]);
	port_event(dev, IB_EVENT_PORT_ACTIVE);
}

/*
 * @peer_quiet: the peer's block shows it left this link, which a side
 * writes only after its own chains ended (it went away, restarted, or
 * dropped the link); false when it may still run chains into our memory
 * (its heartbeat stopped, its block is invalid, or we are the ones
 * leaving).
 */
static void link_set_down(struct pedma_dev *dev, const char *why,
			  bool peer_quiet)
{
	struct pedma_link *link = &dev->link;

	if (!link->up) {
		if (peer_quiet)
			pedma_xfer_peer_quiet(dev);
		return;
	}
	WRITE_ONCE(link->up, false);
	pedma_xfer_link_down(dev, peer_quiet);
	pedma_area_link_down(dev);
	link->self.state = PEDMA_HS_INIT;
	write_self(dev);
	pedma_ctr_inc(dev, PEDMA_CTR_LINK_DOWN);
	trace_pedma_link(dev, false, why);
	ibdev_info(&dev->ibdev, "link down: %s\n", why);
	port_event(dev, IB_EVENT_PORT_ERR);
}

/* The whole state machine: called for doorbells and every heartbeat. */
static void link_eval(struct pedma_dev *dev)
{
	struct pedma_link *link = &dev->link;
	struct pedma_hs_block peer;
	u32 val, peer_gen, my_gen;
	int why;

	if (atomic_xchg(&link->lost, 0)) {
		/*
		 * The peer's side of the link reset: that instance and its
		 * chains are gone (whatever its block still says).  Forget
		 * it; a new instance handshakes afresh.
		 */
		link->self.peer_gen = 0;
		link->peer_stale = true;
		link->dead_gen = link->linked_gen;
		link_set_down(dev, "peer's link reset", true);
		write_self(dev);
	}
	pedma_wnd_copy_ctr(dev, &peer, hs_block(dev, peer_role(dev)),
			   sizeof(peer), PEDMA_CTR_WND_LOADS_HB);
	why = check_peer(dev, &peer, &val);
	report_refusal(dev, why, val);
	if (why != PEDMA_REFUSE_NONE) {
		link_set_down(dev, "peer handshake block invalid", false);
		return;
	}
	/*
	 * After a valid block of the peer's (a window is there, not a BAR
	 * whose translation went with the old one): the block of a new peer
	 * instance is in its new window (wnd_renewable), and this finds our
	 * area and block gone from it and writes them back before we
	 * acknowledge the instance.
	 */
	if (pedma_area_check(dev, le32_to_cpu(peer.gen)))
		write_self(dev);
	if (peer.state == PEDMA_HS_DOWN) {
		link_set_down(dev, "peer went away", true);
		return;
	}

	peer_gen = le32_to_cpu(peer.gen);
	my_gen = le32_to_cpu(link->self.gen);
	/* The instance the backend reported gone never links again. */
	if (link->dead_gen && peer_gen == link->dead_gen)
		return;
	if (peer_gen != le32_to_cpu(link->self.peer_gen)) {
		bool fresh = peer_gen != link->linked_gen;

		/*
		 * The instance whose heartbeat we lost (we forgot its gen):
		 * nothing is new until it beats again (link_hb_work clears
		 * peer_stale); its block still acknowledging us says nothing
		 * of it being alive.
		 */
		if (!fresh && link->peer_stale)
			return;
		/*
		 * A peer instance we have not acknowledged: acknowledge it,
		 * drop any old link.  Only an instance other than the one we
		 * were linked with is known to run no chain of that link.
		 */
		link_set_down(dev, "peer restarted", fresh);
		link->self.peer_gen = peer.gen;
		link->peer_stale = false;
		link->peer_hb = le32_to_cpu(peer.heartbeat);
		link->peer_hb_jiffies = jiffies;
		write_self(dev);
		pedma_peer_notify(dev);
	}

	if (le32_to_cpu(peer.peer_gen) != my_gen) {
		link_set_down(dev, "peer dropped the link", true);
		return;
	}
	/* Down on our side only (heartbeat): is the peer still in the link? */
	if (!link->up && peer.state != PEDMA_HS_UP)
		pedma_xfer_peer_quiet(dev);
	/* A peer whose heartbeat stopped stays down until it beats again. */
	if (!link->up && !link->peer_stale)
		link_set_up(dev, &peer);
}

static void link_event_work(struct work_struct *work)
{
	struct pedma_dev *dev = container_of(work, struct pedma_dev,
					     link.event_work);

	if (!READ_ONCE(dev->link.stopping))
		link_eval(dev);
}

static void link_hb_work(struct work_struct *work)
{
	struct pedma_dev *dev = container_of(to_delayed_work(work),
					     struct pedma_dev, link.hb_work);
	struct pedma_link *link = &dev->link;
	void __iomem *peer = hs_block(dev, peer_role(dev));
	u32 hb;
	int inv;

	if (READ_ONCE(link->stopping))
		return;

	le32_add_cpu(&link->self.heartbeat, 1);
	writel(le32_to_cpu(link->self.heartbeat),
	       hs_block(dev, dev->be->role) +
	       offsetof(struct pedma_hs_block, heartbeat));

	hb = pedma_wnd_readl_ctr(dev, peer + offsetof(struct pedma_hs_block,
						      heartbeat),
				 PEDMA_CTR_WND_LOADS_HB);
	if (hb != link->peer_hb) {
		link->peer_hb = hb;
		link->peer_hb_jiffies = jiffies;
		link->peer_stale = false;
	} else if (link->up &&
		   time_after(jiffies, link->peer_hb_jiffies + PEDMA_HB_TIMEOUT)) {
		/*
		 * Forget the peer's generation, so that it sees its link
		 * dropped and both sides handshake again if it comes back.
		 */
		link->self.peer_gen = 0;
		link->peer_stale = true;
		link_set_down(dev, "peer heartbeat lost", false);
	}
	inv = pedma_xfer_inv_expired(dev);
	if (link->up && (pedma_recv_inv_expired(dev) || inv == 1)) {
		/*
		 * A SEND_INV held, or a LOCAL_INV (REG_MR) waiting, past
		 * PEDMA_PEER_SYNC_TIMEOUT: the peer never confirmed it
		 * stopped using the MR.  Dead, as with a lost heartbeat: it
		 * may still run chains (not quiet), so the held receive is
		 * flushed rather than completed as invalidated, and the
		 * LOCAL_INV waits on for the peer to be quiet.
		 */
		link->self.peer_gen = 0;
		link->peer_stale = true;
		link_set_down(dev, "peer did not confirm an invalidation",
			      false);
	} else if (!link->up && inv == 2) {
		/*
		 * The link is down and the peer, not seen leaving it, let a
		 * LOCAL_INV wait another PEDMA_PEER_SYNC_TIMEOUT: taken as
		 * dead, as pedma_mr_sync() does (warned above).
		 */
		pedma_xfer_peer_quiet(dev);
	}
	link_eval(dev);
	pedma_stats_hb(dev);
	queue_delayed_work(link->wq, &link->hb_work, PEDMA_HB_PERIOD);
}

int pedma_link_init(struct pedma_dev *dev)
{
	struct pedma_link *link = &dev->link;
	struct pedma_hs_block *self = &link->self;
	int ret;

	if (dev->be->role == PEDMA_ROLE_EP) {
		ret = pedma_edma_propose_partition(dev, &link->part);
		if (ret)
			return ret;
	}

	link->stopping = true;	/* doorbells before the start are ignored */
	link->wq = alloc_ordered_workqueue("pedma_link", WQ_MEM_RECLAIM);
	if (!link->wq)
		return -ENOMEM;
	INIT_WORK(&link->event_work, link_event_work);
	INIT_DELAYED_WORK(&link->hb_work, link_hb_work);
	link->refusal = PEDMA_REFUSE_NONE;
	atomic_set(&link->lost, 0);

	memset(self, 0, sizeof(*self));
	self->magic = cpu_to_le32(PEDMA_HS_MAGIC);
	self->layout_version = cpu_to_le16(pedma_hs_layout_version);
	self->role = dev->be->role;
	self->state = PEDMA_HS_INIT;
	/* Never 0: a peer_gen of 0 means "acknowledged nobody". */
	self->gen = cpu_to_le32(get_random_u32() | 1);
	self->caps = cpu_to_le32(PEDMA_CAP_NONE);
	self->node_guid = (__force __le64)dev->be->node_guid;
	self->wnd_size = cpu_to_le64(dev->be->wnd_size);
	if (dev->be->role == PEDMA_ROLE_EP) {
		part_to_block(self, &link->part);
		self->wnd_local_base = cpu_to_le64(dev->be->wnd_local_base);
	}
	return 0;
}

/* Announce ourselves and start looking for the peer. */
void pedma_link_start(struct pedma_dev *dev)
{
	struct pedma_link *link = &dev->link;

	write_self(dev);
	link->peer_hb_jiffies = jiffies;
	WRITE_ONCE(link->stopping, false);
	pedma_peer_notify(dev);
	queue_work(link->wq, &link->event_work);
	queue_delayed_work(link->wq, &link->hb_work, PEDMA_HB_PERIOD);
}

/*
 * Leave the link: after this returns no link work runs again and the peer
 * has been told.  The backend may still deliver doorbells until it frees
 * its interrupt; pedma_peer_event() ignores them.  @peer_quiet: the peer
 * confirmed that it no longer uses our memory (pedma_dev_leave()).
 */
void pedma_link_stop(struct pedma_dev *dev, bool peer_quiet)
{
	struct pedma_link *link = &dev->link;

	WRITE_ONCE(link->stopping, true);
	cancel_delayed_work_sync(&link->hb_work);
	cancel_work_sync(&link->event_work);

	if (link->up) {
		WRITE_ONCE(link->up, false);
		pedma_xfer_link_down(dev, peer_quiet);
		pedma_area_link_down(dev);
		port_event(dev, IB_EVENT_PORT_ERR);
	} else if (peer_quiet) {
		pedma_xfer_peer_quiet(dev);
	}
	link->self.state = PEDMA_HS_DOWN;
	write_self(dev);
	pedma_peer_notify(dev);
}

void pedma_link_destroy(struct pedma_dev *dev)
{
	if (dev->link.wq)
		destroy_workqueue(dev->link.wq);
	dev->link.wq = NULL;
}

/**
 * pedma_peer_lost() - the peer's side of the link went down for good
 * @dev: a device between pedma_dev_create() and pedma_dev_destroy()
 *
 * For a backend that sees it (an NTB link-down event; in the lab, the
 * peer's guest went away): the link is re-evaluated without waiting for
 * the heartbeat to stop.  Any context.
 */
void pedma_peer_lost(struct pedma_dev *dev)
{
	atomic_set(&dev->link.lost, 1);
	if (!READ_ONCE(dev->link.stopping))
		queue_work(dev->link.wq, &dev->link.event_work);
}
EXPORT_SYMBOL_GPL(pedma_peer_lost);

/**
 * pedma_peer_linked() - whether the link with the peer is up
 * @dev: a device between pedma_dev_create() and pedma_dev_destroy()
 *
 * While it is, the core watches the peer's instance itself (its
 * handshake generation, by the heartbeat): a backend need not look for a
 * new one on every doorbell.  Any context.
 */
bool pedma_peer_linked(struct pedma_dev *dev)
{
	return pedma_link_up(dev);
}
EXPORT_SYMBOL_GPL(pedma_peer_linked);

/**
 * pedma_peer_event() - the peer rang our doorbell
 * @dev: a device between pedma_dev_create() and pedma_dev_destroy()
 *
 * Called by the backend's handler of the peer's doorbell interrupt
 * (threaded); any context.
 */
void pedma_peer_event(struct pedma_dev *dev)
{
	pedma_ctr_inc(dev, PEDMA_CTR_DOORBELL_IRQS);
	if (READ_ONCE(dev->link.stopping))
		return;
	/* The data path first: records and receives are the common case. */
	pedma_data_event(dev);
	/*
	 * While the link is up, changes of the peer's block are found by the
	 * heartbeat (250 ms): data doorbells are many and must not each cost
	 * a handshake evaluation.
	 */
	if (!pedma_link_up(dev))
		queue_work(dev->link.wq, &dev->link.event_work);
}
EXPORT_SYMBOL_GPL(pedma_peer_event);
