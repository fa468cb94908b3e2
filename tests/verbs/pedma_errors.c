// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_errors: error behaviour of an RDMA device over RC QPs (and what UC
 * QPs drop) between two machines, checked against InfiniBand semantics (libibverbs only; the
 * connection data goes over TCP).
 *
 *   pedma_errors [OPTIONS]             server: the responder side
 *   pedma_errors [OPTIONS] SERVER_IP   client: the requester side
 *
 * Every scenario uses fresh CQs, QPs and MRs on both sides, checks the exact
 * completion status(es), that no byte outside what the spec allows changed,
 * and ends with good transfers on another fresh QP pair whose bytes are
 * checked (both sides still usable).  One line per scenario: PASS or FAIL
 * with the reasons of both sides.  Exit status 0 only if all passed.
 *
 * In the error cases the requester posts the bad WR and three good ones
 * behind it, and two receives: the bad WR completes with the expected
 * status, the WRs behind it and the receives with IBV_WC_WR_FLUSH_ERR, a WR
 * posted afterwards too, and the QP is in IBV_QPS_ERR.
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

#define AREA (1u << 20)		/* what the error cases use of T and L */
#define BIG (16u << 20)		/* size of T and L */
#define WHY 2048
#define E_RW (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)

enum { MSG_HELLO = 1, K_STEP, K_ABORT, K_DONE };
#define HELLO_MAGIC 0x52524550u	/* "PERR" */

static struct {
	const char *dev, *server_ip, *only, *known_fail;
	int ib_port, gid_index, tcp_port, timeout_s, verbose;
	uint64_t seed;
} o = { .dev = "pedma0", .ib_port = 1, .gid_index = -1, .tcp_port = 18516, .timeout_s = 15,
	.seed = 1 };

static struct {
	bool server;
	struct vt_dev dev;
	int fd;
	uint8_t *T;	/* the server's target memory */
	uint8_t *L;	/* the client's local memory */
} G;

/* A control message: fixed-width little-endian fields. */
struct cm {
	uint32_t scen, step;
	uint64_t v[4];
	struct vt_qpinfo qi;
	char text[WHY];
};

struct sc {
	int id;
	const char *name;
	size_t mark;		/* length of why when the stage began */
	bool peer_aborted;	/* in this stage */
	char why[WHY], peer_why[WHY];	/* reasons of failure, "" if none */
};

struct pair {
	struct vt_cq scq, rcq;
	struct ibv_qp *qp;
	uint32_t psn;
};

/* ---------------- bookkeeping ---------------- */

static bool fail(struct sc *c, const char *fmt, ...) VT_PRINTF(2, 3);
static bool fail(struct sc *c, const char *fmt, ...)
{
	size_t n = strlen(c->why);
	va_list ap;

	if (n && n + 3 < sizeof(c->why)) {
		strcpy(c->why + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	if (n < sizeof(c->why))
		vsnprintf(c->why + n, sizeof(c->why) - n, fmt, ap);
	va_end(ap);
	if (o.verbose)
		vt_msg("  %s: %s", c->name, c->why + n);
	return false;
}

static void put_cm(struct vt_wire *w, const struct cm *m)
{
	size_t tl = strnlen(m->text, sizeof(m->text) - 1);
	int i;

	vt_put32(w, m->scen);
	vt_put32(w, m->step);
	for (i = 0; i < 4; i++)
		vt_put64(w, m->v[i]);
	vt_put_qpinfo(w, &m->qi);
	vt_put16(w, (uint16_t)tl);
	vt_putbytes(w, m->text, tl);
}

static void get_cm(struct vt_wire *w, struct cm *m)
{
	uint16_t tl;
	int i;

	memset(m, 0, sizeof(*m));
	m->scen = vt_get32(w);
	m->step = vt_get32(w);
	for (i = 0; i < 4; i++)
		m->v[i] = vt_get64(w);
	vt_get_qpinfo(w, &m->qi);
	tl = vt_get16(w);
	if (tl >= sizeof(m->text))
		tl = sizeof(m->text) - 1;
	vt_getbytes(w, m->text, tl);
}

static void cm_send(uint32_t kind, const struct cm *m)
{
	static uint8_t buf[WHY + 256];
	struct vt_wire w;

	vt_wire_init(&w, buf, sizeof(buf));
	put_cm(&w, m);
	if (w.err || vt_send_msg(G.fd, kind, buf, (uint32_t)w.len))
		vt_die("control connection: send: %s", strerror(errno));
}

static uint32_t cm_recv(struct cm *m, int timeout_ms)
{
	static uint8_t buf[WHY + 256];
	struct vt_wire w;
	uint32_t kind, len;

	if (vt_recv_msg(G.fd, &kind, buf, sizeof(buf), &len, timeout_ms)) {
		if (errno == ECONNRESET)
			vt_die("control connection: the peer closed it (see the peer's output)");
		vt_die("control connection: %s", strerror(errno));
	}
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	get_cm(&w, m);
	if (w.err)
		vt_die("control connection: malformed message");
	return kind;
}

static void step_send(struct sc *c, uint32_t step, struct cm *m)
{
	m->scen = (uint32_t)c->id;
	m->step = step;
	cm_send(K_STEP, m);
}

/* The peer's message of this step; false if the peer aborted instead. */
static bool step_recv(struct sc *c, uint32_t step, struct cm *m)
{
	uint32_t kind = cm_recv(m, o.timeout_s * 4000);

	if (m->scen != (uint32_t)c->id)
		vt_die("control: message of scenario %u during scenario %d", m->scen, c->id);
	if (kind == K_ABORT) {
		c->peer_aborted = true;
		return false;
	}
	if (kind != K_STEP || m->step != step)
		vt_die("control: scenario %s: got message kind %u step %u, expected step %u",
		       c->name, kind, m->step, step);
	return true;
}

static bool xchg(struct sc *c, uint32_t step, struct cm *mine, struct cm *peer)
{
	step_send(c, step, mine);
	return step_recv(c, step, peer);
}

/* ---------------- verbs helpers ---------------- */

/* CQs and a QP of type, taken to INIT (so receives can be posted) unless reset. */
static bool pair_create_ty(struct sc *c, struct pair *p, uint32_t send_wr, uint32_t recv_wr,
			   bool reset, enum ibv_qp_type type)
{
	struct ibv_qp_init_attr ia = {
		.qp_type = type,
		.cap = { .max_send_wr = send_wr, .max_recv_wr = recv_wr, .max_send_sge = 2,
			 .max_recv_sge = 2 },
	};

	memset(p, 0, sizeof(*p));
	if (vt_cq_create(&p->scq, &G.dev, (int)send_wr + 8, false) ||
	    vt_cq_create(&p->rcq, &G.dev, (int)recv_wr + 8, false))
		return fail(c, "ibv_create_cq: %s", strerror(errno));
	ia.send_cq = p->scq.cq;
	ia.recv_cq = p->rcq.cq;
	p->qp = ibv_create_qp(G.dev.pd, &ia);
	if (!p->qp)
		return fail(c, "ibv_create_qp: %s", strerror(errno));
	p->psn = (uint32_t)vt_key(o.seed, (uint64_t)c->id, G.server) & 0xffffff;
	if (!reset) {
		int r = vt_qp_init(&G.dev, p->qp, E_RW);

		if (r)
			return fail(c, "modify_qp RESET->INIT: %s", strerror(r));
	}
	return true;
}

static bool pair_create_st(struct sc *c, struct pair *p, uint32_t send_wr, uint32_t recv_wr,
			   bool reset)
{
	return pair_create_ty(c, p, send_wr, recv_wr, reset, IBV_QPT_RC);
}

static bool pair_create(struct sc *c, struct pair *p, uint32_t send_wr, uint32_t recv_wr)
{
	return pair_create_st(c, p, send_wr, recv_wr, false);
}

static void pair_destroy(struct sc *c, struct pair *p)
{
	int r;

	if (p->qp) {
		r = ibv_destroy_qp(p->qp);
		if (r)
			fail(c, "ibv_destroy_qp: %s", strerror(r));
	}
	p->qp = NULL;
	if (p->scq.cq && (r = vt_cq_destroy(&p->scq)))
		fail(c, "ibv_destroy_cq (send CQ): %s", strerror(r));
	if (p->rcq.cq && (r = vt_cq_destroy(&p->rcq)))
		fail(c, "ibv_destroy_cq (receive CQ): %s", strerror(r));
}

/*
 * INIT -> RTR -> RTS, then wait until the peer is there too: a request may
 * not reach a QP still in RTR (a bad one would put it in the error state).
 */
static bool pair_connect(struct sc *c, struct pair *p, const struct vt_qpinfo *peer,
			 const struct vt_conn_attr *ca, uint32_t step)
{
	struct cm m = { 0 }, pm;
	int r = vt_qp_rtr(&G.dev, p->qp, peer, ca);

	if (r)
		return fail(c, "modify_qp INIT->RTR: %s", strerror(r));
	r = vt_qp_rts(p->qp, p->psn, ca);
	if (r)
		return fail(c, "modify_qp RTR->RTS: %s", strerror(r));
	return xchg(c, step, &m, &pm);
}

static struct ibv_mr *reg(struct sc *c, void *addr, size_t len, int access, const char *what)
{
	struct ibv_mr *mr = ibv_reg_mr(G.dev.pd, addr, len, access);

	if (!mr)
		fail(c, "ibv_reg_mr (%s, %zu bytes, access %#x): %s", what, len, access,
		     strerror(errno));
	return mr;
}

static void dereg(struct sc *c, struct ibv_mr **mr)
{
	int r;

	if (!*mr)
		return;
	r = ibv_dereg_mr(*mr);
	if (r)
		fail(c, "ibv_dereg_mr: %s", strerror(r));
	*mr = NULL;
}

static bool post_wr(struct sc *c, struct ibv_qp *qp, uint64_t wr_id, enum ibv_wr_opcode op,
		    void *laddr, uint32_t len, uint32_t lkey, uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)laddr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	int r;

	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	r = ibv_post_send(qp, &wr, &bad);
	if (r)
		return fail(c, "ibv_post_send wr %" PRIu64 ": returned %s (expected a completion"
			    " instead)", wr_id, strerror(r));
	return true;
}

static bool post_recv2(struct sc *c, struct ibv_qp *qp, uint64_t wr_id, void *a1, uint32_t l1,
		       void *a2, uint32_t l2, uint32_t lkey)
{
	struct ibv_sge sge[2] = {
		{ .addr = (uintptr_t)a1, .length = l1, .lkey = lkey },
		{ .addr = (uintptr_t)a2, .length = l2, .lkey = lkey },
	};
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = sge, .num_sge = a2 ? 2 : 1 }, *bad;
	int r = ibv_post_recv(qp, &wr, &bad);

	if (r)
		return fail(c, "ibv_post_recv wr %" PRIu64 ": %s", wr_id, strerror(r));
	return true;
}

