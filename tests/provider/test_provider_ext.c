// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The provider's extended verbs without a device: pedma_fastpath.c (the
 * ibv_wr_* builders, the extended CQ's start_poll/read_*), pedma_cq.c and
 * pedma_qp.c (ibv_create_cq_ex / ibv_create_qp_ex) linked against stubs of
 * the ibv_cmd_* helpers and of the ring mmap that play the kernel, rings
 * in calloc()ed memory and a pipe as command fd.
 *
 *   - the builders write, for every opcode and payload kind (SGE, SGE
 *     list, inline, inline list, UD address), the very bytes
 *     ibv_post_send() writes for the same request, and ring one doorbell
 *     per wr_complete;
 *   - errors (too many SGEs, too much inline, a full ring, an op not in
 *     send_ops_flags, a setter without a WR, a QP not in RTS) come out
 *     of wr_complete, which then posts nothing; wr_abort leaves prod and
 *     the command fd alone;
 *   - the extended CQ's accessors return what ibv_poll_cq() returns for
 *     the same crafted CQEs; cons moves at end_poll only;
 *   - resize_cq continues with the CQEs not yet polled, in order, in the
 *     ring the kernel prepared; a refused resize changes nothing;
 *   - create_cq_ex / create_qp_ex refuse completion timestamps, atomics
 *     and the other unsupported attributes with EOPNOTSUPP before any
 *     command, and give working objects otherwise.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pedma_check.h"
#include "pedma.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int pipe_rd = -1, pipe_wr = -1;

static int count_doorbells(uint32_t want_handle)
{
	struct pedma_doorbell_cmd cmd;
	int n = 0;

	while (read(pipe_rd, &cmd, sizeof(cmd)) == (ssize_t)sizeof(cmd)) {
		CHECK_EQ(cmd.hdr.command, IB_USER_VERBS_CMD_POST_SEND);
		CHECK_EQ(cmd.handle, want_handle);
		n++;
	}
	return n;
}

/* ---- Stubs: the kernel side of the control path ---------------------------- */

static struct {
	int create_cq, destroy_cq, create_qp, destroy_qp;
	uint32_t sq_entries;
	/* resize_cq: the error to return, the ring the kernel prepared */
	int resize_ret, resize_cq;
	void *resize_mem;
} k;

#define RESIZE_OFFSET 0x2000

void pedma_log(struct ibv_context *ctx, uint32_t level, const char *func,
	       int line, const char *fmt, ...)
{
	(void)ctx, (void)level, (void)func, (void)line, (void)fmt;
}

int pedma_ring_map(struct ibv_context *ctx, struct pedma_ring *ring,
		   const char *what, uint64_t offset, uint32_t size,
		   uint32_t entries, uint32_t entry_size, bool producer)
{
	void *mem;

	(void)ctx, (void)what;
	memset(ring, 0, sizeof(*ring));
	if (!size)
		return 0;
	if (offset == RESIZE_OFFSET && k.resize_mem) {
		/* the ring the resize "kernel" filled */
		pedma_ring_init(ring, k.resize_mem, size, entries, entry_size,
				producer);
		k.resize_mem = NULL;
		return 0;
	}
	mem = calloc(1, size);
	if (!mem)
		return ENOMEM;
	pedma_ring_init(ring, mem, size, entries, entry_size, producer);
	return 0;
}

void pedma_ring_unmap(struct pedma_ring *ring)
{
	free(ring->hdr);
	memset(ring, 0, sizeof(*ring));
}

int ibv_cmd_create_cq(struct ibv_context *context, int cqe,
		      struct ibv_comp_channel *channel, int comp_vector,
		      struct ibv_cq *cq, struct ibv_create_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_create_cq_resp *resp,
		      size_t resp_size)
{
	struct pedma_create_cq_resp *drv = (void *)(resp + 1);

	(void)channel, (void)comp_vector, (void)cmd, (void)cmd_size;
	k.create_cq++;
	CHECK_EQ(resp_size, sizeof(*resp) + sizeof(*drv));
	cq->context = context;
	cq->handle = 0xc1;
	cq->cqe = cqe;
	drv->entries = 8;
	drv->ring_size = PEDMA_RING_HDR_SIZE + 8 * sizeof(struct pedma_cqe);
	drv->ring_offset = 0x1000;
	return 0;
}

/*
 * The kernel's resize: the CQEs from the cons in the old header up to
 * prod move to a new ring at the same counters, the header carries both.
 */
int ibv_cmd_resize_cq(struct ibv_cq *cq, int cqe, struct ibv_resize_cq *cmd,
		      size_t cmd_size, struct ib_uverbs_resize_cq_resp *resp,
		      size_t resp_size)
{
	struct pedma_resize_cq_resp *drv = (void *)(resp + 1);
	struct pedma_ring *old = &to_pcq(cq)->ring;
	struct pedma_ring nr;
	uint32_t entries = 1, c;
	size_t size;

	(void)cmd, (void)cmd_size;
	k.resize_cq++;
	CHECK_EQ(resp_size, sizeof(*resp) + sizeof(*drv));
	if (k.resize_ret)
		return k.resize_ret;
	while (entries < (uint32_t)cqe)
		entries <<= 1;
	size = PEDMA_RING_HDR_SIZE + (size_t)entries * sizeof(struct pedma_cqe);
	k.resize_mem = calloc(1, size);
	if (!k.resize_mem)
		return ENOMEM;
	pedma_ring_init(&nr, k.resize_mem, size, entries,
			sizeof(struct pedma_cqe), false);
	for (c = old->hdr->cons; c != old->hdr->prod; c++)
		memcpy(pedma_ring_slot(&nr, c), pedma_ring_slot(old, c),
		       sizeof(struct pedma_cqe));
	nr.hdr->cons = old->hdr->cons;
	nr.hdr->prod = old->hdr->prod;
	/* the kernel writes only the new ring from now on */
	memset(old->slots, 0xee, (size_t)old->entries * old->entry_size);
	cq->cqe = (int)entries;
	drv->entries = entries;
	drv->ring_size = (uint32_t)size;
	drv->ring_offset = RESIZE_OFFSET;
	return 0;
}

