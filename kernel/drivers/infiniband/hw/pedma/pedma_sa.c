// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma embedded subnet administrator.  The subnet is fixed: two ports,
 * the host (LID 1) and the endpoint (LID 2), joined by one link.  The host
 * is the subnet manager (port sm_lid = 1), so every SA request of either
 * side reaches the host's QP1, where the MAD layer offers it to
 * process_mad first (drivers/infiniband/core/mad.c, ib_mad_recv_done).
 * We answer what IPoIB, rdma_cm and the diagnostics ask (IBA vol. 1
 * ch. 15): ClassPortInfo, PathRecord Get/GetTable and MCMemberRecord
 * Set/Get/Delete.  Everything else gets the MAD status of IBA 13.4.7.
 *
 * Every field of a request is untrusted: it is only compared, never used
 * as an index or a length.  process_mad may run in any context: no sleeping,
 * GFP_ATOMIC only (we allocate nothing per MAD), one spinlock.
 */
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_sa.h>

#include "pedma.h"

/* SA MAD status, class-specific bits 15..8 (IBA 15.2.1.2) */
#define SA_ERR_NO_RESOURCES		0x0100
#define SA_ERR_REQ_INVALID		0x0200
#define SA_ERR_NO_RECORDS		0x0300
#define SA_ERR_TOO_MANY_RECORDS		0x0400
#define SA_ERR_REQ_INVALID_GID		0x0500
#define SA_ERR_REQ_INSUFFICIENT_COMPS	0x0600

/* ClassPortInfo (IBA 15.2.1.1): CapabilityMask bit 9 IsUDMulticastSupported */
#define SA_CAP_UD_MCAST			BIT(9)
#define SA_RESP_TIME			18	/* 4.096 us << 18: about 1 s */

/* What our paths and groups are */
#define SA_PKEY				0xffff
#define SA_MTU				IB_MTU_4096
#define SA_RATE				IB_RATE_40_GBPS
#define SA_PLT				16	/* 4.096 us << 16: 268 ms */
#define SA_DEFAULT_QKEY			0x00000b1b
#define SA_MAX_GROUPS			256
#define SA_MAX_RECS			3	/* in one GetTableResp MAD */

/*
 * PathRecord, IBA 15.2.5.16: 64 bytes on the wire.  Component mask bits:
 * 0-1 ServiceID, 2 DGID, 3 SGID, 4 DLID, 5 SLID, 6 RawTraffic, 7 reserved,
 * 8 FlowLabel, 9 HopLimit, 10 TClass, 11 Reversible, 12 NumbPath, 13 P_Key,
 * 14 QoSClass, 15 SL, 16/17 MTU selector/MTU, 18/19 rate, 20/21 packet
 * lifetime, 22 Preference; 23 and up name reserved space.
 */
struct pedma_sa_path_rec {
	__be64 service_id;
	u8 dgid[16];
	u8 sgid[16];
	__be16 dlid;
	__be16 slid;
	__be32 raw_flow_hop;	/* RawTraffic:1 rsvd:3 FlowLabel:20 HopLimit:8 */
	u8 tclass;
	u8 rev_numb_path;	/* Reversible:1 NumbPath:7 */
	__be16 pkey;
	__be16 qos_sl;		/* QoSClass:12 SL:4 */
	u8 mtu;			/* selector:2 value:6, likewise rate, plt */
	u8 rate;
	u8 plt;
	u8 preference;
	u8 reserved[6];
} __packed;
static_assert(sizeof(struct pedma_sa_path_rec) == 64);

#define PR_SERVICE_ID		(BIT_ULL(0) | BIT_ULL(1))
#define PR_DGID			BIT_ULL(2)
#define PR_SGID			BIT_ULL(3)
#define PR_DLID			BIT_ULL(4)
#define PR_SLID			BIT_ULL(5)
#define PR_RAW_TRAFFIC		BIT_ULL(6)
#define PR_FLOW_LABEL		BIT_ULL(8)
#define PR_HOP_LIMIT		BIT_ULL(9)
#define PR_TCLASS		BIT_ULL(10)
#define PR_NUMB_PATH		BIT_ULL(12)
#define PR_PKEY			BIT_ULL(13)
#define PR_QOS_CLASS		BIT_ULL(14)
#define PR_SL			BIT_ULL(15)
#define PR_MTU_SEL		BIT_ULL(16)
#define PR_MTU			BIT_ULL(17)
#define PR_RATE_SEL		BIT_ULL(18)
#define PR_RATE			BIT_ULL(19)
#define PR_PLT_SEL		BIT_ULL(20)
#define PR_PLT			BIT_ULL(21)
/* bits naming fields; 7 is a reserved field */
#define PR_VALID		(GENMASK_ULL(22, 0) & ~BIT_ULL(7))

