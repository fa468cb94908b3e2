/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pedma data movers: the floor below the requester.
 *
 * The requester (pedma_xfer.c) decides what moves: it translates keys,
 * picks the direction and cuts a request into segments (source and
 * destination bus addresses as the engine sees them, a length).  A mover
 * turns a batch of segments (a "chain") into work for a DMA engine and
 * reports when it ended.  It knows nothing of QPs, keys or the window
 * protocol; it never calls into the requester except through the @done
 * callback a chain carries (as a dmaengine descriptor's callback).
 *
 * Movers:
 *   pedma_edma.c   the DesignWare eDMA linked-list mover: pedma owns the
 *                  channels the handshake gave this side, writes LL
 *                  elements into the window's LL ring and rings the
 *                  doorbell (the lab; boards whose eDMA registers are
 *                  reachable and unclaimed).
 *   pedma_dmae.c   the dmaengine mover: slave channels of a dmaengine
 *                  provider (the endpoint's own dw-edma channels on a
 *                  stock kernel; the lab's dmaengine driver), one
 *                  descriptor per contiguous PCI-side run; the
 *                  descriptor callbacks feed pedma_edma_irq() with an
 *                  interrupt status of their own making.
 *   pedma_proxy.c  the host's proxy mover of the endpoint-driven mode:
 *                  chains become requests the endpoint's kernel runs on
 *                  its own channels (and that service).
 * pedma_chain.c holds the chain bookkeeping both share.
 * docs/architecture.md, "The mover interface".
 *
 * Channels.  Each side owns a set of channels per direction
 * (PEDMA_DIR_WR: endpoint memory -> PCIe, PEDMA_DIR_RD: the reverse), in
 * dev->chan[dir][0..nchan).  One chain runs on a channel at a time.
 * Everything here is called with dev->xlock held, except quiesce() and
 * irq_status().
 */
#ifndef PEDMA_MOVER_H
#define PEDMA_MOVER_H

#include <linux/types.h>

struct pedma_dev;
struct pedma_chan;

/* Channels per direction at most (the eDMA v0 maximum) */
#define PEDMA_MAX_CHAN		8

/* Called when a chain ended (xlock held); @cookie as given to start() */
typedef void (*pedma_chain_done_fn)(struct pedma_dev *dev, int dir,
				    void *cookie, bool aborted);

/*
 * What a segment's peer-side address was translated from (PEDMA_AUTH_*,
 * pedma_window.h): the proxy mover sends it to the endpoint, which
 * translates it again from its own state; other movers ignore it.
 */
struct pedma_auth {
	u8 kind;
	u32 key;		/* MR: the rkey; RECV: the receive's index */
	u32 qpn;		/* the peer's target QP */
	u64 iova;		/* MR: address; RECV, ATOMIC: byte offset */
};

/* A chain being built, on the caller's stack; valid until start() */
struct pedma_chain {
	struct pedma_chan *ch;
	u32 room;		/* segments add() still takes */
	u32 n;			/* segments added */
	void *priv;		/* the mover's per-channel state */
	/* the LL mover's state */
	void __iomem *ll;
	void __iomem *prev;
	u32 prev_size;
	u64 prev_sar, prev_dar;
};

/**
 * struct pedma_mover_ops - one kind of data mover
 * @name: for messages ("ll", "dmaengine")
 * @max_seg: largest segment add() takes, in bytes
 * @init: optional: take the engine's channels when the device is created.
 *	Process context; an error fails pedma_dev_create().
 * @fini: optional: give them back when it is destroyed.  Process context.
 * @channels: optional: how many channels of direction @dir @init took (a
 *	mover that owns its channels; the partition of a backend without
 *	register access, pedma_edma_propose_partition()).  Process context.
 * @link_up: take this side's channels of the partition in dev->link.part
 *	and set up what this side owns of the engine.  xlock held.
 * @quiesce: process context, no locks: wait (bounded) until none of the
 *	channels in @busy (bit n = channel index n, per direction) runs a
 *	chain any more, stopping those that do not end.
 * @reset: after quiesce, xlock held: every channel idle, every chain
 *	counted as ended, no callback for them (the caller flushes).
 * @begin: a free channel of @dir for a new chain in @c; -EBUSY if none.
 * @add: append @len bytes from @src to @dst; @peer: what the peer-side
 *	address was translated from, or NULL on the endpoint's own service
 *	(pedma_proxy.c).  The caller checks c->room.
 * @start: the chain (at least one segment) runs; @done(@cookie) follows.
 * @irq_status: an engine interrupt of direction @dir arrived (the
 *	backend's threaded handler calls pedma_edma_irq()): which of our
 *	chains it reports.  No locks; may wait for a register read.
 * @irq: end the chains @st (from irq_status) reports.  xlock held.
 */
struct pedma_mover_ops {
	const char *name;
	u32 max_seg;
	int (*init)(struct pedma_dev *dev);
	void (*fini)(struct pedma_dev *dev);
	unsigned int (*channels)(struct pedma_dev *dev, int dir);
	void (*link_up)(struct pedma_dev *dev);
	void (*quiesce)(struct pedma_dev *dev, const u8 busy[2]);
	void (*reset)(struct pedma_dev *dev, const u8 busy[2]);
	int (*begin)(struct pedma_dev *dev, int dir, struct pedma_chain *c);
	void (*add)(struct pedma_chain *c, u64 src, u64 dst, u32 len,
		    const struct pedma_auth *peer);
	void (*start)(struct pedma_dev *dev, struct pedma_chain *c,
		      pedma_chain_done_fn done, void *cookie);
	u32 (*irq_status)(struct pedma_dev *dev, int dir);
	void (*irq)(struct pedma_dev *dev, int dir, u32 st);
};

extern const struct pedma_mover_ops pedma_edma_ll_mover;
extern const struct pedma_mover_ops pedma_dmae_mover;
extern const struct pedma_mover_ops pedma_proxy_mover;

/* Chain bookkeeping (pedma_chain.c), xlock held */
void pedma_chan_init(struct pedma_chan *ch, int dir, u8 idx);
struct pedma_chan *pedma_chan_free(struct pedma_dev *dev, int dir);
void pedma_chain_started(struct pedma_chan *ch, pedma_chain_done_fn done,
			 void *cookie);
void pedma_chains_end(struct pedma_dev *dev, int dir, u32 st);
void pedma_chains_reset(struct pedma_dev *dev);

/* Chains started and ended per channel: the MR/peer sync snapshots */
void pedma_chains_snap(struct pedma_dev *dev, u32 snap[2][PEDMA_MAX_CHAN]);
bool pedma_chains_done(struct pedma_dev *dev,
		       const u32 snap[2][PEDMA_MAX_CHAN]);

/* The chain on @ch belongs to nobody any more: no callback cookie */
void pedma_chain_forget(struct pedma_chan *ch);

#endif /* PEDMA_MOVER_H */
