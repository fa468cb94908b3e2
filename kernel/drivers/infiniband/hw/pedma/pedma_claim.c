// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma claims (layout 9): a receive of one of our own published rings,
 * taken for us by the peer.
 *
 * A receive ring we publish (a UD QP's, an SRQ's) has one consumer, the
 * peer's requester: it keeps the consumer index, and we learn what it took
 * from its records.  A sender of our own side (a same-side datagram,
 * pedma_ud.c; a loopback SEND to a QP on an SRQ, pedma_loop.c) must not
 * take one itself, so it asks the peer to: a record PEDMA_REC_OP_UD_CLAIM
 * names the receiving QP and a token; the peer takes the next receive of
 * that QP's ring as its own sender would (pedma_peer_rqe_claim()) and
 * answers with a record flagged PEDMA_REC_F_CLAIMED that names the receive
 * and the token, or refuses (the same flag on a PEDMA_REC_OP_UD_CLAIM
 * record) when it has none or no such QP.  Nothing moves across the link;
 * our CPU then copies into the receive.
 *
 *  - A datagram is kept in its claim slot (UD may complete the send at
 *    once); the answer copies it into the receive and completes that
 *    (recv_record() in pedma_qp.c, pedma_claim_answer_ud()).
 *  - A loopback request waits on the QP's retry list while its claim is
 *    out; the answer only records which receive is ours
 *    (pedma_claim_answer_loop()), and the request, retried, copies and
 *    completes it (pedma_loop.c).  A request that goes away meanwhile
 *    (flush, destroy) leaves its receive completed with an error, the
 *    target QP to the error state, as its peer QP left mid-message.
 *
 * A peer without room in its record ring cannot answer at all.  Such a
 * claim is known dropped once the peer's consumer index of our records is
 * past it: the peer writes its answers before it advances that index, so
 * when we have read every record it wrote before the index we read, a
 * claim below the index that is still out got no answer
 * (pedma_claims_expire(), from pedma_data_event() and
 * pedma_claims_check()).  A link loss drops the claims still out; a
 * receive already answered is ours and stays with its claim.
 *
 * PEDMA_CLAIMS slots per device; with too few free, or too little
 * record room, a datagram (before any copy of it is made) and a loopback
 * request wait for the peer's answers to free some (pedma_claims_room(),
 * claim_wait() in pedma_xfer.c).  Without a link no claim is sent: a
 * datagram is dropped, a loopback request waits as for no receive (RNR).
 * Everything here runs under dev->xlock.
 */
#include <linux/vmalloc.h>

#include "pedma.h"

enum {
	CLAIM_UD = 1,		/* a datagram, kept here */
	CLAIM_LOOP,		/* a loopback request's receive */
};

struct pedma_claim {
	u32 token;		/* 0: free */
	u32 seq;		/* our claim record's index */
	u8 kind;		/* CLAIM_* */
	bool answered;		/* CLAIM_LOOP: receive @idx is ours */
	bool orphan;		/* CLAIM_LOOP: its request went away */
	u32 idx;
	u32 dst_qpn;		/* our receiving QP */
	u32 src_qpn;		/* our sending QP */
	u8 opcode;		/* the record's PEDMA_REC_OP_* */
	u8 flags;		/* the record's PEDMA_REC_F_* */
	/* CLAIM_UD: the datagram (GRH space and payload) */
	u8 sl;
	__be32 imm;
	u32 len;
	u8 data[PEDMA_GRH_BYTES + PEDMA_UD_MTU];
};

int pedma_claims_init(struct pedma_dev *dev)
{
	dev->claims = vzalloc(array_size(PEDMA_CLAIMS, sizeof(*dev->claims)));
	return dev->claims ? 0 : -ENOMEM;
}

void pedma_claims_destroy(struct pedma_dev *dev)
{
	vfree(dev->claims);
	dev->claims = NULL;
}