int ibv_cmd_destroy_cq(struct ibv_cq *cq)
{
	(void)cq;
	k.destroy_cq++;
	return 0;
}

int ibv_cmd_req_notify_cq(struct ibv_cq *cq, int solicited_only)
{
	(void)cq, (void)solicited_only;
	return 0;
}

int ibv_cmd_create_qp(struct ibv_pd *pd, struct ibv_qp *qp,
		      struct ibv_qp_init_attr *attr,
		      struct ibv_create_qp *cmd, size_t cmd_size,
		      struct ib_uverbs_create_qp_resp *resp, size_t resp_size)
{
	struct pedma_create_qp_resp *drv = (void *)(resp + 1);

	(void)cmd, (void)cmd_size;
	k.create_qp++;
	CHECK_EQ(resp_size, sizeof(*resp) + sizeof(*drv));
	qp->context = pd->context;
	qp->pd = pd;
	qp->handle = 0x71;
	qp->qp_num = 0x171;
	qp->qp_type = attr->qp_type;
	qp->state = IBV_QPS_RESET;
	attr->cap.max_inline_data = 64;
	drv->sq_entries = k.sq_entries;
	drv->sq_size = PEDMA_RING_HDR_SIZE +
		       k.sq_entries * sizeof(struct pedma_sq_wqe);
	drv->sq_offset = 0x2000;
	drv->rq_entries = 4;
	drv->rq_size = PEDMA_RING_HDR_SIZE + 4 * sizeof(struct pedma_rq_wqe);
	drv->rq_offset = 0x3000;
	drv->max_inline = 64;
	return 0;
}

int ibv_cmd_destroy_qp(struct ibv_qp *qp)
{
	(void)qp;
	k.destroy_qp++;
	return 0;
}

int ibv_cmd_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		      int attr_mask, struct ibv_modify_qp *cmd,
		      size_t cmd_size)
{
	(void)qp, (void)attr, (void)attr_mask, (void)cmd, (void)cmd_size;
	return 0;
}

int ibv_cmd_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		     int attr_mask, struct ibv_qp_init_attr *init_attr,
		     struct ibv_query_qp *cmd, size_t cmd_size)
{
	(void)qp, (void)attr, (void)attr_mask, (void)init_attr, (void)cmd,
		(void)cmd_size;
	return 0;
}

/* ---- Fake objects ------------------------------------------------------------ */

struct fake {
	struct pedma_context pctx;
	struct ibv_pd pd;
	struct pedma_qp a;	/* posted to with ibv_post_send */
	struct pedma_qp b;	/* built with ibv_wr_* */
	struct pedma_cq cq;
};

static void ring_mem(struct pedma_ring *r, uint32_t entries,
		     uint32_t entry_size, bool producer)
{
	size_t size = PEDMA_RING_HDR_SIZE + (size_t)entries * entry_size;
	void *mem = calloc(1, size);

	if (!mem) {
		perror("calloc");
		exit(2);
	}
	pedma_ring_init(r, mem, size, entries, entry_size, producer);
}

static void fake_qp(struct fake *f, struct pedma_qp *qp, uint32_t handle,
		    enum ibv_qp_type type, uint32_t entries, uint64_t ops)
{
	struct ibv_qp *ibqp = &qp->vqp.qp;

	ibqp->context = &f->pctx.ibv_ctx.context;
	ibqp->pd = &f->pd;
	ibqp->handle = handle;
	ibqp->state = IBV_QPS_RTS;
	ibqp->qp_type = type;
	pthread_spin_init(&qp->sq_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&qp->rq_lock, PTHREAD_PROCESS_PRIVATE);
	ring_mem(&qp->sq, entries, sizeof(struct pedma_sq_wqe), true);
	qp->sq_lim.max_sge = 4;
	qp->sq_lim.max_inline = 128;
	qp->sq_lim.ud = type == IBV_QPT_UD;
	qp->sq_lim.pd = &f->pd;
	pedma_qp_ex_init(qp, ops);
}

static void fake_init(struct fake *f, enum ibv_qp_type type, uint32_t entries)
{
	uint64_t ops = type == IBV_QPT_UD ? PEDMA_QP_EX_UD_OPS :
					    PEDMA_QP_EX_RC_OPS;

	memset(f, 0, sizeof(*f));
	f->pctx.ibv_ctx.context.cmd_fd = pipe_wr;
	f->pctx.max_sge = PEDMA_UMAX_SGE;
	f->pctx.max_inline = PEDMA_MAX_INLINE;
	f->pd.context = &f->pctx.ibv_ctx.context;
	fake_qp(f, &f->a, 0x0a, type, entries, ops);
	fake_qp(f, &f->b, 0x0b, type, entries, ops);
	f->cq.vcq.cq.context = &f->pctx.ibv_ctx.context;
	pthread_spin_init(&f->cq.lock, PTHREAD_PROCESS_PRIVATE);
	ring_mem(&f->cq.ring, 8, sizeof(struct pedma_cqe), false);
	pedma_cq_ex_init(&f->cq);
}

static void fake_fini(struct fake *f)
{
	free(f->a.sq.hdr);
	free(f->b.sq.hdr);
	free(f->cq.ring.hdr);
	pthread_spin_destroy(&f->a.sq_lock);
	pthread_spin_destroy(&f->a.rq_lock);
	pthread_spin_destroy(&f->b.sq_lock);
	pthread_spin_destroy(&f->b.rq_lock);
	pthread_spin_destroy(&f->cq.lock);
}

static struct ibv_qp_ex *qpx(struct pedma_qp *qp)
{
	CHECK(qp->vqp.comp_mask & VERBS_QP_EX);
	return &qp->vqp.qp_ex;
}

/* The lock a batch holds is free again (wr_complete/abort released it). */
static void check_unlocked(pthread_spinlock_t *lock)
{
	int ret = pthread_spin_trylock(lock);

	CHECKF(ret == 0, "lock still held: %d", ret);
	if (!ret)
		pthread_spin_unlock(lock);
}

