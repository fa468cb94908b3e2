// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma QPs and SRQs: objects, the RC state machine, posting, and the
 * receive side.
 *
 * Receives.  A posted receive is validated here (keys, PD, ranges,
 * LOCAL_WRITE) and published in our area for the sender, which consumes
 * it in order and later writes a completion record (pedma_area.c); the
 * record turns into the receive completion here.  A QP's own receive
 * queue completes in order; an SRQ's slots may complete out of order.
 *
 * User QPs post into mmap'd rings (pedma-abi.h); a zero-WR POST_SEND or
 * POST_RECV is the doorbell that makes the kernel copy, validate and take
 * the new entries.  A malformed user entry completes with an error and
 * moves the QP to the error state; it never reaches the engine.
 *
 * Locking: everything under dev->xlock (see pedma.h).
 */
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/vmalloc.h>

#include "pedma.h"
#include "pedma_trace.h"

#define PEDMA_DESTROY_TIMEOUT	(5 * HZ)
#define PEDMA_UD_DRAIN_TIMEOUT	(2 * HZ)

static size_t pub_ring_size(u32 entries)
{
	return sizeof(struct pedma_pub_ring_hdr) +
	       (size_t)entries * sizeof(struct pedma_pub_rqe);
}

static int rq_init(struct pedma_dev *dev, struct pedma_rq *rq, u32 entries,
		   bool ooo)
{
	u32 h;

	rq->entries = entries;
	rq->max_sge = PEDMA_MAX_SGE;
	rq->wr_id = kvcalloc(entries, sizeof(u64), GFP_KERNEL);
	if (!rq->wr_id)
		return -ENOMEM;
	if (ooo) {	/* slots may complete out of order */
		rq->done = kvcalloc(entries, 1, GFP_KERNEL);
		if (!rq->done)
			goto err;
	}
	if (dev->be->role == PEDMA_ROLE_EP) {	/* pedma_proxy.c checks them */
		rq->psge = kvcalloc(array_size(entries, PEDMA_MAX_SGE),
				    sizeof(*rq->psge), GFP_KERNEL);
		rq->pnsge = kvcalloc(entries, 1, GFP_KERNEL);
		if (!rq->psge || !rq->pnsge)
			goto err;
	}
	rq->pub_off = pedma_heap_alloc(dev, pub_ring_size(entries));
	if (!rq->pub_off)
		goto err;
	h = rq->pub_off;
	pedma_out_copy(dev, h, NULL, sizeof(struct pedma_pub_ring_hdr));
	rq->ring_gen = get_random_u32() | 1;
	pedma_out_w32(dev, h + offsetof(struct pedma_pub_ring_hdr, ring_gen),
		      rq->ring_gen);
	return 0;
err:
	kvfree(rq->pnsge);
	kvfree(rq->psge);
	kvfree(rq->done);
	kvfree(rq->wr_id);
	return -ENOMEM;
}

static void rq_free(struct pedma_dev *dev, struct pedma_rq *rq)
{
	if (!rq->entries)
		return;
	pedma_out_w32(dev, rq->pub_off +
		      offsetof(struct pedma_pub_ring_hdr, ring_gen), 0);
	pedma_heap_free(dev, rq->pub_off, pub_ring_size(rq->entries));
	kvfree(rq->pnsge);
	kvfree(rq->psge);
	kvfree(rq->done);
	kvfree(rq->wr_id);
}

/* Start the ring over (QP reset): a new generation for the peer. */
static void rq_reset(struct pedma_dev *dev, struct pedma_rq *rq)
{
	u32 h = rq->pub_off;

	rq->prod = 0;
	rq->cons = 0;
	rq->avail = 0;
	rq->ring_gen = get_random_u32() | 1;
	pedma_out_w32(dev, h + offsetof(struct pedma_pub_ring_hdr, prod), 0);
	pedma_out_w32(dev, h + offsetof(struct pedma_pub_ring_hdr, first), 0);
	pedma_out_w32(dev, h + offsetof(struct pedma_pub_ring_hdr, ring_gen),
		      rq->ring_gen);
}

/*
 * What a sender starting on the ring needs (pedma_window.h): the oldest
 * receive not completed, and completed ones beyond it marked.  xlock held.
 */
static void rq_publish_first(struct pedma_dev *dev, struct pedma_rq *rq)
{
	if (pedma_test_early_free_rq)
		return;	/* a new sender starts at 0: on receives given back */
	pedma_out_w32(dev, rq->pub_off +
		      offsetof(struct pedma_pub_ring_hdr, first), rq->cons);
}

static void rq_publish_skip(struct pedma_dev *dev, struct pedma_rq *rq,
			    u32 slot)
{
	if (pedma_test_early_free_rq)
		return;
	pedma_out_w8(dev, rq->pub_off + pub_ring_size(slot) +
		     offsetof(struct pedma_pub_rqe, flags), PEDMA_RQE_F_SKIP);
}

static void rq_publish_one(struct pedma_dev *dev, struct pedma_rq *rq,
			   u64 wr_id, const struct ib_sge *sge, int n)
{
	u32 slot = rq->prod & (rq->entries - 1);
	struct pedma_pub_rqe e = {
		.idx = cpu_to_le32(rq->prod),
		.num_sge = n,
	};
	int i;

	for (i = 0; i < n; i++) {
		e.sge[i].addr = cpu_to_le64(sge[i].addr);
		e.sge[i].length = cpu_to_le32(sge[i].length);
		e.sge[i].lkey = cpu_to_le32(sge[i].lkey);
	}
	rq->wr_id[slot] = wr_id;
	if (rq->psge) {
		memcpy(&rq->psge[(size_t)slot * PEDMA_MAX_SGE], sge,
		       n * sizeof(*sge));
		rq->pnsge[slot] = n;
	}
	pedma_out_copy(dev, rq->pub_off + pub_ring_size(slot), &e,
		       offsetof(struct pedma_pub_rqe, sge[n]));
	rq->prod++;
}

/*
 * Our receive at @idx, as posted: its scatter list into @sge.  The
 * endpoint checks against its private copy (@psge), the host reads
 * its own (the shadow, or the window it writes).  The number of SGEs, or
 * -EINVAL when the copy does not name @idx.  xlock held.
 */
int pedma_own_rq_sges(struct pedma_dev *dev, const struct pedma_rq *rq,
		      u32 idx, struct ib_sge *sge)
{
	u32 slot = idx & (rq->entries - 1);
	struct pedma_pub_rqe e;
	int i, n;

	if (rq->psge) {
		n = min_t(int, rq->pnsge[slot], PEDMA_MAX_SGE);
		memcpy(sge, &rq->psge[(size_t)slot * PEDMA_MAX_SGE],
		       n * sizeof(*sge));
		return n;
	}
	pedma_own_rqe_copy(dev, &e, rq->pub_off + pub_ring_size(slot));
	if (le32_to_cpu(e.idx) != idx || e.num_sge > PEDMA_MAX_SGE)
		return -EINVAL;
	n = e.num_sge;
	for (i = 0; i < n; i++) {
		sge[i].addr = le64_to_cpu(e.sge[i].addr);
		sge[i].length = le32_to_cpu(e.sge[i].length);
		sge[i].lkey = le32_to_cpu(e.sge[i].lkey);
	}
	return n;
}

static void rq_publish_done(struct pedma_dev *dev, struct pedma_rq *rq)
{
	wmb();	/* entries before the index that publishes them */
	pedma_out_w32(dev, rq->pub_off +
		      offsetof(struct pedma_pub_ring_hdr, prod), rq->prod);
	if (pedma_peer_rnr_waiting(dev))
		pedma_peer_notify(dev);
}

static bool rq_sges_ok(struct pedma_dev *dev, struct ib_pd *pd,
		       const struct ib_sge *sge, int n)
{
	struct pedma_seg seg;
	int i;

	for (i = 0; i < n; i++)
		if (pedma_local_seg(dev, pd, sge[i].lkey, sge[i].addr,
				    sge[i].length, PEDMA_ACC_LOCAL_WRITE, &seg))
			return false;
	return true;
}

