// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The provider's data path (providers/pedma/pedma_fastpath.c) with fake
 * objects: QP, SRQ and CQ whose rings are calloc()ed memory, and a
 * context whose command fd is a pipe, so every doorbell the provider
 * writes can be read back and checked byte for byte.
 *
 *   - one doorbell per post call that posted anything, none otherwise;
 *     POST_SEND / POST_RECV / POST_SRQ_RECV framing and handles;
 *   - bad_wr and return values for invalid WRs, a full ring, QP states
 *     that take no WRs, a QP without RQ, a failing doorbell;
 *   - poll_cq through the provider entry point;
 *   - concurrent posters on one QP (the spinlock).
 */
#include <endian.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pedma_check.h"
#include "pedma.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int pipe_rd = -1, pipe_wr = -1;

/* Read back every doorbell written since the last call. */
static int read_doorbells(struct pedma_doorbell_cmd *out, int max)
{
	int n = 0;

	for (;;) {
		struct pedma_doorbell_cmd cmd;
		ssize_t r = read(pipe_rd, &cmd, sizeof(cmd));

		if (r < 0)
			break;	/* EAGAIN: drained */
		CHECKF(r == (ssize_t)sizeof(cmd), "doorbell of %zd bytes", r);
		if (r != (ssize_t)sizeof(cmd))
			break;
		if (n < max)
			out[n] = cmd;
		n++;
	}
	return n;
}

static void check_doorbell(const struct pedma_doorbell_cmd *cmd,
			   uint32_t command, uint32_t handle)
{
	CHECK_EQ(cmd->hdr.command, command);
	CHECK_EQ(cmd->hdr.in_words, sizeof(*cmd) / 4);
	CHECK_EQ(cmd->hdr.out_words, 1);
	CHECK(cmd->response != 0);
	CHECK_EQ(cmd->handle, handle);
	CHECK_EQ(cmd->wr_count, 0);
	CHECK_EQ(cmd->sge_count, 0);
	CHECK_EQ(cmd->wqe_size, command == IB_USER_VERBS_CMD_POST_SEND ?
				       sizeof(struct ib_uverbs_send_wr) :
				       sizeof(struct ib_uverbs_recv_wr));
}

static void *ring_mem(struct pedma_ring *r, uint32_t entries,
		      uint32_t entry_size, bool producer)
{
	size_t size = PEDMA_RING_HDR_SIZE + (size_t)entries * entry_size;
	void *mem = calloc(1, size);

	if (!mem) {
		perror("calloc");
		exit(2);
	}
	pedma_ring_init(r, mem, size, entries, entry_size, producer);
	return mem;
}

struct fake {
	struct ibv_context ctx;
	struct pedma_qp qp;
	struct pedma_qp srq_qp;		/* a QP on an SRQ: no RQ ring */
	struct pedma_srq srq;
	struct pedma_cq cq;
};

static void fake_init(struct fake *f, uint32_t sq_entries)
{
	memset(f, 0, sizeof(*f));
	f->ctx.cmd_fd = pipe_wr;

	f->qp.vqp.qp.context = &f->ctx;
	f->qp.vqp.qp.handle = 0x51;
	f->qp.vqp.qp.state = IBV_QPS_RTS;
	f->qp.vqp.qp.qp_type = IBV_QPT_RC;
	pthread_spin_init(&f->qp.sq_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&f->qp.rq_lock, PTHREAD_PROCESS_PRIVATE);
	ring_mem(&f->qp.sq, sq_entries, sizeof(struct pedma_sq_wqe), true);
	ring_mem(&f->qp.rq, 4, sizeof(struct pedma_rq_wqe), true);
	f->qp.sq_lim.max_sge = PEDMA_UMAX_SGE;
	f->qp.sq_lim.max_inline = PEDMA_MAX_INLINE;
	f->qp.rq_max_sge = PEDMA_UMAX_SGE;

	/* No rings: made with an SRQ and no send WRs. */
	f->srq_qp.vqp.qp.context = &f->ctx;
	f->srq_qp.vqp.qp.handle = 0x52;
	f->srq_qp.vqp.qp.state = IBV_QPS_RTS;
	f->srq_qp.vqp.qp.qp_type = IBV_QPT_RC;
	pthread_spin_init(&f->srq_qp.sq_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&f->srq_qp.rq_lock, PTHREAD_PROCESS_PRIVATE);

	f->srq.vsrq.srq.context = &f->ctx;
	f->srq.vsrq.srq.handle = 0x77;
	pthread_spin_init(&f->srq.lock, PTHREAD_PROCESS_PRIVATE);
	ring_mem(&f->srq.rq, 4, sizeof(struct pedma_rq_wqe), true);
	f->srq.max_sge = PEDMA_UMAX_SGE;

	f->cq.vcq.cq.context = &f->ctx;
	pthread_spin_init(&f->cq.lock, PTHREAD_PROCESS_PRIVATE);
	ring_mem(&f->cq.ring, 8, sizeof(struct pedma_cqe), false);
}