/* Both SQs hold the same prod and the same n entries, byte for byte. */
static void check_same_ring(struct fake *f, uint32_t n)
{
	uint32_t i;

	CHECK_EQ(f->a.sq.hdr->prod, n);
	CHECK_EQ(f->b.sq.hdr->prod, n);
	for (i = 0; i < n; i++)
		CHECKF(!memcmp(pedma_ring_slot(&f->a.sq, i),
			       pedma_ring_slot(&f->b.sq, i),
			       sizeof(struct pedma_sq_wqe)),
		       "slot %u differs", i);
}

/* ---- Builders vs post_send --------------------------------------------------- */

static char src[3][64] = { "first buffer", "second", "third buffer bytes" };

/* One WR of each opcode and payload kind: a chain and the same batch. */
static void test_rc_same_bytes(void)
{
	struct ibv_sge sg[3] = {
		{ (uintptr_t)src[0], 12, 0x11 },
		{ (uintptr_t)src[1], 6, 0x22 },
		{ (uintptr_t)src[2], 18, 0x33 },
	};
	struct ibv_data_buf bufs[2] = { { src[0], 12 }, { src[2], 18 } };
	struct ibv_send_wr wr[9], *bad = NULL;
	struct ibv_qp_ex *x;
	struct fake f;
	int i, ret;

	cur_test = "rc same bytes";
	fake_init(&f, IBV_QPT_RC, 16);
	memset(wr, 0, sizeof(wr));
	for (i = 0; i < 9; i++) {
		wr[i].wr_id = 0x1000 + (uint64_t)i;
		wr[i].next = i < 8 ? &wr[i + 1] : NULL;
	}
	/* 0: SEND, one SGE, signaled */
	wr[0].opcode = IBV_WR_SEND;
	wr[0].sg_list = sg;
	wr[0].num_sge = 1;
	wr[0].send_flags = IBV_SEND_SIGNALED;
	/* 1: SEND_WITH_IMM, SGE list, solicited */
	wr[1].opcode = IBV_WR_SEND_WITH_IMM;
	wr[1].imm_data = htobe32(0xabcdef01);
	wr[1].sg_list = sg;
	wr[1].num_sge = 3;
	wr[1].send_flags = IBV_SEND_SOLICITED | IBV_SEND_SIGNALED;
	/* 2: RDMA_WRITE, two SGEs, fence */
	wr[2].opcode = IBV_WR_RDMA_WRITE;
	wr[2].wr.rdma.remote_addr = 0x7f0000001000;
	wr[2].wr.rdma.rkey = 0x5151;
	wr[2].sg_list = &sg[1];
	wr[2].num_sge = 2;
	wr[2].send_flags = IBV_SEND_FENCE;
	/* 3: RDMA_WRITE_WITH_IMM, inline */
	wr[3].opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
	wr[3].imm_data = htobe32(42);
	wr[3].wr.rdma.remote_addr = 0x7f0000002000;
	wr[3].wr.rdma.rkey = 0x5252;
	wr[3].sg_list = sg;
	wr[3].num_sge = 1;
	wr[3].send_flags = IBV_SEND_INLINE | IBV_SEND_SIGNALED;
	/* 4: RDMA_READ, one SGE */
	wr[4].opcode = IBV_WR_RDMA_READ;
	wr[4].wr.rdma.remote_addr = 0x7f0000003000;
	wr[4].wr.rdma.rkey = 0x5353;
	wr[4].sg_list = &sg[2];
	wr[4].num_sge = 1;
	wr[4].send_flags = IBV_SEND_SIGNALED;
	/* 5: SEND, inline from two buffers (inline list) */
	wr[5].opcode = IBV_WR_SEND;
	wr[5].sg_list = (struct ibv_sge[]){ { (uintptr_t)src[0], 12, 0 },
					    { (uintptr_t)src[2], 18, 0 } };
	wr[5].num_sge = 2;
	wr[5].send_flags = IBV_SEND_INLINE;
	/* 6: SEND, no payload at all */
	wr[6].opcode = IBV_WR_SEND;
	/* 7: RDMA_WRITE, empty SGE list */
	wr[7].opcode = IBV_WR_RDMA_WRITE;
	wr[7].wr.rdma.remote_addr = 8;
	wr[7].wr.rdma.rkey = 9;
	/* 8: SEND_WITH_IMM, zero-length inline */
	wr[8].opcode = IBV_WR_SEND_WITH_IMM;
	wr[8].imm_data = htobe32(1);
	wr[8].send_flags = IBV_SEND_INLINE;

	ret = pedma_post_send(&f.a.vqp.qp, wr, &bad);
	CHECK_EQ(ret, 0);
	CHECK_EQ(count_doorbells(0x0a), 1);

	x = qpx(&f.b);
	x->wr_start(x);
	x->wr_id = 0x1000;
	x->wr_flags = IBV_SEND_SIGNALED;
	x->wr_send(x);
	x->wr_set_sge(x, 0x11, (uintptr_t)src[0], 12);
	x->wr_id = 0x1001;
	x->wr_flags = IBV_SEND_SOLICITED | IBV_SEND_SIGNALED;
	x->wr_send_imm(x, htobe32(0xabcdef01));
	x->wr_set_sge_list(x, 3, sg);
	x->wr_id = 0x1002;
	x->wr_flags = IBV_SEND_FENCE;
	x->wr_rdma_write(x, 0x5151, 0x7f0000001000);
	x->wr_set_sge_list(x, 2, &sg[1]);
	x->wr_id = 0x1003;
	/* IBV_SEND_INLINE in wr_flags means nothing; the setter decides. */
	x->wr_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE;
	x->wr_rdma_write_imm(x, 0x5252, 0x7f0000002000, htobe32(42));
	x->wr_set_inline_data(x, src[0], 12);
	x->wr_id = 0x1004;
	x->wr_flags = IBV_SEND_SIGNALED;
	x->wr_rdma_read(x, 0x5353, 0x7f0000003000);
	x->wr_set_sge(x, 0x33, (uintptr_t)src[2], 18);
	x->wr_id = 0x1005;
	x->wr_flags = 0;
	x->wr_send(x);
	x->wr_set_inline_data_list(x, 2, bufs);
	x->wr_id = 0x1006;
	x->wr_send(x);
	x->wr_id = 0x1007;
	x->wr_rdma_write(x, 9, 8);
	x->wr_set_sge_list(x, 0, NULL);
	x->wr_id = 0x1008;
	x->wr_send_imm(x, htobe32(1));
	x->wr_set_inline_data(x, src[1], 0);
	/* Inline bytes were copied when set: scribbling now changes nothing. */
	memset(src[0], 'X', 4);
	CHECK_EQ(count_doorbells(0x0b), 0);	/* nothing before complete */
	CHECK_EQ(f.b.sq.hdr->prod, 0);
	ret = x->wr_complete(x);
	memcpy(src[0], "firs", 4);
	CHECK_EQ(ret, 0);
	CHECK_EQ(count_doorbells(0x0b), 1);
	check_unlocked(&f.b.sq_lock);
	check_same_ring(&f, 9);
	CHECK_EQ(((struct pedma_sq_wqe *)pedma_ring_slot(&f.b.sq, 5))->inline_len,
		 30);
	CHECK(!memcmp(((struct pedma_sq_wqe *)pedma_ring_slot(&f.b.sq, 3))
			      ->inline_data, "first buffer", 12));

	/* sq_sig_all signals every WQE either way. */
	f.a.sq_lim.sig_all = f.b.sq_lim.sig_all = true;
	wr[0].next = NULL;
	wr[0].send_flags = 0;
	CHECK_EQ(pedma_post_send(&f.a.vqp.qp, wr, &bad), 0);
	CHECK_EQ(count_doorbells(0x0a), 1);
	x->wr_start(x);
	x->wr_id = 0x1000;
	x->wr_flags = 0;
	x->wr_send(x);
	x->wr_set_sge(x, 0x11, (uintptr_t)src[0], 12);
	CHECK_EQ(x->wr_complete(x), 0);
	check_same_ring(&f, 10);
	CHECK_EQ(count_doorbells(0x0b), 1);

	/* An empty batch: no doorbell. */
	x->wr_start(x);
	CHECK_EQ(x->wr_complete(x), 0);
	CHECK_EQ(count_doorbells(0x0b), 0);
	check_unlocked(&f.b.sq_lock);
	fake_fini(&f);
}