/* Async events run from the notify work: handlers post (IPoIB CM does). */
void pedma_qp_event(struct pedma_qp *qp, enum ib_event_type type)
{
	if (!qp->dying)
		pedma_async_queue(qp->dev, &qp->async, type);
}

static void srq_event(struct pedma_srq *srq, enum ib_event_type type)
{
	pedma_async_queue(to_pdev(srq->ibsrq.device), &srq->async, type);
}

void pedma_recv_cqe(struct pedma_qp *qp, u64 wr_id, u8 status)
{
	struct pedma_cqe cqe = {
		.wr_id = wr_id,
		.status = status,
		.opcode = PEDMA_CQE_OP_RECV,
		.qp_num = qp->qpn,
	};

	pedma_cq_add(qp->rcq, &cqe, false);
}

/* Flush the QP's own receive queue.  xlock held. */
static void flush_rq(struct pedma_qp *qp)
{
	struct pedma_rq *rq = &qp->rq;

	if (qp->srq)
		return;		/* SRQ receives are not the QP's to flush */
	while (rq->cons != rq->prod) {
		u32 slot = rq->cons & (rq->entries - 1);

		if (rq->done && rq->done[slot])
			rq->done[slot] = 0;	/* completed already */
		else
			pedma_recv_cqe(qp, rq->wr_id[slot], IB_WC_WR_FLUSH_ERR);
		rq->cons++;
	}
	rq->avail = 0;
	rq_publish_first(qp->dev, rq);
}

/*
 * Receives we published may be the target of a peer chain until the peer
 * confirms it saw the QP leave RTR: the flush (which hands the buffers
 * back to their owner) waits for that acknowledgment.  xlock held.
 */
static void flush_rq_when_safe(struct pedma_qp *qp)
{
	struct pedma_dev *dev = qp->dev;

	if (qp->ud)
		pedma_ud_flush_local(qp);	/* the peer never sees these */
	if (qp->srq || qp->rq.cons == qp->rq.prod || pedma_test_early_free_rq ||
	    (!dev->xfer_up && dev->peer_quiet)) {
		flush_rq(qp);
		return;
	}
	if (!qp->flush_pending) {
		qp->flush_pending = true;
		list_add_tail(&qp->flush_node, &dev->flush_qps);
	}
	/*
	 * Link down, peer not yet seen gone: pedma_xfer_peer_quiet() or the
	 * next link (pedma_flush_rearm()) gives them back.
	 */
	qp->flush_seq = dev->xfer_up ? pedma_sync_request(dev) :
				       dev->mr_sync_seq;
}

/*
 * A new link came up with receives still waiting for the peer's word from
 * the last one: one sync request on this link covers them all.  xlock held.
 */
void pedma_flush_rearm(struct pedma_dev *dev)
{
	struct pedma_qp *qp;
	u32 seq;

	if (list_empty(&dev->flush_qps))
		return;
	seq = pedma_sync_request(dev);
	list_for_each_entry(qp, &dev->flush_qps, flush_node)
		qp->flush_seq = seq;
}

static void flush_cancel(struct pedma_qp *qp)
{
	if (qp->flush_pending) {
		qp->flush_pending = false;
		list_del_init(&qp->flush_node);
	}
}

/*
 * Flush the QPs whose sync the peer acknowledged (@all: the peer is gone,
 * flush them all).  xlock held.
 */
void pedma_flush_acked(struct pedma_dev *dev, bool all)
{
	u32 ack = pedma_wnd_readl(dev, dev->in + PEDMA_AREA_CTRL_OFF +
				  offsetof(struct pedma_area_ctrl, mr_sync_ack));
	struct pedma_qp *qp, *tmp;

	list_for_each_entry_safe(qp, tmp, &dev->flush_qps, flush_node) {
		if (!all && (s32)(ack - qp->flush_seq) < 0)
			continue;
		flush_cancel(qp);
		if (qp->state == IB_QPS_ERR)
			flush_rq(qp);
	}
}

/* To the error state: flush both queues.  xlock held. */
void pedma_qp_to_err(struct pedma_qp *qp)
{
	if (qp->state == IB_QPS_ERR || qp->state == IB_QPS_RESET)
		return;
	qp->state = IB_QPS_ERR;
	pedma_dir_publish(qp->dev, qp);
	flush_rq_when_safe(qp);
	pedma_xfer_flush_sq(qp);
	if (qp->srq)
		pedma_qp_event(qp, IB_EVENT_QP_LAST_WQE_REACHED);
}

void pedma_qp_sq_drained(struct pedma_qp *qp)
{
	if (qp->sqd_event_sent)
		return;
	qp->sqd_event_sent = true;
	pedma_qp_event(qp, IB_EVENT_SQ_DRAINED);
}

static bool is_atomic_op(u8 op)
{
	return op == PEDMA_WQE_OP_ATOMIC_CMP_SWP ||
	       op == PEDMA_WQE_OP_ATOMIC_FETCH_ADD;
}

/* The operations a UC QP sends: no READ, no atomics (IBA 9.4, 10.2) */
static bool uc_op_ok(u8 op)
{
	return op == PEDMA_WQE_OP_SEND || op == PEDMA_WQE_OP_SEND_IMM ||
	       op == PEDMA_WQE_OP_RDMA_WRITE ||
	       op == PEDMA_WQE_OP_RDMA_WRITE_IMM;
}

static u8 ib_wr_to_op(enum ib_wr_opcode op)
{
	switch (op) {
	case IB_WR_RDMA_WRITE:
		return PEDMA_WQE_OP_RDMA_WRITE;
	case IB_WR_RDMA_WRITE_WITH_IMM:
		return PEDMA_WQE_OP_RDMA_WRITE_IMM;
	case IB_WR_SEND:
		return PEDMA_WQE_OP_SEND;
	case IB_WR_SEND_WITH_IMM:
		return PEDMA_WQE_OP_SEND_IMM;
	case IB_WR_RDMA_READ:
		return PEDMA_WQE_OP_RDMA_READ;
	case IB_WR_SEND_WITH_INV:
		return PEDMA_WQE_OP_SEND_INV;
	case IB_WR_REG_MR:
		return PEDMA_WQE_OP_REG_MR;
	case IB_WR_LOCAL_INV:
		return PEDMA_WQE_OP_LOCAL_INV;
	case IB_WR_ATOMIC_CMP_AND_SWP:
		return PEDMA_WQE_OP_ATOMIC_CMP_SWP;
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return PEDMA_WQE_OP_ATOMIC_FETCH_ADD;
	default:
		return U8_MAX;
	}
}

static void *inline_slot(struct pedma_qp *qp, u32 idx)
{
	return qp->inline_buf + (size_t)(idx & (qp->sq_entries - 1)) *
	       PEDMA_MAX_INLINE;
}

static bool sq_full(struct pedma_qp *qp)
{
	return qp->sq_tail - qp->sq_cur >= qp->sq_entries;
}

/*
 * Take new entries of the user SQ ring into the kernel's SQ (copy first,
 * validate the copy).  xlock held; any context (the ring is kernel memory).
 */
