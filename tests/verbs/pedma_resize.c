// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_resize: ibv_resize_cq with completions of real transfers pending,
 * and (-r) ibv_rereg_mr under the peer's RDMA (tests/lab/t-xfer.sh).
 *
 * The client is the requester, the server the target: it owns a 256 KiB
 * buffer (REMOTE_WRITE) and, per round, fills it with a background
 * pattern, checks what the client's RDMA WRITEs left there (each write's
 * bytes and every byte around them) and answers the round's last write
 * (WRITE_WITH_IMM) with a SEND.  When that SEND arrives, the client's
 * send CQ holds a completion for every write of the round (the
 * requester completes a write before its record reaches the peer).
 *
 *   1. 16 writes into a CQ of 16; 3 polled.  Resizing to 12 (below the
 *      13 outstanding) and to 1 fails with EINVAL and changes nothing;
 *      resizing to 64 succeeds; the 13 left arrive once, in order, with
 *      their wr_ids, and nothing more.
 *   2. The empty CQ shrinks to 4 and carries 4 more writes.
 *   3. cqe + 1 writes into it without polling: IBV_EVENT_CQ_ERR on the
 *      CQ (overflow after the shrink), and the data still arrived.
 *
 * -x: the client's CQ comes from ibv_create_cq_ex and is polled with
 * ibv_start_poll/ibv_next_poll/ibv_end_poll.
 *
 * -r: ibv_rereg_mr instead.  The client owns MR M (REMOTE_WRITE and
 * REMOTE_READ, PD 1) on buffer A and four QPs: 0, 2, 3 in PD 1, 1 in PD 2;
 * the server executes the RDMA WRITEs and READs the client asks for on
 * the QP connected to one of them and reports status and data.  The
 * client keeps a copy of what A and B must hold and compares both whole
 * buffers after every step:
 *   - a WRITE into A works before any rereg;
 *   - CHANGE_TRANSLATION to buffer B: a WRITE lands in B (A untouched), a
 *     READ reads B; the rkey from before fails (IBV_WC_REM_ACCESS_ERR,
 *     QP 3) and writes nothing;
 *   - CHANGE_ACCESS to LOCAL_WRITE | REMOTE_READ: a WRITE fails with
 *     IBV_WC_REM_ACCESS_ERR (QP 2) and writes nothing; a READ still works;
 *   - CHANGE_PD (PD 2) with CHANGE_ACCESS back to REMOTE_WRITE: a WRITE on
 *     QP 1 (PD 2) works, one on QP 0 (PD 1) fails with
 *     IBV_WC_REM_ACCESS_ERR and writes nothing.
 *
 * Exit status 0 only if every check on this side passed.
 *
 *   pedma_resize -d DEV [-p PORT] [-x|-r]            # server
 *   pedma_resize -d DEV [-p PORT] [-x|-r] SERVER_IP  # client
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_common.h"

#define NSLOT		32
#define SLOT		8192
#define TBYTES		(NSLOT * SLOT)
#define MAX_WR		16
#define SEED		0x72657369ULL
#define TIMEOUT_MS	60000

#define NQP_REREG	4
#define RBYTES		(8 * SLOT)	/* -r: buffers A and B */

enum { MSG_SETUP = 1, MSG_ROUND, MSG_READY, MSG_CHECK, MSG_DONE, MSG_OP,
       MSG_RESULT };

static struct {
	struct vt_dev dev;
	struct vt_cq scq, rcq;
	struct ibv_qp *qps[NQP_REREG];
	struct ibv_qp *qp;	/* qps[0] */
	int nqp;
	struct ibv_pd *pd2;	/* -r, client: the second PD */
	int fd;
	bool client, ext, rereg;
	uint8_t *buf;		/* server: the target; client: the sources */
	struct ibv_mr *mr;
	uint64_t peer_addr;
	uint32_t peer_rkey;
	int failures;
} G;

#define bad(...) vt_fail(&G.failures, __VA_ARGS__)

/* Where write i of round r goes: in slot i, unaligned, 1..8126 bytes. */
static uint64_t w_off(uint32_t r, uint32_t i)
{
	return (uint64_t)i * SLOT + (i * 37 + r * 11) % 64;
}

static uint32_t w_len(uint32_t r, uint32_t i)
{
	return 1 + (i * 1237 + r * 311) % (SLOT - 64 - 1);
}

