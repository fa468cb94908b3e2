// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: queue pairs, RC, UC and UD.  Each QP has an SQ ring and, unless
 * it uses an SRQ, an RQ ring, both mmap'd from the kernel; posting to
 * them is in pedma_fastpath.c.  State changes and queries are plain
 * commands.  The two types share rings and WQE format; a UD QP's WQEs
 * also name an address handle (pedma_ah.c), and its receive buffers start
 * with the 40 bytes of GRH space IB requires.  A UC QP is an RC QP without
 * RDMA READ and atomics (refused when posted).
 */
#include <errno.h>
#include <stdlib.h>

#include "pedma.h"

PEDMA_CREATE_RESP(pedma_create_qp_uresp, ib_uverbs_create_qp_resp,
		  pedma_create_qp_resp);

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static struct pedma_qp *pedma_qp_create(struct ibv_pd *pd,
					struct ibv_qp_init_attr *attr)
{
	struct ibv_context *ibctx = pd->context;
	struct pedma_context *ctx = to_pctx(ibctx);
	struct pedma_create_qp_uresp resp = {};
	struct ibv_create_qp cmd = {};
	struct pedma_qp *qp;
	int ret;

	if (attr->qp_type != IBV_QPT_RC && attr->qp_type != IBV_QPT_UC &&
	    attr->qp_type != IBV_QPT_UD) {
		pedma_err(ibctx,
			  "QP type %d is not supported: pedma does RC, UC and UD",
			  (int)attr->qp_type);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->cap.max_send_sge > ctx->max_sge ||
	    attr->cap.max_recv_sge > ctx->max_sge ||
	    attr->cap.max_inline_data > ctx->max_inline) {
		pedma_err(ibctx,
			  "QP caps beyond the device: send_sge %u recv_sge %u inline %u (max %u SGEs, %u bytes inline)",
			  attr->cap.max_send_sge, attr->cap.max_recv_sge,
			  attr->cap.max_inline_data, ctx->max_sge,
			  ctx->max_inline);
		errno = EINVAL;
		return NULL;
	}

