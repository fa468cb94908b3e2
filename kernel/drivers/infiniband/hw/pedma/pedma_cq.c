// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma completion queues.
 *
 * A CQ is a ring of struct pedma_cqe (pedma-abi.h) after a struct
 * pedma_ring_hdr.  For a user CQ the ring is vmalloc_user memory mapped by
 * the provider, which polls it without a system call; a kernel CQ uses the
 * same layout with the owning QP pointer kept next to each entry.  The
 * kernel owns prod; cons is written by the consumer and only trusted as
 * far as it is bounded.
 *
 * Overflow: a CQE that does not fit is dropped and IB_EVENT_CQ_ERR is
 * reported once; memory outside the ring is never touched.
 *
 * Completion handlers never run under xlock or a CQ lock (a kernel
 * consumer may post from its handler): CQs are queued on the device's
 * notify list and handlers run from notify_work.
 */
#include <linux/vmalloc.h>

#include "pedma.h"

#define PEDMA_MAX_CQE		65536

/* A kernel CQ entry: the shared format plus the QP it belongs to */
struct pedma_kcqe {
	struct pedma_cqe cqe;
	struct ib_qp *qp;
};

static struct pedma_ring_hdr *cq_hdr(struct pedma_cq *cq)
{
	return cq->buf;
}

static size_t cq_stride(struct pedma_cq *cq)
{
	return cq->ring ? sizeof(struct pedma_cqe) : sizeof(struct pedma_kcqe);
}

static void *cq_slot(struct pedma_cq *cq, u32 idx)
{
	return cq->buf + PEDMA_RING_HDR_SIZE +
	       (idx & (cq->entries - 1)) * cq_stride(cq);
}

static int create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		     struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibcq->device);
	struct pedma_cq *cq = to_pcq(ibcq);
	struct pedma_create_cq_resp resp = {};
	struct pedma_ucontext *uctx;
	u32 entries;
	int ret;

	if (attr->flags || attr->cqe < 1 || attr->cqe > PEDMA_MAX_CQE)
		return -EINVAL;
	if (udata && udata->outlen < sizeof(resp))
		return -EINVAL;
	if (atomic_inc_return(&dev->ncq) > PEDMA_MAX_CQ) {
		ret = -ENOMEM;
		goto err;
	}
	entries = roundup_pow_of_two(attr->cqe);
	spin_lock_init(&cq->lock);
	INIT_LIST_HEAD(&cq->notify_node);
	cq->entries = entries;

	if (udata) {
		uctx = rdma_udata_to_drv_context(udata, struct pedma_ucontext,
						 ibuc);
		cq->ring = pedma_uring_alloc(&uctx->ibuc, entries,
					     sizeof(struct pedma_cqe));
		if (IS_ERR(cq->ring)) {
			ret = PTR_ERR(cq->ring);
			cq->ring = NULL;
			goto err;
		}
		cq->buf = cq->ring->buf;
		resp.ring_offset = rdma_user_mmap_get_offset(&cq->ring->rentry);
		resp.ring_size = cq->ring->size;
		resp.entries = entries;
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret) {
			pedma_uring_free(cq->ring);
			goto err;
		}
	} else {
		cq->buf = vzalloc(PEDMA_RING_HDR_SIZE +
				  (size_t)entries * sizeof(struct pedma_kcqe));
		if (!cq->buf) {
			ret = -ENOMEM;
			goto err;
		}
	}
	ibcq->cqe = entries;
	return 0;
err:
	atomic_dec(&dev->ncq);
	return ret;
}

#ifdef PEDMA_HAVE_CREATE_CQ_ATTR_BUNDLE
static int pedma_create_cq(struct ib_cq *ibcq,
			   const struct ib_cq_init_attr *attr,
			   struct uverbs_attr_bundle *attrs)
{
	return create_cq(ibcq, attr, attrs ? &attrs->driver_udata : NULL);
}
#else
static int pedma_create_cq(struct ib_cq *ibcq,
			   const struct ib_cq_init_attr *attr,
			   struct ib_udata *udata)
{
	return create_cq(ibcq, attr, udata);
}
#endif

static int pedma_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibcq->device);
	struct pedma_cq *cq = to_pcq(ibcq);
	unsigned long flags;

	/* No QP uses us (the core checks); drop a pending notification. */
	spin_lock_irqsave(&dev->notify_lock, flags);
	list_del_init(&cq->notify_node);
	spin_unlock_irqrestore(&dev->notify_lock, flags);
	flush_work(&dev->notify_work);

	if (cq->ring)
		pedma_uring_free(cq->ring);
	else
		vfree(cq->buf);
	atomic_dec(&dev->ncq);
	return 0;
}

