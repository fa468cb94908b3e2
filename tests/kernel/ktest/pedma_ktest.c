// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_ktest: an in-kernel RDMA verbs test client, in the spirit of krping.
 *
 * It binds to one RDMA device (module parameter dev, default pedma0) through
 * ib_register_client() and uses only standard kernel verbs, so it runs on any
 * device with kernel verbs (pedma, rdma_rxe, ...): a PD with the unsafe global
 * rkey, two CQs with a completion handler (polled with ib_poll_cq(), or armed
 * with ib_req_notify_cq() and woken by the handler), one RC QP, and buffers
 * from kmalloc()/alloc_pages() mapped with ib_dma_map_single().
 *
 * The two sides exchange their connection data without rdma_cm, through
 * debugfs (/sys/kernel/debug/pedma_ktest/):
 *
 *   info  read:  "QPN LID GID RKEY ADDR LEN" of this side
 *   ctl   write: "connect QPN LID GID RKEY ADDR LEN" (the peer's info): QP to RTS
 *                "run TEST [poll|notify]"  (role=client) run the tests
 *                "check"                   (role=server) serve one run
 *
 * TEST is send, send_imm, write, write_imm, read, frwr or all; without a mode
 * a run does every test with polled and then with notified completions.
 * With polled completions the send CQ is resized (ib_resize_cq) after
 * every post of a case, its completion pending or not, alternately to
 * twice its depth and back (kt_resize).
 *
 * frwr (fast registration; devices with IB_DEVICE_MEM_MGT_EXTENSIONS): the
 * server registers part of its buffer with IB_WR_REG_MR, the client WRITEs
 * and READs it through that rkey (bytes checked on both sides), the server
 * invalidates it (LOCAL_INV) and the client's WRITE with the stale rkey must
 * fail with IB_WC_REM_ACCESS_ERR and change nothing; re-registered with
 * ib_inc_rkey() the old key fails and the new one works; the client's
 * SEND_WITH_INV must reach the server as IB_WC_WITH_INVALIDATE with that
 * rkey, which then fails too; LOCAL_INV of an MR already invalid (after
 * LOCAL_INV, after SEND_WITH_INV) succeeds, and so does a REG_MR right
 * after; a SEND_WITH_INV of a key the server refuses (a stale one) fails
 * with IB_WC_REM_INV_REQ_ERR at the client and the receive fails (nothing
 * written) at the server, both QPs going to the error state, and the valid
 * registration is left alone.  After each expected failure the failed QPs
 * go back to RTS through RESET (for a stale rkey only the client's).  Also:
 * the global rkey of another PD of the server must fail on the QP of the
 * first.  On a device with atomics the region is registered with
 * REMOTE_ATOMIC and the client's FETCH_AND_ADD and CMP_AND_SWP (matching
 * and not) on its first word must return the old values, checked with a
 * READ of the region.  "uc" (either role, no connection needed): a UC QP
 * connected to itself refuses READ and atomics when posted, drops a SEND
 * without a receive and a WRITE with a bad rkey (success, nothing
 * written) and delivers a SEND into a receive posted later.  "loopinv"
 * (either role, no connection needed): an RC QP connected to itself
 * registers a fast-reg MR with REG_MR, WRITEs through its rkey, sends a
 * SEND_WITH_INV of it (IB_WC_WITH_INVALIDATE with the key at the
 * receive) and then fails a WRITE with the stale rkey
 * (IB_WC_REM_ACCESS_ERR, nothing written).  "run" and
 * "check" return 0 when every test passed, -EIO otherwise; the details go to
 * the kernel log.
 *
 * The client drives each test case with control messages over the same QP:
 * PREPARE (the server fills its buffer with guard bytes or a pattern and
 * posts its receives) -> READY, then the operation, then CHECK (the server
 * checks its completion and every byte in and around the target range) ->
 * RESULT; DONE -> RESULT ends a run.  Every wait is bounded by timeout_ms.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>

static char *kt_dev_name = "pedma0";
module_param_named(dev, kt_dev_name, charp, 0444);
MODULE_PARM_DESC(dev, "RDMA device to bind to (default pedma0)");

static char *kt_role = "server";
module_param_named(role, kt_role, charp, 0444);
MODULE_PARM_DESC(role, "server (serves \"check\") or client (runs the tests)");

static unsigned int kt_port = 1;
module_param_named(port, kt_port, uint, 0444);
MODULE_PARM_DESC(port, "port number (default 1)");

static unsigned int kt_timeout_ms = 30000;
module_param_named(timeout_ms, kt_timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms, "limit of every wait for a completion, ms (default 30000)");

#define KT_BUF_ORDER	9			/* 2 MiB data buffers */
#define KT_BUF_LEN	(PAGE_SIZE << KT_BUF_ORDER)
#define KT_GUARD	4096			/* checked bytes around a range */
#define KT_DATA_END	(KT_BUF_LEN - 4 * KT_GUARD)	/* data ranges end below */
#define KT_SLACK	64			/* receive space beyond a message */
#define KT_SENTINEL	(KT_DATA_END + 2 * KT_GUARD)	/* WRITE_WITH_IMM's recv */
#define KT_CTRL_LEN	1024			/* control messages (kmalloc) */
#define KT_CTRL_SEND	0
#define KT_CTRL_RECV	512
#define KT_MAX_SGE	4
#define KT_CQ_DEPTH	32
#define KT_QP_DEPTH	8
#define KT_RD_ATOM	4
#define KT_PSN		0x1234
#define KT_MAGIC	0x6b747374		/* "ktst" */
#define KT_CMD_MAX	256

enum kt_op { KT_SEND, KT_SEND_IMM, KT_WRITE, KT_WRITE_IMM, KT_READ, KT_NR_OPS };

static const char * const kt_op_name[KT_NR_OPS] = {
	[KT_SEND] = "send",
	[KT_SEND_IMM] = "send_imm",
	[KT_WRITE] = "write",
	[KT_WRITE_IMM] = "write_imm",
	[KT_READ] = "read",
};

enum kt_mode { KT_MODE_POLL, KT_MODE_NOTIFY, KT_NR_MODES };

static const char * const kt_mode_name[KT_NR_MODES] = {
	[KT_MODE_POLL] = "poll",
	[KT_MODE_NOTIFY] = "notify",
};

enum kt_msg_type {
	KT_MSG_PREPARE = 1,
	KT_MSG_READY,
	KT_MSG_CHECK,
	KT_MSG_RESULT,
	KT_MSG_DONE,
	KT_MSG_FR,		/* op: enum kt_fr_op */
};

/* Fast-registration steps the client asks of the server */
enum kt_fr_op { KT_FR_REG = 1, KT_FR_INV, KT_FR_CHECK, KT_FR_RECV, KT_FR_PD2,
	KT_FR_BADINV, KT_FR_MOVE, KT_FR_BACK };

/* The server's fast-reg region in its buffer: 16 pages, then guard bytes */
#define KT_FR_OFF	SZ_1M
#define KT_FR_LEN	SZ_64K
#define KT_FR_PAGES	(KT_FR_LEN / PAGE_SIZE)
#define KT_FR_RECV_OFF	(SZ_1M + SZ_256K)	/* SEND_WITH_INV's receive */
/* other pages for the region under the same key and address (KT_FR_MOVE) */
#define KT_FR_ALT_OFF	(SZ_1M + SZ_512K)

/* wr_id: a running number << 8 | what the work request is */
enum kt_wr_kind { KT_WR_CTRL_SEND = 1, KT_WR_CTRL_RECV, KT_WR_OP, KT_WR_DATA_RECV };

/* A control message, on the wire (both sides run this module). */
struct kt_wire_seg {
	__be32 off;
	__be32 len;
};

struct kt_msg {
	__be32 magic;
	__be32 type;
	__be32 seq;
	__be32 op;
	__be32 mode;
	__be32 seed;
	__be32 len;
	__be32 imm;
	__be32 status;		/* READY, RESULT, DONE: 0 or a negative errno */
	__be32 nseg;
	struct kt_wire_seg seg[KT_MAX_SGE];
	__be64 addr;		/* FR READY: the region's iova */
};

/* Segments in a data buffer: ascending, not overlapping, below KT_DATA_END. */
struct kt_layout {
	u32 n;
	u32 off[KT_MAX_SGE];
	u32 len[KT_MAX_SGE];
};

/*
 * One test case.  The local side (the client's buffer) has nl segments from
 * loff: the first nl - 1 are ls[], the last gets the rest of len.  For SEND
 * kinds the server receives into nr segments from roff (rs[], the last one
 * gets the rest plus KT_SLACK); RDMA targets are the range [roff, roff + len)
 * of the server's buffer.
 */
struct kt_case {
	u8 op;
	u8 nl;
	u8 nr;
	u32 len;
	u32 loff;
	u32 roff;
	u32 ls[KT_MAX_SGE - 1];
	u32 rs[KT_MAX_SGE - 1];
};

static const struct kt_case kt_cases[] = {
	{ .op = KT_SEND, .len = 0, .nl = 0, .nr = 1 },
	{ .op = KT_SEND, .len = 1, .nl = 1, .nr = 1, .loff = 3, .roff = 5 },
	{ .op = KT_SEND, .len = 4095, .nl = 1, .nr = 1, .loff = 1, .roff = 4097 },
	{ .op = KT_SEND, .len = SZ_64K, .nl = 1, .nr = 1 },
	{ .op = KT_SEND, .len = SZ_1M, .nl = 1, .nr = 1, .loff = SZ_4K, .roff = SZ_8K },
	{ .op = KT_SEND, .len = 4095, .nl = 2, .nr = 3, .ls = { 1000 }, .rs = { 17, 2048 } },
	{ .op = KT_SEND, .len = SZ_64K + 17, .nl = 3, .nr = 2, .loff = 9, .roff = 100,
	  .ls = { SZ_4K, 33 }, .rs = { 30000 } },
	{ .op = KT_SEND, .len = SZ_1M, .nl = 4, .nr = 4, .loff = 1, .roff = 2,
	  .ls = { SZ_4K, SZ_256K + 5, 1 }, .rs = { SZ_64K, 1, 500000 } },
	{ .op = KT_SEND_IMM, .len = 0, .nl = 0, .nr = 1 },
	{ .op = KT_SEND_IMM, .len = 1, .nl = 1, .nr = 1, .roff = 63 },
	{ .op = KT_SEND_IMM, .len = 4095, .nl = 2, .nr = 2, .loff = 5, .ls = { 2000 },
	  .rs = { 95 } },
	{ .op = KT_SEND_IMM, .len = SZ_64K, .nl = 1, .nr = 1, .roff = 3 },
	{ .op = KT_SEND_IMM, .len = SZ_1M, .nl = 1, .nr = 1 },
	{ .op = KT_WRITE, .len = 0, .nl = 0, .roff = 11 },
	{ .op = KT_WRITE, .len = 1, .nl = 1, .roff = 7 },
	{ .op = KT_WRITE, .len = 4095, .nl = 1, .loff = 2, .roff = 1 },
	{ .op = KT_WRITE, .len = SZ_64K, .nl = 1, .roff = SZ_4K },
	{ .op = KT_WRITE, .len = SZ_1M, .nl = 1 },
	{ .op = KT_WRITE, .len = 8191, .nl = 2, .roff = 13, .ls = { 4095 } },
	{ .op = KT_WRITE, .len = SZ_64K + 3, .nl = 3, .roff = 4093, .ls = { 1, 40000 } },
	{ .op = KT_WRITE, .len = SZ_1M, .nl = 4, .roff = 1, .ls = { 3, SZ_512K, 4097 } },
	{ .op = KT_WRITE_IMM, .len = 0, .nl = 0 },
	{ .op = KT_WRITE_IMM, .len = 1, .nl = 1, .roff = 9 },
	{ .op = KT_WRITE_IMM, .len = 4095, .nl = 2, .roff = 3, .ls = { 7 } },
	{ .op = KT_WRITE_IMM, .len = SZ_64K, .nl = 1 },
	{ .op = KT_WRITE_IMM, .len = SZ_1M, .nl = 1, .roff = SZ_4K },
	{ .op = KT_READ, .len = 1, .nl = 1, .roff = 5 },
	{ .op = KT_READ, .len = 4095, .nl = 1, .loff = 3, .roff = 3 },
	{ .op = KT_READ, .len = SZ_64K, .nl = 1 },
	{ .op = KT_READ, .len = SZ_1M, .nl = 1, .roff = SZ_4K },
	{ .op = KT_READ, .len = 4097, .nl = 2, .roff = 1, .ls = { 2048 } },
	{ .op = KT_READ, .len = SZ_64K + 1, .nl = 3, .ls = { 100, SZ_32K } },
	{ .op = KT_READ, .len = SZ_1M, .nl = 4, .roff = 17, .ls = { SZ_4K, 1, SZ_256K } },
};

struct kt_cq {
	struct ib_cq *cq;
	struct completion event;	/* completed by the completion handler */
	atomic_t events;
	bool armed;			/* armed with an empty CQ, no event seen yet */
	const char *name;
};

struct kt_buf {
	struct page *page;
	u8 *va;
	u64 dma;
};

struct kt_peer {
	u32 qpn;
	u32 lid;
	union ib_gid gid;
	u32 rkey;
	u64 addr;
	u32 len;
};

/* What the server prepared for the current case. */
struct kt_serving {
	bool active;
	u32 seq;
	u32 op;
	u32 seed;
	u32 len;
	u32 imm;
	struct kt_layout lay;
	u32 bad;
};

struct kt_ctx {
	struct ib_device *dev;
	u32 port;
	bool client;
	struct ib_pd *pd;
	struct kt_cq scq;
	struct kt_cq rcq;
	u32 resizes;			/* ib_resize_cq() of scq (kt_resize) */
	struct ib_qp *qp;
	struct kt_buf lbuf;		/* the client's sources and READ targets */
	struct kt_buf rbuf;		/* what the peer sends, writes and reads */
	u8 *ctrl;
	u64 ctrl_dma;
	bool ctrl_mapped;
	u32 max_send_sge;
	u32 max_recv_sge;
	u32 max_rd_sge;
	u32 rd_atom;
	u32 dest_rd_atom;
	u32 max_msg;			/* port max_msg_sz, at connect */
	bool connected;
	bool broken;			/* QP error or protocol out of step */
	enum kt_mode mode;
	u64 wr_count;
	u64 ctrl_recv_id;
	u64 data_recv_id;
	u32 seq;
	struct kt_peer peer;
	struct kt_serving srv;
	struct ib_mr *fmr;		/* server: the fast-reg MR */
	struct ib_pd *pd2;		/* server: another PD (its global rkey) */
	struct ib_port_attr pa;		/* at connect */
};

/* kt_lock serializes the debugfs commands with device add/remove. */
static DEFINE_MUTEX(kt_lock);
static struct kt_ctx *kt_ctx;
static struct dentry *kt_dir;
static bool kt_is_client;
static struct ib_client kt_client;

/* The data pattern of a test (seed) at message byte i, and guard bytes. */
static inline u8 kt_pat(u32 seed, u32 i)
{
	u32 x = (i + seed) * 2654435761u;

	return (u8)((x >> 24) ^ i);
}

static inline u8 kt_guard(u32 seed, u32 pos)
{
	return (u8)~kt_pat(seed ^ 0x5a5a5a5a, pos);
}

static bool kt_layout_valid(const struct kt_layout *lay)
{
	u32 i, end = 0;

	if (lay->n > KT_MAX_SGE)
		return false;
	for (i = 0; i < lay->n; i++) {
		if (lay->off[i] < end || lay->len[i] > KT_DATA_END ||
		    lay->off[i] > KT_DATA_END - lay->len[i])
			return false;
		end = lay->off[i] + lay->len[i];
	}
	return true;
}

static u32 kt_layout_size(const struct kt_layout *lay)
{
	u32 i, sum = 0;

	for (i = 0; i < lay->n; i++)
		sum += lay->len[i];
	return sum;
}

/* n segments from off: split[0..n-2], then the rest of total plus extra. */
static int kt_layout_make(struct kt_layout *lay, u32 n, u32 off, u32 total,
			  const u32 *split, u32 extra)
{
	u32 i, len, sum = 0;

	if (n > KT_MAX_SGE || (!n && total))
		return -EINVAL;
	lay->n = n;
	for (i = 0; i < n; i++) {
		if (i + 1 < n) {
			len = split[i];
			if (!len || len >= total - sum)
				return -EINVAL;
		} else {
			len = total - sum + extra;
		}
		lay->off[i] = off;
		lay->len[i] = len;
		sum += len;
		off += len + 64 + 32 * i;	/* gaps, which must stay untouched */
	}
	return kt_layout_valid(lay) ? 0 : -EINVAL;
}

static void kt_window(const struct kt_layout *lay, u32 *lo, u32 *hi)
{
	u32 end = lay->off[lay->n - 1] + lay->len[lay->n - 1];

	*lo = lay->off[0] > KT_GUARD ? lay->off[0] - KT_GUARD : 0;
	*hi = min_t(u32, end + KT_GUARD, KT_BUF_LEN);
}

/* Guard bytes around and between the segments, datalen pattern bytes in them. */
static void kt_fill(u8 *buf, const struct kt_layout *lay, u32 datalen, u32 seed)
{
	u32 lo, hi, pos, i, j, m = 0;

	if (!lay->n)
		return;
	kt_window(lay, &lo, &hi);
	for (pos = lo; pos < hi; pos++)
		buf[pos] = kt_guard(seed, pos);
	for (i = 0; i < lay->n; i++)
		for (j = 0; j < lay->len[i] && m < datalen; j++)
			buf[lay->off[i] + j] = kt_pat(seed, m++);
}

/* Check what kt_fill() would have written; returns the number of bad bytes. */
static u32 kt_check(const char *what, const u8 *buf, const struct kt_layout *lay,
		    u32 datalen, u32 seed)
{
	u32 lo, hi, pos, s = 0, m = 0, bad = 0;
	bool data;
	u8 want;

	if (!lay->n)
		return 0;
	kt_window(lay, &lo, &hi);
	for (pos = lo; pos < hi; pos++) {
		while (s < lay->n && pos >= lay->off[s] + lay->len[s])
			s++;
		data = s < lay->n && pos >= lay->off[s] && m < datalen;
		want = data ? kt_pat(seed, m) : kt_guard(seed, pos);
		if (buf[pos] != want && ++bad <= 4)
			pr_err("%s: byte at %u (%s %u) is 0x%02x, expected 0x%02x\n",
			       what, pos, data ? "message byte" : "guard", data ? m : pos,
			       buf[pos], want);
		if (data)
			m++;
	}
	if (m != datalen) {
		pr_err("%s: layout holds %u of %u bytes\n", what, m, datalen);
		bad++;
	}
	if (bad)
		pr_err("%s: %u bad bytes in [%u, %u)\n", what, bad, lo, hi);
	return bad;
}

static u64 kt_wr_id(struct kt_ctx *c, enum kt_wr_kind kind)
{
	return (++c->wr_count << 8) | kind;
}

static void kt_cq_comp(struct ib_cq *cq, void *cq_context)
{
	struct kt_cq *kcq = cq_context;

	atomic_inc(&kcq->events);
	complete(&kcq->event);
}

static void kt_cq_event(struct ib_event *ev, void *cq_context)
{
	struct kt_cq *kcq = cq_context;

	pr_err("%s CQ: async event %s (%d)\n", kcq->name, ib_event_msg(ev->event),
	       ev->event);
}

static void kt_qp_event(struct ib_event *ev, void *qp_context)
{
	struct kt_ctx *c = qp_context;

	switch (ev->event) {
	case IB_EVENT_COMM_EST:
	case IB_EVENT_SQ_DRAINED:
	case IB_EVENT_QP_LAST_WQE_REACHED:
		pr_info("QP event: %s\n", ib_event_msg(ev->event));
		break;
	default:
		pr_err("QP async event %s (%d)\n", ib_event_msg(ev->event), ev->event);
		WRITE_ONCE(c->broken, true);
		break;
	}
}

/* Arm an empty CQ: its next completion must raise an event. */
static int kt_arm(struct kt_ctx *c, struct kt_cq *kcq)
{
	int ret;

	if (c->mode != KT_MODE_NOTIFY)
		return 0;
	reinit_completion(&kcq->event);
	ret = ib_req_notify_cq(kcq->cq, IB_CQ_NEXT_COMP);
	if (ret) {
		pr_err("%s CQ: ib_req_notify_cq: %d\n", kcq->name, ret);
		return ret < 0 ? ret : -EIO;
	}
	kcq->armed = true;
	return 0;
}

static int kt_poll_one(struct kt_ctx *c, struct kt_cq *kcq, struct ib_wc *wc)
{
	int n = ib_poll_cq(kcq->cq, 1, wc);

	if (n < 0) {
		pr_err("%s CQ: ib_poll_cq: %d\n", kcq->name, n);
		c->broken = true;
	}
	return n;
}

/*
 * Wait for the next completion of a CQ.  Polled mode: ib_poll_cq() until the
 * deadline.  Notified mode, CQ armed by kt_arm() before the work request that
 * completes was posted: the completion handler must run, then the completion
 * must be there.  Notified mode otherwise: poll, arm with
 * IB_CQ_REPORT_MISSED_EVENTS, sleep until the handler runs, poll again.
 */
static int kt_wait(struct kt_ctx *c, struct kt_cq *kcq, unsigned int tmo_ms,
		   struct ib_wc *wc)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(tmo_ms);
	bool strict = c->mode == KT_MODE_NOTIFY && kcq->armed;
	long left;
	int n;

	kcq->armed = false;
	for (;;) {
		if (!strict) {
			n = kt_poll_one(c, kcq, wc);
			if (n)
				return n < 0 ? n : 0;
		}
		left = (long)(deadline - jiffies);
		if (left <= 0)
			break;
		if (c->mode == KT_MODE_POLL) {
			usleep_range(20, 100);
			continue;
		}
		if (!strict) {
			reinit_completion(&kcq->event);
			n = ib_req_notify_cq(kcq->cq,
					     IB_CQ_NEXT_COMP | IB_CQ_REPORT_MISSED_EVENTS);
			if (n < 0) {
				pr_err("%s CQ: ib_req_notify_cq: %d\n", kcq->name, n);
				c->broken = true;
				return n;
			}
			if (n > 0) {
				cond_resched();
				continue;
			}
		}
		if (!wait_for_completion_timeout(&kcq->event, left))
			break;
		if (strict) {
			n = kt_poll_one(c, kcq, wc);
			if (n)
				return n < 0 ? n : 0;
			/* an event with nothing to poll: wait for the next one */
		}
	}
	n = kt_poll_one(c, kcq, wc);
	if (n > 0 && c->mode == KT_MODE_POLL)
		return 0;
	if (n > 0)
		pr_err("%s CQ: a completion arrived but the armed CQ raised no event within %u ms\n",
		       kcq->name, tmo_ms);
	else if (!n)
		pr_err("%s CQ: no completion within %u ms\n", kcq->name, tmo_ms);
	c->broken = true;
	return -ETIMEDOUT;
}

