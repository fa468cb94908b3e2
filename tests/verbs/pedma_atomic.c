// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_atomic: RDMA atomics between two sides (tests/lab/t-atomic.sh).
 *
 * Both sides run at once; each owns a target MR (REMOTE_ATOMIC) with two
 * 64-bit counters, and hammers the other side's with N RC QPs:
 *
 *   1. fetch-and-add: every QP adds 1, K times.  The old values all QPs
 *      got back must be exactly 0..N*K-1 (each once), and the owner reads
 *      N*K in its counter at the end.
 *   2. compare-and-swap contention: every QP increments the second
 *      counter by CAS (guess, guess + 1), retrying with the value it got
 *      back, until it succeeded K times.  The owner reads N*K, and the
 *      successful CAS's old values are 0..N*K-1, each once.
 *   3. errors, on QPs of their own (one pair per case and direction): a misaligned address completes with
 *      IBV_WC_REM_INV_REQ_ERR, a key of an MR without REMOTE_ATOMIC with
 *      IBV_WC_REM_ACCESS_ERR, and neither touches the counters.
 *
 * Every result buffer has guard bytes around its 8 bytes: the result must
 * land there and nowhere else.  The sides exchange QP data and "done"
 * over TCP (vt_common.c).  Exit status 0 only if every check passed.
 *
 * -x posts through the extended API (ibv_create_qp_ex with the atomic
 * send_ops_flags, ibv_wr_atomic_cmp_swp/fetch_add) instead.
 *
 *   pedma_atomic -d pedma0 [-q N] [-n K] [-p PORT] [-x]            # server
 *   pedma_atomic -d pedma0 [-q N] [-n K] [-p PORT] [-x] SERVER_IP  # client
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_common.h"

#define MAX_QPS		16
/*
 * The error QPs after the data QPs: the server's two requesters, then the
 * client's (a requester's QP goes to the error state; its peer QP, the
 * responder, stays usable, but must not be the other side's requester)
 */
#define NERR		4
#define GUARD		0xa5
#define MSG_SETUP	1
#define MSG_DONE	2
#define TIMEOUT_MS	60000

struct result {			/* one QP's result slot with its guards */
	uint8_t pre[8];
	uint64_t val;
	uint8_t post[8];
};

static struct {
	struct vt_dev dev;
	struct vt_cq cq;
	int fd;
	int nq, iters;
	struct ibv_qp *qp[MAX_QPS + NERR];
	uint64_t *target;	/* [0] fetch-add, [1] CAS, [2..3] spare */
	struct ibv_mr *target_mr;
	uint64_t *noatomic;	/* registered without REMOTE_ATOMIC */
	struct ibv_mr *noatomic_mr;
	struct result *res;	/* one per QP */
	struct ibv_mr *res_mr;
	uint64_t peer_addr, peer_noatomic;
	uint32_t peer_rkey, peer_noatomic_rkey;
	int failures;
	bool ext;		/* -x: ibv_create_qp_ex and ibv_wr_atomic_* */
} G;

#define bad(...) vt_fail(&G.failures, __VA_ARGS__)

static void guard_reset(int i)
{
	memset(G.res[i].pre, GUARD, sizeof(G.res[i].pre));
	memset(G.res[i].post, GUARD, sizeof(G.res[i].post));
	G.res[i].val = 0x5a5a5a5a5a5a5a5aULL;
}

static void guard_check(int i)
{
	int j;

	for (j = 0; j < 8; j++)
		if (G.res[i].pre[j] != GUARD || G.res[i].post[j] != GUARD) {
			bad("QP %d: a guard byte around the result changed", i);
			return;
		}
}

