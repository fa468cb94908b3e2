// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma counters: per-CPU counters the data path adds to without locks or
 * shared atomics, summed when read; the port's hardware counters
 * (rdma statistic, /sys/class/infiniband/pedma0/ports/1/hw_counters) and
 * the sources of the PMA's PortCounters (pedma_pma.c).
 *
 * Nothing but the requester sees the data move: a responder learns of a
 * SEND or WRITE_IMM by its record and of a plain WRITE or READ not at all.
 * So each side publishes what its requester moved in its area (struct
 * pedma_area_stats, every heartbeat) and reads the peer's: the rx_*
 * counters are the peer's tx_* of the last heartbeat (250 ms), kept across
 * the peer's restarts.  The peer's numbers are untrusted and only shown.
 */
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/percpu.h>
#include <rdma/ib_verbs.h>

#include "pedma.h"

#ifdef PEDMA_HAVE_RDMA_STAT_DESC

#define AREA_STATS_OFF	(PEDMA_AREA_CTRL_OFF + \
			 offsetof(struct pedma_area_ctrl, stats))

/* Peer counters after the local ones in the hw stats */
enum {
	PEER_RX_REQS = PEDMA_NCTR,	/* + class */
	PEER_RX_BYTES = PEER_RX_REQS + PEDMA_NCLS,
	PEER_NSTATS = PEER_RX_BYTES + PEDMA_NCLS
};

static const struct rdma_stat_desc pedma_stat_descs[] = {
	[PEDMA_CTR_TX_REQS + PEDMA_CLS_SEND].name = "tx_send_reqs",
	[PEDMA_CTR_TX_REQS + PEDMA_CLS_WRITE].name = "tx_write_reqs",
	[PEDMA_CTR_TX_REQS + PEDMA_CLS_READ].name = "tx_read_reqs",
	[PEDMA_CTR_TX_REQS + PEDMA_CLS_UD].name = "tx_ud_reqs",
	[PEDMA_CTR_TX_BYTES + PEDMA_CLS_SEND].name = "tx_send_bytes",
	[PEDMA_CTR_TX_BYTES + PEDMA_CLS_WRITE].name = "tx_write_bytes",
	[PEDMA_CTR_TX_BYTES + PEDMA_CLS_READ].name = "tx_read_bytes",
	[PEDMA_CTR_TX_BYTES + PEDMA_CLS_UD].name = "tx_ud_bytes",
	[PEDMA_CTR_PUT_PKTS].name = "tx_put_pkts",
	[PEDMA_CTR_GET_PKTS].name = "tx_get_pkts",
	[PEDMA_CTR_CHAINS_STARTED].name = "edma_chains_started",
	[PEDMA_CTR_CHAINS_DONE].name = "edma_chains_done",
	[PEDMA_CTR_CHAINS_ABORTED].name = "edma_chains_aborted",
	[PEDMA_CTR_EDMA_IRQS].name = "edma_interrupts",
	[PEDMA_CTR_DOORBELL_IRQS].name = "doorbell_interrupts",
	[PEDMA_CTR_DOORBELLS].name = "doorbells_rung",
	[PEDMA_CTR_RX_RECORDS].name = "rx_records",
	[PEDMA_CTR_RNR_RETRIES].name = "rnr_retries",
	[PEDMA_CTR_RETRIES].name = "transport_retries",
	[PEDMA_CTR_ERR_LOC_PROT].name = "err_loc_prot",
	[PEDMA_CTR_ERR_REM_ACCESS].name = "err_rem_access",
	[PEDMA_CTR_ERR_REM_OP].name = "err_rem_op",
	[PEDMA_CTR_ERR_REM_INV_REQ].name = "err_rem_inv_req",
	[PEDMA_CTR_ERR_RNR_RETRY_EXC].name = "err_rnr_retry_exceeded",
	[PEDMA_CTR_ERR_RETRY_EXC].name = "err_retry_exceeded",
	[PEDMA_CTR_ERR_LOC_QP_OP].name = "err_loc_qp_op",
	[PEDMA_CTR_ERR_FLUSH].name = "err_flushed",
	[PEDMA_CTR_ERR_OTHER].name = "err_other",
	[PEDMA_CTR_LINK_UP].name = "link_up",
	[PEDMA_CTR_LINK_DOWN].name = "link_down",
	[PEDMA_CTR_TX_ATOMICS].name = "tx_atomic_reqs",
	[PEDMA_CTR_ATOMIC_EXECUTED].name = "rx_atomic_executed",
	[PEDMA_CTR_ATOMIC_REFUSED].name = "rx_atomic_refused",
	[PEDMA_CTR_LOOP_REQS].name = "loopback_reqs",
	[PEDMA_CTR_LOOP_BYTES].name = "loopback_bytes",
	[PEDMA_CTR_UC_DROPPED].name = "uc_dropped",
	[PEDMA_CTR_BATCHED_REQS].name = "batched_reqs",
	[PEDMA_CTR_REC_WAITS].name = "rec_room_waits",
	[PEDMA_CTR_WND_LOADS].name = "wnd_loads",
	[PEDMA_CTR_WND_LOADS_HB].name = "wnd_loads_hb",
	[PEDMA_CTR_AREA_RESTORED].name = "area_restores",
	[PEDMA_CTR_CLAIMS].name = "claims",
	[PEER_RX_REQS + PEDMA_CLS_SEND].name = "rx_send_reqs",
	[PEER_RX_REQS + PEDMA_CLS_WRITE].name = "rx_write_reqs",
	[PEER_RX_REQS + PEDMA_CLS_READ].name = "rx_read_reqs",
	[PEER_RX_REQS + PEDMA_CLS_UD].name = "rx_ud_reqs",
	[PEER_RX_BYTES + PEDMA_CLS_SEND].name = "rx_send_bytes",
	[PEER_RX_BYTES + PEDMA_CLS_WRITE].name = "rx_write_bytes",
	[PEER_RX_BYTES + PEDMA_CLS_READ].name = "rx_read_bytes",
	[PEER_RX_BYTES + PEDMA_CLS_UD].name = "rx_ud_bytes",
};