/*
 * MCMemberRecord, IBA 15.2.5.17: 52 bytes on the wire.  Component mask
 * bits: 0 MGID, 1 PortGID, 2 Q_Key, 3 MLID, 4/5 MTU selector/MTU, 6 TClass,
 * 7 P_Key, 8/9 rate, 10/11 packet lifetime, 12 SL, 13 FlowLabel,
 * 14 HopLimit, 15 Scope, 16 JoinState, 17 ProxyJoin.
 */
struct pedma_sa_mcm_rec {
	u8 mgid[16];
	u8 port_gid[16];
	__be32 qkey;
	__be16 mlid;
	u8 mtu;
	u8 tclass;
	__be16 pkey;
	u8 rate;
	u8 plt;
	__be32 sl_flow_hop;	/* SL:4 FlowLabel:20 HopLimit:8 */
	u8 scope_join;		/* Scope:4 JoinState:4 */
	u8 proxy_join;		/* ProxyJoin:1 rsvd:7 */
	u8 reserved[2];
} __packed;
static_assert(sizeof(struct pedma_sa_mcm_rec) == 52);

#define MCM_MGID		BIT_ULL(0)
#define MCM_PORT_GID		BIT_ULL(1)
#define MCM_QKEY		BIT_ULL(2)
#define MCM_MLID		BIT_ULL(3)
#define MCM_MTU_SEL		BIT_ULL(4)
#define MCM_MTU			BIT_ULL(5)
#define MCM_TCLASS		BIT_ULL(6)
#define MCM_PKEY		BIT_ULL(7)
#define MCM_RATE_SEL		BIT_ULL(8)
#define MCM_RATE		BIT_ULL(9)
#define MCM_PLT_SEL		BIT_ULL(10)
#define MCM_PLT			BIT_ULL(11)
#define MCM_SL			BIT_ULL(12)
#define MCM_FLOW_LABEL		BIT_ULL(13)
#define MCM_HOP_LIMIT		BIT_ULL(14)
#define MCM_SCOPE		BIT_ULL(15)
#define MCM_JOIN_STATE		BIT_ULL(16)
#define MCM_PROXY_JOIN		BIT_ULL(17)
#define MCM_VALID		GENMASK_ULL(17, 0)
/* IBA: a join that creates a group names these */
#define MCM_CREATE		(MCM_QKEY | MCM_TCLASS | MCM_PKEY | MCM_SL | \
				 MCM_FLOW_LABEL)

/* JoinState bits: FullMember, NonMember, SendOnlyNonMember, SendOnlyFull */
#define JOIN_FULL		BIT(0)
#define JOIN_SENDONLY_FULL	BIT(3)

/* Record sizes in 8-byte words (AttributeOffset) */
#define PR_WORDS	(sizeof(struct pedma_sa_path_rec) / 8)
#define MCM_WORDS	DIV_ROUND_UP(sizeof(struct pedma_sa_mcm_rec), 8)

/*
 * The subnet has two ports, so a group has at most two members; a member
 * is known by its port GID.  state 0: slot free.
 */
struct pedma_sa_member {
	union ib_gid gid;
	u8 state;
};

struct pedma_sa_group {
	union ib_gid mgid;
	__be32 qkey;
	struct pedma_sa_member member[2];
};

struct pedma_sa {
	spinlock_t lock;		/* the group table */
	u32 mgid_seq;			/* SA-assigned MGIDs */
	struct pedma_sa_group group[SA_MAX_GROUPS];	/* mlid 0xc000 + i */
};

/* A port of the subnet as the SA sees it right now */
struct pedma_sa_port {
	u16 lid;
	union ib_gid gid;
};

/* One request being answered */
struct pedma_sa_ctx {
	struct pedma_dev *dev;
	struct pedma_sa_port port[2];
	int nports;		/* 1 while the link is down */
	int self;		/* the requester's port, or -1 */
	const struct ib_sa_mad *req;
	struct ib_sa_mad *resp;
	u64 comp;		/* the request's component mask */
};

static void sa_ports(struct pedma_sa_ctx *c, u32 slid)
{
	struct pedma_dev *dev = c->dev;
	int i;

	c->port[0].lid = pedma_lid(PEDMA_ROLE_HOST);
	pedma_make_gid(&c->port[0].gid, dev->be->node_guid);
	c->nports = 1;
	if (pedma_link_up(dev)) {
		c->port[1].lid = pedma_lid(PEDMA_ROLE_EP);
		pedma_make_gid(&c->port[1].gid, READ_ONCE(dev->link.peer_guid));
		c->nports = 2;
	}
	c->self = -1;
	for (i = 0; i < c->nports; i++)
		if (c->port[i].lid == slid)
			c->self = i;
}

static int sa_port_by_gid(const struct pedma_sa_ctx *c, const u8 *gid)
{
	int i;

	for (i = 0; i < c->nports; i++)
		if (!memcmp(c->port[i].gid.raw, gid, sizeof(c->port[i].gid)))
			return i;
	return -1;
}