static void claim_free(struct pedma_dev *dev, struct pedma_claim *c)
{
	c->token = 0;
	dev->claims_used--;
}

static struct pedma_claim *claim_find(struct pedma_dev *dev, u32 token)
{
	unsigned int i;

	for (i = 0; token && i < PEDMA_CLAIMS; i++)
		if (dev->claims[i].token == token)
			return &dev->claims[i];
	return NULL;
}

/* A slot for receiving QP @dst, sending QP @src, and its record sent */
static struct pedma_claim *claim_post(struct pedma_dev *dev, u8 kind,
				      u32 dst, u32 src)
{
	struct pedma_rec rec = {};
	struct pedma_claim *c;
	unsigned int i;

	if (!dev->xfer_up || dev->claims_used >= PEDMA_CLAIMS ||
	    !pedma_rec_room(dev))
		return NULL;
	for (i = 0; dev->claims[i].token; i++)
		;		/* a free one exists: claims_used */
	c = &dev->claims[i];
	memset(c, 0, offsetof(struct pedma_claim, data));
	if (!++dev->claim_token)
		dev->claim_token = 1;
	c->token = dev->claim_token;
	c->seq = dev->rec_prod;
	c->kind = kind;
	c->dst_qpn = dst;
	c->src_qpn = src;
	dev->claims_used++;

	rec.opcode = PEDMA_REC_OP_UD_CLAIM;
	rec.src_qpn = cpu_to_le32(dst);
	rec.rq_idx = cpu_to_le32(c->token);
	pedma_rec_post(dev, &rec);
	pedma_ctr_inc(dev, PEDMA_CTR_CLAIMS);
	return c;
}

/*
 * Room to send @n claims now (free slots and record room)?  Without a link
 * none can be sent, and more than the slots hold can never be: both count
 * as room, the claims beyond it dropping.
 */
bool pedma_claims_room(struct pedma_dev *dev, u32 n)
{
	if (!dev->xfer_up)
		return true;
	n = min_t(u32, n, PEDMA_CLAIMS);
	if (PEDMA_CLAIMS - dev->claims_used < n)
		pedma_claims_check(dev);	/* some passed over? */
	return PEDMA_CLAIMS - dev->claims_used >= n &&
	       pedma_rec_free(dev) >= n;
}

/*
 * Datagram @w of @qp (GRH space and payload in @msg, @len bytes) for our
 * UD QP @r, none of whose receives is kept for us: claim one of those it
 * published (dropped if no claim can be sent).
 */
void pedma_claim_ud(struct pedma_qp *qp, struct pedma_swqe *w,
		    struct pedma_qp *r, const u8 *msg, u64 len)
{
	struct pedma_claim *c;

	if (!(r->srq || r->rq.entries) || len > sizeof(c->data))
		return;
	c = claim_post(qp->dev, CLAIM_UD, r->qpn, qp->qpn);
	if (!c)
		return;
	c->opcode = w->opcode == PEDMA_WQE_OP_SEND_IMM ?
		    PEDMA_REC_OP_SEND_IMM : PEDMA_REC_OP_SEND;
	c->flags = (w->av.grh ? PEDMA_REC_F_GRH : 0) |
		   ((w->flags & PEDMA_WQE_F_SOLICITED) ?
		    PEDMA_REC_F_SOLICITED : 0);
	c->sl = w->av.sl;
	c->imm = w->imm;
	c->len = len;
	memcpy(c->data, msg, len);
}

/*
 * A receive of loopback QP @t (on an SRQ) for the request of @qp: the
 * claim's token in *@token.  0; -EBUSY when it cannot be sent now (no
 * free slot or record room: try again after the peer's answers), or
 * -ENOTCONN without a link.
 */
int pedma_claim_loop(struct pedma_dev *dev, struct pedma_qp *t,
		     struct pedma_qp *qp, u32 *token)
{
	struct pedma_claim *c;

