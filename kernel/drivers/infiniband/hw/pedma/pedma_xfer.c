// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma requester: work requests become chains of segments that the data
 * mover (pedma_mover.h; the DesignWare LL mover in pedma_edma.c) runs.
 *
 * Direction.  A write channel moves endpoint memory to PCIe (host)
 * addresses, a read channel the reverse, so the channel type follows the
 * data: the data source is the endpoint's memory -> write channel, else
 * read channel.  Each side drives only the channels the handshake gave it.
 *
 * One chain per channel at a time.  A chain's segments are split where the
 * local or the remote DMA segments end (and at the mover's max_seg); a
 * mover takes a bounded number per chain, so long work requests take
 * several chains.
 *
 * Per QP, work requests run strictly in order and one at a time (a chain
 * belongs to one request), so completions are in order and fences and
 * READ-after-WRITE ordering hold trivially.
 *
 * Before any DMA the requester checks everything the work request names:
 * local keys, PD and ranges (IB_WC_LOC_PROT_ERR), the target QP's state
 * and access flags and the rkey's MR entry, rights and range
 * (IB_WC_REM_ACCESS_ERR), the receive it consumes (RNR, lengths).  A
 * failed check completes the request with the IB status and moves the QP
 * to the error state; no element is written.  Keys are translated again
 * for every chain, so a deregistration between two chains of one request
 * stops it (the MR sync protocol in pedma_area.c covers chains running).
 *
 * SEND and RDMA WRITE with immediate consume a receive the peer published
 * in its area.  After the last chain completes, a completion record goes
 * into our area and the peer's doorbell rings; the data is complete before
 * the record is written.
 *
 * UD (pedma_ud.c has the targets): a datagram is GRH space plus payload,
 * moved as above into one receive per peer target (unicast: one, multicast:
 * every attached QP of the peer), each followed by its record; same-side
 * targets got their copy when the datagram started.  A target that is
 * missing, not ready, has another Q_Key or no receive posted is skipped;
 * the send completes once every target had its turn.
 *
 * Fast registration (pedma_mr.c) runs in send queue order too: REG_MR
 * publishes the MR before it completes; LOCAL_INV withdraws it and
 * completes once the peer acknowledged a sync requested after that, or is
 * quiet (the QP waits on dev->inv_qps, woken by the peer's doorbell or by
 * the peer going quiet; see local_op()).  SEND_WITH_INV is a SEND whose
 * record names the rkey; the receiver invalidates (pedma_recv_inv()), and
 * a key it would refuse fails the request here first.
 *
 * UC (IBA 9.7.8, 10.8.3): the same, but nothing is ever acknowledged: a
 * message the responder would refuse or RNR-NAK on RC (not there or not
 * ready, another transport, no receive, a key, right or range it refuses,
 * a receive too short) is dropped before any element is written: the
 * request completes successfully and the QP stays in RTS (uc_drop(), the
 * uc_dropped counter).  A receive taken and found unusable is given back
 * as failed, as on RC: the receiver's receive fails.
 *
 * Atomics (pedma_atomic.c): the request goes to the peer through our area
 * and a record; the peer's kernel executes it and answers; then one chain
 * moves the original value from the peer's result slot into the request's
 * buffer, like an 8-byte READ.
 *
 * Everything here runs under dev->xlock.
 */
#include <linux/io.h>
#include <linux/jiffies.h>

#include "pedma.h"
#include "pedma_trace.h"

/* Bytes a request moves into each target */
static u64 req_len(struct pedma_qp *qp, struct pedma_swqe *w)
{
	return qp->ud ? PEDMA_GRH_BYTES + w->length : w->length;
}

static bool op_is_atomic(u8 op)
{
	return op == PEDMA_WQE_OP_ATOMIC_CMP_SWP ||
	       op == PEDMA_WQE_OP_ATOMIC_FETCH_ADD;
}

/* Data flows to the peer, except for READ and an atomic's result */
static bool op_to_remote(u8 op)
{
	return op != PEDMA_WQE_OP_RDMA_READ && !op_is_atomic(op);
}

static bool op_needs_rqe(u8 op)
{
	return op == PEDMA_WQE_OP_SEND || op == PEDMA_WQE_OP_SEND_IMM ||
	       op == PEDMA_WQE_OP_SEND_INV || op == PEDMA_WQE_OP_RDMA_WRITE_IMM;
}

/* Channel type for data flowing local -> remote (@to_remote) or back */
static int data_dir(struct pedma_dev *dev, bool to_remote)
{
	bool src_is_ep = (dev->be->role == PEDMA_ROLE_EP) == to_remote;

	return src_is_ep ? PEDMA_DIR_WR : PEDMA_DIR_RD;
}

static u8 wqe_cqe_opcode(u8 op)
{
	switch (op) {
	case PEDMA_WQE_OP_RDMA_WRITE:
	case PEDMA_WQE_OP_RDMA_WRITE_IMM:
		return PEDMA_CQE_OP_RDMA_WRITE;
	case PEDMA_WQE_OP_RDMA_READ:
		return PEDMA_CQE_OP_RDMA_READ;
	case PEDMA_WQE_OP_REG_MR:
		return PEDMA_CQE_OP_REG_MR;
	case PEDMA_WQE_OP_LOCAL_INV:
		return PEDMA_CQE_OP_LOCAL_INV;
	case PEDMA_WQE_OP_ATOMIC_CMP_SWP:
		return PEDMA_CQE_OP_ATOMIC_CMP_SWP;
	case PEDMA_WQE_OP_ATOMIC_FETCH_ADD:
		return PEDMA_CQE_OP_ATOMIC_FETCH_ADD;
	default:
		return PEDMA_CQE_OP_SEND;
	}
}

static void put_record(struct pedma_qp *qp, struct pedma_swqe *w, u32 rq_idx,
		       u8 status, bool ring);
static void post_record(struct pedma_qp *qp, struct pedma_swqe *w, u8 status);

static void inv_wait_start(struct pedma_qp *qp, struct pedma_mr *mr)
{
	qp->req.inv_wait = true;
	qp->req.inv_mr = mr;
	qp->req.inv_end = jiffies + PEDMA_PEER_SYNC_TIMEOUT;
	list_add_tail(&qp->inv_node, &qp->dev->inv_qps);
}

static void inv_wait_stop(struct pedma_qp *qp)
{
	if (!qp->req.inv_wait)
		return;
	qp->req.inv_wait = false;
	qp->req.inv_mr = NULL;
	list_del_init(&qp->inv_node);
}

/*
 * The request at sq_cur waits for the withdrawal of its MR: 1 while the
 * peer may still reach the MR, 0 once confirmed, -ENOENT if the MR is
 * gone.  xlock held.
 */
static int inv_wait_state(struct pedma_qp *qp)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];

	/* REG_MR: w->key is the new key, of the same index */
	return pedma_mr_inv_state(qp->dev, qp->req.inv_mr, w->key);
}

/*
 * A loopback request's claim it will not use (pedma_claim.c): a receive
 * it got already fails, which may move the target, @qp itself perhaps, to
 * the error state.
 */
static void loop_claim_drop(struct pedma_qp *qp)
{
	u32 token = qp->req.loop_claim;

	if (!token)
		return;
	qp->req.loop_claim = 0;
	pedma_claim_loop_drop(qp->dev, token);
}

/* The current request is finished with @status: complete it in order. */
static void complete_cur(struct pedma_qp *qp, u8 status)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];

	/*
	 * A receive of the peer taken by a request that failed: give it
	 * back as failed, or the peer's receive queue would stall on it.
	 */
	if (qp->req.rqe_taken && status != IB_WC_SUCCESS &&
	    pedma_rec_room(qp->dev))
		post_record(qp, w, PEDMA_REC_ST_PROT_ERR);
	/* one that rode in a failed chain (batch_one()) */
	if (w->rqe_taken && status != IB_WC_SUCCESS && pedma_rec_room(qp->dev))
		put_record(qp, w, w->rq_idx, PEDMA_REC_ST_PROT_ERR, true);
	w->rqe_taken = false;
	qp->req.active = false;
	qp->req.ready = false;
	qp->req.rqe_taken = false;
	qp->req.ud_more = false;
	qp->req.ud_local = false;
	inv_wait_stop(qp);
	qp->req.atomic_wait = false;
	qp->req.done = 0;
	qp->req.batch = 0;
	WRITE_ONCE(qp->sq_cur, qp->sq_cur + 1);
	if (!qp->req.dropped)	/* a dropped UC message moved nothing */
		pedma_stats_wc(qp->dev, w->opcode, qp->ud, qp->loop, w->length,
			       status);
	qp->req.dropped = false;
	trace_pedma_wr_done(qp, w, status);
	if (qp->ud && qp->sq_cur == qp->sq_tail)
		wake_up(&qp->idle_wq);	/* destroy waits for the datagrams */
	if (status != IB_WC_SUCCESS || qp->sig_all ||
	    (w->flags & PEDMA_WQE_F_SIGNALED)) {
		struct pedma_cqe cqe = {
			.wr_id = w->wr_id,
			.status = status,
			.opcode = wqe_cqe_opcode(w->opcode),
			.byte_len = w->length,
			.qp_num = qp->qpn,
		};

		pedma_cq_add(qp->scq, &cqe, false);
	}
	loop_claim_drop(qp);	/* after the completion: it may flush us */
	if (status != IB_WC_SUCCESS)
		pedma_qp_to_err(qp);
}