static uint64_t w_key(uint32_t r, uint32_t i)
{
	return vt_key(SEED, r, i);
}

static uint64_t bg_key(uint32_t r)
{
	return vt_key(SEED, 0xb0, r);
}

static uint64_t w_id(uint32_t r, uint32_t i)
{
	return (uint64_t)r << 16 | i;
}

/* ---- control messages ---- */

static void send_u32s(uint32_t type, const uint32_t *v, int n)
{
	uint8_t buf[64];
	struct vt_wire w;
	int i;

	vt_wire_init(&w, buf, sizeof(buf));
	for (i = 0; i < n; i++)
		vt_put32(&w, v[i]);
	if (w.err || vt_send_msg(G.fd, type, buf, (uint32_t)w.len))
		vt_die("send message %u", type);
}

/*
 * Receive a message (of type @want unless 0) and up to @n u32s from it
 * (missing ones read as 0); its type.
 */
static uint32_t recv_u32s(uint32_t want, uint32_t *v, int n)
{
	uint8_t buf[64];
	struct vt_wire w;
	uint32_t type, len;
	int i;

	if (vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS))
		vt_die("no message from the peer: %s", strerror(errno));
	if (want && type != want)
		vt_die("message %u from the peer, expected %u", type, want);
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	for (i = 0; i < n; i++)
		v[i] = w.pos + 4 <= w.len ? vt_get32(&w) : 0;
	return type;
}

/* ---- the server: the target ---- */

static void check_target(uint32_t r, uint32_t n)
{
	uint64_t bad_at, start = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t off = w_off(r, i);
		uint32_t len = w_len(r, i);

		if (!vt_check(G.buf + start, off - start, bg_key(r), start,
			      &bad_at)) {
			bad("round %u: byte %" PRIu64 " before write %u changed",
			    r, start + bad_at, i);
			return;
		}
		if (!vt_check(G.buf + off, len, w_key(r, i), 0, &bad_at)) {
			bad("round %u: write %u (%u bytes at %" PRIu64
			    "): byte %" PRIu64 " wrong", r, i, len, off, bad_at);
			return;
		}
		start = off + len;
	}
	if (!vt_check(G.buf + start, TBYTES - start, bg_key(r), start, &bad_at))
		bad("round %u: byte %" PRIu64 " after the last write changed",
		    r, start + bad_at);
	else
		vt_msg("round %u: the %u writes arrived, nothing else changed",
		       r, n);
}

static void post_recv(struct ibv_qp *qp, uint64_t wr_id)
{
	struct ibv_recv_wr wr = { .wr_id = wr_id }, *bad_wr;

	if (ibv_post_recv(qp, &wr, &bad_wr))
		vt_die("ibv_post_recv: %s", strerror(errno));
}

static struct ibv_wc wait_one(struct vt_cq *c, const char *what)
{
	struct ibv_wc wc;

	if (vt_cq_wait(c, &wc, 1, TIMEOUT_MS) != 1)
		vt_die("%s: no completion", what);
	return wc;
}