static int sa_port_by_lid(const struct pedma_sa_ctx *c, u16 lid)
{
	int i;

	for (i = 0; i < c->nports; i++)
		if (c->port[i].lid == lid)
			return i;
	return -1;
}

/*
 * A selector/value pair of a request (IBA 15.2.5.16: 0 greater than,
 * 1 less than, 2 exactly, 3 largest/smallest available) against what we
 * have.  Only a value constrains; a value without its selector means
 * "exactly".  @want < 0: the requested value names nothing.
 */
static bool sa_sel_ok(u64 comp, u64 sel_bit, u64 val_bit, u8 field, int have,
		      int want)
{
	u8 sel = (comp & sel_bit) ? field >> 6 : IB_SA_EQ;

	if (!(comp & val_bit) || sel == IB_SA_BEST)
		return true;
	if (want < 0)
		return false;
	switch (sel) {
	case IB_SA_GT:
		return have > want;
	case IB_SA_LT:
		return have < want;
	default:
		return have == want;
	}
}

static int sa_mtu_val(u8 field)
{
	u8 v = field & 0x3f;

	return v >= IB_MTU_256 && v <= IB_MTU_4096 ? v : -1;
}

static int sa_rate_val(u8 field)
{
	return ib_rate_to_mbps(field & 0x3f);
}

static bool sa_pkey_ok(__be16 pkey)
{
	/* the partition is the low 15 bits; the top one is membership */
	return (be16_to_cpu(pkey) & 0x7fff) == (SA_PKEY & 0x7fff);
}

/* ---- responses ---- */

static u8 sa_resp_method(u8 method)
{
	/* IBA 13.4.5: Set is answered by GetResp */
	return method == IB_MGMT_METHOD_SET ? IB_MGMT_METHOD_GET_RESP :
					      method | IB_MGMT_METHOD_RESP;
}

/* The response header: the request's, turned round; no records yet */
static void sa_resp_init(struct pedma_sa_ctx *c)
{
	const struct ib_sa_mad *req = c->req;
	struct ib_sa_mad *resp = c->resp;

	memset(resp, 0, sizeof(struct ib_mad));
	resp->mad_hdr.base_version = req->mad_hdr.base_version;
	resp->mad_hdr.mgmt_class = req->mad_hdr.mgmt_class;
	resp->mad_hdr.class_version = req->mad_hdr.class_version;
	resp->mad_hdr.method = sa_resp_method(req->mad_hdr.method);
	resp->mad_hdr.tid = req->mad_hdr.tid;
	resp->mad_hdr.attr_id = req->mad_hdr.attr_id;
	resp->mad_hdr.attr_mod = req->mad_hdr.attr_mod;
	resp->sa_hdr.comp_mask = req->sa_hdr.comp_mask;
}

/*
 * Finish the response with @n records of @words 8-byte words each.  A
 * GetTableResp is always a single-segment RMPP DATA (IBA 15.4.4), its
 * payload length counting the SA header and the records.
 */
static int sa_reply(struct pedma_sa_ctx *c, u16 status, int n, int words)
{
	struct ib_sa_mad *resp = c->resp;

	resp->mad_hdr.status = cpu_to_be16(status);
	if (n)
		resp->sa_hdr.attr_offset = cpu_to_be16(words);
	if (resp->mad_hdr.method == IB_SA_METHOD_GET_TABLE_RESP) {
		resp->rmpp_hdr.rmpp_version = IB_MGMT_RMPP_VERSION;
		resp->rmpp_hdr.rmpp_type = IB_MGMT_RMPP_TYPE_DATA;
		resp->rmpp_hdr.rmpp_rtime_flags =
			(IB_MGMT_RMPP_NO_RESPTIME << 3) |
			IB_MGMT_RMPP_FLAG_ACTIVE | IB_MGMT_RMPP_FLAG_FIRST |
			IB_MGMT_RMPP_FLAG_LAST;
		resp->rmpp_hdr.seg_num = cpu_to_be32(1);
		resp->rmpp_hdr.paylen_newwin =
			cpu_to_be32(IB_MGMT_SA_HDR - IB_MGMT_RMPP_HDR +
				    n * words * 8);
	}
	return IB_MAD_RESULT_SUCCESS | IB_MAD_RESULT_REPLY;
}

static int sa_error(struct pedma_sa_ctx *c, u16 status)
{
	return sa_reply(c, status, 0, 0);
}

/* ---- ClassPortInfo ---- */

