// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The endpoint-driven mode (layout 8; docs/hardware.md, "The endpoint-
 * driven mode"): the host owns no channel, its chains run on the
 * endpoint's.
 *
 * Host: the proxy mover (pedma_mover.h).  Its channels are virtual
 * (PEDMA_PROXY_CHAN per direction); start() writes the chain as one request
 * into the host's proxy ring (its outbound area: endpoint memory) and rings
 * the endpoint; the endpoint's answer, read at the host's doorbell, ends
 * the chain as an engine interrupt would.  A segment names the host's
 * memory by DMA address and the endpoint's only by its authority (an rkey
 * and iova, a receive and an offset, the atomic result buffer).
 *
 * Endpoint: the service.  At a doorbell, and whenever one of its chains
 * ended, it takes the host's requests in order, translates every segment
 * from its own state (QPs, MRs, the private copies of published receives;
 * never from the window) and runs each request as a chain of its own mover
 * on its own channels.  A request that does not translate moves nothing
 * and is answered REFUSED.  The answer goes to the endpoint's proxy ring
 * (its outbound area) with a doorbell.
 *
 * Everything here runs under dev->xlock but pedma_proxy_quiesce() (the
 * host's link-down wait, process context).
 */
#include <linux/delay.h>

#include "pedma.h"

/* Proxy channels of the host per direction: chains in flight at most */
#define PEDMA_PROXY_CHAN	4
/* How long the host waits at link-down for answers to chains under way */
#define PEDMA_PROXY_QUIESCE_MS	1000

struct pedma_proxy_vch {		/* host: one proxy channel */
	struct pedma_xreq req;		/* the chain being built */
	u32 req_seq;			/* its request's index, once started */
};

struct pedma_proxy_job {		/* endpoint: a host chain on a channel */
	u8 tag;
	u32 req_seq;
};

struct pedma_proxy {
	/* host */
	struct pedma_proxy_vch vch[2][PEDMA_PROXY_CHAN];
	u32 xq_prod;			/* requests posted (free running) */
	u32 xc_cons;			/* answers taken */
	u32 ended[2];			/* done [7:0], abort [23:16] by index */
	/* endpoint */
	struct pedma_proxy_job job[2][PEDMA_MAX_CHAN];
	u32 xq_cons;			/* host requests taken */
	u32 xc_prod;			/* answers posted */
};

int pedma_proxy_init(struct pedma_dev *dev)
{
	dev->proxy = kzalloc(sizeof(*dev->proxy), GFP_KERNEL);
	return dev->proxy ? 0 : -ENOMEM;
}

void pedma_proxy_destroy(struct pedma_dev *dev)
{
	kfree(dev->proxy);
	dev->proxy = NULL;
}

/* Offsets in an area of the host's request ring, the endpoint's answers */
static u32 xq_slot(u32 idx)
{
	return PEDMA_AREA_PROXY_OFF +
	       (idx & (PEDMA_XQ_ENTRIES - 1)) * sizeof(struct pedma_xreq);
}

static u32 xc_slot(u32 idx)
{
	return PEDMA_AREA_PROXY_OFF +
	       (idx & (PEDMA_XC_ENTRIES - 1)) * sizeof(struct pedma_xcpl);
}

#define CTRL_CANCEL	(PEDMA_AREA_CTRL_OFF + \
			 offsetof(struct pedma_area_ctrl, px_cancel))

/* ------------------------------------------------------------------------ */
/* Host: the proxy mover                                                    */
/* ------------------------------------------------------------------------ */

static void px_link_up(struct pedma_dev *dev)
{
	struct pedma_proxy *px = dev->proxy;
	int dir, i;

	for (dir = 0; dir < 2; dir++) {
		dev->nchan[dir] = PEDMA_PROXY_CHAN;
		for (i = 0; i < PEDMA_PROXY_CHAN; i++)
			pedma_chan_init(&dev->chan[dir][i], dir, i);
		px->ended[dir] = 0;
	}
	/* The endpoint's answers of earlier links are void. */
	px->xc_cons = pedma_wnd_readl(dev, dev->in + CTRL_CANCEL);
}