/*
 * Polled mode: ib_resize_cq() of the send CQ right after a post, its
 * completion pending or not yet there, alternately to twice its depth and
 * back (never below what can be outstanding); the completion must still
 * come once, with its wr_id (kt_wc_ok).  A size of 0 is refused.
 */
static int kt_resize(struct kt_ctx *c)
{
	int cqe, ret;

	if (c->mode != KT_MODE_POLL)
		return 0;
	ret = ib_resize_cq(c->scq.cq, 0);
	if (ret != -EINVAL) {
		pr_err("send CQ: ib_resize_cq(0): %d, expected %d\n", ret,
		       -EINVAL);
		c->broken = true;
		return ret ? ret : -EPROTO;
	}
	cqe = c->scq.cq->cqe > KT_CQ_DEPTH ? KT_CQ_DEPTH : 2 * KT_CQ_DEPTH;
	ret = ib_resize_cq(c->scq.cq, cqe);
	if (ret || c->scq.cq->cqe < cqe) {
		pr_err("send CQ: ib_resize_cq(%d): %d, cqe %d\n", cqe, ret,
		       c->scq.cq->cqe);
		c->broken = true;
		return ret ? ret : -EPROTO;
	}
	c->resizes++;
	return 0;
}

/* Status and wr_id of a completion: anything wrong is fatal for the run. */
static int kt_wc_ok(struct kt_ctx *c, const struct ib_wc *wc, u64 wr_id,
		    const char *what)
{
	if (wc->status != IB_WC_SUCCESS) {
		pr_err("%s: completion status %s (%d), vendor_err 0x%x, wr_id 0x%llx\n",
		       what, ib_wc_status_msg(wc->status), wc->status,
		       wc->vendor_err, wc->wr_id);
		c->broken = true;
		return -EIO;
	}
	if (wc->wr_id != wr_id || wc->qp != c->qp) {
		pr_err("%s: completion of wr_id 0x%llx (qp %p), expected 0x%llx (qp %p)\n",
		       what, wc->wr_id, wc->qp, wr_id, c->qp);
		c->broken = true;
		return -EIO;
	}
	return 0;
}

static int kt_post_send(struct kt_ctx *c, const struct ib_send_wr *wr)
{
	const struct ib_send_wr *bad_wr;
	int ret = ib_post_send(c->qp, wr, &bad_wr);

	if (ret) {
		pr_err("ib_post_send: %d\n", ret);
		c->broken = true;
	}
	return ret;
}

static int kt_post_recv(struct kt_ctx *c, struct ib_sge *sge, int nsge,
			enum kt_wr_kind kind, u64 *wr_id)
{
	const struct ib_recv_wr *bad_wr;
	struct ib_recv_wr wr = {
		.wr_id = kt_wr_id(c, kind),
		.sg_list = sge,
		.num_sge = nsge,
	};
	int ret = ib_post_recv(c->qp, &wr, &bad_wr);

	if (ret) {
		pr_err("ib_post_recv: %d\n", ret);
		c->broken = true;
		return ret;
	}
	*wr_id = wr.wr_id;
	return 0;
}

static int kt_post_ctrl_recv(struct kt_ctx *c)
{
	struct ib_sge sge = {
		.addr = c->ctrl_dma + KT_CTRL_RECV,
		.length = sizeof(struct kt_msg),
		.lkey = c->pd->local_dma_lkey,
	};

	ib_dma_sync_single_for_device(c->dev, c->ctrl_dma + KT_CTRL_RECV,
				      sizeof(struct kt_msg), DMA_BIDIRECTIONAL);
	return kt_post_recv(c, &sge, 1, KT_WR_CTRL_RECV, &c->ctrl_recv_id);
}

static void kt_msg_init(struct kt_msg *m, enum kt_msg_type type, u32 seq)
{
	memset(m, 0, sizeof(*m));
	m->magic = cpu_to_be32(KT_MAGIC);
	m->type = cpu_to_be32(type);
	m->seq = cpu_to_be32(seq);
}

