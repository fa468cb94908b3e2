// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: the data path.  Posting writes WQEs into the mmap'd SQ/RQ
 * rings and then rings the doorbell, one write() per call that posted
 * anything; polling reads CQEs from the CQ ring and makes no system call
 * at all.  The ring protocol itself is in pedma_ring.h.
 *
 * This file depends on nothing in libibverbs but its public headers, so
 * the unit tests link it directly and drive it with fake objects and a
 * pipe for the command fd.
 */
#include <errno.h>
#include <unistd.h>

#include "pedma.h"

int pedma_doorbell(int cmd_fd, uint32_t command, uint32_t handle)
{
	struct pedma_doorbell_resp resp = {};
	struct pedma_doorbell_cmd cmd;
	ssize_t n;

	pedma_doorbell_build(&cmd, command, handle, &resp);
	do {
		n = write(cmd_fd, &cmd, sizeof(cmd));
	} while (n < 0 && errno == EINTR);	/* a doorbell may ring twice */
	if (n == (ssize_t)sizeof(cmd))
		return 0;
	return n < 0 ? errno : EIO;
}

/*
 * The IB states in which a work queue accepts WRs (an immediate error
 * otherwise).  qp->state is libibverbs' copy, updated by ibv_modify_qp()
 * and ibv_query_qp(); an application that changes the state while it
 * posts races on the QP itself.
 */
static bool pedma_sq_accepts(enum ibv_qp_state s)
{
	return s != IBV_QPS_RESET && s != IBV_QPS_INIT && s != IBV_QPS_RTR;
}

static bool pedma_rq_accepts(enum ibv_qp_state s)
{
	return s != IBV_QPS_RESET;
}

/*
 * The doorbell is rung after the lock is dropped: our WQEs were published
 * (release) before the write() in this thread, and the kernel consumes up
 * to the prod it reads, so it sees them however doorbells of concurrent
 * posters interleave.  A failed doorbell leaves the WQEs in the ring; we
 * report its error with *bad_wr at the first WR of this call.
 */
int pedma_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		    struct ibv_send_wr **bad_wr)
{
	struct pedma_qp *qp = to_pqp(ibqp);
	struct ibv_send_wr *first = wr;
	uint32_t posted = 0;
	int err, db;

	if (!bad_wr)
		return EINVAL;
	*bad_wr = NULL;
	if (!wr)
		return 0;
	if (!qp->sq.map_size || !pedma_sq_accepts(ibqp->state)) {
		*bad_wr = wr;
		return EINVAL;
	}

	pthread_spin_lock(&qp->sq_lock);
	err = pedma_sq_post(&qp->sq, &qp->sq_lim, wr, bad_wr, &posted);
	pthread_spin_unlock(&qp->sq_lock);

	if (posted) {
		db = pedma_doorbell(ibqp->context->cmd_fd,
				    IB_USER_VERBS_CMD_POST_SEND, ibqp->handle);
		if (db && !err) {
			*bad_wr = first;
			err = db;
		}
	}
	return err;
}

/*
 * Receives into @rq (a QP's RQ or an SRQ), then one doorbell @cmd for
 * @handle if anything was written.  A failed doorbell leaves the WQEs in
 * the ring (the next doorbell takes them) and reports the first WR.
 */
static int post_recv_ring(struct pedma_ring *rq, pthread_spinlock_t *lock,
			  uint32_t max_sge, int cmd_fd, uint32_t cmd,
			  uint32_t handle, struct ibv_recv_wr *wr,
			  struct ibv_recv_wr **bad_wr)
{
	struct ibv_recv_wr *first = wr;
	uint32_t posted = 0;
	int err, db;

	pthread_spin_lock(lock);
	err = pedma_rq_post(rq, max_sge, wr, bad_wr, &posted);
	pthread_spin_unlock(lock);

	if (posted) {
		db = pedma_doorbell(cmd_fd, cmd, handle);
		if (db && !err) {
			*bad_wr = first;
			err = db;
		}
	}
	return err;
}