void pedma_qp_drain_usq(struct pedma_qp *qp)
{
	struct pedma_uring *ur = qp->usq;
	struct pedma_ring_hdr *hdr = ur->buf;
	struct pedma_sq_wqe u;
	u32 prod = smp_load_acquire(&hdr->prod);	/* entries after prod */

	if (prod - ur->kcons > ur->entries) {
		/* The user corrupted its producer index. */
		ur->kcons = prod;
		smp_store_release(&hdr->cons, ur->kcons);	/* done with them */
		if (qp->state != IB_QPS_RESET && qp->state != IB_QPS_ERR) {
			pedma_qp_event(qp, IB_EVENT_QP_FATAL);
			pedma_qp_to_err(qp);
		}
		return;
	}
	while (ur->kcons != prod && !sq_full(qp)) {
		struct pedma_swqe *w = &qp->sq[qp->sq_tail & (qp->sq_entries - 1)];
		u64 len = 0;
		int i;

		memcpy(&u, pedma_uring_slot(ur, ur->kcons), sizeof(u));
		ur->kcons++;
		memset(w, 0, offsetof(struct pedma_swqe, sge));
		w->wr_id = u.wr_id;
		w->opcode = u.opcode;
		w->flags = u.flags & (PEDMA_WQE_F_SIGNALED | PEDMA_WQE_F_FENCE |
				      PEDMA_WQE_F_SOLICITED | PEDMA_WQE_F_INLINE);
		w->imm = u.imm_data;
		w->rkey = u.rkey;
		w->remote_addr = u.remote_addr;
		if (qp->ud) {
			w->ud_qpn = u.ud_remote_qpn & PEDMA_MC_QPN;
			w->ud_qkey = u.ud_remote_qkey;
			if ((u.opcode != PEDMA_WQE_OP_SEND &&
			     u.opcode != PEDMA_WQE_OP_SEND_IMM) ||
			    pedma_ud_av(qp, u.ud_ah, &w->av))
				w->status = IB_WC_LOC_QP_OP_ERR;
		}
		if (pedma_qp_uc(qp) && !uc_op_ok(u.opcode))
			w->status = IB_WC_LOC_QP_OP_ERR;
		if (w->status) {
			/* already failed */
		} else if (u.opcode > PEDMA_WQE_OP_ATOMIC_FETCH_ADD) {
			w->status = IB_WC_LOC_QP_OP_ERR;
		} else if (is_atomic_op(u.opcode) &&
			   (qp->ud || (w->flags & PEDMA_WQE_F_INLINE))) {
			w->status = IB_WC_LOC_QP_OP_ERR;
		} else if (w->flags & PEDMA_WQE_F_INLINE) {
			if (u.inline_len > qp->max_inline ||
			    u.opcode == PEDMA_WQE_OP_RDMA_READ) {
				w->status = IB_WC_LOC_QP_OP_ERR;
			} else {
				memcpy(inline_slot(qp, qp->sq_tail),
				       u.inline_data, u.inline_len);
				w->length = u.inline_len;
			}
		} else if (u.num_sge > qp->max_send_sge) {
			w->status = IB_WC_LOC_QP_OP_ERR;
		} else {
			w->num_sge = u.num_sge;
			for (i = 0; i < u.num_sge; i++) {
				w->sge[i].addr = u.sge[i].addr;
				w->sge[i].length = u.sge[i].length;
				w->sge[i].lkey = u.sge[i].lkey;
				len += u.sge[i].length;
			}
			w->length = len;
			if (len > PEDMA_MAX_MSG_SIZE ||
			    (is_atomic_op(u.opcode) && len != 8))
				w->status = IB_WC_LOC_LEN_ERR;
			w->compare_add = u.compare_add;
			w->swap = u.swap;
		}
		if (qp->ud && !w->status && w->length > PEDMA_UD_MTU)
			w->status = IB_WC_LOC_LEN_ERR;
		qp->sq_tail++;
	}
	smp_store_release(&hdr->cons, ur->kcons);	/* done with them */
}

static int post_send_kernel(struct pedma_qp *qp, const struct ib_send_wr *wr,
			    const struct ib_send_wr **bad_wr)
{
	for (; wr; wr = wr->next) {
		struct pedma_swqe *w = &qp->sq[qp->sq_tail & (qp->sq_entries - 1)];
		u8 op = ib_wr_to_op(wr->opcode);
		u64 len = 0;
		int i;

		if (qp->state < IB_QPS_RTS && qp->state != IB_QPS_ERR) {
			*bad_wr = wr;
			return -EINVAL;
		}
		if (op == U8_MAX || wr->num_sge > qp->max_send_sge ||
		    wr->num_sge < 0 ||
		    (qp->ud && op != PEDMA_WQE_OP_SEND &&
		     op != PEDMA_WQE_OP_SEND_IMM) ||
		    (pedma_qp_uc(qp) && !uc_op_ok(op))) {
			*bad_wr = wr;
			return -EINVAL;
		}
		if (sq_full(qp)) {
			*bad_wr = wr;
			return -ENOMEM;
		}
		for (i = 0; i < wr->num_sge; i++)
			len += wr->sg_list[i].length;
		if (len > PEDMA_MAX_MSG_SIZE ||
		    (qp->ud && len > PEDMA_UD_MTU) ||
		    (is_atomic_op(op) &&
		     (len != 8 || (wr->send_flags & IB_SEND_INLINE))) ||
		    ((wr->send_flags & IB_SEND_INLINE) &&
		     (len > qp->max_inline || op == PEDMA_WQE_OP_RDMA_READ))) {
			*bad_wr = wr;
			return -EINVAL;
		}
		memset(w, 0, offsetof(struct pedma_swqe, sge));
		w->wr_id = wr->wr_id;
		w->opcode = op;
		w->length = len;
		if (wr->send_flags & IB_SEND_SIGNALED)
			w->flags |= PEDMA_WQE_F_SIGNALED;
		if (wr->send_flags & IB_SEND_FENCE)
			w->flags |= PEDMA_WQE_F_FENCE;
		if (wr->send_flags & IB_SEND_SOLICITED)
			w->flags |= PEDMA_WQE_F_SOLICITED;
		if (op == PEDMA_WQE_OP_SEND_IMM ||
		    op == PEDMA_WQE_OP_RDMA_WRITE_IMM)
			w->imm = wr->ex.imm_data;
		if (op == PEDMA_WQE_OP_RDMA_WRITE ||
		    op == PEDMA_WQE_OP_RDMA_WRITE_IMM ||
		    op == PEDMA_WQE_OP_RDMA_READ) {
			w->rkey = rdma_wr(wr)->rkey;
			w->remote_addr = rdma_wr(wr)->remote_addr;
		}
		if (is_atomic_op(op)) {
			w->rkey = atomic_wr(wr)->rkey;
			w->remote_addr = atomic_wr(wr)->remote_addr;
			w->compare_add = atomic_wr(wr)->compare_add;
			w->swap = atomic_wr(wr)->swap;
		}
		if (op == PEDMA_WQE_OP_SEND_INV ||
		    op == PEDMA_WQE_OP_LOCAL_INV)
			w->key = wr->ex.invalidate_rkey;
		if (op == PEDMA_WQE_OP_REG_MR) {
			w->mr = to_pmr(reg_wr(wr)->mr);
			w->key = reg_wr(wr)->key;
			w->access = reg_wr(wr)->access;
		}
		if (qp->ud) {
			const struct ib_ud_wr *ud = ud_wr(wr);

			w->av = container_of(ud->ah, struct pedma_ah, ibah)->av;
			w->ud_qpn = ud->remote_qpn & PEDMA_MC_QPN;
			w->ud_qkey = ud->remote_qkey;
		}
		if (wr->send_flags & IB_SEND_INLINE) {
			/* Inline: sg_list addresses are kernel virtual. */
			u8 *dst = inline_slot(qp, qp->sq_tail);

			w->flags |= PEDMA_WQE_F_INLINE;
			for (i = 0; i < wr->num_sge; i++) {
				memcpy(dst, (void *)(uintptr_t)wr->sg_list[i].addr,
				       wr->sg_list[i].length);
				dst += wr->sg_list[i].length;
			}
		} else {
			w->num_sge = wr->num_sge;
			memcpy(w->sge, wr->sg_list, wr->num_sge * sizeof(w->sge[0]));
		}
		qp->sq_tail++;
	}
	return 0;
}

static int pedma_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
			   const struct ib_send_wr **bad_wr)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	if (!wr) {
		/* The doorbell of a user QP (a zero-WR POST_SEND) */
		if (!qp->usq)
			ret = -EINVAL;
		else if (qp->state == IB_QPS_RESET)
			ret = -EINVAL;
		else
			pedma_qp_drain_usq(qp);
	} else if (qp->user) {
		*bad_wr = wr;
		ret = -EINVAL;	/* user QPs post through their ring */
	} else {
		ret = post_send_kernel(qp, wr, bad_wr);
	}
	pedma_xfer_progress(qp);
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	return ret;
}

/*
 * One receive for @rq (of @qp, or the SRQ when @qp is NULL).  Returns 0
 * when published for the peer, 1 when kept for same-side senders (UD),
 * <0 on error (-ENOMEM: no room).  xlock held.
 */