static_assert(ARRAY_SIZE(pedma_stat_descs) == PEER_NSTATS);

static struct rdma_hw_stats *
pedma_alloc_hw_port_stats(struct ib_device *ibdev, u32 port)
{
	return rdma_alloc_hw_stats_struct(pedma_stat_descs, PEER_NSTATS,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

static int pedma_get_hw_stats(struct ib_device *ibdev,
			      struct rdma_hw_stats *stats, u32 port, int index)
{
	struct pedma_dev *dev = to_pdev(ibdev);
	int i;

	if (!port || stats->num_counters != PEER_NSTATS)
		return -EINVAL;
	for (i = 0; i < PEDMA_NCTR; i++)
		stats->value[i] = pedma_stats_sum(dev, i);
	for (i = 0; i < 2 * PEDMA_NCLS; i++)
		stats->value[PEER_RX_REQS + i] = pedma_stats_peer(dev, i);
	return PEER_NSTATS;
}

const struct ib_device_ops pedma_stats_ops = {
	.alloc_hw_port_stats = pedma_alloc_hw_port_stats,
	.get_hw_stats = pedma_get_hw_stats,
};

#else /* no struct rdma_stat_desc: counters only through the PMA */

const struct ib_device_ops pedma_stats_ops = {};

#endif

int pedma_stats_init(struct pedma_dev *dev)
{
	dev->stats = alloc_percpu(struct pedma_stats);
	return dev->stats ? 0 : -ENOMEM;
}

void pedma_stats_destroy(struct pedma_dev *dev)
{
	free_percpu(dev->stats);
	dev->stats = NULL;
}

/*
 * The sum of every CPU's copy.  Each copy only grows; a sum taken while
 * CPUs add is some value between the totals before and after (a 64-bit
 * load may tear on a 32-bit machine: the counters are statistics).
 */
u64 pedma_stats_sum(struct pedma_dev *dev, enum pedma_ctr c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(dev->stats, cpu)->c[c]);
	return sum;
}

/* Published counter @i of the peer (struct pedma_area_stats order) */
u64 pedma_stats_peer(struct pedma_dev *dev, unsigned int i)
{
	struct pedma_peer_stats *ps = &dev->peer_stats;

	if (i >= PEDMA_NPUB)
		return 0;
	return READ_ONCE(ps->base[i]) + READ_ONCE(ps->last[i]);
}

static u8 wqe_class(u8 wqe_op, bool ud)
{
	if (ud)
		return PEDMA_CLS_UD;
	switch (wqe_op) {
	case PEDMA_WQE_OP_RDMA_WRITE:
	case PEDMA_WQE_OP_RDMA_WRITE_IMM:
		return PEDMA_CLS_WRITE;
	case PEDMA_WQE_OP_RDMA_READ:
		return PEDMA_CLS_READ;
	default:
		return PEDMA_CLS_SEND;
	}
}

static enum pedma_ctr wc_err_ctr(u8 status)
{
	switch (status) {
	case IB_WC_LOC_PROT_ERR:
		return PEDMA_CTR_ERR_LOC_PROT;
	case IB_WC_REM_ACCESS_ERR:
		return PEDMA_CTR_ERR_REM_ACCESS;
	case IB_WC_REM_OP_ERR:
		return PEDMA_CTR_ERR_REM_OP;
	case IB_WC_REM_INV_REQ_ERR:
		return PEDMA_CTR_ERR_REM_INV_REQ;
	case IB_WC_RNR_RETRY_EXC_ERR:
		return PEDMA_CTR_ERR_RNR_RETRY_EXC;
	case IB_WC_RETRY_EXC_ERR:
		return PEDMA_CTR_ERR_RETRY_EXC;
	case IB_WC_LOC_QP_OP_ERR:
		return PEDMA_CTR_ERR_LOC_QP_OP;
	case IB_WC_WR_FLUSH_ERR:
		return PEDMA_CTR_ERR_FLUSH;
	default:
		return PEDMA_CTR_ERR_OTHER;
	}
}

/*
 * A send work request completed with @status (an ib_wc_status): count it
 * by class, or its error by kind.  @len: its payload bytes.  Any context.
 */
void pedma_stats_wc(struct pedma_dev *dev, u8 wqe_op, bool ud, bool loop,
		    u64 len, u8 status)
{
	u8 cls = wqe_class(wqe_op, ud);
	u64 pkts = max_t(u64, 1, DIV_ROUND_UP(len, PEDMA_UD_MTU));

	if (status != IB_WC_SUCCESS) {
		pedma_ctr_inc(dev, wc_err_ctr(status));
		return;
	}
	/* REG_MR and LOCAL_INV move nothing across the link */
	if (wqe_op == PEDMA_WQE_OP_REG_MR || wqe_op == PEDMA_WQE_OP_LOCAL_INV)
		return;
	/* nor does a loopback request: it stays on this side */
	if (loop) {
		pedma_ctr_inc(dev, PEDMA_CTR_LOOP_REQS);
		pedma_ctr_add(dev, PEDMA_CTR_LOOP_BYTES, len);
		return;
	}
	/* an atomic: 8 bytes come back; counted apart from the classes */
	if (wqe_op == PEDMA_WQE_OP_ATOMIC_CMP_SWP ||
	    wqe_op == PEDMA_WQE_OP_ATOMIC_FETCH_ADD) {
		pedma_ctr_inc(dev, PEDMA_CTR_TX_ATOMICS);
		return;
	}
	pedma_ctr_inc(dev, PEDMA_CTR_TX_REQS + cls);
	pedma_ctr_add(dev, PEDMA_CTR_TX_BYTES + cls, len);
	pedma_ctr_add(dev, cls == PEDMA_CLS_READ ? PEDMA_CTR_GET_PKTS :
						   PEDMA_CTR_PUT_PKTS, pkts);
}

/*
 * Every heartbeat (the link workqueue): publish what our requester moved,
 * and take the peer's numbers while the link is up.  A peer that started
 * again (its area has a new gen) counts from zero: what it had counted
 * before is kept in base.
 */
/* A load of the heartbeat's (wnd_loads_hb) */
static u32 wnd_readl_hb(struct pedma_dev *dev, const void __iomem *a)
{
	return pedma_wnd_readl_ctr(dev, a, PEDMA_CTR_WND_LOADS_HB);
}

/*
 * A 64-bit count the peer writes low half first: read high, low, high
 * again until the high halves agree (a few tries), so that a read racing
 * a carry cannot pair a new low half with an old high one and come out
 * 4 GiB too high.  One that comes out too low (or 0, when the halves
 * never agreed) is dropped by the caller's "never backwards" rule.
 */
static u64 peer_read64(struct pedma_dev *dev, void __iomem *p)
{
	u32 hi, lo, again = wnd_readl_hb(dev, p + 4);
	unsigned int tries = 4;

	do {
		hi = again;
		lo = wnd_readl_hb(dev, p);
		again = wnd_readl_hb(dev, p + 4);
	} while (again != hi && --tries);
	return again == hi ? (u64)hi << 32 | lo : 0;	/* 0: never taken */
}

#define in_ctrl_addr(dev, f) \
	((dev)->in + PEDMA_AREA_CTRL_OFF + offsetof(struct pedma_area_ctrl, f))

void pedma_stats_hb(struct pedma_dev *dev)
{
	struct pedma_peer_stats *ps = &dev->peer_stats;
	void __iomem *in = dev->in + AREA_STATS_OFF;
	u64 v[PEDMA_NPUB];
	unsigned int i;
	u32 gen;

	for (i = 0; i < PEDMA_NCLS; i++) {
		v[i] = pedma_stats_sum(dev, PEDMA_CTR_TX_REQS + i);
		v[PEDMA_NCLS + i] = pedma_stats_sum(dev, PEDMA_CTR_TX_BYTES + i);
	}
	v[2 * PEDMA_NCLS] = pedma_stats_sum(dev, PEDMA_CTR_PUT_PKTS);
	v[2 * PEDMA_NCLS + 1] = pedma_stats_sum(dev, PEDMA_CTR_GET_PKTS);
	for (i = 0; i < PEDMA_NPUB; i++)
		pedma_out_w64(dev, AREA_STATS_OFF + i * sizeof(u64), v[i]);

	if (!pedma_link_up(dev) ||
	    wnd_readl_hb(dev, in_ctrl_addr(dev, magic)) != PEDMA_AREA_MAGIC)
		return;
	gen = wnd_readl_hb(dev, in_ctrl_addr(dev, gen));
	for (i = 0; i < PEDMA_NPUB; i++) {
		u64 val = peer_read64(dev, in + i * sizeof(u64));

		if (gen != ps->gen) {
			WRITE_ONCE(ps->base[i], ps->base[i] + ps->last[i]);
			WRITE_ONCE(ps->last[i], 0);
		}
		if (val >= ps->last[i])
			WRITE_ONCE(ps->last[i], val);
	}
	ps->gen = gen;
}