static void fake_fini(struct fake *f)
{
	free(f->qp.sq.hdr);
	free(f->qp.rq.hdr);
	free(f->srq.rq.hdr);
	free(f->cq.ring.hdr);
	pthread_spin_destroy(&f->qp.sq_lock);
	pthread_spin_destroy(&f->qp.rq_lock);
	pthread_spin_destroy(&f->srq_qp.sq_lock);
	pthread_spin_destroy(&f->srq_qp.rq_lock);
	pthread_spin_destroy(&f->srq.lock);
	pthread_spin_destroy(&f->cq.lock);
}

static char buf[4096];
static struct ibv_sge sge = { .lkey = 1 };

static void send_wrs(struct ibv_send_wr *wr, size_t n)
{
	size_t i;

	memset(wr, 0, n * sizeof(*wr));
	for (i = 0; i < n; i++) {
		wr[i].wr_id = i;
		wr[i].sg_list = &sge;
		wr[i].num_sge = 1;
		wr[i].opcode = IBV_WR_SEND;
		wr[i].send_flags = IBV_SEND_SIGNALED;
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
	}
}

static void recv_wrs(struct ibv_recv_wr *wr, size_t n)
{
	size_t i;

	memset(wr, 0, n * sizeof(*wr));
	for (i = 0; i < n; i++) {
		wr[i].wr_id = 100 + i;
		wr[i].sg_list = &sge;
		wr[i].num_sge = 1;
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
	}
}