/*
 * resize_cq, kernel and user CQs.  A new ring is allocated first; then,
 * under the CQ lock (so no pedma_cq_add() or poll runs), the completions
 * not yet polled are copied into it in order, at the same counters (the
 * new header carries the old cons and prod), and the CQ switches to it.
 * No completion is lost or seen twice, and overflow is judged against
 * the new size from then on.  More completions outstanding than @cqe:
 * -EINVAL, the CQ unchanged.
 *
 * A user CQ is polled from userspace without a system call.  The consumer
 * index is the cons the provider published in the old ring's header: the
 * provider holds its CQ lock around the command, so no poll is under way
 * and cons is current (it publishes cons after every poll).  cons is
 * untrusted: one that says more than the old ring holds fails the resize.
 * The new ring's mmap offset goes back in struct pedma_resize_cq_resp;
 * the provider maps it and continues at the new header's cons.  The old
 * ring's memory stays until the provider unmaps it (pedma_mmap_free), so
 * its polls of the old ring never touch freed memory.
 */
static int pedma_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	struct pedma_resize_cq_resp resp = {};
	struct pedma_uring *ring = NULL, *old_ring;
	struct pedma_ring_hdr *hdr;
	struct pedma_ucontext *uctx;
	size_t stride = cq_stride(cq);
	void *buf, *old_buf;
	unsigned long flags;
	u32 entries, cons, n, i;
	int ret;

	if (cqe < 1 || cqe > PEDMA_MAX_CQE)
		return -EINVAL;
	/* a user CQ is resized by its owner's command only, and vice versa */
	if (!udata != !cq->ring)
		return -EINVAL;
	if (udata && udata->outlen < sizeof(resp))
		return -EINVAL;
	entries = roundup_pow_of_two(cqe);

	if (udata) {
		uctx = rdma_udata_to_drv_context(udata, struct pedma_ucontext,
						 ibuc);
		ring = pedma_uring_alloc(&uctx->ibuc, entries,
					 sizeof(struct pedma_cqe));
		if (IS_ERR(ring))
			return PTR_ERR(ring);
		buf = ring->buf;
		resp.ring_offset = rdma_user_mmap_get_offset(&ring->rentry);
		resp.ring_size = ring->size;
		resp.entries = entries;
		/* before the switch: a failed copy leaves the CQ as it was */
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret)
			goto err;
	} else {
		buf = vzalloc(PEDMA_RING_HDR_SIZE + (size_t)entries * stride);
		if (!buf)
			return -ENOMEM;
	}

	spin_lock_irqsave(&cq->lock, flags);
	cons = READ_ONCE(cq_hdr(cq)->cons);
	n = cq->prod - cons;
	if (n > cq->entries || n > (u32)cqe) {
		spin_unlock_irqrestore(&cq->lock, flags);
		ret = -EINVAL;
		goto err;
	}
	for (i = 0; i < n; i++)
		memcpy(buf + PEDMA_RING_HDR_SIZE +
		       ((cons + i) & (entries - 1)) * stride,
		       cq_slot(cq, cons + i), stride);
	hdr = buf;
	hdr->cons = cons;
	hdr->prod = cq->prod;
	old_ring = cq->ring;
	old_buf = cq->buf;
	cq->ring = ring;
	cq->buf = buf;
	WRITE_ONCE(cq->entries, entries);
	ibcq->cqe = entries;
	spin_unlock_irqrestore(&cq->lock, flags);

	if (old_ring)
		pedma_uring_free(old_ring);
	else
		vfree(old_buf);
	return 0;
err:
	if (ring)
		pedma_uring_free(ring);
	else
		vfree(buf);
	return ret;
}

#ifdef PEDMA_HAVE_RESIZE_USER_CQ
/* Kernels where only user CQs can be resized (there is no ib_resize_cq()) */
static int pedma_resize_user_cq(struct ib_cq *ibcq, unsigned int cqe,
				struct ib_udata *udata)
{
	if (cqe > INT_MAX)
		return -EINVAL;
	return pedma_resize_cq(ibcq, cqe, udata);
}
#endif

/* Queue @what (PEDMA_CQ_NOTIFY_*) of @cq for notify_work.  Any context. */
static void queue_notify(struct pedma_dev *dev, struct pedma_cq *cq, u8 what)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->notify_lock, flags);
	cq->notify_pending |= what;
	if (list_empty(&cq->notify_node))
		list_add_tail(&cq->notify_node, &dev->notify_list);
	spin_unlock_irqrestore(&dev->notify_lock, flags);
}

/* Run the handlers of queued CQs and events; called after dropping xlock. */
void pedma_notify_run(struct pedma_dev *dev)
{
	if (!list_empty_careful(&dev->notify_list) ||
	    !list_empty_careful(&dev->event_list))
		queue_work(dev->notify_wq, &dev->notify_work);
}

