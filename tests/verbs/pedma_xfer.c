// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_xfer: data-integrity test of an RDMA device over RC QPs (or UC QPs,
 * --uc) between two machines (libibverbs only; the connection data goes
 * over TCP).
 *
 *   pedma_xfer [OPTIONS]             server: listens on the TCP port
 *   pedma_xfer [OPTIONS] SERVER_IP   client
 *
 * Both sides run with the same options.  Phases (--phases): "s2c" the
 * server is the requester, "c2s" the client is, "bidir" both at once over
 * the same QPs.  The requester plans batches of transfers over all QPs:
 * random opcode (RDMA_WRITE, RDMA_WRITE_WITH_IMM, SEND, SEND_WITH_IMM,
 * RDMA_READ; --uc: not RDMA_READ), random size biased to boundaries, 1..16 local SGEs and
 * 1..16 receive SGEs at random unaligned places of two big registered
 * buffers (each registered twice, the keys picked at random), signalled
 * and unsignalled WRs, inline data when the QP has max_inline_data, post
 * lists; the WRs of all QPs are in flight together.
 *
 * Every byte is checked.  Data is a pattern of (seed, transfer id), every
 * buffer holds a background pattern of (seed, side, buffer) elsewhere.
 * Per batch the requester sends the plan over TCP; the responder prepares
 * (fills READ sources, posts receives) and answers; the requester posts and
 * waits for its completions, checks its side (READ data, sources untouched,
 * 64-byte guards around every SGE), tells the responder, which then checks
 * its receive completions and the target ranges with their guards.  The
 * responder's CPU does nothing while one-sided transfers run.  Touched
 * ranges are restored to the background and every few batches the whole
 * of both buffers is compared against the background (stray writes).
 *
 * Exit status 0 only if every check passed; the first mismatch is printed
 * with transfer id, opcode, buffer, offset, expected and found byte.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_common.h"

#define MAXSGE 16
#define GUARD 64
#define MAXDEPTH 16
#define MAXQP 16
#define HELLO_MAGIC 0x52465850u	/* "PXFR" */
#define HELLO_VERSION 2

enum { OP_WRITE, OP_WRITE_IMM, OP_SEND, OP_SEND_IMM, OP_READ, OP_N };
static const char *const op_name[OP_N] = {
	"RDMA_WRITE", "RDMA_WRITE_WITH_IMM", "SEND", "SEND_WITH_IMM", "RDMA_READ",
};

enum { PH_S2C = 1, PH_C2S = 2, PH_BIDIR = 4 };
enum { MSG_DIR = 1, MSG_HELLO, MSG_READY, MSG_PLAN, MSG_PREPARED, MSG_DONE, MSG_RESULT,
       MSG_END, MSG_ENDACK };

#define F_SIGNALED 0x01
#define F_INLINE 0x02

static struct opts {
	const char *dev;
	const char *server_ip;
	int ib_port, gid_index, tcp_port;
	uint64_t seed, iters, max_size;
	int nqp, depth, big, mrs, full_every, timeout_s, verbose, ack_timeout;
	unsigned int phases;
	bool events;
	bool ext;		/* ibv_create_qp_ex/ibv_wr_*, ibv_create_cq_ex/ibv_start_poll */
	bool ext_refusals;	/* pedma: what the extended verbs must refuse */
	bool uc;		/* UC QPs: no RDMA_READ (receives are always posted first) */
	const char *inject;	/* self-check of the checker: corrupt a byte */
} o = {
	.dev = "pedma0", .ib_port = 1, .gid_index = -1, .tcp_port = 18515, .seed = 1,
	.iters = 150, .max_size = 64ull << 20, .nqp = 4, .depth = 6, .big = 1, .mrs = 2,
	.full_every = 8, .timeout_s = 120, .ack_timeout = 18, .phases = PH_S2C | PH_C2S | PH_BIDIR,
};

struct seg {
	uint64_t off, len;
	uint8_t mr;
};

struct xfer {
	uint64_t id, size, roff;
	uint32_t imm;
	uint16_t qp;
	uint8_t op, flags, rmr, nl, nr;
	struct seg l[MAXSGE];	/* requester's SGEs in its lbuf */
	struct seg r[MAXSGE];	/* receive SGEs in the responder's rbuf */
};

struct stats {
	uint64_t cnt[OP_N], bytes[OP_N];
	uint64_t sig, unsig, inl, lsges, rsges, batches, big, postlists;
};

/* This side's resources. */
static struct {
	bool server;
	struct vt_dev dev;
	struct ibv_qp *qp[MAXQP];
	struct ibv_qp_ex *qpx[MAXQP];	/* --ext */
	struct vt_cq scq, rcq;
	uint64_t bsize;			/* size of lbuf and rbuf */
	uint8_t *lbuf, *rbuf;		/* requester's / responder's buffer */
	struct ibv_mr *lmr[2], *rmr[2];
	uint64_t lbg, rbg;		/* background keys */
	uint32_t max_inline, max_send_sge, max_recv_sge, max_rd_sge;
	int fd[2];			/* control connection of each direction */
	/* the peer */
	uint64_t peer_raddr;
	uint32_t peer_rkey[2], peer_max_recv_sge;
	struct vt_qpinfo peer_qp[MAXQP];
	uint32_t peer_rd_atom;
} S;

static const char *buf_name(bool rbuf) { return rbuf ? "rbuf" : "lbuf"; }

/* ---------------- placement of ranges in a buffer ---------------- */

struct alloc {
	uint64_t size;
	int n, cap;
	struct { uint64_t s, e; } *iv;
};

static void alloc_reset(struct alloc *a, uint64_t size)
{
	a->size = size;
	a->n = 0;
	if (!a->iv) {
		a->cap = 4096;
		a->iv = calloc((size_t)a->cap, sizeof(*a->iv));
		if (!a->iv)
			vt_die("out of memory");
	}
}

static bool alloc_try(struct alloc *a, uint64_t s, uint64_t e)
{
	int i;

	if (e > a->size || s > e || a->n == a->cap)
		return false;
	for (i = 0; i < a->n; i++)
		if (s < a->iv[i].e && a->iv[i].s < e)
			return false;
	a->iv[a->n].s = s;
	a->iv[a->n].e = e;
	a->n++;
	return true;
}

/*
 * Reserve [off - GUARD, off + len + GUARD): page aligned, straddling a page
 * boundary, or anywhere at byte granularity; first fit when random tries
 * fail.  The data offset goes to *off.
 */
static bool alloc_region(struct alloc *a, struct vt_rng *r, uint64_t len, uint64_t *off)
{
	uint64_t lo = GUARD, hi, o;
	int t, i;

	if (len + 2 * GUARD > a->size)
		return false;
	hi = a->size - len - GUARD;	/* last possible data offset */
	for (t = 0; t < 24; t++) {
		switch (vt_randn(r, 4)) {
		case 0:	/* page aligned */
			o = vt_range(r, lo, hi) & ~4095ull;
			if (o < lo)
				o += 4096;
			break;
		case 1:	/* straddles a page boundary */
			o = (vt_range(r, lo, hi) & ~4095ull) + 4096;
			o -= len >= 2 ? vt_range(r, 1, len - 1 < 4095 ? len - 1 : 4095) : 1;
			break;
		default:
			o = vt_range(r, lo, hi);
			break;
		}
		if (o >= lo && o <= hi && alloc_try(a, o - GUARD, o + len + GUARD)) {
			*off = o;
			return true;
		}
	}
	/* first fit after each reserved interval */
	for (i = -1; i < a->n; i++) {
		o = i < 0 ? lo : a->iv[i].e + GUARD;
		if (o <= hi && alloc_try(a, o - GUARD, o + len + GUARD)) {
			*off = o;
			return true;
		}
	}
	return false;
}

/* Split total into k >= 1 parts of at least 1 byte each (total >= k). */
static void split(struct vt_rng *r, uint64_t total, int k, struct seg *s)
{
	uint64_t w[MAXSGE], sum = 0, left = total - (uint64_t)k, given = 0;
	int i;

	for (i = 0; i < k; i++) {
		w[i] = 1ull << vt_randn(r, 12);
		sum += w[i];
	}
	for (i = 0; i < k; i++) {
		uint64_t part = (uint64_t)((unsigned __int128)left * w[i] / sum);

		s[i].len = 1 + part;
		given += part;
	}
	s[vt_randn(r, (uint64_t)k)].len += left - given;
}

/*
 * Lay out k SGEs (lengths set) inside one reserved region: random order in
 * memory, gaps of 2 * GUARD + 0..255 bytes, each with its guards.
 */