static int px_begin(struct pedma_dev *dev, int dir, struct pedma_chain *c)
{
	struct pedma_chan *ch = pedma_chan_free(dev, dir);
	struct pedma_proxy_vch *v;

	if (!ch)
		return -EBUSY;
	v = &dev->proxy->vch[dir][ch->idx];
	c->ch = ch;
	c->room = PEDMA_XQ_SEGS;
	c->n = 0;
	c->priv = v;
	v->req.dir = dir;
	v->req.tag = dir * PEDMA_PROXY_CHAN + ch->idx;
	return 0;
}

static void px_add(struct pedma_chain *c, u64 src, u64 dst, u32 len,
		   const struct pedma_auth *peer)
{
	struct pedma_proxy_vch *v = c->priv;
	struct pedma_xseg *s = &v->req.seg[c->n];

	/* A write channel moves endpoint memory to the host: dst is ours. */
	s->host_addr = cpu_to_le64(v->req.dir == PEDMA_DIR_WR ? dst : src);
	s->len = cpu_to_le32(len);
	s->kind = peer ? peer->kind : PEDMA_AUTH_NONE;	/* refused */
	s->key = cpu_to_le32(peer ? peer->key : 0);
	s->qpn = cpu_to_le32(peer ? peer->qpn : 0);
	s->iova = cpu_to_le64(peer ? peer->iova : 0);
	c->n++;
	c->room--;
}

static void px_start(struct pedma_dev *dev, struct pedma_chain *c,
		     pedma_chain_done_fn done, void *cookie)
{
	struct pedma_proxy *px = dev->proxy;
	struct pedma_proxy_vch *v = c->priv;
	u32 slot = xq_slot(px->xq_prod);

	v->req.nseg = c->n;
	v->req.seq = 0;
	v->req_seq = px->xq_prod;
	pedma_out_copy(dev, slot + sizeof(v->req.seq),
		       (u8 *)&v->req + sizeof(v->req.seq),
		       offsetof(struct pedma_xreq, seg[c->n]) -
		       sizeof(v->req.seq));
	wmb();	/* the request before the sequence number that validates it */
	pedma_out_w32(dev, slot, px->xq_prod + 1);	/* its number: 1-based */
	px->xq_prod++;
	pedma_chain_started(c->ch, done, cookie);
	pedma_peer_notify(dev);
}

/*
 * Take the endpoint's answers: each ends the chain of its proxy channel
 * (if it is the one asked).  @end: end them now (link up); else only
 * note them (quiesce).  xlock held.
 */
static void px_answers(struct pedma_dev *dev, bool end)
{
	struct pedma_proxy *px = dev->proxy;
	u32 n;

	for (n = 0; n < PEDMA_XC_ENTRIES; n++) {
		void __iomem *slot = dev->in + xc_slot(px->xc_cons);
		struct pedma_xcpl a;
		unsigned int dir, i;

		if (pedma_wnd_readl(dev, slot) != px->xc_cons + 1)
			break;	/* not there yet */
		rmb();	/* the answer after its sequence number */
		pedma_wnd_copy(dev, &a, slot, sizeof(a));
		px->xc_cons++;
		dir = a.tag / PEDMA_PROXY_CHAN;
		i = a.tag % PEDMA_PROXY_CHAN;
		if (dir > 1 || !dev->chan[dir][i].busy ||
		    px->vch[dir][i].req_seq != le32_to_cpu(a.req_seq)) {
			ibdev_warn_ratelimited(&dev->ibdev,
					       "proxy: answer for tag %u request %u ignored\n",
					       a.tag, le32_to_cpu(a.req_seq));
			continue;
		}
		if (a.status != PEDMA_XST_OK)
			ibdev_err_ratelimited(&dev->ibdev,
					      "proxy: the endpoint %s request %u\n",
					      a.status == PEDMA_XST_REFUSED ?
					      "refused" : "aborted",
					      le32_to_cpu(a.req_seq));
		px->ended[dir] |= a.status == PEDMA_XST_OK ?
				  EDMA_V0_INT_DONE(i) : EDMA_V0_INT_ABORT(i);
	}
	if (!end)
		return;
	for (n = 0; n < 2; n++) {
		u32 st = px->ended[n];

		px->ended[n] = 0;
		if (st)
			pedma_chains_end(dev, n, st);
	}
}