/*
 * Queue async event @type of a QP or SRQ: its handler may post work, so
 * it never runs under our locks.  Any context.
 */
void pedma_async_queue(struct pedma_dev *dev, struct pedma_async *a,
		       enum ib_event_type type)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->notify_lock, flags);
	a->pending |= BIT(type);
	if (list_empty(&a->node))
		list_add_tail(&a->node, &dev->event_list);
	spin_unlock_irqrestore(&dev->notify_lock, flags);
	/* xlock may be held: the work runs the handler later */
	queue_work(dev->notify_wq, &dev->notify_work);
}

/* The QP or SRQ is going away: drop its events, wait for a running one. */
void pedma_async_cancel(struct pedma_dev *dev, struct pedma_async *a)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->notify_lock, flags);
	list_del_init(&a->node);
	a->pending = 0;
	spin_unlock_irqrestore(&dev->notify_lock, flags);
	flush_work(&dev->notify_work);
}

static void async_deliver(struct pedma_async *a, u32 pending)
{
	struct ib_event ev = {};
	void (*handler)(struct ib_event *ev, void *ctx);
	void *ctx;

	if (a->srq) {
		struct pedma_srq *srq = container_of(a, struct pedma_srq, async);

		ev.device = srq->ibsrq.device;
		ev.element.srq = &srq->ibsrq;
		handler = srq->ibsrq.event_handler;
		ctx = srq->ibsrq.srq_context;
	} else {
		struct pedma_qp *qp = container_of(a, struct pedma_qp, async);

		ev.device = qp->ibqp.device;
		ev.element.qp = &qp->ibqp;
		handler = qp->ibqp.event_handler;
		ctx = qp->ibqp.qp_context;
	}
	while (pending && handler) {
		ev.event = __ffs(pending);
		pending &= pending - 1;
		handler(&ev, ctx);
	}
}

void pedma_notify_work(struct work_struct *work)
{
	struct pedma_dev *dev = container_of(work, struct pedma_dev,
					     notify_work);
	struct pedma_async *a;
	struct pedma_cq *cq;
	unsigned long flags;
	u32 pending = 0;
	u8 cq_pending = 0;

	for (;;) {
		spin_lock_irqsave(&dev->notify_lock, flags);
		a = list_first_entry_or_null(&dev->event_list,
					     struct pedma_async, node);
		if (a) {
			list_del_init(&a->node);
			pending = a->pending;
			a->pending = 0;
		}
		cq = list_first_entry_or_null(&dev->notify_list,
					      struct pedma_cq, notify_node);
		if (cq) {
			list_del_init(&cq->notify_node);
			cq_pending = cq->notify_pending;
			cq->notify_pending = 0;
		}
		spin_unlock_irqrestore(&dev->notify_lock, flags);
		if (!cq && !a)
			return;
		/* destroy_qp/srq cancel, destroy_cq flushes, before freeing */
		if (a)
			async_deliver(a, pending);
		if (cq && (cq_pending & PEDMA_CQ_NOTIFY_ERR) &&
		    cq->ibcq.event_handler) {
			struct ib_event ev = {
				.device = cq->ibcq.device,
				.element.cq = &cq->ibcq,
				.event = IB_EVENT_CQ_ERR,
			};

			cq->ibcq.event_handler(&ev, cq->ibcq.cq_context);
		}
		if (cq && (cq_pending & PEDMA_CQ_NOTIFY_COMP) &&
		    cq->ibcq.comp_handler)
			cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
	}
}

/*
 * Add one completion.  @solicited: the completion of a solicited message
 * (wakes a CQ armed with IB_CQ_SOLICITED).  Any context; xlock may be held.
 */
void pedma_cq_add(struct pedma_cq *cq, const struct pedma_cqe *cqe,
		  bool solicited)
{
	struct pedma_dev *dev = to_pdev(cq->ibcq.device);
	struct pedma_ring_hdr *hdr = cq_hdr(cq);
	bool overflow = false, notify = false;
	unsigned long flags;
	u32 cons;

	spin_lock_irqsave(&cq->lock, flags);
	cons = READ_ONCE(hdr->cons);
	/* A consumer index we never produced (user garbage) means full. */
	if (cq->prod - cons >= cq->entries) {
		overflow = !cq->overflow;
		cq->overflow = true;
		goto out;
	}
	if (cq->ring) {
		memcpy(cq_slot(cq, cq->prod), cqe, sizeof(*cqe));
	} else {
		struct pedma_kcqe *k = cq_slot(cq, cq->prod);
		struct pedma_qp *qp = xa_load(&dev->qps, cqe->qp_num);

		k->cqe = *cqe;
		k->qp = qp ? &qp->ibqp : NULL;
	}
	cq->prod++;
	/* The entry must be visible before the index that publishes it. */
	smp_store_release(&hdr->prod, cq->prod);

	if (cq->armed == IB_CQ_NEXT_COMP ||
	    (cq->armed == IB_CQ_SOLICITED &&
	     (solicited || cqe->status != IB_WC_SUCCESS))) {
		cq->armed = 0;
		notify = true;
	}
out:
	spin_unlock_irqrestore(&cq->lock, flags);
	if (notify)
		queue_notify(dev, cq, PEDMA_CQ_NOTIFY_COMP);
	if (overflow) {
		ibdev_warn_ratelimited(cq->ibcq.device,
				       "CQ overflow (%u entries): completions lost\n",
				       cq->entries);
		/* IB_EVENT_CQ_ERR, from notify_work: never under our locks */
		queue_notify(dev, cq, PEDMA_CQ_NOTIFY_ERR);
		queue_work(dev->notify_wq, &dev->notify_work);
	}
}

