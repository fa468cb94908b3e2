/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * pedma lab transport: how the lab's eDMA model and the driver's lab
 * backend meet inside the ivshmem BAR2.  Used by the driver's lab backend,
 * the model (lab/model) and the tests.  Real hardware never sees this.
 *
 * BAR2 (the ivshmem shared memory, served by the model):
 *
 *   0x00000  struct pedma_lab_hdr         (model writes; one ep field)
 *   0x00080  struct pedma_lab_events      (model writes; see below)
 *   0x01000  register mailbox of the host  (host produces, model consumes)
 *   0x02000  register mailbox of the ep    (ep produces, model consumes)
 *   0x04000  eDMA register image           (model writes, guests read;
 *                                          dw_edma_regs.h)
 *   0x10000  the pedma window              (see pedma_window.h)
 *
 * The mark: the model writes the lab header before any guest boots (it
 * reports ready only after), storing PEDMA_LAB_MAGIC last.  The lab
 * backend (pedma_lab.ko) matches every ivshmem device but binds only one
 * whose BAR2 starts with that magic; any other ivshmem device is someone
 * else's shared memory: its probe returns -ENODEV without writing to it.
 *
 * Why a mailbox: ivshmem memory cannot trap a store, but eDMA registers
 * have side effects (doorbells, write-1-to-clear).  So the lab backend turns
 * each register write into a mailbox entry and kicks the model through the
 * ivshmem BAR0 doorbell; the model applies the writes in order, exactly as
 * the device would see the MMIO writes, and republishes the register image.
 * A register read is served from the image once the model has consumed
 * every entry the reader posted before it (read-after-write ordering).
 *
 * Interrupts: the model raises a guest's MSI-X vector by signalling the
 * eventfd of that vector (ivshmem protocol).  The endpoint's local eDMA
 * interrupt (LIE) arrives on PEDMA_LAB_VEC_EDMA_WR/RD.  An IMWr (RIE) to a
 * PCIe address inside the lab interrupt aperture raises the host's vector
 * (addr - PEDMA_LAB_MSI_BASE) / 4, as a write to an MSI address would; an
 * IMWr to host RAM is a plain memory write.  The done IMWr is sent for an
 * element with RIE and LIE whatever int_mask says; the abort IMWr is sent
 * on every abort when abort_imwr is nonzero.  lab/model/edma.c has the
 * full list of lab rules.  Vector PEDMA_LAB_VEC_PEER is
 * rung by the other guest (the NTB doorbell of the lab).
 *
 * DMA guard (lab version 3; an IOMMU of the lab): each side's driver
 * maps every DMA mapping of its lab device to an I/O virtual address
 * (IOVA) of its own, never the guest-physical address, through a one-level
 * translation table in its own RAM, and publishes a guard descriptor
 * (struct pedma_lab_guard) through pedma_lab_hdr.guard_gpa[side].  The
 * model translates every guest-RAM address of the engine through the table
 * of the side that owns the RAM.  An address without a translation (never
 * mapped, unmapped, outside the IOVA space) aborts the channel like a bad
 * address, fills the descriptor's violation record and raises that side's
 * PEDMA_LAB_VEC_SPARE.  IOVAs are handed out next-fit: an unmapped IOVA is
 * handed out again only after the whole IOVA space went round, so a chain
 * that still holds an address of a buffer that went back faults even when
 * the same memory was mapped again for something else, as with an IOMMU.
 * guard_gpa 0: that side is not translated (no driver armed it; addresses
 * are guest-physical).  PEDMA_LAB_GUARD_NOTHING: nothing of that side's
 * RAM is mapped -- its driver left (remove) -- so every access to that RAM
 * is a violation, as an IOMMU faults a detached device's DMA.
 * PEDMA_LAB_GUARD_GONE: its guest went away; accesses abort, as over a
 * link that is down.  The window and the interrupt aperture are not RAM
 * and are not translated.  With PEDMA_LAB_MF_NO_GUARD in model_flags (the
 * model's --no-guard) the drivers do not arm the guard.
 *
 * Events (hardware events, the machine-independent cost): the model counts
 * what each side made the "hardware" do in struct pedma_lab_events, at
 * pedma_lab_hdr.events_off (0: a model without events).  Only the model
 * writes it; every counter is a little-endian u64 that only grows (from 0
 * when the model starts).  A reader sees each counter whole, not all of
 * them at one instant: compare them when the side is quiet.  Per side
 * (side[0] host, side[1] endpoint):
 *   reg_reads   register reads of that side: its backend posts a read
 *               marker (PEDMA_LAB_MBOX_READ) for every register read it
 *               serves from the image, and the model counts the markers
 *               as it drains the mailbox (no kick is needed for them:
 *               the next drain counts them, within the model's safety
 *               poll)
 *   reg_writes  register writes it posted that the model applied (every
 *               mailbox entry with a register offset, doorbells included)
 *   doorbells   of those, writes to a channel doorbell register
 *               (WR/RD_DOORBELL, STOP included)
 *   chains      doorbells of that side that started a channel (engine
 *               enabled, no STOP), LL or not, whatever came of them
 *   ll_elems    LL data elements those channels executed (the transfer
 *               done; link elements and the element that stops the chain
 *               are not counted)
 *   bytes       payload bytes those channels moved (elements, or the
 *               non-LL block, that completed)
 *   imwr        IMWr (done and abort) those channels sent, wherever to
 *   irqs        interrupts the model raised to that side's guest: one per
 *               vector per flush (the model raises a vector once for all
 *               the events of one mailbox drain), all vectors
 *   irq_vec[v]  the same, per vector v < PEDMA_LAB_VECTORS
 *   kicks       kicks the guest sent the model (ivshmem doorbells to model
 *               vector PEDMA_LAB_MODEL_VEC_KICK + side; every one, as the
 *               kick eventfd counts them)
 * Peer notifications go from guest to guest (the other QEMU's eventfd):
 * the model never sees them; the backends count them (debugfs).  A raised
 * interrupt is a signal of the vector's eventfd: QEMU and the guest may
 * merge several into one, so a guest takes at most irq_vec[v] interrupts.
 */
#ifndef PEDMA_LAB_H
#define PEDMA_LAB_H

#include <linux/types.h>
#include "dw_edma_regs.h"
#include "pedma_window.h"

/* The mark of a lab device: pedma_lab_hdr.magic, stored last by the model */
#define PEDMA_LAB_MAGIC			0x42414c414d444550ULL	/* "PEDMALAB" */
#define PEDMA_LAB_VERSION		3

#define PEDMA_LAB_HDR_OFF		0x00000
#define PEDMA_LAB_MBOX_HOST_OFF		0x01000
#define PEDMA_LAB_MBOX_EP_OFF		0x02000
#define PEDMA_LAB_REGS_OFF		0x04000
#define PEDMA_LAB_WND_OFF		0x10000
#define PEDMA_LAB_AREA_SIZE		PEDMA_LAB_WND_OFF

/* Default BAR2 size: a power of two, as ivshmem wants */
#define PEDMA_LAB_SHM_SIZE		0x1000000	/* 16 MiB */

/* ivshmem BAR0 registers */
#define IVSHMEM_REG_INTR_MASK		0
#define IVSHMEM_REG_INTR_STATUS		4
#define IVSHMEM_REG_IVPOSITION		8
#define IVSHMEM_REG_DOORBELL		12	/* (peer_id << 16) | vector */

/* Guest MSI-X vectors */
#define PEDMA_LAB_VEC_PEER		0	/* doorbell from the other guest */
#define PEDMA_LAB_VEC_EDMA_WR		1	/* eDMA write-channel interrupts */
#define PEDMA_LAB_VEC_EDMA_RD		2	/* eDMA read-channel interrupts */
#define PEDMA_LAB_VEC_SPARE		3	/* DMA guard violation */
#define PEDMA_LAB_VECTORS		4

/*
 * The model's own vector that guests ring to say "mailbox has entries".
 * With events (pedma_lab_hdr.events_off set), each side rings
 * PEDMA_LAB_MODEL_VEC_KICK + side (0 host, 1 endpoint), so that the model
 * can count kicks per side; every model vector is a kick.
 */
#define PEDMA_LAB_MODEL_VEC_KICK	0

/* IMWr to [MSI_BASE, MSI_BASE + 4 * vectors) interrupts the host */
#define PEDMA_LAB_MSI_BASE		0x00ff000000000000ULL

struct pedma_lab_hdr {
	__le64 magic;		/* written last by the model, once ready */
	__le32 version;
	__le32 vectors;		/* MSI-X vectors per guest */
	__le32 model_id;	/* ivshmem peer ids */
	__le32 host_id;
	__le32 ep_id;
	__le32 shm_size;
	__le32 regs_off;
	__le32 regs_size;
	__le32 mbox_off[2];	/* [0] host, [1] endpoint */
	__le32 wnd_off;
	__le32 wnd_size;
	__le64 msi_base;	/* PEDMA_LAB_MSI_BASE */
	/*
	 * Written by the endpoint driver: the address at which the endpoint
	 * guest sees BAR2.  Endpoint-local eDMA addresses inside
	 * [ep_bar2_base + wnd_off, + wnd_size) address the window (this is
	 * where LL elements live); all other endpoint-local addresses are
	 * endpoint RAM.
	 */
	__le64 ep_bar2_base;
	__le32 model_gen;	/* changes each time the model starts */
	__le32 model_flags;	/* PEDMA_LAB_MF_* */
#define PEDMA_LAB_MF_NO_GUARD	0x1	/* drivers: do not arm the DMA guard */
	/*
	 * Written by each side's driver: the guest-physical
	 * address of its struct pedma_lab_guard, 0 for none.  Set once the
	 * descriptor is complete; cleared before it is freed.
	 */
	__le64 guard_gpa[2];	/* [0] host, [1] endpoint */
#define PEDMA_LAB_GUARD_NOTHING	1ULL	/* guard_gpa: armed, nothing mapped */
/*
 * guard_gpa: the guest went away (the model sets it): its link is down,
 * an access to its RAM aborts the chain as a PCIe error would, and is not
 * a guard violation (the other side may not know yet)
 */
#define PEDMA_LAB_GUARD_GONE	2ULL
	/*
	 * Written by the model: how many times each side's guest went away
	 * (its QEMU disconnected).  The model then rings the other guest's
	 * PEDMA_LAB_VEC_PEER: what a PCIe link reset is to an NTB driver's
	 * link event.  [0] host, [1] endpoint.
	 */
	__le32 gone[2];
	/*
	 * Written by the model: advanced each time it wakes up (at least
	 * every 100 ms while it runs) and for each piece of guest RAM a
	 * channel copies.  The model executes a doorbell's chain before it
	 * consumes the next mailbox entry, so a guest waiting for cons may
	 * wait as long as the longest chain takes; a beat that moves tells it
	 * the model is busy, not dead.  0 from a model that predates it.
	 */
	__le32 beat;
	/* struct pedma_lab_events: offset in BAR2 (0: none) and size */
	__le32 events_off;
	__le32 events_size;
	__le32 reserved[3];
};

#define PEDMA_LAB_EVENTS_OFF		0x00080

/* One side's events; the counting rules are at the top of this file */
struct pedma_lab_side_events {
	__le64 reg_reads;
	__le64 reg_writes;
	__le64 doorbells;
	__le64 chains;
	__le64 ll_elems;
	__le64 bytes;
	__le64 imwr;
	__le64 irqs;
	__le64 kicks;
	__le64 irq_vec[PEDMA_LAB_VECTORS];
	__le64 reserved[3];
};

struct pedma_lab_events {
	struct pedma_lab_side_events side[2];	/* [0] host, [1] endpoint */
};

#define PEDMA_LAB_MBOX_ENTRIES		256	/* power of two */

struct pedma_lab_mbox_ent {
	__le32 off;		/* eDMA register offset, 4-byte aligned */
	__le32 val;
};

/*
 * A read marker: an entry whose off is PEDMA_LAB_MBOX_READ | register
 * offset tells the model that the guest read that register from the
 * image (val unused).  It changes nothing; the model counts it
 * (pedma_lab_side_events.reg_reads).  Posted only to a model with events.
 */
#define PEDMA_LAB_MBOX_READ		0x80000000u

/*
 * prod and cons are free-running counters; entry i lives in
 * ent[i % PEDMA_LAB_MBOX_ENTRIES].  The guest fills the entry, then
 * publishes prod (release); the model reads prod (acquire), applies the
 * entries and publishes cons.  The guest never posts more than ENTRIES
 * ahead of cons.  The model treats prod as untrusted: a prod more than
 * ENTRIES ahead of cons is a protocol error and is clamped: the model
 * applies the ENTRIES entries from cons on, then sets cons to prod.  A
 * guest (re)starting its backend takes prod from the current cons.
 */
struct pedma_lab_mbox {
	__le32 prod;
	__le32 pad0[15];
	__le32 cons;
	__le32 pad1[15];
	struct pedma_lab_mbox_ent ent[PEDMA_LAB_MBOX_ENTRIES];
};

/*
 * The DMA guard descriptor: one 4 KiB page in the guest's RAM, written by
 * its driver (the model writes only .viol).  The IOVA space is
 * [iova_base, iova_base + pages * 4 KiB); IOVA page i (address
 * iova_base + i * 4 KiB) has the entry
 * ((__le32 *)table page (i / PEDMA_LAB_GUARD_ENTRIES_PER_PAGE))
 * [i % PEDMA_LAB_GUARD_ENTRIES_PER_PAGE]; table page n is the 4 KiB page at
 * guest-physical address table_gpa[n].  An entry is 0 (no translation) or
 * the guest page frame number plus one: the IOVA page then translates to
 * guest-physical (entry - 1) * 4 KiB.  The model trusts none of it: a
 * descriptor or table page outside RAM, counts above the limits, an IOVA
 * space that wraps or overlaps the interrupt aperture, a bad magic or
 * version make it ignore the descriptor (logged); an entry outside RAM is
 * a bad address.
 */
#define PEDMA_LAB_GUARD_MAGIC		0x445241554744504cULL	/* "LPDGUARD" */
#define PEDMA_LAB_GUARD_VERSION		2
#define PEDMA_LAB_GUARD_PAGE		4096
#define PEDMA_LAB_GUARD_ENTRIES_PER_PAGE	(PEDMA_LAB_GUARD_PAGE / 4)
#define PEDMA_LAB_GUARD_MAX_TABLE_PAGES	496
/* Where the lab drivers put their IOVA space: far above any lab RAM */
#define PEDMA_LAB_GUARD_IOVA_BASE	0x0000100000000000ULL	/* 16 TiB */

/* What the guard caught (pedma_lab_guard_viol.what) */
#define PEDMA_LAB_GUARD_SRC		1	/* element source */
#define PEDMA_LAB_GUARD_DST		2	/* element destination */
#define PEDMA_LAB_GUARD_LL		3	/* LL element fetch */
#define PEDMA_LAB_GUARD_IMWR		4	/* IMWr into RAM */

/*
 * The last violation on this side's RAM, written by the model: the fields
 * first, then count (release).  A reader reads count, the fields, count
 * again, and retries if the two counts differ.
 */
struct pedma_lab_guard_viol {
	__le32 count;		/* violations so far (free-running) */
	__le32 what;		/* PEDMA_LAB_GUARD_* */
	__le32 dir;		/* 0 write channel, 1 read channel */
	__le32 chan;
	__le64 llp;		/* the element's address; ~0 in non-LL mode */
	__le64 sar;
	__le64 dar;
	__le32 size;		/* the element's transfer size (4: IMWr) */
	__le32 reserved0;
	__le64 addr;		/* the first page without a translation */
	__le64 reserved1;
};

struct pedma_lab_guard {
	__le64 magic;		/* PEDMA_LAB_GUARD_MAGIC */
	__le32 version;		/* PEDMA_LAB_GUARD_VERSION */
	__le32 pages;		/* IOVA pages: [iova_base, + pages * 4 KiB) */
	__le32 table_pages;	/* valid entries of table_gpa[] */
	__le32 reserved0;
	__le64 iova_base;	/* 4 KiB aligned */
	struct pedma_lab_guard_viol viol;
	__le32 reserved1[8];
	__le64 table_gpa[PEDMA_LAB_GUARD_MAX_TABLE_PAGES];
};

PEDMA_STATIC_ASSERT(sizeof(struct pedma_lab_hdr) == 128, "lab hdr size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_lab_guard_viol) == 64, "guard viol size");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_lab_side_events) == 128, "side events size");
PEDMA_STATIC_ASSERT(PEDMA_LAB_HDR_OFF + sizeof(struct pedma_lab_hdr) <=
		    PEDMA_LAB_EVENTS_OFF &&
		    PEDMA_LAB_EVENTS_OFF + sizeof(struct pedma_lab_events) <=
		    PEDMA_LAB_MBOX_HOST_OFF, "events between header and mailboxes");
PEDMA_STATIC_ASSERT(PEDMA_LAB_MBOX_READ >= EDMA_V0_REGS_SIZE, "read marker bit");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_lab_guard) == PEDMA_LAB_GUARD_PAGE,
		    "guard descriptor is one page");
PEDMA_STATIC_ASSERT(sizeof(struct pedma_lab_mbox) <=
		    PEDMA_LAB_MBOX_EP_OFF - PEDMA_LAB_MBOX_HOST_OFF, "mailbox fits");
PEDMA_STATIC_ASSERT(PEDMA_LAB_REGS_OFF + EDMA_V0_REGS_SIZE <= PEDMA_LAB_WND_OFF,
		    "register image fits");

#endif /* PEDMA_LAB_H */
