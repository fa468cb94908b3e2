// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Driver attributes of "rdma resource show qp|cq|mr|srq ... -d": ring
 * sizes and indices, the peer QP, keys and the requester's state, taken
 * under the lock that covers them and put into the message after.
 */
#include <net/netlink.h>
#include <rdma/rdma_netlink.h>
#include <rdma/restrack.h>

#include "pedma.h"

struct res_attr {
	const char *name;
	u64 val;
	bool hex;
};

/* The attributes, in the driver's nest of the resource's entry */
static int res_put(struct sk_buff *msg, const struct res_attr *a,
		   unsigned int n)
{
	struct nlattr *nest;
	unsigned int i;
	int ret;

	nest = nla_nest_start(msg, RDMA_NLDEV_ATTR_DRIVER);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (a[i].hex)
			ret = rdma_nl_put_driver_u64_hex(msg, a[i].name,
							 a[i].val);
		else if (a[i].val <= U32_MAX)
			ret = rdma_nl_put_driver_u32(msg, a[i].name, a[i].val);
		else
			ret = rdma_nl_put_driver_u64(msg, a[i].name, a[i].val);
		if (ret) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int pedma_fill_res_qp(struct sk_buff *msg, struct ib_qp *ibqp)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	const struct pedma_rq *rq = qp->srq ? &qp->srq->rq : &qp->rq;
	unsigned long flags;
	struct res_attr a[] = {
		{ "sq_entries" }, { "sq_prod" }, { "sq_cons" },
		{ "rq_entries" }, { "rq_prod" }, { "rq_cons" },
		{ "rq_avail" }, { "peer_qpn" }, { "req_active" },
		{ "req_bytes_done" }, { "chain_running" }, { "waiting_chan" },
		{ "waiting_peer" }, { "rnr_left" }, { "retry_left" },
		{ "user" }, { "srq" },
	};
	unsigned int i = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	a[i++].val = qp->sq_entries;
	a[i++].val = qp->sq_tail;
	a[i++].val = qp->sq_cur;
	a[i++].val = rq->entries;
	a[i++].val = rq->prod;
	a[i++].val = rq->cons;
	a[i++].val = rq->avail;
	a[i++].val = qp->ud ? qp->req.dst_qpn : qp->attr.dest_qp_num;
	a[i++].val = qp->req.active;
	a[i++].val = qp->req.done;
	a[i++].val = !!qp->chan;
	a[i++].val = qp->chan_waiting;
	a[i++].val = qp->rnr_wait;
	a[i++].val = qp->rnr_left;
	a[i++].val = qp->retry_left;
	a[i++].val = qp->user;
	a[i++].val = !!qp->srq;
	spin_unlock_irqrestore(&dev->xlock, flags);
	return res_put(msg, a, i);
}

static int pedma_fill_res_cq(struct sk_buff *msg, struct ib_cq *ibcq)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	unsigned long flags;
	struct res_attr a[] = {
		{ "entries" }, { "prod" }, { "armed" }, { "overflow" },
		{ "user" },
	};
	unsigned int i = 0;

	spin_lock_irqsave(&cq->lock, flags);
	a[i++].val = READ_ONCE(cq->entries);	/* resize_cq may change it */
	a[i++].val = cq->prod;
	a[i++].val = cq->armed;
	a[i++].val = cq->overflow;
	a[i++].val = !!cq->ring;
	spin_unlock_irqrestore(&cq->lock, flags);
	return res_put(msg, a, i);
}

/*
 * A fast-registration MR's translation, access and key change at REG_MR
 * and LOCAL_INV under xlock; the other MR types never change after
 * creation, so one rule covers both: read them under xlock.  Neither the
 * key nor the iova is shown: this callback also serves users without
 * CAP_NET_ADMIN, from whom the core hides keys (a kernel ULP's rkey and
 * address are what a remote access needs).
 */
static int pedma_fill_res_mr(struct sk_buff *msg, struct ib_mr *ibmr)
{
	struct pedma_mr *mr = to_pmr(ibmr);
	struct pedma_dev *dev = to_pdev(ibmr->device);
	unsigned long flags;
	struct res_attr a[] = {
		{ "index" }, { "type" }, { "access", 0, true },
		{ "length" }, { "page_shift" }, { "npages" }, { "valid" },
		{ "published" }, { "user" },
	};
	unsigned int i = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	a[i++].val = mr->index;
	a[i++].val = mr->type;
	a[i++].val = mr->access;
	a[i++].val = mr->length;
	a[i++].val = mr->page_shift;
	a[i++].val = mr->npages;
	a[i++].val = mr->valid;
	a[i++].val = mr->pages_off != 0;
	a[i++].val = !!mr->umem;
	spin_unlock_irqrestore(&dev->xlock, flags);
	return res_put(msg, a, i);
}

#ifdef PEDMA_HAVE_FILL_RES_SRQ_ENTRY
static int pedma_fill_res_srq(struct sk_buff *msg, struct ib_srq *ibsrq)
{
	struct pedma_srq *srq = to_psrq(ibsrq);
	struct pedma_dev *dev = to_pdev(ibsrq->device);
	unsigned long flags;
	struct res_attr a[] = {
		{ "entries" }, { "prod" }, { "cons" }, { "avail" },
		{ "limit" }, { "user" },
	};
	unsigned int i = 0;

	spin_lock_irqsave(&dev->xlock, flags);
	a[i++].val = srq->rq.entries;
	a[i++].val = srq->rq.prod;
	a[i++].val = srq->rq.cons;
	a[i++].val = srq->avail;
	a[i++].val = srq->limit;
	a[i++].val = !!srq->rq.uring;
	spin_unlock_irqrestore(&dev->xlock, flags);
	return res_put(msg, a, i);
}
#endif

const struct ib_device_ops pedma_res_ops = {
	.fill_res_cq_entry = pedma_fill_res_cq,
	.fill_res_mr_entry = pedma_fill_res_mr,
	.fill_res_qp_entry = pedma_fill_res_qp,
#ifdef PEDMA_HAVE_FILL_RES_SRQ_ENTRY
	.fill_res_srq_entry = pedma_fill_res_srq,
#endif
};