static void test_post_send(void)
{
	struct pedma_doorbell_cmd db[4];
	struct ibv_send_wr wr[10], *bad;
	struct ibv_qp *qp;
	struct fake f;
	int ret;

	cur_test = "post_send";
	fake_init(&f, 8);
	qp = &f.qp.vqp.qp;

	/* Three WRs, one doorbell. */
	send_wrs(wr, 3);
	bad = (struct ibv_send_wr *)0x1;
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, 0);
	CHECK(bad == NULL);
	CHECK_EQ(f.qp.sq.hdr->prod, 3);
	CHECK_EQ(read_doorbells(db, 4), 1);
	check_doorbell(&db[0], IB_USER_VERBS_CMD_POST_SEND, 0x51);

	/* Nothing to post: no doorbell. */
	CHECK_EQ(pedma_post_send(qp, NULL, &bad), 0);
	CHECK_EQ(read_doorbells(db, 4), 0);

	/* First WR bad: nothing posted, no doorbell. */
	send_wrs(wr, 2);
	wr[0].opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[0]);
	CHECK_EQ(f.qp.sq.hdr->prod, 3);
	CHECK_EQ(read_doorbells(db, 4), 0);

	/* Second WR bad: the first is posted and rung. */
	send_wrs(wr, 3);
	wr[1].num_sge = PEDMA_UMAX_SGE + 1;
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[1]);
	CHECK_EQ(f.qp.sq.hdr->prod, 4);
	CHECK_EQ(read_doorbells(db, 4), 1);

	/* Ring of 8 with 4 unconsumed: 4 go in, the fifth is ENOMEM. */
	send_wrs(wr, 10);
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[4]);
	CHECK_EQ(f.qp.sq.hdr->prod, 8);
	CHECK_EQ(read_doorbells(db, 4), 1);
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[0]);
	CHECK_EQ(read_doorbells(db, 4), 0);

	/* The kernel consumed everything: inline and READ go in. */
	f.qp.sq.hdr->cons = 8;
	send_wrs(wr, 2);
	memcpy(buf, "inline!", 8);
	sge.addr = (uintptr_t)buf;
	sge.length = 8;
	wr[0].send_flags |= IBV_SEND_INLINE;
	wr[1].opcode = IBV_WR_RDMA_READ;
	wr[1].wr.rdma.remote_addr = 0x1000;
	wr[1].wr.rdma.rkey = 7;
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, 0);
	{
		struct pedma_sq_wqe *w0 = pedma_ring_slot(&f.qp.sq, 8);
		struct pedma_sq_wqe *w1 = pedma_ring_slot(&f.qp.sq, 9);

		CHECK_EQ(w0->flags, PEDMA_WQE_F_INLINE | PEDMA_WQE_F_SIGNALED);
		CHECK(!memcmp(w0->inline_data, "inline!", 8));
		CHECK_EQ(w1->opcode, PEDMA_WQE_OP_RDMA_READ);
		CHECK_EQ(w1->rkey, 7);
	}
	CHECK_EQ(read_doorbells(db, 4), 1);
	sge.addr = 0;
	sge.length = 0;

	/* No bad_wr pointer at all. */
	send_wrs(wr, 1);
	CHECK_EQ(pedma_post_send(qp, wr, NULL), EINVAL);
	CHECK_EQ(read_doorbells(db, 4), 0);

	fake_fini(&f);
}

static void test_qp_states(void)
{
	static const struct {
		enum ibv_qp_state state;
		bool send, recv;
	} states[] = {
		{ IBV_QPS_RESET, false, false },
		{ IBV_QPS_INIT, false, true },
		{ IBV_QPS_RTR, false, true },
		{ IBV_QPS_RTS, true, true },
		{ IBV_QPS_SQD, true, true },
		{ IBV_QPS_SQE, true, true },
		{ IBV_QPS_ERR, true, true },	/* the kernel flushes them */
	};
	struct pedma_doorbell_cmd db[2];
	struct ibv_send_wr swr, *sbad;
	struct ibv_recv_wr rwr, *rbad;
	struct fake f;
	size_t i;
	int ret;

	cur_test = "qp states";
	fake_init(&f, 64);
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		f.qp.vqp.qp.state = states[i].state;
		f.qp.sq.hdr->cons = f.qp.sq.head;	/* always room */
		f.qp.rq.hdr->cons = f.qp.rq.head;

		send_wrs(&swr, 1);
		sbad = NULL;
		ret = pedma_post_send(&f.qp.vqp.qp, &swr, &sbad);
		CHECKF(ret == (states[i].send ? 0 : EINVAL),
		       "post_send in state %d: %d", states[i].state, ret);
		CHECK(sbad == (states[i].send ? NULL : &swr));
		CHECK_EQ(read_doorbells(db, 2), states[i].send ? 1 : 0);

		recv_wrs(&rwr, 1);
		rbad = NULL;
		ret = pedma_post_recv(&f.qp.vqp.qp, &rwr, &rbad);
		CHECKF(ret == (states[i].recv ? 0 : EINVAL),
		       "post_recv in state %d: %d", states[i].state, ret);
		CHECK(rbad == (states[i].recv ? NULL : &rwr));
		CHECK_EQ(read_doorbells(db, 2), states[i].recv ? 1 : 0);
	}
	fake_fini(&f);
}

