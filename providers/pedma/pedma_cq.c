// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: completion queues.  The kernel writes CQEs into a ring we
 * mmap; pedma_poll_cq() (pedma_fastpath.c) reads them without a system
 * call.  Arming for a completion event is a plain command.
 */
#include <errno.h>
#include <stdlib.h>

#include "pedma.h"

PEDMA_CREATE_RESP(pedma_create_cq_uresp, ib_uverbs_create_cq_resp,
		  pedma_create_cq_resp);

struct ibv_cq *pedma_create_cq(struct ibv_context *ctx, int cqe,
			       struct ibv_comp_channel *channel,
			       int comp_vector)
{
	struct pedma_create_cq_uresp resp = {};
	struct ibv_create_cq cmd = {};
	struct pedma_cq *cq;
	int ret;

	cq = calloc(1, sizeof(*cq));
	if (!cq) {
		errno = ENOMEM;
		return NULL;
	}
	ret = pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	if (ret)
		goto err_free;

	/* Sets cq->context, handle and cqe (what the kernel granted). */
	ret = ibv_cmd_create_cq(ctx, cqe, channel, comp_vector, &cq->vcq.cq,
				&cmd, sizeof(cmd),
				(struct ib_uverbs_create_cq_resp *)&resp,
				sizeof(resp));
	if (ret)
		goto err_lock;

	ret = pedma_ring_map(ctx, &cq->ring, "CQ", resp.drv.ring_offset,
			     resp.drv.ring_size, resp.drv.entries,
			     sizeof(struct pedma_cqe), false);
	if (!ret && (!cq->ring.map_size || cq->vcq.cq.cqe < 0 ||
		     (uint32_t)cq->vcq.cq.cqe > cq->ring.entries)) {
		pedma_err(ctx, "CQ of %d entries came with a ring of %u",
			  cq->vcq.cq.cqe, cq->ring.entries);
		ret = EPROTO;
	}
	if (ret)
		goto err_destroy;
	return &cq->vcq.cq;

err_destroy:
	pedma_ring_unmap(&cq->ring);
	/*
	 * ibv_cmd_destroy_cq() waits on the CQ's mutex and cond, which the
	 * public ibv_create_cq() only initialises after we return.
	 */
	pthread_mutex_init(&cq->vcq.cq.mutex, NULL);
	pthread_cond_init(&cq->vcq.cq.cond, NULL);
	ibv_cmd_destroy_cq(&cq->vcq.cq);
	pthread_cond_destroy(&cq->vcq.cq.cond);
	pthread_mutex_destroy(&cq->vcq.cq.mutex);
err_lock:
	pthread_spin_destroy(&cq->lock);
err_free:
	free(cq);
	errno = ret;
	return NULL;
}

int pedma_req_notify_cq(struct ibv_cq *cq, int solicited_only)
{
	return ibv_cmd_req_notify_cq(cq, solicited_only);
}

int pedma_destroy_cq(struct ibv_cq *ibcq)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	int ret;

	ret = ibv_cmd_destroy_cq(ibcq);
	if (ret)
		return ret;	/* the CQ lives on, and so does its ring */

	pedma_ring_unmap(&cq->ring);
	pthread_spin_destroy(&cq->lock);
	free(cq);
	return 0;
}