/* Host, at a doorbell with the link up: end the chains answered.  xlock held. */
void pedma_proxy_host_event(struct pedma_dev *dev)
{
	if (dev->mover == &pedma_proxy_mover)
		px_answers(dev, true);
}

static bool px_all_answered(struct pedma_dev *dev, const u8 busy[2])
{
	struct pedma_proxy *px = dev->proxy;
	unsigned long flags;
	bool all;

	spin_lock_irqsave(&dev->xlock, flags);
	px_answers(dev, false);
	all = !(busy[0] & ~px->ended[0]) && !(busy[1] & ~px->ended[1]);
	spin_unlock_irqrestore(&dev->xlock, flags);
	return all;
}

/*
 * Link down: wait (bounded) for the endpoint's answers to the chains under
 * way.  The host cannot stop the endpoint's channels; an endpoint that does
 * not answer is taken as having ended them (as a peer taken as dead: on a
 * board only the host's IOMMU rules out a late access).  Process context.
 */
static void px_quiesce(struct pedma_dev *dev, const u8 busy[2])
{
	unsigned int ms;

	for (ms = 0; ms < PEDMA_PROXY_QUIESCE_MS; ms++) {
		if (px_all_answered(dev, busy))
			return;
		usleep_range(1000, 2000);
	}
	ibdev_warn(&dev->ibdev,
		   "proxy: the endpoint did not answer chains under way (wr %#x rd %#x): taken as ended\n",
		   busy[0] & ~dev->proxy->ended[0], busy[1] & ~dev->proxy->ended[1]);
}

/* After quiesce: what was posted and not taken is void for the endpoint. */
static void px_reset(struct pedma_dev *dev, const u8 busy[2])
{
	struct pedma_proxy *px = dev->proxy;

	px->ended[0] = 0;
	px->ended[1] = 0;
	pedma_out_w32(dev, CTRL_CANCEL, px->xq_prod);
	pedma_chains_reset(dev);
}

static u32 px_irq_status(struct pedma_dev *dev, int dir)
{
	return 0;	/* answers arrive with doorbells: pedma_proxy_host_event() */
}

static void px_irq(struct pedma_dev *dev, int dir, u32 st)
{
}

const struct pedma_mover_ops pedma_proxy_mover = {
	.name = "proxy",
	.max_seg = 0x40000000u,
	.link_up = px_link_up,
	.quiesce = px_quiesce,
	.reset = px_reset,
	.begin = px_begin,
	.add = px_add,
	.start = px_start,
	.irq_status = px_irq_status,
	.irq = px_irq,
};

/* ------------------------------------------------------------------------ */
/* Endpoint: the service                                                    */
/* ------------------------------------------------------------------------ */

static void ep_answer(struct pedma_dev *dev, u8 tag, u32 req_seq, u8 status)
{
	struct pedma_proxy *px = dev->proxy;
	u32 slot = xc_slot(px->xc_prod);
	struct pedma_xcpl a = {
		.req_seq = cpu_to_le32(req_seq),
		.tag = tag,
		.status = status,
	};

	pedma_out_copy(dev, slot + sizeof(a.seq), (u8 *)&a + sizeof(a.seq),
		       sizeof(a) - sizeof(a.seq));
	wmb();	/* the answer before the sequence number that validates it */
	pedma_out_w32(dev, slot, px->xc_prod + 1);	/* its number: 1-based */
	px->xc_prod++;
	pedma_peer_notify(dev);
}

