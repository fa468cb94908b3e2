// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma atomics: IB_WR_ATOMIC_CMP_AND_SWP and IB_WR_ATOMIC_FETCH_AND_ADD
 * on RC QPs (window layout 6, include/pedma/pedma_window.h).
 *
 * The eDMA moves bytes; it cannot read, modify and write as one
 * operation.  So the target side's kernel executes an atomic with the
 * CPU, and only the result travels by eDMA:
 *
 *   requester                          responder (the target's owner)
 *   atomic_req[our QP] = operands
 *   record PEDMA_REC_OP_ATOMIC  ---->  checks QP, key, rights, PD, range,
 *                                      alignment; executes under xlock;
 *                                      result buffer[src QP] = original
 *                              <----   atomic_resp[src QP] = { seq, st }
 *   eDMA: the peer's result slot -> the work request's 8-byte buffer
 *   completion
 *
 * Atomicity (IB_ATOMIC_HCA): every atomic that reaches a side executes
 * under that side's xlock with a 64-bit compare-and-exchange, so atomics
 * through pedma on one target are atomic against each other and against
 * the target CPU's own locked operations on the word; a plain store by the
 * target CPU may race with the read-modify-write of an addend, as with
 * any HCA.  Ordering: a QP runs one request at a time, so an atomic starts
 * after the QP's earlier WRITEs completed and the next request after its
 * result arrived.
 *
 * Everything the requester's area says is untrusted: the responder reads
 * the request once and checks it like a received key; the requester
 * checks the answer's sequence.  Everything here runs under dev->xlock.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/jiffies.h>
#include <linux/random.h>

#include "pedma.h"

#define ATOMIC_RES_BYTES	(PEDMA_MAX_QP * sizeof(__le64))

int pedma_atomic_init(struct pedma_dev *dev)
{
	dev->atomic_res = dma_alloc_coherent(dev->be->dma_dev, ATOMIC_RES_BYTES,
					     &dev->atomic_res_dma, GFP_KERNEL);
	/*
	 * Sequence numbers start anywhere: a responder that kept an answer
	 * of this device's earlier life never sees a match by chance.
	 */
	dev->atomic_seq = get_random_u32();
	return dev->atomic_res ? 0 : -ENOMEM;
}

void pedma_atomic_destroy(struct pedma_dev *dev)
{
	if (dev->atomic_res)
		dma_free_coherent(dev->be->dma_dev, ATOMIC_RES_BYTES,
				  dev->atomic_res, dev->atomic_res_dma);
	dev->atomic_res = NULL;
}

/* ---------------------------------------------------------------------- */
/* Responder                                                              */
/* ---------------------------------------------------------------------- */

/* Execute on our memory at bus address @bus (8-byte aligned). */
static int atomic_exec(struct pedma_dev *dev, u64 bus, u8 op, u64 cmp_add,
		       u64 swap, u64 *orig)
{
	struct page *pg = (bus & 7) ? NULL : pedma_bus_page(dev, bus);
	u64 *p, old, prev;

	if (!pg)
		return -EFAULT;	/* not a page, or not the aligned word */
	p = (u64 *)((u8 *)kmap_local_page(pg) + offset_in_page(bus));
	if (op == PEDMA_ATOMIC_CMP_SWP) {
		old = cmpxchg64(p, cmp_add, swap);
	} else {
		old = READ_ONCE(*p);
		while ((prev = cmpxchg64(p, old, old + cmp_add)) != old)
			old = prev;
	}
	kunmap_local(p);
	*orig = old;
	return 0;
}

/*
 * Execute an atomic on our MR @rkey of @pd at @va; a PEDMA_ATOMIC_ST_*.
 * The caller checked the QP (the peer's requests here, loopback in
 * pedma_loop.c).
 */
u32 pedma_atomic_exec_mr(struct pedma_dev *dev, struct ib_pd *pd, u32 rkey,
			 u64 va, u8 op, u64 cmp_add, u64 swap, u64 *orig)
{
	struct pedma_seg seg;

	if (op != PEDMA_ATOMIC_CMP_SWP && op != PEDMA_ATOMIC_FETCH_ADD)
		return PEDMA_ATOMIC_ST_INVALID;
	if (va & 7)
		return PEDMA_ATOMIC_ST_INVALID;
	if (pedma_local_seg(dev, pd, rkey, va, 8, PEDMA_ACC_REMOTE_ATOMIC,
			    &seg) ||
	    seg.len < 8 ||
	    atomic_exec(dev, seg.addr, op, cmp_add, swap, orig))
		return PEDMA_ATOMIC_ST_ACCESS;
	return PEDMA_ATOMIC_ST_OK;
}

static u32 atomic_check_exec(struct pedma_dev *dev, u32 dst, u32 src,
			     const struct pedma_atomic_req *r, u64 *orig)
{
	struct pedma_qp *qp = xa_load(&dev->qps, dst);

	if (!qp || qp->dying || qp->type != IB_QPT_RC || qp->loop ||
	    qp->state < IB_QPS_RTR || qp->state == IB_QPS_ERR ||
	    qp->attr.dest_qp_num != src)
		return PEDMA_ATOMIC_ST_QP;
	if (!(qp->attr.qp_access_flags & IB_ACCESS_REMOTE_ATOMIC))
		return PEDMA_ATOMIC_ST_ACCESS;
	return pedma_atomic_exec_mr(dev, qp->ibqp.pd, le32_to_cpu(r->rkey),
				    le64_to_cpu(r->va), r->op,
				    le64_to_cpu(r->compare_add),
				    le64_to_cpu(r->swap), orig);
}

/*
 * A record PEDMA_REC_OP_ATOMIC of the peer: execute the request its QP
 * @rec->src_qpn wrote and answer it.
 */
void pedma_atomic_recv(struct pedma_dev *dev, const struct pedma_rec *rec)
{
	u32 src = le32_to_cpu(rec->src_qpn), seq = le32_to_cpu(rec->rq_idx);
	struct pedma_atomic_req r;
	void __iomem *req;
	u64 orig = 0;
	u32 st, a;

	if (src >= PEDMA_MAX_QP || !dev->atomic_res || dev->leaving)
		return;		/* names no slot, or we left: no answer */
	req = dev->in + PEDMA_AREA_ATOMIC_REQ_OFF + src * sizeof(r);
	pedma_wnd_copy(dev, &r, req, sizeof(r));
	rmb();	/* the body before the seq read again: not a torn request */
	if (le32_to_cpu(r.seq) != seq ||
	    pedma_wnd_readl(dev, req + offsetof(struct pedma_atomic_req,
						seq)) != seq)
		st = PEDMA_ATOMIC_ST_INVALID;
	else
		st = atomic_check_exec(dev, le32_to_cpu(rec->dst_qpn), src,
				       &r, &orig);
	pedma_ctr_inc(dev, st ? PEDMA_CTR_ATOMIC_REFUSED :
				PEDMA_CTR_ATOMIC_EXECUTED);
	ibdev_dbg(&dev->ibdev, "atomic %u of peer QP %u for QP %u: status %u\n",
		  seq, src, le32_to_cpu(rec->dst_qpn), st);

	dev->atomic_res[src] = cpu_to_le64(orig);
	a = PEDMA_AREA_ATOMIC_RESP_OFF + src * sizeof(struct pedma_atomic_resp);
	pedma_out_w32(dev, a + offsetof(struct pedma_atomic_resp, status), st);
	wmb();	/* the result and status before the seq that answers */
	pedma_out_w32(dev, a + offsetof(struct pedma_atomic_resp, seq), seq);
	pedma_peer_notify(dev);
}

/* ---------------------------------------------------------------------- */
/* Requester                                                              */
/* ---------------------------------------------------------------------- */

/* Write @w's request into our area and tell the peer.  Needs record room. */
void pedma_atomic_post(struct pedma_qp *qp, struct pedma_swqe *w)
{
	struct pedma_dev *dev = qp->dev;
	struct pedma_atomic_req r = {
		.rkey = cpu_to_le32(w->rkey),
		.op = w->opcode == PEDMA_WQE_OP_ATOMIC_CMP_SWP ?
		      PEDMA_ATOMIC_CMP_SWP : PEDMA_ATOMIC_FETCH_ADD,
		.va = cpu_to_le64(w->remote_addr),
		.compare_add = cpu_to_le64(w->compare_add),
		.swap = cpu_to_le64(w->swap),
	};
	struct pedma_rec rec = {
		.dst_qpn = cpu_to_le32(qp->attr.dest_qp_num),
		.src_qpn = cpu_to_le32(qp->qpn),
		.opcode = PEDMA_REC_OP_ATOMIC,
	};
	u32 slot;

	/* nonzero and new: an answer left from an earlier QP never matches */
	if (!++dev->atomic_seq)
		++dev->atomic_seq;
	qp->req.atomic_seq = dev->atomic_seq;
	rec.rq_idx = cpu_to_le32(qp->req.atomic_seq);
	slot = PEDMA_AREA_ATOMIC_REQ_OFF + qp->qpn * sizeof(r);
	pedma_out_copy(dev, slot + sizeof(r.seq), (u8 *)&r + sizeof(r.seq),
		       sizeof(r) - sizeof(r.seq));
	wmb();	/* the body, then the seq that names it (read in that order) */
	pedma_out_w32(dev, slot, qp->req.atomic_seq);
	/* pedma_rec_post() orders the request before the record */
	pedma_rec_post(dev, &rec);
}

/*
 * The peer's answer to our QP's outstanding atomic: 1 with @status (an
 * ib_wc_status) when it answered, 0 when not yet.
 */
int pedma_atomic_answer(struct pedma_qp *qp, u8 *status)
{
	struct pedma_dev *dev = qp->dev;
	void __iomem *a = dev->in + PEDMA_AREA_ATOMIC_RESP_OFF +
			  qp->qpn * sizeof(struct pedma_atomic_resp);
	u32 st;

	if (pedma_wnd_readl(dev, a + offsetof(struct pedma_atomic_resp, seq)) !=
	    qp->req.atomic_seq)
		return 0;
	rmb();	/* the seq before the status it publishes */
	st = pedma_wnd_readl(dev, a + offsetof(struct pedma_atomic_resp,
					       status));
	switch (st) {
	case PEDMA_ATOMIC_ST_OK:
		*status = IB_WC_SUCCESS;
		break;
	case PEDMA_ATOMIC_ST_ACCESS:
		*status = IB_WC_REM_ACCESS_ERR;
		break;
	case PEDMA_ATOMIC_ST_INVALID:
		*status = IB_WC_REM_INV_REQ_ERR;
		break;
	default:
		*status = IB_WC_REM_OP_ERR;
		break;
	}
	return 1;
}

/*
 * Where the peer keeps our QP's result: its atomic result buffer (bus
 * address on its side, untrusted like its MR pages), slot our QP number.
 */
int pedma_atomic_res_seg(struct pedma_qp *qp, u64 off, struct pedma_seg *seg)
{
	struct pedma_dev *dev = qp->dev;
	u64 base = pedma_wnd_readq(dev, dev->in + PEDMA_AREA_CTRL_OFF +
				   offsetof(struct pedma_area_ctrl, atomic_res));

	if (!base || off >= 8)
		return -EINVAL;
	seg->addr = base + qp->qpn * sizeof(__le64) + off;
	seg->len = 8 - off;
	return 0;
}

/* Leaving: the peer must find no result buffer any more.  xlock held. */
void pedma_atomic_withdraw(struct pedma_dev *dev)
{
	pedma_out_w64(dev, PEDMA_AREA_CTRL_OFF +
		      offsetof(struct pedma_area_ctrl, atomic_res), 0);
}

/* Publish our result buffer in a fresh area (pedma_area_init). */
void pedma_atomic_publish(struct pedma_dev *dev)
{
	pedma_out_w64(dev, PEDMA_AREA_CTRL_OFF +
		      offsetof(struct pedma_area_ctrl, atomic_res),
		      dev->atomic_res_dma);
}