static void rnr_stop(struct pedma_qp *qp)
{
	if (!qp->rnr_wait)
		return;
	qp->rnr_wait = false;
	list_del_init(&qp->rnr_node);
	pedma_rnr_waiting(qp->dev, -1);
	timer_delete(&qp->rnr_timer);
}

/*
 * The QP entered the error state: every request not running completes
 * with IB_WC_WR_FLUSH_ERR; a running chain completes first, and so does a
 * LOCAL_INV whose MR the peer may still reach: it completes (flushed) only
 * once the peer acknowledged the withdrawal or is quiet
 * (pedma_xfer_inv_wake()).
 */
void pedma_xfer_flush_sq(struct pedma_qp *qp)
{
	rnr_stop(qp);
	if (qp->chan_waiting) {
		list_del_init(&qp->chan_wait);
		qp->chan_waiting = false;
	}
	if (qp->chan || qp->dying)
		return;
	if (qp->req.inv_wait &&
	    qp->sq[qp->sq_cur & (qp->sq_entries - 1)].opcode ==
	    PEDMA_WQE_OP_LOCAL_INV && inv_wait_state(qp) > 0)
		return;
	if (qp->usq)
		pedma_qp_drain_usq(qp);
	while (qp->sq_cur != qp->sq_tail)
		complete_cur(qp, IB_WC_WR_FLUSH_ERR);
}

