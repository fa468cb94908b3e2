// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma UD, SMI and GSI QPs: address handles, datagram targets, multicast.
 *
 * A datagram goes to the LID of its address vector: the peer's LID (the
 * eDMA moves it into a receive the peer published, like a SEND: the
 * requester in pedma_xfer.c), our own LID (a same-side delivery), or a
 * multicast LID (one copy to every attached QP, on both sides).  Other
 * LIDs reach nobody; as on a fabric, the send still completes.
 *
 * Same-side delivery.  The eDMA moves data between the two sides only (a
 * write channel reads endpoint memory and writes PCIe, a read channel the
 * reverse), so a datagram to a QP on the sender's own side is copied by
 * the CPU, like an HCA's internal loopback: the GSI QP of the subnet
 * manager's side talks to itself this way (SA queries), and multicast
 * reaches the sender's side.  Both ends are registered memory, found by
 * key translation as for the eDMA and mapped page by page.  A receive
 * published to the peer has one consumer, the peer's requester, so a
 * same-side sender never takes one itself: it claims one through the peer
 * (pedma_claim.c), one round trip per datagram.  QP1 and QP0 also keep
 * up to a quarter of their receive queue for same-side senders
 * (pedma_lrq: SA queries and SMPs to our own LID, without the round trip
 * and while the link is down), taking a new receive there only while at
 * least half the queue is published, and publishing kept receives again
 * when the published part falls below a quarter (pedma_qp.c).
 * Completions of the parts may interleave out of posting order, as on an
 * SRQ.  Other UD QPs publish every receive (a peer sending a burst
 * expects all it posted).
 *
 * Q_Key: a datagram whose Q_Key (the QP's own when the high bit of the
 * work request's is set) differs from the target QP's is dropped, as is
 * one for a target with no receive posted or not in RTR or later.
 *
 * Locking: everything under dev->xlock.  Address handles are inserted and
 * erased under it too, so a lookup under xlock never sees a freed AH.
 */
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/iommu.h>

#include "pedma.h"

static struct pedma_ah *to_pah(struct ib_ah *ibah)
{
	return container_of(ibah, struct pedma_ah, ibah);
}

#define PEDMA_LID_PERMISSIVE	0xffff

static bool qp_is_smi(const struct pedma_qp *qp)
{
	return qp->type == IB_QPT_SMI;
}

static bool is_mc_lid(u16 lid)
{
	return lid >= PEDMA_MC_LID_FIRST && lid <= PEDMA_MC_LID_LAST;
}

/* ---------------------------------------------------------------------- */
/* Address handles                                                        */
/* ---------------------------------------------------------------------- */

static int pedma_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
			   struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibah->device);
	struct rdma_ah_attr *a = init->ah_attr;
	struct pedma_ah *ah = to_pah(ibah);
	struct pedma_create_ah_resp resp = {};
	unsigned long flags;
	int ret;

	if (a->type != RDMA_AH_ATTR_TYPE_IB ||
	    rdma_ah_get_port_num(a) != PEDMA_PORT || rdma_ah_get_sl(a) > 15)
		return -EINVAL;
	if (udata && udata->outlen < sizeof(resp))
		return -EINVAL;
	memset(&ah->av, 0, sizeof(ah->av));
	ah->av.dlid = rdma_ah_get_dlid(a);
	ah->av.sl = rdma_ah_get_sl(a);
	if (rdma_ah_get_ah_flags(a) & IB_AH_GRH) {
		const struct ib_global_route *g = rdma_ah_read_grh(a);

		if (g->sgid_index)	/* one GID per port */
			return -EINVAL;
		ah->av.grh = 1;
		ah->av.dgid = g->dgid;
		ah->av.hop_limit = g->hop_limit;
		ah->av.tclass = g->traffic_class;
		ah->av.flow_label = g->flow_label & 0xfffff;
	}

	spin_lock_irqsave(&dev->xlock, flags);
	xa_lock(&dev->ahs);
	ret = __xa_alloc(&dev->ahs, &ah->id, ah,
			 XA_LIMIT(1, PEDMA_MAX_AH - 1), GFP_ATOMIC);
	xa_unlock(&dev->ahs);
	spin_unlock_irqrestore(&dev->xlock, flags);
	if (ret)
		return ret == -EBUSY ? -ENOMEM : ret;

	if (udata) {
		resp.ah_id = ah->id;
		ret = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (ret) {
			spin_lock_irqsave(&dev->xlock, flags);
			xa_lock(&dev->ahs);
			__xa_erase(&dev->ahs, ah->id);
			xa_unlock(&dev->ahs);
			spin_unlock_irqrestore(&dev->xlock, flags);
			return ret;
		}
	}
	return 0;
}

