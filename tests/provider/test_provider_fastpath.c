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
 *   - poll_cq through the provider entry point, UD receive completions
 *     (src_qp, slid, sl, GRH, path bits) included;
 *   - concurrent posters on one QP (the spinlock);
 *   - address handles and multicast (pedma_ah.c) against a stub "kernel"
 *     in place of libibverbs' ibv_cmd_* helpers: where the ah_id is read
 *     from the create response, error paths, and a UD send naming the
 *     AH the kernel made.
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
	struct ibv_pd pd;
	struct pedma_qp qp;
	struct pedma_qp ud_qp;
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

	f->pd.context = &f->ctx;
	f->pd.handle = 0x9d;
	f->ud_qp.vqp.qp.context = &f->ctx;
	f->ud_qp.vqp.qp.pd = &f->pd;
	f->ud_qp.vqp.qp.handle = 0x53;
	f->ud_qp.vqp.qp.qp_num = 0x000153;
	f->ud_qp.vqp.qp.state = IBV_QPS_RTS;
	f->ud_qp.vqp.qp.qp_type = IBV_QPT_UD;
	pthread_spin_init(&f->ud_qp.sq_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&f->ud_qp.rq_lock, PTHREAD_PROCESS_PRIVATE);
	ring_mem(&f->ud_qp.sq, 8, sizeof(struct pedma_sq_wqe), true);
	ring_mem(&f->ud_qp.rq, 4, sizeof(struct pedma_rq_wqe), true);
	f->ud_qp.sq_lim.max_sge = 2;
	f->ud_qp.sq_lim.max_inline = 64;
	f->ud_qp.sq_lim.ud = true;
	f->ud_qp.sq_lim.pd = &f->pd;
	f->ud_qp.rq_max_sge = 1;

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
	free(f->ud_qp.sq.hdr);
	free(f->ud_qp.rq.hdr);
	free(f->srq.rq.hdr);
	free(f->cq.ring.hdr);
	pthread_spin_destroy(&f->qp.sq_lock);
	pthread_spin_destroy(&f->qp.rq_lock);
	pthread_spin_destroy(&f->ud_qp.sq_lock);
	pthread_spin_destroy(&f->ud_qp.rq_lock);
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

/* ---- UD --------------------------------------------------------------------- */

/*
 * UD completions as the kernel writes them: a send completion, and
 * receives with and without GRH and immediate data.  byte_len of a UD
 * receive counts the 40 bytes of GRH space at the start of the buffer.
 */