/* IB RNR NAK timer encoding (IBA table 45), in microseconds */
static const u32 rnr_usecs[32] = {
	655360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960,
	1280, 1920, 2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720,
	40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

/* Wait for the peer's next doorbell (its receives or record room). */
static void wait_peer(struct pedma_qp *qp)
{
	if (qp->rnr_wait)
		return;
	qp->rnr_wait = true;
	list_add_tail(&qp->rnr_node, &qp->dev->rnr_qps);
	pedma_rnr_waiting(qp->dev, 1);
}

/*
 * Wait for room in our record ring.  The peer takes our records at its
 * doorbell, which wait_peer() rings, but rings us back only to say it
 * posted receives: so the QP also retries on its timer, one tick later.
 * A rare path (4096 records in flight; test_rec_room forces it).
 */
static void rec_wait(struct pedma_qp *qp)
{
	pedma_ctr_inc(qp->dev, PEDMA_CTR_REC_WAITS);
	wait_peer(qp);
	mod_timer(&qp->rnr_timer, jiffies + 1);
}

/*
 * A request waits for the peer's answers to claims (pedma_claim.c): a
 * loopback request for its own, a datagram for room to send its.  They
 * come with a doorbell (pedma_xfer_rnr_wake()); the timer retries in case
 * none comes (the link went down, or the peer had no record room to
 * answer: pedma_claims_check()).
 */
static void claim_wait(struct pedma_qp *qp)
{
	wait_peer(qp);
	mod_timer(&qp->rnr_timer, jiffies + max(1UL, msecs_to_jiffies(100)));
}

static void rnr_start(struct pedma_qp *qp, u8 timer)
{
	pedma_ctr_inc(qp->dev, PEDMA_CTR_RNR_RETRIES);
	wait_peer(qp);
	mod_timer(&qp->rnr_timer,
		  jiffies + max(1UL, usecs_to_jiffies(rnr_usecs[timer & 31])));
}

/*
 * Wait one local ACK timeout: 4.096 us * 2^timeout (IBA 9.7.6.1.3); 0
 * means infinite there, here half a second per retry.
 */
static void retry_start(struct pedma_qp *qp)
{
	u8 t = qp->attr.timeout;
	u64 us = t ? min_t(u64, (4096ULL << t) / 1000, 2000000) : 500000;

	pedma_ctr_inc(qp->dev, PEDMA_CTR_RETRIES);
	wait_peer(qp);
	mod_timer(&qp->rnr_timer, jiffies + max(1UL, usecs_to_jiffies(us)));
}

/*
 * Find (or start consuming) the receive ring the peer published for @d.
 * Ring state is kept while the ring exists (same offset and generation),
 * even with no QP attached, so that an SRQ's consumed slots are never
 * taken twice; rings the peer replaced are pruned here.
 */
static struct pedma_peer_ring *peer_ring_get(struct pedma_dev *dev,
					     const struct pedma_qp_dir *d)
{
	u32 off = le32_to_cpu(d->rq_off), entries = le32_to_cpu(d->rq_entries);
	struct pedma_pub_ring_hdr __iomem *h;
	struct pedma_peer_ring *r, *tmp, *found = NULL;
	u32 gen;

	if (!entries || !is_power_of_2(entries) || entries > PEDMA_MAX_QP_WR)
		return NULL;
	h = pedma_in(dev, off, sizeof(*h) +
		     (u64)entries * sizeof(struct pedma_pub_rqe));
	if (!h)
		return NULL;
	gen = pedma_wnd_readl(dev, &h->ring_gen);
	if (!gen)
		return NULL;
	list_for_each_entry_safe(r, tmp, &dev->peer_rings, node) {
		if (r->off == off && r->entries == entries && r->gen == gen) {
			found = r;
		} else if (!r->refs &&
			   pedma_wnd_readl(dev, dev->in + r->off +
					   offsetof(struct pedma_pub_ring_hdr,
						    ring_gen)) != r->gen) {
			list_del(&r->node);
			kfree(r);
		}
	}
	if (!found) {
		/* A new sender on this ring starts where the owner says. */
		u32 first = pedma_wnd_readl(dev, &h->first);

		if (pedma_wnd_readl(dev, &h->prod) - first > entries)
			return NULL;
		found = kzalloc(sizeof(*found), GFP_ATOMIC);
		if (!found)
			return NULL;
		found->off = off;
		found->entries = entries;
		found->gen = gen;
		found->cons = first;
		list_add(&found->node, &dev->peer_rings);
	}
	found->refs++;
	return found;
}

void pedma_peer_ring_put(struct pedma_dev *dev, struct pedma_peer_ring *r)
{
	if (r)
		r->refs--;
}

/*
 * Take the next receive of ring @r: our copy in @q, its index in @idx.
 * 1 with a receive, 0 if none is posted, <0 if the ring is unusable.
 */
static int ring_take(struct pedma_dev *dev, struct pedma_peer_ring *r,
		     struct pedma_pub_rqe *q, u32 *idx)
{
	struct pedma_pub_ring_hdr __iomem *h = dev->in + r->off;
	struct pedma_pub_rqe __iomem *slot;
	u32 prod, n;

	if (pedma_wnd_readl(dev, &h->ring_gen) != r->gen)
		return -EINVAL;
	for (n = 0; n < r->entries; n++) {
		prod = pedma_wnd_readl(dev, &h->prod);
		if (prod == r->cons)
			return 0;
		if (prod - r->cons > r->entries)
			return -EINVAL;
		slot = dev->in + r->off + sizeof(*h) +
		       (r->cons & (r->entries - 1)) * sizeof(struct pedma_pub_rqe);
		pedma_rqe_copy(dev, q, slot);
		if (le32_to_cpu(q->idx) != r->cons)
			return 0;	/* not visible yet */
		if (q->flags & PEDMA_RQE_F_SKIP) {
			r->cons++;	/* completed under an earlier sender */
			continue;
		}
		if (q->num_sge > PEDMA_MAX_SGE)
			return -EINVAL;
		*idx = r->cons++;
		return 1;
	}
	return 0;
}

/*
 * Take the next receive the peer published for our target QP: our copy in
 * @q, its ring index in @idx.  Returns 1 with a receive, 0 if none is
 * posted (RNR), <0 if the ring is unusable.
 */
static int take_rqe(struct pedma_qp *qp, const struct pedma_qp_dir *d,
		    struct pedma_pub_rqe *q, u32 *idx)
{
	struct pedma_dev *dev = qp->dev;
	struct pedma_peer_ring *r = qp->peer_ring;

	/* The receiver reset or replaced its ring: start on the new one. */
	if (r && (r->off != le32_to_cpu(d->rq_off) ||
		  r->entries != le32_to_cpu(d->rq_entries) ||
		  pedma_wnd_readl(dev, dev->in + r->off +
				  offsetof(struct pedma_pub_ring_hdr,
					   ring_gen)) != r->gen)) {
		pedma_peer_ring_put(dev, r);
		r = NULL;
	}
	if (!r) {
		r = peer_ring_get(dev, d);
		qp->peer_ring = r;
		if (!r)
			return -EINVAL;
	}
	return ring_take(dev, r, q, idx);
}

/*
 * Take the next receive of the peer's QP @d (UD or on an SRQ: its
 * directory entry, read and checked by the caller) for a sender of the
 * peer's own side (pedma_claim_take()), as one of our senders would take
 * it.  xlock held.
 */
int pedma_peer_rqe_claim(struct pedma_dev *dev, const struct pedma_qp_dir *d,
			 u32 *idx)
{
	struct pedma_peer_ring *r = peer_ring_get(dev, d);
	struct pedma_pub_rqe q;
	int ret;

	if (!r)
		return -EINVAL;
	ret = ring_take(dev, r, &q, idx);
	pedma_peer_ring_put(dev, r);
	return ret;
}

/*
 * Give back the receive take_rqe() just took at @idx (nothing else took
 * one since: xlock held throughout); the next take finds it again.
 */
static void untake_rqe(struct pedma_qp *qp, u32 idx)
{
	if (!WARN_ON_ONCE(!qp->peer_ring || qp->peer_ring->cons != idx + 1))
		qp->peer_ring->cons = idx;
}

/*
 * Publish the record of @w for the peer receive @rq_idx; @ring: ring the
 * peer now (else the caller does, once for several).
 */
static void put_record(struct pedma_qp *qp, struct pedma_swqe *w, u32 rq_idx,
		       u8 status, bool ring)
{
	struct pedma_rec rec = {
		.dst_qpn = cpu_to_le32(qp->req.dst_qpn),
		.src_qpn = cpu_to_le32(qp->qpn),
		.rq_idx = cpu_to_le32(rq_idx),
		.byte_len = cpu_to_le32(req_len(qp, w)),
		.imm = w->imm,
		.status = status,
	};

	switch (w->opcode) {
	case PEDMA_WQE_OP_SEND:
		rec.opcode = PEDMA_REC_OP_SEND;
		break;
	case PEDMA_WQE_OP_SEND_IMM:
		rec.opcode = PEDMA_REC_OP_SEND_IMM;
		break;
	case PEDMA_WQE_OP_SEND_INV:
		rec.opcode = PEDMA_REC_OP_SEND_INV;
		rec.inv_rkey = cpu_to_le32(w->key);
		break;
	default:
		rec.opcode = PEDMA_REC_OP_WRITE_IMM;
		break;
	}
	if (w->flags & PEDMA_WQE_F_SOLICITED)
		rec.flags |= PEDMA_REC_F_SOLICITED;
	if (pedma_qp_uc(qp))
		rec.flags |= PEDMA_REC_F_UC;
	if (qp->ud) {
		rec.sl = w->av.sl;
		if (w->av.grh)
			rec.flags |= PEDMA_REC_F_GRH;
	}
	if (ring)
		pedma_rec_post(qp->dev, &rec);
	else
		pedma_rec_put(qp->dev, &rec);
}

/* The record of the current request's receive */
static void post_record(struct pedma_qp *qp, struct pedma_swqe *w, u8 status)
{
	put_record(qp, w, qp->req.rq_idx, status, true);
	qp->req.rqe_taken = false;
}

/* Local bytes [off, off + len) of @w: the first contiguous run */
static int local_seg(struct pedma_qp *qp, struct pedma_swqe *w, u64 off,
		     u64 len, struct pedma_seg *seg)
{
	u32 need = op_to_remote(w->opcode) ? 0 : PEDMA_ACC_LOCAL_WRITE;
	u32 slot = w - qp->sq;	/* the current request or one batched with it */
	int i;

	if (qp->ud) {
		/* [0, 40): the GRH built for this slot, then the payload */
		if (off < PEDMA_GRH_BYTES) {
			seg->addr = qp->grh_dma + (u64)slot * PEDMA_GRH_BYTES + off;
			seg->len = min_t(u64, len, PEDMA_GRH_BYTES - off);
			return 0;
		}
		off -= PEDMA_GRH_BYTES;
	}
	if (w->flags & PEDMA_WQE_F_INLINE) {
		seg->addr = qp->inline_dma + (u64)slot * PEDMA_MAX_INLINE + off;
		seg->len = len;
		return 0;
	}
	for (i = 0; i < w->num_sge; i++) {
		struct ib_sge *s = &w->sge[i];

		if (off < s->length)
			return pedma_local_seg(qp->dev, qp->ibqp.pd, s->lkey,
					       s->addr + off,
					       min_t(u64, s->length - off, len),
					       need, seg);
		off -= s->length;
	}
	return -EINVAL;
}

/*
 * Remote bytes [off, off + len): the rkey range, or the peer's receive @q
 * (a SEND's)
 */
static int remote_seg(struct pedma_qp *qp, struct pedma_swqe *w,
		      const struct pedma_pub_rqe *q, u64 off, u64 len,
		      struct pedma_seg *seg)
{
	struct pedma_auth a = { .qpn = qp->req.dst_qpn };
	u64 at = off;
	int i, ret = -EINVAL;

	switch (w->opcode) {
	case PEDMA_WQE_OP_RDMA_WRITE:
	case PEDMA_WQE_OP_RDMA_WRITE_IMM:
	case PEDMA_WQE_OP_RDMA_READ:
		a.kind = PEDMA_AUTH_MR;
		a.key = w->rkey;
		a.iova = w->remote_addr + off;
		ret = pedma_peer_rseg(qp->dev, &qp->req.rkv, w->rkey,
				      qp->req.dst_pd, w->remote_addr + off, len,
				      w->opcode == PEDMA_WQE_OP_RDMA_READ ?
				      PEDMA_ACC_REMOTE_READ :
				      PEDMA_ACC_REMOTE_WRITE, seg);
		break;
	case PEDMA_WQE_OP_ATOMIC_CMP_SWP:
	case PEDMA_WQE_OP_ATOMIC_FETCH_ADD:
		a.kind = PEDMA_AUTH_ATOMIC;
		a.iova = (u64)qp->qpn * sizeof(__le64) + off;
		ret = pedma_atomic_res_seg(qp, off, seg);
		break;
	default:
		a.kind = PEDMA_AUTH_RECV;
		a.key = le32_to_cpu(q->idx);
		a.iova = at;
		for (i = 0; i < q->num_sge; i++) {
			u32 l = le32_to_cpu(q->sge[i].length);

			if (off < l) {
				ret = pedma_peer_seg(qp->dev, &qp->req.rkv,
						     le32_to_cpu(q->sge[i].lkey),
						     le64_to_cpu(q->sge[i].addr) + off,
						     min_t(u64, l - off, len),
						     PEDMA_ACC_LOCAL_WRITE, seg);
				break;
			}
			off -= l;
		}
		break;
	}
	if (!ret)
		seg->auth = a;
	return ret;
}

/* Check every local SGE before anything moves. */
static bool local_ok(struct pedma_qp *qp, struct pedma_swqe *w)
{
	u32 need = op_to_remote(w->opcode) ? 0 : PEDMA_ACC_LOCAL_WRITE;
	struct pedma_seg seg;
	int i;

	if (w->flags & PEDMA_WQE_F_INLINE)
		return true;
	for (i = 0; i < w->num_sge; i++)
		if (pedma_local_seg(qp->dev, qp->ibqp.pd, w->sge[i].lkey,
				    w->sge[i].addr, w->sge[i].length, need, &seg))
			return false;
	return true;
}

/* The peer receive @q we took for @w: long enough, every SGE usable? */
static int rqe_check(struct pedma_qp *qp, struct pedma_swqe *w,
		     const struct pedma_pub_rqe *q)
{
	struct pedma_seg seg;
	u64 cap = 0, left;
	int i;

	if (w->opcode == PEDMA_WQE_OP_RDMA_WRITE_IMM)
		return 0;	/* consumes the receive, moves no data into it */
	for (i = 0; i < q->num_sge; i++)
		cap += le32_to_cpu(q->sge[i].length);
	if (req_len(qp, w) > cap)
		return PEDMA_REC_ST_LEN_ERR;
	left = req_len(qp, w);
	for (i = 0; i < q->num_sge && left; i++) {
		u64 l = min_t(u64, le32_to_cpu(q->sge[i].length), left);

		if (pedma_peer_seg(qp->dev, &qp->req.rkv,
				   le32_to_cpu(q->sge[i].lkey),
				   le64_to_cpu(q->sge[i].addr), l,
				   PEDMA_ACC_LOCAL_WRITE, &seg))
			return PEDMA_REC_ST_PROT_ERR;
		left -= l;
	}
	return 0;
}

/* A new request: the checks that need no peer.  False: it completed. */
static bool begin_ok(struct pedma_qp *qp, struct pedma_swqe *w)
{
	if (w->status) {	/* malformed user WQE */
		complete_cur(qp, w->status);
		return false;
	}
	if (!local_ok(qp, w)) {
		complete_cur(qp, IB_WC_LOC_PROT_ERR);
		return false;
	}
	return true;
}

/*
 * UD: start the datagram (checks, GRH, same-side copies), then its peer
 * targets one after the other.  Returns true when chains may run for
 * req.dst_qpn, false when the request completed or must wait.
 */
static bool ud_start(struct pedma_qp *qp, struct pedma_swqe *w)
{
	u32 qkey = (w->ud_qkey & 0x80000000u) ? qp->qkey : w->ud_qkey;
	struct pedma_dev *dev = qp->dev;
	struct pedma_qp_dir d;
	int ret;

	if (!qp->req.active) {
		qp->req.active = true;
		qp->req.done = 0;
		qp->req.mc_next = 0;
		qp->req.ud_more = dev->xfer_up;
		qp->req.dst_set = false;
		trace_pedma_wr_start(qp, w);
		if (!begin_ok(qp, w))
			return false;
		if (w->av.grh)
			pedma_ud_fill_grh(qp, w, qp->grh_buf +
					  (size_t)(qp->sq_cur & (qp->sq_entries - 1)) *
					  PEDMA_GRH_BYTES);
		qp->req.ud_local = true;
	}
	if (qp->req.ud_local) {
		/* claims for it waiting for room: the peer's answers free it */
		if (pedma_ud_deliver_local(qp, w) == -EBUSY) {
			claim_wait(qp);
			return false;
		}
		qp->req.ud_local = false;
	}
	for (;;) {
		if (!qp->req.dst_set && !pedma_ud_next_target(qp, w)) {
			complete_cur(qp, IB_WC_SUCCESS);
			return false;
		}
		/* Every receive we take gets a record: room first. */
		if (!pedma_rec_room(dev)) {
			rec_wait(qp);
			return false;
		}
		ret = pedma_peer_dir(dev, qp->req.dst_qpn, &d);
		if (!ret && (d.flags & PEDMA_DIR_F_UD) &&
		    d.state == PEDMA_DIR_QPS_RTR && le32_to_cpu(d.qkey) == qkey) {
			ret = take_rqe(qp, &d, &qp->req.rqe, &qp->req.rq_idx);
			if (ret > 0) {
				qp->req.rqe_taken = true;
				ret = rqe_check(qp, w, &qp->req.rqe);
				if (!ret) {
					qp->req.done = w->av.grh ? 0 :
						       PEDMA_GRH_BYTES;
					return true;
				}
				post_record(qp, w, ret);
			}
		}
		ibdev_dbg(&dev->ibdev,
			  "QP %u: datagram for peer QP %u dropped (%d: flags %#x state %u qkey %#x/%#x)\n",
			  qp->qpn, qp->req.dst_qpn, ret, d.flags, d.state,
			  le32_to_cpu(d.qkey), qkey);
		qp->req.dst_set = false;	/* dropped there: the next target */
	}
}

/*
 * REG_MR and LOCAL_INV: local work, in send queue order.  LOCAL_INV
 * withdraws the MR, asks the peer to sync and completes once the peer can
 * no longer reach the MR (its acknowledgment, or the peer quiet): no chain
 * of the peer can reach the MR after the completion.  A LOCAL_INV of an MR
 * already invalid, and a REG_MR of it, wait the same way while its last
 * withdrawal is not confirmed.  The QP waits on dev->inv_qps; a peer that
 * does not confirm within PEDMA_PEER_SYNC_TIMEOUT is taken as dead
 * (pedma_xfer_inv_expired(): the link goes down; once it is down the
 * request waits for the peer to be quiet, flushed then, like a running
 * chain).  Always false: the request completed or waits.
 */
static bool local_op(struct pedma_qp *qp, struct pedma_swqe *w)
{
	struct pedma_dev *dev = qp->dev;
	struct pedma_mr *mr = NULL;
	int ret;

	if (qp->req.inv_wait) {
		ret = inv_wait_state(qp);
		if (ret > 0)
			return false;	/* still reachable: keep waiting */
		inv_wait_stop(qp);
		if (w->opcode == PEDMA_WQE_OP_LOCAL_INV) {
			/* -ENOENT: deregistered under the request (a ULP bug) */
			complete_cur(qp, ret ? IB_WC_LOC_PROT_ERR :
					 IB_WC_SUCCESS);
			return false;
		}
	}
	if (w->opcode == PEDMA_WQE_OP_REG_MR) {
		ret = pedma_mr_fast_reg(dev, qp, w);
		if (ret == -EAGAIN) {
			inv_wait_start(qp, w->mr);
			return false;
		}
		complete_cur(qp, ret ? IB_WC_LOC_QP_OP_ERR : IB_WC_SUCCESS);
		return false;
	}
	ret = pedma_mr_withdraw(dev, qp->ibqp.pd, w->key, false, &mr);
	if (ret < 0) {
		complete_cur(qp, IB_WC_LOC_PROT_ERR);
		return false;
	}
	if (!mr->inv_pending) {
		complete_cur(qp, IB_WC_SUCCESS);	/* invalid, confirmed */
		return false;
	}
	inv_wait_start(qp, mr);
	return false;
}

/*
 * An atomic waits for the peer's answer (pedma_atomic.c): true once the
 * result is there for one chain to move, false when the request completed
 * or still waits (woken by the peer's doorbell, bounded by atomic_end).
 */
static bool atomic_wait(struct pedma_qp *qp)
{
	u8 st;

	if (pedma_atomic_answer(qp, &st)) {
		qp->req.atomic_wait = false;
		if (st == IB_WC_SUCCESS)
			return true;
		complete_cur(qp, st);
		return false;
	}
	if (time_after_eq(jiffies, qp->req.atomic_end)) {
		ibdev_warn_ratelimited(&qp->dev->ibdev,
				       "QP %u: the peer never answered atomic %u\n",
				       qp->qpn, qp->req.atomic_seq);
		complete_cur(qp, IB_WC_RETRY_EXC_ERR);
		return false;
	}
	wait_peer(qp);
	mod_timer(&qp->rnr_timer, qp->req.atomic_end);
	return false;
}

/*
 * An atomic whose target QP is ready: check, post, wait for the answer.
 * The responder checks everything again (pedma_atomic.c); the module
 * parameter test_atomic_unchecked skips the checks here to test that.
 */
static bool atomic_start(struct pedma_qp *qp, struct pedma_swqe *w,
			 const struct pedma_qp_dir *d)
{
	struct pedma_seg seg;

	if (pedma_test_atomic_unchecked)
		goto post;
	if (!(d->access & PEDMA_ACC_REMOTE_ATOMIC) ||
	    pedma_peer_rseg(qp->dev, &qp->req.rkv, w->rkey, qp->req.dst_pd,
			    w->remote_addr, 8, PEDMA_ACC_REMOTE_ATOMIC, &seg)) {
		complete_cur(qp, IB_WC_REM_ACCESS_ERR);
		return false;
	}
	if (w->remote_addr & 7) {
		complete_cur(qp, IB_WC_REM_INV_REQ_ERR);
		return false;
	}
post:
	if (!pedma_rec_room(qp->dev)) {
		rec_wait(qp);
		return false;
	}
	pedma_atomic_post(qp, w);
	qp->req.atomic_wait = true;
	qp->req.atomic_end = jiffies + PEDMA_ATOMIC_TIMEOUT;
	return atomic_wait(qp);
}

/*
 * No answer from the responder: retry after the local ACK timeout,
 * retry_cnt times, as an IB requester would.  Always false.
 */
static bool retry_or_fail(struct pedma_qp *qp)
{
	if (!qp->retry_left) {
		complete_cur(qp, IB_WC_RETRY_EXC_ERR);
		return false;
	}
	qp->retry_left--;
	retry_start(qp);
	return false;
}

/* No receive at the responder: an RNR NAK, retried per rnr_retry.  False. */
static bool rnr_or_fail(struct pedma_qp *qp, u8 timer)
{
	if (!qp->rnr_left) {
		complete_cur(qp, IB_WC_RNR_RETRY_EXC_ERR);
		return false;
	}
	if (qp->rnr_left != 7)	/* 7 means retry forever */
		qp->rnr_left--;
	rnr_start(qp, timer);
	return false;
}

/*
 * UC: the responder cannot take the message.  No NAK: it is dropped, the
 * request completes successfully and the QP stays usable.  A receive of
 * the peer we took goes back with @rec_st (the caller made sure of record
 * room).  Always false.
 */
static bool uc_drop(struct pedma_qp *qp, u8 rec_st)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];

	if (qp->req.rqe_taken && pedma_rec_room(qp->dev))
		post_record(qp, w, rec_st);
	qp->req.rqe_taken = false;
	ibdev_dbg(&qp->dev->ibdev, "UC QP %u: message %llu to QP %u dropped\n",
		  qp->qpn, w->wr_id, qp->req.dst_qpn);
	pedma_ctr_inc(qp->dev, PEDMA_CTR_UC_DROPPED);
	qp->req.dropped = true;
	complete_cur(qp, IB_WC_SUCCESS);
	return false;
}