static int post_one_recv(struct pedma_dev *dev, struct pedma_qp *qp,
			 struct pedma_srq *srq, struct ib_pd *pd, u64 wr_id,
			 const struct ib_sge *sge, int n)
{
	struct pedma_rq *rq = srq ? &srq->rq : &qp->rq;
	bool full = rq->prod - rq->cons >= rq->entries ||
		    (rq->done && rq->done[rq->prod & (rq->entries - 1)]);

	if (n < 0 || n > rq->max_sge)
		return -EINVAL;
	if (full && !(qp && qp->ud && qp->lrq.prod - qp->lrq.cons <
				     qp->lrq.entries))
		return -ENOMEM;
	if (!rq_sges_ok(dev, pd, sge, n))
		return -EINVAL;
	if (qp && qp->state == IB_QPS_ERR) {
		pedma_recv_cqe(qp, wr_id, IB_WC_WR_FLUSH_ERR);
		return 0;
	}
	/*
	 * UD: into the same-side senders' share while the peer has at least
	 * half the queue published (pedma_ud.c), or when the ring is full.
	 */
	if (qp && qp->ud && (full || rq->avail >= rq->entries / 2) &&
	    pedma_ud_post_local(qp, wr_id, sge, n))
		return 1;
	if (full)
		return -ENOMEM;
	rq_publish_one(dev, rq, wr_id, sge, n);
	rq->avail++;
	if (srq)
		srq->avail++;
	return 0;
}

/*
 * UD: the peer is running out of published receives while some are kept
 * for same-side senders: publish those (oldest first) up to a quarter of
 * the queue.  Returns whether any was published.  xlock held.
 */
static bool ud_rebalance(struct pedma_dev *dev, struct pedma_qp *qp)
{
	struct pedma_rq *rq = &qp->rq;
	struct pedma_lrqe *e;
	bool moved = false;

	while (rq->avail < rq->entries / 4 &&
	       rq->prod - rq->cons < rq->entries &&
	       !rq->done[rq->prod & (rq->entries - 1)] &&
	       (e = pedma_ud_unpost_local(qp))) {
		rq_publish_one(dev, rq, e->wr_id, e->sge, e->num_sge);
		rq->avail++;
		moved = true;
	}
	return moved;
}

/*
 * Take new entries of a user RQ ring.  A malformed entry or a bad key
 * completes with an error (the QP goes to the error state); an SRQ's bad
 * entry is dropped with an async event.  xlock held.
 */
static void drain_urq(struct pedma_dev *dev, struct pedma_qp *qp,
		      struct pedma_srq *srq)
{
	struct pedma_rq *rq = srq ? &srq->rq : &qp->rq;
	struct ib_pd *pd = srq ? srq->ibsrq.pd : qp->ibqp.pd;
	struct pedma_uring *ur = rq->uring;
	struct pedma_ring_hdr *hdr = ur->buf;
	u32 prod = smp_load_acquire(&hdr->prod);	/* entries after prod */
	struct pedma_rq_wqe u;
	bool published = false;
	struct ib_sge sge[PEDMA_MAX_SGE];
	int i, ret;

	if (prod - ur->kcons > ur->entries)
		prod = ur->kcons;	/* corrupt index: take nothing */
	while (ur->kcons != prod) {
		memcpy(&u, pedma_uring_slot(ur, ur->kcons), sizeof(u));
		ur->kcons++;
		ret = -EINVAL;
		if (u.num_sge <= rq->max_sge) {
			for (i = 0; i < u.num_sge; i++) {
				sge[i].addr = u.sge[i].addr;
				sge[i].length = u.sge[i].length;
				sge[i].lkey = u.sge[i].lkey;
			}
			ret = post_one_recv(dev, qp, srq, pd, u.wr_id, sge,
					    u.num_sge);
		}
		if (ret == -ENOMEM) {
			ur->kcons--;	/* no room: take it later */
			break;
		}
		if (ret >= 0) {
			published |= !ret;
			continue;
		}
		if (qp) {
			pedma_recv_cqe(qp, u.wr_id, IB_WC_LOC_PROT_ERR);
			pedma_qp_to_err(qp);
		} else {
			ibdev_warn_ratelimited(&dev->ibdev,
					       "SRQ receive with a bad key dropped\n");
			srq_event(srq, IB_EVENT_SRQ_ERR);
		}
	}
	smp_store_release(&hdr->cons, ur->kcons);	/* done with them */
	if (published)
		rq_publish_done(dev, rq);
}

static int pedma_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
			   const struct ib_recv_wr **bad_wr)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	unsigned long flags;
	bool published = false;
	int ret = 0;

	if (qp->srq)
		return -EINVAL;
	spin_lock_irqsave(&dev->xlock, flags);
	if (qp->state == IB_QPS_RESET) {
		ret = -EINVAL;
	} else if (!wr) {
		if (qp->rq.uring)
			drain_urq(dev, qp, NULL);
		else
			ret = -EINVAL;
	} else if (qp->user) {
		ret = -EINVAL;
	} else {
		for (; wr; wr = wr->next) {
			ret = post_one_recv(dev, qp, NULL, qp->ibqp.pd,
					    wr->wr_id, wr->sg_list, wr->num_sge);
			if (ret < 0)
				break;
			published |= !ret;
			ret = 0;
		}
		if (published)
			rq_publish_done(dev, &qp->rq);
	}
	if (ret && wr)
		*bad_wr = wr;
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	return ret;
}

/*
 * A SEND_INV record at the head of the peer's stream (pedma_data_event()),
 * seen for the first time: withdraw the fast-reg MR it names, then hold
 * the record (and every later one) until the peer acknowledged a sync
 * requested after the withdrawal, so that no chain of the peer can reach
 * the MR once the receive completes.  The record is kept as read and
 * checked here (dev->rinv_rec): the peer may rewrite the slot meanwhile,
 * and only this copy is delivered (pedma_recv_inv_held()).  A key that
 * names no valid MR of the receiving QP's PD fails the receive
 * (IB_WC_LOC_PROT_ERR).  A peer that does not acknowledge within
 * PEDMA_PEER_SYNC_TIMEOUT is taken as dead (pedma_recv_inv_expired()):
 * the link goes down and the receive is flushed, never completed as
 * invalidated.  Returns true when the record may be taken now.  xlock held.
 */
bool pedma_recv_inv(struct pedma_dev *dev, struct pedma_rec *rec)
{
	struct pedma_mr *mr = NULL;
	struct pedma_qp *qp;
	int ret;

	if (rec->status != PEDMA_REC_ST_OK)
		return true;
	qp = xa_load(&dev->qps, le32_to_cpu(rec->dst_qpn));
	if (!qp || qp->dying || qp->ud || pedma_qp_uc(qp) ||
	    qp->state < IB_QPS_RTR ||
	    le32_to_cpu(rec->src_qpn) != qp->attr.dest_qp_num)
		return true;	/* pedma_recv_record() ignores it */
	ret = pedma_mr_withdraw(dev, qp->ibqp.pd, le32_to_cpu(rec->inv_rkey),
				true, &mr);
	if (ret < 0) {
		rec->status = PEDMA_REC_ST_PROT_ERR;
		return true;
	}
	if (!ret)
		return true;
	dev->rinv_rec = *rec;
	dev->rinv_seq = mr->inv_seq;	/* the sync requested at the withdrawal */
	dev->rinv_end = jiffies + PEDMA_PEER_SYNC_TIMEOUT;
	dev->rinv_pending = true;
	return false;
}

/*
 * The held SEND_INV is still at the head of the peer's stream; @rec is the
 * slot as read again.  The copy checked at the withdrawal wins: a slot the
 * peer changed since (another key, QP or opcode) is ignored with a
 * warning.  Once the peer acknowledged the sync, *@rec becomes that copy
 * and the record may be taken (true).  xlock held.
 */