static void ep_chain_done(struct pedma_dev *dev, int dir, void *cookie,
			  bool aborted)
{
	struct pedma_proxy_job *j = cookie;

	pedma_ctr_inc(dev, aborted ? PEDMA_CTR_CHAINS_ABORTED :
				     PEDMA_CTR_CHAINS_DONE);
	ep_answer(dev, j->tag, j->req_seq,
		  aborted ? PEDMA_XST_ABORT : PEDMA_XST_OK);
	/* our own QPs may wait for the channel (the host's requests next) */
	pedma_xfer_chan_wake(dev, dir);
}

/* Our receive @idx of @rq, by its private copy: byte @off of it */
static int ep_recv_sge(struct pedma_rq *rq, u32 idx, u64 off,
		       const struct ib_sge **sge, u64 *in)
{
	u32 slot = idx & (rq->entries - 1);
	const struct ib_sge *s;
	u8 i, n;

	if (!rq->entries || !rq->psge || idx - rq->cons >= rq->prod - rq->cons ||
	    (rq->done && rq->done[slot]))
		return -EINVAL;	/* not published, or completed */
	n = rq->pnsge[slot];
	s = &rq->psge[(size_t)slot * PEDMA_MAX_SGE];
	for (i = 0; i < n; i++) {
		if (off < s[i].length) {
			*sge = &s[i];
			*in = off;
			return 0;
		}
		off -= s[i].length;
	}
	return -EINVAL;
}

/*
 * Translate one segment of a host request from our own state and add it
 * (possibly cut at our page boundaries) to @c.  Returns 0, or -EACCES.
 */
static int ep_xlate(struct pedma_dev *dev, int dir, const struct pedma_xseg *s,
		    struct pedma_chain *c)
{
	const struct pedma_mover_ops *mv = dev->mover;
	u64 host = le64_to_cpu(s->host_addr), iova = le64_to_cpu(s->iova);
	u64 len = le32_to_cpu(s->len), done = 0;
	struct pedma_qp *qp = NULL;

	if (!len)
		return -EACCES;
	if (s->kind == PEDMA_AUTH_MR || s->kind == PEDMA_AUTH_RECV) {
		qp = xa_load(&dev->qps, le32_to_cpu(s->qpn));
		if (!qp || qp->dying || qp->loop || qp->state < IB_QPS_RTR ||
		    qp->state > IB_QPS_SQD)
			return -EACCES;
	}
	while (done < len) {
		struct pedma_seg seg;
		u64 left = len - done;

		switch (s->kind) {
		case PEDMA_AUTH_MR: {
			bool w = dir == PEDMA_DIR_RD;	/* into our memory */
			int acc = w ? IB_ACCESS_REMOTE_WRITE :
				      IB_ACCESS_REMOTE_READ;

			if (qp->ud || !(qp->attr.qp_access_flags & acc) ||
			    pedma_local_seg(dev, qp->ibqp.pd,
					    le32_to_cpu(s->key), iova + done,
					    left, w ? PEDMA_ACC_REMOTE_WRITE :
					    PEDMA_ACC_REMOTE_READ, &seg))
				return -EACCES;
			break;
		}
		case PEDMA_AUTH_RECV: {
			struct pedma_rq *rq = qp->srq ? &qp->srq->rq : &qp->rq;
			struct ib_pd *pd = qp->srq ? qp->srq->ibsrq.pd :
				qp->ibqp.pd;
			const struct ib_sge *sge;
			u64 in;

			if (dir != PEDMA_DIR_RD ||
			    ep_recv_sge(rq, le32_to_cpu(s->key), iova + done,
					&sge, &in) ||
			    pedma_local_seg(dev, pd, sge->lkey, sge->addr + in,
					    min_t(u64, left, sge->length - in),
					    PEDMA_ACC_LOCAL_WRITE, &seg))
				return -EACCES;
			break;
		}
		case PEDMA_AUTH_ATOMIC: {
			u64 off = iova + done;

			if (dir != PEDMA_DIR_WR || !dev->atomic_res_dma ||
			    off >= PEDMA_MAX_QP * sizeof(__le64) ||
			    left > sizeof(__le64) - off % sizeof(__le64))
				return -EACCES;
			seg.addr = dev->atomic_res_dma + off;
			seg.len = left;
			break;
		}
		default:
			return -EACCES;
		}
		if (!seg.len || !c->room)
			return -EACCES;
		seg.len = min3(seg.len, left, (u64)mv->max_seg);
		if (dir == PEDMA_DIR_WR)
			mv->add(c, seg.addr, host + done, seg.len, NULL);
		else
			mv->add(c, host + done, seg.addr, seg.len, NULL);
		done += seg.len;
	}
	return 0;
}