static void test_post_recv(void)
{
	struct pedma_doorbell_cmd db[4];
	struct ibv_recv_wr wr[6], *bad;
	struct fake f;
	int ret;

	cur_test = "post_recv";
	fake_init(&f, 8);

	recv_wrs(wr, 6);
	ret = pedma_post_recv(&f.qp.vqp.qp, wr, &bad);
	CHECK_EQ(ret, ENOMEM);		/* RQ of 4 */
	CHECK(bad == &wr[4]);
	CHECK_EQ(f.qp.rq.hdr->prod, 4);
	CHECK_EQ(read_doorbells(db, 4), 1);
	check_doorbell(&db[0], IB_USER_VERBS_CMD_POST_RECV, 0x51);
	CHECK_EQ(((struct pedma_rq_wqe *)pedma_ring_slot(&f.qp.rq, 3))->wr_id,
		 103);

	/* A QP on an SRQ has no RQ of its own. */
	recv_wrs(wr, 1);
	ret = pedma_post_recv(&f.srq_qp.vqp.qp, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[0]);
	CHECK_EQ(read_doorbells(db, 4), 0);
	/* and no SQ: it was made without one */
	{
		struct ibv_send_wr swr, *sbad;

		send_wrs(&swr, 1);
		CHECK_EQ(pedma_post_send(&f.srq_qp.vqp.qp, &swr, &sbad), EINVAL);
		CHECK(sbad == &swr);
	}

	/* The SRQ itself. */
	recv_wrs(wr, 2);
	wr[1].num_sge = PEDMA_UMAX_SGE + 1;
	ret = pedma_post_srq_recv(&f.srq.vsrq.srq, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[1]);
	CHECK_EQ(f.srq.rq.hdr->prod, 1);
	CHECK_EQ(read_doorbells(db, 4), 1);
	check_doorbell(&db[0], IB_USER_VERBS_CMD_POST_SRQ_RECV, 0x77);

	recv_wrs(wr, 3);
	ret = pedma_post_srq_recv(&f.srq.vsrq.srq, wr, &bad);
	CHECK_EQ(ret, 0);
	CHECK_EQ(f.srq.rq.hdr->prod, 4);
	CHECK_EQ(read_doorbells(db, 4), 1);
	ret = pedma_post_srq_recv(&f.srq.vsrq.srq, wr, &bad);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[0]);
	CHECK_EQ(read_doorbells(db, 4), 0);
	CHECK_EQ(pedma_post_srq_recv(&f.srq.vsrq.srq, wr, NULL), EINVAL);

	fake_fini(&f);
}

static void test_doorbell_failure(void)
{
	struct ibv_send_wr wr[2], *bad;
	struct ibv_recv_wr rwr[2], *rbad;
	struct fake f;
	int ret;

	cur_test = "doorbell failure";
	fake_init(&f, 8);
	f.ctx.cmd_fd = pipe_rd;		/* write() on it: EBADF */

	send_wrs(wr, 2);
	ret = pedma_post_send(&f.qp.vqp.qp, wr, &bad);
	CHECK_EQ(ret, EBADF);
	CHECK(bad == &wr[0]);
	CHECK_EQ(f.qp.sq.hdr->prod, 2);	/* published all the same */

	/* A WR error wins over the doorbell's. */
	send_wrs(wr, 2);
	wr[1].opcode = IBV_WR_LOCAL_INV;
	ret = pedma_post_send(&f.qp.vqp.qp, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[1]);

	recv_wrs(rwr, 2);
	ret = pedma_post_recv(&f.qp.vqp.qp, rwr, &rbad);
	CHECK_EQ(ret, EBADF);
	CHECK(rbad == &rwr[0]);
	ret = pedma_post_srq_recv(&f.srq.vsrq.srq, rwr, &rbad);
	CHECK_EQ(ret, EBADF);
	CHECK(rbad == &rwr[0]);

	CHECK_EQ(pedma_doorbell(-1, IB_USER_VERBS_CMD_POST_SEND, 1), EBADF);
	fake_fini(&f);
}