bool pedma_recv_inv_held(struct pedma_dev *dev, struct pedma_rec *rec)
{
	if (memcmp(rec, &dev->rinv_rec, sizeof(*rec)))
		ibdev_warn_ratelimited(&dev->ibdev,
				       "peer record %u changed while held for the invalidation of %#x: ignored\n",
				       le32_to_cpu(dev->rinv_rec.seq),
				       le32_to_cpu(dev->rinv_rec.inv_rkey));
	if (!pedma_sync_acked(dev, dev->rinv_seq))
		return false;
	*rec = dev->rinv_rec;
	pedma_recv_inv_reset(dev);
	return true;
}

/*
 * Forget the held SEND_INV: it was delivered, or the link went down or
 * came up (a link down flushes its receive; a new link starts its own
 * stream).  xlock held.
 */
void pedma_recv_inv_reset(struct pedma_dev *dev)
{
	dev->rinv_pending = false;
	dev->rinv_seq = 0;
	memset(&dev->rinv_rec, 0, sizeof(dev->rinv_rec));
}

/*
 * The peer left a SEND_INV held for PEDMA_PEER_SYNC_TIMEOUT without
 * acknowledging its sync: it is taken as dead (the caller, the heartbeat,
 * takes the link down), since the MR may still be reachable and every
 * later record waits.  Link workqueue.
 */
bool pedma_recv_inv_expired(struct pedma_dev *dev)
{
	unsigned long flags;
	bool expired;
	u32 rkey = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	expired = dev->xfer_up && dev->rinv_pending &&
		  !pedma_sync_acked(dev, dev->rinv_seq) &&
		  time_after_eq(jiffies, dev->rinv_end);
	if (expired)
		rkey = le32_to_cpu(dev->rinv_rec.inv_rkey);
	spin_unlock_irqrestore(&dev->xlock, flags);
	if (expired)
		ibdev_warn(&dev->ibdev,
			   "peer did not confirm the remote invalidation of MR %#x in %u s\n",
			   rkey, PEDMA_PEER_SYNC_TIMEOUT / HZ);
	return expired;
}

static void recv_record(struct pedma_dev *dev, const struct pedma_rec *rec,
			bool local);

/* A completion record from the peer.  xlock held. */
void pedma_recv_record(struct pedma_dev *dev, const struct pedma_rec *rec)
{
	recv_record(dev, rec, false);
}

/* The same, for a loopback sender on our side (pedma_loop.c) */
void pedma_loop_record(struct pedma_dev *dev, const struct pedma_rec *rec)
{
	recv_record(dev, rec, true);
}

/* A completion record: a receive was used.  xlock held. */
static void recv_record(struct pedma_dev *dev, const struct pedma_rec *rec,
			bool local)
{
	struct pedma_qp *qp = xa_load(&dev->qps, le32_to_cpu(rec->dst_qpn));
	struct pedma_rec claimed;
	struct pedma_cqe cqe = {};
	struct pedma_srq *srq;
	struct pedma_rq *rq;
	u32 idx, slot;

	if (!local)
		pedma_ctr_inc(dev, PEDMA_CTR_RX_RECORDS);
	trace_pedma_recv_record(dev, rec);
	if (rec->opcode == PEDMA_REC_OP_ATOMIC && !local) {
		pedma_atomic_recv(dev, rec);	/* uses no receive */
		return;
	}
	if (rec->opcode == PEDMA_REC_OP_UD_CLAIM && !local) {
		if (rec->flags & PEDMA_REC_F_CLAIMED)
			pedma_claim_refused(dev, rec);
		else
			pedma_claim_take(dev, rec);	/* a receive of ours */
		return;
	}
	if ((rec->flags & PEDMA_REC_F_CLAIMED) && !local &&
	    pedma_claim_answer_loop(dev, rec))
		return;		/* a loopback request's: it goes on */
	/*
	 * A loopback QP takes records of its own side only, others the
	 * peer's; QP0 speaks to QP0 only.  A connected QP takes records of
	 * its own transport only (PEDMA_REC_F_UC), and UC has no SEND_INV.
	 */
	if (!qp || qp->dying || qp->state < IB_QPS_RTR || qp->loop != local ||
	    !rec->dst_qpn != !rec->src_qpn ||
	    (!qp->ud && le32_to_cpu(rec->src_qpn) != qp->attr.dest_qp_num) ||
	    (!qp->ud && !(rec->flags & PEDMA_REC_F_UC) != !pedma_qp_uc(qp)) ||
	    (pedma_qp_uc(qp) && rec->opcode == PEDMA_REC_OP_SEND_INV) ||
	    (qp->ud && rec->opcode == PEDMA_REC_OP_WRITE_IMM)) {
		ibdev_dbg(&dev->ibdev, "record for QP %u ignored\n",
			  le32_to_cpu(rec->dst_qpn));
		return;		/* not (or no longer) connected to that QP */
	}
	srq = qp->srq;
	rq = srq ? &srq->rq : &qp->rq;
	idx = le32_to_cpu(rec->rq_idx);
	slot = idx & (rq->entries - 1);
	if (idx - rq->cons >= rq->prod - rq->cons ||
	    (rq->done ? rq->done[slot] : idx != rq->cons)) {
		ibdev_dbg(&dev->ibdev, "QP %u: record for receive %u ignored (%u..%u)\n",
			  qp->qpn, idx, rq->cons, rq->prod);
		return;		/* flushed already, or never posted */
	}
	if (rec->flags & PEDMA_REC_F_CLAIMED) {
		/* the peer took it for our own datagram: we fill it here */
		if (!qp->ud)
			return;
		rec = pedma_claim_answer_ud(dev, qp,
					    srq ? srq->ibsrq.pd : qp->ibqp.pd,
					    rq, rec, &claimed);
		local = true;
	}
	switch (rec->status) {
	case PEDMA_REC_ST_OK:
		cqe.status = IB_WC_SUCCESS;
		break;
	case PEDMA_REC_ST_LEN_ERR:
		cqe.status = IB_WC_LOC_LEN_ERR;
		break;
	default:
		cqe.status = IB_WC_LOC_PROT_ERR;
		break;
	}
	cqe.wr_id = rq->wr_id[slot];
	cqe.opcode = rec->opcode == PEDMA_REC_OP_WRITE_IMM ?
		     PEDMA_CQE_OP_RECV_RDMA_IMM : PEDMA_CQE_OP_RECV;
	if (rec->opcode == PEDMA_REC_OP_SEND_IMM ||
	    rec->opcode == PEDMA_REC_OP_WRITE_IMM) {
		cqe.flags = PEDMA_CQE_F_IMM;
		cqe.imm_data = rec->imm;
	} else if (rec->opcode == PEDMA_REC_OP_SEND_INV && !cqe.status &&
		   !qp->ud) {
		cqe.flags = PEDMA_CQE_F_INV;
		cqe.imm_data = cpu_to_be32(le32_to_cpu(rec->inv_rkey));
	}
	cqe.byte_len = cqe.status ? 0 : le32_to_cpu(rec->byte_len);
	cqe.qp_num = qp->qpn;
	cqe.src_qp = le32_to_cpu(rec->src_qpn) & PEDMA_MC_QPN;
	cqe.slid = local ? pedma_lid(dev->be->role) : pedma_peer_lid(dev);
	if (qp->ud) {
		cqe.sl = rec->sl & 15;
		if (rec->flags & PEDMA_REC_F_GRH)
			cqe.flags |= PEDMA_CQE_F_GRH;
	}
	pedma_cq_add(qp->rcq, &cqe, rec->flags & PEDMA_REC_F_SOLICITED);

	rq->avail--;
	if (rq->done) {
		rq->done[slot] = 1;
		while (rq->cons != rq->prod &&
		       rq->done[rq->cons & (rq->entries - 1)]) {
			rq->done[rq->cons & (rq->entries - 1)] = 0;
			rq->cons++;
		}
		if (rq->done[slot])	/* completed ahead of older ones */
			rq_publish_skip(dev, rq, slot);
	} else {
		rq->cons++;
	}
	rq_publish_first(dev, rq);
	if (srq) {
		srq->avail--;
		if (srq->limit && srq->avail < srq->limit) {
			srq->limit = 0;	/* one event per arming */
			srq_event(srq, IB_EVENT_SRQ_LIMIT_REACHED);
		}
		if (rq->uring)
			drain_urq(dev, NULL, srq);
	} else if (rq->uring) {
		drain_urq(dev, qp, NULL);
	}
	if (qp->ud && qp->lrq.entries && ud_rebalance(dev, qp))
		rq_publish_done(dev, rq);
	/*
	 * A datagram that did not fit fails its receive, not the UD QP.  On
	 * RC and UC a failed receive (too short: IB_WC_LOC_LEN_ERR, an
	 * unusable buffer: IB_WC_LOC_PROT_ERR) moves the receiving QP to the
	 * error state; a UC sender is not told (no NAK).
	 */
	if (cqe.status && !qp->ud)
		pedma_qp_to_err(qp);
}