static void test_ud_same_bytes(void)
{
	struct pedma_ah ah = { .ah_id = 0x31 };
	struct ibv_sge sg = { (uintptr_t)src[1], 6, 0x44 };
	struct ibv_send_wr wr[2], *bad = NULL;
	struct ibv_qp_ex *x;
	struct fake f;

	cur_test = "ud same bytes";
	fake_init(&f, IBV_QPT_UD, 8);
	ah.ibv_ah.context = f.pd.context;
	ah.ibv_ah.pd = &f.pd;
	memset(wr, 0, sizeof(wr));
	wr[0].wr_id = 1;
	wr[0].next = &wr[1];
	wr[0].opcode = IBV_WR_SEND;
	wr[0].sg_list = &sg;
	wr[0].num_sge = 1;
	wr[0].send_flags = IBV_SEND_SIGNALED;
	wr[0].wr.ud.ah = &ah.ibv_ah;
	wr[0].wr.ud.remote_qpn = 0x123;
	wr[0].wr.ud.remote_qkey = 0x11110000;
	wr[1].wr_id = 2;
	wr[1].opcode = IBV_WR_SEND_WITH_IMM;
	wr[1].imm_data = htobe32(77);
	wr[1].sg_list = &sg;
	wr[1].num_sge = 1;
	wr[1].send_flags = IBV_SEND_INLINE;
	wr[1].wr.ud.ah = &ah.ibv_ah;
	wr[1].wr.ud.remote_qpn = 0xffffff;
	wr[1].wr.ud.remote_qkey = 0x80000000;
	CHECK_EQ(pedma_post_send(&f.a.vqp.qp, wr, &bad), 0);
	CHECK_EQ(count_doorbells(0x0a), 1);

	x = qpx(&f.b);
	x->wr_start(x);
	x->wr_id = 1;
	x->wr_flags = IBV_SEND_SIGNALED;
	x->wr_send(x);
	/* Address after the payload: the order of setters is free. */
	x->wr_set_sge(x, 0x44, (uintptr_t)src[1], 6);
	x->wr_set_ud_addr(x, &ah.ibv_ah, 0x123, 0x11110000);
	x->wr_id = 2;
	x->wr_flags = 0;
	x->wr_send_imm(x, htobe32(77));
	x->wr_set_ud_addr(x, &ah.ibv_ah, 0xffffff, 0x80000000);
	x->wr_set_inline_data(x, src[1], 6);
	CHECK_EQ(x->wr_complete(x), 0);
	check_same_ring(&f, 2);
	CHECK_EQ(count_doorbells(0x0b), 1);

	/* A UD send without an address: refused, like post_send. */
	x->wr_start(x);
	x->wr_send(x);
	x->wr_set_sge(x, 0x44, (uintptr_t)src[1], 6);
	CHECK_EQ(x->wr_complete(x), EINVAL);
	/* RDMA on UD is not among the QP's ops. */
	x->wr_start(x);
	x->wr_rdma_write(x, 1, 2);
	CHECK_EQ(x->wr_complete(x), EINVAL);
	CHECK_EQ(f.b.sq.hdr->prod, 2);
	CHECK_EQ(count_doorbells(0x0b), 0);
	check_unlocked(&f.b.sq_lock);
	fake_fini(&f);
}

/* ---- Errors and abort ---------------------------------------------------------- */

/* One good WR, then bad calls: wr_complete reports, nothing is posted. */
static void expect_batch_error(struct fake *f, int want, const char *what,
			       void (*bad)(struct ibv_qp_ex *x))
{
	struct ibv_qp_ex *x = qpx(&f->b);
	uint32_t prod = f->b.sq.hdr->prod;
	int ret;

	cur_test = what;
	x->wr_start(x);
	x->wr_id = 5;
	x->wr_flags = 0;
	x->wr_send(x);
	x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	bad(x);
	ret = x->wr_complete(x);
	CHECK_EQ(ret, want);
	CHECK_EQ(f->b.sq.hdr->prod, prod);
	CHECK_EQ(f->b.sq.head, prod);
	CHECK_EQ(count_doorbells(0x0b), 0);
	check_unlocked(&f->b.sq_lock);
}