/* What the responder refuses with @st on RC: UC drops the message. */
static bool refused(struct pedma_qp *qp, u8 st)
{
	if (pedma_qp_uc(qp))
		return uc_drop(qp, PEDMA_REC_ST_PROT_ERR);
	complete_cur(qp, st);
	return false;
}

/*
 * A loopback QP (pedma_loop.c): the request runs at once, or waits as for
 * a peer: retried while the target QP is not ready, RNR without a receive.
 * UC drops instead of waiting and where the responder would refuse.
 */
static bool loop_start(struct pedma_qp *qp, struct pedma_swqe *w)
{
	u8 st = IB_WC_SUCCESS, timer = 0;
	struct pedma_mr *inv = NULL;
	int ret;

	/*
	 * SEND_WITH_INV, its bytes copied: the target's record waits for
	 * the confirmation of the withdrawal (an MR deregistered meanwhile
	 * was synced by dereg_mr itself)
	 */
	if (qp->req.inv_wait) {
		if (inv_wait_state(qp) > 0)
			return false;
		inv_wait_stop(qp);
		pedma_loop_record(qp->dev, &qp->req.loop_rec);
		complete_cur(qp, IB_WC_SUCCESS);
		return false;
	}
	ret = pedma_loop_exec(qp, w, &st, &timer, &inv);
	if (ret == -EINPROGRESS) {
		inv_wait_start(qp, inv);
		return false;
	}
	if (ret == -EBUSY) {
		claim_wait(qp);
		return false;
	}
	if (pedma_qp_uc(qp) &&
	    (ret || st == IB_WC_REM_ACCESS_ERR || st == IB_WC_REM_OP_ERR ||
	     st == IB_WC_REM_INV_REQ_ERR))
		return uc_drop(qp, PEDMA_REC_ST_PROT_ERR);
	if (ret == -ENOENT)
		return retry_or_fail(qp);
	if (ret == -EAGAIN)
		return rnr_or_fail(qp, timer);
	complete_cur(qp, st);
	return false;
}

