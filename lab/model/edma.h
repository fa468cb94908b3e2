/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The lab's DesignWare eDMA v0 model: register file, register mailboxes,
 * channel execution and interrupts.  No sockets here: the ivshmem server
 * (ivshmem.c) feeds it kicks and carries its interrupts, and the unit tests
 * drive it directly with plain buffers standing in for guest memory.
 */
#ifndef PEDMA_LAB_EDMA_H
#define PEDMA_LAB_EDMA_H

#include <stdbool.h>
#include <stdint.h>

#include <pedma/dw_edma_regs.h>
#include <pedma/pedma_lab.h>
#include <pedma/pedma_window.h>

#include "guestmem.h"

/* The two guests, indexed as in pedma_lab_hdr.mbox_off[] */
enum lab_side {
	LAB_SIDE_HOST = 0,
	LAB_SIDE_EP = 1,
	LAB_SIDES
};

/* eDMA directions: write = endpoint -> PCIe, read = PCIe -> endpoint */
enum edma_dir {
	EDMA_DIR_WR = 0,
	EDMA_DIR_RD = 1,
	EDMA_DIRS
};

/* Vectors per guest the model supports; bounded by the ivshmem setup burst */
#define EDMA_MAX_VECTORS	32

/* ivshmem peer ids the model hands out */
#define LAB_MODEL_ID		0
#define LAB_HOST_ID		1
#define LAB_EP_ID		2

/*
 * The events the model counts per side, in the order of
 * struct pedma_lab_side_events (pedma_lab.h has the counting rules)
 */
enum edma_ev {
	EDMA_EV_REG_READS,
	EDMA_EV_REG_WRITES,
	EDMA_EV_DOORBELLS,
	EDMA_EV_CHAINS,
	EDMA_EV_LL_ELEMS,
	EDMA_EV_BYTES,
	EDMA_EV_IMWR,
	EDMA_EV_IRQS,
	EDMA_EV_KICKS,
	EDMA_EV_IRQ_VEC0,	/* ... PEDMA_LAB_VECTORS of them */
	EDMA_EV_COUNT = EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VECTORS
};

typedef void (*edma_raise_irq_fn)(void *opaque, enum lab_side side,
				  unsigned int vector);

struct edma_pace;	/* pace.h */

struct edma_cfg {
	uint8_t *shm;			/* the ivshmem BAR2 memory */
	uint64_t shm_size;		/* >= PEDMA_LAB_WND_OFF + PEDMA_WND_MIN_SIZE */
	struct guest_ram host_ram;	/* PCIe addresses */
	struct guest_ram ep_ram;	/* endpoint-local addresses */
	unsigned int vectors;		/* per guest, 3..EDMA_MAX_VECTORS */
	unsigned int wr_ch_cnt;		/* 1..EDMA_V0_MAX_WR_CH */
	unsigned int rd_ch_cnt;		/* 1..EDMA_V0_MAX_RD_CH */
	uint32_t model_gen;		/* pedma_lab_hdr.model_gen */
	bool no_guard;			/* do not check DMA guard tables */
	edma_raise_irq_fn raise_irq;
	void *opaque;
	struct edma_pace *pace;		/* NULL: unlimited, chains run at once */
};

struct edma_chan {
	uint32_t ctrl1;			/* without the status bits */
	uint32_t status;		/* EDMA_V0_CH_STATUS_* */
	uint32_t ctrl2;
	uint32_t xfer_size;
	uint64_t sar;
	uint64_t dar;
	uint64_t llp;
};

struct edma_dir_state {
	unsigned int ch_cnt;
	uint32_t engine_en;
	uint32_t int_status;
	uint32_t int_mask;
	uint32_t err_status;		/* wr_err_status, rd_err_status low */
	uint32_t err_status_hi;		/* rd_err_status high; unused for wr */
	uint64_t done_imwr;
	uint64_t abort_imwr;
	uint32_t imwr_data[4];		/* ch01, ch23, ch45, ch67 */
	uint32_t ll_err_en;
	struct edma_chan ch[EDMA_V0_MAX_WR_CH];
};