/*
 * The next completion on cq: wr_id and status as given (and, for success,
 * opcode unless -1).  *out gets it when not NULL.
 */
static bool expect_wc(struct sc *c, struct vt_cq *cq, struct ibv_qp *qp, uint64_t wr_id,
		      enum ibv_wc_status st, int opcode, const char *what, struct ibv_wc *out)
{
	struct ibv_wc wc;
	int n = vt_cq_wait(cq, &wc, 1, o.timeout_s * 1000);

	if (n < 0)
		return fail(c, "%s: ibv_poll_cq failed", what);
	if (!n)
		return fail(c, "%s: no completion within %d s (expected wr %" PRIu64 " %s)", what,
			    o.timeout_s, wr_id, ibv_wc_status_str(st));
	if (out)
		*out = wc;
	if (wc.wr_id != wr_id || wc.status != st)
		return fail(c, "%s: completion wr %" PRIu64 " status %s (vendor_err %#x), expected"
			    " wr %" PRIu64 " %s", what, wc.wr_id, ibv_wc_status_str(wc.status),
			    wc.vendor_err, wr_id, ibv_wc_status_str(st));
	if (wc.qp_num != qp->qp_num)
		return fail(c, "%s: completion qp_num %#x, expected %#x", what, wc.qp_num,
			    qp->qp_num);
	if (st == IBV_WC_SUCCESS && opcode >= 0 && wc.opcode != (enum ibv_wc_opcode)opcode)
		return fail(c, "%s: completion opcode %s, expected %s", what,
			    vt_wc_opcode_str(wc.opcode), vt_wc_opcode_str((enum ibv_wc_opcode)opcode));
	return true;
}

static bool expect_no_wc(struct sc *c, struct vt_cq *cq, int ms, const char *what)
{
	struct ibv_wc wc;
	int n = vt_cq_wait(cq, &wc, 1, ms);

	if (n > 0)
		return fail(c, "%s: unexpected completion wr %" PRIu64 " status %s", what, wc.wr_id,
			    ibv_wc_status_str(wc.status));
	return true;
}

static bool expect_state(struct sc *c, struct ibv_qp *qp, int want, const char *what)
{
	int s = vt_qp_state(qp);

	if (s != want)
		return fail(c, "%s: ibv_query_qp state %s, expected %s", what, vt_qp_state_str(s),
			    vt_qp_state_str(want));
	return true;
}

/* background keys of T and L in a scenario, and data keys */
static uint64_t key_T(const struct sc *c) { return vt_key(o.seed, (uint64_t)c->id, 'T'); }
static uint64_t key_L(const struct sc *c) { return vt_key(o.seed, (uint64_t)c->id, 'L'); }
static uint64_t key_D(const struct sc *c, uint64_t n) { return vt_key(o.seed, (uint64_t)c->id * 1000 + n, 'D'); }

/* buf[off, off+len) holds bytes off.. of stream key (backgrounds are indexed by offset) */
static bool check_range(struct sc *c, const uint8_t *buf, const char *bname, uint64_t off,
			uint64_t len, uint64_t key, uint64_t idx0, const char *what)
{
	uint64_t bad;

	if (vt_check(buf + off, len, key, idx0, &bad))
		return true;
	return fail(c, "%s: %s offset %#" PRIx64 " expected %#04x got %#04x", what, bname,
		    off + bad, vt_pat_byte(key, idx0 + bad), buf[off + bad]);
}

/*
 * T[0, len) holds its background except the ranges in ex (which hold the
 * data stream exkey[i] when exkey[i] != 0, anything when 0).
 */
struct range {
	uint64_t off, len, key;
};