static int kt_send_msg(struct kt_ctx *c, const struct kt_msg *m)
{
	struct ib_sge sge = {
		.addr = c->ctrl_dma + KT_CTRL_SEND,
		.length = sizeof(*m),
		.lkey = c->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_id = kt_wr_id(c, KT_WR_CTRL_SEND),
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};
	struct ib_wc wc;
	int ret;

	memcpy(c->ctrl + KT_CTRL_SEND, m, sizeof(*m));
	ib_dma_sync_single_for_device(c->dev, c->ctrl_dma + KT_CTRL_SEND,
				      sizeof(*m), DMA_BIDIRECTIONAL);
	ret = kt_arm(c, &c->scq);
	if (ret)
		return ret;
	ret = kt_post_send(c, &wr);
	if (ret)
		return ret;
	ret = kt_wait(c, &c->scq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	ret = kt_wc_ok(c, &wc, wr.wr_id, "control send");
	if (!ret && wc.opcode != IB_WC_SEND) {
		pr_err("control send: completion opcode %d, expected IB_WC_SEND\n",
		       wc.opcode);
		c->broken = true;
		ret = -EIO;
	}
	return ret;
}

static int kt_recv_msg(struct kt_ctx *c, struct kt_msg *m, unsigned int tmo_ms)
{
	struct ib_wc wc;
	int ret;

	ret = kt_wait(c, &c->rcq, tmo_ms, &wc);
	if (ret)
		return ret;
	ret = kt_wc_ok(c, &wc, c->ctrl_recv_id, "control receive");
	if (ret)
		return ret;
	if (wc.opcode != IB_WC_RECV || wc.byte_len != sizeof(*m) ||
	    (wc.wc_flags & IB_WC_WITH_IMM)) {
		pr_err("control receive: opcode %d, byte_len %u, wc_flags 0x%x\n",
		       wc.opcode, wc.byte_len, wc.wc_flags);
		c->broken = true;
		return -EIO;
	}
	ib_dma_sync_single_for_cpu(c->dev, c->ctrl_dma + KT_CTRL_RECV, sizeof(*m),
				   DMA_BIDIRECTIONAL);
	memcpy(m, c->ctrl + KT_CTRL_RECV, sizeof(*m));
	if (be32_to_cpu(m->magic) != KT_MAGIC) {
		pr_err("control receive: bad magic 0x%08x\n", be32_to_cpu(m->magic));
		c->broken = true;
		return -EIO;
	}
	return 0;
}

/* Client: send a request, wait for the reply of the given type. */
static int kt_request(struct kt_ctx *c, const struct kt_msg *req,
		      enum kt_msg_type rsp_type, struct kt_msg *rsp)
{
	int ret;

	ret = kt_post_ctrl_recv(c);
	if (ret)
		return ret;
	ret = kt_arm(c, &c->rcq);	/* the reply cannot come before the request */
	if (ret)
		return ret;
	ret = kt_send_msg(c, req);
	if (ret)
		return ret;
	ret = kt_recv_msg(c, rsp, kt_timeout_ms);
	if (ret)
		return ret;
	if (be32_to_cpu(rsp->type) != rsp_type || rsp->seq != req->seq) {
		pr_err("reply type %u seq %u, expected type %u seq %u\n",
		       be32_to_cpu(rsp->type), be32_to_cpu(rsp->seq), rsp_type,
		       be32_to_cpu(req->seq));
		c->broken = true;
		return -EIO;
	}
	return 0;
}

static void kt_layout_to_msg(struct kt_msg *m, const struct kt_layout *lay)
{
	u32 i;

	m->nseg = cpu_to_be32(lay->n);
	for (i = 0; i < lay->n; i++) {
		m->seg[i].off = cpu_to_be32(lay->off[i]);
		m->seg[i].len = cpu_to_be32(lay->len[i]);
	}
}

static bool kt_layout_from_msg(struct kt_layout *lay, const struct kt_msg *m)
{
	u32 i;

	lay->n = be32_to_cpu(m->nseg);
	if (!lay->n || lay->n > KT_MAX_SGE)
		return false;
	for (i = 0; i < lay->n; i++) {
		lay->off[i] = be32_to_cpu(m->seg[i].off);
		lay->len[i] = be32_to_cpu(m->seg[i].len);
	}
	return kt_layout_valid(lay);
}

static void kt_sync_for_device(struct kt_ctx *c, struct kt_buf *b)
{
	ib_dma_sync_single_for_device(c->dev, b->dma, KT_BUF_LEN, DMA_BIDIRECTIONAL);
}

static void kt_sync_for_cpu(struct kt_ctx *c, struct kt_buf *b)
{
	ib_dma_sync_single_for_cpu(c->dev, b->dma, KT_BUF_LEN, DMA_BIDIRECTIONAL);
}

static const struct kt_layout kt_sentinel = {
	.n = 1, .off = { KT_SENTINEL }, .len = { KT_SLACK },
};

/* ---- server side ---- */

static int kt_serve_data_recv(struct kt_ctx *c)
{
	struct kt_serving *s = &c->srv;
	bool want_imm = s->op != KT_SEND;
	enum ib_wc_opcode want_op;
	struct ib_wc wc;
	int ret;

	ret = kt_wait(c, &c->rcq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	ret = kt_wc_ok(c, &wc, c->data_recv_id, "data receive");
	if (ret)
		return ret;
	want_op = s->op == KT_WRITE_IMM ? IB_WC_RECV_RDMA_WITH_IMM : IB_WC_RECV;
	if (wc.opcode != want_op) {
		pr_err("%s seq %u: receive opcode %d, expected %d\n",
		       kt_op_name[s->op], s->seq, wc.opcode, want_op);
		s->bad++;
	}
	if (wc.byte_len != s->len) {
		pr_err("%s seq %u: receive byte_len %u, expected %u\n",
		       kt_op_name[s->op], s->seq, wc.byte_len, s->len);
		s->bad++;
	}
	if (!!(wc.wc_flags & IB_WC_WITH_IMM) != want_imm) {
		pr_err("%s seq %u: receive wc_flags 0x%x, IB_WC_WITH_IMM expected %s\n",
		       kt_op_name[s->op], s->seq, wc.wc_flags, want_imm ? "set" : "clear");
		s->bad++;
	} else if (want_imm && be32_to_cpu(wc.ex.imm_data) != s->imm) {
		pr_err("%s seq %u: immediate 0x%08x, expected 0x%08x\n",
		       kt_op_name[s->op], s->seq, be32_to_cpu(wc.ex.imm_data), s->imm);
		s->bad++;
	}
	return 0;
}

static int kt_serve_prepare(struct kt_ctx *c, const struct kt_msg *m)
{
	struct kt_serving *s = &c->srv;
	struct ib_sge sge[KT_MAX_SGE];
	bool recv = false;
	struct kt_msg rsp;
	int status = 0;
	u32 mode, i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->seq = be32_to_cpu(m->seq);
	s->op = be32_to_cpu(m->op);
	s->seed = be32_to_cpu(m->seed);
	s->len = be32_to_cpu(m->len);
	s->imm = be32_to_cpu(m->imm);
	mode = be32_to_cpu(m->mode);
	if (s->op >= KT_NR_OPS || mode >= KT_NR_MODES || !kt_layout_from_msg(&s->lay, m)) {
		pr_err("prepare seq %u: bad request (op %u mode %u)\n", s->seq, s->op, mode);
		status = -EINVAL;
	} else if (s->op == KT_SEND || s->op == KT_SEND_IMM) {
		if (s->lay.n > c->max_recv_sge)
			status = -EOPNOTSUPP;
		else if (kt_layout_size(&s->lay) < s->len)
			status = -EINVAL;
	} else if (s->lay.n != 1 || s->lay.len[0] != s->len) {
		status = -EINVAL;
	}
	if (!status) {
		c->mode = mode;
		switch (s->op) {
		case KT_SEND:
		case KT_SEND_IMM:
			kt_fill(c->rbuf.va, &s->lay, 0, s->seed);
			recv = true;
			break;
		case KT_WRITE:
			kt_fill(c->rbuf.va, &s->lay, 0, s->seed);
			break;
		case KT_WRITE_IMM:
			kt_fill(c->rbuf.va, &s->lay, 0, s->seed);
			kt_fill(c->rbuf.va, &kt_sentinel, 0, s->seed);
			recv = true;
			break;
		case KT_READ:
			kt_fill(c->rbuf.va, &s->lay, s->len, s->seed);
			break;
		}
		kt_sync_for_device(c, &c->rbuf);
		if (recv) {
			const struct kt_layout *rl = s->op == KT_WRITE_IMM ? &kt_sentinel : &s->lay;

			for (i = 0; i < rl->n; i++) {
				sge[i].addr = c->rbuf.dma + rl->off[i];
				sge[i].length = rl->len[i];
				sge[i].lkey = c->pd->local_dma_lkey;
			}
			ret = kt_post_recv(c, sge, rl->n, KT_WR_DATA_RECV, &c->data_recv_id);
			if (ret)
				return ret;
		}
		s->active = true;
	}
	ret = kt_post_ctrl_recv(c);
	if (ret)
		return ret;
	/* nothing more can arrive before READY: arm for the data or CHECK */
	ret = kt_arm(c, &c->rcq);
	if (ret)
		return ret;
	kt_msg_init(&rsp, KT_MSG_READY, s->seq);
	rsp.status = cpu_to_be32(status);
	ret = kt_send_msg(c, &rsp);
	if (ret || !recv)
		return ret;
	return kt_serve_data_recv(c);
}

static int kt_serve_check(struct kt_ctx *c, const struct kt_msg *m, u32 *failed)
{
	struct kt_serving *s = &c->srv;
	const char *name;
	struct kt_msg rsp;
	u32 bad;
	int ret;

	if (!s->active || be32_to_cpu(m->seq) != s->seq) {
		pr_err("check seq %u: not prepared\n", be32_to_cpu(m->seq));
		c->broken = true;
		return -EIO;
	}
	s->active = false;
	name = kt_op_name[s->op];
	kt_sync_for_cpu(c, &c->rbuf);
	bad = s->bad;
	/* READ must leave its source as it was: the same check */
	bad += kt_check(name, c->rbuf.va, &s->lay, s->len, s->seed);
	if (s->op == KT_WRITE_IMM)
		bad += kt_check("write_imm receive buffer", c->rbuf.va, &kt_sentinel, 0,
				s->seed);
	if (bad) {
		pr_err("server: %s seq %u len %u: FAIL\n", name, s->seq, s->len);
		(*failed)++;
	}
	ret = kt_post_ctrl_recv(c);
	if (ret)
		return ret;
	kt_msg_init(&rsp, KT_MSG_RESULT, s->seq);
	rsp.status = cpu_to_be32(bad ? -EIO : 0);
	return kt_send_msg(c, &rsp);
}

/* ---- fast registration (both sides) ---- */

/*
 * A region's window at @off: guard bytes (gseed) around pattern bytes
 * (dseed).  The fast-reg region is at KT_FR_OFF.
 */
static void kt_fr_fill_at(u8 *buf, u32 off, u32 dseed, u32 gseed)
{
	u32 pos;

	for (pos = off - KT_GUARD; pos < off + KT_FR_LEN + KT_GUARD; pos++)
		buf[pos] = pos >= off && pos < off + KT_FR_LEN ?
			   kt_pat(dseed, pos - off) : kt_guard(gseed, pos);
}

static void kt_fr_fill(u8 *buf, u32 dseed, u32 gseed)
{
	kt_fr_fill_at(buf, KT_FR_OFF, dseed, gseed);
}

static u32 kt_fr_check_at(const char *what, const u8 *buf, u32 off, u32 dseed,
			  u32 gseed)
{
	u32 pos, bad = 0;
	u8 want;

	for (pos = off - KT_GUARD; pos < off + KT_FR_LEN + KT_GUARD; pos++) {
		want = pos >= off && pos < off + KT_FR_LEN ?
		       kt_pat(dseed, pos - off) : kt_guard(gseed, pos);
		if (buf[pos] != want && ++bad <= 4)
			pr_err("%s: byte at %u is 0x%02x, expected 0x%02x\n", what, pos,
			       buf[pos], want);
	}
	if (bad)
		pr_err("%s: %u bad bytes\n", what, bad);
	return bad;
}

static u32 kt_fr_check(const char *what, const u8 *buf, u32 dseed, u32 gseed)
{
	return kt_fr_check_at(what, buf, KT_FR_OFF, dseed, gseed);
}

/* Post one signaled send-queue work request and check its completion. */
static int kt_fr_post_wait(struct kt_ctx *c, struct ib_send_wr *wr,
			   enum ib_wc_opcode want, const char *what)
{
	struct ib_wc wc;
	int ret;

	wr->wr_id = kt_wr_id(c, KT_WR_OP);
	wr->send_flags = IB_SEND_SIGNALED;
	ret = kt_arm(c, &c->scq);
	if (ret)
		return ret;
	ret = kt_post_send(c, wr);
	if (ret)
		return ret;
	ret = kt_wait(c, &c->scq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	ret = kt_wc_ok(c, &wc, wr->wr_id, what);
	if (!ret && wc.opcode != want) {
		pr_err("%s: completion opcode %d, expected %d\n", what, wc.opcode, want);
		c->broken = true;
		ret = -EIO;
	}
	return ret;
}

static int kt_qp_recover(struct kt_ctx *c, bool ctrl);

static int kt_fr_access(struct kt_ctx *c)
{
	int access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
		     IB_ACCESS_REMOTE_READ;

	if (c->dev->attrs.atomic_cap != IB_ATOMIC_NONE)
		access |= IB_ACCESS_REMOTE_ATOMIC;
	return access;
}

/*
 * Server: map the KT_FR_LEN bytes at @off of our buffer into the fast-reg
 * MR and register it (IB_WR_REG_MR, its current key); @iova nonzero: at
 * that address instead of the pages' own.  Its key and address go into
 * @rsp.
 */
static int kt_fr_map_reg(struct kt_ctx *c, u32 off, u64 iova,
			 struct kt_msg *rsp, const char *what)
{
	struct ib_reg_wr wr = {};
	struct scatterlist sg;
	int n, ret;

	sg_init_table(&sg, 1);
	sg_dma_address(&sg) = c->rbuf.dma + off;
	sg_dma_len(&sg) = KT_FR_LEN;
	n = ib_map_mr_sg(c->fmr, &sg, 1, NULL, PAGE_SIZE);
	if (n != 1) {
		pr_err("ib_map_mr_sg: %d\n", n);
		return n < 0 ? n : -EIO;
	}
	if (iova)
		c->fmr->iova = iova;
	wr.wr.opcode = IB_WR_REG_MR;
	wr.mr = c->fmr;
	wr.key = c->fmr->rkey;
	wr.access = kt_fr_access(c);
	ret = kt_fr_post_wait(c, &wr.wr, IB_WC_REG_MR, what);
	if (ret)
		return ret;
	rsp->imm = cpu_to_be32(c->fmr->rkey);
	rsp->addr = cpu_to_be64(c->fmr->iova);
	pr_info("%s: rkey 0x%08x iova 0x%llx len %llu, the pages at offset %#x\n",
		what, c->fmr->rkey, c->fmr->iova, c->fmr->length, off);
	return 0;
}

/* Server: register the region with IB_WR_REG_MR under a new key. */
static int kt_serve_fr_reg(struct kt_ctx *c, u32 seed, struct kt_msg *rsp)
{
	int ret;

	if (!c->fmr) {
		c->fmr = ib_alloc_mr(c->pd, IB_MR_TYPE_MEM_REG, KT_FR_PAGES);
		if (IS_ERR(c->fmr)) {
			ret = PTR_ERR(c->fmr);
			c->fmr = NULL;
			pr_err("ib_alloc_mr: %d\n", ret);
			return ret;
		}
	}
	kt_fr_fill(c->rbuf.va, seed, seed);
	kt_sync_for_device(c, &c->rbuf);
	ib_update_fast_reg_key(c->fmr, ib_inc_rkey(c->fmr->rkey));
	return kt_fr_map_reg(c, KT_FR_OFF, 0, rsp, "REG_MR");
}

/*
 * Server: invalidate the MR and register it again under the same key and
 * iova, over other pages (@alt: the region at KT_FR_ALT_OFF, whose bytes
 * are set apart from @seed's pattern first) or back over the fast-reg
 * region (@alt false: the client's WRITE meanwhile must have put @seed's
 * pattern into the other pages, and nothing around them).  The peer's
 * view of the key, its MR table entry, is the same byte for byte each
 * time; only the pages differ, so a requester that kept the old page
 * addresses would write the old pages.  *@status: -EIO when a check
 * failed.
 */
static int kt_serve_fr_move(struct kt_ctx *c, bool alt, u32 seed,
			    struct kt_msg *rsp, int *status)
{
	struct ib_send_wr inv = { .opcode = IB_WR_LOCAL_INV };
	u64 iova;
	int ret;

	if (!c->fmr)
		return -EINVAL;
	iova = c->fmr->iova;
	inv.ex.invalidate_rkey = c->fmr->rkey;
	ret = kt_fr_post_wait(c, &inv, IB_WC_LOCAL_INV, "LOCAL_INV before a move");
	if (ret)
		return ret;
	kt_sync_for_cpu(c, &c->rbuf);
	if (alt) {
		kt_fr_fill_at(c->rbuf.va, KT_FR_ALT_OFF, ~seed, ~seed);
		kt_sync_for_device(c, &c->rbuf);
	} else if (kt_fr_check_at("server: the other pages after the WRITE", c->rbuf.va,
				  KT_FR_ALT_OFF, seed, ~seed)) {
		*status = -EIO;
	}
	/* the address the client knows, over other pages (or back) */
	return kt_fr_map_reg(c, alt ? KT_FR_ALT_OFF : KT_FR_OFF, iova, rsp,
			     "REG_MR under the same key");
}

/* Server: the client's SEND_WITH_INV must invalidate the MR. */
static int kt_serve_fr_recv(struct kt_ctx *c, u32 seed, u32 len)
{
	u8 *buf = c->rbuf.va + KT_FR_RECV_OFF;
	struct ib_sge sge = {
		.addr = c->rbuf.dma + KT_FR_RECV_OFF,
		.length = 256,
		.lkey = c->pd->local_dma_lkey,
	};
	struct ib_wc wc;
	u32 i, bad = 0;
	int ret;

	ret = kt_wait(c, &c->rcq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	ret = kt_wc_ok(c, &wc, c->data_recv_id, "SEND_WITH_INV receive");
	if (ret)
		return ret;
	if (wc.opcode != IB_WC_RECV || wc.byte_len != len ||
	    !(wc.wc_flags & IB_WC_WITH_INVALIDATE) ||
	    wc.ex.invalidate_rkey != c->fmr->rkey) {
		pr_err("SEND_WITH_INV receive: opcode %d byte_len %u wc_flags 0x%x rkey 0x%08x, expected %d %u WITH_INVALIDATE 0x%08x\n",
		       wc.opcode, wc.byte_len, wc.wc_flags,
		       wc.wc_flags & IB_WC_WITH_INVALIDATE ? wc.ex.invalidate_rkey : 0,
		       IB_WC_RECV, len, c->fmr->rkey);
		bad++;
	}
	ib_dma_sync_single_for_cpu(c->dev, sge.addr, sge.length, DMA_BIDIRECTIONAL);
	for (i = 0; i < len && i < sge.length; i++)
		if (buf[i] != kt_pat(seed, i) && ++bad <= 4)
			pr_err("SEND_WITH_INV payload byte %u is 0x%02x, expected 0x%02x\n",
			       i, buf[i], kt_pat(seed, i));
	return bad ? 1 : 0;
}

/*
 * Server: the client's SEND_WITH_INV names a key we refuse.  Its receive
 * must fail (an error, not a flush) with nothing written into it, our QP
 * goes to the error state (the control receive posted after it is
 * flushed); back to RTS, then the verdict as RESULT.
 */
static int kt_serve_fr_badinv(struct kt_ctx *c, u32 seq)
{
	u8 *buf = c->rbuf.va + KT_FR_RECV_OFF;
	struct kt_msg rsp;
	struct ib_wc wc;
	u32 i, bad = 0;
	int ret;

	ret = kt_wait(c, &c->rcq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	if (wc.wr_id != c->data_recv_id || wc.status == IB_WC_SUCCESS ||
	    wc.status == IB_WC_WR_FLUSH_ERR) {
		pr_err("refused SEND_WITH_INV receive: wr_id 0x%llx status %s, expected an error of wr_id 0x%llx\n",
		       wc.wr_id, ib_wc_status_msg(wc.status), c->data_recv_id);
		bad++;
	} else {
		pr_info("refused SEND_WITH_INV receive: %s, as expected\n",
			ib_wc_status_msg(wc.status));
	}
	ib_dma_sync_single_for_cpu(c->dev, c->rbuf.dma + KT_FR_RECV_OFF, 256,
				   DMA_BIDIRECTIONAL);
	for (i = 0; i < 256; i++)
		if (buf[i] && ++bad <= 4)
			pr_err("refused SEND_WITH_INV: receive byte %u is 0x%02x, expected 0\n",
			       i, buf[i]);
	ret = kt_wait(c, &c->rcq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	if (wc.wr_id != c->ctrl_recv_id || wc.status != IB_WC_WR_FLUSH_ERR) {
		pr_err("after the refused SEND_WITH_INV: wr_id 0x%llx status %s, expected the control receive flushed\n",
		       wc.wr_id, ib_wc_status_msg(wc.status));
		bad++;
	}
	ret = kt_qp_recover(c, true);
	if (ret)
		return ret;
	kt_msg_init(&rsp, KT_MSG_RESULT, seq);
	rsp.status = cpu_to_be32(bad ? -EIO : 0);
	return kt_send_msg(c, &rsp);
}

static int kt_serve_fr(struct kt_ctx *c, const struct kt_msg *m)
{
	u32 op = be32_to_cpu(m->op), seed = be32_to_cpu(m->seed);
	u32 seq = be32_to_cpu(m->seq), len = be32_to_cpu(m->len);
	struct ib_send_wr inv = { .opcode = IB_WR_LOCAL_INV };
	struct ib_sge sge = {
		.addr = c->rbuf.dma + KT_FR_RECV_OFF,
		.length = 256,
		.lkey = c->pd->local_dma_lkey,
	};
	struct kt_msg rsp;
	int status = 0, ret;

	kt_msg_init(&rsp, KT_MSG_READY, seq);
	switch (op) {
	case KT_FR_REG:
		ret = kt_serve_fr_reg(c, seed, &rsp);
		if (ret)
			return ret;
		c->srv.seed = seed;	/* the guard bytes' seed from now on */
		break;
	case KT_FR_INV:
		if (!c->fmr)
			return -EINVAL;
		inv.ex.invalidate_rkey = c->fmr->rkey;
		ret = kt_fr_post_wait(c, &inv, IB_WC_LOCAL_INV, "LOCAL_INV");
		/* once more: the MR is invalid already, that is no error */
		if (!ret)
			ret = kt_fr_post_wait(c, &inv, IB_WC_LOCAL_INV,
					      "LOCAL_INV of the invalid MR");
		if (ret)
			return ret;
		break;
	case KT_FR_MOVE:
	case KT_FR_BACK:
		ret = kt_serve_fr_move(c, op == KT_FR_MOVE, seed, &rsp, &status);
		if (ret)
			return ret;
		break;
	case KT_FR_CHECK:
		kt_sync_for_cpu(c, &c->rbuf);
		if (kt_fr_check("server: fast-reg region", c->rbuf.va, seed, c->srv.seed))
			status = -EIO;
		break;
	case KT_FR_PD2:
		if (!c->pd2) {
			c->pd2 = ib_alloc_pd(c->dev, IB_PD_UNSAFE_GLOBAL_RKEY);
			if (IS_ERR(c->pd2)) {
				ret = PTR_ERR(c->pd2);
				c->pd2 = NULL;
				pr_err("ib_alloc_pd: %d\n", ret);
				return ret;
			}
		}
		rsp.imm = cpu_to_be32(c->pd2->unsafe_global_rkey);
		break;
	case KT_FR_RECV:
	case KT_FR_BADINV:
		if (!c->fmr || len > sge.length)
			return -EINVAL;
		memset(c->rbuf.va + KT_FR_RECV_OFF, 0, sge.length);
		ib_dma_sync_single_for_device(c->dev, sge.addr, sge.length,
					      DMA_BIDIRECTIONAL);
		ret = kt_post_recv(c, &sge, 1, KT_WR_DATA_RECV, &c->data_recv_id);
		if (ret)
			return ret;
		break;
	default:
		pr_err("fr: unknown step %u\n", op);
		c->broken = true;
		return -EIO;
	}
	ret = kt_post_ctrl_recv(c);
	if (ret)
		return ret;
	ret = kt_arm(c, &c->rcq);
	if (ret)
		return ret;
	rsp.status = cpu_to_be32(status);
	ret = kt_send_msg(c, &rsp);
	if (!ret && op == KT_FR_BADINV)
		return kt_serve_fr_badinv(c, seq);
	if (ret || op != KT_FR_RECV)
		return ret;
	/* then the client's SEND_WITH_INV, and the verdict as RESULT */
	ret = kt_serve_fr_recv(c, seed, len);
	if (ret < 0)
		return ret;
	kt_msg_init(&rsp, KT_MSG_RESULT, seq);
	rsp.status = cpu_to_be32(ret ? -EIO : 0);
	return kt_send_msg(c, &rsp);
}

/* "check": serve the client's run until its DONE. */
static int kt_serve(struct kt_ctx *c)
{
	u32 cases = 0, failed = 0;
	struct kt_msg m, rsp;
	int ret;

	/* the client starts when it likes: allow it four waits */
	c->mode = KT_MODE_NOTIFY;
	c->rcq.armed = false;
	ret = kt_recv_msg(c, &m, 4 * kt_timeout_ms);
	while (!ret) {
		switch (be32_to_cpu(m.type)) {
		case KT_MSG_PREPARE:
			cases++;
			ret = kt_serve_prepare(c, &m);
			break;
		case KT_MSG_CHECK:
			ret = kt_serve_check(c, &m, &failed);
			break;
		case KT_MSG_FR:
			cases++;
			ret = kt_serve_fr(c, &m);
			break;
		case KT_MSG_DONE:
			ret = kt_post_ctrl_recv(c);
			if (ret)
				break;
			kt_msg_init(&rsp, KT_MSG_RESULT, be32_to_cpu(m.seq));
			rsp.status = cpu_to_be32(failed ? -EIO : 0);
			ret = kt_send_msg(c, &rsp);
			if (ret)
				break;
			pr_info("check: %u cases served, %u failed on this side\n",
				cases, failed);
			return failed ? -EIO : 0;
		default:
			pr_err("check: unexpected message type %u\n", be32_to_cpu(m.type));
			c->broken = true;
			ret = -EIO;
			break;
		}
		if (!ret)
			ret = kt_recv_msg(c, &m, kt_timeout_ms);
	}
	pr_err("check: aborted after %u cases (%d)\n", cases, ret);
	return -EIO;
}

/* ---- client side ---- */

/* Post the operation of a case and check its send completion. */
static int kt_client_op(struct kt_ctx *c, const struct kt_case *tc,
			const struct kt_layout *llay, const struct kt_layout *rlay,
			u32 imm, u32 *bad)
{
	struct ib_sge sge[KT_MAX_SGE];
	struct ib_rdma_wr wr = {};
	enum ib_wc_opcode want;
	struct ib_wc wc;
	u32 i;
	int ret;

	for (i = 0; i < llay->n; i++) {
		sge[i].addr = c->lbuf.dma + llay->off[i];
		sge[i].length = llay->len[i];
		sge[i].lkey = c->pd->local_dma_lkey;
	}
	wr.wr.wr_id = kt_wr_id(c, KT_WR_OP);
	wr.wr.sg_list = sge;
	wr.wr.num_sge = llay->n;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	switch (tc->op) {
	case KT_SEND:
		wr.wr.opcode = IB_WR_SEND;
		want = IB_WC_SEND;
		break;
	case KT_SEND_IMM:
		wr.wr.opcode = IB_WR_SEND_WITH_IMM;
		wr.wr.ex.imm_data = cpu_to_be32(imm);
		want = IB_WC_SEND;
		break;
	case KT_WRITE:
		wr.wr.opcode = IB_WR_RDMA_WRITE;
		want = IB_WC_RDMA_WRITE;
		break;
	case KT_WRITE_IMM:
		wr.wr.opcode = IB_WR_RDMA_WRITE_WITH_IMM;
		wr.wr.ex.imm_data = cpu_to_be32(imm);
		want = IB_WC_RDMA_WRITE;
		break;
	default:
		wr.wr.opcode = IB_WR_RDMA_READ;
		want = IB_WC_RDMA_READ;
		break;
	}
	if (tc->op != KT_SEND && tc->op != KT_SEND_IMM) {
		wr.remote_addr = c->peer.addr + rlay->off[0];
		wr.rkey = c->peer.rkey;
	}
	ret = kt_arm(c, &c->scq);
	if (ret)
		return ret;
	ret = kt_post_send(c, &wr.wr);
	if (ret)
		return ret;
	ret = kt_resize(c);
	if (ret)
		return ret;
	ret = kt_wait(c, &c->scq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	ret = kt_wc_ok(c, &wc, wr.wr.wr_id, kt_op_name[tc->op]);
	if (ret)
		return ret;
	if (wc.opcode != want) {
		pr_err("%s: completion opcode %d, expected %d\n", kt_op_name[tc->op],
		       wc.opcode, want);
		(*bad)++;
	}
	return 0;
}

/* 0: passed, 1: failed, 2: skipped, < 0: the run cannot go on. */
static int kt_client_case(struct kt_ctx *c, const struct kt_case *tc)
{
	bool send = tc->op == KT_SEND || tc->op == KT_SEND_IMM;
	struct kt_layout llay, rlay;
	struct kt_msg req, rsp;
	u32 seq, seed, imm, bad = 0, max_sge;
	int ret;

	max_sge = tc->op == KT_READ ? c->max_rd_sge : c->max_send_sge;
	if (tc->nl > max_sge || tc->len > c->max_msg ||
	    (tc->op == KT_READ && !c->rd_atom)) {
		pr_info("%s len %u with %u SGEs: SKIP (device limits)\n",
			kt_op_name[tc->op], tc->len, tc->nl);
		return 2;
	}
	if (kt_layout_make(&llay, tc->nl, tc->loff, tc->len, tc->ls, 0) ||
	    (send && kt_layout_make(&rlay, tc->nr, tc->roff, tc->len, tc->rs, KT_SLACK)) ||
	    (!send && kt_layout_make(&rlay, 1, tc->roff, tc->len, NULL, 0))) {
		pr_err("%s len %u: bad test case\n", kt_op_name[tc->op], tc->len);
		return 1;
	}
	if (c->peer.len < KT_DATA_END) {
		pr_err("the peer's buffer (%u bytes) is too small\n", c->peer.len);
		return -EINVAL;
	}

	seq = ++c->seq;
	seed = (seq * 0x9e3779b9) ^ ((u32)tc->op << 8) ^ c->mode;
	imm = seed ^ 0xa5c3e1f0;
	kt_msg_init(&req, KT_MSG_PREPARE, seq);
	req.op = cpu_to_be32(tc->op);
	req.mode = cpu_to_be32(c->mode);
	req.seed = cpu_to_be32(seed);
	req.len = cpu_to_be32(tc->len);
	req.imm = cpu_to_be32(imm);
	kt_layout_to_msg(&req, &rlay);
	ret = kt_request(c, &req, KT_MSG_READY, &rsp);
	if (ret)
		return ret;
	ret = (int)be32_to_cpu(rsp.status);
	if (ret == -EOPNOTSUPP) {
		pr_info("%s len %u with %u receive SGEs: SKIP (peer's limits)\n",
			kt_op_name[tc->op], tc->len, tc->nr);
		return 2;
	}
	if (ret) {
		pr_err("%s seq %u: the server refused the case (%d)\n",
		       kt_op_name[tc->op], seq, ret);
		c->broken = true;
		return -EIO;
	}

	/* sources get the pattern; a READ target gets guard bytes only */
	kt_fill(c->lbuf.va, &llay, tc->op == KT_READ ? 0 : tc->len, seed);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_client_op(c, tc, &llay, &rlay, imm, &bad);
	if (ret)
		return ret;
	/* a READ target must hold the data, a source must be as it was */
	kt_sync_for_cpu(c, &c->lbuf);
	bad += kt_check(tc->op == KT_READ ? "read" : "local source", c->lbuf.va, &llay,
			tc->len, seed);

	kt_msg_init(&req, KT_MSG_CHECK, seq);
	ret = kt_request(c, &req, KT_MSG_RESULT, &rsp);
	if (ret)
		return ret;
	if (rsp.status) {
		pr_err("%s seq %u: the server found errors (see its log)\n",
		       kt_op_name[tc->op], seq);
		bad++;
	}
	pr_info("%s %s len %u sge %u/%u: %s\n", kt_mode_name[c->mode],
		kt_op_name[tc->op], tc->len, tc->nl, send ? tc->nr : 1,
		bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}

static int kt_qp_up(struct kt_ctx *c, const struct ib_port_attr *pa,
		    struct ib_qp_attr *attr, bool ctrl);

/* Client: one fast-reg step of the server; 0 or the reason it failed. */
static int kt_fr_step(struct kt_ctx *c, enum kt_fr_op op, u32 seed, u32 len,
		      struct kt_msg *rsp)
{
	struct kt_msg req;
	int ret;

	kt_msg_init(&req, KT_MSG_FR, ++c->seq);
	req.op = cpu_to_be32(op);
	req.seed = cpu_to_be32(seed);
	req.len = cpu_to_be32(len);
	ret = kt_request(c, &req, KT_MSG_READY, rsp);
	if (ret)
		return ret;
	if (rsp->status) {
		pr_err("fr: the server failed step %u (%d)\n", op,
		       (int)be32_to_cpu(rsp->status));
		return -EIO;
	}
	return 0;
}

/*
 * Client: RDMA WRITE (from the region of our buffer) or READ (into it) of
 * the whole fast-reg region through @rkey; *st gets the completion status.
 */
static int kt_fr_rdma(struct kt_ctx *c, enum ib_wr_opcode opc, u32 rkey, u64 iova,
		      enum ib_wc_status *st)
{
	struct ib_sge sge = {
		.addr = c->lbuf.dma + KT_FR_OFF,
		.length = KT_FR_LEN,
		.lkey = c->pd->local_dma_lkey,
	};
	struct ib_rdma_wr wr = {
		.wr = {
			.wr_id = kt_wr_id(c, KT_WR_OP),
			.sg_list = &sge,
			.num_sge = 1,
			.opcode = opc,
			.send_flags = IB_SEND_SIGNALED,
		},
		.remote_addr = iova,
		.rkey = rkey,
	};
	struct ib_wc wc;
	int ret;

	ret = kt_arm(c, &c->scq);
	if (ret)
		return ret;
	ret = kt_post_send(c, &wr.wr);
	if (ret)
		return ret;
	ret = kt_wait(c, &c->scq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	if (wc.wr_id != wr.wr.wr_id) {
		pr_err("fr: completion of wr_id 0x%llx, expected 0x%llx\n", wc.wr_id,
		       wr.wr.wr_id);
		c->broken = true;
		return -EIO;
	}
	*st = wc.status;
	return 0;
}

/* Client: an RDMA op that must succeed (1: it failed) */
static int kt_fr_ok(struct kt_ctx *c, enum ib_wr_opcode opc, u32 rkey, u64 iova,
		    const char *what)
{
	enum ib_wc_status st;
	int ret = kt_fr_rdma(c, opc, rkey, iova, &st);

	if (ret)
		return ret;
	if (st != IB_WC_SUCCESS) {
		pr_err("fr: %s with rkey 0x%08x: %s, expected success\n", what, rkey,
		       ib_wc_status_msg(st));
		c->broken = true;
		return -EIO;
	}
	return 0;
}

/* Our QP went to the error state: back to RTS through RESET. */
static int kt_qp_recover(struct kt_ctx *c, bool ctrl)
{
	struct ib_qp_attr *attr = kzalloc(sizeof(*attr), GFP_KERNEL);
	int ret;

	if (!attr)
		return -ENOMEM;
	attr->qp_state = IB_QPS_RESET;
	ret = ib_modify_qp(c->qp, attr, IB_QP_STATE);
	if (!ret)
		ret = kt_qp_up(c, &c->pa, attr, ctrl);
	kfree(attr);
	if (ret) {
		pr_err("QP back to RTS: %d\n", ret);
		c->broken = true;
	}
	return ret;
}

/*
 * Client: an RDMA op through a key the server invalidated: it must fail
 * with IB_WC_REM_ACCESS_ERR; then our QP goes back to RTS through RESET.
 */
static int kt_fr_stale(struct kt_ctx *c, enum ib_wr_opcode opc, u32 rkey, u64 iova,
		       const char *what, u32 *bad)
{
	enum ib_wc_status st;
	int ret = kt_fr_rdma(c, opc, rkey, iova, &st);

	if (ret)
		return ret;
	if (st != IB_WC_REM_ACCESS_ERR) {
		pr_err("fr: %s with stale rkey 0x%08x: %s, expected remote access error\n",
		       what, rkey, ib_wc_status_msg(st));
		(*bad)++;
		if (st == IB_WC_SUCCESS)
			return 0;
	} else {
		pr_info("fr: %s with stale rkey 0x%08x: remote access error, as expected\n",
			what, rkey);
	}
	return kt_qp_recover(c, false);
}

/* Client: ask the server to check its region holds dseed's pattern. */
static int kt_fr_server_check(struct kt_ctx *c, u32 dseed, const char *what, u32 *bad)
{
	struct kt_msg req, rsp;
	int ret;

	kt_msg_init(&req, KT_MSG_FR, ++c->seq);
	req.op = cpu_to_be32(KT_FR_CHECK);
	req.seed = cpu_to_be32(dseed);
	ret = kt_request(c, &req, KT_MSG_READY, &rsp);
	if (ret)
		return ret;
	if (rsp.status) {
		pr_err("fr: %s: the server's region is wrong (see its log)\n", what);
		(*bad)++;
	}
	return 0;
}

/* Client: one atomic on the region's first word; the old value in *old */
static int kt_fr_atomic(struct kt_ctx *c, enum ib_wr_opcode opc, u32 rkey,
			u64 iova, u64 cmp_add, u64 swap, u64 *old)
{
	u64 *res = (u64 *)(c->lbuf.va + KT_FR_RECV_OFF);
	struct ib_sge sge = {
		.addr = c->lbuf.dma + KT_FR_RECV_OFF,
		.length = 8,
		.lkey = c->pd->local_dma_lkey,
	};
	struct ib_atomic_wr wr = {
		.wr = { .sg_list = &sge, .num_sge = 1, .opcode = opc },
		.remote_addr = iova,
		.compare_add = cmp_add,
		.swap = swap,
		.rkey = rkey,
	};
	int ret;

	*res = 0x5a5a5a5a5a5a5a5aULL;
	ib_dma_sync_single_for_device(c->dev, sge.addr, 8, DMA_BIDIRECTIONAL);
	ret = kt_fr_post_wait(c, &wr.wr, opc == IB_WR_ATOMIC_CMP_AND_SWP ?
			      IB_WC_COMP_SWAP : IB_WC_FETCH_ADD,
			      opc == IB_WR_ATOMIC_CMP_AND_SWP ? "CMP_AND_SWP" :
							       "FETCH_AND_ADD");
	ib_dma_sync_single_for_cpu(c->dev, sge.addr, 8, DMA_BIDIRECTIONAL);
	*old = *res;
	return ret;
}

/*
 * Client, devices with atomics: fetch-and-add and compare-and-swap on the
 * first word of the fast-reg region (registered with REMOTE_ATOMIC), whose
 * 64 KiB hold @dseed's pattern: the old values are what was there, a READ
 * of the region shows the new word and the rest unchanged; then the
 * pattern is written back.
 */
static int kt_fr_atomics(struct kt_ctx *c, u32 rkey, u64 iova, u32 dseed,
			 u32 gseed, u32 *bad)
{
	const u64 add = 0x0102030405060708ULL, swap = 0xfeedc0dedeadbeefULL;
	u64 orig = 0, old;
	u8 *word = c->lbuf.va + KT_FR_OFF;
	int i, ret;

	if (c->dev->attrs.atomic_cap == IB_ATOMIC_NONE) {
		pr_info("fr: atomics: SKIP (atomic_cap NONE)\n");
		return 0;
	}
	for (i = 7; i >= 0; i--)	/* the word as the CPU reads it (LE) */
		orig = orig << 8 | kt_pat(dseed, i);
	ret = kt_fr_atomic(c, IB_WR_ATOMIC_FETCH_AND_ADD, rkey, iova, add, 0,
			   &old);
	if (ret)
		return ret;
	if (old != orig) {
		pr_err("fr: FETCH_AND_ADD returned 0x%llx, expected 0x%llx\n", old, orig);
		(*bad)++;
	}
	/* a compare that does not match swaps nothing */
	ret = kt_fr_atomic(c, IB_WR_ATOMIC_CMP_AND_SWP, rkey, iova, orig, swap,
			   &old);
	if (ret)
		return ret;
	if (old != orig + add) {
		pr_err("fr: CMP_AND_SWP (no match) returned 0x%llx, expected 0x%llx\n",
		       old, orig + add);
		(*bad)++;
	}
	ret = kt_fr_atomic(c, IB_WR_ATOMIC_CMP_AND_SWP, rkey, iova, orig + add,
			   swap, &old);
	if (ret)
		return ret;
	if (old != orig + add) {
		pr_err("fr: CMP_AND_SWP returned 0x%llx, expected 0x%llx\n", old,
		       orig + add);
		(*bad)++;
	}
	/* READ back: the word is the swapped value, the rest the pattern */
	kt_fr_fill(c->lbuf.va, ~dseed, gseed);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_READ, rkey, iova, "READ after the atomics");
	if (ret)
		return ret;
	kt_sync_for_cpu(c, &c->lbuf);
	for (i = 0; i < 8; i++)
		if (word[i] != (u8)(swap >> (8 * i))) {
			pr_err("fr: word after the atomics: byte %d is 0x%02x, expected 0x%02x\n",
			       i, word[i], (u8)(swap >> (8 * i)));
			(*bad)++;
			break;
		}
	for (i = 0; i < 8; i++)
		word[i] = kt_pat(dseed, i);
	*bad += kt_fr_check("client: region after the atomics", c->lbuf.va, dseed,
			    gseed);
	/* the pattern back in place for the server's later checks */
	kt_fr_fill(c->lbuf.va, dseed, gseed);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_WRITE, rkey, iova, "WRITE after the atomics");
	if (!ret)
		pr_info("fr: atomics on rkey 0x%08x: FETCH_AND_ADD, CMP_AND_SWP checked\n",
			rkey);
	return ret;
}

/*
 * Client: SEND_WITH_INV of @key, which the server refuses (KT_FR_BADINV):
 * it must complete with IB_WC_REM_INV_REQ_ERR; both QPs go to the error
 * state and back to RTS, then the server's verdict on its receive.
 */
static int kt_fr_badinv(struct kt_ctx *c, u32 key, u32 seed, u32 *bad)
{
	struct ib_sge sge = {
		.addr = c->lbuf.dma,
		.length = 128,
		.lkey = c->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IB_WR_SEND_WITH_INV,
		.send_flags = IB_SEND_SIGNALED,
		.ex.invalidate_rkey = key,
	};
	struct kt_msg rsp;
	struct ib_wc wc;
	int ret;

	ret = kt_fr_step(c, KT_FR_BADINV, seed, 128, &rsp);
	if (ret)
		return ret;
	kt_fill(c->lbuf.va, &(struct kt_layout){ .n = 1, .len = { 128 } }, 128, seed);
	kt_sync_for_device(c, &c->lbuf);
	wr.wr_id = kt_wr_id(c, KT_WR_OP);
	ret = kt_arm(c, &c->scq);
	if (!ret)
		ret = kt_post_send(c, &wr);
	if (!ret)
		ret = kt_wait(c, &c->scq, kt_timeout_ms, &wc);
	if (ret)
		return ret;
	if (wc.wr_id != wr.wr_id || wc.status != IB_WC_REM_INV_REQ_ERR) {
		pr_err("fr: SEND_WITH_INV of the refused key 0x%08x: wr_id 0x%llx %s, expected 0x%llx remote invalid request error\n",
		       key, wc.wr_id, ib_wc_status_msg(wc.status), wr.wr_id);
		(*bad)++;
	} else {
		pr_info("fr: SEND_WITH_INV of the refused key 0x%08x: remote invalid request error, as expected\n",
			key);
	}
	ret = kt_qp_recover(c, true);
	if (!ret)
		ret = kt_recv_msg(c, &rsp, kt_timeout_ms);
	if (ret)
		return ret;
	if (be32_to_cpu(rsp.type) != KT_MSG_RESULT) {
		pr_err("fr: expected the server's RESULT, got type %u\n",
		       be32_to_cpu(rsp.type));
		c->broken = true;
		return -EIO;
	}
	if (rsp.status) {
		pr_err("fr: the server's refused SEND_WITH_INV receive was wrong (see its log)\n");
		(*bad)++;
	}
	return 0;
}

/* The FRWR test (see the top of the file): 0 passed, 1 failed, 2 skipped */
static int kt_client_fr(struct kt_ctx *c)
{
	u32 s1 = 0x1000 + c->seq, s2 = s1 * 3 + 1, s4 = s1 * 5 + 2, s5 = s1 * 7 + 3;
	u32 s6 = s1 * 11 + 4, s7 = s1 * 13 + 5, s8 = s1 * 17 + 6, s9 = s1 * 19 + 7;
	u32 k1, k2, k3 = 0, bad = 0;
	struct kt_msg rsp, req;
	struct ib_sge sge;
	struct ib_send_wr wr = {};
	u64 iova;
	int ret;

	if (!(c->dev->attrs.device_cap_flags & IB_DEVICE_MEM_MGT_EXTENSIONS)) {
		pr_info("frwr: SKIP (no IB_DEVICE_MEM_MGT_EXTENSIONS)\n");
		return 2;
	}
	/* registered: READ and WRITE through the fast-reg rkey */
	ret = kt_fr_step(c, KT_FR_REG, s1, 0, &rsp);
	if (ret)
		return ret;
	k1 = be32_to_cpu(rsp.imm);
	iova = be64_to_cpu(rsp.addr);
	kt_fr_fill(c->lbuf.va, ~s1, s1);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_READ, k1, iova, "READ");
	if (ret)
		return ret;
	kt_sync_for_cpu(c, &c->lbuf);
	bad += kt_fr_check("client: READ through the fast-reg rkey", c->lbuf.va, s1, s1);
	kt_fr_fill(c->lbuf.va, s2, s1);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_WRITE, k1, iova, "WRITE");
	if (!ret)
		ret = kt_fr_server_check(c, s2, "WRITE through the fast-reg rkey", &bad);
	if (ret)
		return ret;

	/* LOCAL_INV: the key must be dead and the region untouched */
	ret = kt_fr_step(c, KT_FR_INV, 0, 0, &rsp);
	if (ret)
		return ret;
	kt_fr_fill(c->lbuf.va, s2 ^ 0xffff, s1);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_stale(c, IB_WR_RDMA_WRITE, k1, iova, "WRITE after LOCAL_INV", &bad);
	if (!ret)
		ret = kt_fr_stale(c, IB_WR_RDMA_READ, k1, iova, "READ after LOCAL_INV", &bad);
	if (!ret)
		ret = kt_fr_server_check(c, s2, "region after the stale WRITE", &bad);
	if (ret)
		return ret;

	/* registered again with ib_inc_rkey(): the old key fails, the new works */
	ret = kt_fr_step(c, KT_FR_REG, s4, 0, &rsp);
	if (ret)
		return ret;
	k2 = be32_to_cpu(rsp.imm);
	if (k2 == k1 || k2 >> 8 != k1 >> 8) {
		pr_err("fr: new rkey 0x%08x after 0x%08x: expected the same MR, another key byte\n",
		       k2, k1);
		bad++;
	}
	ret = kt_fr_stale(c, IB_WR_RDMA_WRITE, k1, iova, "WRITE with the old key", &bad);
	if (!ret)
		ret = kt_fr_server_check(c, s4, "region after the old key's WRITE", &bad);
	if (ret)
		return ret;
	kt_fr_fill(c->lbuf.va, s5, s4);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_WRITE, k2, iova, "WRITE with the new key");
	if (!ret)
		ret = kt_fr_server_check(c, s5, "WRITE with the new key", &bad);
	if (ret)
		return ret;
	kt_fr_fill(c->lbuf.va, ~s5, s4);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_READ, k2, iova, "READ with the new key");
	if (ret)
		return ret;
	kt_sync_for_cpu(c, &c->lbuf);
	bad += kt_fr_check("client: READ with the new key", c->lbuf.va, s5, s4);
	ret = kt_fr_atomics(c, k2, iova, s5, s4, &bad);
	if (ret)
		return ret;

	/*
	 * The same key and address over other pages (LOCAL_INV, REG_MR
	 * without a new key byte): the WRITE must land in the new pages,
	 * the region (still s5) must not change; then back.
	 */
	ret = kt_fr_step(c, KT_FR_MOVE, s9, 0, &rsp);
	if (ret)
		return ret;
	if (be32_to_cpu(rsp.imm) != k2 || be64_to_cpu(rsp.addr) != iova) {
		pr_err("fr: moved registration has rkey 0x%08x iova 0x%llx, expected 0x%08x 0x%llx\n",
		       be32_to_cpu(rsp.imm), be64_to_cpu(rsp.addr), k2, iova);
		bad++;
	}
	kt_fr_fill(c->lbuf.va, s9, s4);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_WRITE, k2, iova, "WRITE through the moved key");
	if (!ret)
		ret = kt_fr_step(c, KT_FR_BACK, s9, 0, &rsp);
	if (!ret)
		ret = kt_fr_server_check(c, s5, "region after the WRITE through the moved key",
					 &bad);
	if (ret)
		return ret;

	/* SEND_WITH_INV: the server sees IB_WC_WITH_INVALIDATE, the key dies */
	ret = kt_fr_step(c, KT_FR_RECV, s6, 128, &rsp);
	if (ret)
		return ret;
	kt_fill(c->lbuf.va, &(struct kt_layout){ .n = 1, .len = { 128 } }, 128, s6);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_post_ctrl_recv(c);
	if (ret)
		return ret;
	sge.addr = c->lbuf.dma;
	sge.length = 128;
	sge.lkey = c->pd->local_dma_lkey;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IB_WR_SEND_WITH_INV;
	wr.ex.invalidate_rkey = k2;
	ret = kt_fr_post_wait(c, &wr, IB_WC_SEND, "SEND_WITH_INV");
	if (ret)
		return ret;
	ret = kt_recv_msg(c, &req, kt_timeout_ms);
	if (ret)
		return ret;
	if (be32_to_cpu(req.type) != KT_MSG_RESULT) {
		pr_err("fr: expected the server's RESULT, got type %u\n",
		       be32_to_cpu(req.type));
		c->broken = true;
		return -EIO;
	}
	if (req.status) {
		pr_err("fr: the server's SEND_WITH_INV receive was wrong (see its log)\n");
		bad++;
	}
	kt_fr_fill(c->lbuf.va, s5 ^ 0xffff, s4);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_stale(c, IB_WR_RDMA_WRITE, k2, iova, "WRITE after SEND_WITH_INV", &bad);
	if (!ret)
		ret = kt_fr_server_check(c, s5, "region after SEND_WITH_INV", &bad);
	if (ret)
		return ret;

	/* LOCAL_INV (twice) of the MR we invalidated: no error */
	ret = kt_fr_step(c, KT_FR_INV, 0, 0, &rsp);
	if (ret)
		return ret;
	/* registered again at once: a third key */
	ret = kt_fr_step(c, KT_FR_REG, s7, 0, &rsp);
	if (ret)
		return ret;
	k3 = be32_to_cpu(rsp.imm);
	iova = be64_to_cpu(rsp.addr);
	if (k3 == k2 || k3 >> 8 != k2 >> 8) {
		pr_err("fr: new rkey 0x%08x after 0x%08x: expected the same MR, another key byte\n",
		       k3, k2);
		bad++;
	}
	/* SEND_WITH_INV of the old key: refused, an error on both sides */
	ret = kt_fr_badinv(c, k2, s6, &bad);
	if (ret)
		return ret;
	/* the refused invalidation left the registration alone */
	kt_fr_fill(c->lbuf.va, s8, s7);
	kt_sync_for_device(c, &c->lbuf);
	ret = kt_fr_ok(c, IB_WR_RDMA_WRITE, k3, iova,
		       "WRITE after the refused SEND_WITH_INV");
	if (!ret)
		ret = kt_fr_server_check(c, s8, "WRITE after the refused SEND_WITH_INV", &bad);
	if (ret)
		return ret;

	/* an rkey of another PD of the server: not valid on this QP */
	ret = kt_fr_step(c, KT_FR_PD2, 0, 0, &rsp);
	if (ret)
		return ret;
	ret = kt_fr_stale(c, IB_WR_RDMA_WRITE, be32_to_cpu(rsp.imm),
			  c->peer.addr + KT_FR_OFF, "WRITE through another PD's rkey", &bad);
	if (!ret)
		ret = kt_fr_server_check(c, s8, "region after the other PD's WRITE", &bad);
	if (ret)
		return ret;
	pr_info("frwr: rkeys 0x%08x, 0x%08x, 0x%08x: %s\n", k1, k2, k3,
		bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}

/* "run TEST [MODE]" */
static int kt_run(struct kt_ctx *c, char *args)
{
	u32 passed = 0, failed = 0, skipped = 0, i, ev_s, ev_r;
	char *test = strsep(&args, " \t");
	int op = -1, mode = -1, m, ret = 0;
	struct kt_msg req, rsp;
	bool frwr_done = false;

	if (args)
		args = skip_spaces(args);
	if (!test || !*test)
		test = "all";
	if (!strcmp(test, "frwr")) {
		op = KT_NR_OPS;		/* no operation case: the FRWR test only */
	} else if (strcmp(test, "all")) {
		op = match_string(kt_op_name, KT_NR_OPS, test);
		if (op < 0) {
			pr_err("run: unknown test '%s'\n", test);
			return -EINVAL;
		}
	}
	if (args && *args) {
		mode = match_string(kt_mode_name, KT_NR_MODES, args);
		if (mode < 0) {
			pr_err("run: unknown mode '%s'\n", args);
			return -EINVAL;
		}
	}
	ev_s = atomic_read(&c->scq.events);
	ev_r = atomic_read(&c->rcq.events);
	for (m = 0; m < KT_NR_MODES && ret >= 0; m++) {
		if (mode >= 0 && m != mode)
			continue;
		c->mode = m;
		for (i = 0; i < ARRAY_SIZE(kt_cases); i++) {
			if (op >= 0 && kt_cases[i].op != op)
				continue;
			ret = kt_client_case(c, &kt_cases[i]);
			if (ret < 0)
				break;
			if (ret == 0)
				passed++;
			else if (ret == 1)
				failed++;
			else
				skipped++;
		}
		/* once per run, after the first mode's cases */
		if (ret >= 0 && (op < 0 || op == KT_NR_OPS) && !frwr_done) {
			frwr_done = true;
			ret = kt_client_fr(c);
			if (ret == 0)
				passed++;
			else if (ret == 1)
				failed++;
			else if (ret == 2)
				skipped++;
		}
	}
	if (ret < 0) {
		pr_err("run %s: aborted (%d) after %u passed, %u failed\n", test, ret,
		       passed, failed);
		return -EIO;
	}
	kt_msg_init(&req, KT_MSG_DONE, ++c->seq);
	req.status = cpu_to_be32(failed ? -EIO : 0);
	ret = kt_request(c, &req, KT_MSG_RESULT, &rsp);
	if (ret) {
		pr_err("run %s: no answer to DONE (%d)\n", test, ret);
		return -EIO;
	}
	pr_info("run %s: %u passed, %u failed, %u skipped; server %s; completion events: send CQ %u, recv CQ %u; send CQ resized %u times\n",
		test, passed, failed, skipped, rsp.status ? "reported failures" : "ok",
		atomic_read(&c->scq.events) - ev_s, atomic_read(&c->rcq.events) - ev_r,
		c->resizes);
	return failed || rsp.status ? -EIO : 0;
}

/* ---- connection setup ---- */

/* The GID to use: index 0 on IB, a link-local RoCE GID (v2 preferred) on RoCE. */
static int kt_pick_gid(struct kt_ctx *c, const struct ib_port_attr *pa,
		       union ib_gid *gid, u32 *index)
{
	static const enum ib_gid_type types[] = {
		IB_GID_TYPE_ROCE_UDP_ENCAP, IB_GID_TYPE_ROCE,
	};
	const struct ib_gid_attr *attr;
	u32 t;
	int i;
	bool found;

	if (rdma_port_get_link_layer(c->dev, c->port) != IB_LINK_LAYER_ETHERNET) {
		*index = 0;
		return rdma_query_gid(c->dev, c->port, 0, gid);
	}
	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (i = 0; i < pa->gid_tbl_len; i++) {
			attr = rdma_get_gid_attr(c->dev, c->port, i);
			if (IS_ERR(attr))
				continue;
			found = attr->gid_type == types[t] &&
				rdma_link_local_addr((struct in6_addr *)attr->gid.raw);
			if (found) {
				*gid = attr->gid;
				*index = i;
			}
			rdma_put_gid_attr(attr);
			if (found)
				return 0;
		}
	}
	pr_err("%s: no link-local RoCE GID\n", dev_name(&c->dev->dev));
	return -ENOENT;
}

/*
 * The address vector: the peer's LID on an IB port; on RoCE the GRH with the
 * peer's GID, and its MAC from that link-local GID (no rdma_cm to resolve
 * other addresses).
 */
static int kt_fill_av(struct kt_ctx *c, const struct ib_port_attr *pa,
		      struct rdma_ah_attr *ah)
{
	enum rdma_link_layer ll = rdma_port_get_link_layer(c->dev, c->port);
	union ib_gid sgid;
	u32 index;
	int ret;

	memset(ah, 0, sizeof(*ah));
	ah->type = rdma_ah_find_type(c->dev, c->port);
	rdma_ah_set_port_num(ah, c->port);
	rdma_ah_set_sl(ah, 0);
	if (ll != IB_LINK_LAYER_ETHERNET && rdma_protocol_ib(c->dev, c->port)) {
		rdma_ah_set_dlid(ah, c->peer.lid);
		return 0;
	}
	if (!rdma_protocol_roce(c->dev, c->port)) {
		pr_err("port %u: neither IB nor RoCE\n", c->port);
		return -EOPNOTSUPP;
	}
	if (!rdma_link_local_addr((struct in6_addr *)c->peer.gid.raw)) {
		pr_err("RoCE without rdma_cm needs the peer's link-local GID, got %pI6\n",
		       c->peer.gid.raw);
		return -EOPNOTSUPP;
	}
	ret = kt_pick_gid(c, pa, &sgid, &index);
	if (ret)
		return ret;
	rdma_ah_set_grh(ah, &c->peer.gid, 0, index, 64, 0);
	rdma_get_ll_mac((struct in6_addr *)c->peer.gid.raw, ah->roce.dmac);
	return 0;
}

static int kt_parse_peer(struct kt_peer *p, const char *args)
{
	char gid[48];
	u64 addr;

	if (!args || sscanf(args, "%u %u %47s %x %llx %u", &p->qpn, &p->lid, gid,
			    &p->rkey, &addr, &p->len) != 6)
		return -EINVAL;
	if (p->qpn > 0xffffff || p->lid > 0xffff)
		return -EINVAL;
	if (in6_pton(gid, -1, p->gid.raw, -1, NULL) != 1)
		return -EINVAL;
	p->addr = addr;
	return 0;
}

/* "connect QPN LID GID RKEY ADDR LEN": INIT, RTR, RTS. */
/*
 * INIT, RTR, RTS: at connect, and again after a QP error (FRWR tests).  The
 * server, and a client with @ctrl, posts its control receive in INIT (the
 * client arms its CQ first): the peer may send as soon as we are RTR.
 */
static int kt_qp_up(struct kt_ctx *c, const struct ib_port_attr *pa,
		    struct ib_qp_attr *attr, bool ctrl)
{
	int ret;

	memset(attr, 0, sizeof(*attr));
	attr->qp_state = IB_QPS_INIT;
	attr->pkey_index = 0;
	attr->port_num = c->port;
	attr->qp_access_flags = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
				IB_ACCESS_REMOTE_READ;
	if (c->dev->attrs.atomic_cap != IB_ATOMIC_NONE)
		attr->qp_access_flags |= IB_ACCESS_REMOTE_ATOMIC;
	ret = ib_modify_qp(c->qp, attr, IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT |
			   IB_QP_ACCESS_FLAGS);
	if (ret) {
		pr_err("connect: modify QP to INIT: %d\n", ret);
		return ret;
	}
	/* the server's first receive, for the client's first message */
	if (!c->client || ctrl) {
		ret = c->client ? kt_arm(c, &c->rcq) : 0;
		if (!ret)
			ret = kt_post_ctrl_recv(c);
		if (ret)
			return ret;
	}

	memset(attr, 0, sizeof(*attr));
	attr->qp_state = IB_QPS_RTR;
	attr->path_mtu = pa->active_mtu;
	attr->dest_qp_num = c->peer.qpn;
	attr->rq_psn = KT_PSN;
	attr->max_dest_rd_atomic = c->dest_rd_atom;
	attr->min_rnr_timer = 12;		/* 0.64 ms */
	ret = kt_fill_av(c, pa, &attr->ah_attr);
	if (ret)
		return ret;
	ret = ib_modify_qp(c->qp, attr, IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU |
			   IB_QP_DEST_QPN | IB_QP_RQ_PSN | IB_QP_MAX_DEST_RD_ATOMIC |
			   IB_QP_MIN_RNR_TIMER);
	if (ret) {
		pr_err("connect: modify QP to RTR: %d\n", ret);
		return ret;
	}

	memset(attr, 0, sizeof(*attr));
	attr->qp_state = IB_QPS_RTS;
	attr->timeout = 16;			/* 268 ms: the lab is emulated */
	attr->retry_cnt = 7;
	attr->rnr_retry = 6;			/* bounded, unlike 7 */
	attr->sq_psn = KT_PSN;
	attr->max_rd_atomic = c->rd_atom;
	ret = ib_modify_qp(c->qp, attr, IB_QP_STATE | IB_QP_TIMEOUT | IB_QP_RETRY_CNT |
			   IB_QP_RNR_RETRY | IB_QP_SQ_PSN | IB_QP_MAX_QP_RD_ATOMIC);
	if (ret) {
		pr_err("connect: modify QP to RTS: %d\n", ret);
		return ret;
	}
	return 0;
}

static int kt_connect(struct kt_ctx *c, const char *args)
{
	struct ib_port_attr pa;
	struct ib_qp_attr *attr;
	int ret;

	if (c->connected) {
		pr_err("connect: already connected (reload the module to reconnect)\n");
		return -EBUSY;
	}
	ret = kt_parse_peer(&c->peer, args);
	if (ret) {
		pr_err("connect: expected \"QPN LID GID RKEY ADDR LEN\"\n");
		return ret;
	}
	ret = ib_query_port(c->dev, c->port, &pa);
	if (ret)
		return ret;
	if (pa.state != IB_PORT_ACTIVE) {
		pr_err("connect: port %u is not ACTIVE (state %d)\n", c->port, pa.state);
		return -ENETDOWN;
	}
	attr = kzalloc(sizeof(*attr), GFP_KERNEL);
	if (!attr)
		return -ENOMEM;

	ret = kt_qp_up(c, &pa, attr, false);
	if (ret)
		goto out;
	c->pa = pa;
	c->max_msg = pa.max_msg_sz;
	c->connected = true;
	pr_info("connected: QP %u -> peer QP %u, LID %u, GID %pI6, mtu %d, %s\n",
		c->qp->qp_num, c->peer.qpn, c->peer.lid, c->peer.gid.raw,
		ib_mtu_enum_to_int(pa.active_mtu), c->client ? "client" : "server");
out:
	if (ret)
		c->broken = true;
	kfree(attr);
	return ret;
}

static int kt_info_show(struct seq_file *sf, void *unused)
{
	struct ib_port_attr pa;
	union ib_gid gid;
	struct kt_ctx *c;
	u32 index;
	int ret;

	mutex_lock(&kt_lock);
	c = kt_ctx;
	if (!c) {
		ret = -ENODEV;
		goto out;
	}
	ret = ib_query_port(c->dev, c->port, &pa);
	if (!ret)
		ret = kt_pick_gid(c, &pa, &gid, &index);
	if (ret)
		goto out;
	seq_printf(sf, "%u %u %pI6 0x%08x 0x%016llx %u\n", c->qp->qp_num, pa.lid,
		   gid.raw, c->pd->unsafe_global_rkey, c->rbuf.dma, (u32)KT_BUF_LEN);
out:
	mutex_unlock(&kt_lock);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(kt_info);

/* ---- "uc" and "loopinv": a kernel QP connected to itself ---- */

/*
 * A QP as @ia asks (RC or UC) in RTS, connected to itself through our own
 * LID (@pa), with the attribute masks of its type; or an ERR_PTR.
 */
static struct ib_qp *kt_self_qp(struct kt_ctx *c, struct ib_qp_init_attr *ia,
				const struct ib_port_attr *pa, int access)
{
	bool rc = ia->qp_type == IB_QPT_RC;
	struct ib_qp_attr a = {};
	struct ib_qp *qp;
	int ret;

	qp = ib_create_qp(c->pd, ia);
	if (IS_ERR(qp))
		return qp;
	a.qp_state = IB_QPS_INIT;
	a.port_num = c->port;
	a.qp_access_flags = access;
	ret = ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT |
			   IB_QP_ACCESS_FLAGS);
	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTR;
	a.path_mtu = pa->active_mtu;
	a.dest_qp_num = qp->qp_num;
	a.rq_psn = KT_PSN;
	a.max_dest_rd_atomic = KT_RD_ATOM;
	a.min_rnr_timer = 1;
	a.ah_attr.type = rdma_ah_find_type(c->dev, c->port);
	rdma_ah_set_dlid(&a.ah_attr, pa->lid);
	rdma_ah_set_port_num(&a.ah_attr, c->port);
	if (!ret)
		ret = ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU |
				   IB_QP_DEST_QPN | IB_QP_RQ_PSN |
				   (rc ? IB_QP_MAX_DEST_RD_ATOMIC |
				    IB_QP_MIN_RNR_TIMER : 0));
	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTS;
	a.sq_psn = KT_PSN;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = KT_RD_ATOM;
	if (!ret)
		ret = ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_SQ_PSN |
				   (rc ? IB_QP_TIMEOUT | IB_QP_RETRY_CNT |
				    IB_QP_RNR_RETRY | IB_QP_MAX_QP_RD_ATOMIC : 0));
	if (ret) {
		pr_err("modify_qp of a %s QP connected to itself: %d\n",
		       rc ? "RC" : "UC", ret);
		ib_destroy_qp(qp);
		return ERR_PTR(ret);
	}
	return qp;
}