static void bad_many_sges(struct ibv_qp_ex *x)
{
	struct ibv_sge sg[5] = {};

	x->wr_send(x);
	x->wr_set_sge_list(x, 5, sg);	/* max_send_sge is 4 */
	x->wr_send(x);			/* calls after an error do nothing */
	x->wr_set_sge(x, 1, 2, 3);
}

static void bad_too_many_for_wqe(struct ibv_qp_ex *x)
{
	struct ibv_sge sg[PEDMA_UMAX_SGE + 1] = {};

	x->wr_send(x);
	x->wr_set_sge_list(x, PEDMA_UMAX_SGE + 1, sg);
}

static void bad_inline(struct ibv_qp_ex *x)
{
	static char big[129];

	x->wr_send(x);
	x->wr_set_inline_data(x, big, sizeof(big));	/* max_inline 128 */
}

static void bad_inline_list(struct ibv_qp_ex *x)
{
	static char half[65];
	struct ibv_data_buf b[2] = { { half, 64 }, { half, 65 } };

	x->wr_send(x);
	x->wr_set_inline_data_list(x, 2, b);
}

static void bad_inline_read(struct ibv_qp_ex *x)
{
	x->wr_rdma_read(x, 1, 2);
	x->wr_set_inline_data(x, src[0], 4);
}

static void bad_flags(struct ibv_qp_ex *x)
{
	x->wr_flags = IBV_SEND_IP_CSUM;
	x->wr_send(x);
}

static void bad_setter_first(struct ibv_qp_ex *x)
{
	/* The good WR is open; this batch then misuses a fresh one. */
	x->wr_abort(x);
	x->wr_start(x);
	x->wr_set_sge(x, 1, 2, 3);
	x->wr_send(x);
}

static void bad_ud_addr_on_rc(struct ibv_qp_ex *x)
{
	x->wr_send(x);
	x->wr_set_ud_addr(x, NULL, 1, 2);
}

static void bad_full(struct ibv_qp_ex *x)
{
	int i;

	for (i = 0; i < 8; i++) {	/* one is in already: 9 > 8 */
		x->wr_send(x);
		x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	}
}

static void test_errors(void)
{
	struct fake f;
	struct ibv_qp_ex *x;

	fake_init(&f, IBV_QPT_RC, 8);
	expect_batch_error(&f, EINVAL, "too many sges", bad_many_sges);
	expect_batch_error(&f, EINVAL, "sges beyond the wqe",
			   bad_too_many_for_wqe);
	expect_batch_error(&f, EINVAL, "too much inline", bad_inline);
	expect_batch_error(&f, EINVAL, "too much inline list", bad_inline_list);
	expect_batch_error(&f, EINVAL, "inline read", bad_inline_read);
	expect_batch_error(&f, EINVAL, "bad flags", bad_flags);
	expect_batch_error(&f, EINVAL, "setter first", bad_setter_first);
	expect_batch_error(&f, EINVAL, "ud addr on rc", bad_ud_addr_on_rc);
	expect_batch_error(&f, ENOMEM, "queue full", bad_full);

	/* An op left out of send_ops_flags. */
	cur_test = "op not enabled";
	x = qpx(&f.b);
	pedma_qp_ex_init(&f.b, IBV_QP_EX_WITH_SEND);
	x->wr_start(x);
	x->wr_rdma_write(x, 1, 2);
	x->wr_set_sge(x, 1, 2, 3);
	CHECK_EQ(x->wr_complete(x), EINVAL);
	pedma_qp_ex_init(&f.b, PEDMA_QP_EX_RC_OPS);

	/* A QP not ready to send. */
	cur_test = "state";
	f.b.vqp.qp.state = IBV_QPS_INIT;
	x->wr_start(x);
	x->wr_send(x);
	x->wr_set_sge(x, 1, 2, 3);
	CHECK_EQ(x->wr_complete(x), EINVAL);
	check_unlocked(&f.b.sq_lock);
	f.b.vqp.qp.state = IBV_QPS_RTS;

	/* After all that, a clean batch fills the ring exactly. */
	cur_test = "after errors";
	x->wr_start(x);
	for (int i = 0; i < 8; i++) {
		x->wr_id = (uint64_t)i;
		x->wr_flags = 0;
		x->wr_send(x);
		x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	}
	CHECK_EQ(x->wr_complete(x), 0);
	CHECK_EQ(f.b.sq.hdr->prod, 8);
	CHECK_EQ(count_doorbells(0x0b), 1);

	/* Full until the kernel consumes; then the next batch goes in. */
	x->wr_start(x);
	x->wr_send(x);
	CHECK_EQ(x->wr_complete(x), ENOMEM);
	f.b.sq.hdr->cons = 3;
	x->wr_start(x);
	x->wr_id = 99;
	x->wr_send(x);
	x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	CHECK_EQ(x->wr_complete(x), 0);
	CHECK_EQ(f.b.sq.hdr->prod, 9);
	CHECK_EQ(((struct pedma_sq_wqe *)pedma_ring_slot(&f.b.sq, 8))->wr_id, 99);
	CHECK_EQ(count_doorbells(0x0b), 1);
	fake_fini(&f);
}

static void test_abort(void)
{
	struct ibv_qp_ex *x;
	struct pedma_ring_hdr before;
	struct fake f;

	cur_test = "abort";
	fake_init(&f, IBV_QPT_RC, 8);
	x = qpx(&f.b);
	f.b.sq.hdr->cons = 0;
	before = *f.b.sq.hdr;
	x->wr_start(x);
	x->wr_id = 1;
	x->wr_send(x);
	x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	x->wr_id = 2;
	x->wr_rdma_write(x, 3, 4);
	x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	x->wr_abort(x);
	CHECK(!memcmp(&before, f.b.sq.hdr, sizeof(before)));
	CHECK_EQ(f.b.sq.head, 0);
	CHECK_EQ(count_doorbells(0x0b), 0);
	check_unlocked(&f.b.sq_lock);

	/* The next batch starts at the same slot and posts normally. */
	x->wr_start(x);
	x->wr_id = 3;
	x->wr_send(x);
	x->wr_set_sge(x, 1, (uintptr_t)src[0], 4);
	CHECK_EQ(x->wr_complete(x), 0);
	CHECK_EQ(f.b.sq.hdr->prod, 1);
	CHECK_EQ(((struct pedma_sq_wqe *)pedma_ring_slot(&f.b.sq, 0))->wr_id, 3);
	CHECK_EQ(((struct pedma_sq_wqe *)pedma_ring_slot(&f.b.sq, 0))->opcode,
		 PEDMA_WQE_OP_SEND);
	CHECK_EQ(count_doorbells(0x0b), 1);
	fake_fini(&f);
}

