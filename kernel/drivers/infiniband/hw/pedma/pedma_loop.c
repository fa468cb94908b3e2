// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma loopback: an RC or UC QP connected to a QP of its type on its own
 * side (its address vector names our own LID; the QP itself included).  The eDMA moves data
 * between the two sides only, so, as an HCA loops such packets inside, the
 * requester copies with the CPU: from the source's registered memory to
 * the target's, found by the same key translation, with the same key,
 * access, PD and range checks as across the link, and the same
 * completions.  A work request completes in one step: the copy, the
 * target's receive completion (pedma_loop_record(): as for a record of
 * the peer) and the sender's completion.
 *
 * What the peer sees: a loopback QP's directory entry names no peer QP
 * (dest_qpn 0, pedma_area.c), so no requester of the peer can use it or
 * its receives.  A target on a shared receive queue is different: the
 * peer consumes the SRQ's published ring for its senders to our other
 * QPs on it, so the request claims its receive through the peer
 * (pedma_claim.c) and waits for the answer (the link must be up).  A UC
 * requester drops (pedma_xfer.c) what RC would retry, RNR-wait for or see
 * refused.
 *
 * SEND_WITH_INV takes two steps: the copy into the target's receive and
 * the withdrawal of the MR it names (a valid fast-reg MR of the target's
 * PD, else IB_WC_REM_INV_REQ_ERR and the receive fails, as across the
 * link), then, once the peer confirmed that none of its chains can reach
 * that MR any more (the MR may have been handed to the peer too), the
 * target's completion (IB_WC_WITH_INVALIDATE) and the sender's.  The
 * record waits in the sender's request state (req.loop_rec) meanwhile,
 * the request on dev->inv_qps like a LOCAL_INV (pedma_xfer.c).
 *
 * Pages are found from the MR's bus addresses like the same-side
 * datagrams of pedma_ud.c.  Everything here runs under dev->xlock.
 */
#include <linux/highmem.h>
#include <linux/io.h>

#include "pedma.h"