/* Post one atomic on QP i; the result goes to G.res[i].val. */
static int post_atomic(int i, enum ibv_wr_opcode op, uint64_t raddr,
		       uint32_t rkey, uint64_t cmp_add, uint64_t swap)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)&G.res[i].val, .length = 8,
		.lkey = G.res_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = (uint64_t)i, .sg_list = &sge, .num_sge = 1,
		.opcode = op, .send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = { .remote_addr = raddr, .compare_add = cmp_add,
			       .swap = swap, .rkey = rkey },
	};
	struct ibv_send_wr *badwr;
	struct ibv_qp_ex *x;

	guard_reset(i);
	if (!G.ext)
		return ibv_post_send(G.qp[i], &wr, &badwr);
	/* the extended API: the same request through the ibv_wr_* builders */
	x = ibv_qp_to_qp_ex(G.qp[i]);
	ibv_wr_start(x);
	x->wr_id = wr.wr_id;
	x->wr_flags = IBV_SEND_SIGNALED;
	if (op == IBV_WR_ATOMIC_CMP_AND_SWP)
		ibv_wr_atomic_cmp_swp(x, rkey, raddr, cmp_add, swap);
	else
		ibv_wr_atomic_fetch_add(x, rkey, raddr, cmp_add);
	ibv_wr_set_sge(x, sge.lkey, sge.addr, sge.length);
	return ibv_wr_complete(x);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* vals[0..n) sorted must be exactly 0..n-1 */
static void check_perm(const char *what, uint64_t *vals, size_t n)
{
	size_t i;

	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (i = 0; i < n; i++)
		if (vals[i] != i) {
			bad("%s: old value %zu of %zu is %" PRIu64 ", expected %zu",
			    what, i, n, vals[i], i);
			return;
		}
	vt_msg("%s: %zu old values, each of 0..%zu once", what, n, n - 1);
}

/*
 * Run all QPs at once: each keeps one atomic outstanding.  cas: the
 * CAS-increment loop (a failed CAS retries with the value it got back).
 */
static void hammer(bool cas)
{
	size_t total = (size_t)G.nq * G.iters, nvals = 0;
	uint64_t *vals = calloc(total, sizeof(*vals));
	uint64_t guess[MAX_QPS] = { 0 };
	int done[MAX_QPS] = { 0 }, left = G.nq, i;
	uint64_t addr = G.peer_addr + (cas ? 8 : 0);
	enum ibv_wr_opcode op = cas ? IBV_WR_ATOMIC_CMP_AND_SWP :
				      IBV_WR_ATOMIC_FETCH_AND_ADD;
	uint64_t tries = 0, start = vt_now_ms();
	const char *what = cas ? "compare-and-swap" : "fetch-and-add";

	if (!vals)
		vt_die("out of memory");
	for (i = 0; i < G.nq; i++)
		if (post_atomic(i, op, addr, G.peer_rkey, cas ? 0 : 1, 1))
			vt_die("post %s on QP %d: %s", what, i, strerror(errno));
	while (left) {
		struct ibv_wc wc[MAX_QPS];
		int n = vt_cq_wait(&G.cq, wc, MAX_QPS, TIMEOUT_MS), k;

		if (n <= 0)
			vt_die("%s: no completion in %d ms (%d QPs not done)",
			       what, TIMEOUT_MS, left);
		for (k = 0; k < n; k++) {
			uint64_t old;

			i = (int)wc[k].wr_id;
			if (wc[k].status != IBV_WC_SUCCESS)
				vt_die("%s on QP %d: %s", what, i,
				       ibv_wc_status_str(wc[k].status));
			if (wc[k].opcode != (cas ? IBV_WC_COMP_SWAP : IBV_WC_FETCH_ADD) ||
			    wc[k].byte_len != 8)
				bad("%s on QP %d: completion opcode %s, byte_len %u",
				    what, i, vt_wc_opcode_str(wc[k].opcode),
				    wc[k].byte_len);
			guard_check(i);
			old = G.res[i].val;
			tries++;
			if (!cas || old == guess[i]) {
				if (nvals < total)
					vals[nvals++] = old;
				done[i]++;
			}
			/* CAS: the next try compares with what is there now */
			guess[i] = cas && old != guess[i] ? old : old + 1;
			if (done[i] == G.iters) {
				left--;
				continue;
			}
			if (post_atomic(i, op, addr, G.peer_rkey,
					cas ? guess[i] : 1, guess[i] + 1))
				vt_die("post %s on QP %d: %s", what, i,
				       strerror(errno));
		}
	}
	vt_msg("%s: %d QPs x %d on the peer's counter, %" PRIu64
	       " atomics in %" PRIu64 " ms", what, G.nq, G.iters, tries,
	       vt_now_ms() - start);
	if (nvals != total)
		bad("%s: %zu successful operations, expected %zu", what, nvals,
		    total);
	else
		check_perm(what, vals, total);
	free(vals);
}