int pedma_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		    struct ibv_recv_wr **bad_wr)
{
	struct pedma_qp *qp = to_pqp(ibqp);

	if (!bad_wr)
		return EINVAL;
	*bad_wr = NULL;
	if (!wr)
		return 0;
	/* No RQ ring: the QP receives through an SRQ (or not at all). */
	if (!qp->rq.map_size || !pedma_rq_accepts(ibqp->state)) {
		*bad_wr = wr;
		return EINVAL;
	}
	return post_recv_ring(&qp->rq, &qp->rq_lock, qp->rq_max_sge,
			      ibqp->context->cmd_fd, IB_USER_VERBS_CMD_POST_RECV,
			      ibqp->handle, wr, bad_wr);
}

int pedma_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
			struct ibv_recv_wr **bad_wr)
{
	struct pedma_srq *srq = to_psrq(ibsrq);

	if (!bad_wr)
		return EINVAL;
	*bad_wr = NULL;
	if (!wr)
		return 0;
	return post_recv_ring(&srq->rq, &srq->lock, srq->max_sge,
			      ibsrq->context->cmd_fd,
			      IB_USER_VERBS_CMD_POST_SRQ_RECV, ibsrq->handle,
			      wr, bad_wr);
}

int pedma_poll_cq(struct ibv_cq *ibcq, int num_entries, struct ibv_wc *wc)
{
	struct pedma_cq *cq = to_pcq(ibcq);
	int n;

	pthread_spin_lock(&cq->lock);
	n = pedma_cq_poll(&cq->ring, num_entries, wc);
	pthread_spin_unlock(&cq->lock);
	return n;
}

/* ---- Extended CQ: ibv_start_poll() and the read_* accessors -------------- */

/*
 * The same CQE decoding as ibv_poll_cq() (pedma_ring.h), read in place:
 * start_poll takes the CQ lock and the first CQE, next_poll the next one,
 * end_poll gives the slots back (one release store of cons) and drops the
 * lock.  The accessors read the CQE taken last; its slot stays ours until
 * end_poll.  No system call.
 */
static struct pedma_cq *cqx_to_pcq(struct ibv_cq_ex *cqx)
{
	return to_pcq(ibv_cq_ex_to_cq(cqx));
}

static void cqx_set_cur(struct ibv_cq_ex *cqx, struct pedma_cq *cq,
			const struct pedma_cqe *cqe)
{
	cq->cur = cqe;
	cqx->wr_id = cqe->wr_id;
	cqx->status = pedma_cqe_status(cqe);
}

static int pedma_cqx_start_poll(struct ibv_cq_ex *cqx,
				struct ibv_poll_cq_attr *attr)
{
	struct pedma_cq *cq = cqx_to_pcq(cqx);
	const struct pedma_cqe *cqe;

	if (attr && attr->comp_mask)
		return EINVAL;	/* no attribute is defined */
	pthread_spin_lock(&cq->lock);
	cq->ex_prod = cq->ring.head;	/* load prod afresh */
	cqe = pedma_cq_take(&cq->ring, &cq->ex_prod);
	if (!cqe) {
		/* Nothing taken: the caller does not call end_poll. */
		pthread_spin_unlock(&cq->lock);
		return ENOENT;
	}
	cqx_set_cur(cqx, cq, cqe);
	return 0;
}

static int pedma_cqx_next_poll(struct ibv_cq_ex *cqx)
{
	struct pedma_cq *cq = cqx_to_pcq(cqx);
	const struct pedma_cqe *cqe;

	cqe = pedma_cq_take(&cq->ring, &cq->ex_prod);
	if (!cqe)
		return ENOENT;
	cqx_set_cur(cqx, cq, cqe);
	return 0;
}

static void pedma_cqx_end_poll(struct ibv_cq_ex *cqx)
{
	struct pedma_cq *cq = cqx_to_pcq(cqx);

	cq->cur = NULL;
	pedma_ring_publish_cons(&cq->ring);
	pthread_spin_unlock(&cq->lock);
}