/* One round as the target: v = { round, writes, with WRITE_WITH_IMM } */
static void serve_round(const uint32_t *v)
{
	uint32_t r = v[0], n = v[1], ready = r;
	struct ibv_send_wr swr = {
		.wr_id = 0x5e, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad_wr;
	struct ibv_wc wc;

	if (n > MAX_WR)
		vt_die("round %u: %u writes", r, n);
	vt_fill(G.buf, TBYTES, bg_key(r), 0);
	if (v[2])
		post_recv(G.qp, 0x1000 + r);
	send_u32s(MSG_READY, &ready, 1);
	if (!v[2])
		return;		/* MSG_CHECK follows */

	wc = wait_one(&G.rcq, "WRITE_WITH_IMM");
	if (wc.status != IBV_WC_SUCCESS ||
	    wc.opcode != IBV_WC_RECV_RDMA_WITH_IMM ||
	    !(wc.wc_flags & IBV_WC_WITH_IMM) || be32toh(wc.imm_data) != r ||
	    wc.wr_id != 0x1000 + r)
		bad("round %u: receive %s, opcode %s, imm %u, wr_id %#" PRIx64,
		    r, ibv_wc_status_str(wc.status),
		    vt_wc_opcode_str(wc.opcode), be32toh(wc.imm_data),
		    wc.wr_id);
	check_target(r, n);
	if (ibv_post_send(G.qp, &swr, &bad_wr))
		vt_die("ibv_post_send: %s", strerror(errno));
	wc = wait_one(&G.scq, "SEND");
	if (wc.status != IBV_WC_SUCCESS)
		bad("round %u: the answer SEND: %s", r,
		    ibv_wc_status_str(wc.status));
}

/*
 * -r: one RDMA operation for the client, v = { QP, READ?, address (low,
 * high), rkey, length, round }: a WRITE of round r's pattern, or a READ
 * that must bring it.  Answers { status, data as expected }.
 */
static void serve_op(const uint32_t *v)
{
	uint32_t qp = v[0], len = v[5], r = v[6], res[2];
	bool rd = v[1];
	struct ibv_sge sge = {
		.addr = (uintptr_t)G.buf, .length = len, .lkey = G.mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = r, .sg_list = &sge, .num_sge = 1,
		.opcode = rd ? IBV_WR_RDMA_READ : IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = (uint64_t)v[3] << 32 | v[2],
			     .rkey = v[4] },
	}, *bad_wr;
	struct ibv_wc wc;
	uint64_t bad_at;

	if (qp >= (uint32_t)G.nqp || !len || len > SLOT)
		vt_die("operation on QP %u of %u bytes", qp, len);
	if (rd)
		memset(G.buf, 0x5a, len);
	else
		vt_fill(G.buf, len, w_key(r, 0), 0);
	if (ibv_post_send(G.qps[qp], &wr, &bad_wr))
		vt_die("ibv_post_send: %s", strerror(errno));
	wc = wait_one(&G.scq, rd ? "RDMA READ" : "RDMA WRITE");
	res[0] = wc.status;
	res[1] = !rd || wc.status != IBV_WC_SUCCESS ||
		 vt_check(G.buf, len, w_key(r, 0), 0, &bad_at);
	vt_msg("step %u: %s of %u bytes on QP %u: %s%s", r,
	       rd ? "READ" : "WRITE", len, qp, ibv_wc_status_str(wc.status),
	       res[1] ? "" : ", wrong data");
	send_u32s(MSG_RESULT, res, 2);
}

static void server(void)
{
	uint32_t v[7];

	for (;;) {
		switch (recv_u32s(0, v, 7)) {
		case MSG_OP:
			serve_op(v);
			break;
		case MSG_DONE:
			return;
		case MSG_ROUND:
			serve_round(v);
			break;
		case MSG_CHECK:		/* { round, writes } without an answer */
			if (v[1] > MAX_WR)
				vt_die("check of %u writes", v[1]);
			check_target(v[0], v[1]);
			send_u32s(MSG_READY, v, 1);
			break;
		default:
			vt_die("unexpected message from the client");
		}
	}
}

/* ---- the client: writes, and the CQ it resizes ---- */

/* Post n writes of round r (the last WRITE_WITH_IMM if imm). */
static void post_writes(uint32_t r, uint32_t n, bool imm)
{
	struct ibv_send_wr wr[MAX_WR], *bad_wr;
	struct ibv_sge sge[MAX_WR];
	uint32_t i;

	memset(wr, 0, sizeof(wr));
	for (i = 0; i < n; i++) {
		uint64_t off = w_off(r, i);

		vt_fill(G.buf + off, w_len(r, i), w_key(r, i), 0);
		sge[i] = (struct ibv_sge){
			.addr = (uintptr_t)(G.buf + off),
			.length = w_len(r, i),
			.lkey = G.mr->lkey,
		};
		wr[i].wr_id = w_id(r, i);
		wr[i].sg_list = &sge[i];
		wr[i].num_sge = 1;
		wr[i].opcode = IBV_WR_RDMA_WRITE;
		wr[i].send_flags = IBV_SEND_SIGNALED;
		wr[i].wr.rdma.remote_addr = G.peer_addr + off;
		wr[i].wr.rdma.rkey = G.peer_rkey;
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
	}
	if (imm) {
		wr[n - 1].opcode = IBV_WR_RDMA_WRITE_WITH_IMM;
		wr[n - 1].imm_data = htobe32(r);
	}
	if (ibv_post_send(G.qp, wr, &bad_wr))
		vt_die("round %u: ibv_post_send: %s", r, strerror(errno));
}

/*
 * Round r with n writes.  imm: the server answers the last write with a
 * SEND; when it arrives all n send completions are in our CQ.
 */