static int pedma_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
			   struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibqp->device);
	struct pedma_qp *qp = to_pqp(ibqp);
	struct ib_qp_cap *cap = &init->cap;
	struct pedma_create_qp_resp resp = {};
	struct pedma_ucontext *uctx = NULL;
	unsigned long flags;
	u32 qpn;
	int ret;

	switch (init->qp_type) {
	case IB_QPT_RC:
	case IB_QPT_UC:
		if (init->create_flags)
			return -EOPNOTSUPP;
		break;
	case IB_QPT_UD:
		if (init->create_flags & ~IB_QP_CREATE_BLOCK_MULTICAST_LOOPBACK)
			return -EOPNOTSUPP;
		break;
	case IB_QPT_SMI:
	case IB_QPT_GSI:
		if (udata || init->create_flags)
			return -EINVAL;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (cap->max_send_wr > PEDMA_MAX_QP_WR ||
	    cap->max_recv_wr > PEDMA_MAX_QP_WR ||
	    cap->max_send_sge > PEDMA_MAX_SGE ||
	    cap->max_recv_sge > PEDMA_MAX_SGE ||
	    cap->max_inline_data > PEDMA_MAX_INLINE)
		return -EINVAL;
	if (udata) {
		if (udata->outlen < sizeof(resp))
			return -EINVAL;
		uctx = rdma_udata_to_drv_context(udata, struct pedma_ucontext,
						 ibuc);
	}
	/* QP0 and QP1 included: every QP number */
	if (atomic_inc_return(&dev->nqp) > PEDMA_MAX_QP) {
		ret = -ENOMEM;
		goto err_count;
	}

	qp->dev = dev;
	qp->type = init->qp_type;
	qp->ud = init->qp_type != IB_QPT_RC && init->qp_type != IB_QPT_UC;
	qp->mc_no_loop = init->create_flags &
			 IB_QP_CREATE_BLOCK_MULTICAST_LOOPBACK;
	qp->user = !!udata;
	qp->scq = to_pcq(init->send_cq);
	qp->rcq = to_pcq(init->recv_cq);
	qp->srq = init->srq ? to_psrq(init->srq) : NULL;
	qp->sig_all = init->sq_sig_type == IB_SIGNAL_ALL_WR;
	qp->state = IB_QPS_RESET;
	qp->max_inline = PEDMA_MAX_INLINE;
	qp->max_send_sge = PEDMA_MAX_SGE;
	INIT_LIST_HEAD(&qp->chan_wait);
	INIT_LIST_HEAD(&qp->rnr_node);
	INIT_LIST_HEAD(&qp->flush_node);
	INIT_LIST_HEAD(&qp->inv_node);
	INIT_LIST_HEAD(&qp->async.node);
	init_waitqueue_head(&qp->idle_wq);
	timer_setup(&qp->rnr_timer, pedma_xfer_rnr_timer, 0);

	qp->sq_entries = roundup_pow_of_two(max(cap->max_send_wr, 1U));
	qp->sq = kvcalloc(qp->sq_entries, sizeof(*qp->sq), GFP_KERNEL);
	if (!qp->sq) {
		ret = -ENOMEM;
		goto err_count;
	}
	qp->inline_buf = dma_alloc_coherent(dev->be->dma_dev,
					    (size_t)qp->sq_entries * PEDMA_MAX_INLINE,
					    &qp->inline_dma, GFP_KERNEL);
	if (!qp->inline_buf) {
		ret = -ENOMEM;
		goto err_sq;
	}
	if (!qp->srq) {
		ret = rq_init(dev, &qp->rq,
			      roundup_pow_of_two(max(cap->max_recv_wr, 1U)),
			      qp->ud);
		if (ret)
			goto err_inline;
	}
	if (qp->ud) {
		ret = pedma_ud_init_qp(qp, qp->srq ? 0 : qp->rq.entries);
		if (ret)
			goto err_rq;
	}

	if (qp->type == IB_QPT_SMI || qp->type == IB_QPT_GSI) {
		qpn = qp->type == IB_QPT_SMI ? 0 : 1;
		ret = xa_insert_irq(&dev->qps, qpn, NULL, GFP_KERNEL);
	} else {
		ret = xa_alloc_irq(&dev->qps, &qpn, NULL,
				   XA_LIMIT(2, PEDMA_MAX_QP - 1), GFP_KERNEL);
	}
	if (ret)
		goto err_ud;
	qp->qpn = qpn;
	ibqp->qp_num = qpn;

	if (udata) {
		qp->usq = pedma_uring_alloc(&uctx->ibuc, qp->sq_entries,
					    sizeof(struct pedma_sq_wqe));
		if (IS_ERR(qp->usq)) {
			ret = PTR_ERR(qp->usq);
			qp->usq = NULL;
			goto err_qpn;
		}
		resp.sq_offset = rdma_user_mmap_get_offset(&qp->usq->rentry);
		resp.sq_size = qp->usq->size;
		resp.sq_entries = qp->sq_entries;
		if (!qp->srq) {
			qp->rq.uring = pedma_uring_alloc(&uctx->ibuc,
							 qp->rq.entries,
							 sizeof(struct pedma_rq_wqe));
			if (IS_ERR(qp->rq.uring)) {
				ret = PTR_ERR(qp->rq.uring);
				qp->rq.uring = NULL;
				goto err_usq;
			}
			resp.rq_offset =
				rdma_user_mmap_get_offset(&qp->rq.uring->rentry);
			resp.rq_size = qp->rq.uring->size;
			resp.rq_entries = qp->rq.entries;
		}
		resp.max_inline = qp->max_inline;
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret)
			goto err_urq;
	}

	cap->max_send_wr = qp->sq_entries;
	cap->max_send_sge = qp->max_send_sge;
	cap->max_inline_data = qp->max_inline;
	cap->max_recv_wr = qp->srq ? 0 : qp->rq.entries;
	cap->max_recv_sge = qp->srq ? 0 : qp->rq.max_sge;

	spin_lock_irqsave(&dev->xlock, flags);
	xa_store(&dev->qps, qpn, qp, GFP_ATOMIC);
	spin_unlock_irqrestore(&dev->xlock, flags);
	return 0;

err_urq:
	if (qp->rq.uring)
		pedma_uring_free(qp->rq.uring);
err_usq:
	pedma_uring_free(qp->usq);
err_qpn:
	xa_erase_irq(&dev->qps, qpn);
err_ud:
	pedma_ud_free_qp(qp);
err_rq:
	if (!qp->srq)
		rq_free(dev, &qp->rq);
err_inline:
	dma_free_coherent(dev->be->dma_dev,
			  (size_t)qp->sq_entries * PEDMA_MAX_INLINE,
			  qp->inline_buf, qp->inline_dma);
err_sq:
	kvfree(qp->sq);
err_count:
	atomic_dec(&dev->nqp);
	return ret;
}