static enum ibv_wc_opcode pedma_cqx_read_opcode(struct ibv_cq_ex *cqx)
{
	bool unknown;

	return pedma_cqe_opcode(cqx_to_pcq(cqx)->cur, &unknown);
}

static uint32_t pedma_cqx_read_vendor_err(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->vendor_err;
}

static uint32_t pedma_cqx_read_byte_len(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->byte_len;
}

static __be32 pedma_cqx_read_imm_data(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->imm_data;
}

static uint32_t pedma_cqx_read_qp_num(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->qp_num;
}

static uint32_t pedma_cqx_read_src_qp(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->src_qp;
}

static unsigned int pedma_cqx_read_wc_flags(struct ibv_cq_ex *cqx)
{
	return pedma_cqe_wc_flags(cqx_to_pcq(cqx)->cur);
}

static uint32_t pedma_cqx_read_slid(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->slid;
}

static uint8_t pedma_cqx_read_sl(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->sl;
}

static uint8_t pedma_cqx_read_dlid_path_bits(struct ibv_cq_ex *cqx)
{
	return cqx_to_pcq(cqx)->cur->dlid_path_bits;
}

/*
 * All the standard accessors whatever wc_flags asked for (reading a field
 * nobody asked for is harmless); read_completion_ts and the others stay
 * NULL, as the flags that would need them are refused at creation.
 */
void pedma_cq_ex_init(struct pedma_cq *cq)
{
	struct ibv_cq_ex *cqx = &cq->vcq.cq_ex;

	cq->cur = NULL;
	cq->ex_prod = cq->ring.head;
	cqx->start_poll = pedma_cqx_start_poll;
	cqx->next_poll = pedma_cqx_next_poll;
	cqx->end_poll = pedma_cqx_end_poll;
	cqx->read_opcode = pedma_cqx_read_opcode;
	cqx->read_vendor_err = pedma_cqx_read_vendor_err;
	cqx->read_byte_len = pedma_cqx_read_byte_len;
	cqx->read_imm_data = pedma_cqx_read_imm_data;
	cqx->read_qp_num = pedma_cqx_read_qp_num;
	cqx->read_src_qp = pedma_cqx_read_src_qp;
	cqx->read_wc_flags = pedma_cqx_read_wc_flags;
	cqx->read_slid = pedma_cqx_read_slid;
	cqx->read_sl = pedma_cqx_read_sl;
	cqx->read_dlid_path_bits = pedma_cqx_read_dlid_path_bits;
}

/* ---- Extended QP: the ibv_wr_* builders ------------------------------------ */

/*
 * Each WR is collected as the struct ibv_send_wr ibv_post_send() would
 * take, and encoded by the same pedma_sq_wqe_encode() into the next slot
 * when the next WR begins or at wr_complete: the ring entries are those
 * ibv_post_send() writes for the same request, byte for byte.  Errors (an
 * SGE list or inline data the QP cannot take, a full ring, a WR the QP
 * does not do) are remembered and returned by wr_complete(), which then
 * posts nothing of the batch, as rdma-core's providers do.  Only
 * wr_complete() publishes prod, and it rings the doorbell once.
 */
static struct pedma_qp *qpx_to_pqp(struct ibv_qp_ex *qpx)
{
	return to_pqp(&qpx->qp_base);
}

/* Encode the open WR into the next slot (room was checked when it began). */
static void wrb_flush(struct pedma_qp *qp)
{
	struct pedma_wr_builder *b = &qp->wrb;
	struct pedma_sq_limits lim = qp->sq_lim;

	if (!b->open)
		return;
	b->open = false;
	if (b->err)
		return;
	/*
	 * Inline data is staged as one buffer (b->inl) however many the
	 * caller gave; its length was checked against max_inline.  One
	 * "SGE" of inline data is no SGE of the WQE, so a QP granted no send
	 * SGEs still takes it.
	 */
	if ((b->wr.send_flags & IBV_SEND_INLINE) && !lim.max_sge)
		lim.max_sge = 1;
	b->err = pedma_sq_wqe_encode(pedma_ring_slot(&qp->sq, b->prod), &b->wr,
				     &lim);
	if (!b->err)
		b->prod++;
}