/* The next completion of a direct-polled CQ within 5 s: 1, or 0 if none */
static int kt_self_poll(struct ib_cq *cq, struct ib_wc *wc)
{
	unsigned long end = jiffies + 5 * HZ;
	int n;

	do {
		n = ib_poll_cq(cq, 1, wc);
		if (n)
			return n < 0 ? 0 : 1;
		usleep_range(200, 1000);
	} while (time_before(jiffies, end));
	return 0;
}

/*
 * Posted and completed with @status (and, on success, @want: the WC
 * opcode)?  @what names the case in the log.
 */
static bool kt_self_post(struct ib_qp *qp, struct ib_cq *cq, struct ib_send_wr *wr,
			 enum ib_wc_opcode want, enum ib_wc_status status,
			 const char *what)
{
	const struct ib_send_wr *bad;
	struct ib_wc wc = {};
	int ret = ib_post_send(qp, wr, &bad);

	if (ret) {
		pr_err("%s: post %d\n", what, ret);
		return false;
	}
	if (!kt_self_poll(cq, &wc) || wc.wr_id != wr->wr_id || wc.status != status ||
	    (status == IB_WC_SUCCESS && wc.opcode != want)) {
		pr_err("%s: completion wr %llu status %d opcode %d, expected wr %llu status %d\n",
		       what, wc.wr_id, wc.status, wc.opcode, wr->wr_id, status);
		return false;
	}
	return true;
}