static int pedma_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	unsigned long flags;

	/*
	 * Datagrams already posted go out first, as on a fabric where they
	 * leave long before the QP is destroyed (mckey's sender destroys its
	 * QP right after posting); bounded, and not without a link.
	 */
	if (qp->ud && qp->state == IB_QPS_RTS && pedma_link_up(dev))
		wait_event_timeout(qp->idle_wq,
				   READ_ONCE(qp->sq_cur) == READ_ONCE(qp->sq_tail) ||
				   READ_ONCE(qp->state) != IB_QPS_RTS ||
				   !pedma_link_up(dev), PEDMA_UD_DRAIN_TIMEOUT);

	/* Stop taking work; the peer sees the QP gone. */
	spin_lock_irqsave(&dev->xlock, flags);
	qp->dying = true;
	pedma_dir_clear(dev, qp->qpn);
	if (qp->ud)
		pedma_mc_detach_qp(dev, qp->qpn);
	flush_cancel(qp);
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_async_cancel(dev, &qp->async);	/* dying: no new ones */

	/* A running chain may still use our inline buffer: let it end. */
	if (!wait_event_timeout(qp->idle_wq, !READ_ONCE(qp->chan),
				PEDMA_DESTROY_TIMEOUT))
		ibdev_warn(&dev->ibdev, "QP %u: eDMA chain did not finish\n",
			   qp->qpn);
	/*
	 * The peer may be moving data into our receives: once it confirms,
	 * it has no chain left into them and will not start one (it checks
	 * our directory before each), so their owner may free them.
	 */
	if (!pedma_test_early_free_rq)
		pedma_mr_sync(dev);

	spin_lock_irqsave(&dev->xlock, flags);
	pedma_xfer_detach(qp);
	xa_erase(&dev->qps, qp->qpn);
	spin_unlock_irqrestore(&dev->xlock, flags);
	timer_delete_sync(&qp->rnr_timer);

	if (qp->rq.uring)
		pedma_uring_free(qp->rq.uring);
	if (qp->usq)
		pedma_uring_free(qp->usq);
	if (!qp->srq)
		rq_free(dev, &qp->rq);
	pedma_ud_free_qp(qp);
	dma_free_coherent(dev->be->dma_dev,
			  (size_t)qp->sq_entries * PEDMA_MAX_INLINE,
			  qp->inline_buf, qp->inline_dma);
	kvfree(qp->sq);
	atomic_dec(&dev->nqp);
	return 0;
}

/* RESET: forget all work without completions (IB 10.3.1).  xlock held. */
static void qp_reset(struct pedma_qp *qp)
{
	struct pedma_dev *dev = qp->dev;

	pedma_xfer_detach(qp);
	flush_cancel(qp);
	qp->sq_cur = qp->sq_tail;
	memset(&qp->req, 0, sizeof(qp->req));
	if (qp->usq) {
		struct pedma_ring_hdr *h = qp->usq->buf;

		qp->usq->kcons = smp_load_acquire(&h->prod);	/* entries after prod */
		smp_store_release(&h->cons, qp->usq->kcons);	/* done with them */
	}
	if (qp->ud)
		pedma_ud_reset_local(qp);
	if (!qp->srq) {
		rq_reset(dev, &qp->rq);
		if (qp->rq.done)
			memset(qp->rq.done, 0, qp->rq.entries);
		if (qp->rq.uring) {
			struct pedma_ring_hdr *h = qp->rq.uring->buf;

			/* pairs with the provider's release of prod */
			qp->rq.uring->kcons = smp_load_acquire(&h->prod);
			smp_store_release(&h->cons, qp->rq.uring->kcons);	/* done with them */
		}
	}
	pedma_dir_clear(dev, qp->qpn);
}

static int check_attrs(struct pedma_qp *qp, const struct ib_qp_attr *a,
		       int mask)
{
	if ((mask & IB_QP_PORT) && a->port_num != PEDMA_PORT)
		return -EINVAL;
	/*
	 * Controlled Q_Keys (high bit set, QP1's among them): a user QP
	 * could otherwise speak as the peer's MAD layer.
	 */
	if ((mask & IB_QP_QKEY) && (a->qkey & 0x80000000u) && qp->user &&
	    !capable(CAP_NET_RAW))
		return -EPERM;
	if ((mask & IB_QP_PKEY_INDEX) && a->pkey_index)
		return -EINVAL;
	if ((mask & IB_QP_PATH_MTU) &&
	    (a->path_mtu < IB_MTU_256 || a->path_mtu > IB_MTU_4096))
		return -EINVAL;
	if ((mask & IB_QP_MAX_QP_RD_ATOMIC) &&
	    a->max_rd_atomic > PEDMA_MAX_RD_ATOM)
		return -EINVAL;
	if ((mask & IB_QP_MAX_DEST_RD_ATOMIC) &&
	    a->max_dest_rd_atomic > PEDMA_MAX_RD_ATOM)
		return -EINVAL;
	if ((mask & IB_QP_MIN_RNR_TIMER) && a->min_rnr_timer > 31)
		return -EINVAL;
	if ((mask & IB_QP_RNR_RETRY) && a->rnr_retry > 7)
		return -EINVAL;
	if ((mask & IB_QP_RETRY_CNT) && a->retry_cnt > 7)
		return -EINVAL;
	if ((mask & IB_QP_TIMEOUT) && a->timeout > 31)
		return -EINVAL;
	if ((mask & IB_QP_DEST_QPN) &&
	    (a->dest_qp_num < 2 || a->dest_qp_num >= PEDMA_MAX_QP))
		return -EINVAL;
	if ((mask & IB_QP_ACCESS_FLAGS) &&
	    (a->qp_access_flags & ~(IB_ACCESS_LOCAL_WRITE |
				    IB_ACCESS_REMOTE_WRITE |
				    IB_ACCESS_REMOTE_READ |
				    IB_ACCESS_REMOTE_ATOMIC)))
		return -EINVAL;
	return 0;
}

static void save_attrs(struct pedma_qp *qp, const struct ib_qp_attr *a,
		       int mask)
{
	struct ib_qp_attr *s = &qp->attr;

	if (mask & IB_QP_ACCESS_FLAGS)
		s->qp_access_flags = a->qp_access_flags;
	if (mask & IB_QP_PKEY_INDEX)
		s->pkey_index = a->pkey_index;
	if (mask & IB_QP_PORT)
		s->port_num = a->port_num;
	if (mask & IB_QP_AV) {
		rdma_copy_ah_attr(&s->ah_attr, &a->ah_attr);
		/* our own LID: the responder is on this side (pedma_loop.c) */
		qp->loop = !qp->ud &&
			   rdma_ah_get_dlid(&a->ah_attr) ==
			   pedma_lid(qp->dev->be->role);
	}
	if (mask & IB_QP_PATH_MTU)
		s->path_mtu = a->path_mtu;
	if (mask & IB_QP_TIMEOUT)
		s->timeout = a->timeout;
	if (mask & IB_QP_RETRY_CNT)
		s->retry_cnt = a->retry_cnt;
	if (mask & IB_QP_RNR_RETRY)
		s->rnr_retry = a->rnr_retry;
	if (mask & IB_QP_RQ_PSN)
		s->rq_psn = a->rq_psn;
	if (mask & IB_QP_MAX_QP_RD_ATOMIC)
		s->max_rd_atomic = a->max_rd_atomic;
	if (mask & IB_QP_MIN_RNR_TIMER)
		s->min_rnr_timer = a->min_rnr_timer;
	if (mask & IB_QP_SQ_PSN)
		s->sq_psn = a->sq_psn;
	if (mask & IB_QP_MAX_DEST_RD_ATOMIC)
		s->max_dest_rd_atomic = a->max_dest_rd_atomic;
	if (mask & IB_QP_DEST_QPN)
		s->dest_qp_num = a->dest_qp_num;
	if (mask & IB_QP_QKEY) {
		s->qkey = a->qkey;
		qp->qkey = a->qkey;
	}
}