/*
 * Start the request at sq_cur: all checks before any DMA.  Returns true if
 * the request is ready for chains, false if it completed or must wait.
 */
static bool start_cur(struct pedma_qp *qp)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];
	struct pedma_dev *dev = qp->dev;
	struct pedma_qp_dir d;
	struct pedma_seg seg;
	u8 st;
	int ret;

	if (qp->ud)
		return ud_start(qp, w);
	if (!qp->req.active) {
		qp->req.active = true;
		qp->req.done = 0;
		qp->req.dst_qpn = qp->attr.dest_qp_num;
		qp->rnr_left = qp->attr.rnr_retry;
		qp->retry_left = qp->attr.retry_cnt;
		trace_pedma_wr_start(qp, w);
		if (!begin_ok(qp, w))
			return false;
	}
	if (w->opcode == PEDMA_WQE_OP_REG_MR ||
	    w->opcode == PEDMA_WQE_OP_LOCAL_INV)
		return local_op(qp, w);
	if (qp->req.atomic_wait)
		return atomic_wait(qp);
	if (qp->loop)
		return loop_start(qp, w);

	/*
	 * The responder: gone, not ready, not ours or of the other transport
	 * (RC and UC never talk) means no answer.  As an IB requester would,
	 * retry after the local ACK timeout, retry_cnt times (a responder
	 * moving to RTR rings us, which retries at once); UC drops.
	 */
	if (pedma_peer_dir(dev, qp->attr.dest_qp_num, &d) ||
	    d.state != PEDMA_DIR_QPS_RTR ||
	    le32_to_cpu(d.dest_qpn) != qp->qpn ||
	    !(d.flags & PEDMA_DIR_F_UC) != !pedma_qp_uc(qp))
		return pedma_qp_uc(qp) ? uc_drop(qp, 0) : retry_or_fail(qp);
	/* rkeys must belong to the responder QP's protection domain */
	qp->req.dst_pd = le32_to_cpu(d.pd);

	switch (w->opcode) {
	case PEDMA_WQE_OP_RDMA_WRITE:
	case PEDMA_WQE_OP_RDMA_WRITE_IMM:
		if (!(d.access & PEDMA_ACC_REMOTE_WRITE) ||
		    pedma_peer_rseg(dev, &qp->req.rkv, w->rkey, qp->req.dst_pd,
				    w->remote_addr, w->length,
				    PEDMA_ACC_REMOTE_WRITE, &seg))
			return refused(qp, IB_WC_REM_ACCESS_ERR);
		break;
	case PEDMA_WQE_OP_RDMA_READ:
		if (!(d.access & PEDMA_ACC_REMOTE_READ) ||
		    pedma_peer_rseg(dev, &qp->req.rkv, w->rkey, qp->req.dst_pd,
				    w->remote_addr, w->length,
				    PEDMA_ACC_REMOTE_READ, &seg)) {
			complete_cur(qp, IB_WC_REM_ACCESS_ERR);
			return false;
		}
		break;
	case PEDMA_WQE_OP_ATOMIC_CMP_SWP:
	case PEDMA_WQE_OP_ATOMIC_FETCH_ADD:
		return atomic_start(qp, w, &d);
	}

	if (op_needs_rqe(w->opcode) && !qp->req.rqe_taken) {
		/* Every receive we take gets a record: room first. */
		if (!pedma_rec_room(dev)) {
			rec_wait(qp);
			return false;
		}
		ret = take_rqe(qp, &d, &qp->req.rqe, &qp->req.rq_idx);
		if (ret < 0)
			return refused(qp, IB_WC_REM_OP_ERR);
		if (!ret) {
			/* Receiver not ready: RNR NAK, retried per rnr_retry */
			if (pedma_qp_uc(qp))
				return uc_drop(qp, 0);
			return rnr_or_fail(qp, d.min_rnr_timer);
		}
		qp->req.rqe_taken = true;
		ret = rqe_check(qp, w, &qp->req.rqe);
		/*
		 * SEND_WITH_INV: a key the receiver would refuse (no valid
		 * fast-reg MR of its QP's PD) is an invalid request; its
		 * receive fails as it would at the receiver.
		 */
		st = ret == PEDMA_REC_ST_LEN_ERR ? IB_WC_REM_INV_REQ_ERR :
						   IB_WC_REM_OP_ERR;
		if (!ret && w->opcode == PEDMA_WQE_OP_SEND_INV &&
		    !pedma_peer_inv_ok(dev, w->key, qp->req.dst_pd)) {
			ret = PEDMA_REC_ST_PROT_ERR;
			st = IB_WC_REM_INV_REQ_ERR;
		}
		if (ret && pedma_qp_uc(qp))
			return uc_drop(qp, ret);	/* the receive fails */
		if (ret) {
			post_record(qp, w, ret);
			complete_cur(qp, st);
			return false;
		}
	}
	return true;
}

/*
 * The request's bytes all moved: post its record, complete it, and the
 * requests that rode in its chain after it, in order, their records (the
 * peer rung once for all).  Without record room (other QPs used what
 * batch_more() saw), the first request still owing one becomes the
 * current request, moved and ready, with the rest of the batch behind it,
 * and waits for the peer.
 */
static bool finish_cur(struct pedma_qp *qp)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];
	struct pedma_dev *dev = qp->dev;
	u32 n, free = 0, nput = 0;

	if (op_needs_rqe(w->opcode)) {
		free = pedma_rec_free(dev);
		if (!free) {
			rec_wait(qp);
			return false;
		}
		put_record(qp, w, qp->req.rq_idx, PEDMA_REC_ST_OK, false);
		qp->req.rqe_taken = false;
		free--;
		nput++;
	}
	if (qp->ud) {
		if (nput)
			pedma_peer_notify(dev);
		/* this target has its copy: ud_start() picks the next */
		qp->req.dst_set = false;
		qp->req.ready = false;
		return true;
	}
	n = qp->req.batch;
	complete_cur(qp, IB_WC_SUCCESS);
	while (n--) {		/* the requests that rode in its chain */
		w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];
		if (w->rqe_taken && !free)
			free = pedma_rec_free(dev);
		if (w->rqe_taken && !free) {
			qp->req.active = true;
			qp->req.ready = true;
			qp->req.done = req_len(qp, w);
			qp->req.batch = n;
			qp->req.rqe_taken = true;
			qp->req.rq_idx = w->rq_idx;
			w->rqe_taken = false;
			rec_wait(qp);
			break;
		}
		if (w->rqe_taken) {
			put_record(qp, w, w->rq_idx, PEDMA_REC_ST_OK, false);
			w->rqe_taken = false;
			free--;
			nput++;
		}
		complete_cur(qp, IB_WC_SUCCESS);
	}
	if (nput)
		pedma_peer_notify(dev);
	return !qp->req.active;
}