	if (!dev->xfer_up)
		return -ENOTCONN;
	c = claim_post(dev, CLAIM_LOOP, t->qpn, qp->qpn);
	if (!c) {
		pedma_claims_check(dev);	/* some passed over? */
		return -EBUSY;
	}
	c->opcode = PEDMA_REC_OP_SEND;
	c->flags = pedma_qp_uc(qp) ? PEDMA_REC_F_UC : 0;
	*token = c->token;
	return 0;
}

/* Claim @token: 1 answered (the receive's index in *@idx), 0 out, <0 gone */
int pedma_claim_loop_state(struct pedma_dev *dev, u32 token, u32 *idx)
{
	struct pedma_claim *c = claim_find(dev, token);

	if (!c || c->kind != CLAIM_LOOP)
		return -ENOENT;
	if (!c->answered)
		return 0;
	*idx = c->idx;
	return 1;
}

/* The request used its answered claim: the receive completes through it */
void pedma_claim_loop_done(struct pedma_dev *dev, u32 token)
{
	struct pedma_claim *c = claim_find(dev, token);

	if (c && c->kind == CLAIM_LOOP)
		claim_free(dev, c);
}

/* An answered claim whose request went away: fail the receive it got */
static void orphan_complete(struct pedma_dev *dev, struct pedma_claim *c)
{
	struct pedma_rec rec = {
		.dst_qpn = cpu_to_le32(c->dst_qpn),
		.src_qpn = cpu_to_le32(c->src_qpn),
		.rq_idx = cpu_to_le32(c->idx),
		.opcode = c->opcode,
		.flags = c->flags,
		.status = PEDMA_REC_ST_PROT_ERR,
	};

	claim_free(dev, c);
	pedma_loop_record(dev, &rec);
}

/* The request of claim @token went away (flushed, destroyed) */
void pedma_claim_loop_drop(struct pedma_dev *dev, u32 token)
{
	struct pedma_claim *c = claim_find(dev, token);

	if (!c || c->kind != CLAIM_LOOP)
		return;
	if (c->answered)
		orphan_complete(dev, c);
	else
		c->orphan = true;
}

/*
 * The peer claims a receive of our QP for a sender of its own side (@rec,
 * untrusted): take it as our requester would and answer, or drop it.
 */
void pedma_claim_take(struct pedma_dev *dev, const struct pedma_rec *rec)
{
	u32 qpn = le32_to_cpu(rec->src_qpn);
	struct pedma_rec ans = {};
	struct pedma_qp_dir d;
	u32 idx;

	if (!pedma_rec_room(dev))
		return;		/* no answer: the claim expires */
	ans.dst_qpn = cpu_to_le32(qpn);
	ans.src_qpn = cpu_to_le32(qpn);
	ans.flags = PEDMA_REC_F_CLAIMED;
	ans.inv_rkey = rec->rq_idx;	/* the token */
	/* a ring with several consumers' worth of senders: UD, or an SRQ */
	if (pedma_peer_dir(dev, qpn, &d) ||
	    !(d.flags & (PEDMA_DIR_F_UD | PEDMA_DIR_F_SRQ)) ||
	    d.state != PEDMA_DIR_QPS_RTR ||
	    pedma_peer_rqe_claim(dev, &d, &idx) <= 0) {
		ans.opcode = PEDMA_REC_OP_UD_CLAIM;	/* refused */
	} else {
		ans.opcode = PEDMA_REC_OP_SEND;
		ans.rq_idx = cpu_to_le32(idx);
	}
	pedma_rec_post(dev, &ans);
}

/* The peer's refusal @rec: it had no receive for the claim.  Drop it. */
void pedma_claim_refused(struct pedma_dev *dev, const struct pedma_rec *rec)
{
	struct pedma_claim *c = claim_find(dev, le32_to_cpu(rec->inv_rkey));

	if (c && !c->answered && c->dst_qpn == le32_to_cpu(rec->dst_qpn))
		claim_free(dev, c);
}