	qp = calloc(1, sizeof(*qp));
	if (!qp) {
		errno = ENOMEM;
		return NULL;
	}
	ret = pthread_spin_init(&qp->sq_lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;
	ret = pthread_spin_init(&qp->rq_lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_sq_lock;

	/*
	 * Fills the ibv_qp (context, handle, qp_num, pd, CQs, srq, type,
	 * state RESET, mutex, cond) and writes the granted caps into
	 * attr->cap.
	 */
	ret = ibv_cmd_create_qp(pd, &qp->vqp.qp, attr, &cmd, sizeof(cmd),
				(struct ib_uverbs_create_qp_resp *)&resp,
				sizeof(resp));
	if (ret)
		goto err_rq_lock;

	if (resp.drv.max_inline > ctx->max_inline) {
		pedma_err(ibctx, "kernel grants %u bytes inline, ABI allows %u",
			  resp.drv.max_inline, ctx->max_inline);
		ret = EPROTO;
		goto err_destroy;
	}
	ret = pedma_ring_map(ibctx, &qp->sq, "SQ", resp.drv.sq_offset,
			     resp.drv.sq_size, resp.drv.sq_entries,
			     sizeof(struct pedma_sq_wqe), true);
	if (ret)
		goto err_destroy;
	ret = pedma_ring_map(ibctx, &qp->rq, "RQ", resp.drv.rq_offset,
			     resp.drv.rq_size, resp.drv.rq_entries,
			     sizeof(struct pedma_rq_wqe), true);
	if (ret)
		goto err_unmap;
	if ((attr->cap.max_send_wr && !qp->sq.map_size) ||
	    (attr->srq && qp->rq.map_size) ||
	    (!attr->srq && attr->cap.max_recv_wr && !qp->rq.map_size)) {
		pedma_err(ibctx,
			  "rings do not match the QP: SQ %s for %u WRs, RQ %s for %u WRs, %s SRQ",
			  qp->sq.map_size ? "mapped" : "absent",
			  attr->cap.max_send_wr,
			  qp->rq.map_size ? "mapped" : "absent",
			  attr->cap.max_recv_wr, attr->srq ? "with" : "no");
		ret = EPROTO;
		goto err_unmap;
	}

	/* What a WQE may carry: the granted caps, within the ABI. */
	qp->sq_lim.max_sge = min_u32(attr->cap.max_send_sge, ctx->max_sge);
	qp->sq_lim.max_inline = resp.drv.max_inline;
	qp->sq_lim.sig_all = attr->sq_sig_all != 0;
	qp->sq_lim.ud = attr->qp_type == IBV_QPT_UD;
	qp->sq_lim.uc = attr->qp_type == IBV_QPT_UC;
	qp->sq_lim.atomics = (ctx->caps & PEDMA_UCTX_CAP_ATOMIC) &&
			     attr->qp_type == IBV_QPT_RC;
	qp->sq_lim.pd = pd;
	qp->rq_max_sge = min_u32(attr->cap.max_recv_sge, ctx->max_sge);
	return qp;

err_unmap:
	pedma_ring_unmap(&qp->rq);
	pedma_ring_unmap(&qp->sq);
err_destroy:
	ibv_cmd_destroy_qp(&qp->vqp.qp);
err_rq_lock:
	pthread_spin_destroy(&qp->rq_lock);
err_sq_lock:
	pthread_spin_destroy(&qp->sq_lock);
err_free:
	free(qp);
	errno = ret;
	return NULL;
}

struct ibv_qp *pedma_create_qp(struct ibv_pd *pd,
			       struct ibv_qp_init_attr *attr)
{
	struct pedma_qp *qp = pedma_qp_create(pd, attr);

	return qp ? &qp->vqp.qp : NULL;
}

/*
 * ibv_create_qp_ex() with more than a PD (libibverbs turns a PD alone
 * into ibv_create_qp()).  Supported: IBV_QP_INIT_ATTR_SEND_OPS_FLAGS, for
 * the operations the SQ WQE carries (PEDMA_QP_EX_RC_OPS, UD:
 * PEDMA_QP_EX_UD_OPS, UC: PEDMA_QP_EX_UC_OPS); it gives the QP the ibv_wr_* API
 * (ibv_qp_to_qp_ex()).  Refused with EOPNOTSUPP: atomics when the
 * kernel has none (PEDMA_UCTX_CAP_ATOMIC), every other send op,
 * and the other comp_mask bits (XRC domain, create flags, TSO, RSS).  The
 * kernel sees the same create_qp command as from ibv_create_qp().
 */
struct ibv_qp *pedma_create_qp_ex(struct ibv_context *ibctx,
				  struct ibv_qp_init_attr_ex *attr)
{
	const uint64_t atomics = IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |
				 IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD;
	struct ibv_qp_init_attr legacy;
	uint64_t ops = 0, ok_ops;
	struct pedma_qp *qp;

	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || !attr->pd ||
	    attr->pd->context != ibctx) {
		errno = EINVAL;
		return NULL;
	}
	if (attr->comp_mask & ~(uint32_t)(IBV_QP_INIT_ATTR_PD |
					  IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)) {
		pedma_err(ibctx,
			  "QP comp_mask %#x: pedma takes a PD and send_ops_flags only",
			  attr->comp_mask);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		ops = attr->send_ops_flags;
		ok_ops = attr->qp_type == IBV_QPT_UD ? PEDMA_QP_EX_UD_OPS :
			 attr->qp_type == IBV_QPT_UC ? PEDMA_QP_EX_UC_OPS :
						       PEDMA_QP_EX_RC_OPS;
		if ((ops & atomics) &&
		    !(to_pctx(ibctx)->caps & PEDMA_UCTX_CAP_ATOMIC)) {
			pedma_err(ibctx,
				  "send_ops_flags %#llx: no atomics (the kernel's pedma has none)",
				  (unsigned long long)ops);
			errno = EOPNOTSUPP;
			return NULL;
		}
		if (ops & ~ok_ops) {
			pedma_err(ibctx,
				  "send_ops_flags %#llx: this QP type does %#llx",
				  (unsigned long long)ops,
				  (unsigned long long)ok_ops);
			errno = EOPNOTSUPP;
			return NULL;
		}
	}

	memset(&legacy, 0, sizeof(legacy));
	legacy.qp_context = attr->qp_context;
	legacy.send_cq = attr->send_cq;
	legacy.recv_cq = attr->recv_cq;
	legacy.srq = attr->srq;
	legacy.cap = attr->cap;
	legacy.qp_type = attr->qp_type;
	legacy.sq_sig_all = attr->sq_sig_all;
	qp = pedma_qp_create(attr->pd, &legacy);
	if (!qp)
		return NULL;
	attr->cap = legacy.cap;		/* what was granted */
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)
		pedma_qp_ex_init(qp, ops);
	return &qp->vqp.qp;
}

/*
 * The rings are not touched: the kernel never rewinds the counters (a
 * reset or a flush moves cons up to prod), so our producer counters stay
 * valid in every state.  Nothing depends on the QP type here: which
 * attributes a transition needs (UD: P_Key index, port and Q_Key to INIT,
 * the state alone to RTR, the SQ PSN to RTS) is the kernel's to check.
 */
int pedma_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		    int attr_mask)
{
	struct ibv_modify_qp cmd = {};

	return ibv_cmd_modify_qp(qp, attr, attr_mask, &cmd, sizeof(cmd));
}

int pedma_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		   int attr_mask, struct ibv_qp_init_attr *init_attr)
{
	struct ibv_query_qp cmd = {};

	return ibv_cmd_query_qp(qp, attr, attr_mask, init_attr, &cmd,
				sizeof(cmd));
}

int pedma_destroy_qp(struct ibv_qp *ibqp)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	int ret;

	ret = ibv_cmd_destroy_qp(ibqp);
	if (ret)
		return ret;	/* the QP lives on, and so do its rings */

	pedma_ring_unmap(&qp->rq);
	pedma_ring_unmap(&qp->sq);
	pthread_spin_destroy(&qp->rq_lock);
	pthread_spin_destroy(&qp->sq_lock);
	free(qp);
	return 0;
}