static int pedma_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	struct pedma_dev *dev = to_pdev(ibah->device);
	unsigned long irqflags;

	spin_lock_irqsave(&dev->xlock, irqflags);
	xa_lock(&dev->ahs);
	__xa_erase(&dev->ahs, to_pah(ibah)->id);
	xa_unlock(&dev->ahs);
	spin_unlock_irqrestore(&dev->xlock, irqflags);
	return 0;
}

static int pedma_query_ah(struct ib_ah *ibah, struct rdma_ah_attr *a)
{
	const struct pedma_av *av = &to_pah(ibah)->av;
	union ib_gid dgid = av->dgid;

	memset(a, 0, sizeof(*a));
	a->type = RDMA_AH_ATTR_TYPE_IB;
	rdma_ah_set_port_num(a, PEDMA_PORT);
	rdma_ah_set_dlid(a, av->dlid);
	rdma_ah_set_sl(a, av->sl);
	if (av->grh)
		rdma_ah_set_grh(a, &dgid, av->flow_label, 0,
				av->hop_limit, av->tclass);
	return 0;
}

/* The address vector of user AH @ah_id, if it belongs to @qp's PD. */
int pedma_ud_av(struct pedma_qp *qp, u32 ah_id, struct pedma_av *av)
{
	struct pedma_ah *ah = xa_load(&qp->dev->ahs, ah_id);

	if (!ah || ah->ibah.pd != qp->ibqp.pd)
		return -EINVAL;
	*av = ah->av;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Multicast attachments                                                  */
/* ---------------------------------------------------------------------- */

static void mc_publish(struct pedma_dev *dev, u32 i)
{
	u32 e = PEDMA_AREA_MC_OFF + i * sizeof(struct pedma_mc_ent);
	struct pedma_mc *m = &dev->mc[i];

	/* Invalid first, then the body, then the qpn that validates it. */
	pedma_out_w32(dev, e + offsetof(struct pedma_mc_ent, qpn), 0);
	if (!m->qpn || dev->leaving)
		return;
	wmb();	/* invalid before the body changes */
	pedma_out_copy(dev, e + offsetof(struct pedma_mc_ent, mgid),
		       m->mgid.raw, 16);
	pedma_out_w16(dev, e + offsetof(struct pedma_mc_ent, mlid), m->mlid);
	wmb();	/* the body before the qpn */
	pedma_out_w32(dev, e + offsetof(struct pedma_mc_ent, qpn), m->qpn);
}

static void mc_set_hwm(struct pedma_dev *dev)
{
	u32 hwm = PEDMA_MAX_MC;

	while (hwm && !dev->mc[hwm - 1].qpn)
		hwm--;
	dev->mc_hwm = hwm;
	if (dev->leaving)
		return;
	pedma_out_w32(dev, PEDMA_AREA_CTRL_OFF +
		      offsetof(struct pedma_area_ctrl, mc_hwm), hwm);
}

static int pedma_attach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	unsigned long flags;
	int i, slot = -1, ret = 0;

	if (qp->type != IB_QPT_UD || !is_mc_lid(lid) || gid->raw[0] != 0xff)
		return -EINVAL;
	spin_lock_irqsave(&dev->xlock, flags);
	for (i = 0; i < PEDMA_MAX_MC; i++) {
		struct pedma_mc *m = &dev->mc[i];

		if (!m->qpn) {
			if (slot < 0)
				slot = i;
		} else if (m->qpn == qp->qpn && m->mlid == lid &&
			   !memcmp(m->mgid.raw, gid->raw, 16)) {
			goto out;	/* attached already */
		}
	}
	if (slot < 0) {
		ret = -ENOMEM;
		goto out;
	}
	dev->mc[slot].mgid = *gid;
	dev->mc[slot].mlid = lid;
	dev->mc[slot].qpn = qp->qpn;
	mc_publish(dev, slot);
	mc_set_hwm(dev);
out:
	spin_unlock_irqrestore(&dev->xlock, flags);
	return ret;
}

