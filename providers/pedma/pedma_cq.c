// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: completion queues.  The kernel writes CQEs into a ring we
 * mmap; pedma_poll_cq() and the extended CQ's start_poll/next_poll/
 * read_* (pedma_fastpath.c) read them without a system call.  Arming for
 * a completion event is a plain command.
 */
#include <errno.h>
#include <stdlib.h>

#include "pedma.h"

PEDMA_CREATE_RESP(pedma_create_cq_uresp, ib_uverbs_create_cq_resp,
		  pedma_create_cq_resp);

/*
 * Both create verbs: the legacy create_cq command carries all an extended
 * CQ of pedma needs (cqe, channel, comp_vector; no creation flags reach
 * the kernel), and its helper has kept one signature in every rdma-core
 * release, unlike ibv_cmd_create_cq_ex().
 */
static struct pedma_cq *pedma_cq_create(struct ibv_context *ctx, int cqe,
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
	return cq;

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

struct ibv_cq *pedma_create_cq(struct ibv_context *ctx, int cqe,
			       struct ibv_comp_channel *channel,
			       int comp_vector)
{
	struct pedma_cq *cq = pedma_cq_create(ctx, cqe, channel, comp_vector);

	return cq ? &cq->vcq.cq : NULL;
}

/*
 * ibv_create_cq_ex(): libibverbs has already refused wc_flags it does not
 * know and initialises the common part (verbs_init_cq) after we return.
 * Refused with EOPNOTSUPP: wc_flags beyond the standard fields (the
 * completion timestamps: the kernel stamps no completion; CVLAN, flow tag,
 * tag matching), IBV_CREATE_CQ_ATTR_IGNORE_OVERRUN (an overrun is a CQ
 * error here), a parent domain (IBV_CQ_INIT_ATTR_MASK_PD).
 * IBV_CREATE_CQ_ATTR_SINGLE_THREADED is taken as a hint: the CQ lock is
 * taken anyway, uncontended.
 */
struct ibv_cq_ex *pedma_create_cq_ex(struct ibv_context *ctx,
				     struct ibv_cq_init_attr_ex *attr)
{
	struct pedma_cq *cq;

	if (attr->comp_mask & ~(uint32_t)IBV_CQ_INIT_ATTR_MASK_FLAGS) {
		pedma_err(ctx, "CQ comp_mask %#x: only flags are supported",
			  attr->comp_mask);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS) &&
	    (attr->flags & ~(uint32_t)IBV_CREATE_CQ_ATTR_SINGLE_THREADED)) {
		pedma_err(ctx, "CQ flags %#x: only SINGLE_THREADED is supported",
			  attr->flags);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->wc_flags & ~(uint64_t)PEDMA_CQ_EX_WC_FLAGS) {
		pedma_err(ctx,
			  "CQ wc_flags %#llx: pedma reads only the standard fields (%#llx), no completion timestamp",
			  (unsigned long long)attr->wc_flags,
			  (unsigned long long)PEDMA_CQ_EX_WC_FLAGS);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->cqe > INT32_MAX) {
		errno = EINVAL;
		return NULL;
	}

	cq = pedma_cq_create(ctx, (int)attr->cqe, attr->channel,
			     (int)attr->comp_vector);
	if (!cq)
		return NULL;
	pedma_cq_ex_init(cq);
	return &cq->vcq.cq_ex;
}

PEDMA_CREATE_RESP(pedma_resize_cq_uresp, ib_uverbs_resize_cq_resp,
		  pedma_resize_cq_resp);

/*
 * ibv_resize_cq().  The kernel moves the completions we have not polled
 * into a new ring, starting at the cons we published in the old ring's
 * header, and stops writing the old one.  So we hold the CQ lock across
 * the command (no poll runs, cons in the header is our head: every poll
 * publishes it before it drops the lock), then map the new ring, whose
 * header carries the same counters, and unmap the old one.  On failure
 * of the command nothing changed.  If mapping the new ring fails after
 * the kernel switched, the CQ gets no more completions: the error is
 * returned and the CQ can only be destroyed.
 */
int pedma_resize_cq(struct ibv_cq *ibcq, int cqe)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	struct pedma_resize_cq_uresp resp = {};
	struct ibv_resize_cq cmd = {};
	struct pedma_ring ring;
	int ret;

	if (cqe < 1)
		return EINVAL;
	pthread_spin_lock(&cq->lock);
	/* Sets ibcq->cqe to what the kernel granted. */
	ret = ibv_cmd_resize_cq(ibcq, cqe, &cmd, sizeof(cmd),
				(struct ib_uverbs_resize_cq_resp *)&resp,
				sizeof(resp));
	if (ret)
		goto out;
	ret = pedma_ring_map(ibcq->context, &ring, "CQ", resp.drv.ring_offset,
			     resp.drv.ring_size, resp.drv.entries,
			     sizeof(struct pedma_cqe), false);
	if (!ret && (!ring.map_size || ibcq->cqe < cqe ||
		     (uint32_t)ibcq->cqe > ring.entries)) {
		pedma_err(ibcq->context,
			  "CQ resized to %d entries came with a ring of %u",
			  ibcq->cqe, ring.entries);
		pedma_ring_unmap(&ring);
		ret = EPROTO;
	}
	if (ret)
		goto out;
	pedma_ring_unmap(&cq->ring);
	cq->ring = ring;
	cq->cur = NULL;
	cq->ex_prod = cq->ring.head;
out:
	pthread_spin_unlock(&cq->lock);
	return ret;
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