/* An atomic that must fail with @want on error QP @i (left in error). */
static void expect_error(int i, uint64_t addr, uint32_t rkey,
			 enum ibv_wc_status want, const char *what)
{
	struct ibv_wc wc;

	if (post_atomic(i, IBV_WR_ATOMIC_FETCH_AND_ADD, addr, rkey, 1000, 0))
		vt_die("post (%s): %s", what, strerror(errno));
	if (vt_cq_wait(&G.cq, &wc, 1, TIMEOUT_MS) != 1)
		vt_die("%s: no completion", what);
	if (wc.status != want)
		bad("%s: completion %s, expected %s", what,
		    ibv_wc_status_str(wc.status), ibv_wc_status_str(want));
	else
		vt_msg("%s: %s as expected", what, ibv_wc_status_str(want));
	guard_check(i);
	if (G.res[i].val != 0x5a5a5a5a5a5a5a5aULL)
		bad("%s: the result buffer was written", what);
}

static void setup(void)
{
	struct vt_conn_attr ca;
	struct vt_qpinfo qi[MAX_QPS + NERR];
	uint8_t buf[4096];
	struct vt_wire w;
	uint32_t type, len;
	int i, nall = G.nq + NERR;
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_ATOMIC |
		  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE;

	if (vt_cq_create(&G.cq, &G.dev, 4 * (nall + 4), false))
		vt_die("create CQ");
	if (posix_memalign((void **)&G.target, 4096, 4096) ||
	    posix_memalign((void **)&G.noatomic, 4096, 4096) ||
	    posix_memalign((void **)&G.res, 4096,
			   sizeof(*G.res) * (size_t)nall))
		vt_die("out of memory");
	memset(G.target, 0, 4096);
	memset(G.noatomic, 0, 4096);
	G.target_mr = ibv_reg_mr(G.dev.pd, G.target, 4096, acc);
	G.noatomic_mr = ibv_reg_mr(G.dev.pd, G.noatomic, 4096,
				   acc & ~IBV_ACCESS_REMOTE_ATOMIC);
	G.res_mr = ibv_reg_mr(G.dev.pd, G.res, sizeof(*G.res) * (size_t)nall,
			      IBV_ACCESS_LOCAL_WRITE);
	if (!G.target_mr || !G.noatomic_mr || !G.res_mr)
		vt_die("ibv_reg_mr: %s", strerror(errno));

	for (i = 0; i < nall; i++) {
		struct ibv_qp_init_attr_ex ia = {
			.send_cq = G.cq.cq, .recv_cq = G.cq.cq,
			.cap = { .max_send_wr = 4, .max_recv_wr = 1,
				 .max_send_sge = 1, .max_recv_sge = 1 },
			.qp_type = IBV_QPT_RC,
			.comp_mask = IBV_QP_INIT_ATTR_PD |
				     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
			.pd = G.dev.pd,
			.send_ops_flags = IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |
					  IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD,
		};

		if (!G.ext)
			ia.comp_mask = IBV_QP_INIT_ATTR_PD;
		G.qp[i] = ibv_create_qp_ex(G.dev.ctx, &ia);
		if (!G.qp[i])
			vt_die("ibv_create_qp: %s", strerror(errno));
		vt_qpinfo_local(&G.dev, G.qp[i], 100 + (uint32_t)i, &qi[i]);
	}

	vt_wire_init(&w, buf, sizeof(buf));
	vt_put32(&w, (uint32_t)nall);
	for (i = 0; i < nall; i++)
		vt_put_qpinfo(&w, &qi[i]);
	vt_put64(&w, (uintptr_t)G.target);
	vt_put32(&w, G.target_mr->rkey);
	vt_put64(&w, (uintptr_t)G.noatomic);
	vt_put32(&w, G.noatomic_mr->rkey);
	if (w.err || vt_send_msg(G.fd, MSG_SETUP, buf, (uint32_t)w.len))
		vt_die("send setup");
	if (vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS) ||
	    type != MSG_SETUP)
		vt_die("no setup from the peer");
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	if (vt_get32(&w) != (uint32_t)nall)
		vt_die("the peer runs another number of QPs");
	for (i = 0; i < nall; i++)
		vt_get_qpinfo(&w, &qi[i]);
	G.peer_addr = vt_get64(&w);
	G.peer_rkey = vt_get32(&w);
	G.peer_noatomic = vt_get64(&w);
	G.peer_noatomic_rkey = vt_get32(&w);
	if (w.err)
		vt_die("short setup message");

	vt_conn_attr_default(&ca);
	ca.access = acc;
	ca.max_rd_atomic = 1;
	ca.max_dest_rd_atomic = 1;
	for (i = 0; i < nall; i++)
		if (vt_qp_connect(&G.dev, G.qp[i], 100 + (uint32_t)i, &qi[i], &ca))
			vt_die("connect QP %d", i);
	/* both sides connected before anyone sends */
	if (vt_send_msg(G.fd, MSG_SETUP, NULL, 0) ||
	    vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, TIMEOUT_MS))
		vt_die("no connect sync from the peer");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s -d DEV [-q QPS] [-n ITERS] [-p PORT] [-x] [SERVER_IP]\n",
		vt_prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *devname = NULL, *server = NULL;
	uint64_t fa, cs;
	uint32_t type, len;
	int port = 18650, opt, i;

	vt_prog = "pedma_atomic";
	G.nq = 4;
	G.iters = 200;
	while ((opt = getopt(argc, argv, "d:q:n:p:xh")) != -1) {
		switch (opt) {
		case 'x':
			G.ext = true;
			break;
		case 'd':
			devname = optarg;
			break;
		case 'q':
			G.nq = atoi(optarg);
			break;
		case 'n':
			G.iters = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!devname || G.nq < 1 || G.nq > MAX_QPS || G.iters < 1 ||
	    argc - optind > 1)
		usage();
	if (optind < argc)
		server = argv[optind];
	vt_role = server ? "client" : "server";

	if (vt_dev_open(&G.dev, devname, 1, -1))
		vt_die("open %s", devname);
	if (G.dev.attr.atomic_cap == IBV_ATOMIC_NONE)
		vt_die("%s reports no atomics (atomic_cap NONE)", devname);
	if (server) {
		G.fd = vt_tcp_connect(server, port, TIMEOUT_MS);
	} else {
		int lfd = vt_tcp_listen(port);

		G.fd = lfd < 0 ? -1 : vt_tcp_accept(lfd, TIMEOUT_MS);
		if (lfd >= 0)
			close(lfd);
	}
	if (G.fd < 0)
		vt_die("control connection: %s", strerror(errno));
	setup();

	hammer(false);
	hammer(true);
	i = G.nq + (server ? 2 : 0);
	expect_error(i, G.peer_addr + 4, G.peer_rkey, IBV_WC_REM_INV_REQ_ERR,
		     "misaligned address");
	expect_error(i + 1, G.peer_noatomic, G.peer_noatomic_rkey,
		     IBV_WC_REM_ACCESS_ERR, "MR without REMOTE_ATOMIC");

	/* the peer is done with our counters once it says so */
	if (vt_send_msg(G.fd, MSG_DONE, NULL, 0) ||
	    vt_recv_msg(G.fd, &type, NULL, 0, &len, TIMEOUT_MS) ||
	    type != MSG_DONE)
		vt_die("no done from the peer");
	fa = __atomic_load_n(&G.target[0], __ATOMIC_ACQUIRE);
	cs = __atomic_load_n(&G.target[1], __ATOMIC_ACQUIRE);
	if (fa != (uint64_t)G.nq * (uint64_t)G.iters ||
	    cs != (uint64_t)G.nq * (uint64_t)G.iters)
		bad("our counters: fetch-add %" PRIu64 ", CAS %" PRIu64
		    ", expected %d each", fa, cs, G.nq * G.iters);
	else
		vt_msg("our counters: %" PRIu64 " and %" PRIu64 ", exact", fa,
		       cs);
	for (i = 2; i < 512; i++)
		if (G.target[i] || G.noatomic[i - 2])
			bad("word %d around the counters changed", i);

	for (i = 0; i < G.nq + NERR; i++)
		ibv_destroy_qp(G.qp[i]);
	ibv_dereg_mr(G.target_mr);
	ibv_dereg_mr(G.noatomic_mr);
	ibv_dereg_mr(G.res_mr);
	vt_cq_destroy(&G.cq);
	vt_dev_close(&G.dev);
	if (G.failures) {
		fprintf(stderr, "%s (%s): %d checks failed\n", vt_prog,
			vt_role, G.failures);
		return 1;
	}
	printf("%s (%s): PASS\n", vt_prog, vt_role);
	return 0;
}