static const u8 cqe_to_wc_opcode[] = {
	[PEDMA_CQE_OP_SEND] = IB_WC_SEND,
	[PEDMA_CQE_OP_RDMA_WRITE] = IB_WC_RDMA_WRITE,
	[PEDMA_CQE_OP_RDMA_READ] = IB_WC_RDMA_READ,
	[PEDMA_CQE_OP_RECV] = IB_WC_RECV,
	[PEDMA_CQE_OP_RECV_RDMA_IMM] = IB_WC_RECV_RDMA_WITH_IMM,
	[PEDMA_CQE_OP_REG_MR] = IB_WC_REG_MR,
	[PEDMA_CQE_OP_LOCAL_INV] = IB_WC_LOCAL_INV,
	[PEDMA_CQE_OP_ATOMIC_CMP_SWP] = IB_WC_COMP_SWAP,
	[PEDMA_CQE_OP_ATOMIC_FETCH_ADD] = IB_WC_FETCH_ADD,
};

/* Kernel CQs only: user CQs are polled in userspace. */
static int pedma_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	struct pedma_ring_hdr *hdr = cq_hdr(cq);
	unsigned long flags;
	u32 cons;
	int n = 0;

	if (cq->ring)
		return -EINVAL;
	spin_lock_irqsave(&cq->lock, flags);
	cons = hdr->cons;
	while (n < num && cons != cq->prod) {
		struct pedma_kcqe *k = cq_slot(cq, cons);
		struct ib_wc *w = &wc[n++];

		memset(w, 0, sizeof(*w));
		w->wr_id = k->cqe.wr_id;
		w->status = k->cqe.status;
		w->opcode = k->cqe.opcode < ARRAY_SIZE(cqe_to_wc_opcode) ?
			    cqe_to_wc_opcode[k->cqe.opcode] : IB_WC_SEND;
		w->vendor_err = k->cqe.vendor_err;
		w->byte_len = k->cqe.byte_len;
		w->qp = k->qp;
		w->src_qp = k->cqe.src_qp;
		w->slid = k->cqe.slid;
		w->sl = k->cqe.sl;
		w->pkey_index = k->cqe.pkey_index;
		w->port_num = PEDMA_PORT;
		if (k->cqe.flags & PEDMA_CQE_F_IMM) {
			w->ex.imm_data = k->cqe.imm_data;
			w->wc_flags |= IB_WC_WITH_IMM;
		}
		if (k->cqe.flags & PEDMA_CQE_F_GRH)
			w->wc_flags |= IB_WC_GRH;
		if (k->cqe.flags & PEDMA_CQE_F_INV) {
			w->ex.invalidate_rkey = be32_to_cpu(k->cqe.imm_data);
			w->wc_flags |= IB_WC_WITH_INVALIDATE;
		}
		cons++;
	}
	hdr->cons = cons;
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

static int pedma_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags f)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&cq->lock, flags);
	cq->armed = f & IB_CQ_SOLICITED_MASK;
	if ((f & IB_CQ_REPORT_MISSED_EVENTS) &&
	    READ_ONCE(cq_hdr(cq)->cons) != cq->prod)
		ret = 1;
	spin_unlock_irqrestore(&cq->lock, flags);
	return ret;
}

const struct ib_device_ops pedma_cq_ops = {
	.create_cq = pedma_create_cq,
	.destroy_cq = pedma_destroy_cq,
	.poll_cq = pedma_poll_cq,
	.req_notify_cq = pedma_req_notify_cq,
#ifdef PEDMA_HAVE_RESIZE_USER_CQ
	.resize_user_cq = pedma_resize_user_cq,
#else
	.resize_cq = pedma_resize_cq,
#endif

	INIT_RDMA_OBJ_SIZE(ib_cq, pedma_cq, ibcq),
};