static int pedma_detach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct pedma_dev *dev = qp->dev;
	unsigned long flags;
	int i, ret = -EINVAL;

	spin_lock_irqsave(&dev->xlock, flags);
	for (i = 0; i < PEDMA_MAX_MC; i++) {
		struct pedma_mc *m = &dev->mc[i];

		if (m->qpn == qp->qpn && m->mlid == lid &&
		    !memcmp(m->mgid.raw, gid->raw, 16)) {
			m->qpn = 0;
			mc_publish(dev, i);
			mc_set_hwm(dev);
			ret = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&dev->xlock, flags);
	return ret;
}

/* @qpn is going away: drop its attachments.  xlock held. */
void pedma_mc_detach_qp(struct pedma_dev *dev, u32 qpn)
{
	bool changed = false;
	int i;

	for (i = 0; i < dev->mc_hwm; i++) {
		if (dev->mc[i].qpn == qpn) {
			dev->mc[i].qpn = 0;
			mc_publish(dev, i);
			changed = true;
		}
	}
	if (changed)
		mc_set_hwm(dev);
}

static bool mc_match(u16 mlid, const u8 *mgid, const struct pedma_av *av)
{
	return mlid == av->dlid && (!av->grh || !memcmp(mgid, av->dgid.raw, 16));
}

/* ---------------------------------------------------------------------- */
/* Receives kept for same-side senders                                    */
/* ---------------------------------------------------------------------- */

int pedma_ud_init_qp(struct pedma_qp *qp, u32 rq_entries)
{
	struct pedma_dev *dev = qp->dev;

	qp->grh_buf = dma_alloc_coherent(dev->be->dma_dev,
					 (size_t)qp->sq_entries * PEDMA_GRH_BYTES,
					 &qp->grh_dma, GFP_KERNEL);
	if (!qp->grh_buf)
		return -ENOMEM;
	/*
	 * Only the management QPs keep a share for same-side senders (the
	 * SA's own queries, LID-routed SMPs and PMA queries to our own LID;
	 * their queues are large and lightly used).  Other UD QPs publish
	 * everything: a sender expects every receive it can see.
	 */
	qp->lrq.entries = (qp->type == IB_QPT_GSI ||
			   qp->type == IB_QPT_SMI) && rq_entries >= 64 ?
			  rq_entries / 4 : 0;
	if (qp->lrq.entries) {
		qp->lrq.e = kvcalloc(qp->lrq.entries, sizeof(*qp->lrq.e),
				     GFP_KERNEL);
		if (!qp->lrq.e) {
			pedma_ud_free_qp(qp);
			return -ENOMEM;
		}
	}
	return 0;
}

void pedma_ud_free_qp(struct pedma_qp *qp)
{
	kvfree(qp->lrq.e);
	qp->lrq.e = NULL;
	if (qp->grh_buf)
		dma_free_coherent(qp->dev->be->dma_dev,
				  (size_t)qp->sq_entries * PEDMA_GRH_BYTES,
				  qp->grh_buf, qp->grh_dma);
	qp->grh_buf = NULL;
}

/* Keep a validated receive for same-side senders if that part has room. */
bool pedma_ud_post_local(struct pedma_qp *qp, u64 wr_id,
			 const struct ib_sge *sge, int n)
{
	struct pedma_lrq *l = &qp->lrq;
	struct pedma_lrqe *e;

	if (!l->entries || l->prod - l->cons >= l->entries)
		return false;
	e = &l->e[l->prod & (l->entries - 1)];
	e->wr_id = wr_id;
	e->num_sge = n;
	memcpy(e->sge, sge, n * sizeof(*sge));
	l->prod++;
	return true;
}

/* The oldest receive kept back, to be published after all; or NULL */
struct pedma_lrqe *pedma_ud_unpost_local(struct pedma_qp *qp)
{
	struct pedma_lrq *l = &qp->lrq;

