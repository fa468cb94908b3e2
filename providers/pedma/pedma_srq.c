// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: shared receive queues.  An SRQ is one mmap'd RQ ring of
 * struct pedma_rq_wqe; pedma_post_srq_recv() (pedma_fastpath.c) fills it.
 */
#include <errno.h>
#include <stdlib.h>

#include "pedma.h"

PEDMA_CREATE_RESP(pedma_create_srq_uresp, ib_uverbs_create_srq_resp,
		  pedma_create_srq_resp);

struct ibv_srq *pedma_create_srq(struct ibv_pd *pd,
				 struct ibv_srq_init_attr *attr)
{
	struct ibv_context *ibctx = pd->context;
	struct pedma_context *ctx = to_pctx(ibctx);
	struct pedma_create_srq_uresp resp = {};
	struct ibv_create_srq cmd = {};
	struct pedma_srq *srq;
	int ret;

	if (attr->attr.max_sge > ctx->max_sge) {
		pedma_err(ibctx, "SRQ of %u SGEs per WR, the device has %u",
			  attr->attr.max_sge, ctx->max_sge);
		errno = EINVAL;
		return NULL;
	}

	srq = calloc(1, sizeof(*srq));
	if (!srq) {
		errno = ENOMEM;
		return NULL;
	}
	ret = pthread_spin_init(&srq->lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;

	/*
	 * Sets srq->context, handle, mutex and cond, and the granted max_wr
	 * and max_sge in attr->attr.
	 */
	ret = ibv_cmd_create_srq(pd, &srq->vsrq.srq, attr, &cmd, sizeof(cmd),
				 (struct ib_uverbs_create_srq_resp *)&resp,
				 sizeof(resp));
	if (ret)
		goto err_lock;

	ret = pedma_ring_map(ibctx, &srq->rq, "SRQ", resp.drv.rq_offset,
			     resp.drv.rq_size, resp.drv.rq_entries,
			     sizeof(struct pedma_rq_wqe), true);
	if (!ret && !srq->rq.map_size) {
		pedma_err(ibctx, "SRQ came without a ring");
		ret = EPROTO;
	}
	if (ret)
		goto err_destroy;

	srq->vsrq.srq_type = IBV_SRQT_BASIC;
	srq->max_sge = attr->attr.max_sge < ctx->max_sge ? attr->attr.max_sge :
							   ctx->max_sge;
	return &srq->vsrq.srq;

err_destroy:
	pedma_ring_unmap(&srq->rq);
	ibv_cmd_destroy_srq(&srq->vsrq.srq);
err_lock:
	pthread_spin_destroy(&srq->lock);
err_free:
	free(srq);
	errno = ret;
	return NULL;
}

/*
 * Only the limit can change: the ring was sized at creation and the ABI
 * has no way to hand out a new one.
 */
int pedma_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr,
		     int attr_mask)
{
	struct ibv_modify_srq cmd = {};

	if (attr_mask & IBV_SRQ_MAX_WR)
		return EOPNOTSUPP;
	return ibv_cmd_modify_srq(srq, attr, attr_mask, &cmd, sizeof(cmd));
}

int pedma_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr)
{
	struct ibv_query_srq cmd = {};

	return ibv_cmd_query_srq(srq, attr, &cmd, sizeof(cmd));
}

int pedma_destroy_srq(struct ibv_srq *ibsrq)
{
	struct pedma_srq *srq = to_psrq(ibsrq);
	int ret;

	ret = ibv_cmd_destroy_srq(ibsrq);
	if (ret)
		return ret;

	pedma_ring_unmap(&srq->rq);
	pthread_spin_destroy(&srq->lock);
	free(srq);
	return 0;
}