/*
 * The peer's answer @rec to a loopback request's claim: keep the receive's
 * index for the request (checked when it is used).  False if @rec answers
 * no such claim (a datagram's, or unknown: recv_record() goes on).
 */
bool pedma_claim_answer_loop(struct pedma_dev *dev, const struct pedma_rec *rec)
{
	struct pedma_claim *c = claim_find(dev, le32_to_cpu(rec->inv_rkey));

	if (!c || c->kind != CLAIM_LOOP || c->answered ||
	    c->dst_qpn != le32_to_cpu(rec->dst_qpn))
		return false;
	c->answered = true;
	c->idx = le32_to_cpu(rec->rq_idx);
	if (c->orphan)
		orphan_complete(dev, c);
	return true;
}

/*
 * The peer's answer @rec: it took receive rq_idx (checked by the caller)
 * of our UD QP @qp, from @rq (in @pd), for a datagram's claim.  Copy the
 * datagram in; returns the record to complete the receive with, built in
 * @out from what we kept (the peer's word counts only for which receive).
 * A token we do not hold fails the receive.
 */
const struct pedma_rec *pedma_claim_answer_ud(struct pedma_dev *dev,
					      struct pedma_qp *qp,
					      struct ib_pd *pd,
					      const struct pedma_rq *rq,
					      const struct pedma_rec *rec,
					      struct pedma_rec *out)
{
	struct pedma_claim *c = claim_find(dev, le32_to_cpu(rec->inv_rkey));
	struct ib_sge sge[PEDMA_MAX_SGE];
	u64 cap = 0;
	int i, n;

	memset(out, 0, sizeof(*out));
	out->dst_qpn = rec->dst_qpn;
	out->src_qpn = rec->src_qpn;
	out->rq_idx = rec->rq_idx;
	out->opcode = PEDMA_REC_OP_SEND;
	out->status = PEDMA_REC_ST_PROT_ERR;
	if (!c || c->kind != CLAIM_UD || c->dst_qpn != qp->qpn) {
		ibdev_warn_ratelimited(&dev->ibdev,
				       "QP %u: the peer answered claim %u, which we do not hold\n",
				       qp->qpn, le32_to_cpu(rec->inv_rkey));
		return out;
	}
	out->src_qpn = cpu_to_le32(c->src_qpn);
	out->opcode = c->opcode;
	out->imm = c->imm;
	out->flags = c->flags;
	out->sl = c->sl;
	out->byte_len = cpu_to_le32(c->len);
	n = pedma_own_rq_sges(dev, rq, le32_to_cpu(rec->rq_idx), sge);
	for (i = 0; i < n; i++)
		cap += sge[i].length;
	if (n >= 0 && cap < c->len)
		out->status = PEDMA_REC_ST_LEN_ERR;
	else if (n >= 0 &&
		 !pedma_sge_copy(dev, pd, sge, n, c->data, c->len, true))
		out->status = PEDMA_REC_ST_OK;
	claim_free(dev, c);
	return out;
}

/*
 * The peer consumed our records below @peer_cons, and every record it
 * wrote before it said so was taken: a claim below that still waits got no
 * answer (the peer had no receive for it).  Drop those.
 */
void pedma_claims_expire(struct pedma_dev *dev, u32 peer_cons)
{
	struct pedma_claim *c;
	unsigned int i;

	for (i = 0; i < PEDMA_CLAIMS && dev->claims_used; i++) {
		c = &dev->claims[i];
		if (c->token && !c->answered &&
		    (s32)(peer_cons - c->seq) > 0)
			claim_free(dev, c);
	}
}

/* The link went down: no answer comes any more */
void pedma_claims_reset(struct pedma_dev *dev)
{
	unsigned int i;

	for (i = 0; i < PEDMA_CLAIMS && dev->claims_used; i++)
		if (dev->claims[i].token && !dev->claims[i].answered)
			claim_free(dev, &dev->claims[i]);
}