/*
 * Is the QP whose receive we fill still there and ready?  Checked before
 * every chain: a QP that left RTR or went away asks us to confirm (MR sync
 * protocol, pedma_area.c) before its owner reuses the receive buffers, and
 * we confirm once the chains started before that finished.
 */
static bool target_ok(struct pedma_qp *qp)
{
	struct pedma_qp_dir d;

	if (pedma_peer_dir(qp->dev, qp->req.dst_qpn, &d) ||
	    d.state != PEDMA_DIR_QPS_RTR)
		return false;
	return qp->ud || (le32_to_cpu(d.dest_qpn) == qp->qpn &&
			  !(d.flags & PEDMA_DIR_F_UC) == !pedma_qp_uc(qp));
}

static void chain_done(struct pedma_dev *dev, int dir, void *cookie,
		       bool aborted);

/*
 * UD: the datagram for the current target did not get there (the engine
 * aborted, e.g. the link to the peer went down under it).  It is lost, as
 * on a fabric; the receive it took is given back as failed and the send
 * goes on to the next target.  The QP stays usable.
 */
static void ud_drop_target(struct pedma_qp *qp)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];

	if (qp->req.rqe_taken && pedma_rec_room(qp->dev))
		post_record(qp, w, PEDMA_REC_ST_PROT_ERR);
	qp->req.ready = false;
	qp->req.rqe_taken = false;
	qp->req.dst_set = false;
}

/*
 * All of @w in segments (@q: the peer receive of a SEND), checked as
 * start_cur() checks a WRITE or a READ (the chain's direction is @w's):
 * with @c, added to the chain; without, only counted.  Returns how many,
 * or 0 if @w cannot ride in a shared chain or needs more than @max (it
 * then starts on its own).
 */
static u32 batch_segs(struct pedma_qp *qp, struct pedma_swqe *w,
		      const struct pedma_pub_rqe *q, struct pedma_chain *c,
		      u32 max)
{
	const struct pedma_mover_ops *mv = qp->dev->mover;
	bool to_remote = op_to_remote(w->opcode);
	struct pedma_seg l, r;
	u64 off = 0, len;
	u32 n = 0;

	while (off < w->length) {
		if (n == max || local_seg(qp, w, off, w->length - off, &l) ||
		    remote_seg(qp, w, q, off, w->length - off, &r))
			return 0;
		len = min3(l.len, r.len, (u64)mv->max_seg);
		if (c && to_remote)
			mv->add(c, l.addr, r.addr, len, &r.auth);
		else if (c)
			mv->add(c, r.addr, l.addr, len, &r.auth);
		n++;
		off += len;
	}
	return n;
}

/*
 * Which requests may share a chain: those moving data to the peer (RDMA
 * WRITE, WRITE with immediate, SEND, SEND with immediate), or READs.
 * SEND_WITH_INV (its key check), atomics and local work run alone.
 */
static int batch_class(u8 op)
{
	switch (op) {
	case PEDMA_WQE_OP_RDMA_WRITE:
	case PEDMA_WQE_OP_RDMA_WRITE_IMM:
	case PEDMA_WQE_OP_SEND:
	case PEDMA_WQE_OP_SEND_IMM:
		return 1;
	case PEDMA_WQE_OP_RDMA_READ:
		return 2;
	}
	return 0;
}

/*
 * One more request @w for the chain @c (batch_more()): its checks, the
 * peer receive of a SEND or WRITE_IMM taken (@nrec: records the chain
 * needs so far, @free: record room) and its segments added.  True if it
 * joined; false leaves everything as it was.
 */
static bool batch_one(struct pedma_qp *qp, struct pedma_chain *c,
		      const struct pedma_qp_dir *d, struct pedma_swqe *w,
		      u32 *nrec, u32 free)
{
	struct pedma_pub_rqe q;
	bool rqe = op_needs_rqe(w->opcode);
	u32 idx = 0;

	if (!w->length || w->status || (w->flags & PEDMA_WQE_F_FENCE) ||
	    ((w->opcode == PEDMA_WQE_OP_RDMA_WRITE ||
	      w->opcode == PEDMA_WQE_OP_RDMA_WRITE_IMM) &&
	     !(d->access & PEDMA_ACC_REMOTE_WRITE)) ||
	    (w->opcode == PEDMA_WQE_OP_RDMA_READ &&
	     !(d->access & PEDMA_ACC_REMOTE_READ)) ||
	    !local_ok(qp, w))
		return false;
	if (rqe) {
		/* its record, and the receive it fills, both there now */
		if (*nrec >= free || take_rqe(qp, d, &q, &idx) <= 0)
			return false;
		if (rqe_check(qp, w, &q) || !batch_segs(qp, w, &q, NULL, c->room)) {
			untake_rqe(qp, idx);
			return false;
		}
	} else if (!batch_segs(qp, w, NULL, NULL, c->room)) {
		return false;
	}
	/*
	 * Counted, now added.  The peer's table may change between the two
	 * (it is not ours): what was added of a request that then fails to
	 * translate runs like any chain the peer's withdrawal covers, and
	 * the request starts on its own.
	 */
	if (!batch_segs(qp, w, rqe ? &q : NULL, c, c->room)) {
		if (rqe)
			untake_rqe(qp, idx);
		return false;
	}
	if (rqe) {
		w->rqe_taken = true;
		w->rq_idx = idx;
		(*nrec)++;
	}
	return true;
}

/*
 * Requests that follow the current one ride in its chain when it holds
 * all of it (a busy send queue, or a post list, costs one chain and one
 * interrupt, not one each): requests of the current one's batch_class()
 * (at most max_rd_atomic READs in flight), of a connected QP, not fenced,
 * none empty, each whole in the chain and with the checks start_cur()
 * makes (the directory entry read once more here).  A SEND or WRITE_IMM
 * takes its peer receive here (record room for all of them first);
 * finish_cur() posts their records after the chain, in order, and
 * completes them after the current one; an abort fails the current one
 * and the QP's error state flushes them (their receives given back as
 * failed, complete_cur()).  @to_remote: the chain's direction.  Returns
 * how many joined (req.batch).
 */
static u32 batch_more(struct pedma_qp *qp, struct pedma_chain *c,
		      bool to_remote)
{
	struct pedma_swqe *cur = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];
	int class = batch_class(cur->opcode);
	u32 reads = max_t(u32, qp->attr.max_rd_atomic, 1) - 1;
	u32 idx = qp->sq_cur + 1, nrec = op_needs_rqe(cur->opcode), free = 0;
	bool free_read = false;
	struct pedma_qp_dir d;

	if (!class || qp->ud || qp->loop ||
	    pedma_peer_dir(qp->dev, qp->req.dst_qpn, &d) ||
	    d.state != PEDMA_DIR_QPS_RTR || le32_to_cpu(d.dest_qpn) != qp->qpn ||
	    !(d.flags & PEDMA_DIR_F_UC) != !pedma_qp_uc(qp))
		return 0;
	while (qp->req.batch < PEDMA_MAX_BATCH && (to_remote || reads)) {
		struct pedma_swqe *w;

		if (idx == qp->sq_tail && qp->usq)
			pedma_qp_drain_usq(qp);
		if (idx == qp->sq_tail)
			break;
		w = &qp->sq[idx & (qp->sq_entries - 1)];
		if (batch_class(w->opcode) != class)
			break;
		if (op_needs_rqe(w->opcode) && !free_read) {
			free = pedma_rec_free(qp->dev);	/* a read across the link */
			free_read = true;
		}
		if (!batch_one(qp, c, &d, w, &nrec, free))
			break;
		trace_pedma_wr_start(qp, w);
		qp->req.batch++;
		reads -= !to_remote;
		idx++;
	}
	return qp->req.batch;
}

/*
 * Build and start the next chain of the current request.  Returns 0 when
 * a chain runs, -EBUSY when no channel is free (the QP is queued),
 * -ENOENT when the receiving QP went away, or an IB status when a
 * translation failed before any segment was added.
 */