static bool check_T(struct sc *c, uint64_t len, const struct range *ex, int nex, const char *what)
{
	uint64_t pos = 0;
	int i, j;
	struct range r[8];

	/* sort by offset (few entries) */
	memcpy(r, ex, sizeof(*r) * (size_t)nex);
	for (i = 1; i < nex; i++)
		for (j = i; j > 0 && r[j].off < r[j - 1].off; j--) {
			struct range t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	for (i = 0; i <= nex; i++) {
		uint64_t end = i < nex ? r[i].off : len;

		if (end > pos && !check_range(c, G.T, "T", pos, end - pos, key_T(c), pos, what))
			return false;
		if (i == nex)
			break;
		if (r[i].key && !check_range(c, G.T, "T", r[i].off, r[i].len, r[i].key, 0, what))
			return false;
		pos = r[i].off + r[i].len;
	}
	return true;
}

/* ---------------- after every scenario: both sides still work ---------------- */

#define U_WOFF 0x1003u
#define U_WLEN 8192u
#define U_ROFF 0x6001u
#define U_RLEN 5000u
#define U_S1 0x4000u
#define U_S1L 3000u
#define U_S2 0x5003u
#define U_S2L 1200u
#define U_SLEN 4096u
#define U_BLEN 1500u

static void verify_usable(struct sc *c)
{
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;
	struct ibv_wc wc;
	uint64_t kT = vt_key(o.seed, (uint64_t)c->id, 'U');
	uint64_t kW = key_D(c, 900), kS = key_D(c, 901), kB = key_D(c, 902);
	size_t sz = 64 << 10;

	vt_conn_attr_default(&ca);
	if (G.server) {
		vt_fill(G.T, sz, kT, 0);
		mr = reg(c, G.T, sz, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			 IBV_ACCESS_REMOTE_READ, "after: target");
		if (!mr || !pair_create(c, &p, 8, 8) ||
		    !post_recv2(c, p.qp, 500, G.T + U_S1, U_S1L, G.T + U_S2, U_S2L, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		m.v[0] = (uintptr_t)G.T;
		m.v[1] = mr->rkey;
		if (!xchg(c, 100, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1100))
			goto out;
		if (!step_recv(c, 101, &pm))
			goto out;
		if (!expect_wc(c, &p.rcq, p.qp, 500, IBV_WC_SUCCESS, IBV_WC_RECV, "after: SEND receive",
			       &wc))
			goto out;
		if (wc.byte_len != U_SLEN) {
			fail(c, "after: receive byte_len %u, expected %u", wc.byte_len, U_SLEN);
			goto out;
		}
		if (!check_range(c, G.T, "T", U_WOFF, U_WLEN, kW, 0, "after: RDMA_WRITE data") ||
		    !check_range(c, G.T, "T", U_S1, U_S1L, kS, 0, "after: SEND data (SGE 0)") ||
		    !check_range(c, G.T, "T", U_S2, U_SLEN - U_S1L, kS, U_S1L,
				 "after: SEND data (SGE 1)") ||
		    !check_range(c, G.T, "T", U_S2 + U_SLEN - U_S1L, U_S1L + U_S2L - U_SLEN, kT,
				 U_S2 + U_SLEN - U_S1L, "after: receive buffer past the message") ||
		    !check_range(c, G.T, "T", 0, U_WOFF, kT, 0, "after: around the WRITE") ||
		    !check_range(c, G.T, "T", U_WOFF + U_WLEN, U_S1 - U_WOFF - U_WLEN, kT,
				 U_WOFF + U_WLEN, "after: around the WRITE") ||
		    !check_range(c, G.T, "T", U_ROFF, U_RLEN, kT, U_ROFF, "after: READ source"))
			goto out;
		vt_fill(G.T + 0x9000, U_BLEN, kB, 0);
		if (!post_wr(c, p.qp, 501, IBV_WR_SEND, G.T + 0x9000, U_BLEN, mr->lkey, 0, 0) ||
		    !expect_wc(c, &p.scq, p.qp, 501, IBV_WC_SUCCESS, IBV_WC_SEND, "after: SEND back",
			       NULL))
			goto out;
		memset(&m, 0, sizeof(m));
		step_send(c, 102, &m);
	} else {
		uint64_t raddr;
		uint32_t rkey;

		vt_fill(G.L, sz, key_L(c), 0);
		mr = reg(c, G.L, sz, IBV_ACCESS_LOCAL_WRITE, "after: local");
		if (!mr || !pair_create(c, &p, 8, 8) ||
		    !post_recv2(c, p.qp, 600, G.L + 0x8000, 2048, NULL, 0, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 100, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1100))
			goto out;
		raddr = pm.v[0];
		rkey = (uint32_t)pm.v[1];
		vt_fill(G.L + 0x100, U_WLEN, kW, 0);
		vt_fill(G.L + 0x3007, U_SLEN, kS, 0);
		if (!post_wr(c, p.qp, 1, IBV_WR_RDMA_WRITE, G.L + 0x100, U_WLEN, mr->lkey,
			     raddr + U_WOFF, rkey) ||
		    !post_wr(c, p.qp, 2, IBV_WR_RDMA_READ, G.L + 0xa005, U_RLEN, mr->lkey,
			     raddr + U_ROFF, rkey) ||
		    !post_wr(c, p.qp, 3, IBV_WR_SEND, G.L + 0x3007, U_SLEN, mr->lkey, 0, 0) ||
		    !expect_wc(c, &p.scq, p.qp, 1, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE, "after: RDMA_WRITE",
			       NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 2, IBV_WC_SUCCESS, IBV_WC_RDMA_READ, "after: RDMA_READ",
			       NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 3, IBV_WC_SUCCESS, IBV_WC_SEND, "after: SEND", NULL))
			goto out;
		if (!check_range(c, G.L, "L", 0xa005, U_RLEN, kT, U_ROFF, "after: RDMA_READ data"))
			goto out;
		memset(&m, 0, sizeof(m));
		step_send(c, 101, &m);
		if (!step_recv(c, 102, &pm) ||
		    !expect_wc(c, &p.rcq, p.qp, 600, IBV_WC_SUCCESS, IBV_WC_RECV, "after: receive",
			       &wc))
			goto out;
		if (wc.byte_len != U_BLEN)
			fail(c, "after: receive byte_len %u, expected %u", wc.byte_len, U_BLEN);
		else
			check_range(c, G.L, "L", 0x8000, U_BLEN, kB, 0, "after: received data");
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/* ---------------- the error cases ---------------- */

enum { OPW, OPR, OPS };

struct ecase {
	int op;			/* the bad WR: OPW, OPR or OPS */
	int access;		/* of the server's MR */
	uint64_t mr_off, mr_len;	/* the MR within T */
	uint64_t roff;		/* remote address of the bad WR, relative to the MR */
	uint32_t len;		/* its length */
	bool bad_rkey, bad_lkey;
	bool pre_good;		/* first a good WR of len bytes ending at the MR's end */
	int rnr_retry;		/* of the client's QP */
	int min_rnr_timer;	/* of the server's QP */
	uint32_t recv_len;	/* the server posts a receive of that many bytes (0: none) */
	enum ibv_wc_status want;	/* of the bad WR */
	int want_resp;		/* status of the server's receive, -1: none */
};

#define E_MR_OFF (4096 + 100)
#define E_MR_LEN (65536 + 5)
#define E_LOFF 0x20003u		/* the client's buffer for the bad WR, in L */
#define E_TRAIL 0x100u		/* the trailing WRITEs, relative to the MR */
#define E_R1 0x2000u		/* the server's receive SGEs, relative to the MR */
#define E_R1L 40u
#define E_R2 0x3003u

static enum ibv_wr_opcode e_opcode(int op)
{
	return op == OPW ? IBV_WR_RDMA_WRITE : op == OPR ? IBV_WR_RDMA_READ : IBV_WR_SEND;
}

static int e_wc_opcode(int op)
{
	return op == OPW ? IBV_WC_RDMA_WRITE : op == OPR ? IBV_WC_RDMA_READ : IBV_WC_SEND;
}

static void run_ecase(struct sc *c, const struct ecase *e)
{
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;
	uint64_t pre_off = e->mr_len - e->len;	/* the good WR, relative to the MR */
	const char *opn = e->op == OPW ? "RDMA_WRITE" : e->op == OPR ? "RDMA_READ" : "SEND";
	char what[128];
	int i;

	vt_conn_attr_default(&ca);
	ca.rnr_retry = e->rnr_retry;
	ca.min_rnr_timer = e->min_rnr_timer;
	if (G.server) {
		struct range ex[4];
		int nex = 0;

		vt_fill(G.T, AREA, key_T(c), 0);
		mr = reg(c, G.T + e->mr_off, e->mr_len, e->access, "target");
		if (!mr || !pair_create(c, &p, 8, 8))
			goto out;
		if (e->recv_len &&
		    !post_recv2(c, p.qp, 300, G.T + e->mr_off + E_R1, E_R1L, G.T + e->mr_off + E_R2,
				e->recv_len - E_R1L, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		m.v[0] = (uintptr_t)G.T + e->mr_off;
		m.v[1] = e->mr_len;
		m.v[2] = mr->rkey;
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!step_recv(c, 2, &pm))	/* the client is through */
			goto out;
		if (e->want_resp >= 0) {
			expect_wc(c, &p.rcq, p.qp, 300, (enum ibv_wc_status)e->want_resp, -1,
				  "the responder's receive", NULL);
			expect_state(c, p.qp, IBV_QPS_ERR, "the responder's QP after its receive failed");
			/* what the receive SGEs hold is undefined, the bytes after them are not */
			ex[nex++] = (struct range){ e->mr_off + E_R1, E_R1L, 0 };
			ex[nex++] = (struct range){ e->mr_off + E_R2, e->recv_len - E_R1L, 0 };
		} else {
			expect_no_wc(c, &p.rcq, 10, "the responder's receive CQ");
		}
		if (e->pre_good && e->op == OPW)
			ex[nex++] = (struct range){ e->mr_off + pre_off, e->len, key_D(c, 1) };
		/*
		 * A READ whose local SGE is bad fails when its response arrives:
		 * the WRITEs behind it may have executed at the responder already.
		 */
		if (e->op == OPR && e->want == IBV_WC_LOC_PROT_ERR)
			ex[nex++] = (struct range){ e->mr_off + E_TRAIL + 128, 3 * 128, 0 };
		check_T(c, AREA, ex, nex, "target memory (must be untouched by the failed and the"
			" flushed WRs)");
	} else {
		struct ibv_wc wc;
		uint64_t raddr, rlen;
		uint32_t rkey, lkey;

		vt_fill(G.L, AREA, key_L(c), 0);
		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create(c, &p, 16, 8) ||
		    !post_recv2(c, p.qp, 200, G.L + 0x1000, 64, NULL, 0, mr->lkey) ||
		    !post_recv2(c, p.qp, 201, G.L + 0x2000, 64, NULL, 0, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		raddr = pm.v[0];
		rlen = pm.v[1];
		rkey = (uint32_t)pm.v[2];
		if (rlen != e->mr_len) {
			fail(c, "server MR length %" PRIu64 " unexpected", rlen);
			goto out;
		}
		if (e->pre_good) {
			/* the last len bytes of the MR are fine */
			snprintf(what, sizeof(what), "%s of the MR's last %u bytes", opn, e->len);
			if (e->op == OPW)
				vt_fill(G.L + 0x10000, e->len, key_D(c, 1), 0);
			if (!post_wr(c, p.qp, 50, e_opcode(e->op), G.L + 0x10000, e->len, mr->lkey,
				     raddr + pre_off, rkey) ||
			    !expect_wc(c, &p.scq, p.qp, 50, IBV_WC_SUCCESS, e_wc_opcode(e->op), what, NULL))
				goto out;
			if (e->op == OPR &&
			    !check_range(c, G.L, "L", 0x10000, e->len, key_T(c), e->mr_off + pre_off, what))
				goto out;
		}
		if (e->op != OPR)
			vt_fill(G.L + E_LOFF, e->len, key_D(c, 2), 0);
		lkey = e->bad_lkey ? ~mr->lkey : mr->lkey;
		snprintf(what, sizeof(what), "the bad %s", opn);
		if (!post_wr(c, p.qp, 100, e_opcode(e->op), G.L + E_LOFF, e->len, lkey,
			     raddr + e->roff, e->bad_rkey ? ~rkey : rkey))
			goto out;
		for (i = 1; i <= 3; i++)
			if (!post_wr(c, p.qp, 100 + (uint64_t)i, IBV_WR_RDMA_WRITE, G.L + 0x30000,
				     64, mr->lkey, raddr + E_TRAIL + 128 * (uint64_t)i, rkey))
				goto out;
		wc.wr_id = UINT64_MAX;
		if (!expect_wc(c, &p.scq, p.qp, 100, e->want, -1, what, &wc)) {
			/* the server still looks at its memory, unless nothing completed */
			if (wc.wr_id == UINT64_MAX)
				goto out;
			m = (struct cm){ 0 };
			step_send(c, 2, &m);
			goto out;
		}
		for (i = 1; i <= 3; i++)
			expect_wc(c, &p.scq, p.qp, 100 + (uint64_t)i, IBV_WC_WR_FLUSH_ERR, -1,
				  "a WR posted behind the failed one", NULL);
		expect_state(c, p.qp, IBV_QPS_ERR, "the requester's QP after the error");
		if (post_wr(c, p.qp, 104, IBV_WR_RDMA_WRITE, G.L + 0x30000, 64, mr->lkey,
			    raddr + E_TRAIL, rkey))
			expect_wc(c, &p.scq, p.qp, 104, IBV_WC_WR_FLUSH_ERR, -1,
				  "a WR posted to the QP in the error state", NULL);
		expect_wc(c, &p.rcq, p.qp, 200, IBV_WC_WR_FLUSH_ERR, -1, "receive 1 of the QP in error",
			  NULL);
		expect_wc(c, &p.rcq, p.qp, 201, IBV_WC_WR_FLUSH_ERR, -1, "receive 2 of the QP in error",
			  NULL);
		expect_no_wc(c, &p.scq, 10, "send CQ after the flush");
		/* nothing arrived in the local buffer of a failed READ */
		if (e->op == OPR)
			check_range(c, G.L, "L", E_LOFF, e->len, key_L(c), E_LOFF,
				    "local buffer of the failed RDMA_READ");
		m = (struct cm){ 0 };
		step_send(c, 2, &m);
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

static const struct ecase ec_write_bad_rkey = {
	.op = OPW, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN, .roff = 0x400,
	.len = 4096, .bad_rkey = true, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_REM_ACCESS_ERR, .want_resp = -1,
};
static const struct ecase ec_read_bad_rkey = {
	.op = OPR, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN, .roff = 0x400,
	.len = 4096, .bad_rkey = true, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_REM_ACCESS_ERR, .want_resp = -1,
};
static const struct ecase ec_write_past_end = {
	.op = OPW, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN,
	.roff = E_MR_LEN - 15, .len = 16, .pre_good = true, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_REM_ACCESS_ERR, .want_resp = -1,
};
static const struct ecase ec_read_past_end = {
	.op = OPR, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN,
	.roff = E_MR_LEN - 15, .len = 16, .pre_good = true, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_REM_ACCESS_ERR, .want_resp = -1,
};
static const struct ecase ec_read_no_remote_read = {
	.op = OPR, .access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE, .mr_off = E_MR_OFF,
	.mr_len = E_MR_LEN, .roff = 0x400, .len = 256, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_REM_ACCESS_ERR, .want_resp = -1,
};
static const struct ecase ec_write_no_remote_write = {
	.op = OPW, .access = IBV_ACCESS_REMOTE_READ, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN,
	.roff = 0x400, .len = 256, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_REM_ACCESS_ERR, .want_resp = -1,
};
static const struct ecase ec_write_bad_lkey = {
	.op = OPW, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN, .roff = 0x400,
	.len = 4096, .bad_lkey = true, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_LOC_PROT_ERR, .want_resp = -1,
};
static const struct ecase ec_read_bad_lkey = {
	.op = OPR, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN, .roff = 0x400,
	.len = 4096, .bad_lkey = true, .rnr_retry = 7, .min_rnr_timer = 12,
	.want = IBV_WC_LOC_PROT_ERR, .want_resp = -1,
};
static const struct ecase ec_rnr_retry_0 = {
	.op = OPS, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN, .len = 64,
	.rnr_retry = 0, .min_rnr_timer = 1, .want = IBV_WC_RNR_RETRY_EXC_ERR, .want_resp = -1,
};
static const struct ecase ec_send_too_long = {
	.op = OPS, .access = E_RW, .mr_off = E_MR_OFF, .mr_len = E_MR_LEN, .len = 128,
	.rnr_retry = 7, .min_rnr_timer = 12, .recv_len = 64,
	.want = IBV_WC_REM_INV_REQ_ERR, .want_resp = IBV_WC_LOC_LEN_ERR,
};

static void sc_write_bad_rkey(struct sc *c) { run_ecase(c, &ec_write_bad_rkey); }
static void sc_read_bad_rkey(struct sc *c) { run_ecase(c, &ec_read_bad_rkey); }
static void sc_write_past_end(struct sc *c) { run_ecase(c, &ec_write_past_end); }
static void sc_read_past_end(struct sc *c) { run_ecase(c, &ec_read_past_end); }
static void sc_read_no_rr(struct sc *c) { run_ecase(c, &ec_read_no_remote_read); }
static void sc_write_no_rw(struct sc *c) { run_ecase(c, &ec_write_no_remote_write); }
static void sc_write_bad_lkey(struct sc *c) { run_ecase(c, &ec_write_bad_lkey); }
static void sc_read_bad_lkey(struct sc *c) { run_ecase(c, &ec_read_bad_lkey); }
static void sc_rnr_retry_0(struct sc *c) { run_ecase(c, &ec_rnr_retry_0); }
static void sc_send_too_long(struct sc *c) { run_ecase(c, &ec_send_too_long); }

/* ---------------- RNR retry 7: the receive comes 200 ms late ---------------- */

static void sc_rnr_late_recv(struct sc *c)
{
	const uint32_t len = 4096, l1 = 1000, l2 = 3100;
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;
	struct ibv_wc wc;

	vt_conn_attr_default(&ca);
	ca.rnr_retry = 7;
	ca.min_rnr_timer = 12;
	if (G.server) {
		struct range ex[2] = { { 0x1003, l1, key_D(c, 1) }, { 0x3001, len - l1, 0 } };

		vt_fill(G.T, AREA, key_T(c), 0);
		mr = reg(c, G.T, AREA, E_RW, "target");
		if (!mr || !pair_create(c, &p, 8, 8))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!step_recv(c, 2, &pm))	/* the SEND is posted */
			goto out;
		vt_sleep_ms(200);
		if (!post_recv2(c, p.qp, 300, G.T + 0x1003, l1, G.T + 0x3001, l2, mr->lkey) ||
		    !expect_wc(c, &p.rcq, p.qp, 300, IBV_WC_SUCCESS, IBV_WC_RECV, "the late receive", &wc))
			goto out;
		if (wc.byte_len != len) {
			fail(c, "receive byte_len %u, expected %u", wc.byte_len, len);
			goto out;
		}
		if (check_range(c, G.T, "T", 0x3001, len - l1, key_D(c, 1), l1, "received data (SGE 1)"))
			check_T(c, AREA, ex, 2, "received data (SGE 0) and what is around");
	} else {
		vt_fill(G.L, AREA, key_L(c), 0);
		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create(c, &p, 8, 8))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		vt_fill(G.L + 0x5005, len, key_D(c, 1), 0);
		if (!post_wr(c, p.qp, 1, IBV_WR_SEND, G.L + 0x5005, len, mr->lkey, 0, 0))
			goto out;
		m = (struct cm){ 0 };
		step_send(c, 2, &m);
		/* no receive yet: nothing may complete for a while */
		if (!expect_no_wc(c, &p.scq, 50, "SEND before the receive was posted"))
			goto out;
		expect_wc(c, &p.scq, p.qp, 1, IBV_WC_SUCCESS, IBV_WC_SEND,
			  "SEND with rnr_retry 7 whose receive came late", NULL);
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/* ---------------- UC: no acknowledgements, what cannot be taken is dropped ---------------- */

#define UC_MRLEN (AREA - 4096)	/* the server's MR: T[0, UC_MRLEN) */
#define UC_W 0x11003u		/* the WRITEs (bad rkey, then good) */
#define UC_WL 5000u
#define UC_WI 0x20001u		/* the WRITE_WITH_IMM without a receive */

/* The UC requester's QP is still in RTS: a drop is no error for it. */
static bool uc_still_rts(struct sc *c, struct pair *p)
{
	return expect_state(c, p->qp, IBV_QPS_RTS, "the UC requester after the drops");
}

/*
 * A SEND with no receive posted, an RDMA_WRITE with a bad rkey, one past
 * the MR's end and an RDMA_WRITE_WITH_IMM with no receive: each completes
 * successfully at the requester (UC has no NAK), nothing lands (the
 * WRITE_WITH_IMM's range is left undefined by IB), no receive completes
 * and both QPs stay in RTS.  Then the receive is posted: the next SEND
 * arrives intact in it (not the dropped one), and a good WRITE lands.
 */
static void sc_uc_drops(struct sc *c)
{
	const uint32_t len = 4096, l1 = 1000, l2 = 3100;
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;
	struct ibv_wc wc;

	vt_conn_attr_default(&ca);
	if (G.server) {
		struct range ex[4] = { { UC_WI, 256, 0 } };

		vt_fill(G.T, AREA, key_T(c), 0);
		mr = reg(c, G.T, UC_MRLEN, E_RW, "target");
		if (!mr || !pair_create_ty(c, &p, 8, 8, false, IBV_QPT_UC))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		m.v[0] = (uintptr_t)G.T;
		m.v[2] = mr->rkey;
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!step_recv(c, 2, &pm))	/* the dropped messages completed */
			goto out;
		if (!expect_no_wc(c, &p.rcq, 100, "receive CQ (no receive was posted)") ||
		    !check_T(c, AREA, ex, 1, "target memory after the dropped messages") ||
		    !expect_state(c, p.qp, IBV_QPS_RTS, "the UC responder after the drops"))
			goto out;
		if (!post_recv2(c, p.qp, 300, G.T + 0x1003, l1, G.T + 0x3001, l2, mr->lkey))
			goto out;
		m = (struct cm){ 0 };
		step_send(c, 3, &m);
		if (!step_recv(c, 4, &pm) ||
		    !expect_wc(c, &p.rcq, p.qp, 300, IBV_WC_SUCCESS, IBV_WC_RECV,
			       "the receive posted after the drop", &wc))
			goto out;
		if (wc.byte_len != len) {
			fail(c, "receive byte_len %u, expected %u", wc.byte_len, len);
			goto out;
		}
		ex[1] = (struct range){ 0x1003, l1, key_D(c, 2) };
		ex[2] = (struct range){ 0x3001, len - l1, 0 };
		ex[3] = (struct range){ UC_W, UC_WL, key_D(c, 3) };
		if (check_range(c, G.T, "T", 0x3001, len - l1, key_D(c, 2), l1,
				"the second SEND's data (SGE 1)"))
			check_T(c, AREA, ex, 4, "the second SEND (SGE 0), the good WRITE and what"
				" is around");
	} else {
		uint64_t raddr;
		uint32_t rkey, lkey;

		vt_fill(G.L, AREA, key_L(c), 0);
		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create_ty(c, &p, 16, 8, false, IBV_QPT_UC))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		raddr = pm.v[0];
		rkey = (uint32_t)pm.v[2];
		lkey = mr->lkey;
		vt_fill(G.L + 0x5005, len, key_D(c, 1), 0);
		vt_fill(G.L + 0x7003, len, key_D(c, 2), 0);
		vt_fill(G.L + 0x9001, UC_WL, key_D(c, 3), 0);
		if (!post_wr(c, p.qp, 1, IBV_WR_SEND, G.L + 0x5005, len, lkey, 0, 0) ||
		    !post_wr(c, p.qp, 2, IBV_WR_RDMA_WRITE, G.L + 0x9001, UC_WL, lkey, raddr + UC_W,
			     ~rkey) ||
		    !post_wr(c, p.qp, 3, IBV_WR_RDMA_WRITE, G.L + 0x9001, 64, lkey,
			     raddr + UC_MRLEN - 32, rkey) ||
		    !post_wr(c, p.qp, 4, IBV_WR_RDMA_WRITE_WITH_IMM, G.L + 0x9001, 256, lkey,
			     raddr + UC_WI, rkey))
			goto out;
		if (!expect_wc(c, &p.scq, p.qp, 1, IBV_WC_SUCCESS, IBV_WC_SEND,
			       "UC SEND with no receive posted (dropped)", NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 2, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			       "UC RDMA_WRITE with a bad rkey (dropped)", NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 3, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			       "UC RDMA_WRITE past the MR's end (dropped)", NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 4, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			       "UC RDMA_WRITE_WITH_IMM with no receive posted (dropped)", NULL) ||
		    !uc_still_rts(c, &p))
			goto out;
		m = (struct cm){ 0 };
		step_send(c, 2, &m);
		if (!step_recv(c, 3, &pm))	/* the receive is posted */
			goto out;
		if (!post_wr(c, p.qp, 5, IBV_WR_SEND, G.L + 0x7003, len, lkey, 0, 0) ||
		    !post_wr(c, p.qp, 6, IBV_WR_RDMA_WRITE, G.L + 0x9001, UC_WL, lkey, raddr + UC_W,
			     rkey) ||
		    !expect_wc(c, &p.scq, p.qp, 5, IBV_WC_SUCCESS, IBV_WC_SEND,
			       "UC SEND after the receive was posted", NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 6, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			       "UC RDMA_WRITE with the right rkey", NULL))
			goto out;
		m = (struct cm){ 0 };
		step_send(c, 4, &m);
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/*
 * A UC SEND longer than the receive: the requester is not told (success,
 * still in RTS; a SEND behind it is dropped too, the responder being in
 * the error state by then); the receive completes with
 * IBV_WC_LOC_LEN_ERR and the responder's QP goes to the error state, as
 * on RC (IBA 9.9.3 / 10.8.3: a local length error at the responder).
 */
static void sc_uc_send_too_long(struct sc *c)
{
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;

	vt_conn_attr_default(&ca);
	if (G.server) {
		struct range ex[1] = { { 0x2000, 64, 0 } };	/* the receive: undefined */

		vt_fill(G.T, AREA, key_T(c), 0);
		mr = reg(c, G.T, AREA, E_RW, "target");
		if (!mr || !pair_create_ty(c, &p, 8, 8, false, IBV_QPT_UC) ||
		    !post_recv2(c, p.qp, 300, G.T + 0x2000, 64, NULL, 0, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!step_recv(c, 2, &pm))
			goto out;
		expect_wc(c, &p.rcq, p.qp, 300, IBV_WC_LOC_LEN_ERR, -1,
			  "the responder's receive, shorter than the UC SEND", NULL);
		expect_state(c, p.qp, IBV_QPS_ERR, "the responder's QP after its receive failed");
		check_T(c, AREA, ex, 1, "target memory around the receive");
	} else {
		vt_fill(G.L, AREA, key_L(c), 0);
		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create_ty(c, &p, 8, 8, false, IBV_QPT_UC))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!post_wr(c, p.qp, 1, IBV_WR_SEND, G.L + 0x100, 128, mr->lkey, 0, 0) ||
		    !expect_wc(c, &p.scq, p.qp, 1, IBV_WC_SUCCESS, IBV_WC_SEND,
			       "UC SEND of 128 bytes into a 64-byte receive", NULL) ||
		    !post_wr(c, p.qp, 2, IBV_WR_SEND, G.L + 0x100, 16, mr->lkey, 0, 0) ||
		    !expect_wc(c, &p.scq, p.qp, 2, IBV_WC_SUCCESS, IBV_WC_SEND,
			       "UC SEND to a responder in the error state (dropped)", NULL))
			goto out;
		uc_still_rts(c, &p);
		m = (struct cm){ 0 };
		step_send(c, 2, &m);
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/*
 * A UC QP connected to an RC QP (and the RC QP to it): IB transports never
 * mix.  The UC SEND and WRITE are dropped (success, nothing lands, the RC
 * QP's receive stays posted); the RC SEND gets no answer: after retry_cnt
 * retries IBV_WC_RETRY_EXC_ERR, and the UC QP's receive stays posted.
 */
static void sc_uc_rc_mismatch(struct sc *c)
{
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;

	vt_conn_attr_default(&ca);
	if (G.server) {
		struct range none[1] = { { 0, 0, 0 } };

		ca.timeout = 10;	/* 4 ms */
		ca.retry_cnt = 1;
		vt_fill(G.T, AREA, key_T(c), 0);
		mr = reg(c, G.T, AREA, E_RW, "target");
		if (!mr || !pair_create(c, &p, 8, 8) ||
		    !post_recv2(c, p.qp, 300, G.T + 0x2000, 256, NULL, 0, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		m.v[0] = (uintptr_t)G.T;
		m.v[2] = mr->rkey;
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!step_recv(c, 2, &pm))
			goto out;
		if (!expect_no_wc(c, &p.rcq, 100, "the RC QP's receive (the UC SEND must not land)") ||
		    !check_T(c, AREA, none, 0, "the RC side's memory after the UC SEND and WRITE"))
			goto out;
		vt_fill(G.T + 0x8000, 64, key_D(c, 1), 0);
		if (!post_wr(c, p.qp, 400, IBV_WR_SEND, G.T + 0x8000, 64, mr->lkey, 0, 0))
			goto out;
		expect_wc(c, &p.scq, p.qp, 400, IBV_WC_RETRY_EXC_ERR, -1,
			  "RC SEND to a UC QP (no answer)", NULL);
		m = (struct cm){ 0 };
		step_send(c, 3, &m);
	} else {
		vt_fill(G.L, AREA, key_L(c), 0);
		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create_ty(c, &p, 8, 8, false, IBV_QPT_UC) ||
		    !post_recv2(c, p.qp, 200, G.L + 0x1000, 256, NULL, 0, mr->lkey))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		if (!post_wr(c, p.qp, 1, IBV_WR_SEND, G.L + 0x100, 64, mr->lkey, 0, 0) ||
		    !post_wr(c, p.qp, 2, IBV_WR_RDMA_WRITE, G.L + 0x100, 256, mr->lkey,
			     pm.v[0] + 0x4000, (uint32_t)pm.v[2]) ||
		    !expect_wc(c, &p.scq, p.qp, 1, IBV_WC_SUCCESS, IBV_WC_SEND,
			       "UC SEND to an RC QP (dropped)", NULL) ||
		    !expect_wc(c, &p.scq, p.qp, 2, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			       "UC RDMA_WRITE to an RC QP (dropped)", NULL) ||
		    !uc_still_rts(c, &p))
			goto out;
		m = (struct cm){ 0 };
		step_send(c, 2, &m);
		if (!step_recv(c, 3, &pm))	/* the RC SEND failed */
			goto out;
		if (expect_no_wc(c, &p.rcq, 100, "the UC QP's receive (the RC SEND must not land)"))
			check_range(c, G.L, "L", 0x1000, 256, key_L(c), 0x1000,
				    "the UC QP's receive buffer");
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/*
 * The responder's start of a one-sided scenario: T filled and registered
 * for remote access, a pair connected; the client gets T's address in
 * v[0] and its rkey in v[2] (step 1).
 */
static bool serve_target(struct sc *c, struct pair *p, struct ibv_mr **mr,
			 const struct vt_conn_attr *ca, struct cm *pm)
{
	struct cm m = { 0 };

	vt_fill(G.T, AREA, key_T(c), 0);
	*mr = reg(c, G.T, AREA, E_RW, "target");
	if (!*mr || !pair_create(c, p, 8, 8))
		return false;
	vt_qpinfo_local(&G.dev, p->qp, p->psn, &m.qi);
	m.v[0] = (uintptr_t)G.T;
	m.v[2] = (*mr)->rkey;
	return xchg(c, 1, &m, pm) && pair_connect(c, p, &pm->qi, ca, 1001);
}

/* ---------------- a send CQ too small for the completions ---------------- */

#define O_WRS 16u		/* signaled WRITEs posted without polling */
#define O_CQE 4			/* entries asked for the send CQ */
#define O_LEN 256u
#define O_OFF 0x10000u		/* where they land in T, back to back */

/* The next async event of @want for @cq within @ms; others are acknowledged. */
static bool expect_cq_event(struct sc *c, struct ibv_cq *cq, enum ibv_event_type want, int ms,
			    const char *what)
{
	uint64_t end = vt_now_ms() + (uint64_t)ms;

	for (;;) {
		struct pollfd pfd = { .fd = G.dev.ctx->async_fd, .events = POLLIN };
		uint64_t now = vt_now_ms();
		struct ibv_async_event ev;
		bool hit;

		if (now >= end)
			return fail(c, "%s: no %s event in %d ms", what, ibv_event_type_str(want), ms);
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		if (ibv_get_async_event(G.dev.ctx, &ev))
			return fail(c, "%s: ibv_get_async_event: %s", what, strerror(errno));
		hit = ev.event_type == want && ev.element.cq == cq;
		ibv_ack_async_event(&ev);
		if (hit)
			return true;
	}
}

/*
 * The requester's send CQ holds fewer entries than it has signaled WRs
 * outstanding: IBV_EVENT_CQ_ERR for that CQ, the completions that fit are
 * there in order, nothing is written outside the ring (the process would
 * notice), and the responder's memory outside the WRITEs' targets is
 * untouched; the WRITEs that completed carried their data.
 */
static void sc_cq_overflow(struct sc *c)
{
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;

	vt_conn_attr_default(&ca);
	if (G.server) {
		struct range ex[2];
		uint64_t done;

		if (!serve_target(c, &p, &mr, &ca, &pm))
			goto out;
		if (!step_recv(c, 2, &pm))	/* the client saw its completions */
			goto out;
		done = pm.v[0];
		if (done > O_WRS) {
			fail(c, "client reports %" PRIu64 " completions of %u WRs", done, O_WRS);
			goto out;
		}
		/* completed WRITEs hold their data; the rest may or may not have run */
		ex[0] = (struct range){ O_OFF, done * O_LEN, key_D(c, 1) };
		ex[1] = (struct range){ O_OFF + done * O_LEN, (O_WRS - done) * O_LEN, 0 };
		check_T(c, AREA, ex, done < O_WRS ? 2 : 1,
			"target of the WRITEs whose CQ overflowed, and what is around");
	} else {
		struct ibv_qp_init_attr ia = {
			.qp_type = IBV_QPT_RC,
			.cap = { .max_send_wr = O_WRS, .max_recv_wr = 4, .max_send_sge = 1,
				 .max_recv_sge = 1 },
		};
		struct ibv_wc wc[O_WRS + 1];
		uint64_t got = 0;
		uint32_t i;
		int n, r;

		vt_fill(G.L, AREA, key_L(c), 0);
		vt_fill(G.L + O_OFF, (uint64_t)O_WRS * O_LEN, key_D(c, 1), 0);
		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr)
			goto out;
		if (vt_cq_create(&p.scq, &G.dev, O_CQE, false) ||
		    vt_cq_create(&p.rcq, &G.dev, 8, false)) {
			fail(c, "ibv_create_cq: %s", strerror(errno));
			goto out;
		}
		if (p.scq.cq->cqe >= (int)O_WRS) {
			fail(c, "a send CQ of %d entries was asked, %d given: cannot overflow it",
			     O_CQE, p.scq.cq->cqe);
			goto out;
		}
		ia.send_cq = p.scq.cq;
		ia.recv_cq = p.rcq.cq;
		p.qp = ibv_create_qp(G.dev.pd, &ia);
		if (!p.qp) {
			fail(c, "ibv_create_qp: %s", strerror(errno));
			goto out;
		}
		p.psn = (uint32_t)vt_key(o.seed, (uint64_t)c->id, G.server) & 0xffffff;
		r = vt_qp_init(&G.dev, p.qp, E_RW);
		if (r) {
			fail(c, "modify_qp RESET->INIT: %s", strerror(r));
			goto out;
		}
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		for (i = 0; i < O_WRS; i++)
			if (!post_wr(c, p.qp, i + 1, IBV_WR_RDMA_WRITE, G.L + O_OFF + i * O_LEN, O_LEN,
				     mr->lkey, pm.v[0] + O_OFF + i * O_LEN, (uint32_t)pm.v[2]))
				goto out;
		if (!expect_cq_event(c, p.scq.cq, IBV_EVENT_CQ_ERR, 10000,
				     "send CQ with more completions than entries"))
			goto out;
		/* what fits is there, in order */
		while ((n = ibv_poll_cq(p.scq.cq, (int)O_WRS + 1, wc)) > 0) {
			for (i = 0; i < (uint32_t)n; i++, got++)
				if (wc[i].status != IBV_WC_SUCCESS || wc[i].wr_id != got + 1) {
					fail(c, "completion %" PRIu64 ": wr_id %" PRIu64 " status %s",
					     got, wc[i].wr_id, ibv_wc_status_str(wc[i].status));
					goto out;
				}
		}
		if (n < 0)
			fail(c, "ibv_poll_cq: %d", n);
		else if (!got || got >= O_WRS)
			fail(c, "%" PRIu64 " completions in a CQ of %d entries for %u WRs", got,
			     p.scq.cq->cqe, O_WRS);
		m = (struct cm){ 0 };
		m.v[0] = got;
		step_send(c, 2, &m);
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/* ---------------- deregistration while the peer writes ---------------- */

#define D_LEN 4096u
#define D_SLOTS 200u

static void sc_dereg_while_writing(struct sc *c)
{
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 }, p2 = { 0 };
	struct cm m = { 0 }, pm;

	vt_conn_attr_default(&ca);
	if (G.server) {
		uint8_t *snap = NULL;
		uint64_t t0, i;
		int r;

		if (!serve_target(c, &p, &mr, &ca, &pm))
			goto out;
		if (!step_recv(c, 2, &pm))	/* WRITEs are landing */
			goto out;
		t0 = vt_now_ms();
		r = ibv_dereg_mr(mr);
		mr = NULL;
		if (r) {
			fail(c, "ibv_dereg_mr while the peer writes: %s", strerror(r));
			goto out;
		}
		snap = malloc(AREA);
		if (!snap) {
			fail(c, "out of memory");
			goto out;
		}
		memcpy(snap, G.T, AREA);
		t0 = vt_now_ms() - t0;
		m = (struct cm){ .v = { t0 } };
		step_send(c, 3, &m);
		if (step_recv(c, 4, &pm) &&	/* the client saw its error */
		    pair_create(c, &p2, 8, 8)) {
			uint64_t ok = pm.v[0], after = pm.v[1];

			/* a fresh QP: the old rkey is refused there too */
			m = (struct cm){ 0 };
			vt_qpinfo_local(&G.dev, p2.qp, p2.psn, &m.qi);
			if (!xchg(c, 5, &m, &pm) || !pair_connect(c, &p2, &pm.qi, &ca, 1005) ||
			    !step_recv(c, 6, &pm)) {
				free(snap);
				goto out;
			}
			vt_sleep_ms(100);
			for (i = 0; i < AREA && snap[i] == G.T[i]; i++)
				;
			if (i < AREA)
				fail(c, "memory changed after ibv_dereg_mr returned: offset %#" PRIx64
				     " was %#04x, now %#04x", i, snap[i], G.T[i]);
			if (o.verbose)
				vt_msg("  dereg took %" PRIu64 " ms; the client's WRITEs: %" PRIu64
				       " succeeded, %" PRIu64 " posted after the notice", t0, ok, after);
		}
		free(snap);
	} else {
		uint64_t raddr, posted = 0, done = 0, ok = 0, notice_at = UINT64_MAX;
		uint32_t rkey;
		bool told = false, errored = false;
		int first_err = -1;
		uint64_t first_err_id = 0, t0;

		mr = reg(c, G.L, AREA, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create(c, &p, 16, 8))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		raddr = pm.v[0];
		rkey = (uint32_t)pm.v[2];
		t0 = vt_now_ms();
		for (;;) {
			struct ibv_wc wc[8];
			int n, i;

			/* keep 4 WRITEs in flight until the error, and 4 past the notice */
			while (!errored && posted - done < 4 &&
			       (notice_at == UINT64_MAX || posted < notice_at + 4)) {
				uint64_t slot = posted % D_SLOTS;

				vt_fill(G.L + slot * D_LEN, D_LEN, key_D(c, posted), 0);
				if (!post_wr(c, p.qp, posted, IBV_WR_RDMA_WRITE, G.L + slot * D_LEN, D_LEN,
					     mr->lkey, raddr + slot * D_LEN + 17, rkey))
					goto out;
				posted++;
			}
			if (done == posted)
				break;
			if (notice_at == UINT64_MAX && told && vt_readable(G.fd)) {
				if (!step_recv(c, 3, &pm))
					goto out;
				notice_at = posted;
			}
			n = vt_cq_wait(&p.scq, wc, 8, notice_at == UINT64_MAX ? 20 : o.timeout_s * 1000);
			if (n < 0) {
				fail(c, "ibv_poll_cq failed");
				goto out;
			}
			if (!n && notice_at != UINT64_MAX) {
				fail(c, "no completion within %d s (%" PRIu64 " of %" PRIu64
				     " WRITEs completed)", o.timeout_s, done, posted);
				goto out;
			}
			if (!n && vt_now_ms() - t0 > (uint64_t)o.timeout_s * 4000) {
				fail(c, "the server never reported its ibv_dereg_mr");
				goto out;
			}
			for (i = 0; i < n; i++) {
				if (wc[i].wr_id != done) {
					fail(c, "completion for wr %" PRIu64 ", expected %" PRIu64,
					     wc[i].wr_id, done);
					goto out;
				}
				done++;
				if (wc[i].status == IBV_WC_SUCCESS) {
					if (errored) {
						fail(c, "WRITE %" PRIu64 " succeeded after WRITE %" PRIu64
						     " failed", wc[i].wr_id, first_err_id);
						goto out;
					}
					if (wc[i].wr_id >= notice_at) {
						fail(c, "WRITE %" PRIu64 ", posted after ibv_dereg_mr returned"
						     " on the server, succeeded", wc[i].wr_id);
						goto out;
					}
					ok++;
				} else if (!errored) {
					errored = true;
					first_err = wc[i].status;
					first_err_id = wc[i].wr_id;
				} else if (wc[i].status != IBV_WC_WR_FLUSH_ERR) {
					fail(c, "WRITE %" PRIu64 " behind the failed one: status %s,"
					     " expected %s", wc[i].wr_id, ibv_wc_status_str(wc[i].status),
					     ibv_wc_status_str(IBV_WC_WR_FLUSH_ERR));
					goto out;
				}
			}
			if (!told && ok >= 16) {
				m = (struct cm){ 0 };
				step_send(c, 2, &m);
				told = true;
			}
			if (errored && !told) {
				fail(c, "WRITE %" PRIu64 " failed (%s) before the MR was deregistered",
				     first_err_id, ibv_wc_status_str((enum ibv_wc_status)first_err));
				goto out;
			}
		}
		if (notice_at == UINT64_MAX) {
			/* the error came first (a WRITE in flight during the dereg) */
			if (!step_recv(c, 3, &pm))
				goto out;
			notice_at = posted;
		}
		if (!errored)
			fail(c, "no WRITE failed after the server's ibv_dereg_mr");
		else if (first_err != IBV_WC_REM_ACCESS_ERR)
			fail(c, "the first failed WRITE (%" PRIu64 ") has status %s, expected %s",
			     first_err_id, ibv_wc_status_str((enum ibv_wc_status)first_err),
			     ibv_wc_status_str(IBV_WC_REM_ACCESS_ERR));
		if (o.verbose)
			vt_msg("  %" PRIu64 " WRITEs succeeded, first error at %" PRIu64
			       ", the notice came at %" PRIu64, ok, first_err_id, notice_at);
		m = (struct cm){ .v = { ok, posted - notice_at } };
		step_send(c, 4, &m);
		/* a fresh QP: a WRITE with the old rkey fails there too */
		if (!pair_create(c, &p2, 8, 8))
			goto out;
		m = (struct cm){ 0 };
		vt_qpinfo_local(&G.dev, p2.qp, p2.psn, &m.qi);
		if (!xchg(c, 5, &m, &pm) || !pair_connect(c, &p2, &pm.qi, &ca, 1005))
			goto out;
		vt_fill(G.L, D_LEN, key_D(c, 999), 0);
		if (post_wr(c, p2.qp, 900, IBV_WR_RDMA_WRITE, G.L, D_LEN, mr->lkey, raddr + 17, rkey))
			expect_wc(c, &p2.scq, p2.qp, 900, IBV_WC_REM_ACCESS_ERR, -1,
				  "WRITE with the deregistered MR's rkey on a fresh QP", NULL);
		m = (struct cm){ 0 };
		step_send(c, 6, &m);
	}
out:
	pair_destroy(c, &p2);
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/* ---------------- destroying a QP with work outstanding ---------------- */

static void sc_destroy_busy_qp(struct sc *c)
{
	const uint32_t n = 32, len = 2u << 20;
	struct vt_conn_attr ca;
	struct ibv_mr *mr = NULL;
	struct pair p = { 0 };
	struct cm m = { 0 }, pm;
	int r;

	vt_conn_attr_default(&ca);
	if (G.server) {
		mr = reg(c, G.T, BIG, E_RW, "target");
		if (!mr || !pair_create(c, &p, 8, 8))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		m.v[0] = (uintptr_t)G.T;
		m.v[2] = mr->rkey;
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		step_recv(c, 2, &pm);	/* the client destroyed its QP */
	} else {
		uint64_t raddr;
		uint32_t rkey, i;

		mr = reg(c, G.L, BIG, IBV_ACCESS_LOCAL_WRITE, "local");
		if (!mr || !pair_create(c, &p, n + 8, 8))
			goto out;
		vt_qpinfo_local(&G.dev, p.qp, p.psn, &m.qi);
		if (!xchg(c, 1, &m, &pm) || !pair_connect(c, &p, &pm.qi, &ca, 1001))
			goto out;
		raddr = pm.v[0];
		rkey = (uint32_t)pm.v[2];
		for (i = 0; i < n; i++)
			if (!post_wr(c, p.qp, i, IBV_WR_RDMA_WRITE, G.L + (i % 8) * len, len, mr->lkey,
				     raddr + ((i * 3) % 8) * len, rkey))
				goto out;
		r = ibv_destroy_qp(p.qp);
		p.qp = NULL;
		if (r)
			fail(c, "ibv_destroy_qp with %u x %u-byte WRITEs outstanding: %s", n, len,
			     strerror(r));
		if ((r = vt_cq_destroy(&p.scq)))
			fail(c, "ibv_destroy_cq of its send CQ: %s", strerror(r));
		if ((r = vt_cq_destroy(&p.rcq)))
			fail(c, "ibv_destroy_cq of its receive CQ: %s", strerror(r));
		r = ibv_dereg_mr(mr);
		mr = NULL;
		if (r)
			fail(c, "ibv_dereg_mr of the WRITEs' source: %s", strerror(r));
		m = (struct cm){ 0 };
		step_send(c, 2, &m);
	}
out:
	pair_destroy(c, &p);
	dereg(c, &mr);
}

/* ---------------- illegal QP state transitions (local, both sides) ---------------- */

static void sc_modify_illegal(struct sc *c)
{
	struct pair p = { 0 };
	struct ibv_qp_attr at;
	int r;

	if (!pair_create_st(c, &p, 8, 8, true))
		goto out;
	/* RESET -> RTS */
	memset(&at, 0, sizeof(at));
	at.qp_state = IBV_QPS_RTS;
	at.timeout = 14;
	at.retry_cnt = 7;
	at.rnr_retry = 7;
	at.sq_psn = 0;
	at.max_rd_atomic = 1;
	r = ibv_modify_qp(p.qp, &at, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
	if (r != EINVAL)
		fail(c, "modify_qp RESET->RTS returned %d (%s), expected EINVAL", r,
		     r ? strerror(r > 0 ? r : errno) : "success");
	expect_state(c, p.qp, IBV_QPS_RESET, "after the refused RESET->RTS");
	/* RESET -> RTR */
	memset(&at, 0, sizeof(at));
	at.qp_state = IBV_QPS_RTR;
	at.path_mtu = IBV_MTU_1024;
	at.dest_qp_num = p.qp->qp_num;
	at.max_dest_rd_atomic = 1;
	at.min_rnr_timer = 12;
	at.ah_attr.port_num = (uint8_t)G.dev.port;
	at.ah_attr.dlid = G.dev.pattr.lid;
	if (G.dev.pattr.link_layer == IBV_LINK_LAYER_ETHERNET || !G.dev.pattr.lid) {
		at.ah_attr.is_global = 1;
		at.ah_attr.grh.dgid = G.dev.gid;
		at.ah_attr.grh.sgid_index = (uint8_t)G.dev.gid_index;
		at.ah_attr.grh.hop_limit = 64;
	}
	r = ibv_modify_qp(p.qp, &at, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
	if (r != EINVAL)
		fail(c, "modify_qp RESET->RTR returned %d (%s), expected EINVAL", r,
		     r ? strerror(r > 0 ? r : errno) : "success");
	expect_state(c, p.qp, IBV_QPS_RESET, "after the refused RESET->RTR");
	/* INIT -> RTS */
	r = vt_qp_init(&G.dev, p.qp, E_RW);
	if (r) {
		fail(c, "modify_qp RESET->INIT: %s", strerror(r));
		goto out;
	}
	memset(&at, 0, sizeof(at));
	at.qp_state = IBV_QPS_RTS;
	at.timeout = 14;
	at.retry_cnt = 7;
	at.rnr_retry = 7;
	at.max_rd_atomic = 1;
	r = ibv_modify_qp(p.qp, &at, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
	if (r != EINVAL)
		fail(c, "modify_qp INIT->RTS returned %d (%s), expected EINVAL", r,
		     r ? strerror(r > 0 ? r : errno) : "success");
	expect_state(c, p.qp, IBV_QPS_INIT, "after the refused INIT->RTS");
out:
	pair_destroy(c, &p);
}

/* ---------------- driver ---------------- */

static const struct {
	const char *name;
	void (*fn)(struct sc *c);
} scenarios[] = {
	{ "write-bad-rkey", sc_write_bad_rkey },
	{ "read-bad-rkey", sc_read_bad_rkey },
	{ "write-past-mr-end", sc_write_past_end },
	{ "read-past-mr-end", sc_read_past_end },
	{ "read-without-remote-read", sc_read_no_rr },
	{ "write-without-remote-write", sc_write_no_rw },
	{ "write-bad-lkey", sc_write_bad_lkey },
	{ "read-bad-lkey", sc_read_bad_lkey },
	{ "rnr-retry-0-no-receive", sc_rnr_retry_0 },
	{ "rnr-retry-7-late-receive", sc_rnr_late_recv },
	{ "send-longer-than-receive", sc_send_too_long },
	{ "dereg-mr-while-peer-writes", sc_dereg_while_writing },
	{ "destroy-qp-with-work-outstanding", sc_destroy_busy_qp },
	{ "modify-qp-illegal-transition", sc_modify_illegal },
	{ "send-cq-overflow", sc_cq_overflow },
	{ "uc-drops-no-receive-bad-rkey", sc_uc_drops },
	{ "uc-send-longer-than-receive", sc_uc_send_too_long },
	{ "uc-rc-never-talk", sc_uc_rc_mismatch },
};
#define NSCEN ((int)(sizeof(scenarios) / sizeof(scenarios[0])))

static bool in_list(const char *p, const char *name)
{
	size_t n = strlen(name);

	while (*p) {
		size_t l = strcspn(p, ",");

		if (l == n && !strncmp(p, name, n))
			return true;
		p += l;
		if (*p)
			p++;
	}
	return false;
}

static bool selected(const char *name)
{
	return !o.only || in_list(o.only, name);
}

/*
 * End of a stage (1: the scenario, 2: the check that both sides still work):
 * a side that failed in it aborts the peer's wait for its next step, then
 * both exchange their reasons, discarding what the stage left over.
 */
static void barrier(struct sc *c, uint32_t stage)
{
	struct cm m = { 0 };
	uint32_t kind;
	size_t n;

	m.scen = (uint32_t)c->id;
	m.step = stage;
	n = c->mark;
	while (c->why[n] == ';' || c->why[n] == ' ')
		n++;
	snprintf(m.text, sizeof(m.text), "%s", c->why + n);
	if (m.text[0])
		cm_send(K_ABORT, &m);
	cm_send(K_DONE, &m);
	for (;;) {
		kind = cm_recv(&m, o.timeout_s * 8000);
		if (m.scen != (uint32_t)c->id)
			vt_die("control: message of scenario %u at the end of %s", m.scen, c->name);
		if (kind == K_DONE && m.step == stage)
			break;
	}
	n = strlen(c->peer_why);
	if (m.text[0])
		snprintf(c->peer_why + n, sizeof(c->peer_why) - n, "%s%s", n ? "; " : "", m.text);
	c->mark = strlen(c->why);
	c->peer_aborted = false;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", 1, NULL, 'd' }, { "ib-port", 1, NULL, 'i' }, { "gid-index", 1, NULL, 'g' },
		{ "port", 1, NULL, 'p' }, { "seed", 1, NULL, 's' }, { "timeout", 1, NULL, 'T' },
		{ "only", 1, NULL, 'o' }, { "list", 0, NULL, 'l' }, { "verbose", 0, NULL, 'v' },
		{ "known-fail", 1, NULL, 'k' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *me, *peer;
	int opt, i, nfail = 0, nrun = 0, nxfail = 0;
	uint8_t buf[64];
	struct vt_wire w;
	uint32_t len, type;

	setvbuf(stdout, NULL, _IOLBF, 0);
	vt_prog = "pedma_errors";
	while ((opt = getopt_long(argc, argv, "d:i:g:p:s:vh", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': o.dev = optarg; break;
		case 'i': o.ib_port = atoi(optarg); break;
		case 'g': o.gid_index = atoi(optarg); break;
		case 'p': o.tcp_port = atoi(optarg); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'T': o.timeout_s = atoi(optarg); break;
		case 'o': o.only = optarg; break;
		case 'k': o.known_fail = optarg; break;
		case 'v': o.verbose++; break;
		case 'l':
			for (i = 0; i < NSCEN; i++)
				puts(scenarios[i].name);
			return 0;
		default:
			printf("usage: pedma_errors [OPTIONS]             server (responder side)\n"
			       "       pedma_errors [OPTIONS] SERVER_IP   client (requester side)\n"
			       "  -d, --dev NAME      RDMA device (default pedma0)\n"
			       "  -i, --ib-port N     device port (default 1)\n"
			       "  -g, --gid-index N   GID index (default: auto)\n"
			       "  -p, --port N        TCP port (default 18516)\n"
			       "  -s, --seed N        data seed (default 1)\n"
			       "      --timeout SEC   limit of every completion wait (default 15)\n"
			       "      --only A,B      run only these scenarios (same on both sides)\n"
			       "      --list          list the scenarios\n"
			       "      --known-fail A,B  these may fail (XFAIL, exit status 0); if\n"
			       "                      they pass: XPASS, not an error either\n"
			       "  -v, --verbose\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc)
		o.server_ip = argv[optind++];
	if (optind < argc || o.timeout_s < 1)
		return 2;
	G.server = !o.server_ip;
	vt_role = G.server ? "server" : "client";
	me = vt_role;
	peer = G.server ? "client" : "server";

	if (vt_dev_open(&G.dev, o.dev, o.ib_port, o.gid_index))
		vt_die("cannot open device %s", o.dev);
	if (G.dev.pattr.state != IBV_PORT_ACTIVE)
		vt_die("%s port %d is not ACTIVE", o.dev, o.ib_port);
	G.T = vt_alloc(BIG);
	G.L = vt_alloc(BIG);
	if (!G.T || !G.L)
		vt_die("out of memory");
	if (G.server) {
		int lfd = vt_tcp_listen(o.tcp_port);

		if (lfd < 0)
			vt_die("listen on TCP port %d: %s", o.tcp_port, strerror(errno));
		G.fd = vt_tcp_accept(lfd, o.timeout_s * 8000);
		if (G.fd < 0)
			vt_die("accept on TCP port %d: %s", o.tcp_port, strerror(errno));
		close(lfd);
	} else {
		G.fd = vt_tcp_connect(o.server_ip, o.tcp_port, o.timeout_s * 8000);
		if (G.fd < 0)
			vt_die("connect to %s:%d: %s", o.server_ip, o.tcp_port, strerror(errno));
	}
	vt_wire_init(&w, buf, sizeof(buf));
	vt_put32(&w, HELLO_MAGIC);
	vt_put64(&w, o.seed);
	vt_put32(&w, (uint32_t)NSCEN);
	if (vt_send_msg(G.fd, MSG_HELLO, buf, (uint32_t)w.len) ||
	    vt_recv_msg(G.fd, &type, buf, sizeof(buf), &len, o.timeout_s * 4000) ||
	    type != MSG_HELLO)
		vt_die("control connection: %s", strerror(errno));
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	if (vt_get32(&w) != HELLO_MAGIC || vt_get64(&w) != o.seed || vt_get32(&w) != NSCEN)
		vt_die("the peer is not pedma_errors of this version or has another seed");
	vt_msg("device %s (%s), I am the %s (%s side)", o.dev,
	       G.dev.pattr.link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet" : "InfiniBand", me,
	       G.server ? "responder" : "requester");

	for (i = 0; i < NSCEN; i++) {
		struct sc c = { .id = i + 1, .name = scenarios[i].name };
		struct cm m = { 0 }, pm;
		uint64_t t0 = vt_now_ms();

		if (!selected(c.name))
			continue;
		nrun++;
		/* both sides at the same scenario */
		snprintf(m.text, sizeof(m.text), "%s", c.name);
		if (!xchg(&c, 0, &m, &pm) || strcmp(pm.text, c.name))
			vt_die("the peer is at scenario '%s', not '%s' (same --only on both sides?)",
			       pm.text, c.name);
		scenarios[i].fn(&c);
		barrier(&c, 1);
		verify_usable(&c);
		barrier(&c, 2);
		if (!c.why[0] && !c.peer_why[0]) {
			printf("%s %s (%" PRIu64 " ms)\n", o.known_fail && in_list(o.known_fail, c.name) ?
			       "XPASS" : "PASS", c.name, vt_now_ms() - t0);
		} else {
			if (o.known_fail && in_list(o.known_fail, c.name)) {
				nxfail++;
				printf("XFAIL (known) %s:", c.name);
			} else {
				nfail++;
				printf("FAIL %s:", c.name);
			}
			if (c.why[0])
				printf(" %s: %s;", me, c.why);
			if (c.peer_why[0])
				printf(" %s: %s;", peer, c.peer_why);
			putchar('\n');
		}
	}
	close(G.fd);
	vt_dev_close(&G.dev);
	printf("pedma_errors(%s): %d scenarios, %d passed, %d failed, %d known failures\n", me,
	       nrun, nrun - nfail - nxfail, nfail, nxfail);
	return nfail ? 1 : 0;
}