/*
 * Take the host's requests while we have channels for them.  Called with
 * the link up, at doorbells and when one of our chains ended.  xlock held.
 */
void pedma_proxy_serve(struct pedma_dev *dev)
{
	struct pedma_proxy *px = dev->proxy;
	const struct pedma_mover_ops *mv = dev->mover;
	u32 cancel, n;

	if (dev->be->role != PEDMA_ROLE_EP || !dev->link.part.ep_driven ||
	    !dev->xfer_up)
		return;
	cancel = pedma_wnd_readl(dev, dev->in + CTRL_CANCEL);
	if ((s32)(cancel - px->xq_cons) > 0)
		px->xq_cons = cancel;	/* voided by the host's link-down */
	for (n = 0; n < PEDMA_XQ_ENTRIES; n++) {
		void __iomem *slot = dev->in + xq_slot(px->xq_cons);
		struct pedma_xreq r;
		struct pedma_chain c;
		unsigned int i;
		bool ok;

		if (pedma_wnd_readl(dev, slot) != px->xq_cons + 1)
			return;	/* none posted */
		rmb();	/* the request after its sequence number */
		pedma_wnd_copy(dev, &r, slot, offsetof(struct pedma_xreq, seg));
		if (r.dir > PEDMA_DIR_RD || !r.nseg || r.nseg > PEDMA_XQ_SEGS ||
		    r.tag >= 2 * PEDMA_PROXY_CHAN) {
			ibdev_warn_ratelimited(&dev->ibdev,
					       "proxy: host request %u invalid (dir %u, %u segments, tag %u)\n",
					       px->xq_cons, r.dir, r.nseg, r.tag);
			ep_answer(dev, r.tag, px->xq_cons, PEDMA_XST_REFUSED);
			px->xq_cons++;
			continue;
		}
		if (mv->begin(dev, r.dir, &c))
			return;	/* no channel: again when a chain ends */
		pedma_wnd_copy(dev, r.seg, slot + offsetof(struct pedma_xreq, seg),
			       r.nseg * sizeof(r.seg[0]));
		ok = true;
		for (i = 0; i < r.nseg && ok; i++)
			ok = !ep_xlate(dev, r.dir, &r.seg[i], &c);
		if (!ok || !c.n) {
			ibdev_warn_ratelimited(&dev->ibdev,
					       "proxy: host request %u refused: segment %u does not translate\n",
					       px->xq_cons, i ? i - 1 : 0);
			ep_answer(dev, r.tag, px->xq_cons, PEDMA_XST_REFUSED);
		} else {
			struct pedma_proxy_job *j =
				&px->job[r.dir][c.ch - dev->chan[r.dir]];

			j->tag = r.tag;
			j->req_seq = px->xq_cons;
			pedma_ctr_inc(dev, PEDMA_CTR_CHAINS_STARTED);
			mv->start(dev, &c, ep_chain_done, j);
		}
		px->xq_cons++;
	}
}

/* Endpoint link up: start at what the host has not voided.  xlock held. */
void pedma_proxy_link_up(struct pedma_dev *dev)
{
	struct pedma_proxy *px = dev->proxy;

	if (dev->be->role == PEDMA_ROLE_EP)
		px->xq_cons = pedma_wnd_readl(dev, dev->in + CTRL_CANCEL);
}

/*
 * Endpoint link down, after its quiesce: our unsent answers are void for
 * the host's next link.  xlock held.
 */
void pedma_proxy_link_down(struct pedma_dev *dev)
{
	if (dev->be->role == PEDMA_ROLE_EP)
		pedma_out_w32(dev, CTRL_CANCEL, dev->proxy->xc_prod);
}