struct edma {
	struct edma_cfg cfg;
	uint32_t arb_prior;
	struct edma_dir_state dir[EDMA_DIRS];
	uint32_t mbox_cons[LAB_SIDES];	/* the model's own copy; shm is untrusted */
	bool mbox_clamp_logged[LAB_SIDES];
	uint64_t irq_pending[LAB_SIDES];	/* vectors to raise at flush */
	uint64_t guard_violations;	/* DMA guard violations so far */
	uint64_t guard_refused[LAB_SIDES];	/* last refused descriptor */
	uint32_t beat;			/* published as pedma_lab_hdr.beat */
	/*
	 * The side whose register writes are being applied (set by the
	 * mailbox drain; a unit test calling edma_reg_write() sets it):
	 * its doorbells, and what the channels they start do, count for it.
	 */
	enum lab_side writer;
	uint64_t ev[LAB_SIDES][EDMA_EV_COUNT];	/* the model's own copy */
};

/*
 * Validate cfg, reset the engine and initialise the lab area of the shm:
 * header, mailboxes, register image.  The header magic is stored last.
 * Returns 0 or -EINVAL.
 */
int edma_init(struct edma *e, const struct edma_cfg *cfg);

/* Apply one register write as the device would see the MMIO write */
void edma_reg_write(struct edma *e, uint32_t off, uint32_t val);

/* The register value a guest would read (0 for unknown offsets) */
uint32_t edma_reg_read(const struct edma *e, uint32_t off);

/* Write the register file into the shm register image (then a release fence) */
void edma_publish(struct edma *e);

/*
 * Publish the register image, then raise the interrupts collected since
 * the last flush.  Call after a batch of edma_reg_write().
 */
void edma_flush(struct edma *e);

/*
 * Drain both mailboxes: apply every posted entry in order, publish the
 * image and cons, then raise interrupts.  Returns the number of entries
 * consumed.
 */
unsigned int edma_process_mailboxes(struct edma *e);

/* Advance the heartbeat guests watch while they wait (pedma_lab_hdr.beat) */
void edma_beat(struct edma *e);

/*
 * The guest of this side is gone: drop whatever it posted and the model
 * has not applied (never applied later), and publish cons = prod so that
 * the next guest starts from an empty mailbox.  An armed DMA guard of that
 * side becomes PEDMA_LAB_GUARD_GONE: its RAM is out of reach (accesses
 * abort) until a driver of the next guest arms it again; the other guest
 * is told (hdr.gone, its peer vector).
 */
void edma_mbox_drop(struct edma *e, enum lab_side side);

/*
 * Count n events of this side and publish the counter in the shm's
 * struct pedma_lab_events.  The engine counts its own events; the
 * ivshmem server reports kicks through this.
 */
void edma_count(struct edma *e, enum lab_side side, enum edma_ev ev,
		uint64_t n);

/*
 * For pace.c: a chain's progress since its doorbell (the work bounds), and
 * the channel execution it steps through.
 */
struct edma_ll_run {
	unsigned int links;	/* link elements in a row */
	unsigned int elems;	/* elements fetched */
	uint64_t bytes;		/* bytes moved */
};

/*
 * Run the channel's chain from its LLP: to its end, or (one) until one
 * data element has moved.  False once the channel has stopped or aborted.
 */
bool edma_ll_advance(struct edma *e, enum edma_dir dir, unsigned int ch,
		     struct edma_ll_run *r, bool one);

/*
 * Without changing the engine: the size of the data element the channel's
 * chain moves next and the link elements before it.  False if the chain
 * would stop or abort before moving data.
 */
bool edma_ll_peek(struct edma *e, enum edma_dir dir, unsigned int ch,
		  uint32_t *size, unsigned int *links);

/* Non-LL mode: the block the channel registers describe */
void edma_run_single(struct edma *e, enum edma_dir dir, unsigned int ch);

#endif /* PEDMA_LAB_EDMA_H */