static void test_poll_cq_ud(void)
{
	struct ibv_wc wc[4];
	struct pedma_cqe *c;
	struct fake f;

	cur_test = "poll_cq ud";
	fake_init(&f, 8);
	memset(wc, 0xa5, sizeof(wc));

	c = pedma_ring_slot(&f.cq.ring, 0);
	memset(c, 0, sizeof(*c));
	c->wr_id = 1;
	c->opcode = PEDMA_CQE_OP_SEND;
	c->byte_len = 2048;
	c->qp_num = 0x153;

	c = pedma_ring_slot(&f.cq.ring, 1);
	memset(c, 0, sizeof(*c));
	c->wr_id = 2;
	c->opcode = PEDMA_CQE_OP_RECV;
	c->flags = PEDMA_CQE_F_GRH;
	c->byte_len = 40 + 2048;
	c->qp_num = 0x153;
	c->src_qp = 0xfedcba;
	c->slid = 0xbeef;
	c->sl = 9;
	c->pkey_index = 0;
	c->dlid_path_bits = 3;

	c = pedma_ring_slot(&f.cq.ring, 2);
	memset(c, 0, sizeof(*c));
	c->wr_id = 3;
	c->opcode = PEDMA_CQE_OP_RECV;
	c->flags = PEDMA_CQE_F_IMM;
	c->imm_data = htobe32(0x0badcafe);
	c->byte_len = 40 + 1;
	c->qp_num = 0x153;
	c->src_qp = 1;
	c->slid = 2;
	c->sl = 15;

	c = pedma_ring_slot(&f.cq.ring, 3);
	memset(c, 0, sizeof(*c));
	c->wr_id = 4;
	c->status = IBV_WC_LOC_QP_OP_ERR;	/* e.g. a destroyed AH */
	c->opcode = PEDMA_CQE_OP_SEND;
	c->qp_num = 0x153;
	f.cq.ring.hdr->prod = 4;

	CHECK_EQ(pedma_poll_cq(&f.cq.vcq.cq, 4, wc), 4);
	CHECK_EQ(wc[0].wr_id, 1);
	CHECK_EQ(wc[0].status, IBV_WC_SUCCESS);
	CHECK_EQ(wc[0].opcode, IBV_WC_SEND);
	CHECK_EQ(wc[0].wc_flags, 0);
	CHECK_EQ(wc[0].src_qp, 0);
	CHECK_EQ(wc[0].slid, 0);

	CHECK_EQ(wc[1].wr_id, 2);
	CHECK_EQ(wc[1].status, IBV_WC_SUCCESS);
	CHECK_EQ(wc[1].opcode, IBV_WC_RECV);
	CHECK_EQ(wc[1].wc_flags, IBV_WC_GRH);
	CHECK_EQ(wc[1].byte_len, 2088);
	CHECK_EQ(wc[1].qp_num, 0x153);
	CHECK_EQ(wc[1].src_qp, 0xfedcba);
	CHECK_EQ(wc[1].slid, 0xbeef);
	CHECK_EQ(wc[1].sl, 9);
	CHECK_EQ(wc[1].pkey_index, 0);
	CHECK_EQ(wc[1].dlid_path_bits, 3);
	CHECK_EQ(wc[1].imm_data, 0);
	CHECK_EQ(wc[1].vendor_err, 0);

	CHECK_EQ(wc[2].wr_id, 3);
	CHECK_EQ(wc[2].opcode, IBV_WC_RECV);
	CHECK_EQ(wc[2].wc_flags, IBV_WC_WITH_IMM);
	CHECK_EQ(wc[2].imm_data, htobe32(0x0badcafe));
	CHECK_EQ(wc[2].byte_len, 41);
	CHECK_EQ(wc[2].src_qp, 1);
	CHECK_EQ(wc[2].slid, 2);
	CHECK_EQ(wc[2].sl, 15);
	CHECK_EQ(wc[2].dlid_path_bits, 0);

	CHECK_EQ(wc[3].wr_id, 4);
	CHECK_EQ(wc[3].status, IBV_WC_LOC_QP_OP_ERR);
	CHECK_EQ(f.cq.ring.hdr->cons, 4);
	CHECK_EQ(read_doorbells(NULL, 0), 0);
	fake_fini(&f);
}

/*
 * The stub kernel behind pedma_ah.c: libibverbs' ibv_cmd_* helpers are
 * replaced by these (this program does not link libibverbs).  Like the
 * real create_ah it writes the core response (ah_handle) and, right after
 * it, the driver's struct pedma_create_ah_resp.
 */
static struct {
	int create_err, destroy_err, mcast_err;
	uint32_t next_handle, next_ah_id;
	size_t resp_size;
	struct ibv_ah_attr attr;
	uint32_t destroyed[8];
	int ndestroyed;
	uint32_t mcast_qp_handle;
	union ibv_gid mcast_gid;
	uint16_t mcast_lid;
	int attached, detached;
} kern;

int ibv_cmd_create_ah(struct ibv_pd *pd, struct ibv_ah *ah,
		      struct ibv_ah_attr *attr,
		      struct ib_uverbs_create_ah_resp *resp, size_t resp_size)
{
	struct pedma_create_ah_resp drv = {
		.ah_id = kern.next_ah_id, .reserved = 0xdddddddd,
	};