static void round_writes(uint32_t r, uint32_t n, bool imm)
{
	uint32_t v[3] = { r, n, imm }, got;
	struct ibv_wc wc;

	if (imm)
		post_recv(G.qp, 0x2000 + r);
	send_u32s(MSG_ROUND, v, 3);
	recv_u32s(MSG_READY, &got, 1);
	post_writes(r, n, imm);
	if (!imm)
		return;
	wc = wait_one(&G.rcq, "the server's answer");
	if (wc.status != IBV_WC_SUCCESS || wc.opcode != IBV_WC_RECV ||
	    wc.wr_id != 0x2000 + r)
		vt_die("round %u: the answer: %s, opcode %s", r,
		       ibv_wc_status_str(wc.status),
		       vt_wc_opcode_str(wc.opcode));
}

/* Completions [from, to) of round r arrive now, one at a time, in order. */
static void poll_expect(uint32_t r, uint32_t from, uint32_t to)
{
	struct ibv_wc wc;
	uint32_t i;

	for (i = from; i < to; i++) {
		if (vt_cq_wait(&G.scq, &wc, 1, 5000) != 1) {
			bad("round %u: completion %u missing", r, i);
			return;
		}
		/* WRITE_WITH_IMM completes as IBV_WC_RDMA_WRITE too */
		if (wc.wr_id != w_id(r, i) || wc.status != IBV_WC_SUCCESS ||
		    wc.opcode != IBV_WC_RDMA_WRITE) {
			bad("round %u: completion %u: wr_id %#" PRIx64
			    " (expected %#" PRIx64 "), %s, opcode %s", r, i,
			    wc.wr_id, w_id(r, i), ibv_wc_status_str(wc.status),
			    vt_wc_opcode_str(wc.opcode));
			return;
		}
	}
}

static void expect_empty(const char *when)
{
	struct ibv_wc wc;
	int n = vt_cq_wait(&G.scq, &wc, 1, 300);

	if (n)
		bad("%s: an extra completion (wr_id %#" PRIx64 ")", when,
		    n > 0 ? wc.wr_id : 0);
}

static void expect_resize(int cqe, int want)
{
	int before = G.scq.cq->cqe;
	int ret = ibv_resize_cq(G.scq.cq, cqe);

	if (ret != want) {
		bad("ibv_resize_cq(%d) with cqe %d: %s, expected %s", cqe,
		    before, ret ? strerror(ret) : "success",
		    want ? strerror(want) : "success");
		if (ret)
			vt_die("cannot go on");
		return;
	}
	if (ret && G.scq.cq->cqe != before)
		bad("failed ibv_resize_cq(%d) changed cqe from %d to %d", cqe,
		    before, G.scq.cq->cqe);
	if (!ret && G.scq.cq->cqe < cqe)
		bad("ibv_resize_cq(%d): cqe %d", cqe, G.scq.cq->cqe);
	vt_msg("ibv_resize_cq(%d) with cqe %d: %s, cqe now %d", cqe, before,
	       ret ? strerror(ret) : "ok", G.scq.cq->cqe);
}

/* IBV_EVENT_CQ_ERR for our CQ within the time limit. */
static void expect_cq_err(void)
{
	uint64_t end = vt_now_ms() + 30000;
	struct ibv_async_event ev;

	while (vt_now_ms() < end) {
		struct pollfd pfd = { .fd = G.dev.ctx->async_fd,
				      .events = POLLIN };

		if (poll(&pfd, 1, 500) <= 0)
			continue;
		if (ibv_get_async_event(G.dev.ctx, &ev))
			continue;
		ibv_ack_async_event(&ev);
		if (ev.event_type == IBV_EVENT_CQ_ERR &&
		    ev.element.cq == G.scq.cq) {
			vt_msg("overflow: IBV_EVENT_CQ_ERR");
			return;
		}
		vt_msg("async event %s ignored", ibv_event_type_str(ev.event_type));
	}
	bad("overflow: no IBV_EVENT_CQ_ERR within 30 s");
}