/* ---- Extended CQ ----------------------------------------------------------------- */

static void craft_cqes(struct pedma_ring *r)
{
	struct pedma_cqe *c;
	int i;

	for (i = 0; i < 6; i++) {
		c = pedma_ring_slot(r, (uint32_t)i);
		memset(c, 0, sizeof(*c));
		c->wr_id = 0x900 + (uint64_t)i;
		c->qp_num = 0x51 + (uint32_t)i;
		c->byte_len = 100 * (uint32_t)i + 7;
	}
	c = pedma_ring_slot(r, 0);
	c->opcode = PEDMA_CQE_OP_SEND;
	c = pedma_ring_slot(r, 1);	/* UD receive with GRH and immediate */
	c->opcode = PEDMA_CQE_OP_RECV;
	c->flags = PEDMA_CQE_F_IMM | PEDMA_CQE_F_GRH;
	c->imm_data = htobe32(0x01020304);
	c->src_qp = 0x1234;
	c->slid = 2;
	c->sl = 5;
	c->dlid_path_bits = 1;
	c->pkey_index = 0;
	c = pedma_ring_slot(r, 2);
	c->opcode = PEDMA_CQE_OP_RECV_RDMA_IMM;
	c->flags = PEDMA_CQE_F_IMM;
	c->imm_data = htobe32(9);
	c = pedma_ring_slot(r, 3);	/* an error completion */
	c->opcode = PEDMA_CQE_OP_RDMA_READ;
	c->status = IBV_WC_REM_ACCESS_ERR;
	c->vendor_err = 0x77;
	c = pedma_ring_slot(r, 4);	/* an opcode we do not know */
	c->opcode = 0xee;
	c = pedma_ring_slot(r, 5);
	c->opcode = PEDMA_CQE_OP_RDMA_WRITE;
}

static void check_ex_vs_wc(struct ibv_cq_ex *cx, const struct ibv_wc *wc)
{
	CHECK_EQ(cx->wr_id, wc->wr_id);
	CHECK_EQ(cx->status, wc->status);
	CHECK_EQ(ibv_wc_read_opcode(cx), wc->opcode);
	CHECK_EQ(ibv_wc_read_vendor_err(cx), wc->vendor_err);
	CHECK_EQ(ibv_wc_read_byte_len(cx), wc->byte_len);
	CHECK_EQ(ibv_wc_read_imm_data(cx), wc->imm_data);
	CHECK_EQ(ibv_wc_read_qp_num(cx), wc->qp_num);
	CHECK_EQ(ibv_wc_read_src_qp(cx), wc->src_qp);
	CHECK_EQ(ibv_wc_read_wc_flags(cx), wc->wc_flags);
	CHECK_EQ(ibv_wc_read_slid(cx), wc->slid);
	CHECK_EQ(ibv_wc_read_sl(cx), wc->sl);
	CHECK_EQ(ibv_wc_read_dlid_path_bits(cx), wc->dlid_path_bits);
}

static void test_cq_ex(void)
{
	struct ibv_poll_cq_attr pattr = {};
	struct ibv_wc wc[6];
	struct ibv_cq_ex *cx;
	struct fake f, g;
	int i, n;

	cur_test = "cq_ex";
	fake_init(&f, IBV_QPT_RC, 4);
	fake_init(&g, IBV_QPT_RC, 4);
	cx = &f.cq.vcq.cq_ex;
	CHECK(cx->read_completion_ts == NULL);

	/* Empty: ENOENT, and the lock is not kept. */
	CHECK_EQ(ibv_start_poll(cx, &pattr), ENOENT);
	check_unlocked(&f.cq.lock);
	pattr.comp_mask = 1;
	CHECK_EQ(ibv_start_poll(cx, &pattr), EINVAL);
	check_unlocked(&f.cq.lock);
	pattr.comp_mask = 0;

	/* The same CQEs in two CQs: ibv_poll_cq on one, accessors on the other. */
	craft_cqes(&f.cq.ring);
	craft_cqes(&g.cq.ring);
	f.cq.ring.hdr->prod = 4;
	g.cq.ring.hdr->prod = 6;
	n = pedma_poll_cq(&g.cq.vcq.cq, 6, wc);
	CHECK_EQ(n, 6);
	CHECK_EQ(wc[1].wc_flags, IBV_WC_GRH | IBV_WC_WITH_IMM);
	CHECK_EQ(wc[3].status, IBV_WC_REM_ACCESS_ERR);
	CHECK_EQ(wc[4].status, IBV_WC_GENERAL_ERR);

	CHECK_EQ(ibv_start_poll(cx, &pattr), 0);
	check_ex_vs_wc(cx, &wc[0]);
	CHECK_EQ(ibv_wc_read_opcode(cx), IBV_WC_SEND);
	for (i = 1; i < 4; i++) {
		CHECK_EQ(ibv_next_poll(cx), 0);
		check_ex_vs_wc(cx, &wc[i]);
	}
	CHECK_EQ(ibv_wc_read_vendor_err(cx), 0x77);
	/* Slots are given back at end_poll only. */
	CHECK_EQ(f.cq.ring.hdr->cons, 0);
	/* The kernel adds two more while we poll: next_poll sees them. */
	f.cq.ring.hdr->prod = 6;
	for (i = 4; i < 6; i++) {
		CHECK_EQ(ibv_next_poll(cx), 0);
		check_ex_vs_wc(cx, &wc[i]);
	}
	CHECK_EQ(ibv_next_poll(cx), ENOENT);
	CHECK_EQ(f.cq.ring.hdr->cons, 0);
	ibv_end_poll(cx);
	CHECK_EQ(f.cq.ring.hdr->cons, 6);
	check_unlocked(&f.cq.lock);
	CHECK_EQ(ibv_start_poll(cx, &pattr), ENOENT);

	/* Mixed with ibv_poll_cq on the same CQ: one ring, one counter. */
	craft_cqes(&f.cq.ring);	/* slots 0..5 again: counters 8..13 use 0..5 */
	for (i = 6; i < 8; i++)
		memcpy(pedma_ring_slot(&f.cq.ring, (uint32_t)i),
		       pedma_ring_slot(&f.cq.ring, 0), sizeof(struct pedma_cqe));
	f.cq.ring.hdr->prod = 9;
	CHECK_EQ(pedma_poll_cq(&f.cq.vcq.cq, 2, wc), 2);	/* 6, 7 */
	CHECK_EQ(ibv_start_poll(cx, &pattr), 0);		/* 8 = slot 0 */
	CHECK_EQ(cx->wr_id, 0x900);
	ibv_end_poll(cx);
	CHECK_EQ(f.cq.ring.hdr->cons, 9);
	fake_fini(&f);
	fake_fini(&g);
}

