// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_resize: ibv_resize_cq with completions of real transfers pending
 * (tests/lab/t-xfer.sh).
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
 * ibv_start_poll/ibv_next_poll/ibv_end_poll.  Exit status 0 only if
 * every check on this side passed.
 *
 *   pedma_resize -d DEV [-p PORT] [-x]            # server
 *   pedma_resize -d DEV [-p PORT] [-x] SERVER_IP  # client
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
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

enum { MSG_SETUP = 1, MSG_ROUND, MSG_READY, MSG_CHECK, MSG_DONE };

static struct {
	struct vt_dev dev;
	struct vt_cq scq, rcq;
	struct ibv_qp *qp;
	int fd;
	bool client, ext;
	uint8_t *buf;		/* server: the target; client: the sources */
	struct ibv_mr *mr;
	uint64_t peer_addr;
	uint32_t peer_rkey;
	int failures;
} G;

static void bad(const char *fmt, ...) VT_PRINTF(1, 2);
static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s (%s): FAIL: ", vt_prog, vt_role);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	G.failures++;
}

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

static void server(void)
{
	uint32_t v[3];

	for (;;) {
		switch (recv_u32s(0, v, 3)) {
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

/* ---- setup ---- */

static void setup(void)
{
	struct vt_conn_attr ca;
	struct vt_qpinfo qi;
	uint8_t buf[256];
	struct vt_wire w;
	uint32_t type, len;
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;

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
	{
		struct ibv_qp_init_attr ia = {
			.send_cq = G.scq.cq, .recv_cq = G.rcq.cq,
			.cap = { .max_send_wr = MAX_WR, .max_recv_wr = 4,
				 .max_send_sge = 1, .max_recv_sge = 1 },
			.qp_type = IBV_QPT_RC,
		};

		G.qp = ibv_create_qp(G.dev.pd, &ia);
		if (!G.qp)
			vt_die("ibv_create_qp: %s", strerror(errno));
	}
	vt_qpinfo_local(&G.dev, G.qp, 7, &qi);
	vt_wire_init(&w, buf, sizeof(buf));
	vt_put_qpinfo(&w, &qi);
	vt_put64(&w, (uintptr_t)G.buf);
	vt_put32(&w, G.mr->rkey);
	if (w.err || vt_send_msg(G.fd, MSG_SETUP, buf, (uint32_t)w.len))
		vt_die("send setup");
	if (vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS) ||
	    type != MSG_SETUP)
		vt_die("no setup from the peer");
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	vt_get_qpinfo(&w, &qi);
	G.peer_addr = vt_get64(&w);
	G.peer_rkey = vt_get32(&w);
	if (w.err)
		vt_die("short setup message");
	vt_conn_attr_default(&ca);
	ca.access = acc;
	if (vt_qp_connect(&G.dev, G.qp, 7, &qi, &ca))
		vt_die("connect the QP");
	if (vt_send_msg(G.fd, MSG_SETUP, NULL, 0) ||
	    vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS))
		vt_die("no connect sync from the peer");
}

static void usage(void)
{
	fprintf(stderr, "usage: %s -d DEV [-p PORT] [-x] [SERVER_IP]\n",
		vt_prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *devname = NULL, *server_ip = NULL;
	int port = 18670, opt;

	vt_prog = "pedma_resize";
	while ((opt = getopt(argc, argv, "d:p:xh")) != -1) {
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
		default:
			usage();
		}
	}
	if (!devname || argc - optind > 1)
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
		client();
		send_u32s(MSG_DONE, NULL, 0);
	} else {
		server();
	}

	ibv_destroy_qp(G.qp);
	ibv_dereg_mr(G.mr);
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