static void client(void)
{
	uint32_t v[2], n;

	/* 1: grow with 13 of 16 pending; shrinking below them fails */
	round_writes(1, 16, true);
	poll_expect(1, 0, 3);
	expect_resize(12, EINVAL);
	expect_resize(1, EINVAL);
	expect_resize(64, 0);
	poll_expect(1, 3, 16);
	expect_empty("round 1");

	/* 2: shrink the empty CQ and use it */
	expect_resize(4, 0);
	round_writes(2, 4, true);
	poll_expect(2, 0, 4);
	expect_empty("round 2");

	/* 3: overflow after the shrink */
	n = (uint32_t)G.scq.cq->cqe + 1;
	if (n > MAX_WR) {
		bad("cqe %d after resizing to 4: too big to overflow",
		    G.scq.cq->cqe);
		return;
	}
	round_writes(3, n, false);
	expect_cq_err();
	v[0] = 3;
	v[1] = n;
	send_u32s(MSG_CHECK, v, 2);
	recv_u32s(MSG_READY, v, 1);
}

/* ---- -r: the client reregisters its MR under the server's RDMA ---- */

static struct {
	uint8_t *a, *b;		/* the buffers */
	uint8_t *exp_a, *exp_b;	/* what they must hold */
	struct ibv_mr *mr;
} R;

/* Step r's range in A or B: slot r % 8, unaligned, 1..8126 bytes */
static uint32_t op_off(uint32_t r)
{
	return (uint32_t)w_off(r, r % 8);
}

static uint32_t op_len(uint32_t r)
{
	return w_len(r, r % 8);
}

static uint8_t *shadow(const uint8_t *base)
{
	return base == R.a ? R.exp_a : R.exp_b;
}

/*
 * Step r: the server WRITEs round r's pattern to base + op_off(r) with
 * rkey, or READs it from there, on the QP connected to our QP qp;
 * @want is the status it must see.
 */
static void remote_op(const char *what, uint32_t qp, bool rd, uint8_t *base,
		      uint32_t rkey, uint32_t r, enum ibv_wc_status want)
{
	uint64_t addr = (uintptr_t)(base + op_off(r));
	uint32_t v[7] = { qp, rd, (uint32_t)addr, (uint32_t)(addr >> 32),
			  rkey, op_len(r), r }, res[2];

	if (rd) {
		vt_fill(base + op_off(r), op_len(r), w_key(r, 0), 0);
		memcpy(shadow(base) + op_off(r), base + op_off(r), op_len(r));
	}
	send_u32s(MSG_OP, v, 7);
	recv_u32s(MSG_RESULT, res, 2);
	if (res[0] != (uint32_t)want)
		bad("%s: %s, expected %s", what,
		    ibv_wc_status_str((enum ibv_wc_status)res[0]),
		    ibv_wc_status_str(want));
	else if (!res[1])
		bad("%s: the READ brought other data", what);
	else
		vt_msg("%s: %s as expected", what, ibv_wc_status_str(want));
	if (!rd && want == IBV_WC_SUCCESS)
		vt_fill(shadow(base) + op_off(r), op_len(r), w_key(r, 0), 0);
}

/* Both buffers hold exactly what the successful steps put there. */
static void check_bufs(const char *when)
{
	const uint8_t *buf[2] = { R.a, R.b }, *exp[2] = { R.exp_a, R.exp_b };
	size_t i;
	int k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < RBYTES; i++)
			if (buf[k][i] != exp[k][i]) {
				bad("%s: buffer %c byte %zu is %#x, expected %#x",
				    when, 'A' + k, i, buf[k][i], exp[k][i]);
				break;
			}
}

static void do_rereg(const char *what, int flags, struct ibv_pd *pd,
		     void *addr, size_t len, int access)
{
	uint32_t lkey = R.mr->lkey, rkey = R.mr->rkey;
	int ret = ibv_rereg_mr(R.mr, flags, pd, addr, len, access);

	if (ret)
		vt_die("ibv_rereg_mr (%s): %d, errno %s", what, ret,
		       strerror(errno));
	vt_msg("ibv_rereg_mr (%s): lkey %#x rkey %#x -> lkey %#x rkey %#x",
	       what, lkey, rkey, R.mr->lkey, R.mr->rkey);
	if ((flags & IBV_REREG_MR_CHANGE_TRANSLATION) &&
	    (R.mr->addr != addr || R.mr->length != len))
		bad("%s: the MR says %p, %zu bytes", what, R.mr->addr,
		    R.mr->length);
	if ((flags & IBV_REREG_MR_CHANGE_PD) && R.mr->pd != pd)
		bad("%s: the MR's PD did not change", what);
}