static int pedma_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
			   int mask, struct ib_udata *udata)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	enum ib_qp_state cur, next;
	unsigned long flags;
	bool sync = false;
	int ret;

	if (mask & ~IB_QP_ATTR_STANDARD_BITS)
		return -EOPNOTSUPP;
	ret = check_attrs(qp, attr, mask);
	if (ret)
		return ret;

	spin_lock_irqsave(&dev->xlock, flags);
	cur = (mask & IB_QP_CUR_STATE) ? attr->cur_qp_state : qp->state;
	next = (mask & IB_QP_STATE) ? attr->qp_state : cur;
	if (cur != qp->state ||
	    !ib_modify_qp_is_ok(cur, next, qp->type, mask)) {
		ret = -EINVAL;
		goto out;
	}
	save_attrs(qp, attr, mask);
	if (!(mask & IB_QP_STATE)) {
		/* What the peer checks may have changed (IPoIB sets the Q_Key). */
		if (qp->state != IB_QPS_RESET &&
		    (mask & (IB_QP_QKEY | IB_QP_ACCESS_FLAGS |
			     IB_QP_MIN_RNR_TIMER)))
			pedma_dir_publish(dev, qp);
		goto out;
	}

	switch (next) {
	case IB_QPS_RESET:
		/* receives the peer could still fill: confirm before return */
		sync = qp->flush_pending || (!qp->srq && qp->rq.prod != qp->rq.cons);
		qp->state = IB_QPS_RESET;
		qp_reset(qp);
		break;
	case IB_QPS_ERR:
		pedma_qp_to_err(qp);
		break;
	case IB_QPS_SQD:
		qp->state = next;
		qp->sqd_event_sent = false;
		pedma_dir_publish(dev, qp);
		break;
	default:
		qp->state = next;
		pedma_dir_publish(dev, qp);
		break;
	}
	pedma_xfer_progress(qp);
out:
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_notify_run(dev);
	if (sync && !pedma_test_early_free_rq)
		pedma_mr_sync(dev);
	return ret;
}

static int pedma_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
			  int mask, struct ib_qp_init_attr *init)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	unsigned long flags;

	spin_lock_irqsave(&qp->dev->xlock, flags);
	*attr = qp->attr;
	attr->qp_state = qp->state;
	attr->cur_qp_state = qp->state;
	attr->sq_draining = qp->state == IB_QPS_SQD && qp->req.active;
	spin_unlock_irqrestore(&qp->dev->xlock, flags);
	if (attr->ah_attr.type)
		rdma_copy_ah_attr(&attr->ah_attr, &qp->attr.ah_attr);
	attr->cap.max_send_wr = qp->sq_entries;
	attr->cap.max_send_sge = qp->max_send_sge;
	attr->cap.max_inline_data = qp->max_inline;
	attr->cap.max_recv_wr = qp->srq ? 0 : qp->rq.entries;
	attr->cap.max_recv_sge = qp->srq ? 0 : qp->rq.max_sge;

	memset(init, 0, sizeof(*init));
	init->send_cq = &qp->scq->ibcq;
	init->recv_cq = &qp->rcq->ibcq;
	init->srq = qp->srq ? &qp->srq->ibsrq : NULL;
	init->cap = attr->cap;
	init->qp_type = qp->type;
	init->sq_sig_type = qp->sig_all ? IB_SIGNAL_ALL_WR : IB_SIGNAL_REQ_WR;
	return 0;
}

static int pedma_create_srq(struct ib_srq *ibsrq,
			    struct ib_srq_init_attr *init,
			    struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibsrq->device);
	struct pedma_srq *srq = to_psrq(ibsrq);
	struct pedma_create_srq_resp resp = {};
	struct ib_srq_attr *a = &init->attr;
	struct pedma_ucontext *uctx;
	int ret;

	if (init->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	if (a->max_wr > PEDMA_MAX_QP_WR || a->max_sge > PEDMA_MAX_SGE ||
	    a->srq_limit > a->max_wr)
		return -EINVAL;
	if (udata && udata->outlen < sizeof(resp))
		return -EINVAL;
	if (atomic_inc_return(&dev->nsrq) > PEDMA_MAX_SRQ) {
		ret = -ENOMEM;
		goto err_count;
	}
	ret = rq_init(dev, &srq->rq, roundup_pow_of_two(max(a->max_wr, 1U)),
		      true);
	if (ret)
		goto err_count;
	srq->limit = a->srq_limit;
	INIT_LIST_HEAD(&srq->async.node);
	srq->async.srq = true;
	if (udata) {
		uctx = rdma_udata_to_drv_context(udata, struct pedma_ucontext,
						 ibuc);
		srq->rq.uring = pedma_uring_alloc(&uctx->ibuc, srq->rq.entries,
						  sizeof(struct pedma_rq_wqe));
		if (IS_ERR(srq->rq.uring)) {
			ret = PTR_ERR(srq->rq.uring);
			srq->rq.uring = NULL;
			goto err_rq;
		}
		resp.rq_offset = rdma_user_mmap_get_offset(&srq->rq.uring->rentry);
		resp.rq_size = srq->rq.uring->size;
		resp.rq_entries = srq->rq.entries;
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret)
			goto err_uring;
	}
	a->max_wr = srq->rq.entries;
	a->max_sge = srq->rq.max_sge;
	return 0;

err_uring:
	pedma_uring_free(srq->rq.uring);
err_rq:
	rq_free(dev, &srq->rq);
err_count:
	atomic_dec(&dev->nsrq);
	return ret;
}

static int pedma_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
			    enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct pedma_srq *srq = to_psrq(ibsrq);
	struct pedma_dev *dev = to_pdev(ibsrq->device);
	unsigned long flags;
	int ret = 0;

	if (mask & IB_SRQ_MAX_WR)
		return -EINVAL;		/* no resize (no IB_DEVICE_SRQ_RESIZE) */
	if (!(mask & IB_SRQ_LIMIT))
		return 0;
	spin_lock_irqsave(&dev->xlock, flags);
	if (attr->srq_limit > srq->rq.entries)
		ret = -EINVAL;
	else
		srq->limit = attr->srq_limit;
	spin_unlock_irqrestore(&dev->xlock, flags);
	return ret;
}

static int pedma_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct pedma_srq *srq = to_psrq(ibsrq);

	attr->max_wr = srq->rq.entries;
	attr->max_sge = srq->rq.max_sge;
	attr->srq_limit = READ_ONCE(srq->limit);
	return 0;
}

static int pedma_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct pedma_srq *srq = to_psrq(ibsrq);
	struct pedma_dev *dev = to_pdev(ibsrq->device);
	unsigned long flags;

	spin_lock_irqsave(&dev->xlock, flags);
	rq_free(dev, &srq->rq);
	spin_unlock_irqrestore(&dev->xlock, flags);
	pedma_async_cancel(dev, &srq->async);
	if (srq->rq.uring)
		pedma_uring_free(srq->rq.uring);
	atomic_dec(&dev->nsrq);
	return 0;
}

static int pedma_post_srq_recv(struct ib_srq *ibsrq,
			       const struct ib_recv_wr *wr,
			       const struct ib_recv_wr **bad_wr)
{
	struct pedma_srq *srq = to_psrq(ibsrq);
	struct pedma_dev *dev = to_pdev(ibsrq->device);
	unsigned long flags;
	bool published = false;
	int ret = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	if (!wr) {
		if (srq->rq.uring)
			drain_urq(dev, NULL, srq);
		else
			ret = -EINVAL;
	} else if (srq->rq.uring) {
		ret = -EINVAL;
	} else {
		for (; wr; wr = wr->next) {
			ret = post_one_recv(dev, NULL, srq, ibsrq->pd, wr->wr_id,
					    wr->sg_list, wr->num_sge);
			if (ret)
				break;
			published = true;
		}
		if (published)
			rq_publish_done(dev, &srq->rq);
	}
	if (ret && wr)
		*bad_wr = wr;
	spin_unlock_irqrestore(&dev->xlock, flags);
	return ret;
}

const struct ib_device_ops pedma_qp_ops = {
	.create_qp = pedma_create_qp,
	.create_srq = pedma_create_srq,
	.destroy_qp = pedma_destroy_qp,
	.destroy_srq = pedma_destroy_srq,
	.modify_qp = pedma_modify_qp,
	.modify_srq = pedma_modify_srq,
	.post_recv = pedma_post_recv,
	.post_send = pedma_post_send,
	.post_srq_recv = pedma_post_srq_recv,
	.query_qp = pedma_query_qp,
	.query_srq = pedma_query_srq,

	INIT_RDMA_OBJ_SIZE(ib_qp, pedma_qp, ibqp),
	INIT_RDMA_OBJ_SIZE(ib_srq, pedma_srq, ibsrq),
};