/* A new WR: finish the previous one, check for room, start this one. */
static struct pedma_wr_builder *wrb_begin(struct ibv_qp_ex *qpx, uint64_t op,
					  enum ibv_wr_opcode opcode)
{
	struct pedma_qp *qp = qpx_to_pqp(qpx);
	struct pedma_wr_builder *b = &qp->wrb;

	wrb_flush(qp);
	if (b->err)
		return NULL;
	if (!(b->ops & op)) {
		b->err = EINVAL;	/* not in the QP's send_ops_flags */
		return NULL;
	}
	if (!pedma_ring_has_room(b->prod, b->cons, qp->sq.entries)) {
		b->cons = pedma_ring_load_cons(&qp->sq);
		if (!pedma_ring_has_room(b->prod, b->cons, qp->sq.entries)) {
			b->err = ENOMEM;
			return NULL;
		}
	}
	memset(&b->wr, 0, sizeof(b->wr));
	b->wr.wr_id = qpx->wr_id;
	/* Inline is what wr_set_inline_data*() says, not a flag here. */
	b->wr.send_flags = qpx->wr_flags & ~(unsigned int)IBV_SEND_INLINE;
	b->wr.opcode = opcode;
	b->open = true;
	return b;
}

/* A setter: the open WR, or NULL (and an error) if there is none. */
static struct pedma_wr_builder *wrb_open(struct ibv_qp_ex *qpx)
{
	struct pedma_wr_builder *b = &qpx_to_pqp(qpx)->wrb;

	if (b->err)
		return NULL;
	if (!b->open) {
		b->err = EINVAL;	/* a setter before any builder */
		return NULL;
	}
	return b;
}

static void pedma_wr_start(struct ibv_qp_ex *qpx)
{
	struct pedma_qp *qp = qpx_to_pqp(qpx);
	struct pedma_wr_builder *b = &qp->wrb;

	pthread_spin_lock(&qp->sq_lock);
	b->start = b->prod = qp->sq.head;
	b->open = false;
	b->err = 0;
	if (!qp->sq.map_size || !pedma_sq_accepts(qpx->qp_base.state)) {
		b->err = EINVAL;
		return;
	}
	b->cons = pedma_ring_load_cons(&qp->sq);
}

static int pedma_wr_complete(struct ibv_qp_ex *qpx)
{
	struct pedma_qp *qp = qpx_to_pqp(qpx);
	struct pedma_wr_builder *b = &qp->wrb;
	bool posted = false;
	int err;

	wrb_flush(qp);
	err = b->err;
	if (!err && b->prod != b->start) {
		qp->sq.head = b->prod;
		pedma_ring_publish_prod(&qp->sq);
		posted = true;
	}
	b->open = false;
	b->err = 0;
	pthread_spin_unlock(&qp->sq_lock);

	if (posted)
		err = pedma_doorbell(qpx->qp_base.context->cmd_fd,
				     IB_USER_VERBS_CMD_POST_SEND,
				     qpx->qp_base.handle);
	return err;
}

/* Nothing published: prod and the kernel's view of the ring unchanged. */
static void pedma_wr_abort(struct ibv_qp_ex *qpx)
{
	struct pedma_qp *qp = qpx_to_pqp(qpx);

	qp->wrb.open = false;
	qp->wrb.err = 0;
	pthread_spin_unlock(&qp->sq_lock);
}

static void pedma_wr_send(struct ibv_qp_ex *qpx)
{
	wrb_begin(qpx, IBV_QP_EX_WITH_SEND, IBV_WR_SEND);
}