/* ---- resize_cq: the unpolled CQEs continue in the new ring --------------------- */

static void put_cqe(struct pedma_ring *r, uint32_t c, uint64_t wr_id)
{
	struct pedma_cqe *e = pedma_ring_slot(r, c);

	memset(e, 0, sizeof(*e));
	e->wr_id = wr_id;
	e->opcode = PEDMA_CQE_OP_RDMA_WRITE;
	e->qp_num = 0x0a;
}

static void test_resize_cq(void)
{
	struct ibv_cq *ibcq;
	struct ibv_wc wc[8];
	void *old_hdr;
	struct fake f;
	uint32_t c;
	int i, n;

	cur_test = "resize_cq";
	fake_init(&f, IBV_QPT_RC, 4);
	ibcq = &f.cq.vcq.cq;
	ibcq->cqe = 8;
	memset(&k, 0, sizeof(k));

	/* counters start near the wrap: 6 produced, 2 polled */
	f.cq.ring.hdr->cons = f.cq.ring.head = 0xfffffffe;
	for (c = 0xfffffffe; c != 4; c++)
		put_cqe(&f.cq.ring, c, 0x100 + (c + 2));
	f.cq.ring.hdr->prod = 4;
	CHECK_EQ(pedma_poll_cq(ibcq, 2, wc), 2);
	CHECK_EQ(wc[0].wr_id, 0x100);
	CHECK_EQ(wc[1].wr_id, 0x101);
	CHECK_EQ(f.cq.ring.hdr->cons, 0);

	/* A refused resize changes nothing and releases the lock. */
	k.resize_ret = EINVAL;
	old_hdr = f.cq.ring.hdr;
	CHECK_EQ(pedma_resize_cq(ibcq, 2), EINVAL);
	check_unlocked(&f.cq.lock);
	CHECK(f.cq.ring.hdr == old_hdr);
	CHECK_EQ(ibcq->cqe, 8);
	CHECK_EQ(pedma_resize_cq(ibcq, 0), EINVAL);
	CHECK_EQ(k.resize_cq, 1);	/* refused before any command */

	/* Up to 20 (32 slots): the 4 left come once, in order, then new ones. */
	k.resize_ret = 0;
	CHECK_EQ(pedma_resize_cq(ibcq, 20), 0);
	check_unlocked(&f.cq.lock);
	CHECK(f.cq.ring.hdr != old_hdr);
	CHECK_EQ(f.cq.ring.entries, 32);
	CHECK_EQ(ibcq->cqe, 32);
	CHECK_EQ(f.cq.ring.head, 0);
	put_cqe(&f.cq.ring, 4, 0x106);
	f.cq.ring.hdr->prod = 5;
	n = pedma_poll_cq(ibcq, 8, wc);
	CHECK_EQ(n, 5);
	for (i = 0; i < n; i++)
		CHECK_EQ(wc[i].wr_id, 0x102 + (uint64_t)i);
	CHECK_EQ(pedma_poll_cq(ibcq, 8, wc), 0);
	CHECK_EQ(f.cq.ring.hdr->cons, 5);

	/* Down to 4 when empty, and the extended poll continues there. */
	CHECK_EQ(pedma_resize_cq(ibcq, 3), 0);
	CHECK_EQ(f.cq.ring.entries, 4);
	CHECK_EQ(ibcq->cqe, 4);
	put_cqe(&f.cq.ring, 5, 0x107);
	f.cq.ring.hdr->prod = 6;
	{
		struct ibv_poll_cq_attr pattr = {};

		CHECK_EQ(ibv_start_poll(&f.cq.vcq.cq_ex, &pattr), 0);
		CHECK_EQ(f.cq.vcq.cq_ex.wr_id, 0x107);
		CHECK_EQ(ibv_next_poll(&f.cq.vcq.cq_ex), ENOENT);
		ibv_end_poll(&f.cq.vcq.cq_ex);
	}
	CHECK_EQ(f.cq.ring.hdr->cons, 6);
	CHECK_EQ(k.resize_cq, 3);
	fake_fini(&f);
}

/* ---- Creation: what is refused, and what a created object does ------------------- */