static int run_chain(struct pedma_qp *qp)
{
	struct pedma_swqe *w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];
	struct pedma_dev *dev = qp->dev;
	const struct pedma_mover_ops *mv = dev->mover;
	bool to_remote = op_to_remote(w->opcode);
	int dir = data_dir(dev, to_remote);
	struct pedma_chain c;

	if (!dev->xfer_up)
		return -ENOENT;	/* no peer to move data to or from */
	if ((qp->ud || op_needs_rqe(w->opcode)) && !target_ok(qp))
		return -ENOENT;
	if (mv->begin(dev, dir, &c)) {
		if (!qp->chan_waiting) {
			qp->chan_waiting = true;
			list_add_tail(&qp->chan_wait, &dev->chan_waitq[dir]);
		}
		return -EBUSY;
	}

	while (qp->req.done < req_len(qp, w) && c.room) {
		u64 left = req_len(qp, w) - qp->req.done;
		struct pedma_seg l, r;
		u64 len;

		if (local_seg(qp, w, qp->req.done, left, &l))
			break;
		if (remote_seg(qp, w, &qp->req.rqe, qp->req.done, left, &r)) {
			if (!c.n)
				return IB_WC_REM_ACCESS_ERR;
			break;
		}
		len = min3(l.len, r.len, (u64)mv->max_seg);
		if (to_remote)
			mv->add(&c, l.addr, r.addr, len, &r.auth);
		else
			mv->add(&c, r.addr, l.addr, len, &r.auth);
		qp->req.done += len;
	}
	if (!c.n)
		return qp->req.done < req_len(qp, w) ? IB_WC_LOC_PROT_ERR :
						       IB_WC_GENERAL_ERR;
	if (qp->req.done == req_len(qp, w) && c.room &&
	    batch_more(qp, &c, to_remote))
		pedma_ctr_add(dev, PEDMA_CTR_BATCHED_REQS, qp->req.batch);
	qp->chan = c.ch;
	pedma_ctr_inc(dev, PEDMA_CTR_CHAINS_STARTED);
	trace_pedma_chain_start(qp, dir, c.ch->idx, c.n, qp->req.done);
	mv->start(dev, &c, chain_done, qp);
	return 0;
}

static void progress(struct pedma_qp *qp)
{
	struct pedma_dev *dev = qp->dev;
	int ret;

	for (;;) {
		struct pedma_swqe *w;

		if (qp->chan || qp->chan_waiting || qp->rnr_wait || qp->dying)
			return;
		/* Leaving: no new chain; the link-down after it flushes. */
		if (dev->leaving && dev->xfer_up)
			return;
		if (qp->state == IB_QPS_ERR) {
			pedma_xfer_flush_sq(qp);
			return;
		}
		if (qp->sq_cur == qp->sq_tail && qp->usq)
			pedma_qp_drain_usq(qp);
		if (qp->sq_cur == qp->sq_tail) {
			if (qp->state == IB_QPS_SQD)
				pedma_qp_sq_drained(qp);
			return;
		}
		/* SQD: the request under way finishes, no new one starts. */
		if (qp->state != IB_QPS_RTS &&
		    !(qp->state == IB_QPS_SQD && qp->req.active))
			return;
		if (!dev->xfer_up && !qp->loop) {
			if (pedma_qp_uc(qp)) {
				qp->req.rqe_taken = false;
				uc_drop(qp, 0);	/* no peer: lost */
				continue;
			}
			if (!qp->ud) {
				complete_cur(qp, IB_WC_RETRY_EXC_ERR);
				continue;
			}
			/*
			 * UD: the peer's targets are unreachable (what was
			 * under way for one is dropped); same-side ones work.
			 */
			qp->req.ready = false;
			qp->req.rqe_taken = false;
			qp->req.dst_set = false;
			qp->req.ud_more = false;
		}
		w = &qp->sq[qp->sq_cur & (qp->sq_entries - 1)];
		if (!qp->req.ready) {
			if (!start_cur(qp)) {
				if (qp->req.active)
					return;	/* waits: RNR or record room */
				continue;	/* completed */
			}
			qp->req.ready = true;
		}
		if (qp->req.done == req_len(qp, w)) {
			if (!finish_cur(qp))
				return;
			continue;
		}
		ret = run_chain(qp);
		if (ret == -EBUSY || !ret)
			return;
		if (ret == -ENOENT) {
			if (qp->ud) {
				/* that target is gone: its copy is dropped */
				ud_drop_target(qp);
				continue;
			}
			ret = IB_WC_RETRY_EXC_ERR;	/* the responder vanished */
		}
		/* UC: the target or its key went under the message: lost */
		if (pedma_qp_uc(qp) && ret != IB_WC_LOC_PROT_ERR &&
		    ret != IB_WC_GENERAL_ERR) {
			uc_drop(qp, PEDMA_REC_ST_PROT_ERR);
			continue;
		}
		/* A key vanished before the first element of this chain. */
		complete_cur(qp, ret);
	}
}

/*
 * Drive @qp's send queue as far as it goes.  xlock held.  The peer MR
 * entries read meanwhile serve only this call (struct pedma_rkey_view).
 */
void pedma_xfer_progress(struct pedma_qp *qp)
{
	qp->req.rkv.key = 0;
	qp->req.rkv.page_valid = false;
	progress(qp);
	qp->req.rkv.key = 0;
	qp->req.rkv.page_valid = false;
}

/*
 * A chain ended (the mover's callback; xlock held).  @cookie is the QP
 * that started it, NULL if that QP was destroyed meanwhile.
 */
static void chain_done(struct pedma_dev *dev, int dir, void *cookie,
		       bool aborted)
{
	struct pedma_qp *qp = cookie;

	pedma_ctr_inc(dev, aborted ? PEDMA_CTR_CHAINS_ABORTED :
				     PEDMA_CTR_CHAINS_DONE);
	trace_pedma_chain_done(dev, dir, qp ? qp->qpn : 0, aborted);
	if (qp) {
		qp->chan = NULL;
		if (aborted) {
			ibdev_err_ratelimited(&dev->ibdev,
					      "eDMA %s channel aborted a chain of QP %u\n",
					      dir == PEDMA_DIR_WR ? "write" : "read",
					      qp->qpn);
			if (qp->ud)
				ud_drop_target(qp);
			else
				complete_cur(qp, IB_WC_LOC_QP_OP_ERR);
		}
		pedma_xfer_progress(qp);
		wake_up(&qp->idle_wq);
	}
	pedma_xfer_chan_wake(dev, dir);
}

/*
 * A channel of @dir is free: hand it to the QPs waiting for one, in order
 * (also after a chain the endpoint ran for the host, pedma_proxy.c).
 * xlock held.
 */
void pedma_xfer_chan_wake(struct pedma_dev *dev, int dir)
{
	struct pedma_qp *waiter;

	while ((waiter = list_first_entry_or_null(&dev->chan_waitq[dir],
						  struct pedma_qp, chan_wait))) {
		list_del_init(&waiter->chan_wait);
		waiter->chan_waiting = false;
		pedma_xfer_progress(waiter);
		if (waiter->chan_waiting)
			break;	/* no channel left: it queued again */
	}
}

/**
 * pedma_edma_irq() - an eDMA interrupt of one direction
 * @dev: a device between pedma_dev_create() and pedma_dev_destroy()
 * @dir: PEDMA_DIR_WR or PEDMA_DIR_RD
 *
 * Called by the backend's threaded handler of the eDMA interrupt, or from
 * any process context: a register read may wait.
 */
void pedma_edma_irq(struct pedma_dev *dev, int dir)
{
	u32 epoch = READ_ONCE(dev->xfer_epoch);
	unsigned long flags;
	u32 st;

	pedma_ctr_inc(dev, PEDMA_CTR_EDMA_IRQS);
	if (!READ_ONCE(dev->xfer_up))
		return;
	/* the mover of this link (link-up swaps it under xlock: epoch) */
	st = READ_ONCE(dev->mover)->irq_status(dev, dir);
	spin_lock_irqsave(&dev->xlock, flags);
	/* bits read on an earlier link must not end this link's chains */
	if (dev->xfer_up && dev->xfer_epoch == epoch) {
		dev->mover->irq(dev, dir, st);
		pedma_proxy_serve(dev);	/* channels freed: the host's chains */
		pedma_peer_sync_check(dev);
	}
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	wake_up(&dev->sync_wq);
}
EXPORT_SYMBOL_GPL(pedma_edma_irq);

/*
 * The peer posted receives or drained records: retry waiting QPs, each
 * once.  A QP that must wait again (still no record room, still no
 * receive) goes back on rnr_qps for the next doorbell or its timer, not
 * on this pass's list: walking rnr_qps itself would meet it again, and
 * two such QPs kept this loop going forever with interrupts off.  Each
 * turn takes one QP off @todo (rnr_stop()), so the pass is bounded.
 * xlock held.
 */
void pedma_xfer_rnr_wake(struct pedma_dev *dev)
{
	struct pedma_qp *qp;
	LIST_HEAD(todo);

	list_splice_init(&dev->rnr_qps, &todo);
	while ((qp = list_first_entry_or_null(&todo, struct pedma_qp,
					      rnr_node))) {
		rnr_stop(qp);
		pedma_xfer_progress(qp);
	}
}

void pedma_xfer_rnr_timer(struct timer_list *t)
{
	struct pedma_qp *qp = timer_container_of(qp, t, rnr_timer);
	struct pedma_dev *dev = qp->dev;
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	if (qp->rnr_wait) {
		rnr_stop(qp);
		pedma_xfer_progress(qp);
	}
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
}