static void pedma_wr_send_imm(struct ibv_qp_ex *qpx, __be32 imm_data)
{
	struct pedma_wr_builder *b;

	b = wrb_begin(qpx, IBV_QP_EX_WITH_SEND_WITH_IMM, IBV_WR_SEND_WITH_IMM);
	if (b)
		b->wr.imm_data = imm_data;
}

static void wrb_rdma(struct ibv_qp_ex *qpx, uint64_t op,
		     enum ibv_wr_opcode opcode, uint32_t rkey,
		     uint64_t remote_addr, __be32 imm_data)
{
	struct pedma_wr_builder *b = wrb_begin(qpx, op, opcode);

	if (!b)
		return;
	b->wr.wr.rdma.remote_addr = remote_addr;
	b->wr.wr.rdma.rkey = rkey;
	if (opcode == IBV_WR_RDMA_WRITE_WITH_IMM)
		b->wr.imm_data = imm_data;
}

static void pedma_wr_rdma_write(struct ibv_qp_ex *qpx, uint32_t rkey,
				uint64_t remote_addr)
{
	wrb_rdma(qpx, IBV_QP_EX_WITH_RDMA_WRITE, IBV_WR_RDMA_WRITE, rkey,
		 remote_addr, 0);
}

static void pedma_wr_rdma_write_imm(struct ibv_qp_ex *qpx, uint32_t rkey,
				    uint64_t remote_addr, __be32 imm_data)
{
	wrb_rdma(qpx, IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM,
		 IBV_WR_RDMA_WRITE_WITH_IMM, rkey, remote_addr, imm_data);
}

static void pedma_wr_rdma_read(struct ibv_qp_ex *qpx, uint32_t rkey,
			       uint64_t remote_addr)
{
	wrb_rdma(qpx, IBV_QP_EX_WITH_RDMA_READ, IBV_WR_RDMA_READ, rkey,
		 remote_addr, 0);
}

static void wrb_atomic(struct ibv_qp_ex *qpx, uint64_t op,
		       enum ibv_wr_opcode opcode, uint32_t rkey,
		       uint64_t remote_addr, uint64_t compare_add,
		       uint64_t swap)
{
	struct pedma_wr_builder *b = wrb_begin(qpx, op, opcode);

	if (!b)
		return;
	b->wr.wr.atomic.remote_addr = remote_addr;
	b->wr.wr.atomic.rkey = rkey;
	b->wr.wr.atomic.compare_add = compare_add;
	b->wr.wr.atomic.swap = swap;
}

static void pedma_wr_atomic_cmp_swp(struct ibv_qp_ex *qpx, uint32_t rkey,
				    uint64_t remote_addr, uint64_t compare,
				    uint64_t swap)
{
	wrb_atomic(qpx, IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP,
		   IBV_WR_ATOMIC_CMP_AND_SWP, rkey, remote_addr, compare, swap);
}

static void pedma_wr_atomic_fetch_add(struct ibv_qp_ex *qpx, uint32_t rkey,
				      uint64_t remote_addr, uint64_t add)
{
	wrb_atomic(qpx, IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD,
		   IBV_WR_ATOMIC_FETCH_AND_ADD, rkey, remote_addr, add, 0);
}

static void pedma_wr_set_sge_list(struct ibv_qp_ex *qpx, size_t num_sge,
				  const struct ibv_sge *sg_list)
{
	struct pedma_wr_builder *b = wrb_open(qpx);

	if (!b)
		return;
	/* More than the QP's max_send_sge: the encoder refuses it. */
	if (num_sge > PEDMA_UMAX_SGE || (num_sge && !sg_list)) {
		b->err = EINVAL;
		return;
	}
	if (num_sge)
		memcpy(b->sge, sg_list, num_sge * sizeof(*sg_list));
	b->wr.sg_list = num_sge ? b->sge : NULL;
	b->wr.num_sge = (int)num_sge;
	b->wr.send_flags &= ~(unsigned int)IBV_SEND_INLINE;
}