static void test_poll_cq(void)
{
	struct ibv_wc wc[4];
	struct pedma_cqe *c;
	struct fake f;
	int i;

	cur_test = "poll_cq";
	fake_init(&f, 8);
	CHECK_EQ(pedma_poll_cq(&f.cq.vcq.cq, 4, wc), 0);
	for (i = 0; i < 6; i++) {
		c = pedma_ring_slot(&f.cq.ring, (uint32_t)i);
		memset(c, 0, sizeof(*c));
		c->wr_id = 900 + i;
		c->opcode = i & 1 ? PEDMA_CQE_OP_RECV : PEDMA_CQE_OP_RDMA_WRITE;
		c->byte_len = 10 * i;
		c->qp_num = 0x51;
	}
	f.cq.ring.hdr->prod = 6;
	CHECK_EQ(pedma_poll_cq(&f.cq.vcq.cq, 4, wc), 4);
	CHECK_EQ(wc[3].wr_id, 903);
	CHECK_EQ(wc[3].opcode, IBV_WC_RECV);
	CHECK_EQ(wc[2].opcode, IBV_WC_RDMA_WRITE);
	CHECK_EQ(wc[2].byte_len, 20);
	CHECK_EQ(f.cq.ring.hdr->cons, 4);
	CHECK_EQ(pedma_poll_cq(&f.cq.vcq.cq, 4, wc), 2);
	CHECK_EQ(wc[1].wr_id, 905);
	CHECK_EQ(f.cq.ring.hdr->cons, 6);
	CHECK_EQ(pedma_poll_cq(&f.cq.vcq.cq, 4, wc), 0);
	/* no system call: the command fd saw nothing */
	CHECK_EQ(read_doorbells(NULL, 0), 0);
	fake_fini(&f);
}

/* ---- Concurrent posters ---------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 2000

struct poster {
	struct ibv_qp *qp;
	uint64_t base;
	int failures;
};

static void *poster_main(void *arg)
{
	struct poster *p = arg;
	struct ibv_send_wr wr, *bad;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		memset(&wr, 0, sizeof(wr));
		wr.wr_id = p->base + (uint64_t)i;
		wr.opcode = IBV_WR_SEND;
		if (pedma_post_send(p->qp, &wr, &bad))
			p->failures++;
	}
	return NULL;
}

static void test_concurrent_posters(void)
{
	struct poster p[THREADS];
	pthread_t tid[THREADS];
	static unsigned char seen[THREADS * PER_THREAD];
	struct fake f;
	uint32_t k;
	int i, devnull, missing = 0;

	cur_test = "concurrent posters";
	fake_init(&f, 8192);
	devnull = open("/dev/null", O_WRONLY);
	CHECK(devnull >= 0);
	f.ctx.cmd_fd = devnull;		/* 8000 doorbells would fill a pipe */
	for (i = 0; i < THREADS; i++) {
		p[i].qp = &f.qp.vqp.qp;
		p[i].base = (uint64_t)i * PER_THREAD;
		p[i].failures = 0;
		CHECK_EQ(pthread_create(&tid[i], NULL, poster_main, &p[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		CHECK_EQ(p[i].failures, 0);
	}
	CHECK_EQ(f.qp.sq.hdr->prod, THREADS * PER_THREAD);
	for (k = 0; k < THREADS * PER_THREAD; k++) {
		struct pedma_sq_wqe *w = pedma_ring_slot(&f.qp.sq, k);

		if (w->wr_id < THREADS * PER_THREAD)
			seen[w->wr_id]++;
	}
	for (k = 0; k < THREADS * PER_THREAD; k++)
		missing += seen[k] != 1;
	CHECKF(missing == 0, "%d WRs missing or duplicated", missing);
	close(devnull);
	fake_fini(&f);
}

int main(void)
{
	int fds[2];

	if (pipe2(fds, O_NONBLOCK)) {
		perror("pipe2");
		return 2;
	}
	pipe_rd = fds[0];
	pipe_wr = fds[1];

	test_post_send();
	test_qp_states();
	test_post_recv();
	test_doorbell_failure();
	test_poll_cq();
	test_concurrent_posters();

	close(pipe_rd);
	close(pipe_wr);
	return check_summary("test_provider_fastpath");
}
