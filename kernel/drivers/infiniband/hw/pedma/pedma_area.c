// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma outbound and inbound areas (the window layout, pedma_window.h).
 *
 * Each side writes only its own area and reads only the peer's: "write
 * remote, read local" once each area lives in its reader's memory (on real
 * hardware the endpoint's area belongs in host memory; the lab keeps both
 * in the window, docs/architecture.md section 3).  Our area holds what
 * the peer needs to act without our CPU: the QP directory, the MR table
 * with page arrays (rkey translation), the published receive rings and
 * the completion records.  Everything read
 * from the peer's area is copied out and validated before use.
 *
 * Locking: callers hold dev->xlock for every write into our area and
 * every read of the peer's, except pedma_mr_sync() (process context: it
 * takes xlock for its request, then waits without locks) and a new MR's
 * page array (written before the entry that publishes it).
 *
 * Every store into our area goes through pedma_out_*().  Where the window
 * is the peer's memory (the backend's wnd_renewable: an NTB endpoint that
 * may reload or reboot and make a new one), they keep a shadow copy of the
 * area, and pedma_area_check() writes it back once the window shows our
 * area gone: the peer's next instance finds our QP directory, MR table,
 * published receives and proxy ring as they are, as it would in memory
 * that outlived it (the lab's).  Lock order: xlock -> out_lock (a leaf).
 */
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

#include "pedma.h"

#define CTRL_OFF(f)	(PEDMA_AREA_CTRL_OFF + offsetof(struct pedma_area_ctrl, f))
#define PEDMA_SYNC_TIMEOUT	(5 * HZ)

/* Our area at @off: for reads only (flushing posted stores); see below */
void __iomem *pedma_out(struct pedma_dev *dev, u32 off)
{
	return dev->out + off;
}

static bool out_range_bad(struct pedma_dev *dev, u32 off, size_t len)
{
	return WARN_ON_ONCE(off > dev->area_size || len > dev->area_size - off);
}

static void out_store(void __iomem *a, u64 val, unsigned int width)
{
	switch (width) {
	case 1:
		writeb(val, a);
		break;
	case 2:
		writew(val, a);
		break;
	case 4:
		writel(val, a);
		break;
	default:
		writeq(val, a);
		break;
	}
}

/*
 * One store of @width bytes (a single access: the peer reads indexes and
 * sequence numbers whole), and its copy in the shadow.  Any context.
 */
static void out_put(struct pedma_dev *dev, u32 off, u64 val,
		    unsigned int width)
{
	__le64 le = cpu_to_le64(val);
	unsigned long flags;

	if (out_range_bad(dev, off, width))
		return;
	if (!dev->out_shadow) {
		out_store(dev->out + off, val, width);
		return;
	}
	spin_lock_irqsave(&dev->out_lock, flags);
	memcpy(dev->out_shadow + off, &le, width);
	out_store(dev->out + off, val, width);
	spin_unlock_irqrestore(&dev->out_lock, flags);
}

void pedma_out_w8(struct pedma_dev *dev, u32 off, u8 val)
{
	out_put(dev, off, val, 1);
}

void pedma_out_w16(struct pedma_dev *dev, u32 off, u16 val)
{
	out_put(dev, off, val, 2);
}

void pedma_out_w32(struct pedma_dev *dev, u32 off, u32 val)
{
	out_put(dev, off, val, 4);
}

void pedma_out_w64(struct pedma_dev *dev, u32 off, u64 val)
{
	out_put(dev, off, val, 8);
}

static void out_fill(struct pedma_dev *dev, u32 off, const void *src,
		     size_t len)
{
	if (src)
		memcpy_toio(dev->out + off, src, len);
	else
		memset_io(dev->out + off, 0, len);
}

/* @len bytes from @src, or zeroes if @src is NULL.  Any context. */
void pedma_out_copy(struct pedma_dev *dev, u32 off, const void *src,
		    size_t len)
{
	unsigned long flags;

	if (out_range_bad(dev, off, len))
		return;
	if (!dev->out_shadow) {
		out_fill(dev, off, src, len);
		return;
	}
	spin_lock_irqsave(&dev->out_lock, flags);
	if (src)
		memcpy(dev->out_shadow + off, src, len);
	else
		memset(dev->out_shadow + off, 0, len);
	out_fill(dev, off, src, len);
	spin_unlock_irqrestore(&dev->out_lock, flags);
}

/*
 * Link workqueue, with a valid handshake block of peer instance @peer_gen
 * read from the window and before the handshake acknowledges it: is our
 * area still in the window?  If the window is new memory (zeroes, or
 * anything but our area's magic and generation), write the shadow back,
 * the control words last: the peer takes the area as valid once they
 * are.  Once per peer instance: a window is new only with a new instance,
 * so an area gone again from the same one's window was overwritten, which
 * is reported and not repaired.  Returns true if it wrote the area back.
 * Two loads across the link per call.
 */
bool pedma_area_check(struct pedma_dev *dev, u32 peer_gen)
{
	const u32 hdr = offsetof(struct pedma_area_ctrl, rec_prod);
	unsigned long flags;
	u32 off, n;

	if (!dev->out_shadow ||
	    (pedma_wnd_readl_ctr(dev, dev->out + CTRL_OFF(magic),
				 PEDMA_CTR_WND_LOADS_HB) == PEDMA_AREA_MAGIC &&
	     pedma_wnd_readl_ctr(dev, dev->out + CTRL_OFF(gen),
				 PEDMA_CTR_WND_LOADS_HB) ==
	     le32_to_cpu(dev->link.self.gen)))
		return false;
	if (peer_gen == dev->area_restored_gen) {
		ibdev_warn_ratelimited(&dev->ibdev,
				       "our area in the window of peer instance %#x was overwritten\n",
				       peer_gen);
		return false;
	}
	dev->area_restored_gen = peer_gen;
	for (off = PEDMA_AREA_CTRL_OFF + hdr; off < dev->area_size; off += n) {
		n = min_t(u32, SZ_4K - (off & (SZ_4K - 1)), dev->area_size - off);
		spin_lock_irqsave(&dev->out_lock, flags);
		memcpy_toio(dev->out + off, dev->out_shadow + off, n);
		spin_unlock_irqrestore(&dev->out_lock, flags);
		cond_resched();
	}
	wmb();	/* the area before the words that make it valid */
	spin_lock_irqsave(&dev->out_lock, flags);
	memcpy_toio(dev->out + PEDMA_AREA_CTRL_OFF,
		    dev->out_shadow + PEDMA_AREA_CTRL_OFF, hdr);
	spin_unlock_irqrestore(&dev->out_lock, flags);
	pedma_ctr_inc(dev, PEDMA_CTR_AREA_RESTORED);
	ibdev_info(&dev->ibdev,
		   "the window is new memory: our area (%u KiB) written back\n",
		   dev->area_size >> 10);
	return true;
}

/* The peer's area, [off, off + len) checked against its size, or NULL */
void __iomem *pedma_in(struct pedma_dev *dev, u32 off, u64 len)
{
	if (off > dev->area_size || len > dev->area_size - off)
		return NULL;
	return dev->in + off;
}

static u32 in_ctrl(struct pedma_dev *dev, size_t off)
{
	return pedma_wnd_readl(dev, dev->in + off);
}

static void out_ctrl(struct pedma_dev *dev, size_t off, u32 val)
{
	pedma_out_w32(dev, off, val);
}

int pedma_area_init(struct pedma_dev *dev)
{
	struct pedma_backend *be = dev->be;
	u8 peer = be->role == PEDMA_ROLE_HOST ? PEDMA_ROLE_EP : PEDMA_ROLE_HOST;
	u64 size = PEDMA_WND_AREA_SIZE((u64)be->wnd_size);

	if (size < PEDMA_AREA_MIN_SIZE || size > U32_MAX)
		return -EINVAL;
	dev->area_size = size;
	dev->out = be->wnd + PEDMA_WND_AREA_OFF(be->role, (u64)be->wnd_size);
	dev->in = be->wnd + PEDMA_WND_AREA_OFF(peer, (u64)be->wnd_size);
	spin_lock_init(&dev->out_lock);
	if (be->wnd_renewable) {
		dev->out_shadow = vzalloc(size);
		if (!dev->out_shadow)
			return -ENOMEM;
	}

	if (pedma_atomic_init(dev))
		goto err_shadow;
	dev->heap = gen_pool_create(ilog2(PEDMA_AREA_HEAP_ALIGN), -1);
	if (!dev->heap)
		goto err_atomic;
	if (gen_pool_add(dev->heap, PEDMA_AREA_HEAP_OFF,
			 size - PEDMA_AREA_HEAP_OFF, -1))
		goto err_pool;
	init_waitqueue_head(&dev->sync_wq);

	/* A fresh area: no directory entries, no keys, no records. */
	pedma_out_copy(dev, 0, NULL, PEDMA_AREA_HEAP_OFF);
	out_ctrl(dev, CTRL_OFF(gen), le32_to_cpu(dev->link.self.gen));
	pedma_atomic_publish(dev);
	wmb();	/* the area is valid once the magic is */
	out_ctrl(dev, CTRL_OFF(magic), PEDMA_AREA_MAGIC);
	return 0;

err_pool:
	gen_pool_destroy(dev->heap);
	dev->heap = NULL;
err_atomic:
	pedma_atomic_destroy(dev);
err_shadow:
	vfree(dev->out_shadow);
	dev->out_shadow = NULL;
	return -ENOMEM;
}

void pedma_area_destroy(struct pedma_dev *dev)
{
	if (!dev->heap)
		return;
	out_ctrl(dev, CTRL_OFF(magic), 0);
	gen_pool_destroy(dev->heap);
	dev->heap = NULL;
	pedma_atomic_withdraw(dev);
	pedma_atomic_destroy(dev);
	vfree(dev->out_shadow);
	dev->out_shadow = NULL;
}

/*
 * A new peer instance is linked: start consuming its records from where it
 * is now and take its current mr sync request as seen.  xlock held.
 */
void pedma_area_link_up(struct pedma_dev *dev)
{
	dev->rec_cons = in_ctrl(dev, CTRL_OFF(rec_prod));
	out_ctrl(dev, CTRL_OFF(peer_rec_cons), dev->rec_cons);
	dev->peer_sync_seen = in_ctrl(dev, CTRL_OFF(mr_sync_req));
	dev->peer_sync_pending = false;
	pedma_pmrc_flush(dev);
	out_ctrl(dev, CTRL_OFF(mr_sync_ack), dev->peer_sync_seen);
	pedma_recv_inv_reset(dev);
	/* answers to an earlier peer instance must not match a new request */
	pedma_out_copy(dev, PEDMA_AREA_ATOMIC_RESP_OFF, NULL,
		       PEDMA_MAX_QP * sizeof(struct pedma_atomic_resp));
}

/*
 * The link went down (after pedma_xfer_link_down(): the receives are
 * flushed): a SEND_INV held for the peer's acknowledgment is dropped with
 * its receive, never completed as invalidated.  Link workqueue.
 */
void pedma_area_link_down(struct pedma_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	pedma_recv_inv_reset(dev);
	spin_unlock_irqrestore(&dev->xlock, flags);
}

u32 pedma_heap_alloc(struct pedma_dev *dev, size_t size)
{
	/* gen_pool returns 0 on failure; the heap never starts at 0 */
	return gen_pool_alloc(dev->heap, size);
}

void pedma_heap_free(struct pedma_dev *dev, u32 off, size_t size)
{
	if (off)
		gen_pool_free(dev->heap, off, size);
}

static u8 dir_state(enum ib_qp_state s)
{
	switch (s) {
	case IB_QPS_INIT:
		return PEDMA_DIR_QPS_INIT;
	case IB_QPS_RTR:
	case IB_QPS_RTS:
	case IB_QPS_SQD:
	case IB_QPS_SQE:
		return PEDMA_DIR_QPS_RTR;
	case IB_QPS_ERR:
		return PEDMA_DIR_QPS_ERR;
	default:
		return PEDMA_DIR_QPS_NONE;
	}
}

/* Publish what the peer needs to know of @qp.  xlock held. */
void pedma_dir_publish(struct pedma_dev *dev, struct pedma_qp *qp)
{
	struct pedma_rq *rq = qp->srq ? &qp->srq->rq : &qp->rq;
	int acc = qp->attr.qp_access_flags;
	struct pedma_qp_dir d = {
		.state = dir_state(qp->state),
		.min_rnr_timer = qp->attr.min_rnr_timer,
		.flags = (qp->srq ? PEDMA_DIR_F_SRQ : 0) |
			 (qp->ud ? PEDMA_DIR_F_UD : 0) |
			 (pedma_qp_uc(qp) ? PEDMA_DIR_F_UC : 0),
		.qkey = cpu_to_le32(qp->qkey),
		/* a loopback QP is connected to no QP of the peer */
		.dest_qpn = cpu_to_le32(qp->loop ? 0 : qp->attr.dest_qp_num),
		.rq_off = cpu_to_le32(rq->pub_off),
		.rq_entries = cpu_to_le32(rq->entries),
		.pd = cpu_to_le32(container_of(qp->ibqp.pd, struct pedma_pd,
					       ibpd)->id),
	};
	u32 e = PEDMA_AREA_QPDIR_OFF + qp->qpn * sizeof(d);

	if (dev->leaving)
		return;		/* withdrawn for good */
	/* UC has no READ and no atomics: whatever the flags say */
	if (pedma_qp_uc(qp))
		acc &= IB_ACCESS_REMOTE_WRITE;
	if (acc & IB_ACCESS_REMOTE_WRITE)
		d.access |= PEDMA_ACC_REMOTE_WRITE;
	if (acc & IB_ACCESS_REMOTE_READ)
		d.access |= PEDMA_ACC_REMOTE_READ;
	if (acc & IB_ACCESS_REMOTE_ATOMIC)
		d.access |= PEDMA_ACC_REMOTE_ATOMIC;
	/* The entry is valid once qpn matches: write it last. */
	pedma_out_w32(dev, e, 0);
	wmb();	/* invalid before the body changes */
	pedma_out_copy(dev, e + 4, (u8 *)&d + 4, sizeof(d) - 4);
	wmb();	/* the body before the qpn that validates it */
	pedma_out_w32(dev, e, qp->qpn ? qp->qpn : PEDMA_DIR_QP0_MARK);
	/* A requester of the peer may be waiting for us to become ready. */
	if (d.state == PEDMA_DIR_QPS_RTR && pedma_peer_rnr_waiting(dev))
		pedma_peer_notify(dev);
}

void pedma_dir_clear(struct pedma_dev *dev, u32 qpn)
{
	pedma_out_w32(dev, PEDMA_AREA_QPDIR_OFF +
		      qpn * sizeof(struct pedma_qp_dir), 0);
}

/*
 * Copy the published receive at @slot (either side's ring): its header,
 * then only the SGEs it names; the rest of @q is zeroed.  A slot is 272
 * bytes and a receive with one SGE needs 32 of them, which counts where
 * each load crosses the link.  A header naming more than PEDMA_MAX_SGE
 * copies none (the caller refuses it by num_sge).
 */
void pedma_rqe_copy(struct pedma_dev *dev, struct pedma_pub_rqe *q,
		    const void __iomem *slot)
{
	const size_t hdr = offsetof(struct pedma_pub_rqe, sge);
	u8 n;

	pedma_wnd_copy(dev, q, slot, hdr);
	n = q->num_sge <= PEDMA_MAX_SGE ? q->num_sge : 0;
	pedma_wnd_copy(dev, q->sge, slot + hdr, n * sizeof(q->sge[0]));
	memset(q->sge + n, 0, (PEDMA_MAX_SGE - n) * sizeof(q->sge[0]));
}

/*
 * A receive of one of our own rings (loopback), at area offset @off, as
 * pedma_rqe_copy() takes it: from the shadow where there is one (the
 * window may be a new one of the peer's that does not hold our area yet;
 * and the shadow is local memory), else from the window.  xlock held.
 */
void pedma_own_rqe_copy(struct pedma_dev *dev, struct pedma_pub_rqe *q,
			u32 off)
{
	const size_t hdr = offsetof(struct pedma_pub_rqe, sge);
	unsigned long flags;
	u8 n;

	if (!dev->out_shadow || out_range_bad(dev, off, sizeof(*q))) {
		pedma_rqe_copy(dev, q, dev->out + off);
		return;
	}
	spin_lock_irqsave(&dev->out_lock, flags);
	memcpy(q, dev->out_shadow + off, hdr);
	n = q->num_sge <= PEDMA_MAX_SGE ? q->num_sge : 0;
	memcpy(q->sge, dev->out_shadow + off + hdr, n * sizeof(q->sge[0]));
	spin_unlock_irqrestore(&dev->out_lock, flags);
	memset(q->sge + n, 0, (PEDMA_MAX_SGE - n) * sizeof(q->sge[0]));
}

/* The peer's directory entry of its QP @qpn, validated.  xlock held. */
int pedma_peer_dir(struct pedma_dev *dev, u32 qpn, struct pedma_qp_dir *d)
{
	if (qpn >= PEDMA_MAX_QP)
		return -EINVAL;
	pedma_wnd_copy(dev, d, dev->in + PEDMA_AREA_QPDIR_OFF + qpn * sizeof(*d),
		       sizeof(*d));
	if (le32_to_cpu(d->qpn) != (qpn ? qpn : PEDMA_DIR_QP0_MARK))
		return -ENOENT;
	return 0;
}

/* Room for one more record in our ring?  xlock held. */
/* Free slots of our record ring (one read of the peer's consumer index) */
u32 pedma_rec_free(struct pedma_dev *dev)
{
	u32 used = dev->rec_prod - in_ctrl(dev, CTRL_OFF(peer_rec_cons));
	u32 size = PEDMA_REC_ENTRIES;

	if (pedma_test_rec_room && pedma_test_rec_room < size)
		size = pedma_test_rec_room;
	/* A peer_rec_cons ahead of us is garbage: treat the ring as full. */
	return used < size ? size - used : 0;
}

bool pedma_rec_room(struct pedma_dev *dev)
{
	return pedma_rec_free(dev) > 0;
}

/*
 * Publish @rec without ringing the peer (pedma_rec_post() rings; several
 * records then one ring: pedma_rec_put() each, pedma_peer_notify() once).
 * The caller checked for room, and the data the record announces is
 * complete (its chain finished), so the peer sees the record only after
 * the data.  xlock held.
 */
void pedma_rec_put(struct pedma_dev *dev, struct pedma_rec *rec)
{
	u32 slot = dev->rec_prod & (PEDMA_REC_ENTRIES - 1);

	rec->seq = cpu_to_le32(dev->rec_prod);
	pedma_out_copy(dev, PEDMA_AREA_REC_OFF + slot * sizeof(*rec), rec,
		       sizeof(*rec));
	dev->rec_prod++;
	wmb();	/* record before the index that publishes it */
	out_ctrl(dev, CTRL_OFF(rec_prod), dev->rec_prod);
}

/* Publish @rec and ring the peer (pedma_rec_put()). */
void pedma_rec_post(struct pedma_dev *dev, struct pedma_rec *rec)
{
	pedma_rec_put(dev, rec);
	pedma_peer_notify(dev);
}

/* Tell the peer whether we wait for its receives.  xlock held. */
static void publish_rnr(struct pedma_dev *dev)
{
	out_ctrl(dev, CTRL_OFF(rnr_waiting), dev->rnr_waiting);
}

void pedma_rnr_waiting(struct pedma_dev *dev, int delta)
{
	dev->rnr_waiting += delta;
	publish_rnr(dev);
	if (delta > 0)
		pedma_peer_notify(dev);
}

bool pedma_peer_rnr_waiting(struct pedma_dev *dev)
{
	return in_ctrl(dev, CTRL_OFF(rnr_waiting)) != 0;
}

/*
 * Ask the peer to confirm that it no longer uses what we withdrew (keys,
 * directory entries, published receives): it acknowledges once every
 * chain it started before seeing the request has finished, and it checks
 * our area again before each later chain.  Returns the request's
 * sequence number.  xlock held.
 */
u32 pedma_sync_request(struct pedma_dev *dev)
{
	u32 seq = ++dev->mr_sync_seq;

	wmb();	/* what we withdrew, before the request */
	out_ctrl(dev, CTRL_OFF(mr_sync_req), seq);
	pedma_peer_notify(dev);
	return seq;
}

bool pedma_sync_acked(struct pedma_dev *dev, u32 seq)
{
	return (s32)(in_ctrl(dev, CTRL_OFF(mr_sync_ack)) - seq) >= 0;
}

/*
 * Wait until the peer cannot reach what we withdrew before the call: with
 * the link up, a sync request and its acknowledgment; with the link down
 * (or going down meanwhile), until the peer has left the link
 * (dev->peer_quiet).  Process context, no locks held.  Bounded by
 * PEDMA_PEER_SYNC_TIMEOUT; returns false (with a warning) if the peer
 * never confirmed.
 */
bool pedma_mr_sync(struct pedma_dev *dev)
{
	unsigned long flags, end = jiffies + PEDMA_PEER_SYNC_TIMEOUT;
	bool requested = false;
	u32 seq = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	if (dev->xfer_up) {
		seq = pedma_sync_request(dev);
		requested = true;
	}
	spin_unlock_irqrestore(&dev->xlock, flags);

	if (requested &&
	    wait_event_timeout(dev->sync_wq, !READ_ONCE(dev->xfer_up) ||
			       pedma_sync_acked(dev, seq),
			       PEDMA_PEER_SYNC_TIMEOUT) && pedma_sync_acked(dev, seq))
		return true;
	/* No link, or it went down: wait for the peer to be seen gone. */
	if (time_before(jiffies, end) &&
	    wait_event_timeout(dev->sync_wq, READ_ONCE(dev->peer_quiet),
			       end - jiffies))
		return true;
	if (READ_ONCE(dev->peer_quiet))
		return true;
	ibdev_warn(&dev->ibdev,
		   "peer did not confirm in %u s that it stopped using our memory (sync %u, link %s)\n",
		   PEDMA_PEER_SYNC_TIMEOUT / HZ, seq,
		   READ_ONCE(dev->xfer_up) ? "up" : "down");
	/*
	 * Silent on a link that is down: taken as dead, so that the next
	 * destroy or dereg does not wait the whole timeout again (a no-op
	 * while the link is up).
	 */
	pedma_xfer_peer_quiet(dev);
	return false;
}

/*
 * Leaving: withdraw everything the peer could use to reach our memory --
 * the QP directory (so no receive of ours is a target), the MR table (no
 * key translates) and the multicast attachments -- and publish nothing
 * more.  The caller then syncs with the peer.  Process context.
 */
void pedma_area_withdraw(struct pedma_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	dev->leaving = true;
	pedma_out_copy(dev, PEDMA_AREA_QPDIR_OFF, NULL,
		       PEDMA_AREA_HEAP_OFF - PEDMA_AREA_QPDIR_OFF);
	/* no chain of the peer may start on our atomic result buffer now */
	pedma_atomic_withdraw(dev);
	out_ctrl(dev, CTRL_OFF(mc_hwm), 0);
	spin_unlock_irqrestore(&dev->xlock, flags);
}

/* Acknowledge the peer's sync request once our chains drained.  xlock held. */
void pedma_peer_sync_check(struct pedma_dev *dev)
{
	if (!dev->peer_sync_pending ||
	    !pedma_chains_done(dev, dev->peer_sync_snap))
		return;
	dev->peer_sync_pending = false;
	out_ctrl(dev, CTRL_OFF(mr_sync_ack), dev->peer_sync_seen);
	pedma_peer_notify(dev);
}

/*
 * Claims out (pedma_claim.c) that the peer passed over without a word
 * (no record room for an answer): dropped once it consumed them and we
 * took every record it wrote before.  For a request that waits on a claim
 * without doorbells coming.  xlock held.
 */
void pedma_claims_check(struct pedma_dev *dev)
{
	u32 cons;

	if (!dev->claims_used || !dev->xfer_up)
		return;
	cons = in_ctrl(dev, CTRL_OFF(peer_rec_cons));
	rmb();	/* its consumer index before its records (pedma_data_event()) */
	if (in_ctrl(dev, CTRL_OFF(rec_prod)) == dev->rec_cons)
		pedma_claims_expire(dev, cons);
}

/*
 * The peer rang our doorbell: take its records, its sync requests, and
 * retry the QPs waiting for its receives.  Any context.
 */
void pedma_data_event(struct pedma_dev *dev)
{
	struct pedma_rec rec;
	unsigned long flags;
	u32 prod, n, req, claims_cons = 0;
	bool claims;

	spin_lock_irqsave(&dev->xlock, flags);
	if (!dev->xfer_up)
		goto out;

	/* With claims out (pedma_claim.c): how far the peer consumed ours */
	claims = dev->claims_used;
	if (claims) {
		claims_cons = in_ctrl(dev, CTRL_OFF(peer_rec_cons));
		/*
		 * before its records: it wrote its answers to our claims
		 * before it said it took them (the wmb() below, on its side)
		 */
		rmb();
	}
	prod = in_ctrl(dev, CTRL_OFF(rec_prod));
	n = prod - dev->rec_cons;
	if (n > PEDMA_REC_ENTRIES) {
		ibdev_warn_ratelimited(&dev->ibdev,
				       "peer record index %u invalid (consumed %u)\n",
				       prod, dev->rec_cons);
		n = 0;
	}
	while (n--) {
		u32 slot = dev->rec_cons & (PEDMA_REC_ENTRIES - 1);

		pedma_wnd_copy(dev, &rec, dev->in + PEDMA_AREA_REC_OFF +
			       slot * sizeof(rec), sizeof(rec));
		if (dev->rinv_pending) {
			/* the held SEND_INV: its first reading is delivered */
			if (!pedma_recv_inv_held(dev, &rec))
				break;
		} else if (le32_to_cpu(rec.seq) != dev->rec_cons) {
			break;	/* not visible yet: the next doorbell comes */
		} else if (rec.opcode == PEDMA_REC_OP_SEND_INV &&
			   !pedma_recv_inv(dev, &rec)) {
			break;	/* held until the peer cannot reach the MR */
		}
		dev->rec_cons++;
		pedma_recv_record(dev, &rec);
	}
	if (claims && dev->rec_cons == prod)
		pedma_claims_expire(dev, claims_cons);
	wmb();	/* our answers to the peer's claims before we say we took them */
	out_ctrl(dev, CTRL_OFF(peer_rec_cons), dev->rec_cons);

	/* Endpoint-driven: the endpoint's answers, the host's requests */
	pedma_proxy_host_event(dev);
	pedma_proxy_serve(dev);

	req = in_ctrl(dev, CTRL_OFF(mr_sync_req));
	if (req != dev->peer_sync_seen) {
		dev->peer_sync_seen = req;
		dev->peer_sync_pending = true;
		pedma_chains_snap(dev, dev->peer_sync_snap);
		/* it may reuse what it withdrew once we acknowledge */
		pedma_pmrc_flush(dev);
	}
	pedma_peer_sync_check(dev);
	pedma_flush_acked(dev, false);
	pedma_mr_inv_acked(dev, false);
	pedma_xfer_inv_wake(dev);

	pedma_xfer_rnr_wake(dev);
out:
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	wake_up(&dev->sync_wq);
}