static void pedma_wr_set_sge(struct ibv_qp_ex *qpx, uint32_t lkey,
			     uint64_t addr, uint32_t length)
{
	struct ibv_sge sge = { .addr = addr, .length = length, .lkey = lkey };

	pedma_wr_set_sge_list(qpx, 1, &sge);
}

/* The bytes are copied now: the caller may reuse its buffers on return. */
static void pedma_wr_set_inline_data_list(struct ibv_qp_ex *qpx,
					  size_t num_buf,
					  const struct ibv_data_buf *buf_list)
{
	struct pedma_qp *qp = qpx_to_pqp(qpx);
	struct pedma_wr_builder *b = wrb_open(qpx);
	size_t i, len = 0;

	if (!b)
		return;
	for (i = 0; i < num_buf; i++) {
		if (buf_list[i].length > qp->sq_lim.max_inline - len) {
			b->err = EINVAL;	/* more than max_inline */
			return;
		}
		if (buf_list[i].length)
			memcpy(b->inl + len, buf_list[i].addr,
			       buf_list[i].length);
		len += buf_list[i].length;
	}
	b->sge[0].addr = (uintptr_t)b->inl;
	b->sge[0].length = (uint32_t)len;
	b->sge[0].lkey = 0;
	b->wr.sg_list = b->sge;
	b->wr.num_sge = len ? 1 : 0;
	b->wr.send_flags |= IBV_SEND_INLINE;
}

static void pedma_wr_set_inline_data(struct ibv_qp_ex *qpx, void *addr,
				     size_t length)
{
	struct ibv_data_buf buf = { .addr = addr, .length = length };

	pedma_wr_set_inline_data_list(qpx, 1, &buf);
}

static void pedma_wr_set_ud_addr(struct ibv_qp_ex *qpx, struct ibv_ah *ah,
				 uint32_t remote_qpn, uint32_t remote_qkey)
{
	struct pedma_wr_builder *b = wrb_open(qpx);

	if (!b)
		return;
	if (!qpx_to_pqp(qpx)->sq_lim.ud) {
		b->err = EINVAL;	/* wr.ud would overwrite wr.rdma */
		return;
	}
	b->wr.wr.ud.ah = ah;
	b->wr.wr.ud.remote_qpn = remote_qpn;
	b->wr.wr.ud.remote_qkey = remote_qkey;
}

/*
 * ops: the QP's send_ops_flags, already checked against
 * PEDMA_QP_EX_RC_OPS / _UD_OPS.  Builders of operations pedma does not
 * do stay NULL (wr_bind_mw, wr_local_inv, wr_send_inv,
 * wr_send_tso, wr_set_xrc_srqn, ...): their send_ops_flags are refused.
 */
void pedma_qp_ex_init(struct pedma_qp *qp, uint64_t ops)
{
	struct ibv_qp_ex *qpx = &qp->vqp.qp_ex;

	memset(&qp->wrb, 0, sizeof(qp->wrb));
	qp->wrb.ops = ops;
	qpx->wr_start = pedma_wr_start;
	qpx->wr_complete = pedma_wr_complete;
	qpx->wr_abort = pedma_wr_abort;
	qpx->wr_send = pedma_wr_send;
	qpx->wr_send_imm = pedma_wr_send_imm;
	qpx->wr_rdma_write = pedma_wr_rdma_write;
	qpx->wr_rdma_write_imm = pedma_wr_rdma_write_imm;
	qpx->wr_rdma_read = pedma_wr_rdma_read;
	qpx->wr_atomic_cmp_swp = pedma_wr_atomic_cmp_swp;
	qpx->wr_atomic_fetch_add = pedma_wr_atomic_fetch_add;
	qpx->wr_set_sge = pedma_wr_set_sge;
	qpx->wr_set_sge_list = pedma_wr_set_sge_list;
	qpx->wr_set_inline_data = pedma_wr_set_inline_data;
	qpx->wr_set_inline_data_list = pedma_wr_set_inline_data_list;
	qpx->wr_set_ud_addr = pedma_wr_set_ud_addr;
	qp->vqp.comp_mask |= VERBS_QP_EX;
}
