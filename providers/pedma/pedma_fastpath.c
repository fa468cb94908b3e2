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