static bool place_sges(struct alloc *a, struct vt_rng *r, struct seg *s, int k, int nmr)
{
	uint64_t gap[MAXSGE], span = 0, base, pos;
	int order[MAXSGE], i, j, t;

	if (!k)
		return true;
	for (i = 0; i < k; i++) {
		order[i] = i;
		gap[i] = i ? 2 * GUARD + vt_randn(r, 256) : 0;
		span += s[i].len + gap[i];
	}
	for (i = k - 1; i > 0; i--) {
		j = (int)vt_randn(r, (uint64_t)i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	if (!alloc_region(a, r, span, &base))
		return false;
	pos = base;
	for (i = 0; i < k; i++) {
		struct seg *g = &s[order[i]];

		pos += gap[i];
		g->off = pos;
		g->mr = (uint8_t)vt_randn(r, (uint64_t)nmr);
		pos += g->len;
	}
	return true;
}

/* ---------------- the plan ---------------- */

static const uint64_t boundary_sizes[] = {
	0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513,
	1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, 8191, 8192, 8193,
	12288, 16383, 16384, 16385, 65535, 65536, 65537, 1048575, 1048576, 1048577,
};

static uint64_t log_uniform(struct vt_rng *r, uint64_t lo, uint64_t hi)
{
	int blo = 63 - __builtin_clzll(lo | 1), bhi = 63 - __builtin_clzll(hi | 1), b;
	uint64_t a, z;

	b = blo + (int)vt_randn(r, (uint64_t)(bhi - blo + 1));
	a = 1ull << b;
	z = b == 63 ? UINT64_MAX : (2ull << b) - 1;
	if (a < lo)
		a = lo;
	if (z > hi)
		z = hi;
	return a > z ? hi : vt_range(r, a, z);
}

static uint64_t pick_size(struct vt_rng *r, uint64_t max)
{
	unsigned int c = (unsigned int)vt_randn(r, 100);
	uint64_t s;

	if (c < 35) {
		do
			s = boundary_sizes[vt_randn(r, sizeof(boundary_sizes) / sizeof(boundary_sizes[0]))];
		while (s > max);
		return s;
	}
	if (c < 70)
		return vt_range(r, 0, max < 8192 ? max : 8192);
	if (c < 96)
		return log_uniform(r, 8192 < max ? 8192 : max, max < (1u << 20) ? max : 1u << 20);
	return log_uniform(r, max < (1u << 20) ? max : 1u << 20, max);
}

static uint64_t data_key(uint64_t id) { return vt_key(o.seed, id, 0xda7a); }

/* ---------------- wire encoding of a batch ---------------- */

static void put_xfer(struct vt_wire *w, const struct xfer *x)
{
	int i;

	vt_put64(w, x->id);
	vt_put64(w, x->size);
	vt_put32(w, x->imm);
	vt_put16(w, x->qp);
	vt_put8(w, x->op);
	vt_put8(w, x->flags);
	vt_put64(w, x->roff);
	vt_put8(w, x->rmr);
	vt_put8(w, x->nr);
	for (i = 0; i < x->nr; i++) {
		vt_put64(w, x->r[i].off);
		vt_put64(w, x->r[i].len);
		vt_put8(w, x->r[i].mr);
	}
}

static void get_xfer(struct vt_wire *w, struct xfer *x)
{
	int i;

	memset(x, 0, sizeof(*x));
	x->id = vt_get64(w);
	x->size = vt_get64(w);
	x->imm = vt_get32(w);
	x->qp = vt_get16(w);
	x->op = vt_get8(w);
	x->flags = vt_get8(w);
	x->roff = vt_get64(w);
	x->rmr = vt_get8(w);
	x->nr = vt_get8(w);
	if (x->nr > MAXSGE || x->op >= OP_N || x->qp >= o.nqp) {
		w->err = true;
		return;
	}
	for (i = 0; i < x->nr; i++) {
		x->r[i].off = vt_get64(w);
		x->r[i].len = vt_get64(w);
		x->r[i].mr = vt_get8(w);
		if (x->r[i].mr >= o.mrs || x->r[i].off + x->r[i].len > S.bsize)
			w->err = true;
	}
	if (x->rmr >= o.mrs || x->roff + x->size > S.bsize)
		w->err = true;
}

/* ---------------- checks ---------------- */

/* Compare buf[off, off+len) with the background; describe the first error. */
static bool check_bg(const uint8_t *buf, uint64_t bg, uint64_t off, uint64_t len,
		     uint64_t *bad)
{
	uint64_t b;

	if (vt_check(buf + off, len, bg, off, &b))
		return true;
	*bad = off + b;
	return false;
}

#define ERRLEN 512

static bool xfail(char *err, const struct xfer *x, const char *fmt, ...) VT_PRINTF(3, 4);
static bool xfail(char *err, const struct xfer *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, ERRLEN, "transfer id %#" PRIx64 " %s qp %u size %" PRIu64 ": ",
		     x->id, op_name[x->op], x->qp, x->size);
	va_start(ap, fmt);
	vsnprintf(err + n, ERRLEN - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* Guards of GUARD bytes on each side of a range must hold the background. */
static bool check_guards(char *err, const struct xfer *x, bool rbuf, uint64_t off,
			 uint64_t len, const char *what)
{
	const uint8_t *buf = rbuf ? S.rbuf : S.lbuf;
	uint64_t bg = rbuf ? S.rbg : S.lbg, bad;

	if (!check_bg(buf, bg, off - GUARD, GUARD, &bad) ||
	    !check_bg(buf, bg, off + len, GUARD, &bad))
		return xfail(err, x, "%s [%s offset %#" PRIx64 " length %#" PRIx64 "]: guard byte at %s"
			     " offset %#" PRIx64 " (%s the range by %" PRIu64 ") changed: expected %#04x"
			     " got %#04x", what, buf_name(rbuf), off, len, buf_name(rbuf), bad,
			     bad < off ? "before" : "after", bad < off ? off - bad : bad - (off + len) + 1,
			     vt_pat_byte(bg, bad), buf[bad]);
	return true;
}

/* Data of a transfer scattered over segs: the first n bytes of the stream. */
static bool check_data(char *err, const struct xfer *x, bool rbuf, const struct seg *s,
		       int k, uint64_t n, const char *what)
{
	const uint8_t *buf = rbuf ? S.rbuf : S.lbuf;
	uint64_t key = data_key(x->id), idx = 0, bad, len;
	int i;

	for (i = 0; i < k && idx < n; i++) {
		len = s[i].len < n - idx ? s[i].len : n - idx;
		if (!vt_check(buf + s[i].off, len, key, idx, &bad)) {
			uint64_t off = s[i].off + bad;
			uint64_t bg = rbuf ? S.rbg : S.lbg;

			return xfail(err, x, "%s: first bad byte at message offset %#" PRIx64
				     " (SGE %d, %s offset %#" PRIx64 "): expected %#04x got %#04x%s",
				     what, idx + bad, i, buf_name(rbuf), off,
				     vt_pat_byte(key, idx + bad), buf[off],
				     buf[off] == vt_pat_byte(bg, off) ? " (background: never written)" : "");
		}
		idx += len;
	}
	return true;
}

/* Bytes of segs past the first n bytes of the stream hold the background. */
static bool check_tail_bg(char *err, const struct xfer *x, const struct seg *s, int k,
			  uint64_t n, const char *what)
{
	uint64_t idx = 0, skip, bad;
	int i;

	for (i = 0; i < k; i++) {
		skip = n > idx ? (n - idx < s[i].len ? n - idx : s[i].len) : 0;
		if (!check_bg(S.rbuf, S.rbg, s[i].off + skip, s[i].len - skip, &bad))
			return xfail(err, x, "%s: rbuf offset %#" PRIx64 " (SGE %d +%#" PRIx64
				     ") beyond the %" PRIu64 " message bytes changed: expected %#04x got %#04x",
				     what, bad, i, bad - s[i].off, n, vt_pat_byte(S.rbg, bad), S.rbuf[bad]);
		idx += s[i].len;
	}
	return true;
}

static void restore(bool rbuf, uint64_t off, uint64_t len)
{
	uint8_t *buf = rbuf ? S.rbuf : S.lbuf;
	uint64_t bg = rbuf ? S.rbg : S.lbg;

	vt_fill(buf + off - GUARD, len + 2 * GUARD, bg, off - GUARD);
}

/* The whole buffer against its background: stray writes anywhere. */
static bool full_check(char *err, bool rbuf, const char *when)
{
	const uint8_t *buf = rbuf ? S.rbuf : S.lbuf;
	uint64_t bg = rbuf ? S.rbg : S.lbg, bad;

	if (check_bg(buf, bg, 0, S.bsize, &bad))
		return true;
	snprintf(err, ERRLEN, "%s: stray write in %s (outside every transfer's range): offset %#"
		 PRIx64 " expected %#04x got %#04x", when, buf_name(rbuf), bad,
		 vt_pat_byte(bg, bad), buf[bad]);
	return false;
}

/*
 * --inject WHAT: corrupt one byte once, where the device could have, to see
 * that the checks catch it: "data" (a WRITE's target), "guard" (the byte
 * after a WRITE's target), "recv" (a SEND's received data), "read" (a
 * READ's local data), "stray" (rbuf outside every range; the full check).
 */
static bool injected;

static void inject(const char *what, uint8_t *p)
{
	if (injected || !o.inject || strcmp(o.inject, what))
		return;
	injected = true;
	*p ^= 0x40;
	vt_msg("inject: flipped a bit of the byte at %p (%s)", (void *)p, what);
}

static void inject_batch(const struct xfer *b, int nb, bool responder)
{
	int i;

	for (i = 0; i < nb; i++) {
		const struct xfer *x = &b[i];

		if (responder && (x->op == OP_WRITE || x->op == OP_WRITE_IMM) && x->size > 2) {
			inject("data", S.rbuf + x->roff + x->size / 2);
			inject("guard", S.rbuf + x->roff + x->size);
		}
		if (responder && x->op == OP_SEND && x->size > 0 && x->nr)
			inject("recv", S.rbuf + x->r[x->nr - 1].off);
		if (!responder && x->op == OP_READ && x->nl)
			inject("read", S.lbuf + x->l[0].off + x->l[0].len - 1);
	}
	if (responder)
		inject("stray", S.rbuf + S.bsize - 1);
}

/* ---------------- requester ---------------- */

struct req {
	int fd, dir, phase;
	uint64_t n, done, big_next;
	int big_left;
	struct vt_rng rng;
	struct alloc la, ra;
	struct stats st;
	struct xfer *b;
	int nb;
	bool have_pending;
	struct xfer pending;
	struct ibv_send_wr wr[MAXQP * MAXDEPTH];
	struct ibv_sge sge[MAXQP * MAXDEPTH][MAXSGE];
	uint8_t msg[VT_MSG_MAX];
};

/* The kind of a transfer: opcode, size, counts, flags; no placement yet. */
static void gen_xfer(struct req *q, struct xfer *x)
{
	struct vt_rng *r = &q->rng;
	uint64_t size;
	uint32_t maxl, maxr;
	int k;

	memset(x, 0, sizeof(*x));
	x->id = ((uint64_t)q->phase << 48) | ((uint64_t)q->dir << 44) | (q->done + (uint64_t)q->nb);
	x->op = (uint8_t)vt_randn(r, o.uc ? OP_READ : OP_N);	/* OP_READ is last */
	if (q->big_left && q->done + (uint64_t)q->nb >= q->big_next) {
		size = vt_randn(r, 4098);	/* max, or up to 4097 below */
		size = vt_randn(r, 2) || size > o.max_size ? o.max_size : o.max_size - size;
		q->big_left--;
		q->big_next += q->n / (uint64_t)(o.big + 1);
	} else {
		size = pick_size(r, o.max_size);
	}
	x->size = size;
	x->imm = (uint32_t)vt_mix(data_key(x->id));
	x->rmr = (uint8_t)vt_randn(r, (uint64_t)o.mrs);
	maxl = x->op == OP_READ ? S.max_rd_sge : S.max_send_sge;
	maxr = S.peer_max_recv_sge < MAXSGE ? S.peer_max_recv_sge : MAXSGE;
	if (maxl > MAXSGE)
		maxl = MAXSGE;
	/* local SGEs: none for an empty message, else 1..maxl (at most size) */
	if (size) {
		k = (int)vt_range(r, 1, maxl);
		if (vt_randn(r, 3) == 0)
			k = 1;
		if ((uint64_t)k > size)
			k = (int)size;
		x->nl = (uint8_t)k;
		split(r, size, k, x->l);
	}
	if (x->op == OP_SEND || x->op == OP_SEND_IMM) {
		uint64_t cap = size + (vt_randn(r, 2) ? 0 : vt_range(r, 1, 256));

		if (cap) {
			k = (int)vt_range(r, 1, maxr);
			if ((uint64_t)k > cap)
				k = (int)cap;
			x->nr = (uint8_t)k;
			split(r, cap, k, x->r);
		}
	} else if (x->op == OP_WRITE_IMM && vt_randn(r, 2)) {
		/* a receive buffer that RDMA_WRITE_WITH_IMM must leave alone */
		x->nr = 1;
		x->r[0].len = vt_range(r, 1, 256);
	}
	if (x->op != OP_READ && size <= S.max_inline && vt_randn(r, 2))
		x->flags |= F_INLINE;
	if (vt_randn(r, 2))
		x->flags |= F_SIGNALED;
}

static bool place_xfer(struct req *q, struct xfer *x)
{
	struct vt_rng *r = &q->rng;
	int la = q->la.n, ra = q->ra.n;

	/* the target range before the receive buffer of a WRITE_WITH_IMM */
	if (!place_sges(&q->la, r, x->l, x->nl, o.mrs))
		goto undo;
	if (x->op == OP_WRITE || x->op == OP_WRITE_IMM || x->op == OP_READ) {
		if (!alloc_region(&q->ra, r, x->size, &x->roff))
			goto undo;
	}
	if (x->op == OP_SEND || x->op == OP_SEND_IMM || x->op == OP_WRITE_IMM) {
		if (!place_sges(&q->ra, r, x->r, x->nr, o.mrs))
			goto undo;
	}
	return true;
undo:
	q->la.n = la;
	q->ra.n = ra;
	return false;
}

static void plan_batch(struct req *q)
{
	int per_qp[MAXQP] = { 0 }, want, qi, i, last[MAXQP];
	uint64_t left = q->n - q->done;

	alloc_reset(&q->la, S.bsize);
	alloc_reset(&q->ra, S.bsize);
	q->nb = 0;
	want = 0;
	for (qi = 0; qi < o.nqp; qi++) {
		per_qp[qi] = (int)vt_range(&q->rng, 1, (uint64_t)o.depth);
		want += per_qp[qi];
	}
	if ((uint64_t)want > left)
		want = (int)left;
	while (q->nb < want) {
		struct xfer *x = &q->b[q->nb];

		if (q->have_pending) {
			*x = q->pending;
			q->have_pending = false;
		} else {
			gen_xfer(q, x);
		}
		do
			qi = (int)vt_randn(&q->rng, (uint64_t)o.nqp);
		while (!per_qp[qi]);
		x->qp = (uint16_t)qi;
		if (!place_xfer(q, x)) {
			if (!q->nb)
				vt_die("%s of %" PRIu64 " bytes (%u + %u SGEs) does not fit the %" PRIu64
				       "-byte buffers", op_name[x->op], x->size, x->nl, x->nr, S.bsize);
			q->pending = *x;	/* first of the next batch */
			q->have_pending = true;
			break;
		}
		per_qp[qi]--;
		q->nb++;
	}
	/* the last WR of each QP is signalled: its completion ends the batch */
	for (qi = 0; qi < o.nqp; qi++)
		last[qi] = -1;
	for (i = 0; i < q->nb; i++)
		last[q->b[i].qp] = i;
	for (qi = 0; qi < o.nqp; qi++)
		if (last[qi] >= 0)
			q->b[last[qi]].flags |= F_SIGNALED;
}

static void send_or_die(int fd, uint32_t type, const void *p, uint32_t len)
{
	if (vt_send_msg(fd, type, p, len))
		vt_die("control connection: send: %s", strerror(errno));
}

static uint32_t recv_or_die(int fd, uint32_t want, void *buf, uint32_t cap)
{
	uint32_t type, len;

	if (vt_recv_msg(fd, &type, buf, cap, &len, o.timeout_s * 1000)) {
		if (errno == ECONNRESET)
			vt_die("control connection: the peer closed it (see the peer's output)");
		vt_die("control connection: waiting for message %u: %s", want, strerror(errno));
	}
	if (want && type != want)
		vt_die("control connection: got message %u, expected %u", type, want);
	return len;
}

static enum ibv_wr_opcode wr_opcode(int op)
{
	switch (op) {
	case OP_WRITE: return IBV_WR_RDMA_WRITE;
	case OP_WRITE_IMM: return IBV_WR_RDMA_WRITE_WITH_IMM;
	case OP_SEND: return IBV_WR_SEND;
	case OP_SEND_IMM: return IBV_WR_SEND_WITH_IMM;
	default: return IBV_WR_RDMA_READ;
	}
}

static enum ibv_wc_opcode send_wc_opcode(int op)
{
	switch (op) {
	case OP_WRITE: case OP_WRITE_IMM: return IBV_WC_RDMA_WRITE;
	case OP_SEND: case OP_SEND_IMM: return IBV_WC_SEND;
	default: return IBV_WC_RDMA_READ;
	}
}

static void build_wr(struct req *q, int i)
{
	struct xfer *x = &q->b[i];
	struct ibv_send_wr *wr = &q->wr[i];
	int s;

	memset(wr, 0, sizeof(*wr));
	wr->wr_id = x->id;
	wr->opcode = wr_opcode(x->op);
	wr->sg_list = q->sge[i];
	wr->num_sge = x->nl;
	for (s = 0; s < x->nl; s++) {
		q->sge[i][s].addr = (uintptr_t)(S.lbuf + x->l[s].off);
		q->sge[i][s].length = (uint32_t)x->l[s].len;
		q->sge[i][s].lkey = S.lmr[x->l[s].mr]->lkey;
	}
	if (x->flags & F_SIGNALED)
		wr->send_flags |= IBV_SEND_SIGNALED;
	if (x->flags & F_INLINE)
		wr->send_flags |= IBV_SEND_INLINE;
	if (x->op == OP_WRITE_IMM || x->op == OP_SEND_IMM)
		wr->imm_data = htobe32(x->imm);
	if (x->op == OP_WRITE || x->op == OP_WRITE_IMM || x->op == OP_READ) {
		wr->wr.rdma.remote_addr = S.peer_raddr + x->roff;
		wr->wr.rdma.rkey = S.peer_rkey[x->rmr];
	}
}

/*
 * --ext: the same post list through the ibv_wr_* builders, one batch per
 * list; single SGEs and single inline buffers through ibv_wr_set_sge and
 * ibv_wr_set_inline_data, longer lists through the _list setters.
 */
static int post_send_ex(struct ibv_qp_ex *qx, const struct ibv_send_wr *wr)
{
	ibv_wr_start(qx);
	for (; wr; wr = wr->next) {
		const struct ibv_sge *sg = wr->sg_list;

		qx->wr_id = wr->wr_id;
		qx->wr_flags = wr->send_flags & ~(unsigned int)IBV_SEND_INLINE;
		switch (wr->opcode) {
		case IBV_WR_RDMA_WRITE:
			ibv_wr_rdma_write(qx, wr->wr.rdma.rkey, wr->wr.rdma.remote_addr);
			break;
		case IBV_WR_RDMA_WRITE_WITH_IMM:
			ibv_wr_rdma_write_imm(qx, wr->wr.rdma.rkey, wr->wr.rdma.remote_addr,
					      wr->imm_data);
			break;
		case IBV_WR_SEND:
			ibv_wr_send(qx);
			break;
		case IBV_WR_SEND_WITH_IMM:
			ibv_wr_send_imm(qx, wr->imm_data);
			break;
		case IBV_WR_RDMA_READ:
			ibv_wr_rdma_read(qx, wr->wr.rdma.rkey, wr->wr.rdma.remote_addr);
			break;
		default:
			ibv_wr_abort(qx);
			return EINVAL;
		}
		if (wr->send_flags & IBV_SEND_INLINE) {
			struct ibv_data_buf b[MAXSGE];
			int i;

			for (i = 0; i < wr->num_sge; i++) {
				b[i].addr = (void *)(uintptr_t)sg[i].addr;
				b[i].length = sg[i].length;
			}
			if (wr->num_sge == 1)
				ibv_wr_set_inline_data(qx, b[0].addr, b[0].length);
			else
				ibv_wr_set_inline_data_list(qx, (size_t)wr->num_sge, b);
		} else if (wr->num_sge == 1) {
			ibv_wr_set_sge(qx, sg[0].lkey, sg[0].addr, sg[0].length);
		} else {
			ibv_wr_set_sge_list(qx, (size_t)wr->num_sge, sg);
		}
	}
	return ibv_wr_complete(qx);
}

/* Post the batch: per QP in plan order, post lists of 1..3, QPs in turn. */
static void post_batch(struct req *q)
{
	int list[MAXQP][MAXQP * MAXDEPTH], cnt[MAXQP] = { 0 }, pos[MAXQP] = { 0 };
	int i, qi, k, c;
	bool more;

	for (i = 0; i < q->nb; i++) {
		build_wr(q, i);
		qi = q->b[i].qp;
		list[qi][cnt[qi]++] = i;
	}
	do {
		more = false;
		for (qi = 0; qi < o.nqp; qi++) {
			struct ibv_send_wr *bad = NULL;
			int r;

			if (pos[qi] == cnt[qi])
				continue;
			c = (int)vt_range(&q->rng, 1, 3);
			if (c > cnt[qi] - pos[qi])
				c = cnt[qi] - pos[qi];
			for (k = 0; k < c; k++)
				q->wr[list[qi][pos[qi] + k]].next =
					k + 1 < c ? &q->wr[list[qi][pos[qi] + k + 1]] : NULL;
			if (c > 1)
				q->st.postlists++;
			if (o.ext) {
				r = post_send_ex(S.qpx[qi], &q->wr[list[qi][pos[qi]]]);
				if (r)
					vt_die("ibv_wr_complete qp %d: %s (batch from transfer id %#"
					       PRIx64 ")", qi, strerror(r),
					       q->wr[list[qi][pos[qi]]].wr_id);
			} else {
				r = ibv_post_send(S.qp[qi], &q->wr[list[qi][pos[qi]]], &bad);
				if (r)
					vt_die("ibv_post_send qp %d: %s (failed at transfer id %#"
					       PRIx64 ")", qi, strerror(r), bad ? bad->wr_id : 0);
			}
			/* inline data was copied at post time: scribble over the source */
			for (k = 0; k < c; k++) {
				struct xfer *x = &q->b[list[qi][pos[qi] + k]];
				int s;

				if (x->flags & F_INLINE)
					for (s = 0; s < x->nl; s++)
						vt_fill(S.lbuf + x->l[s].off, x->l[s].len,
							~data_key(x->id), 0);
			}
			pos[qi] += c;
			if (pos[qi] < cnt[qi])
				more = true;
		}
	} while (more);
}

static int qp_index(uint32_t qpn)
{
	int i;

	for (i = 0; i < o.nqp; i++)
		if (S.qp[i]->qp_num == qpn)
			return i;
	return -1;
}

static void wait_send_completions(struct req *q)
{
	int sig[MAXQP][MAXQP * MAXDEPTH], nsig[MAXQP] = { 0 }, got[MAXQP] = { 0 };
	int i, qi, left = 0, n;
	struct ibv_wc wc[16];

	for (i = 0; i < q->nb; i++)
		if (q->b[i].flags & F_SIGNALED) {
			qi = q->b[i].qp;
			sig[qi][nsig[qi]++] = i;
			left++;
		}
	while (left) {
		n = vt_cq_wait(&S.scq, wc, 16, o.timeout_s * 1000);
		if (n < 0)
			vt_die("ibv_poll_cq (send CQ) failed");
		if (!n) {
			for (qi = 0; qi < o.nqp; qi++)
				if (got[qi] < nsig[qi]) {
					struct xfer *x = &q->b[sig[qi][got[qi]]];

					vt_die("no completion within %d s for transfer id %#" PRIx64
					       " %s qp %d size %" PRIu64 " (%d signalled WRs of the batch"
					       " still without completion)", o.timeout_s, x->id,
					       op_name[x->op], qi, x->size, left);
				}
		}
		for (i = 0; i < n; i++) {
			struct ibv_wc *w = &wc[i];
			struct xfer *x;

			qi = qp_index(w->qp_num);
			if (qi < 0)
				vt_die("send completion for unknown qp_num %#x (wr_id %#" PRIx64 ")",
				       w->qp_num, w->wr_id);
			if (got[qi] == nsig[qi])
				vt_die("unexpected send completion on qp %d: wr_id %#" PRIx64
				       " status %s opcode %s", qi, w->wr_id, ibv_wc_status_str(w->status),
				       vt_wc_opcode_str(w->opcode));
			x = &q->b[sig[qi][got[qi]]];
			if (w->status != IBV_WC_SUCCESS)
				vt_die("transfer id %#" PRIx64 " %s qp %d size %" PRIu64 " (%d local SGEs, %s"
				       "%s): completion status %s (%d), vendor_err %#x, wr_id %#" PRIx64,
				       x->id, op_name[x->op], qi, x->size, x->nl,
				       x->flags & F_INLINE ? "inline" : "not inline",
				       w->wr_id == x->id ? "" : ", wr_id is not this transfer's",
				       ibv_wc_status_str(w->status), w->status, w->vendor_err, w->wr_id);
			if (w->wr_id != x->id)
				vt_die("qp %d: completion wr_id %#" PRIx64 " (opcode %s), expected the next"
				       " signalled WR id %#" PRIx64 " %s: order broken or an unsignalled WR"
				       " completed", qi, w->wr_id, vt_wc_opcode_str(w->opcode), x->id,
				       op_name[x->op]);
			if (w->opcode != send_wc_opcode(x->op))
				vt_die("transfer id %#" PRIx64 " %s: completion opcode %s (%d), expected %s",
				       x->id, op_name[x->op], vt_wc_opcode_str(w->opcode), w->opcode,
				       vt_wc_opcode_str(send_wc_opcode(x->op)));
			got[qi]++;
			left--;
		}
	}
}

/* After completion: READ data arrived, sources untouched, guards intact. */
static void check_local(struct req *q)
{
	char err[ERRLEN];
	int i, s;

	for (i = 0; i < q->nb; i++) {
		struct xfer *x = &q->b[i];
		bool ok = true;

		if (x->op == OP_READ)
			ok = check_data(err, x, false, x->l, x->nl, x->size, "READ data in the local SGEs");
		else if (!(x->flags & F_INLINE))
			ok = check_data(err, x, false, x->l, x->nl, x->size,
					"source SGEs changed by the device");
		for (s = 0; ok && s < x->nl; s++)
			ok = check_guards(err, x, false, x->l[s].off, x->l[s].len, "local SGE");
		if (!ok)
			vt_die("%s", err);
	}
}

static void restore_local(struct req *q)
{
	int i, s;

	for (i = 0; i < q->nb; i++)
		for (s = 0; s < q->b[i].nl; s++)
			restore(false, q->b[i].l[s].off, q->b[i].l[s].len);
}

static void print_stats(const char *who, const struct stats *st, uint64_t ms)
{
	uint64_t tot = 0, bytes = 0;
	int i;

	for (i = 0; i < OP_N; i++) {
		tot += st->cnt[i];
		bytes += st->bytes[i];
	}
	vt_msg("%s: %" PRIu64 " transfers, %" PRIu64 " bytes in %" PRIu64 " batches, %" PRIu64
	       " ms", who, tot, bytes, st->batches, ms);
	for (i = 0; i < OP_N; i++)
		vt_msg("  %-20s %6" PRIu64 " transfers %12" PRIu64 " bytes", op_name[i], st->cnt[i],
		       st->bytes[i]);
	vt_msg("  signalled %" PRIu64 ", unsignalled %" PRIu64 ", inline %" PRIu64 ", local SGEs %"
	       PRIu64 ", receive SGEs %" PRIu64 ", post lists %" PRIu64 ", near-max %" PRIu64,
	       st->sig, st->unsig, st->inl, st->lsges, st->rsges, st->postlists, st->big);
}

static struct stats total_req;
static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;

static void run_requester(int dir, int phase)
{
	struct req *q = calloc(1, sizeof(*q));
	char err[ERRLEN];
	struct vt_wire w;
	uint64_t t0 = vt_now_ms();
	uint32_t len;
	int i;

	if (!q)
		vt_die("out of memory");
	q->b = calloc(MAXQP * MAXDEPTH, sizeof(*q->b));
	if (!q->b)
		vt_die("out of memory");
	q->fd = S.fd[dir];
	q->dir = dir;
	q->phase = phase;
	q->n = o.iters;
	q->rng.s = vt_key(o.seed, 0x504c414e, (uint64_t)(phase * 2 + dir));
	q->big_left = o.big;
	q->big_next = q->n / (uint64_t)(o.big + 1);

	while (q->done < q->n) {
		uint64_t batch = q->st.batches;

		plan_batch(q);
		/* the plan to the responder */
		vt_wire_init(&w, q->msg, sizeof(q->msg));
		vt_put64(&w, batch);
		vt_put32(&w, (uint32_t)q->nb);
		for (i = 0; i < q->nb; i++)
			put_xfer(&w, &q->b[i]);
		if (w.err)
			vt_die("plan message too long");
		if (o.verbose)
			vt_msg("batch %" PRIu64 ": %d transfers", batch, q->nb);
		send_or_die(q->fd, MSG_PLAN, q->msg, (uint32_t)w.len);
		/* sources */
		for (i = 0; i < q->nb; i++) {
			struct xfer *x = &q->b[i];
			uint64_t idx = 0;
			int s;

			if (x->op == OP_READ)
				continue;
			for (s = 0; s < x->nl; s++) {
				vt_fill(S.lbuf + x->l[s].off, x->l[s].len, data_key(x->id), idx);
				idx += x->l[s].len;
			}
		}
		recv_or_die(q->fd, MSG_PREPARED, q->msg, sizeof(q->msg));
		post_batch(q);
		wait_send_completions(q);
		inject_batch(q->b, q->nb, false);
		check_local(q);
		send_or_die(q->fd, MSG_DONE, NULL, 0);
		len = recv_or_die(q->fd, MSG_RESULT, q->msg, sizeof(q->msg) - 1);
		vt_wire_init(&w, q->msg, sizeof(q->msg));
		w.len = len;
		if (!vt_get32(&w)) {
			q->msg[len] = 0;
			vt_die("the responder found an error in batch %" PRIu64 ": %s", batch,
			       (char *)q->msg + 4);
		}
		restore_local(q);
		for (i = 0; i < q->nb; i++) {
			struct xfer *x = &q->b[i];

			q->st.cnt[x->op]++;
			q->st.bytes[x->op] += x->size;
			if (x->flags & F_SIGNALED)
				q->st.sig++;
			else
				q->st.unsig++;
			if (x->flags & F_INLINE)
				q->st.inl++;
			if (x->size + 4097 >= o.max_size && x->size > (1u << 20))
				q->st.big++;
			q->st.lsges += x->nl;
			q->st.rsges += x->op == OP_SEND || x->op == OP_SEND_IMM ? x->nr : 0;
		}
		q->done += (uint64_t)q->nb;
		q->st.batches++;
		if (o.full_every && q->st.batches % (uint64_t)o.full_every == 0 &&
		    !full_check(err, false, "requester"))
			vt_die("after batch %" PRIu64 ": %s", batch, err);
	}
	if (!full_check(err, false, "requester, end of phase"))
		vt_die("%s", err);
	send_or_die(q->fd, MSG_END, NULL, 0);
	len = recv_or_die(q->fd, MSG_ENDACK, q->msg, sizeof(q->msg) - 1);
	vt_wire_init(&w, q->msg, sizeof(q->msg));
	w.len = len;
	if (!vt_get32(&w)) {
		q->msg[len] = 0;
		vt_die("the responder found an error at the end: %s", (char *)q->msg + 4);
	}
	print_stats(phase == PH_BIDIR ? "requester (bidir)" : "requester", &q->st,
		    vt_now_ms() - t0);
	pthread_mutex_lock(&total_lock);
	for (i = 0; i < OP_N; i++) {
		total_req.cnt[i] += q->st.cnt[i];
		total_req.bytes[i] += q->st.bytes[i];
	}
	total_req.sig += q->st.sig;
	total_req.unsig += q->st.unsig;
	total_req.inl += q->st.inl;
	total_req.lsges += q->st.lsges;
	total_req.rsges += q->st.rsges;
	total_req.batches += q->st.batches;
	total_req.big += q->st.big;
	total_req.postlists += q->st.postlists;
	pthread_mutex_unlock(&total_lock);
	free(q->la.iv);
	free(q->ra.iv);
	free(q->b);
	free(q);
}

/* ---------------- responder ---------------- */

struct resp {
	int fd;
	struct xfer *b;
	int nb;
	uint64_t batch, batches, checked_bytes, recvs;
	uint8_t msg[VT_MSG_MAX];
	char err[ERRLEN];
};

static bool needs_recv(int op) { return op == OP_SEND || op == OP_SEND_IMM || op == OP_WRITE_IMM; }

static void resp_fail(struct resp *p, uint32_t type)
{
	struct vt_wire w;

	fprintf(stderr, "%s(%s): FAIL: responder, batch %" PRIu64 ": %s\n", vt_prog, vt_role,
		p->batch, p->err);
	vt_wire_init(&w, p->msg, sizeof(p->msg));
	vt_put32(&w, 0);
	vt_putbytes(&w, p->err, strlen(p->err));
	vt_send_msg(p->fd, type, p->msg, (uint32_t)w.len);
	exit(1);
}

static void resp_prepare(struct resp *p)
{
	struct ibv_sge sge[MAXSGE];
	int i, s;

	for (i = 0; i < p->nb; i++) {
		struct xfer *x = &p->b[i];

		if (x->op == OP_READ)
			vt_fill(S.rbuf + x->roff, x->size, data_key(x->id), 0);
		if (needs_recv(x->op)) {
			struct ibv_recv_wr wr = { .wr_id = x->id, .sg_list = sge, .num_sge = x->nr };
			struct ibv_recv_wr *bad;
			int r;

			for (s = 0; s < x->nr; s++) {
				sge[s].addr = (uintptr_t)(S.rbuf + x->r[s].off);
				sge[s].length = (uint32_t)x->r[s].len;
				sge[s].lkey = S.rmr[x->r[s].mr]->lkey;
			}
			r = ibv_post_recv(S.qp[x->qp], &wr, &bad);
			if (r)
				vt_die("ibv_post_recv qp %u for transfer id %#" PRIx64 ": %s", x->qp,
				       x->id, strerror(r));
			p->recvs++;
		}
	}
}

static bool check_recv_wc(struct resp *p, const struct ibv_wc *w, const struct xfer *x)
{
	bool imm = x->op != OP_SEND;
	enum ibv_wc_opcode want = x->op == OP_WRITE_IMM ? IBV_WC_RECV_RDMA_WITH_IMM : IBV_WC_RECV;

	if (w->status != IBV_WC_SUCCESS)
		return xfail(p->err, x, "receive completion status %s (%d), vendor_err %#x",
			     ibv_wc_status_str(w->status), w->status, w->vendor_err);
	if (w->wr_id != x->id)
		return xfail(p->err, x, "receive completion has wr_id %#" PRIx64
			     " (receives consumed out of order?)", w->wr_id);
	if (w->opcode != want)
		return xfail(p->err, x, "receive completion opcode %s (%d), expected %s",
			     vt_wc_opcode_str(w->opcode), w->opcode, vt_wc_opcode_str(want));
	if (!!(w->wc_flags & IBV_WC_WITH_IMM) != imm)
		return xfail(p->err, x, "receive completion wc_flags %#x: IBV_WC_WITH_IMM %s",
			     w->wc_flags, imm ? "missing" : "set without immediate data");
	if (imm && be32toh(w->imm_data) != x->imm)
		return xfail(p->err, x, "immediate data %#x, expected %#x", be32toh(w->imm_data),
			     x->imm);
	if (w->byte_len != x->size)
		return xfail(p->err, x, "receive completion byte_len %u, expected %" PRIu64,
			     w->byte_len, x->size);
	return true;
}

static void resp_complete(struct resp *p)
{
	int exp[MAXQP][MAXQP * MAXDEPTH], nexp[MAXQP] = { 0 }, got[MAXQP] = { 0 };
	int i, qi, left = 0, n;
	struct ibv_wc wc[16];

	for (i = 0; i < p->nb; i++)
		if (needs_recv(p->b[i].op)) {
			qi = p->b[i].qp;
			exp[qi][nexp[qi]++] = i;
			left++;
		}
	while (left) {
		n = vt_cq_wait(&S.rcq, wc, 16, o.timeout_s * 1000);
		if (n < 0)
			vt_die("ibv_poll_cq (receive CQ) failed");
		if (!n)
			for (qi = 0; qi < o.nqp; qi++)
				if (got[qi] < nexp[qi]) {
					xfail(p->err, &p->b[exp[qi][got[qi]]],
					      "no receive completion within %d s (the requester saw its"
					      " completion; %d receive completions missing)",
					      o.timeout_s, left);
					resp_fail(p, MSG_RESULT);
				}
		for (i = 0; i < n; i++) {
			qi = qp_index(wc[i].qp_num);
			if (qi < 0 || got[qi] == nexp[qi]) {
				snprintf(p->err, ERRLEN, "unexpected receive completion: qp_num %#x wr_id %#"
					 PRIx64 " status %s opcode %s byte_len %u", wc[i].qp_num,
					 wc[i].wr_id, ibv_wc_status_str(wc[i].status),
					 vt_wc_opcode_str(wc[i].opcode), wc[i].byte_len);
				resp_fail(p, MSG_RESULT);
			}
			if (!check_recv_wc(p, &wc[i], &p->b[exp[qi][got[qi]]]))
				resp_fail(p, MSG_RESULT);
			got[qi]++;
			left--;
		}
	}
	/* nothing more may be there */
	n = vt_cq_poll(&S.rcq, 1, wc);
	if (n) {
		snprintf(p->err, ERRLEN, "extra receive completion after the batch: qp_num %#x wr_id %#"
			 PRIx64 " status %s", wc[0].qp_num, wc[0].wr_id, ibv_wc_status_str(wc[0].status));
		resp_fail(p, MSG_RESULT);
	}
}

static bool resp_check_memory(struct resp *p)
{
	int i, s;

	for (i = 0; i < p->nb; i++) {
		struct xfer *x = &p->b[i];

		switch (x->op) {
		case OP_WRITE:
		case OP_WRITE_IMM:
		case OP_READ: {
			struct seg g = { .off = x->roff, .len = x->size };

			if (!check_data(p->err, x, true, &g, 1, x->size,
					x->op == OP_READ ? "READ source changed" : "target range") ||
			    !check_guards(p->err, x, true, x->roff, x->size, "target range"))
				return false;
			if (x->op == OP_WRITE_IMM && x->nr &&
			    (!check_tail_bg(p->err, x, x->r, x->nr, 0,
					    "receive buffer written by RDMA_WRITE_WITH_IMM") ||
			     !check_guards(p->err, x, true, x->r[0].off, x->r[0].len, "receive SGE")))
				return false;
			break;
		}
		default:
			if (!check_data(p->err, x, true, x->r, x->nr, x->size, "received data") ||
			    !check_tail_bg(p->err, x, x->r, x->nr, x->size, "receive buffer"))
				return false;
			for (s = 0; s < x->nr; s++)
				if (!check_guards(p->err, x, true, x->r[s].off, x->r[s].len, "receive SGE"))
					return false;
			break;
		}
		p->checked_bytes += x->size;
	}
	return true;
}

static void resp_restore(struct resp *p)
{
	int i, s;

	for (i = 0; i < p->nb; i++) {
		struct xfer *x = &p->b[i];

		if (x->op == OP_WRITE || x->op == OP_WRITE_IMM || x->op == OP_READ)
			restore(true, x->roff, x->size);
		if (needs_recv(x->op))
			for (s = 0; s < x->nr; s++)
				restore(true, x->r[s].off, x->r[s].len);
	}
}

static void run_responder(int dir)
{
	struct resp *p = calloc(1, sizeof(*p));
	struct vt_wire w;
	uint32_t len;
	int i;

	if (!p)
		vt_die("out of memory");
	p->b = calloc(MAXQP * MAXDEPTH, sizeof(*p->b));
	if (!p->b)
		vt_die("out of memory");
	p->fd = S.fd[dir];
	for (;;) {
		uint32_t type;

		if (vt_recv_msg(p->fd, &type, p->msg, sizeof(p->msg), &len, o.timeout_s * 1000 * 4)) {
			if (errno == ECONNRESET)
				vt_die("responder: the peer closed the control connection"
				       " (see the peer's output)");
			vt_die("responder: control connection: %s", strerror(errno));
		}
		if (type == MSG_END) {
			if (!full_check(p->err, true, "responder, end of phase"))
				resp_fail(p, MSG_ENDACK);
			vt_wire_init(&w, p->msg, sizeof(p->msg));
			vt_put32(&w, 1);
			send_or_die(p->fd, MSG_ENDACK, p->msg, (uint32_t)w.len);
			vt_msg("responder: verified %" PRIu64 " batches, %" PRIu64 " receives, %" PRIu64
			       " bytes", p->batches, p->recvs, p->checked_bytes);
			break;
		}
		if (type != MSG_PLAN)
			vt_die("responder: unexpected message %u", type);
		vt_wire_init(&w, p->msg, sizeof(p->msg));
		w.len = len;
		p->batch = vt_get64(&w);
		p->nb = (int)vt_get32(&w);
		if (p->nb < 0 || p->nb > MAXQP * MAXDEPTH)
			vt_die("responder: bad plan (%d transfers)", p->nb);
		for (i = 0; i < p->nb; i++)
			get_xfer(&w, &p->b[i]);
		if (w.err)
			vt_die("responder: malformed plan message");
		resp_prepare(p);
		send_or_die(p->fd, MSG_PREPARED, NULL, 0);
		recv_or_die(p->fd, MSG_DONE, p->msg, sizeof(p->msg));
		resp_complete(p);
		inject_batch(p->b, p->nb, true);
		if (!resp_check_memory(p))
			resp_fail(p, MSG_RESULT);
		resp_restore(p);
		p->batches++;
		if (o.full_every && p->batches % (uint64_t)o.full_every == 0 &&
		    !full_check(p->err, true, "responder"))
			resp_fail(p, MSG_RESULT);
		vt_wire_init(&w, p->msg, sizeof(p->msg));
		vt_put32(&w, 1);
		send_or_die(p->fd, MSG_RESULT, p->msg, (uint32_t)w.len);
	}
	free(p->b);
	free(p);
}

static void *responder_thread(void *arg)
{
	run_responder((int)(intptr_t)arg);
	return NULL;
}

/* ---------------- setup ---------------- */

#define XFER_SEND_OPS                                                          \
	(IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM |      \
	 IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM |                  \
	 IBV_QP_EX_WITH_RDMA_READ)

/*
 * --ext-refusals (pedma): ibv_query_device_ex agrees with
 * ibv_query_device (atomic_cap too) and claims no completion clock; what
 * the provider does not do is refused with EOPNOTSUPP: completion
 * timestamps and IGNORE_OVERRUN on a CQ, atomics and RDMA ops in a UD
 * QP's send_ops_flags.
 */
static void check_ext_refusals(const struct vt_dev *d)
{
	static const uint64_t bad_wc[] = {
		IBV_WC_EX_WITH_COMPLETION_TIMESTAMP,
		IBV_WC_EX_WITH_COMPLETION_TIMESTAMP_WALLCLOCK,
	};
	/* on a UD QP: IB has no atomics and no RDMA on UD */
	static const uint64_t bad_ops[] = {
		IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP, IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD,
		IBV_QP_EX_WITH_RDMA_WRITE,
	};
	struct ibv_device_attr_ex ax;
	struct ibv_cq_init_attr_ex ca;
	struct ibv_qp_init_attr_ex ix;
	struct ibv_cq_ex *cx;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	unsigned int i;
	int r;

	memset(&ax, 0, sizeof(ax));
	r = ibv_query_device_ex(d->ctx, NULL, &ax);
	if (r)
		vt_die("ibv_query_device_ex: %s", strerror(r));
	if (ax.orig_attr.max_qp != d->attr.max_qp || ax.orig_attr.max_sge != d->attr.max_sge ||
	    ax.orig_attr.max_cqe != d->attr.max_cqe ||
	    ax.orig_attr.sys_image_guid != d->attr.sys_image_guid)
		vt_die("ibv_query_device_ex disagrees with ibv_query_device (max_qp %d/%d,"
		       " max_sge %d/%d, max_cqe %d/%d)", ax.orig_attr.max_qp, d->attr.max_qp,
		       ax.orig_attr.max_sge, d->attr.max_sge, ax.orig_attr.max_cqe,
		       d->attr.max_cqe);
	if (ax.orig_attr.atomic_cap != d->attr.atomic_cap || ax.completion_timestamp_mask ||
	    ax.hca_core_clock)
		vt_die("ibv_query_device_ex claims atomic_cap %d (ibv_query_device: %d),"
		       " completion_timestamp_mask %#" PRIx64 ", hca_core_clock %" PRIu64
		       "; pedma has no clock", (int)ax.orig_attr.atomic_cap,
		       (int)d->attr.atomic_cap, ax.completion_timestamp_mask,
		       ax.hca_core_clock);

	for (i = 0; i < sizeof(bad_wc) / sizeof(bad_wc[0]); i++) {
		memset(&ca, 0, sizeof(ca));
		ca.cqe = 4;
		ca.wc_flags = IBV_WC_STANDARD_FLAGS | bad_wc[i];
		errno = 0;
		cx = ibv_create_cq_ex(d->ctx, &ca);
		if (cx || errno != EOPNOTSUPP)
			vt_die("ibv_create_cq_ex with wc_flags %#" PRIx64 ": %s, expected EOPNOTSUPP",
			       (uint64_t)ca.wc_flags, cx ? "created" : strerror(errno));
	}
	memset(&ca, 0, sizeof(ca));
	ca.cqe = 4;
	ca.wc_flags = IBV_WC_STANDARD_FLAGS;
	ca.comp_mask = IBV_CQ_INIT_ATTR_MASK_FLAGS;
	ca.flags = IBV_CREATE_CQ_ATTR_IGNORE_OVERRUN;
	errno = 0;
	cx = ibv_create_cq_ex(d->ctx, &ca);
	if (cx || errno != EOPNOTSUPP)
		vt_die("ibv_create_cq_ex IGNORE_OVERRUN: %s, expected EOPNOTSUPP",
		       cx ? "created" : strerror(errno));

	cq = ibv_create_cq(d->ctx, 4, NULL, NULL, 0);
	if (!cq)
		vt_die("ibv_create_cq: %s", strerror(errno));
	for (i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++) {
		memset(&ix, 0, sizeof(ix));
		ix.send_cq = ix.recv_cq = cq;
		ix.qp_type = IBV_QPT_UD;
		ix.cap.max_send_wr = ix.cap.max_recv_wr = 2;
		ix.cap.max_send_sge = ix.cap.max_recv_sge = 1;
		ix.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
		ix.pd = d->pd;
		ix.send_ops_flags = IBV_QP_EX_WITH_SEND | bad_ops[i];
		errno = 0;
		qp = ibv_create_qp_ex(d->ctx, &ix);
		if (qp || errno != EOPNOTSUPP)
			vt_die("ibv_create_qp_ex UD send_ops_flags %#" PRIx64
			       ": %s, expected EOPNOTSUPP",
			       (uint64_t)ix.send_ops_flags, qp ? "created" : strerror(errno));
	}
	if (ibv_destroy_cq(cq))
		vt_die("ibv_destroy_cq: %s", strerror(errno));
	vt_msg("extended verbs: query_device_ex agrees (atomic_cap %d, no clock); timestamps,"
	       " IGNORE_OVERRUN, atomics and RDMA on UD refused with EOPNOTSUPP",
	       (int)ax.orig_attr.atomic_cap);
}

static void setup_resources(void)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	struct vt_dev *d = &S.dev;
	int i, cqe, depth = o.depth * 2 + 4;
	uint64_t t0 = vt_now_ms();

	if (vt_dev_open(d, o.dev, o.ib_port, o.gid_index))
		vt_die("cannot open device %s", o.dev);
	if (d->pattr.state != IBV_PORT_ACTIVE)
		vt_die("%s port %d is not ACTIVE (state %d)", o.dev, o.ib_port, d->pattr.state);
	if (d->pattr.max_msg_sz && o.max_size > d->pattr.max_msg_sz) {
		vt_msg("max size %" PRIu64 " lowered to the port's max_msg_sz %u", o.max_size,
		       d->pattr.max_msg_sz);
		o.max_size = d->pattr.max_msg_sz;
	}
	S.max_send_sge = (uint32_t)(d->attr.max_sge < MAXSGE ? d->attr.max_sge : MAXSGE);
	S.max_recv_sge = S.max_send_sge;
	S.max_rd_sge = d->attr.max_sge_rd ? (uint32_t)d->attr.max_sge_rd : S.max_send_sge;
	if (S.max_rd_sge > S.max_send_sge)
		S.max_rd_sge = S.max_send_sge;
	if (!S.max_send_sge)
		vt_die("device %s advertises max_sge 0", o.dev);
	if (d->attr.max_qp_wr && depth > d->attr.max_qp_wr)
		depth = d->attr.max_qp_wr;

	/* buffers: max message plus room for SGE gaps, guards and neighbours */
	S.bsize = (o.max_size + o.max_size / 16 + (1u << 20) + 4095) & ~4095ull;
	S.lbuf = vt_alloc(S.bsize);
	S.rbuf = vt_alloc(S.bsize);
	if (!S.lbuf || !S.rbuf)
		vt_die("cannot allocate 2 x %" PRIu64 " bytes", S.bsize);
	S.lbg = vt_key(o.seed, S.server ? 0x5e : 0xc1, 0x1b);
	S.rbg = vt_key(o.seed, S.server ? 0x5e : 0xc1, 0x2b);
	vt_fill(S.lbuf, S.bsize, S.lbg, 0);
	vt_fill(S.rbuf, S.bsize, S.rbg, 0);
	for (i = 0; i < o.mrs; i++) {
		S.lmr[i] = ibv_reg_mr(d->pd, S.lbuf, S.bsize, IBV_ACCESS_LOCAL_WRITE);
		S.rmr[i] = ibv_reg_mr(d->pd, S.rbuf, S.bsize, access);
		if (!S.lmr[i] || !S.rmr[i])
			vt_die("ibv_reg_mr of %" PRIu64 " bytes (MR %d of each buffer): %s", S.bsize,
			       i, strerror(errno));
	}
	cqe = o.nqp * depth;
	if (d->attr.max_cqe && cqe > d->attr.max_cqe)
		cqe = d->attr.max_cqe;
	if (o.ext_refusals)
		check_ext_refusals(d);
	if (vt_cq_create2(&S.scq, d, cqe, o.events, o.ext) ||
	    vt_cq_create2(&S.rcq, d, cqe, o.events, o.ext))
		vt_die("ibv_create_cq%s (%d entries%s): %s", o.ext ? "_ex" : "", cqe,
		       o.events ? ", with a channel" : "", strerror(errno));
	S.max_inline = UINT32_MAX;
	for (i = 0; i < o.nqp; i++) {
		static const uint32_t try_inline[] = { 256, 64, 0 };
		struct ibv_qp_init_attr ia;
		struct ibv_qp_attr qa;
		unsigned int t;

		for (t = 0; t < 3; t++) {
			memset(&ia, 0, sizeof(ia));
			ia.send_cq = S.scq.cq;
			ia.recv_cq = S.rcq.cq;
			ia.qp_type = o.uc ? IBV_QPT_UC : IBV_QPT_RC;
			ia.sq_sig_all = 0;
			ia.cap.max_send_wr = (uint32_t)depth;
			ia.cap.max_recv_wr = (uint32_t)depth;
			ia.cap.max_send_sge = S.max_send_sge;
			ia.cap.max_recv_sge = S.max_recv_sge;
			ia.cap.max_inline_data = try_inline[t];
			if (o.ext) {
				struct ibv_qp_init_attr_ex ix = {
					.qp_context = NULL, .send_cq = ia.send_cq,
					.recv_cq = ia.recv_cq, .cap = ia.cap,
					.qp_type = ia.qp_type, .sq_sig_all = 0,
					.comp_mask = IBV_QP_INIT_ATTR_PD |
						     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
					.pd = d->pd,
					.send_ops_flags = o.uc ? XFER_SEND_OPS &
							  ~(uint64_t)IBV_QP_EX_WITH_RDMA_READ :
							  XFER_SEND_OPS,
				};

				S.qp[i] = ibv_create_qp_ex(d->ctx, &ix);
			} else {
				S.qp[i] = ibv_create_qp(d->pd, &ia);
			}
			if (S.qp[i])
				break;
		}
		if (!S.qp[i])
			vt_die("ibv_create_qp%s %s (%d WRs, %u SGEs): %s", o.ext ? "_ex" : "",
			       o.uc ? "UC" : "RC", depth, S.max_send_sge, strerror(errno));
		if (o.ext) {
			S.qpx[i] = ibv_qp_to_qp_ex(S.qp[i]);
			if (!S.qpx[i])
				vt_die("ibv_qp_to_qp_ex: NULL for a QP made with send_ops_flags");
		}
		if (ibv_query_qp(S.qp[i], &qa, IBV_QP_CAP, &ia))
			vt_die("ibv_query_qp: %s", strerror(errno));
		if (qa.cap.max_inline_data < S.max_inline)
			S.max_inline = qa.cap.max_inline_data;
	}
	if (S.max_inline > 1u << 20)
		S.max_inline = 0;
	vt_msg("device %s port %d (%s, lid %u, gid index %d, active_mtu %d): max_sge %d"
	       " (max_sge_rd %d), max_inline_data %u, %d QPs x %d WRs, 2 x %" PRIu64
	       "-byte buffers x %d MRs; setup %" PRIu64 " ms", o.dev, o.ib_port,
	       d->pattr.link_layer == IBV_LINK_LAYER_ETHERNET ? "Ethernet" : "InfiniBand",
	       d->pattr.lid, d->gid_index, 128 << d->pattr.active_mtu, d->attr.max_sge,
	       d->attr.max_sge_rd, S.max_inline, o.nqp, depth, S.bsize, o.mrs, vt_now_ms() - t0);
}

static void exchange_hello(void)
{
	static uint8_t buf[8192];
	struct vt_conn_attr ca;
	struct vt_wire w;
	uint32_t len, psn[MAXQP];
	int i;

	vt_wire_init(&w, buf, sizeof(buf));
	vt_put32(&w, HELLO_MAGIC);
	vt_put32(&w, HELLO_VERSION);
	vt_put64(&w, o.seed);
	vt_put64(&w, o.iters);
	vt_put64(&w, o.max_size);
	vt_put32(&w, (uint32_t)o.nqp);
	vt_put32(&w, o.phases);
	vt_put32(&w, (uint32_t)o.big);
	vt_put32(&w, (uint32_t)o.depth);
	vt_put32(&w, (uint32_t)o.mrs);
	vt_put32(&w, (uint32_t)o.uc);
	vt_put64(&w, S.bsize);
	vt_put64(&w, (uintptr_t)S.rbuf);
	vt_put32(&w, S.rmr[0]->rkey);
	vt_put32(&w, S.rmr[o.mrs - 1]->rkey);
	vt_put32(&w, S.max_recv_sge);
	vt_put32(&w, (uint32_t)S.dev.attr.max_qp_rd_atom);
	for (i = 0; i < o.nqp; i++) {
		struct vt_qpinfo qi;

		psn[i] = (uint32_t)vt_key(o.seed, S.server, (uint64_t)i) & 0xffffff;
		vt_qpinfo_local(&S.dev, S.qp[i], psn[i], &qi);
		vt_put_qpinfo(&w, &qi);
	}
	send_or_die(S.fd[0], MSG_HELLO, buf, (uint32_t)w.len);
	len = recv_or_die(S.fd[0], MSG_HELLO, buf, sizeof(buf));
	vt_wire_init(&w, buf, sizeof(buf));
	w.len = len;
	if (vt_get32(&w) != HELLO_MAGIC || vt_get32(&w) != HELLO_VERSION)
		vt_die("the peer is not pedma_xfer (or another version)");
	if (vt_get64(&w) != o.seed || vt_get64(&w) != o.iters || vt_get64(&w) != o.max_size ||
	    vt_get32(&w) != (uint32_t)o.nqp || vt_get32(&w) != o.phases ||
	    vt_get32(&w) != (uint32_t)o.big || vt_get32(&w) != (uint32_t)o.depth ||
	    vt_get32(&w) != (uint32_t)o.mrs || vt_get32(&w) != (uint32_t)o.uc || vt_get64(&w) != S.bsize)
		vt_die("the peer runs with other options (seed, iterations, max size, QPs, phases,"
		       " big, depth, MRs or --uc differ): give both sides the same options");
	S.peer_raddr = vt_get64(&w);
	S.peer_rkey[0] = vt_get32(&w);
	S.peer_rkey[1] = vt_get32(&w);
	S.peer_max_recv_sge = vt_get32(&w);
	S.peer_rd_atom = vt_get32(&w);
	for (i = 0; i < o.nqp; i++)
		vt_get_qpinfo(&w, &S.peer_qp[i]);
	if (w.err)
		vt_die("short HELLO from the peer");

	vt_conn_attr_default(&ca);
	ca.timeout = o.ack_timeout;
	ca.max_dest_rd_atomic = S.dev.attr.max_qp_rd_atom < 16 ? S.dev.attr.max_qp_rd_atom : 16;
	ca.max_rd_atomic = S.dev.attr.max_qp_init_rd_atom < 16 ? S.dev.attr.max_qp_init_rd_atom : 16;
	if ((uint32_t)ca.max_rd_atomic > S.peer_rd_atom)
		ca.max_rd_atomic = (int)S.peer_rd_atom;
	if (ca.max_dest_rd_atomic < 1)
		ca.max_dest_rd_atomic = 1;
	if (ca.max_rd_atomic < 1)
		ca.max_rd_atomic = 1;
	for (i = 0; i < o.nqp; i++)
		if (vt_qp_connect(&S.dev, S.qp[i], psn[i], &S.peer_qp[i], &ca))
			vt_die("cannot connect QP %d", i);
	send_or_die(S.fd[0], MSG_READY, NULL, 0);
	recv_or_die(S.fd[0], MSG_READY, buf, sizeof(buf));
}

static void connect_control(void)
{
	uint8_t buf[8];
	struct vt_wire w;
	int i, fd, lfd;
	uint32_t len;

	if (S.server) {
		lfd = vt_tcp_listen(o.tcp_port);
		if (lfd < 0)
			vt_die("listen on TCP port %d: %s", o.tcp_port, strerror(errno));
		S.fd[0] = S.fd[1] = -1;
		for (i = 0; i < 2; i++) {
			fd = vt_tcp_accept(lfd, o.timeout_s * 1000);
			if (fd < 0)
				vt_die("accept on TCP port %d: %s", o.tcp_port, strerror(errno));
			len = recv_or_die(fd, MSG_DIR, buf, sizeof(buf));
			vt_wire_init(&w, buf, sizeof(buf));
			w.len = len;
			len = vt_get32(&w);
			if (w.err || len > 1 || S.fd[len] >= 0)
				vt_die("bad first message on a control connection");
			S.fd[len] = fd;
		}
		close(lfd);
	} else {
		for (i = 0; i < 2; i++) {
			fd = vt_tcp_connect(o.server_ip, o.tcp_port, o.timeout_s * 1000);
			if (fd < 0)
				vt_die("connect to %s:%d: %s", o.server_ip, o.tcp_port, strerror(errno));
			vt_wire_init(&w, buf, sizeof(buf));
			vt_put32(&w, (uint32_t)i);
			send_or_die(fd, MSG_DIR, buf, (uint32_t)w.len);
			S.fd[i] = fd;
		}
	}
}

static void usage(int rc)
{
	printf("usage: pedma_xfer [OPTIONS]             server (listens)\n"
	       "       pedma_xfer [OPTIONS] SERVER_IP   client\n"
	       "Both sides must get the same options.\n"
	       "  -d, --dev NAME        RDMA device (default pedma0)\n"
	       "  -i, --ib-port N       device port (default 1)\n"
	       "  -g, --gid-index N     GID index (default: auto; Ethernet: first IPv4 GID)\n"
	       "  -p, --port N          TCP port (default 18515)\n"
	       "  -s, --seed N          seed of plans and data (default 1)\n"
	       "  -n, --iters N         transfers per requester per phase (default 150)\n"
	       "  -m, --max-size SIZE   largest transfer, k/M/G suffixes (default 64M)\n"
	       "  -q, --qps N           QPs (default 4)\n"
	       "  -b, --big N           transfers of about --max-size per requester per phase"
	       " (default 1)\n"
	       "      --depth N         most WRs per QP per batch, 1..%d (default 6)\n"
	       "      --mrs N           registrations of each buffer, 1 or 2 (default 2)\n"
	       "      --phases LIST     of s2c,c2s,bidir (default all)\n"
	       "      --events          wait for completions with a completion channel\n"
	       "      --full-every N    compare whole buffers every N batches (default 8; 0:"
	       " at phase end only)\n"
	       "      --timeout SEC     limit of every wait (default 120)\n"
	       "      --ack-timeout N   QP local ACK timeout, 4.096 us << N (default 18: ~1 s;\n"
	       "                        lossy links such as rxe under TCG want 14)\n"
	       "      --ext             extended verbs: ibv_create_qp_ex and ibv_wr_* to post,\n"
	       "                        ibv_create_cq_ex and ibv_start_poll to poll\n"
	       "      --ext-refusals    (pedma) check what the extended verbs refuse and what\n"
	       "                        ibv_query_device_ex reports, before the run\n"
	       "      --uc              UC QPs instead of RC (no RDMA_READ)\n"
	       "      --inject WHAT     self-check: corrupt one byte (data, guard, recv, read,\n"
	       "                        stray) and expect the failure it must cause\n"
	       "  -v, --verbose\n", MAXDEPTH);
	exit(rc);
}

static long num_arg(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", 1, NULL, 'd' }, { "ib-port", 1, NULL, 'i' }, { "gid-index", 1, NULL, 'g' },
		{ "port", 1, NULL, 'p' }, { "seed", 1, NULL, 's' }, { "iters", 1, NULL, 'n' },
		{ "max-size", 1, NULL, 'm' }, { "qps", 1, NULL, 'q' }, { "big", 1, NULL, 'b' },
		{ "depth", 1, NULL, 'D' }, { "mrs", 1, NULL, 'M' }, { "phases", 1, NULL, 'P' },
		{ "events", 0, NULL, 'e' }, { "full-every", 1, NULL, 'F' },
		{ "timeout", 1, NULL, 'T' }, { "verbose", 0, NULL, 'v' }, { "help", 0, NULL, 'h' },
		{ "ack-timeout", 1, NULL, 'A' }, { "inject", 1, NULL, 'I' },
		{ "ext", 0, NULL, 'X' }, { "ext-refusals", 0, NULL, 'R' }, { "uc", 0, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	char *s, *tok, *save;
	int c;

	while ((c = getopt_long(argc, argv, "d:i:g:p:s:n:m:q:b:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o.dev = optarg; break;
		case 'i': o.ib_port = (int)num_arg(optarg, 1, 255, "port"); break;
		case 'g': o.gid_index = (int)num_arg(optarg, -1, 255, "gid index"); break;
		case 'p': o.tcp_port = (int)num_arg(optarg, 1, 65535, "TCP port"); break;
		case 's':
			if (vt_parse_size(optarg, &o.seed))
				usage(2);
			break;
		case 'n':
			if (vt_parse_size(optarg, &o.iters))
				usage(2);
			break;
		case 'm':
			if (vt_parse_size(optarg, &o.max_size) || o.max_size > (1ull << 31))
				usage(2);
			break;
		case 'q': o.nqp = (int)num_arg(optarg, 1, MAXQP, "QP count"); break;
		case 'b': o.big = (int)num_arg(optarg, 0, 1000, "big count"); break;
		case 'D': o.depth = (int)num_arg(optarg, 1, MAXDEPTH, "depth"); break;
		case 'M': o.mrs = (int)num_arg(optarg, 1, 2, "MR count"); break;
		case 'F': o.full_every = (int)num_arg(optarg, 0, 1000000, "full-every"); break;
		case 'T': o.timeout_s = (int)num_arg(optarg, 1, 100000, "timeout"); break;
		case 'e': o.events = true; break;
		case 'X': o.ext = true; break;
		case 'R': o.ext_refusals = true; break;
		case 'U': o.uc = true; break;
		case 'I': o.inject = optarg; break;
		case 'A': o.ack_timeout = (int)num_arg(optarg, 1, 31, "ACK timeout"); break;
		case 'v': o.verbose++; break;
		case 'P':
			o.phases = 0;
			s = strdup(optarg);
			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, "s2c"))
					o.phases |= PH_S2C;
				else if (!strcmp(tok, "c2s"))
					o.phases |= PH_C2S;
				else if (!strcmp(tok, "bidir"))
					o.phases |= PH_BIDIR;
				else
					usage(2);
			}
			free(s);
			break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind < argc)
		o.server_ip = argv[optind++];
	if (optind < argc || !o.phases)
		usage(2);
	if ((uint64_t)o.big > o.iters)
		o.big = (int)o.iters;
}

int main(int argc, char **argv)
{
	uint64_t t0 = vt_now_ms(), tot = 0, bytes = 0;
	int my_req, my_resp, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	vt_prog = "pedma_xfer";
	parse_args(argc, argv);
	S.server = !o.server_ip;
	vt_role = S.server ? "server" : "client";
	my_req = S.server ? 0 : 1;
	my_resp = 1 - my_req;

	setup_resources();
	connect_control();
	exchange_hello();
	vt_msg("connected: seed %" PRIu64 ", %" PRIu64 " transfers per requester and phase, max %"
	       PRIu64 " bytes, peer max_recv_sge %u", o.seed, o.iters, o.max_size,
	       S.peer_max_recv_sge);

	if (o.phases & PH_S2C) {
		vt_msg("phase s2c: the server is the requester");
		if (S.server)
			run_requester(my_req, PH_S2C);
		else
			run_responder(my_resp);
	}
	if (o.phases & PH_C2S) {
		vt_msg("phase c2s: the client is the requester");
		if (S.server)
			run_responder(my_resp);
		else
			run_requester(my_req, PH_C2S);
	}
	if (o.phases & PH_BIDIR) {
		pthread_t th;

		vt_msg("phase bidir: both sides are requesters at once");
		if (pthread_create(&th, NULL, responder_thread, (void *)(intptr_t)my_resp))
			vt_die("pthread_create failed");
		run_requester(my_req, PH_BIDIR);
		pthread_join(th, NULL);
	}
	for (i = 0; i < OP_N; i++) {
		tot += total_req.cnt[i];
		bytes += total_req.bytes[i];
	}
	for (i = 0; i < o.nqp; i++)
		if (ibv_destroy_qp(S.qp[i]))
			vt_die("ibv_destroy_qp: %s", strerror(errno));
	if (vt_cq_destroy(&S.scq) || vt_cq_destroy(&S.rcq))
		vt_die("ibv_destroy_cq: %s", strerror(errno));
	for (i = 0; i < o.mrs; i++)
		if (ibv_dereg_mr(S.lmr[i]) || ibv_dereg_mr(S.rmr[i]))
			vt_die("ibv_dereg_mr: %s", strerror(errno));
	vt_dev_close(&S.dev);
	print_stats("total as requester", &total_req, vt_now_ms() - t0);
	vt_msg("PASS: %" PRIu64 " transfers, %" PRIu64 " bytes as requester, all verified",
	       tot, bytes);
	return 0;
}