/* @qp is being destroyed: forget it everywhere.  xlock held. */
void pedma_xfer_detach(struct pedma_qp *qp)
{
	rnr_stop(qp);
	loop_claim_drop(qp);
	inv_wait_stop(qp);
	if (qp->chan_waiting) {
		list_del_init(&qp->chan_wait);
		qp->chan_waiting = false;
	}
	if (qp->chan) {
		pedma_chain_forget(qp->chan);
		qp->chan = NULL;
	}
	pedma_peer_ring_put(qp->dev, qp->peer_ring);
	qp->peer_ring = NULL;
}

void pedma_xfer_init(struct pedma_dev *dev)
{
	spin_lock_init(&dev->xlock);
	INIT_LIST_HEAD(&dev->chan_waitq[0]);
	INIT_LIST_HEAD(&dev->chan_waitq[1]);
	INIT_LIST_HEAD(&dev->peer_rings);
	INIT_LIST_HEAD(&dev->rnr_qps);
	INIT_LIST_HEAD(&dev->flush_qps);
	INIT_LIST_HEAD(&dev->inv_mrs);
	INIT_LIST_HEAD(&dev->inv_qps);
}

/* Link up (link workqueue): the mover takes our channels. */
void pedma_xfer_link_up(struct pedma_dev *dev)
{
	const struct pedma_mover_ops *mv;
	struct pedma_qp *qp;
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	/* Endpoint-driven, the host's chains are the endpoint's to run. */
	mv = dev->be->role == PEDMA_ROLE_HOST && dev->link.part.ep_driven ?
	     &pedma_proxy_mover : dev->base_mover;
	WRITE_ONCE(dev->mover, mv);
	dev->mover->link_up(dev);
	pedma_proxy_link_up(dev);
	WRITE_ONCE(dev->xfer_epoch, dev->xfer_epoch + 1);
	pedma_area_link_up(dev);
	WRITE_ONCE(dev->peer_quiet, false);
	WRITE_ONCE(dev->xfer_up, true);
	/* Receives, withdrawals waiting for the peer's word: ask on this link. */
	pedma_flush_rearm(dev);
	pedma_mr_inv_rearm(dev);
	list_for_each_entry(qp, &dev->inv_qps, inv_node)
		qp->req.inv_end = jiffies + PEDMA_PEER_SYNC_TIMEOUT;
	pedma_proxy_serve(dev);
	spin_unlock_irqrestore(&dev->xlock, flags);
}

/*
 * Link down: the peer is gone or restarting, or we leave.  Process
 * context (link workqueue, or the leave path).  Connected QPs cannot reach
 * the peer any more: they go to the error state (flushing their work) with
 * IB_EVENT_QP_FATAL; UD QPs (QP1 among them) stay usable, their datagrams
 * to the peer are dropped until the link is back.  Chains of ours still
 * running are waited for before any work is flushed.  Receives we
 * published are given back now only if @peer_quiet (the peer left the
 * link after its own chains ended); otherwise when it is seen so
 * (pedma_xfer_peer_quiet()) or the next link comes up.
 */
void pedma_xfer_link_down(struct pedma_dev *dev, bool peer_quiet)
{
	struct pedma_peer_ring *r, *tmp;
	struct pedma_qp *qp;
	unsigned long flags, index;
	u8 busy[2] = { 0, 0 };
	int dir;
	unsigned int i;

	spin_lock_irqsave(&dev->xlock, flags);
	if (!dev->xfer_up) {
		spin_unlock_irqrestore(&dev->xlock, flags);
		if (peer_quiet)
			pedma_xfer_peer_quiet(dev);
		return;
	}
	WRITE_ONCE(dev->xfer_up, false);	/* no chain starts from here on */
	for (dir = 0; dir < 2; dir++)
		for (i = 0; i < dev->nchan[dir]; i++)
			if (dev->chan[dir][i].busy)
				busy[dir] |= BIT(dev->chan[dir][i].idx);
	spin_unlock_irqrestore(&dev->xlock, flags);

	dev->mover->quiesce(dev, busy);

	spin_lock_irqsave(&dev->xlock, flags);
	dev->mover->reset(dev, busy);
	pedma_proxy_link_down(dev);
	pedma_claims_reset(dev);	/* no answer comes on a new link */
	INIT_LIST_HEAD(&dev->chan_waitq[0]);
	INIT_LIST_HEAD(&dev->chan_waitq[1]);
	xa_for_each(&dev->qps, index, qp) {
		/*
		 * A loopback QP's responder is on our side and its data never
		 * crosses the link (no chain, no peer ring): it carries on.
		 */
		if (qp->loop)
			continue;
		qp->chan = NULL;	/* its chain ended (quiesce) */
		qp->chan_waiting = false;
		INIT_LIST_HEAD(&qp->chan_wait);
		rnr_stop(qp);
		qp->peer_ring = NULL;
		/* Connected QPs lose their peer; datagram QPs carry on. */
		if (!qp->ud && (qp->state == IB_QPS_RTR ||
				qp->state == IB_QPS_RTS ||
				qp->state == IB_QPS_SQD)) {
			pedma_qp_event(qp, IB_EVENT_QP_FATAL);
			pedma_qp_to_err(qp);
		}
		if (qp->ud)
			pedma_xfer_progress(qp);	/* drop what was under way */
		wake_up(&qp->idle_wq);
	}
	list_for_each_entry_safe(r, tmp, &dev->peer_rings, node) {
		list_del(&r->node);
		kfree(r);
	}
	if (peer_quiet) {
		WRITE_ONCE(dev->peer_quiet, true);
		pedma_flush_acked(dev, true);
		pedma_mr_inv_acked(dev, true);
		pedma_xfer_inv_wake(dev);
	} else {
		/* LOCAL_INVs held in the flush: the peer has this long again */
		list_for_each_entry(qp, &dev->inv_qps, inv_node)
			qp->req.inv_end = jiffies + PEDMA_PEER_SYNC_TIMEOUT;
	}
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	wake_up(&dev->sync_wq);
}

/*
 * With the link down, the peer was seen to have left it (link workqueue):
 * it has no chain left into our memory.  Give back what waited for that.
 */
void pedma_xfer_peer_quiet(struct pedma_dev *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	if (dev->xfer_up || dev->peer_quiet) {
		spin_unlock_irqrestore(&dev->xlock, flags);
		return;
	}
	WRITE_ONCE(dev->peer_quiet, true);
	pedma_flush_acked(dev, true);
	pedma_mr_inv_acked(dev, true);
	pedma_xfer_inv_wake(dev);
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	wake_up(&dev->sync_wq);
}

/*
 * Withdrawals were confirmed (pedma_mr_inv_acked()): the QPs whose
 * LOCAL_INV or REG_MR waited for one go on.  xlock held.
 */
void pedma_xfer_inv_wake(struct pedma_dev *dev)
{
	struct pedma_qp *qp;
	LIST_HEAD(todo);

	/* each QP once, as in pedma_xfer_rnr_wake() */
	list_splice_init(&dev->inv_qps, &todo);
	while ((qp = list_first_entry_or_null(&todo, struct pedma_qp,
					      inv_node))) {
		list_move_tail(&qp->inv_node, &dev->inv_qps);
		if (inv_wait_state(qp) <= 0)
			pedma_xfer_progress(qp);
	}
}

/*
 * Heartbeat (link workqueue): has a LOCAL_INV or REG_MR waited
 * PEDMA_PEER_SYNC_TIMEOUT for the peer?  1: yes, with the link up (the
 * peer does not acknowledge: the caller takes the link down as for a lost
 * heartbeat); 2: yes, with the link down and the peer not seen quiet
 * since (the caller takes it as dead, as pedma_mr_sync() does); 0: no.
 */
int pedma_xfer_inv_expired(struct pedma_dev *dev)
{
	unsigned long flags;
	struct pedma_qp *qp;
	u32 qpn = 0, key = 0;
	int ret = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	list_for_each_entry(qp, &dev->inv_qps, inv_node) {
		if (time_before(jiffies, qp->req.inv_end) ||
		    inv_wait_state(qp) <= 0)
			continue;
		ret = dev->xfer_up ? 1 : dev->peer_quiet ? 0 : 2;
		qpn = qp->qpn;
		key = qp->sq[qp->sq_cur & (qp->sq_entries - 1)].key;
		break;
	}
	spin_unlock_irqrestore(&dev->xlock, flags);
	if (ret)
		ibdev_warn(&dev->ibdev,
			   "QP %u: peer did not confirm the invalidation of MR %#x in %u s (link %s)\n",
			   qpn, key, PEDMA_PEER_SYNC_TIMEOUT / HZ,
			   ret == 1 ? "up" : "down");
	return ret;
}