	if (l->prod == l->cons)
		return NULL;
	return &l->e[l->cons++ & (l->entries - 1)];
}

void pedma_ud_flush_local(struct pedma_qp *qp)
{
	struct pedma_lrq *l = &qp->lrq;

	while (l->cons != l->prod) {
		pedma_recv_cqe(qp, l->e[l->cons & (l->entries - 1)].wr_id,
			       IB_WC_WR_FLUSH_ERR);
		l->cons++;
	}
}

void pedma_ud_reset_local(struct pedma_qp *qp)
{
	qp->lrq.prod = 0;
	qp->lrq.cons = 0;
}

/* ---------------------------------------------------------------------- */
/* Datagrams                                                              */
/* ---------------------------------------------------------------------- */

void pedma_ud_fill_grh(struct pedma_qp *qp, struct pedma_swqe *w, void *buf)
{
	struct ib_grh *g = buf;
	const struct pedma_av *av = &w->av;

	memset(g, 0, sizeof(*g));
	g->version_tclass_flow = cpu_to_be32(6u << 28 | (u32)av->tclass << 20 |
					     av->flow_label);
	/* IBA 8.3.1: what follows the GRH: BTH, DETH, payload, ICRC */
	g->paylen = cpu_to_be16(w->length + 12 + 8 + 4);
	g->next_hdr = 0x1b;
	g->hop_limit = av->hop_limit;
	pedma_make_gid(&g->sgid, qp->dev->be->node_guid);
	g->dgid = av->dgid;
}

/*
 * The struct page behind bus address @bus of a same-side buffer: what the
 * backend or the DMA API made of it (through the IOMMU's domain if there
 * is one).
 */
struct page *pedma_bus_page(struct pedma_dev *dev, u64 bus)
{
	struct device *d = dev->be->dma_dev;
	struct iommu_domain *dom;
	struct page *pg;
	phys_addr_t phys;

	if (dev->be->ops->dma_page) {
		pg = dev->be->ops->dma_page(dev->be, bus);
		if (pg)
			return pg;
	}
	dom = iommu_get_domain_for_dev(d);
	phys = dom ? iommu_iova_to_phys(dom, bus) : dma_to_phys(d, bus);
	if (!phys || !pfn_valid(PHYS_PFN(phys)))
		return NULL;
	return pfn_to_page(PHYS_PFN(phys));
}