/* Copy @len bytes between bus addresses of this side's memory. */
static int loop_copy(struct pedma_dev *dev, u64 src, u64 dst, u64 len)
{
	while (len) {
		struct page *sp = pedma_bus_page(dev, src);
		struct page *dp = pedma_bus_page(dev, dst);
		u32 n = min3(len, PAGE_SIZE - offset_in_page(src),
			     PAGE_SIZE - offset_in_page(dst));
		u8 *s, *d;

		if (!sp || !dp)
			return -EFAULT;
		s = kmap_local_page(sp);
		d = kmap_local_page(dp);
		memcpy(d + offset_in_page(dst), s + offset_in_page(src), n);
		kunmap_local(d);
		kunmap_local(s);
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/*
 * A list of (key, address, length) in a PD, with the rights it needs; or
 * a kernel buffer (an inline send's bytes)
 */
struct loop_sgl {
	u8 *kbuf;
	struct ib_pd *pd;
	const struct ib_sge *sge;	/* NULL: one range */
	int n;
	u32 key;
	u64 addr;
	u64 len;
	u32 need;
};

/* Bytes [off, off + max) of @l: the first contiguous run in @seg */
static int sgl_seg(struct pedma_dev *dev, const struct loop_sgl *l, u64 off,
		   u64 max, struct pedma_seg *seg)
{
	int i;

	if (!l->sge)
		return off < l->len ?
		       pedma_local_seg(dev, l->pd, l->key, l->addr + off,
				       min(l->len - off, max), l->need, seg) :
		       -EINVAL;
	for (i = 0; i < l->n; i++) {
		const struct ib_sge *s = &l->sge[i];

		if (off < s->length)
			return pedma_local_seg(dev, l->pd, s->lkey, s->addr + off,
					       min_t(u64, s->length - off, max),
					       l->need, seg);
		off -= s->length;
	}
	return -EINVAL;
}

static u64 sgl_len(const struct loop_sgl *l)
{
	u64 len = 0;
	int i;

	if (!l->sge)
		return l->len;
	for (i = 0; i < l->n; i++)
		len += l->sge[i].length;
	return len;
}

/*
 * Move @len bytes from @src to @dst.  0, or which side failed:
 * -EACCES (source) or -EPERM (destination).
 */
static int sgl_copy(struct pedma_dev *dev, const struct loop_sgl *src,
		    const struct loop_sgl *dst, u64 len)
{
	struct pedma_seg s, d;
	u64 done = 0, n;

	while (done < len) {
		if (sgl_seg(dev, dst, done, len - done, &d))
			return -EPERM;
		if (src->kbuf) {
			if (pedma_bus_copy(dev, d.addr, src->kbuf + done,
					   d.len, true))
				return -EPERM;
			done += d.len;
			continue;
		}
		if (sgl_seg(dev, src, done, len - done, &s))
			return -EACCES;
		n = min(s.len, d.len);
		if (loop_copy(dev, s.addr, d.addr, n))
			return -EACCES;
		done += n;
	}
	return 0;
}

/* Every byte of @l translates (keys, rights, ranges)? */
static bool sgl_ok(struct pedma_dev *dev, const struct loop_sgl *l, u64 len)
{
	struct pedma_seg seg;
	u64 off = 0;

	while (off < len) {
		if (sgl_seg(dev, l, off, len - off, &seg) || !seg.len)
			return false;
		off += seg.len;
	}
	return true;
}

/*
 * A target on an SRQ: the peer consumes the SRQ's published ring (its
 * senders to our other QPs on it), so the receive is claimed through the
 * peer (pedma_claim.c), one round trip; the request waits for the answer
 * and takes the receive it names.  Returns 1 with its index in *@idx
 * (still the claim's until loop_recv() takes it), 0 when there is none
 * (RNR), -EBUSY while the claim is out, -EINVAL when the answer names no
 * receive of ours.
 */
static int loop_srq_claim(struct pedma_qp *qp, struct pedma_qp *t, u32 *idx)
{
	struct pedma_dev *dev = qp->dev;
	struct pedma_rq *rq = &t->srq->rq;
	int ret;

	if (!qp->req.loop_claim) {
		ret = pedma_claim_loop(dev, t, qp, &qp->req.loop_claim);
		return ret == -ENOTCONN ? 0 : -EBUSY;
	}
	ret = pedma_claim_loop_state(dev, qp->req.loop_claim, idx);
	if (!ret) {
		/* passed over without an answer (no record room)? */
		pedma_claims_check(dev);
		ret = pedma_claim_loop_state(dev, qp->req.loop_claim, idx);
	}
	if (ret <= 0) {
		if (ret < 0)	/* unanswered: the peer had none */
			qp->req.loop_claim = 0;
		return ret ? 0 : -EBUSY;
	}
	if (*idx - rq->cons >= rq->prod - rq->cons ||
	    (rq->done && rq->done[*idx & (rq->entries - 1)]))
		return -EINVAL;
	return 1;
}

/*
 * The target's next receive, read back from our own copy: its index in
 * *@idx and scatter list in @sge, the number of SGEs in *@n.  Returns 1, 0
 * when there is none (RNR), -EBUSY while an SRQ target's claim is out,
 * -EINVAL when our copy does not name it.
 */
static int loop_take_rqe(struct pedma_qp *qp, struct pedma_qp *t,
			 struct ib_sge *sge, int *n, u32 *idx)
{
	struct pedma_rq *rq = t->srq ? &t->srq->rq : &t->rq;
	int ret;

	if (t->srq) {
		ret = loop_srq_claim(qp, t, idx);
		if (ret <= 0)
			return ret;
	} else {
		if (rq->prod == rq->cons)
			return 0;
		*idx = rq->cons;
	}
	*n = pedma_own_rq_sges(qp->dev, rq, *idx, sge);
	return *n < 0 ? -EINVAL : 1;
}

static u8 loop_rec_op(u8 op)
{
	switch (op) {
	case PEDMA_WQE_OP_SEND:
		return PEDMA_REC_OP_SEND;
	case PEDMA_WQE_OP_SEND_IMM:
		return PEDMA_REC_OP_SEND_IMM;
	case PEDMA_WQE_OP_SEND_INV:
		return PEDMA_REC_OP_SEND_INV;
	default:
		return PEDMA_REC_OP_WRITE_IMM;
	}
}

/*
 * A SEND, SEND_WITH_IMM, SEND_WITH_INV or RDMA_WRITE_WITH_IMM into @t's
 * next receive.  Returns an ib_wc_status for the sender, -EAGAIN: no
 * receive (RNR), -EBUSY: the receive's claim is out (the request waits
 * for the peer's answer), or -EINPROGRESS: a SEND_WITH_INV whose record
 * waits in qp->req.loop_rec for the confirmation of the withdrawal of
 * *@inv.
 */
static int loop_recv(struct pedma_qp *qp, struct pedma_swqe *w,
		     struct pedma_qp *t, const struct loop_sgl *src,
		     struct pedma_mr **inv)
{
	struct pedma_dev *dev = qp->dev;
	struct ib_sge sge[PEDMA_MAX_SGE];
	struct pedma_rec rec = {
		.dst_qpn = cpu_to_le32(t->qpn),
		.src_qpn = cpu_to_le32(qp->qpn),
		.byte_len = cpu_to_le32(w->length),
		.imm = w->imm,
		.status = PEDMA_REC_ST_OK,
	};
	struct loop_sgl dst = {
		.pd = t->srq ? t->srq->ibsrq.pd : t->ibqp.pd, .sge = sge,
		.need = PEDMA_ACC_LOCAL_WRITE,
	};
	u8 st = IB_WC_SUCCESS;
	u32 idx = 0;
	int ret;

	ret = loop_take_rqe(qp, t, sge, &dst.n, &idx);
	if (qp->req.loop_claim && ret != -EBUSY) {
		/* answered: the receive completes through our record now */
		pedma_claim_loop_done(dev, qp->req.loop_claim);
		qp->req.loop_claim = 0;
	}
	if (ret <= 0)
		return ret == -EBUSY ? ret : ret ? IB_WC_REM_OP_ERR : -EAGAIN;
	rec.rq_idx = cpu_to_le32(idx);
	rec.opcode = loop_rec_op(w->opcode);
	if (w->opcode == PEDMA_WQE_OP_SEND_INV)
		rec.inv_rkey = cpu_to_le32(w->key);
	if (w->flags & PEDMA_WQE_F_SOLICITED)
		rec.flags |= PEDMA_REC_F_SOLICITED;
	if (pedma_qp_uc(qp))
		rec.flags |= PEDMA_REC_F_UC;
	if (w->opcode != PEDMA_WQE_OP_RDMA_WRITE_IMM) {
		if (w->length > sgl_len(&dst)) {
			rec.status = PEDMA_REC_ST_LEN_ERR;
			st = IB_WC_REM_INV_REQ_ERR;
		} else if (!sgl_ok(dev, &dst, w->length)) {
			rec.status = PEDMA_REC_ST_PROT_ERR;
			st = IB_WC_REM_OP_ERR;
		} else if (w->opcode == PEDMA_WQE_OP_SEND_INV &&
			   !pedma_mr_inv_ok(dev, t->ibqp.pd, w->key)) {
			/* a key the receiver refuses: an invalid request */
			rec.status = PEDMA_REC_ST_PROT_ERR;
			st = IB_WC_REM_INV_REQ_ERR;
		} else if (sgl_copy(dev, src, &dst, w->length)) {
			/* the source was checked; a key that went since */
			rec.status = PEDMA_REC_ST_PROT_ERR;
			st = IB_WC_LOC_PROT_ERR;
		}
	}
	if (w->opcode == PEDMA_WQE_OP_SEND_INV &&
	    rec.status == PEDMA_REC_ST_OK) {
		/* checked above under the same lock, so withdrawn now */
		if (pedma_mr_withdraw(dev, t->ibqp.pd, w->key, true, inv) < 0) {
			rec.status = PEDMA_REC_ST_PROT_ERR;
			st = IB_WC_REM_INV_REQ_ERR;
		} else if ((*inv)->inv_pending) {
			qp->req.loop_rec = rec;
			return -EINPROGRESS;
		}
	}
	pedma_loop_record(dev, &rec);
	return st;
}

static u8 loop_exec(struct pedma_qp *qp, struct pedma_swqe *w,
		    struct pedma_qp *t, int *wait, struct pedma_mr **inv);

/*
 * Execute @w of loopback QP @qp at once.  Returns 0 with the completion
 * status in @st, -ENOENT when the target QP is not there or not ready
 * (the caller retries as for a peer that does not answer), -EAGAIN when
 * it has no receive (RNR; its min_rnr_timer in @rnr_timer), -EINPROGRESS
 * for a SEND_WITH_INV that waits for the withdrawal of *@inv (its
 * target's record in qp->req.loop_rec, for the caller to deliver with
 * pedma_loop_record() once confirmed).
 */
int pedma_loop_exec(struct pedma_qp *qp, struct pedma_swqe *w, u8 *st,
		    u8 *rnr_timer, struct pedma_mr **inv)
{
	struct pedma_qp *t = xa_load(&qp->dev->qps, qp->attr.dest_qp_num);
	int wait = 0;

	/* the target: a loopback QP of our type connected to us, ready */
	if (!t || t->dying || t->type != qp->type || !t->loop ||
	    t->state < IB_QPS_RTR || t->state == IB_QPS_ERR ||
	    t->attr.dest_qp_num != qp->qpn)
		return -ENOENT;
	*rnr_timer = t->attr.min_rnr_timer;
	*st = loop_exec(qp, w, t, &wait, inv);
	return wait;
}

static u8 loop_exec(struct pedma_qp *qp, struct pedma_swqe *w,
		    struct pedma_qp *t, int *wait, struct pedma_mr **inv)
{
	struct pedma_dev *dev = qp->dev;
	int acc = t->attr.qp_access_flags;
	struct loop_sgl local = {
		.pd = qp->ibqp.pd, .sge = w->sge, .n = w->num_sge,
	};
	struct loop_sgl remote = {
		.pd = t->ibqp.pd, .addr = w->remote_addr, .len = w->length,
		.key = w->rkey,
	};
	u64 orig = 0;
	u32 st;
	int ret;

	if (w->flags & PEDMA_WQE_F_INLINE)
		local.kbuf = qp->inline_buf +
			     (size_t)(qp->sq_cur & (qp->sq_entries - 1)) *
			     PEDMA_MAX_INLINE;

	switch (w->opcode) {
	case PEDMA_WQE_OP_RDMA_WRITE:
	case PEDMA_WQE_OP_RDMA_WRITE_IMM:
		remote.need = PEDMA_ACC_REMOTE_WRITE;
		if (!(acc & IB_ACCESS_REMOTE_WRITE) ||
		    !sgl_ok(dev, &remote, w->length))
			return IB_WC_REM_ACCESS_ERR;
		if (w->opcode == PEDMA_WQE_OP_RDMA_WRITE_IMM) {
			/* its receive first: RNR or a claim writes nothing */
			u32 idx;

			ret = t->srq ? loop_srq_claim(qp, t, &idx) :
				       t->rq.prod != t->rq.cons;
			if (ret == 0 || ret == -EBUSY) {
				*wait = ret ? ret : -EAGAIN;
				return 0;
			}
		}
		if (sgl_copy(dev, &local, &remote, w->length))
			return IB_WC_LOC_PROT_ERR;
		if (w->opcode == PEDMA_WQE_OP_RDMA_WRITE)
			return IB_WC_SUCCESS;
		break;
	case PEDMA_WQE_OP_RDMA_READ:
		remote.need = PEDMA_ACC_REMOTE_READ;
		local.need = PEDMA_ACC_LOCAL_WRITE;
		if (!(acc & IB_ACCESS_REMOTE_READ) ||
		    !sgl_ok(dev, &remote, w->length))
			return IB_WC_REM_ACCESS_ERR;
		ret = sgl_copy(dev, &remote, &local, w->length);
		return ret == -EACCES ? IB_WC_REM_ACCESS_ERR :
		       ret ? IB_WC_LOC_PROT_ERR : IB_WC_SUCCESS;
	case PEDMA_WQE_OP_ATOMIC_CMP_SWP:
	case PEDMA_WQE_OP_ATOMIC_FETCH_ADD: {
		struct pedma_seg seg;
		__le64 res;

		if (!(acc & IB_ACCESS_REMOTE_ATOMIC))
			return IB_WC_REM_ACCESS_ERR;
		local.need = PEDMA_ACC_LOCAL_WRITE;
		if (sgl_seg(dev, &local, 0, 8, &seg) || seg.len < 8)
			return IB_WC_LOC_PROT_ERR;
		st = pedma_atomic_exec_mr(dev, t->ibqp.pd, w->rkey,
					  w->remote_addr,
					  w->opcode == PEDMA_WQE_OP_ATOMIC_CMP_SWP ?
					  PEDMA_ATOMIC_CMP_SWP :
					  PEDMA_ATOMIC_FETCH_ADD,
					  w->compare_add, w->swap, &orig);
		if (st)
			return st == PEDMA_ATOMIC_ST_INVALID ?
			       IB_WC_REM_INV_REQ_ERR : IB_WC_REM_ACCESS_ERR;
		res = cpu_to_le64(orig);
		/* the result through a kernel mapping of the local buffer */
		return pedma_bus_copy(dev, seg.addr, (u8 *)&res, 8, true) ?
		       IB_WC_LOC_PROT_ERR : IB_WC_SUCCESS;
	}
	case PEDMA_WQE_OP_SEND:
	case PEDMA_WQE_OP_SEND_IMM:
	case PEDMA_WQE_OP_SEND_INV:
		break;
	default:
		return IB_WC_REM_OP_ERR;
	}
	/* a receive of the target: the SENDs, WRITE_WITH_IMM */
	ret = loop_recv(qp, w, t, &local, inv);
	if (ret == -EAGAIN || ret == -EINPROGRESS || ret == -EBUSY) {
		*wait = ret;
		return 0;
	}
	return ret;
}