static void client_rereg(void)
{
	int rw = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		 IBV_ACCESS_REMOTE_READ;
	uint32_t old_rkey;

	R.a = vt_alloc(RBYTES);
	R.b = vt_alloc(RBYTES);
	R.exp_a = malloc(RBYTES);
	R.exp_b = malloc(RBYTES);
	if (!R.exp_a || !R.exp_b)
		vt_die("out of memory");
	vt_fill(R.a, RBYTES, bg_key(0xa), 0);
	vt_fill(R.b, RBYTES, bg_key(0xb), 0);
	memcpy(R.exp_a, R.a, RBYTES);
	memcpy(R.exp_b, R.b, RBYTES);
	R.mr = ibv_reg_mr(G.dev.pd, R.a, RBYTES, rw);
	if (!R.mr)
		vt_die("ibv_reg_mr: %s", strerror(errno));

	remote_op("before rereg: WRITE into A", 0, false, R.a, R.mr->rkey, 1,
		  IBV_WC_SUCCESS);
	check_bufs("before rereg");

	old_rkey = R.mr->rkey;
	do_rereg("CHANGE_TRANSLATION to B", IBV_REREG_MR_CHANGE_TRANSLATION,
		 NULL, R.b, RBYTES, 0);
	remote_op("after TRANS: WRITE into B", 0, false, R.b, R.mr->rkey, 2,
		  IBV_WC_SUCCESS);
	remote_op("after TRANS: READ from B", 0, true, R.b, R.mr->rkey, 3,
		  IBV_WC_SUCCESS);
	if (R.mr->rkey != old_rkey)
		remote_op("after TRANS: WRITE into B with the old rkey", 3,
			  false, R.b, old_rkey, 8, IBV_WC_REM_ACCESS_ERR);
	else
		vt_msg("the rkey stayed: no stale-key step");
	check_bufs("after TRANS");

	do_rereg("CHANGE_ACCESS to LOCAL_WRITE | REMOTE_READ",
		 IBV_REREG_MR_CHANGE_ACCESS, NULL, NULL, 0,
		 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ);
	remote_op("after ACCESS: WRITE", 2, false, R.b, R.mr->rkey, 4,
		  IBV_WC_REM_ACCESS_ERR);
	remote_op("after ACCESS: READ", 0, true, R.b, R.mr->rkey, 5,
		  IBV_WC_SUCCESS);
	check_bufs("after ACCESS");

	do_rereg("CHANGE_PD to PD 2, CHANGE_ACCESS with REMOTE_WRITE",
		 IBV_REREG_MR_CHANGE_PD | IBV_REREG_MR_CHANGE_ACCESS, G.pd2,
		 NULL, 0, rw);
	remote_op("after PD: WRITE on a QP of PD 2", 1, false, R.b,
		  R.mr->rkey, 6, IBV_WC_SUCCESS);
	remote_op("after PD: WRITE on a QP of PD 1", 0, false, R.b,
		  R.mr->rkey, 7, IBV_WC_REM_ACCESS_ERR);
	check_bufs("after PD");

	if (ibv_dereg_mr(R.mr))
		bad("ibv_dereg_mr: %s", strerror(errno));
	free(R.exp_a);
	free(R.exp_b);
}

/* ---- setup ---- */