	kern.resp_size = resp_size;
	kern.attr = *attr;
	if (kern.create_err)
		return kern.create_err;
	if (resp_size < sizeof(*resp) + sizeof(drv))
		return EINVAL;	/* the kernel's ib_copy_to_udata: EFAULT-ish */
	resp->ah_handle = kern.next_handle;
	memcpy((char *)resp + sizeof(*resp), &drv, sizeof(drv));
	ah->handle = kern.next_handle;
	ah->context = pd->context;
	kern.next_handle++;
	kern.next_ah_id += 0x100;
	return 0;
}

int ibv_cmd_destroy_ah(struct ibv_ah *ah)
{
	if (kern.destroy_err)
		return kern.destroy_err;
	if (kern.ndestroyed < (int)ARRAY_SIZE(kern.destroyed))
		kern.destroyed[kern.ndestroyed] = ah->handle;
	kern.ndestroyed++;
	return 0;
}

static int stub_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
		      uint16_t lid)
{
	kern.mcast_qp_handle = qp->handle;
	kern.mcast_gid = *gid;
	kern.mcast_lid = lid;
	return kern.mcast_err;
}

int ibv_cmd_attach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
			 uint16_t lid)
{
	kern.attached++;
	return stub_mcast(qp, gid, lid);
}

int ibv_cmd_detach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
			 uint16_t lid)
{
	kern.detached++;
	return stub_mcast(qp, gid, lid);
}