static int sa_class_port_info(struct pedma_sa_ctx *c)
{
	struct ib_class_port_info *cpi = (void *)c->resp->data;

	if (c->req->mad_hdr.method != IB_MGMT_METHOD_GET)
		return sa_error(c, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	cpi->base_version = IB_MGMT_BASE_VERSION;
	cpi->class_version = IB_SA_CLASS_VERSION;
	cpi->capability_mask = cpu_to_be16(SA_CAP_UD_MCAST);
	ib_set_cpi_capmask2(cpi, IB_SA_CAP_MASK2_SENDONLY_FULL_MEM_SUPPORT);
	ib_set_cpi_resp_time(cpi, SA_RESP_TIME);
	return sa_reply(c, 0, 0, 0);
}

/* ---- PathRecord ---- */

/* The path fields that do not depend on the two ends */
static bool sa_path_ok(const struct pedma_sa_path_rec *q, u64 comp)
{
	if ((comp & PR_RAW_TRAFFIC) && (be32_to_cpu(q->raw_flow_hop) >> 31))
		return false;
	if ((comp & PR_NUMB_PATH) && !(q->rev_numb_path & 0x7f))
		return false;
	if ((comp & PR_PKEY) && !sa_pkey_ok(q->pkey))
		return false;
	if ((comp & PR_SL) && (be16_to_cpu(q->qos_sl) & 0xf))
		return false;
	if (!sa_sel_ok(comp, PR_MTU_SEL, PR_MTU, q->mtu, SA_MTU,
		       sa_mtu_val(q->mtu)))
		return false;
	if (!sa_sel_ok(comp, PR_RATE_SEL, PR_RATE, q->rate,
		       ib_rate_to_mbps(SA_RATE), sa_rate_val(q->rate)))
		return false;
	return sa_sel_ok(comp, PR_PLT_SEL, PR_PLT, q->plt, SA_PLT,
			 q->plt & 0x3f);
}

/*
 * The ends a request names: a bit per port.  GID and LID must agree when
 * both are given.  Neither: every port, or for the source (@dflt >= 0)
 * the requester's, so that a table fits one MAD.
 */
static unsigned int sa_path_ends(const struct pedma_sa_ctx *c, bool has_gid,
				 const u8 *gid, bool has_lid, __be16 lid,
				 int dflt)
{
	int g = -1, l = -1;

	if (has_gid) {
		g = sa_port_by_gid(c, gid);
		if (g < 0)
			return 0;
	}
	if (has_lid) {
		l = sa_port_by_lid(c, be16_to_cpu(lid));
		if (l < 0 || (has_gid && l != g))
			return 0;
	}
	if (has_gid)
		return BIT(g);
	if (has_lid)
		return BIT(l);
	if (dflt >= 0)
		return BIT(dflt);
	return dflt == -1 ? 0 : GENMASK(c->nports - 1, 0);
}

static void sa_fill_path(struct pedma_sa_path_rec *r,
			 const struct pedma_sa_port *s,
			 const struct pedma_sa_port *d,
			 const struct pedma_sa_path_rec *q, u64 comp)
{
	u32 flow_hop = 0;

	memset(r, 0, sizeof(*r));
	if (comp & PR_SERVICE_ID)
		r->service_id = q->service_id;
	memcpy(r->dgid, d->gid.raw, sizeof(r->dgid));
	memcpy(r->sgid, s->gid.raw, sizeof(r->sgid));
	r->dlid = cpu_to_be16(d->lid);
	r->slid = cpu_to_be16(s->lid);
	/*
	 * The GRH fields travel unchanged over the link, which has no QoS:
	 * whatever the requester names, the path carries; else 0.
	 */
	if (comp & PR_FLOW_LABEL)
		flow_hop |= be32_to_cpu(q->raw_flow_hop) & 0x0fffff00;
	if (comp & PR_HOP_LIMIT)
		flow_hop |= be32_to_cpu(q->raw_flow_hop) & 0xff;
	r->raw_flow_hop = cpu_to_be32(flow_hop);
	r->tclass = comp & PR_TCLASS ? q->tclass : 0;
	r->rev_numb_path = 0x80 | 1;		/* reversible, one path */
	r->pkey = cpu_to_be16(SA_PKEY);
	if (comp & PR_QOS_CLASS)
		r->qos_sl = q->qos_sl & cpu_to_be16(0xfff0);	/* SL 0 */
	r->mtu = (IB_SA_EQ << 6) | SA_MTU;
	r->rate = (IB_SA_EQ << 6) | SA_RATE;
	r->plt = (IB_SA_EQ << 6) | SA_PLT;
}

static int sa_path(struct pedma_sa_ctx *c)
{
	const struct pedma_sa_path_rec *q = (const void *)c->req->data;
	u8 method = c->req->mad_hdr.method;
	unsigned int src, dst;
	int s, d, n = 0, total = 0;
	u64 comp = c->comp;

	if (method != IB_MGMT_METHOD_GET && method != IB_SA_METHOD_GET_TABLE)
		return sa_error(c, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	if (comp & ~PR_VALID)
		return sa_error(c, SA_ERR_REQ_INVALID);

	src = sa_path_ends(c, comp & PR_SGID, q->sgid, comp & PR_SLID, q->slid,
			   c->self);
	dst = sa_path_ends(c, comp & PR_DGID, q->dgid, comp & PR_DLID, q->dlid,
			   -2);
	if (!sa_path_ok(q, comp))
		src = 0;

	/* one path per pair (a port to itself included): host first */
	for (s = 0; s < c->nports; s++) {
		if (!(src & BIT(s)))
			continue;
		for (d = 0; d < c->nports; d++) {
			if (!(dst & BIT(d)))
				continue;
			total++;
			if (n < SA_MAX_RECS)
				sa_fill_path((void *)(c->resp->data +
						      n++ * PR_WORDS * 8),
					     &c->port[s], &c->port[d], q, comp);
		}
	}

	if (method == IB_MGMT_METHOD_GET) {
		/* IBA 15.4.2: a Get names exactly one record */
		if (!total)
			return sa_error(c, SA_ERR_NO_RECORDS);
		if (total > 1) {
			memset(c->resp->data, 0, sizeof(c->resp->data));
			return sa_error(c, SA_ERR_TOO_MANY_RECORDS);
		}
	} else if (total > n) {
		/* cannot happen with two ports; never send half a table */
		memset(c->resp->data, 0, sizeof(c->resp->data));
		return sa_error(c, SA_ERR_NO_RESOURCES);
	}
	return sa_reply(c, 0, n, PR_WORDS);
}

/* ---- MCMemberRecord ---- */

static u16 sa_mlid(const struct pedma_sa *sa, const struct pedma_sa_group *g)
{
	return PEDMA_MC_LID_FIRST + (g - sa->group);
}

static bool sa_group_used(const struct pedma_sa_group *g)
{
	return g->member[0].state || g->member[1].state;
}

static struct pedma_sa_group *sa_group_find(struct pedma_sa *sa,
					    const u8 *mgid)
{
	int i;

	for (i = 0; i < SA_MAX_GROUPS; i++)
		if (sa_group_used(&sa->group[i]) &&
		    !memcmp(sa->group[i].mgid.raw, mgid, 16))
			return &sa->group[i];
	return NULL;
}

static struct pedma_sa_member *sa_member(struct pedma_sa_group *g,
					 const union ib_gid *gid)
{
	int i;

	for (i = 0; i < 2; i++)
		if (g->member[i].state &&
		    !memcmp(&g->member[i].gid, gid, sizeof(*gid)))
			return &g->member[i];
	return NULL;
}

/*
 * Memberships of ports that are no longer in the subnet (the endpoint
 * went down, or came back as another node) end, as they would when an SM
 * sweeps.  The endpoint's core rejoins on its next PORT_ACTIVE.
 */
static void sa_prune(struct pedma_sa_ctx *c, struct pedma_sa *sa)
{
	int i, m;

	for (i = 0; i < SA_MAX_GROUPS; i++)
		for (m = 0; m < 2; m++) {
			struct pedma_sa_member *mb = &sa->group[i].member[m];

			if (mb->state && sa_port_by_gid(c, mb->gid.raw) < 0)
				mb->state = 0;
		}
}

/* Does the request describe group @g (every component it names)? */
static bool sa_mcm_matches(const struct pedma_sa *sa,
			   const struct pedma_sa_group *g,
			   const struct pedma_sa_mcm_rec *q, u64 comp)
{
	u32 sfh = be32_to_cpu(q->sl_flow_hop);

	if ((comp & MCM_QKEY) && q->qkey != g->qkey)
		return false;
	if ((comp & MCM_MLID) && be16_to_cpu(q->mlid) != sa_mlid(sa, g))
		return false;
	if (!sa_sel_ok(comp, MCM_MTU_SEL, MCM_MTU, q->mtu, SA_MTU,
		       sa_mtu_val(q->mtu)))
		return false;
	if ((comp & MCM_TCLASS) && q->tclass)
		return false;
	if ((comp & MCM_PKEY) && !sa_pkey_ok(q->pkey))
		return false;
	if (!sa_sel_ok(comp, MCM_RATE_SEL, MCM_RATE, q->rate,
		       ib_rate_to_mbps(SA_RATE), sa_rate_val(q->rate)))
		return false;
	if (!sa_sel_ok(comp, MCM_PLT_SEL, MCM_PLT, q->plt, SA_PLT,
		       q->plt & 0x3f))
		return false;
	if ((comp & MCM_SL) && (sfh >> 28))
		return false;
	if ((comp & MCM_FLOW_LABEL) && ((sfh >> 8) & 0xfffff))
		return false;
	if ((comp & MCM_HOP_LIMIT) && (sfh & 0xff))
		return false;
	if ((comp & MCM_SCOPE) &&
	    (q->scope_join >> 4) != (g->mgid.raw[1] & 0xf))
		return false;
	return true;
}

static int sa_mcm_reply(struct pedma_sa_ctx *c, const struct pedma_sa *sa,
			const struct pedma_sa_group *g,
			const union ib_gid *port_gid, u8 state)
{
	struct pedma_sa_mcm_rec *r = (void *)c->resp->data;

	memcpy(r->mgid, g->mgid.raw, sizeof(r->mgid));
	if (port_gid)
		memcpy(r->port_gid, port_gid->raw, sizeof(r->port_gid));
	r->qkey = g->qkey;
	r->mlid = cpu_to_be16(sa_mlid(sa, g));
	r->mtu = (IB_SA_EQ << 6) | SA_MTU;
	r->tclass = 0;
	r->pkey = cpu_to_be16(SA_PKEY);
	r->rate = (IB_SA_EQ << 6) | SA_RATE;
	r->plt = (IB_SA_EQ << 6) | SA_PLT;
	r->sl_flow_hop = 0;
	r->scope_join = ((g->mgid.raw[1] & 0xf) << 4) | (state & 0xf);
	r->proxy_join = 0;
	return sa_reply(c, 0, 1, MCM_WORDS);
}

/* A fresh MGID for a create with MGID 0: ff1S:a01b:ffff::<seq> */
static void sa_assign_mgid(struct pedma_sa *sa, union ib_gid *mgid, u8 scope)
{
	do {
		memset(mgid, 0, sizeof(*mgid));
		mgid->raw[0] = 0xff;
		mgid->raw[1] = 0x10 | scope;	/* transient */
		mgid->raw[2] = 0xa0;
		mgid->raw[3] = 0x1b;
		mgid->raw[4] = SA_PKEY >> 8;
		mgid->raw[5] = SA_PKEY & 0xff;
		sa->mgid_seq++;
		mgid->raw[12] = sa->mgid_seq >> 24;
		mgid->raw[13] = sa->mgid_seq >> 16;
		mgid->raw[14] = sa->mgid_seq >> 8;
		mgid->raw[15] = sa->mgid_seq;
	} while (sa_group_find(sa, mgid->raw));
}

/* Set: join, creating the group if needed (IBA 15.4.3.1) */
static int sa_mcm_join(struct pedma_sa_ctx *c, struct pedma_sa *sa,
		       const struct pedma_sa_mcm_rec *q)
{
	const union ib_gid *me = &c->port[c->self].gid;
	struct pedma_sa_group *g, cand;
	struct pedma_sa_member *mb;
	u8 join = q->scope_join & 0xf;
	u64 comp = c->comp;
	bool named;
	int i;

	/* no MGID component: the SA is to assign one */
	named = (comp & MCM_MGID) && memchr_inv(q->mgid, 0, sizeof(q->mgid));
	g = named ? sa_group_find(sa, q->mgid) : NULL;
	if (g) {
		if (!sa_mcm_matches(sa, g, q, comp))
			return sa_error(c, SA_ERR_REQ_INVALID);
		mb = sa_member(g, me);
		if (!mb && !g->member[0].state)
			mb = &g->member[0];
		else if (!mb && !g->member[1].state)
			mb = &g->member[1];
		if (!mb)
			return sa_error(c, SA_ERR_NO_RESOURCES);
		mb->gid = *me;
		mb->state |= join;
		return sa_mcm_reply(c, sa, g, me, mb->state);
	}

	/* Only a full member (or send-only full member) creates a group */
	if (!(join & (JOIN_FULL | JOIN_SENDONLY_FULL)))
		return sa_error(c, SA_ERR_REQ_INVALID);
	for (i = 0; i < SA_MAX_GROUPS; i++)
		if (!sa_group_used(&sa->group[i]))
			break;
	if (i == SA_MAX_GROUPS)
		return sa_error(c, SA_ERR_NO_RESOURCES);

	memset(&cand, 0, sizeof(cand));
	if (!named) {
		/*
		 * The SA names the group: IBA wants the create components
		 * then.  A named MGID may come without them (IPoIB joins its
		 * broadcast group so): it gets our defaults, as if an SM had
		 * created it beforehand.
		 */
		if ((comp & MCM_CREATE) != MCM_CREATE)
			return sa_error(c, SA_ERR_REQ_INSUFFICIENT_COMPS);
		sa_assign_mgid(sa, &cand.mgid,
			       comp & MCM_SCOPE ? q->scope_join >> 4 : 2);
	} else {
		memcpy(cand.mgid.raw, q->mgid, sizeof(cand.mgid));
	}
	cand.qkey = comp & MCM_QKEY ? q->qkey : cpu_to_be32(SA_DEFAULT_QKEY);
	g = &sa->group[i];
	/* what the request names must be what the group will be */
	*g = cand;
	if (!sa_mcm_matches(sa, g, q, comp)) {
		memset(g, 0, sizeof(*g));
		return sa_error(c, SA_ERR_REQ_INVALID);
	}
	g->member[0].gid = *me;
	g->member[0].state = join;
	return sa_mcm_reply(c, sa, g, me, join);
}

/* Delete: leave; the group goes with its last member (IBA 15.4.3.2) */
static int sa_mcm_leave(struct pedma_sa_ctx *c, struct pedma_sa *sa,
			const struct pedma_sa_mcm_rec *q)
{
	const union ib_gid *me = &c->port[c->self].gid;
	u8 join = q->scope_join & 0xf;
	struct pedma_sa_group *g;
	struct pedma_sa_member *mb;
	int ret;
	u8 left;

	g = sa_group_find(sa, q->mgid);
	mb = g ? sa_member(g, me) : NULL;
	if (!mb || !(mb->state & join))
		return sa_error(c, SA_ERR_REQ_INVALID);
	left = mb->state & join;
	mb->state &= ~join;
	ret = sa_mcm_reply(c, sa, g, me, left);
	if (!sa_group_used(g))
		memset(g, 0, sizeof(*g));
	return ret;
}

/* Get: one group by MGID, as the named (or the requesting) port is in it */
static int sa_mcm_get(struct pedma_sa_ctx *c, struct pedma_sa *sa,
		      const struct pedma_sa_mcm_rec *q)
{
	const union ib_gid *who = NULL;
	struct pedma_sa_member *mb;
	struct pedma_sa_group *g;
	union ib_gid pg;
	u8 state = 0;

	if (!(c->comp & MCM_MGID))
		return sa_error(c, SA_ERR_REQ_INSUFFICIENT_COMPS);
	g = sa_group_find(sa, q->mgid);
	if (!g || !sa_mcm_matches(sa, g, q, c->comp))
		return sa_error(c, SA_ERR_NO_RECORDS);
	if (c->comp & MCM_PORT_GID) {
		memcpy(pg.raw, q->port_gid, sizeof(pg.raw));
		who = &pg;
	} else if (c->self >= 0) {
		who = &c->port[c->self].gid;
	}
	mb = who ? sa_member(g, who) : NULL;
	if (mb)
		state = mb->state;
	else if (c->comp & MCM_PORT_GID)
		return sa_error(c, SA_ERR_NO_RECORDS);
	if ((c->comp & MCM_JOIN_STATE) && (q->scope_join & 0xf) != state)
		return sa_error(c, SA_ERR_NO_RECORDS);
	return sa_mcm_reply(c, sa, g, who, state);
}

static int sa_mcmember(struct pedma_sa_ctx *c)
{
	const struct pedma_sa_mcm_rec *q = (const void *)c->req->data;
	u8 method = c->req->mad_hdr.method;
	struct pedma_sa *sa = c->dev->sa;
	unsigned long flags;
	int ret, p;

	if (method != IB_MGMT_METHOD_GET && method != IB_MGMT_METHOD_SET &&
	    method != IB_SA_METHOD_DELETE)
		return sa_error(c, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	if (c->comp & ~MCM_VALID)
		return sa_error(c, SA_ERR_REQ_INVALID);

	if (method != IB_MGMT_METHOD_GET) {
		u64 need = MCM_PORT_GID | MCM_JOIN_STATE;

		if (method == IB_SA_METHOD_DELETE)
			need |= MCM_MGID;
		if ((c->comp & need) != need)
			return sa_error(c, SA_ERR_REQ_INSUFFICIENT_COMPS);
		if ((c->comp & MCM_MGID) && q->mgid[0] != 0xff &&
		    memchr_inv(q->mgid, 0, sizeof(q->mgid)))
			return sa_error(c, SA_ERR_REQ_INVALID);
		if (!(q->scope_join & 0xf))
			return sa_error(c, SA_ERR_REQ_INVALID);
		/* no proxy joins: a port joins and leaves for itself */
		p = sa_port_by_gid(c, q->port_gid);
		if (p < 0)
			return sa_error(c, SA_ERR_REQ_INVALID_GID);
		if (p != c->self ||
		    ((c->comp & MCM_PROXY_JOIN) && (q->proxy_join & 0x80)))
			return sa_error(c, SA_ERR_REQ_INVALID);
	}

	spin_lock_irqsave(&sa->lock, flags);
	sa_prune(c, sa);
	if (method == IB_MGMT_METHOD_GET)
		ret = sa_mcm_get(c, sa, q);
	else if (method == IB_MGMT_METHOD_SET)
		ret = sa_mcm_join(c, sa, q);
	else
		ret = sa_mcm_leave(c, sa, q);
	spin_unlock_irqrestore(&sa->lock, flags);
	return ret;
}

/* ---- entry ---- */

static bool sa_rmpp_control(const struct ib_sa_mad *mad)
{
	const struct ib_rmpp_hdr *h = &mad->rmpp_hdr;

	return (h->rmpp_rtime_flags & IB_MGMT_RMPP_FLAG_ACTIVE) &&
	       (h->rmpp_type == IB_MGMT_RMPP_TYPE_ACK ||
		h->rmpp_type == IB_MGMT_RMPP_TYPE_STOP ||
		h->rmpp_type == IB_MGMT_RMPP_TYPE_ABORT);
}

static int sa_request(struct pedma_sa_ctx *c)
{
	const struct ib_sa_mad *req = c->req;

	sa_resp_init(c);
	if (req->mad_hdr.class_version != IB_SA_CLASS_VERSION)
		return sa_error(c, IB_MGMT_MAD_STATUS_BAD_VERSION);
	switch (req->mad_hdr.method) {
	case IB_MGMT_METHOD_GET:
	case IB_MGMT_METHOD_SET:
	case IB_SA_METHOD_GET_TABLE:
	case IB_SA_METHOD_DELETE:
		break;
	default:
		return sa_error(c, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD);
	}
	/* our requests are single MADs: RMPP would be a multi-MAD request */
	if (req->rmpp_hdr.rmpp_rtime_flags & IB_MGMT_RMPP_FLAG_ACTIVE)
		return sa_error(c, SA_ERR_REQ_INVALID);

	switch (be16_to_cpu(req->mad_hdr.attr_id)) {
	case IB_SA_ATTR_CLASS_PORTINFO:
	case IB_SA_ATTR_PATH_REC:
	case IB_SA_ATTR_MC_MEMBER_REC:
		break;
	default:
		return sa_error(c, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	}
	/* the attribute modifier of these attributes is reserved, 0 */
	if (req->mad_hdr.attr_mod)
		return sa_error(c, IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE);

	switch (be16_to_cpu(req->mad_hdr.attr_id)) {
	case IB_SA_ATTR_CLASS_PORTINFO:
		return sa_class_port_info(c);
	case IB_SA_ATTR_PATH_REC:
		return sa_path(c);
	default:
		return sa_mcmember(c);
	}
}

/*
 * A MAD for the SA (class SUBN_ADM) that came in on QP1 (@in_wc).
 * Returns the process_mad result; "not ours" on the endpoint.
 */
int pedma_sa_mad(struct pedma_dev *dev, const struct ib_wc *in_wc,
		 const struct ib_mad *in, struct ib_mad *out)
{
	const struct ib_sa_mad *req = (const void *)in;
	struct pedma_sa_ctx c = { .dev = dev };
	u8 method = in->mad_hdr.method;
	int ret;

	BUILD_BUG_ON(sizeof(struct ib_sa_mad) != sizeof(struct ib_mad));
	BUILD_BUG_ON(IB_MGMT_SA_HDR + SA_MAX_RECS * PR_WORDS * 8 >
		     IB_MGMT_MAD_SIZE);

	if (!dev->sa || !in_wc ||
	    in->mad_hdr.base_version != IB_MGMT_BASE_VERSION)
		return IB_MAD_RESULT_SUCCESS;

	if (ib_response_mad(&in->mad_hdr)) {
		/*
		 * Our GetTableResp is one RMPP segment; the requester's
		 * ACK (or its STOP/ABORT) ends that transfer and needs no
		 * reply.  Only this SA sends GetTableResp in the subnet.
		 */
		if (method == IB_SA_METHOD_GET_TABLE_RESP &&
		    sa_rmpp_control(req))
			return IB_MAD_RESULT_SUCCESS | IB_MAD_RESULT_CONSUMED;
		return IB_MAD_RESULT_SUCCESS;
	}
	/* Send and Trap expect no response (IBA 13.4.5) */
	if (method == IB_MGMT_METHOD_SEND || method == IB_MGMT_METHOD_TRAP)
		return IB_MAD_RESULT_SUCCESS;

	sa_ports(&c, in_wc->slid);
	c.req = req;
	c.resp = (void *)out;
	c.comp = be64_to_cpu((__force __be64)req->sa_hdr.comp_mask);
	ret = sa_request(&c);
	ibdev_dbg_ratelimited(&dev->ibdev,
			      "SA method %#x attr %#x from lid %u: status %#x\n",
			      method, be16_to_cpu(in->mad_hdr.attr_id),
			      in_wc->slid, be16_to_cpu(out->mad_hdr.status));
	return ret;
}

int pedma_sa_init(struct pedma_dev *dev)
{
	struct pedma_sa *sa;

	if (dev->be->role != PEDMA_ROLE_HOST)
		return 0;
	sa = kvzalloc(sizeof(*sa), GFP_KERNEL);	/* about 18 KiB */
	if (!sa)
		return -ENOMEM;
	spin_lock_init(&sa->lock);
	dev->sa = sa;
	return 0;
}

void pedma_sa_destroy(struct pedma_dev *dev)
{
	kvfree(dev->sa);
	dev->sa = NULL;
}