static void test_create(void)
{
	struct ibv_cq_init_attr_ex cattr = { .cqe = 8 };
	struct ibv_qp_init_attr_ex qattr;
	struct ibv_context *ctx;
	struct ibv_cq_ex *cx;
	struct ibv_qp *qp;
	struct ibv_qp_ex *x;
	struct fake f;
	struct pedma_cq *cq;
	uint64_t bad_wc[] = {
		IBV_WC_EX_WITH_COMPLETION_TIMESTAMP,
		IBV_WC_EX_WITH_COMPLETION_TIMESTAMP_WALLCLOCK,
		IBV_WC_EX_WITH_CVLAN, IBV_WC_EX_WITH_FLOW_TAG,
		IBV_WC_EX_WITH_TM_INFO,
	};
	uint64_t bad_ops[] = {
		IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP,
		IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD,
		IBV_QP_EX_WITH_LOCAL_INV, IBV_QP_EX_WITH_BIND_MW,
		IBV_QP_EX_WITH_SEND_WITH_INV, IBV_QP_EX_WITH_TSO,
	};
	size_t i;

	cur_test = "create";
	fake_init(&f, IBV_QPT_RC, 4);
	ctx = &f.pctx.ibv_ctx.context;
	memset(&k, 0, sizeof(k));
	k.sq_entries = 4;

	for (i = 0; i < ARRAY_SIZE(bad_wc); i++) {
		cattr.wc_flags = IBV_WC_STANDARD_FLAGS | bad_wc[i];
		errno = 0;
		CHECK(pedma_create_cq_ex(ctx, &cattr) == NULL);
		CHECK_EQ(errno, EOPNOTSUPP);
	}
	cattr.wc_flags = IBV_WC_STANDARD_FLAGS;
	cattr.comp_mask = IBV_CQ_INIT_ATTR_MASK_FLAGS;
	cattr.flags = IBV_CREATE_CQ_ATTR_IGNORE_OVERRUN;
	errno = 0;
	CHECK(pedma_create_cq_ex(ctx, &cattr) == NULL);
	CHECK_EQ(errno, EOPNOTSUPP);
	cattr.comp_mask = IBV_CQ_INIT_ATTR_MASK_PD;
	errno = 0;
	CHECK(pedma_create_cq_ex(ctx, &cattr) == NULL);
	CHECK_EQ(errno, EOPNOTSUPP);
	CHECK_EQ(k.create_cq, 0);

	cattr.comp_mask = IBV_CQ_INIT_ATTR_MASK_FLAGS;
	cattr.flags = IBV_CREATE_CQ_ATTR_SINGLE_THREADED;
	cx = pedma_create_cq_ex(ctx, &cattr);
	CHECK(cx != NULL);
	if (!cx)
		return;
	CHECK_EQ(k.create_cq, 1);
	cq = to_pcq(ibv_cq_ex_to_cq(cx));
	CHECK(cx->start_poll != NULL && cx->read_byte_len != NULL);
	CHECK_EQ(ibv_start_poll(cx, &(struct ibv_poll_cq_attr){}), ENOENT);
	((struct pedma_cqe *)pedma_ring_slot(&cq->ring, 0))->wr_id = 0x42;
	cq->ring.hdr->prod = 1;
	CHECK_EQ(ibv_start_poll(cx, &(struct ibv_poll_cq_attr){}), 0);
	CHECK_EQ(cx->wr_id, 0x42);
	ibv_end_poll(cx);
	CHECK_EQ(pedma_destroy_cq(ibv_cq_ex_to_cq(cx)), 0);
	CHECK_EQ(k.destroy_cq, 1);

	memset(&qattr, 0, sizeof(qattr));
	qattr.qp_type = IBV_QPT_RC;
	qattr.send_cq = qattr.recv_cq = &f.cq.vcq.cq;
	qattr.cap.max_send_wr = 4;
	qattr.cap.max_recv_wr = 4;
	qattr.cap.max_send_sge = 2;
	qattr.cap.max_recv_sge = 1;
	qattr.pd = &f.pd;
	qattr.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	for (i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		qattr.send_ops_flags = IBV_QP_EX_WITH_SEND | bad_ops[i];
		errno = 0;
		CHECK(pedma_create_qp_ex(ctx, &qattr) == NULL);
		CHECK_EQ(errno, EOPNOTSUPP);
	}
	qattr.send_ops_flags = IBV_QP_EX_WITH_SEND;
	qattr.comp_mask |= IBV_QP_INIT_ATTR_CREATE_FLAGS;
	errno = 0;
	CHECK(pedma_create_qp_ex(ctx, &qattr) == NULL);
	CHECK_EQ(errno, EOPNOTSUPP);
	qattr.comp_mask &= ~(uint32_t)IBV_QP_INIT_ATTR_CREATE_FLAGS;
	qattr.qp_type = IBV_QPT_UD;
	qattr.send_ops_flags = IBV_QP_EX_WITH_RDMA_WRITE;
	errno = 0;
	CHECK(pedma_create_qp_ex(ctx, &qattr) == NULL);
	CHECK_EQ(errno, EOPNOTSUPP);
	CHECK_EQ(k.create_qp, 0);

	/* atomics: refused above (a kernel without them), taken with them */
	qattr.qp_type = IBV_QPT_RC;
	qattr.send_ops_flags = PEDMA_QP_EX_RC_OPS;
	f.pctx.caps = PEDMA_UCTX_CAP_ATOMIC;
	qp = pedma_create_qp_ex(ctx, &qattr);
	CHECK(qp != NULL);
	if (!qp)
		return;
	CHECK(qpx(to_pqp(qp))->wr_atomic_cmp_swp != NULL);
	CHECK(qpx(to_pqp(qp))->wr_atomic_fetch_add != NULL);
	CHECK_EQ(k.create_qp, 1);
	CHECK_EQ(qattr.cap.max_inline_data, 64);	/* granted, copied back */
	x = qpx(to_pqp(qp));
	qp->state = IBV_QPS_RTS;
	x->wr_start(x);
	x->wr_id = 7;
	x->wr_flags = IBV_SEND_SIGNALED;
	x->wr_rdma_write(x, 0x10, 0x2000);
	x->wr_set_sge(x, 3, (uintptr_t)src[0], 8);
	CHECK_EQ(x->wr_complete(x), 0);
	CHECK_EQ(count_doorbells(0x71), 1);
	CHECK_EQ(to_pqp(qp)->sq.hdr->prod, 1);
	CHECK_EQ(pedma_destroy_qp(qp), 0);
	CHECK_EQ(k.destroy_qp, 1);

	/* Without send_ops_flags: a plain QP (no qp_ex). */
	qattr.comp_mask = IBV_QP_INIT_ATTR_PD;
	qp = pedma_create_qp_ex(ctx, &qattr);
	CHECK(qp != NULL);
	if (qp) {
		CHECK(!(to_pqp(qp)->vqp.comp_mask & VERBS_QP_EX));
		CHECK_EQ(pedma_destroy_qp(qp), 0);
	}
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

	test_rc_same_bytes();
	test_ud_same_bytes();
	test_errors();
	test_abort();
	test_cq_ex();
	test_resize_cq();
	test_create();

	close(pipe_rd);
	close(pipe_wr);
	return check_summary("test_provider_ext");
}