static void test_ah(void)
{
	struct ibv_ah_attr attr = {
		.grh = { .flow_label = 0x12345, .sgid_index = 0,
			 .hop_limit = 1, .traffic_class = 7 },
		.dlid = 0x0c00 | 2, .sl = 3, .static_rate = 0,
		.is_global = 1, .port_num = 1,
	};
	union ibv_gid mgid;
	struct ibv_ah *ah, *ah2;
	struct fake f;
	int i;

	cur_test = "ah";
	fake_init(&f, 8);
	memset(&kern, 0, sizeof(kern));
	kern.next_handle = 40;
	kern.next_ah_id = 0x7001;
	for (i = 0; i < 16; i++)
		attr.grh.dgid.raw[i] = (uint8_t)(0xfe - i);

	ah = pedma_create_ah(&f.pd, &attr);
	CHECK(ah != NULL);
	if (!ah) {
		fake_fini(&f);
		return;
	}
	/* core response then ours: 4 + 8 bytes */
	CHECK_EQ(kern.resp_size, sizeof(struct ib_uverbs_create_ah_resp) +
				 sizeof(struct pedma_create_ah_resp));
	CHECK_EQ(kern.resp_size, 12);
	CHECK(!memcmp(&kern.attr, &attr, sizeof(attr)));
	CHECK_EQ(to_pah(ah)->ah_id, 0x7001);
	CHECK_EQ(ah->handle, 40);
	CHECK(ah->context == &f.ctx);
	CHECK(ah->pd == &f.pd);

	ah2 = pedma_create_ah(&f.pd, &attr);
	CHECK(ah2 != NULL);
	CHECK_EQ(ah2 ? to_pah(ah2)->ah_id : 0, 0x7101);

	/* The kernel refuses: NULL with its errno, nothing allocated. */
	kern.create_err = EINVAL;
	errno = 0;
	CHECK(pedma_create_ah(&f.pd, &attr) == NULL);
	CHECK_EQ(errno, EINVAL);
	kern.create_err = 0;

	/* A UD send names the AH by the id the kernel gave it. */
	{
		char payload[16] = "ud payload";
		struct ibv_sge sge1 = { .addr = (uintptr_t)payload,
					.length = sizeof(payload), .lkey = 0x42 };
		struct ibv_send_wr wr = {
			.wr_id = 77, .sg_list = &sge1, .num_sge = 1,
			.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
			.wr.ud = { .ah = ah2, .remote_qpn = 0x000152,
				   .remote_qkey = 0x11111111 },
		};
		struct pedma_doorbell_cmd db[2];
		struct ibv_send_wr *bad;
		struct pedma_sq_wqe *w;

		CHECK_EQ(pedma_post_send(&f.ud_qp.vqp.qp, &wr, &bad), 0);
		CHECK_EQ(read_doorbells(db, 2), 1);
		check_doorbell(&db[0], IB_USER_VERBS_CMD_POST_SEND, 0x53);
		w = pedma_ring_slot(&f.ud_qp.sq, 0);
		CHECK_EQ(w->ud_ah, 0x7101);
		CHECK_EQ(w->ud_remote_qpn, 0x152);
		CHECK_EQ(w->ud_remote_qkey, 0x11111111);
		CHECK_EQ(w->opcode, PEDMA_WQE_OP_SEND);
		CHECK_EQ(w->num_sge, 1);
		CHECK_EQ(w->sge[0].lkey, 0x42);
	}

	/* Destroy fails: the AH stays usable; then it goes. */
	kern.destroy_err = EBUSY;
	CHECK_EQ(pedma_destroy_ah(ah), EBUSY);
	CHECK_EQ(to_pah(ah)->ah_id, 0x7001);	/* still ours to read */
	kern.destroy_err = 0;
	CHECK_EQ(pedma_destroy_ah(ah), 0);
	CHECK_EQ(pedma_destroy_ah(ah2), 0);
	CHECK_EQ(kern.ndestroyed, 2);
	CHECK_EQ(kern.destroyed[0], 40);
	CHECK_EQ(kern.destroyed[1], 41);

	/* Multicast: passed through as given, errors returned as given. */
	memset(&mgid, 0, sizeof(mgid));
	mgid.raw[0] = 0xff;
	mgid.raw[1] = 0x12;
	mgid.raw[15] = 0x01;
	CHECK_EQ(pedma_attach_mcast(&f.ud_qp.vqp.qp, &mgid, 0xc001), 0);
	CHECK_EQ(kern.attached, 1);
	CHECK_EQ(kern.mcast_qp_handle, 0x53);
	CHECK_EQ(kern.mcast_lid, 0xc001);
	CHECK(!memcmp(&kern.mcast_gid, &mgid, sizeof(mgid)));
	kern.mcast_err = EINVAL;
	CHECK_EQ(pedma_detach_mcast(&f.ud_qp.vqp.qp, &mgid, 0xc002), EINVAL);
	CHECK_EQ(kern.detached, 1);
	CHECK_EQ(kern.mcast_lid, 0xc002);
	kern.mcast_err = 0;
	fake_fini(&f);
}