/*
 * A UC QP connected to itself (our own LID): RDMA READ and an atomic are
 * refused at post time (-EINVAL, bad_wr the WR); a SEND with no receive
 * posted and an RDMA WRITE with a bad rkey complete successfully and write
 * nothing (UC drops them); a SEND after a receive was posted arrives
 * intact, the QP still in RTS.  0 passed, 1 failed, 2 skipped (not IB).
 */
static int kt_uc(struct kt_ctx *c)
{
	struct ib_qp_init_attr ia = {
		.qp_type = IB_QPT_UC, .sq_sig_type = IB_SIGNAL_ALL_WR,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ib_sge sge = { .addr = c->lbuf.dma, .length = 4096,
			      .lkey = c->pd->local_dma_lkey };
	struct ib_sge rsge = { .addr = c->rbuf.dma, .length = 4096 + 64,
			       .lkey = c->pd->local_dma_lkey };
	struct ib_recv_wr rwr = { .wr_id = 50, .sg_list = &rsge, .num_sge = 1 };
	struct ib_send_wr sw = { .wr_id = 1, .opcode = IB_WR_SEND, .sg_list = &sge,
				 .num_sge = 1, .send_flags = IB_SEND_SIGNALED };
	struct ib_rdma_wr rw = { .wr = sw };
	struct ib_atomic_wr aw = { .wr = sw };
	const struct ib_send_wr *bad = NULL;
	const struct ib_recv_wr *rbad;
	struct ib_qp_init_attr qi;
	struct ib_port_attr pa;
	struct ib_qp_attr a;
	struct ib_wc wc[2];
	struct ib_qp *qp = NULL;
	struct ib_cq *cq;
	int ret, fails = 0, i, got = 0;
	u32 j;

	if (!rdma_protocol_ib(c->dev, c->port) || ib_query_port(c->dev, c->port, &pa)) {
		pr_info("uc: skipped (not an InfiniBand port)\n");
		return 2;
	}
	cq = ib_alloc_cq(c->dev, NULL, 16, 0, IB_POLL_DIRECT);
	if (IS_ERR(cq)) {
		pr_err("uc: ib_alloc_cq %ld\n", PTR_ERR(cq));
		return 1;
	}
	ia.send_cq = cq;
	ia.recv_cq = cq;
	qp = kt_self_qp(c, &ia, &pa, IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE);
	if (IS_ERR(qp)) {
		pr_err("uc: a UC QP connected to itself: %ld\n", PTR_ERR(qp));
		qp = NULL;
		fails++;
		goto out;
	}

	/* no READ, no atomics on UC: refused when posted */
	rw.wr.opcode = IB_WR_RDMA_READ;
	rw.remote_addr = c->rbuf.dma;
	rw.rkey = 0x7fffff00;
	ret = ib_post_send(qp, &rw.wr, &bad);
	if (ret != -EINVAL || bad != &rw.wr) {
		pr_err("uc: RDMA READ posted: %d (expected -EINVAL with bad_wr)\n", ret);
		fails++;
	}
	sge.length = 8;
	aw.wr.opcode = IB_WR_ATOMIC_FETCH_AND_ADD;
	aw.remote_addr = c->rbuf.dma;
	aw.rkey = 0x7fffff00;
	bad = NULL;
	ret = ib_post_send(qp, &aw.wr, &bad);
	if (ret != -EINVAL || bad != &aw.wr) {
		pr_err("uc: FETCH_AND_ADD posted: %d (expected -EINVAL with bad_wr)\n", ret);
		fails++;
	}
	sge.length = 4096;

	for (j = 0; j < 4096; j++)
		c->lbuf.va[j] = kt_pat(0x0c, j);
	memset(c->rbuf.va, 0x5a, 8192);
	kt_sync_for_device(c, &c->lbuf);
	kt_sync_for_device(c, &c->rbuf);
	/* dropped: a SEND with no receive, a WRITE with a bad rkey */
	rw.wr.opcode = IB_WR_RDMA_WRITE;
	rw.wr.wr_id = 2;
	if (!kt_self_post(qp, cq, &sw, IB_WC_SEND, IB_WC_SUCCESS,
			  "uc: SEND with no receive posted") ||
	    !kt_self_post(qp, cq, &rw.wr, IB_WC_RDMA_WRITE, IB_WC_SUCCESS,
			  "uc: RDMA WRITE with a bad rkey")) {
		fails++;
		goto out;
	}
	kt_sync_for_cpu(c, &c->rbuf);
	for (j = 0; j < 8192; j++)
		if (c->rbuf.va[j] != 0x5a) {
			pr_err("uc: a dropped message wrote byte %u: %#x\n", j, c->rbuf.va[j]);
			fails++;
			break;
		}
	/* a receive now: the next SEND lands in it */
	kt_sync_for_device(c, &c->rbuf);
	ret = ib_post_recv(qp, &rwr, &rbad);
	sw.wr_id = 3;
	if (!ret)
		ret = ib_post_send(qp, &sw, &bad);
	if (ret) {
		pr_err("uc: post the receive and the SEND: %d\n", ret);
		fails++;
		goto out;
	}
	for (i = 0; i < 2 && kt_self_poll(cq, &wc[i]); i++) {
		if (wc[i].status != IB_WC_SUCCESS ||
		    (wc[i].wr_id == 3 && wc[i].opcode != IB_WC_SEND) ||
		    (wc[i].wr_id == 50 && (wc[i].opcode != IB_WC_RECV ||
					   wc[i].byte_len != 4096)) ||
		    (wc[i].wr_id != 3 && wc[i].wr_id != 50)) {
			pr_err("uc: completion wr %llu status %d opcode %d len %u\n",
			       wc[i].wr_id, wc[i].status, wc[i].opcode, wc[i].byte_len);
			fails++;
		}
		got++;
	}
	if (got != 2) {
		pr_err("uc: %d of the SEND's 2 completions\n", got);
		fails++;
	}
	kt_sync_for_cpu(c, &c->rbuf);
	for (j = 0; j < 8192; j++)
		if (c->rbuf.va[j] != (j < 4096 ? kt_pat(0x0c, j) : 0x5a)) {
			pr_err("uc: received data: byte %u is %#x\n", j, c->rbuf.va[j]);
			fails++;
			break;
		}
	if (!ib_query_qp(qp, &a, IB_QP_STATE, &qi) && a.qp_state != IB_QPS_RTS) {
		pr_err("uc: QP in state %d after the drops, expected RTS\n", a.qp_state);
		fails++;
	}
out:
	if (qp)
		ib_destroy_qp(qp);
	ib_free_cq(cq);
	pr_info("uc: %s\n", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}

/* Bytes [from, to) of the target buffer: @pat's bytes at [lo, hi), 0x5a around */
static bool kt_self_check(struct kt_ctx *c, const char *what, u32 from, u32 to,
			  u32 lo, u32 hi, u8 pat)
{
	u32 j;

	for (j = from; j < to; j++) {
		u8 want = j >= lo && j < hi ? kt_pat(pat, j - lo) : 0x5a;

		if (c->rbuf.va[j] != want) {
			pr_err("%s: byte %#x is %#x, expected %#x\n", what, j,
			       c->rbuf.va[j], want);
			return false;
		}
	}
	return true;
}

/*
 * "loopinv": an RC QP connected to itself and a fast-reg MR over part of
 * the target buffer, registered with IB_WR_REG_MR on that QP.  A WRITE
 * through its rkey lands (every byte of the region checked); a
 * SEND_WITH_INV of the rkey arrives as IB_WC_WITH_INVALIDATE with that key
 * and its bytes, the SEND completing too; a WRITE with the now stale rkey
 * fails with IB_WC_REM_ACCESS_ERR and writes nothing.  0 passed, 1
 * failed, 2 skipped (not IB or no memory management extensions).
 */
static int kt_loopinv(struct kt_ctx *c)
{
	struct ib_qp_init_attr ia = {
		.qp_type = IB_QPT_RC, .sq_sig_type = IB_SIGNAL_ALL_WR,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ib_sge sge = { .addr = c->lbuf.dma, .length = 4096,
			      .lkey = c->pd->local_dma_lkey };
	struct ib_sge rsge = { .addr = c->rbuf.dma + KT_FR_RECV_OFF, .length = 256,
			       .lkey = c->pd->local_dma_lkey };
	struct ib_recv_wr rwr = { .wr_id = 60, .sg_list = &rsge, .num_sge = 1 };
	struct ib_rdma_wr rw = {
		.wr = { .wr_id = 2, .opcode = IB_WR_RDMA_WRITE, .sg_list = &sge,
			.num_sge = 1 },
	};
	struct ib_send_wr iw = { .wr_id = 3, .opcode = IB_WR_SEND_WITH_INV,
				 .sg_list = &sge, .num_sge = 1 };
	struct ib_reg_wr reg = { .wr = { .wr_id = 1, .opcode = IB_WR_REG_MR } };
	const struct ib_send_wr *bad;
	const struct ib_recv_wr *rbad;
	struct ib_mr *mr = NULL;
	struct ib_qp *qp = NULL;
	struct scatterlist sg;
	struct ib_port_attr pa;
	struct ib_wc wc[2];
	int ret, fails = 0, i, got = 0;
	struct ib_cq *cq;
	u32 j, rkey;

	if (!rdma_protocol_ib(c->dev, c->port) || ib_query_port(c->dev, c->port, &pa) ||
	    !(c->dev->attrs.device_cap_flags & IB_DEVICE_MEM_MGT_EXTENSIONS)) {
		pr_info("loopinv: skipped (not IB, or no fast registration)\n");
		return 2;
	}
	cq = ib_alloc_cq(c->dev, NULL, 16, 0, IB_POLL_DIRECT);
	if (IS_ERR(cq)) {
		pr_err("loopinv: ib_alloc_cq %ld\n", PTR_ERR(cq));
		return 1;
	}
	ia.send_cq = cq;
	ia.recv_cq = cq;
	qp = kt_self_qp(c, &ia, &pa, IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
			IB_ACCESS_REMOTE_READ);
	if (IS_ERR(qp)) {
		pr_err("loopinv: an RC QP connected to itself: %ld\n", PTR_ERR(qp));
		qp = NULL;
		fails++;
		goto out;
	}
	mr = ib_alloc_mr(c->pd, IB_MR_TYPE_MEM_REG, KT_FR_PAGES);
	if (IS_ERR(mr)) {
		pr_err("loopinv: ib_alloc_mr %ld\n", PTR_ERR(mr));
		mr = NULL;
		fails++;
		goto out;
	}
	for (j = 0; j < 4096; j++)
		c->lbuf.va[j] = kt_pat(0x1d, j);
	memset(c->rbuf.va, 0x5a, KT_BUF_LEN);
	kt_sync_for_device(c, &c->lbuf);
	kt_sync_for_device(c, &c->rbuf);

	sg_init_table(&sg, 1);
	sg_dma_address(&sg) = c->rbuf.dma + KT_FR_OFF;
	sg_dma_len(&sg) = KT_FR_LEN;
	ret = ib_map_mr_sg(mr, &sg, 1, NULL, PAGE_SIZE);
	if (ret != 1) {
		pr_err("loopinv: ib_map_mr_sg %d\n", ret);
		fails++;
		goto out;
	}
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	rkey = mr->rkey;
	reg.mr = mr;
	reg.key = rkey;
	reg.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
	if (!kt_self_post(qp, cq, &reg.wr, IB_WC_REG_MR, IB_WC_SUCCESS, "loopinv: REG_MR")) {
		fails++;
		goto out;
	}

	/* a WRITE through the fast-reg rkey, one page into the region */
	rw.remote_addr = mr->iova + 4096;
	rw.rkey = rkey;
	if (!kt_self_post(qp, cq, &rw.wr, IB_WC_RDMA_WRITE, IB_WC_SUCCESS,
			  "loopinv: WRITE through the fast-reg rkey")) {
		fails++;
		goto out;
	}
	kt_sync_for_cpu(c, &c->rbuf);
	if (!kt_self_check(c, "loopinv: WRITE", KT_FR_OFF - KT_GUARD,
			   KT_FR_OFF + KT_FR_LEN + KT_GUARD, KT_FR_OFF + 4096,
			   KT_FR_OFF + 8192, 0x1d))
		fails++;
	kt_sync_for_device(c, &c->rbuf);

	/* SEND_WITH_INV of the rkey into a receive of the same QP */
	sge.length = 100;
	iw.ex.invalidate_rkey = rkey;
	ret = ib_post_recv(qp, &rwr, &rbad);
	if (ret) {
		pr_err("loopinv: post the receive: %d\n", ret);
		fails++;
		goto out;
	}
	ret = ib_post_send(qp, &iw, &bad);
	if (ret) {
		pr_err("loopinv: post the SEND_WITH_INV: %d\n", ret);
		fails++;
		goto out;
	}
	/* its two completions, in either order */
	for (i = 0; i < 2 && kt_self_poll(cq, &wc[i]); i++) {
		bool recv = wc[i].wr_id == 60;

		got |= BIT(recv);
		if (wc[i].status != IB_WC_SUCCESS ||
		    (!recv && (wc[i].wr_id != 3 || wc[i].opcode != IB_WC_SEND)) ||
		    (recv && (wc[i].opcode != IB_WC_RECV || wc[i].byte_len != 100 ||
			      !(wc[i].wc_flags & IB_WC_WITH_INVALIDATE) ||
			      wc[i].ex.invalidate_rkey != rkey))) {
			pr_err("loopinv: SEND_WITH_INV completion wr %llu status %d opcode %d len %u flags %#x key %#x (the rkey %#x)\n",
			       wc[i].wr_id, wc[i].status, wc[i].opcode, wc[i].byte_len,
			       wc[i].wc_flags, wc[i].ex.invalidate_rkey, rkey);
			fails++;
		}
	}
	if (got != 3) {
		pr_err("loopinv: SEND_WITH_INV: completions seen %#x of 0x3 (send, receive)\n",
		       got);
		fails++;
		goto out;
	}
	kt_sync_for_cpu(c, &c->rbuf);
	if (!kt_self_check(c, "loopinv: SEND_WITH_INV's receive", KT_FR_RECV_OFF - 64,
			   KT_FR_RECV_OFF + 512, KT_FR_RECV_OFF, KT_FR_RECV_OFF + 100,
			   0x1d))
		fails++;
	kt_sync_for_device(c, &c->rbuf);

	/* the invalidated rkey: refused, nothing written */
	sge.length = 4096;
	rw.wr.wr_id = 4;
	rw.remote_addr = mr->iova + 8192;
	if (!kt_self_post(qp, cq, &rw.wr, IB_WC_RDMA_WRITE, IB_WC_REM_ACCESS_ERR,
			  "loopinv: WRITE with the invalidated rkey"))
		fails++;
	kt_sync_for_cpu(c, &c->rbuf);
	if (!kt_self_check(c, "loopinv: after the stale WRITE", KT_FR_OFF - KT_GUARD,
			   KT_FR_OFF + KT_FR_LEN + KT_GUARD, KT_FR_OFF + 4096,
			   KT_FR_OFF + 8192, 0x1d))
		fails++;
out:
	if (qp)
		ib_destroy_qp(qp);
	if (mr)
		ib_dereg_mr(mr);
	ib_free_cq(cq);
	pr_info("loopinv: %s\n", fails ? "FAILED" : "passed");
	return fails ? 1 : 0;
}

static ssize_t kt_ctl_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char *buf, *args, *cmd;
	struct kt_ctx *c;
	int ret;

	if (!count || count > KT_CMD_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args = strim(buf);
	cmd = strsep(&args, " \t");
	if (args)
		args = skip_spaces(args);

	mutex_lock(&kt_lock);
	c = kt_ctx;
	if (!c) {
		pr_err("no device %s\n", kt_dev_name);
		ret = -ENODEV;
	} else if (!strcmp(cmd, "connect")) {
		ret = kt_connect(c, args);
	} else if (!strcmp(cmd, "uc")) {
		ret = kt_uc(c) == 1 ? -EIO : 0;
	} else if (!strcmp(cmd, "loopinv")) {
		ret = kt_loopinv(c) == 1 ? -EIO : 0;
	} else if (strcmp(cmd, "run") && strcmp(cmd, "check")) {
		pr_err("unknown command '%s'\n", cmd);
		ret = -EINVAL;
	} else if (!c->connected || READ_ONCE(c->broken)) {
		pr_err("%s: %s\n", cmd, c->connected ?
		       "the QP failed earlier; reload the module" : "not connected");
		ret = -ENOTCONN;
	} else if (c->client != !strcmp(cmd, "run")) {
		pr_err("%s: not with role=%s\n", cmd, c->client ? "client" : "server");
		ret = -EINVAL;
	} else if (c->client) {
		ret = kt_run(c, args);
	} else {
		ret = kt_serve(c);
	}
	mutex_unlock(&kt_lock);
	kfree(buf);
	return ret ? ret : count;
}

static const struct file_operations kt_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = kt_ctl_write,
	.llseek = noop_llseek,
};

/* ---- device resources ---- */

static int kt_buf_alloc(struct kt_ctx *c, struct kt_buf *b)
{
	b->page = alloc_pages(GFP_KERNEL | __GFP_ZERO, KT_BUF_ORDER);
	if (!b->page)
		return -ENOMEM;
	b->va = page_address(b->page);
	b->dma = ib_dma_map_single(c->dev, b->va, KT_BUF_LEN, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(c->dev, b->dma)) {
		__free_pages(b->page, KT_BUF_ORDER);
		b->page = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void kt_buf_free(struct kt_ctx *c, struct kt_buf *b)
{
	if (!b->page)
		return;
	ib_dma_unmap_single(c->dev, b->dma, KT_BUF_LEN, DMA_BIDIRECTIONAL);
	__free_pages(b->page, KT_BUF_ORDER);
	b->page = NULL;
}

static int kt_cq_create(struct kt_ctx *c, struct kt_cq *kcq, const char *name)
{
	struct ib_cq_init_attr attr = { .cqe = KT_CQ_DEPTH };

	init_completion(&kcq->event);
	atomic_set(&kcq->events, 0);
	kcq->name = name;
	kcq->cq = ib_create_cq(c->dev, kt_cq_comp, kt_cq_event, kcq, &attr);
	if (IS_ERR(kcq->cq)) {
		int ret = PTR_ERR(kcq->cq);

		kcq->cq = NULL;
		pr_err("%s CQ: ib_create_cq: %d\n", name, ret);
		return ret;
	}
	return 0;
}

/* Also the unwinding of a partial kt_create(). */
static void kt_destroy(struct kt_ctx *c)
{
	if (c->qp)
		ib_destroy_qp(c->qp);
	if (c->fmr)
		ib_dereg_mr(c->fmr);
	if (c->pd2)
		ib_dealloc_pd(c->pd2);
	if (c->scq.cq)
		ib_destroy_cq(c->scq.cq);
	if (c->rcq.cq)
		ib_destroy_cq(c->rcq.cq);
	kt_buf_free(c, &c->lbuf);
	kt_buf_free(c, &c->rbuf);
	if (c->ctrl_mapped)
		ib_dma_unmap_single(c->dev, c->ctrl_dma, KT_CTRL_LEN, DMA_BIDIRECTIONAL);
	kfree(c->ctrl);
	if (c->pd)
		ib_dealloc_pd(c->pd);
	kfree(c);
}

static struct kt_ctx *kt_create(struct ib_device *dev)
{
	const struct ib_device_attr *da = &dev->attrs;
	struct ib_qp_init_attr qpa = {};
	struct kt_ctx *c;
	int ret;

	if (!rdma_is_port_valid(dev, kt_port)) {
		pr_err("%s has no port %u\n", dev_name(&dev->dev), kt_port);
		return ERR_PTR(-EINVAL);
	}
	if (!rdma_protocol_ib(dev, kt_port) && !rdma_protocol_roce(dev, kt_port)) {
		pr_err("%s port %u: neither IB nor RoCE\n", dev_name(&dev->dev), kt_port);
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (da->max_send_sge < 1 || da->max_recv_sge < 1) {
		pr_err("%s: no SGEs\n", dev_name(&dev->dev));
		return ERR_PTR(-EOPNOTSUPP);
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->dev = dev;
	c->port = kt_port;
	c->client = kt_is_client;
	c->max_send_sge = min_t(u32, KT_MAX_SGE, da->max_send_sge);
	c->max_recv_sge = min_t(u32, KT_MAX_SGE, da->max_recv_sge);
	c->max_rd_sge = da->max_sge_rd > 0 ?
			min_t(u32, c->max_send_sge, da->max_sge_rd) : c->max_send_sge;
	c->rd_atom = min_t(u32, KT_RD_ATOM, max(da->max_qp_init_rd_atom, 0));
	c->dest_rd_atom = min_t(u32, KT_RD_ATOM, max(da->max_qp_rd_atom, 0));

	c->pd = ib_alloc_pd(dev, IB_PD_UNSAFE_GLOBAL_RKEY);
	if (IS_ERR(c->pd)) {
		ret = PTR_ERR(c->pd);
		c->pd = NULL;
		pr_err("ib_alloc_pd: %d\n", ret);
		goto err;
	}
	c->ctrl = kzalloc(KT_CTRL_LEN, GFP_KERNEL);
	if (!c->ctrl) {
		ret = -ENOMEM;
		goto err;
	}
	c->ctrl_dma = ib_dma_map_single(dev, c->ctrl, KT_CTRL_LEN, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(dev, c->ctrl_dma)) {
		ret = -ENOMEM;
		goto err;
	}
	c->ctrl_mapped = true;
	ret = kt_buf_alloc(c, &c->lbuf);
	if (!ret)
		ret = kt_buf_alloc(c, &c->rbuf);
	if (ret) {
		pr_err("cannot allocate and map the %lu-byte buffers\n", KT_BUF_LEN);
		goto err;
	}
	ret = kt_cq_create(c, &c->scq, "send");
	if (!ret)
		ret = kt_cq_create(c, &c->rcq, "recv");
	if (ret)
		goto err;

	qpa.event_handler = kt_qp_event;
	qpa.qp_context = c;
	qpa.send_cq = c->scq.cq;
	qpa.recv_cq = c->rcq.cq;
	qpa.cap.max_send_wr = KT_QP_DEPTH;
	qpa.cap.max_recv_wr = KT_QP_DEPTH;
	qpa.cap.max_send_sge = c->max_send_sge;
	qpa.cap.max_recv_sge = c->max_recv_sge;
	qpa.sq_sig_type = IB_SIGNAL_ALL_WR;
	qpa.qp_type = IB_QPT_RC;
	c->qp = ib_create_qp(c->pd, &qpa);
	if (IS_ERR(c->qp)) {
		ret = PTR_ERR(c->qp);
		c->qp = NULL;
		pr_err("ib_create_qp: %d\n", ret);
		goto err;
	}
	pr_info("%s port %u (%s): QP %u, %s, rkey 0x%08x, SGEs %u/%u/%u, rd_atom %u/%u\n",
		dev_name(&dev->dev), c->port,
		rdma_port_get_link_layer(dev, c->port) == IB_LINK_LAYER_ETHERNET ?
		"Ethernet" : "InfiniBand", c->qp->qp_num, c->client ? "client" : "server",
		c->pd->unsafe_global_rkey, c->max_send_sge, c->max_recv_sge,
		c->max_rd_sge, c->rd_atom, c->dest_rd_atom);
	return c;

err:
	kt_destroy(c);
	return ERR_PTR(ret);
}

static int kt_add(struct ib_device *dev)
{
	struct kt_ctx *c;
	int ret = 0;

	if (strcmp(dev_name(&dev->dev), kt_dev_name))
		return -EOPNOTSUPP;
	mutex_lock(&kt_lock);
	if (kt_ctx) {
		pr_err("%s: already bound to a device of that name\n",
		       dev_name(&dev->dev));
		ret = -EBUSY;
		goto out;
	}
	c = kt_create(dev);
	if (IS_ERR(c)) {
		ret = PTR_ERR(c);
		goto out;
	}
	kt_ctx = c;
	ib_set_client_data(dev, &kt_client, c);
out:
	mutex_unlock(&kt_lock);
	return ret;
}

static void kt_remove(struct ib_device *dev, void *client_data)
{
	struct kt_ctx *c = client_data;

	if (!c)
		return;
	mutex_lock(&kt_lock);
	if (kt_ctx == c)
		kt_ctx = NULL;
	kt_destroy(c);
	mutex_unlock(&kt_lock);
	pr_info("%s: released\n", dev_name(&dev->dev));
}

static struct ib_client kt_client = {
	.name = "pedma_ktest",
	.add = kt_add,
	.remove = kt_remove,
};

static int __init kt_init(void)
{
	int ret;

	if (!strcmp(kt_role, "client")) {
		kt_is_client = true;
	} else if (strcmp(kt_role, "server")) {
		pr_err("role must be server or client, not '%s'\n", kt_role);
		return -EINVAL;
	}
	kt_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("info", 0444, kt_dir, NULL, &kt_info_fops);
	debugfs_create_file("ctl", 0200, kt_dir, NULL, &kt_ctl_fops);
	ret = ib_register_client(&kt_client);
	if (ret) {
		debugfs_remove_recursive(kt_dir);
		return ret;
	}
	return 0;
}

static void __exit kt_exit(void)
{
	debugfs_remove_recursive(kt_dir);
	ib_unregister_client(&kt_client);
}

module_init(kt_init);
module_exit(kt_exit);

MODULE_DESCRIPTION("In-kernel RDMA verbs test client for pedma (any verbs device)");
MODULE_LICENSE("Dual BSD/GPL");