static void setup(void)
{
	struct vt_conn_attr ca;
	struct vt_qpinfo qi[NQP_REREG];
	uint8_t buf[512];
	struct vt_wire w;
	uint32_t type, len;
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		  IBV_ACCESS_REMOTE_READ;
	int i;

	G.nqp = G.rereg ? NQP_REREG : 1;
	/* the client's send CQ starts with room for exactly one round */
	if (vt_cq_create2(&G.scq, &G.dev, G.client ? MAX_WR : 2 * MAX_WR,
			  false, G.client && G.ext) ||
	    vt_cq_create(&G.rcq, &G.dev, 2 * MAX_WR, false))
		vt_die("create CQs: %s", strerror(errno));
	if (G.client && G.scq.cq->cqe != MAX_WR)
		vt_msg("CQ of %d asked for %d", G.scq.cq->cqe, MAX_WR);
	G.buf = vt_alloc(TBYTES);
	G.mr = ibv_reg_mr(G.dev.pd, G.buf, TBYTES, acc);
	if (!G.mr)
		vt_die("ibv_reg_mr: %s", strerror(errno));
	if (G.rereg && G.client) {
		G.pd2 = ibv_alloc_pd(G.dev.ctx);
		if (!G.pd2)
			vt_die("ibv_alloc_pd: %s", strerror(errno));
	}
	for (i = 0; i < G.nqp; i++) {
		struct ibv_qp_init_attr ia = {
			.send_cq = G.scq.cq, .recv_cq = G.rcq.cq,
			.cap = { .max_send_wr = MAX_WR, .max_recv_wr = 4,
				 .max_send_sge = 1, .max_recv_sge = 1 },
			.qp_type = IBV_QPT_RC,
		};

		/* -r: the client's QP 1 is of the second PD */
		G.qps[i] = ibv_create_qp(i == 1 && G.pd2 ? G.pd2 : G.dev.pd,
					 &ia);
		if (!G.qps[i])
			vt_die("ibv_create_qp: %s", strerror(errno));
		vt_qpinfo_local(&G.dev, G.qps[i], 7 + (uint32_t)i, &qi[i]);
	}
	G.qp = G.qps[0];
	vt_wire_init(&w, buf, sizeof(buf));
	vt_put32(&w, (uint32_t)G.nqp);
	for (i = 0; i < G.nqp; i++)
		vt_put_qpinfo(&w, &qi[i]);
	vt_put64(&w, (uintptr_t)G.buf);
	vt_put32(&w, G.mr->rkey);
	if (w.err || vt_send_msg(G.fd, MSG_SETUP, buf, (uint32_t)w.len))
		vt_die("send setup");
	if (vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS) ||
	    type != MSG_SETUP)
		vt_die("no setup from the peer");
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	if (vt_get32(&w) != (uint32_t)G.nqp)
		vt_die("the peer runs the other test (-r on one side only?)");
	for (i = 0; i < G.nqp; i++)
		vt_get_qpinfo(&w, &qi[i]);
	G.peer_addr = vt_get64(&w);
	G.peer_rkey = vt_get32(&w);
	if (w.err)
		vt_die("short setup message");
	vt_conn_attr_default(&ca);
	ca.access = acc;
	for (i = 0; i < G.nqp; i++)
		if (vt_qp_connect(&G.dev, G.qps[i], 7 + (uint32_t)i, &qi[i],
				  &ca))
			vt_die("connect QP %d", i);
	if (vt_send_msg(G.fd, MSG_SETUP, NULL, 0) ||
	    vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS))
		vt_die("no connect sync from the peer");
}

static void usage(void)
{
	fprintf(stderr, "usage: %s -d DEV [-p PORT] [-x|-r] [SERVER_IP]\n",
		vt_prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *devname = NULL, *server_ip = NULL;
	int port = 18670, opt;

	vt_prog = "pedma_resize";
	while ((opt = getopt(argc, argv, "d:p:xrh")) != -1) {
		switch (opt) {
		case 'd':
			devname = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'x':
			G.ext = true;
			break;
		case 'r':
			G.rereg = true;
			break;
		default:
			usage();
		}
	}
	if (!devname || argc - optind > 1 || (G.ext && G.rereg))
		usage();
	if (optind < argc)
		server_ip = argv[optind];
	G.client = server_ip != NULL;
	vt_role = G.client ? "client" : "server";

	if (vt_dev_open(&G.dev, devname, 1, -1))
		vt_die("open %s", devname);
	if (G.client) {
		G.fd = vt_tcp_connect(server_ip, port, TIMEOUT_MS);
	} else {
		int lfd = vt_tcp_listen(port);

		G.fd = lfd < 0 ? -1 : vt_tcp_accept(lfd, TIMEOUT_MS);
		if (lfd >= 0)
			close(lfd);
	}
	if (G.fd < 0)
		vt_die("control connection: %s", strerror(errno));
	setup();

	if (G.client) {
		if (G.rereg)
			client_rereg();
		else
			client();
		send_u32s(MSG_DONE, NULL, 0);
	} else {
		server();
	}

	for (opt = 0; opt < G.nqp; opt++)
		ibv_destroy_qp(G.qps[opt]);
	ibv_dereg_mr(G.mr);
	if (G.pd2)
		ibv_dealloc_pd(G.pd2);
	vt_cq_destroy(&G.scq);
	vt_cq_destroy(&G.rcq);
	vt_dev_close(&G.dev);
	if (G.failures) {
		fprintf(stderr, "%s (%s): %d checks failed\n", vt_prog,
			vt_role, G.failures);
		return 1;
	}
	printf("%s (%s): PASS\n", vt_prog, vt_role);
	return 0;
}