/* Through the provider's post_send: UD checks, bad_wr, doorbells. */
static void test_post_send_ud(void)
{
	struct pedma_ah ah = { .ah_id = 0x31 };
	struct ibv_send_wr wr[3], *bad;
	struct pedma_doorbell_cmd db[2];
	struct ibv_qp *qp;
	struct pedma_sq_wqe *w;
	struct fake f;
	int i, ret;

	cur_test = "post_send ud";
	fake_init(&f, 8);
	qp = &f.ud_qp.vqp.qp;
	ah.ibv_ah.context = &f.ctx;
	ah.ibv_ah.pd = &f.pd;

	send_wrs(wr, 3);
	for (i = 0; i < 3; i++) {
		wr[i].wr.ud.ah = &ah.ibv_ah;
		wr[i].wr.ud.remote_qpn = 0x100 + (uint32_t)i;
		wr[i].wr.ud.remote_qkey = 0x22220000 + (uint32_t)i;
	}
	wr[2].opcode = IBV_WR_SEND_WITH_IMM;
	wr[2].imm_data = htobe32(7);
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, 0);
	CHECK(bad == NULL);
	CHECK_EQ(f.ud_qp.sq.hdr->prod, 3);
	CHECK_EQ(read_doorbells(db, 2), 1);
	check_doorbell(&db[0], IB_USER_VERBS_CMD_POST_SEND, 0x53);
	for (i = 0; i < 3; i++) {
		w = pedma_ring_slot(&f.ud_qp.sq, (uint32_t)i);
		CHECK_EQ(w->wr_id, (uint64_t)i);
		CHECK_EQ(w->ud_ah, 0x31);
		CHECK_EQ(w->ud_remote_qpn, 0x100 + (uint32_t)i);
		CHECK_EQ(w->ud_remote_qkey, 0x22220000 + (uint32_t)i);
	}
	CHECK_EQ(((struct pedma_sq_wqe *)pedma_ring_slot(&f.ud_qp.sq, 2))->opcode,
		 PEDMA_WQE_OP_SEND_IMM);

	/* RDMA on UD: refused at post time, nothing written, no doorbell. */
	send_wrs(wr, 2);
	wr[0].wr.ud.ah = &ah.ibv_ah;
	wr[0].opcode = IBV_WR_RDMA_WRITE;
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[0]);
	CHECK_EQ(f.ud_qp.sq.hdr->prod, 3);
	CHECK_EQ(read_doorbells(db, 2), 0);

	/* A good WR, then one without AH: the first goes, one doorbell. */
	send_wrs(wr, 2);
	wr[0].wr.ud.ah = &ah.ibv_ah;
	ret = pedma_post_send(qp, wr, &bad);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[1]);
	CHECK_EQ(f.ud_qp.sq.hdr->prod, 4);
	CHECK_EQ(read_doorbells(db, 2), 1);

	/* The QP's granted SGEs (2) and inline (64) hold for UD too. */
	{
		static char big[65];
		struct ibv_sge s3[3] = {
			{ .addr = 1, .length = 1 }, { .addr = 2, .length = 1 },
			{ .addr = 3, .length = 1 },
		};
		struct ibv_sge in = { .addr = (uintptr_t)big, .length = 65 };

		send_wrs(wr, 1);
		wr[0].wr.ud.ah = &ah.ibv_ah;
		wr[0].sg_list = s3;
		wr[0].num_sge = 3;
		CHECK_EQ(pedma_post_send(qp, wr, &bad), EINVAL);
		wr[0].sg_list = &in;
		wr[0].num_sge = 1;
		wr[0].send_flags |= IBV_SEND_INLINE;
		CHECK_EQ(pedma_post_send(qp, wr, &bad), EINVAL);
		in.length = 64;
		CHECK_EQ(pedma_post_send(qp, wr, &bad), 0);
		CHECK_EQ(read_doorbells(db, 2), 1);
	}

	/* 4097 bytes: more than one packet. */
	{
		struct ibv_sge s2[2] = {
			{ .addr = 0x1000, .length = 4096, .lkey = 1 },
			{ .addr = 0x3000, .length = 1, .lkey = 1 },
		};

		send_wrs(wr, 1);
		wr[0].wr.ud.ah = &ah.ibv_ah;
		wr[0].sg_list = s2;
		wr[0].num_sge = 2;
		CHECK_EQ(pedma_post_send(qp, wr, &bad), EINVAL);
		s2[1].length = 0;
		CHECK_EQ(pedma_post_send(qp, wr, &bad), 0);
		CHECK_EQ(read_doorbells(db, 2), 1);
	}

	/* UD receives go to the RQ like RC ones. */
	{
		struct ibv_recv_wr rwr, *rbad;

		recv_wrs(&rwr, 1);
		CHECK_EQ(pedma_post_recv(qp, &rwr, &rbad), 0);
		CHECK_EQ(read_doorbells(db, 2), 1);
		check_doorbell(&db[0], IB_USER_VERBS_CMD_POST_RECV, 0x53);
	}
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
	test_poll_cq_ud();
	test_post_send_ud();
	test_ah();
	test_concurrent_posters();

	close(pipe_rd);
	close(pipe_wr);
	return check_summary("test_provider_fastpath");
}