/* Copy between a kernel buffer and registered memory at bus [bus, +len) */
int pedma_bus_copy(struct pedma_dev *dev, u64 bus, u8 *buf, u64 len,
		   bool to_bus)
{
	while (len) {
		struct page *pg = pedma_bus_page(dev, bus);
		u32 off = offset_in_page(bus);
		u32 n = min_t(u64, len, PAGE_SIZE - off);
		u8 *p;

		if (!pg)
			return -EFAULT;
		p = kmap_local_page(pg);
		if (to_bus)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		kunmap_local(p);
		bus += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Gather [0, len) of SGE list @sge (in @pd) into @buf, or scatter @buf
 * into it (@to_sge; needs LOCAL_WRITE).  xlock held.
 */
int pedma_sge_copy(struct pedma_dev *dev, struct ib_pd *pd,
		   const struct ib_sge *sge, int n, u8 *buf, u64 len,
		   bool to_sge)
{
	u32 need = to_sge ? PEDMA_ACC_LOCAL_WRITE : 0;
	int i;

	for (i = 0; i < n && len; i++) {
		u64 done = 0, l = min_t(u64, sge[i].length, len);

		while (done < l) {
			struct pedma_seg seg;

			if (pedma_local_seg(dev, pd, sge[i].lkey,
					    sge[i].addr + done, l - done, need,
					    &seg) ||
			    pedma_bus_copy(dev, seg.addr, buf, seg.len, to_sge))
				return -EFAULT;
			buf += seg.len;
			done += seg.len;
		}
		len -= l;
	}
	return len ? -EFAULT : 0;
}

/* Our QP @dqpn if it takes @w of @qp now, else NULL (dropped there) */
static struct pedma_qp *local_target(struct pedma_qp *qp,
				     struct pedma_swqe *w, u32 dqpn)
{
	struct pedma_qp *r = xa_load(&qp->dev->qps, dqpn);
	u32 qkey = (w->ud_qkey & 0x80000000u) ? qp->qkey : w->ud_qkey;

	/* QP0 speaks to QP0 only, as SMPs travel on VL15 between them */
	if (!dqpn != qp_is_smi(qp))
		return NULL;
	if (!r || !r->ud || r->dying || qkey != r->qkey ||
	    (r->state != IB_QPS_RTR && r->state != IB_QPS_RTS &&
	     r->state != IB_QPS_SQD && r->state != IB_QPS_SQE))
		return NULL;
	return r;
}

/* Does @r need a claim (none of its receives is kept for us)? */
static bool needs_claim(struct pedma_qp *r)
{
	return r && r->lrq.prod == r->lrq.cons;
}

/* One copy of @w for same-side QP @dqpn (dropped if it cannot take it) */
static void deliver_one(struct pedma_qp *qp, struct pedma_swqe *w, u32 dqpn,
			const u8 *msg, u64 len)
{
	struct pedma_dev *dev = qp->dev;
	struct pedma_qp *r = local_target(qp, w, dqpn);
	struct pedma_cqe cqe = {};
	struct pedma_lrqe *e;
	u64 cap = 0;
	int i;

	if (!r)
		return;
	if (needs_claim(r)) {
		/* none kept for us: one of those published to the peer */
		pedma_claim_ud(qp, w, r, msg, len);
		return;
	}
	e = &r->lrq.e[r->lrq.cons++ & (r->lrq.entries - 1)];
	for (i = 0; i < e->num_sge; i++)
		cap += e->sge[i].length;
	if (cap < len)
		cqe.status = IB_WC_LOC_LEN_ERR;
	else if (pedma_sge_copy(dev, r->ibqp.pd, e->sge, e->num_sge,
				(u8 *)msg, len, true))
		cqe.status = IB_WC_LOC_PROT_ERR;
	cqe.wr_id = e->wr_id;
	cqe.opcode = PEDMA_CQE_OP_RECV;
	cqe.byte_len = cqe.status ? 0 : len;
	cqe.qp_num = r->qpn;
	cqe.src_qp = qp->qpn;
	cqe.slid = pedma_lid(dev->be->role);
	cqe.sl = w->av.sl;
	if (w->av.grh)
		cqe.flags |= PEDMA_CQE_F_GRH;
	if (w->opcode == PEDMA_WQE_OP_SEND_IMM) {
		cqe.flags |= PEDMA_CQE_F_IMM;
		cqe.imm_data = w->imm;
	}
	pedma_cq_add(r->rcq, &cqe, w->flags & PEDMA_WQE_F_SOLICITED);
}

/*
 * Deliver @w (checked: lkeys, length) to its same-side targets, if any:
 * 0, or -EBUSY before anything is delivered when the claims it needs
 * cannot all be sent now (the request waits for the peer's answers to
 * earlier ones, as a sender waits for receives: a burst to a receiver
 * that posted for all of it loses nothing).  The message (GRH space and
 * payload) is gathered once into the device's bounce buffer.  xlock held.
 */
int pedma_ud_deliver_local(struct pedma_qp *qp, struct pedma_swqe *w)
{
	struct pedma_dev *dev = qp->dev;
	u16 own = pedma_lid(dev->be->role);
	u8 *msg = dev->ud_bounce;
	u64 len = PEDMA_GRH_BYTES + w->length;
	bool mc = is_mc_lid(w->av.dlid) && w->ud_qpn == PEDMA_MC_QPN;
	u32 i, hits = 0, claims = 0;

	if (w->av.dlid != own && !mc)
		return 0;
	if (mc) {
		for (i = 0; i < dev->mc_hwm; i++) {
			struct pedma_mc *m = &dev->mc[i];

			if (!m->qpn || !mc_match(m->mlid, m->mgid.raw, &w->av) ||
			    (m->qpn == qp->qpn && qp->mc_no_loop))
				continue;
			hits++;
			claims += needs_claim(local_target(qp, w, m->qpn));
		}
		if (!hits)
			return 0;	/* nobody attached on this side */
	} else {
		claims = needs_claim(local_target(qp, w, w->ud_qpn));
	}
	if (claims && !pedma_claims_room(dev, claims))
		return -EBUSY;

	memset(msg, 0, PEDMA_GRH_BYTES);
	if (w->av.grh)
		pedma_ud_fill_grh(qp, w, msg);
	if (w->flags & PEDMA_WQE_F_INLINE)
		memcpy(msg + PEDMA_GRH_BYTES, qp->inline_buf +
		       (size_t)(qp->sq_cur & (qp->sq_entries - 1)) *
		       PEDMA_MAX_INLINE, w->length);
	else if (pedma_sge_copy(dev, qp->ibqp.pd, w->sge, w->num_sge,
				msg + PEDMA_GRH_BYTES, w->length, false))
		return 0;	/* checked before; a key went away since */

	if (!mc) {
		deliver_one(qp, w, w->ud_qpn, msg, len);
		return 0;
	}
	for (i = 0; i < dev->mc_hwm; i++) {
		struct pedma_mc *m = &dev->mc[i];

		if (!m->qpn || !mc_match(m->mlid, m->mgid.raw, &w->av))
			continue;
		if (m->qpn == qp->qpn && qp->mc_no_loop)
			continue;
		deliver_one(qp, w, m->qpn, msg, len);
	}
	return 0;
}

/*
 * The next peer QP @w goes to: sets qp->req.dst_qpn and dst_set and
 * returns 1, or 0 when there is none left.  Unicast to the peer's LID has
 * one target, multicast one per attachment in the peer's table (scanned
 * from req.mc_next; entries are untrusted, each only names a QP the
 * requester then checks).  xlock held.
 */
int pedma_ud_next_target(struct pedma_qp *qp, struct pedma_swqe *w)
{
	struct pedma_dev *dev = qp->dev;
	u32 hwm, i;

	if (!qp->req.ud_more)
		return 0;
	/* QP0 speaks to QP0 only (SMPs travel on VL15 between them) */
	if (!w->ud_qpn != qp_is_smi(qp)) {
		qp->req.ud_more = false;
		return 0;
	}
	/*
	 * The peer's LID; from QP0 also the permissive LID, which a
	 * directed-route SMP carries to the neighbour at the link's far end.
	 */
	if ((w->av.dlid == pedma_peer_lid(dev) ||
	     (qp_is_smi(qp) && w->av.dlid == PEDMA_LID_PERMISSIVE)) &&
	    w->ud_qpn != PEDMA_MC_QPN) {
		qp->req.ud_more = false;
		qp->req.dst_qpn = w->ud_qpn;
		qp->req.dst_set = true;
		return 1;
	}
	if (!is_mc_lid(w->av.dlid) || w->ud_qpn != PEDMA_MC_QPN) {
		qp->req.ud_more = false;
		return 0;
	}
	hwm = pedma_wnd_readl(dev, dev->in + PEDMA_AREA_CTRL_OFF +
			      offsetof(struct pedma_area_ctrl, mc_hwm));
	hwm = min_t(u32, hwm, PEDMA_MAX_MC);
	for (i = qp->req.mc_next; i < hwm; i++) {
		struct pedma_mc_ent e;

		pedma_wnd_copy(dev, &e,
			       dev->in + PEDMA_AREA_MC_OFF + i * sizeof(e),
			       sizeof(e));
		if (!e.qpn || !mc_match(le16_to_cpu(e.mlid), e.mgid, &w->av))
			continue;
		qp->req.mc_next = i + 1;
		qp->req.dst_qpn = le32_to_cpu(e.qpn);
		qp->req.dst_set = true;
		return 1;
	}
	qp->req.ud_more = false;
	return 0;
}

const struct ib_device_ops pedma_ud_ops = {
	.attach_mcast = pedma_attach_mcast,
	.create_ah = pedma_create_ah,
	.create_user_ah = pedma_create_ah,
	.destroy_ah = pedma_destroy_ah,
	.detach_mcast = pedma_detach_mcast,
	.query_ah = pedma_query_ah,

	INIT_RDMA_OBJ_SIZE(ib_ah, pedma_ah, ibah),
};
