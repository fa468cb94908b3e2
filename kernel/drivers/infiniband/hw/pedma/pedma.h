/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pedma: RDMA verbs over a PCIe link whose payload moves by the endpoint's
 * DesignWare eDMA.  Core definitions shared by the common code and the
 * link backends.
 *
 * Layers (see docs/architecture.md):
 *   pedma_verbs.c  ib_device_ops entry points
 *   pedma_link.c   the versioned link handshake and port state
 *   pedma_edma.c   eDMA register access helpers (channel partition)
 *   pedma_main.c   device lifetime, module init
 *   pedma_lab.c    lab backend: QEMU ivshmem-doorbell + the lab's eDMA model
 * A backend supplies a struct pedma_backend and calls the pedma_dev_*()
 * functions below; nothing above the backend knows how the window, the
 * doorbells or the eDMA registers are reached.
 */
#ifndef PEDMA_H
#define PEDMA_H

#include <linux/types.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>

#include <pedma/pedma_window.h>

#define PEDMA_DRV_NAME		"pedma"
#define PEDMA_PORT		1

struct pedma_backend;

/**
 * struct pedma_backend_ops - what differs between real hardware and the lab
 * @edma_read: read a 32-bit eDMA register (offset from the eDMA block).
 *	May be slow (an MMIO read over PCIe on the host); never on a fast path.
 *	Callable from any context.
 * @edma_write: write a 32-bit eDMA register.  Callable from any context.
 * @peer_notify: ring the peer's doorbell (its control interrupt).  Callable
 *	from any context.
 */
struct pedma_backend_ops {
	u32 (*edma_read)(struct pedma_backend *be, u32 off);
	void (*edma_write)(struct pedma_backend *be, u32 off, u32 val);
	void (*peer_notify)(struct pedma_backend *be);
};

/**
 * struct pedma_backend - one side of one link, as a backend found it
 * @ops: register, doorbell access
 * @dma_dev: the device whose DMA mappings the eDMA can use (host: the PCI
 *	function the endpoint masters through; endpoint: the controller)
 * @wnd: the pedma window (control and metadata; see pedma_window.h)
 * @wnd_size: its size in bytes
 * @wnd_local_base: endpoint only: the window's address as the eDMA sees it
 * @role: PEDMA_ROLE_HOST or PEDMA_ROLE_EP
 * @node_guid: EUI-64 for this side, big endian
 * @desc: short text for node_desc and messages ("lab host", ...)
 */
struct pedma_backend {
	const struct pedma_backend_ops *ops;
	struct device *dma_dev;
	void __iomem *wnd;
	resource_size_t wnd_size;
	u64 wnd_local_base;
	u8 role;
	__be64 node_guid;
	const char *desc;
};

/* Channel partition agreed in the handshake: bit n = channel n */
struct pedma_chan_part {
	u8 host_wr, host_rd;
	u8 ep_wr, ep_rd;
	u8 wr_cnt, rd_cnt;
};

/*
 * Link state.  Everything here is owned by the link's ordered workqueue:
 * the event work and the heartbeat work never run concurrently, so they
 * need no lock.  Readers outside it (query_port) only read @up, through
 * READ_ONCE(); it is written with WRITE_ONCE() by the workqueue alone.
 */
struct pedma_link {
	struct workqueue_struct *wq;
	struct work_struct event_work;
	struct delayed_work hb_work;
	bool stopping;			/* set once, before teardown */
	bool up;
	bool peer_stale;		/* heartbeat lost; wait for a beat */
	struct pedma_hs_block self;	/* our block, as last written */
	struct pedma_chan_part part;	/* valid while up */
	u32 peer_hb;			/* last peer heartbeat seen */
	unsigned long peer_hb_jiffies;	/* when it last changed */
	int refusal;			/* last refusal reported, to log once */
	u32 refusal_val;
};

struct pedma_dev {
	struct ib_device ibdev;
	struct pedma_backend *be;
	struct pedma_link link;
	atomic_t npd;
};

struct pedma_ucontext {
	struct ib_ucontext ibuc;
};

struct pedma_pd {
	struct ib_pd ibpd;
};

static inline struct pedma_dev *to_pdev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct pedma_dev, ibdev);
}

/* pedma_main.c: device lifetime, called by backends in this order */
struct pedma_dev *pedma_dev_create(struct pedma_backend *be);
int pedma_dev_register(struct pedma_dev *dev);
void pedma_dev_unregister(struct pedma_dev *dev);
void pedma_dev_destroy(struct pedma_dev *dev);

/* pedma_link.c */
int pedma_link_init(struct pedma_dev *dev);
void pedma_link_start(struct pedma_dev *dev);
void pedma_link_stop(struct pedma_dev *dev);
void pedma_link_destroy(struct pedma_dev *dev);
void pedma_peer_event(struct pedma_dev *dev);	/* any context */

static inline bool pedma_link_up(struct pedma_dev *dev)
{
	return READ_ONCE(dev->link.up);
}

/* pedma_edma.c */
int pedma_edma_propose_partition(struct pedma_dev *dev,
				 struct pedma_chan_part *part);
int pedma_edma_check_partition(const struct pedma_chan_part *part);

/* pedma_verbs.c */
extern const struct ib_device_ops pedma_dev_ops;

/* pedma_lab.c */
int pedma_lab_init(void);
void pedma_lab_exit(void);

/* Testing only: layout version this side advertises (default: ours) */
extern int pedma_hs_layout_version;

#endif /* PEDMA_H */
