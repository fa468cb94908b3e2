// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The lab's DesignWare eDMA v0 model.
 *
 * Guests post register writes into their mailbox and kick the model; the
 * model applies them in order to the register file kept here, runs the
 * channels a doorbell starts, and republishes the register file into the
 * register image in the shm, which is what guests read.
 *
 * Lab rules (where the databook leaves room, or the lab differs):
 *
 * - Execution is synchronous: a doorbell runs its channel until the chain
 *   stops, completes or aborts before the next mailbox entry is applied.
 *   So no channel is RUNNING between entries, and a guest never sees
 *   RUNNING in the image.  Copies go in slices of EDMA_COPY_SLICE.  Under
 *   a link profile (cfg.pace, pace.h) the channel stays RUNNING instead
 *   and moves each data element at its deadline; a doorbell on a RUNNING
 *   channel is then ignored.
 * - Work per doorbell is bounded: more than EDMA_LL_MAX_ELEMS elements,
 *   more than EDMA_LL_MAX_BYTES bytes, or more than EDMA_LL_MAX_LINKS link
 *   elements in a row abort the channel with a linked-list fetch error.
 * - Addresses: a write channel reads endpoint-local SAR and writes PCIe
 *   DAR; a read channel the reverse.  Endpoint-local addresses inside
 *   [ep_bar2_base + wnd_off, + wnd_size) are the pedma window (only once
 *   the endpoint driver has set ep_bar2_base); all other endpoint-local
 *   addresses are endpoint RAM.  PCIe addresses are host RAM.  LL elements
 *   are fetched from endpoint-local addresses.  Every range is checked as
 *   a whole before a byte moves; a zero-length transfer moves nothing and
 *   checks no address.
 * - Done: a data element with LIE or RIE (in non-LL mode: every transfer,
 *   with ctrl1's LIE/RIE) sets its done bit in int_status.  LIE and an
 *   unmasked done bit raise the endpoint's PEDMA_LAB_VEC_EDMA_WR/RD vector.
 *   RIE together with LIE (the databook: RIE needs LIE) sends the done
 *   IMWr whatever the mask: masking the local interrupt is how a channel
 *   driven by the host avoids interrupting the endpoint.  A chain that
 *   ends at an element whose CB differs from CCS stops with no interrupt.
 * - Abort (bad address, LL fetch error, STOP doorbell): channel STOPPED,
 *   error bits set (none for STOP), abort bit set in int_status, the
 *   endpoint's vector raised if the abort bit is unmasked (LIE does not
 *   matter: the failing element may never have been fetched), and the
 *   abort IMWr sent if abort_imwr is nonzero.  Nothing of the failing
 *   element is copied.
 * - IMWr: the channel's 16-bit IMWr data, zero-extended, written as 32
 *   bits.  A 4-aligned address inside [msi_base, msi_base + 4 * vectors)
 *   raises host vector (addr - msi_base) / 4; an address in host RAM is
 *   written there; anything else is dropped and logged.
 * - Interrupts are edge events at done/abort time; unmasking a status bit
 *   later raises nothing.  They are collected and raised only after the
 *   register image (and cons) are published, so a handler reads the new
 *   status.  A write IMWr to host RAM is stored after the image is
 *   published, with release ordering.
 * - int_clear clears the written done/abort bits; clearing an abort bit
 *   also clears that channel's error status bits.
 * - DMA guard, the lab's IOMMU (pedma_lab.h): unless cfg.no_guard, every
 *   address of the engine into guest RAM (element source and destination,
 *   LL element fetched from endpoint RAM, IMWr into host RAM) of a side
 *   whose driver published a guard descriptor is an IOVA, translated page
 *   by page through that side's table, found through hdr.guard_gpa[side]
 *   at every access.  A page without a translation: the element aborts as
 *   a bad source/destination (LL fetch error for an element, the IMWr is
 *   dropped), nothing of it moves, a "DMA GUARD:" line is logged, the
 *   violation is recorded in that side's descriptor and that side's
 *   PEDMA_LAB_VEC_SPARE is raised.  A translation to a frame outside RAM
 *   is a bad address.  The window and the interrupt aperture are not RAM
 *   and are not translated; a side without a descriptor, or with one that
 *   fails validation (logged), uses guest-physical addresses.  With
 *   cfg.no_guard the header carries PEDMA_LAB_MF_NO_GUARD and the drivers
 *   do not arm the guard.
 * - Events (pedma_lab.h): each is counted where it happens, with
 *   edma_count(): read markers and register writes in the mailbox drain
 *   and edma_reg_write(), doorbells in the register decode, chains in
 *   edma_doorbell(), LL elements in edma_ll_step(), bytes in edma_xfer(),
 *   IMWr in edma_imwr(), interrupts in edma_raise_pending().  What a
 *   channel does counts for the side whose doorbell started it
 *   (e->writer; under a link profile pace.c sets it back to that side at
 *   each deadline of the chain); interrupts for the side they are raised
 *   to.  A doorbell ignored on a RUNNING channel is no chain.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "edma.h"
#include "log.h"
#include "pace.h"

#define EDMA_COPY_SLICE		(1u << 20)
#define EDMA_LL_MAX_ELEMS	(1u << 20)
#define EDMA_LL_MAX_LINKS	64
#define EDMA_LL_MAX_BYTES	(1ULL << 34)

#define EDMA_REG_NONE		UINT32_MAX

/* Where each direction's global registers live */
struct edma_dir_regs {
	const char *name;
	uint32_t engine_en;
	uint32_t doorbell;
	uint32_t int_status;
	uint32_t int_mask;
	uint32_t int_clear;
	uint32_t err_status;
	uint32_t err_status_hi;
	uint32_t done_imwr;		/* low half; high half at +4 */
	uint32_t abort_imwr;
	uint32_t imwr_data;		/* ch01; ch23, ch45, ch67 follow */
	uint32_t ll_err_en;
	unsigned int vector;		/* endpoint vector for local interrupts */
};

static const struct edma_dir_regs edma_regs[EDMA_DIRS] = {
	[EDMA_DIR_WR] = {
		.name = "wr",
		.engine_en = EDMA_V0_WR_ENGINE_EN,
		.doorbell = EDMA_V0_WR_DOORBELL,
		.int_status = EDMA_V0_WR_INT_STATUS,
		.int_mask = EDMA_V0_WR_INT_MASK,
		.int_clear = EDMA_V0_WR_INT_CLEAR,
		.err_status = EDMA_V0_WR_ERR_STATUS,
		.err_status_hi = EDMA_REG_NONE,
		.done_imwr = EDMA_V0_WR_DONE_IMWR_LO,
		.abort_imwr = EDMA_V0_WR_ABORT_IMWR_LO,
		.imwr_data = EDMA_V0_WR_CH01_IMWR_DATA,
		.ll_err_en = EDMA_V0_WR_LL_ERR_EN,
		.vector = PEDMA_LAB_VEC_EDMA_WR,
	},
	[EDMA_DIR_RD] = {
		.name = "rd",
		.engine_en = EDMA_V0_RD_ENGINE_EN,
		.doorbell = EDMA_V0_RD_DOORBELL,
		.int_status = EDMA_V0_RD_INT_STATUS,
		.int_mask = EDMA_V0_RD_INT_MASK,
		.int_clear = EDMA_V0_RD_INT_CLEAR,
		.err_status = EDMA_V0_RD_ERR_STATUS_LO,
		.err_status_hi = EDMA_V0_RD_ERR_STATUS_HI,
		.done_imwr = EDMA_V0_RD_DONE_IMWR_LO,
		.abort_imwr = EDMA_V0_RD_ABORT_IMWR_LO,
		.imwr_data = EDMA_V0_RD_CH01_IMWR_DATA,
		.ll_err_en = EDMA_V0_RD_LL_ERR_EN,
		.vector = PEDMA_LAB_VEC_EDMA_RD,
	},
};

enum edma_err {
	EDMA_OK,
	EDMA_ERR_LL_FETCH,	/* element not readable, or work bound hit */
	EDMA_ERR_SRC,		/* source range not backed */
	EDMA_ERR_DST,		/* destination range not backed */
	EDMA_ERR_STOP,		/* STOP doorbell: abort without error bits */
};

static const char *const edma_err_name[] = {
	[EDMA_OK] = "ok",
	[EDMA_ERR_LL_FETCH] = "LL fetch error",
	[EDMA_ERR_SRC] = "bad source",
	[EDMA_ERR_DST] = "bad destination",
	[EDMA_ERR_STOP] = "stopped",
};

union edma_ll_elem {
	struct edma_v0_lli lli;
	struct edma_v0_llp llp;
};

static inline uint64_t set_lo32(uint64_t v, uint32_t lo)
{
	return (v & 0xffffffff00000000ULL) | lo;
}

static inline uint64_t set_hi32(uint64_t v, uint32_t hi)
{
	return (v & 0xffffffffULL) | ((uint64_t)hi << 32);
}

static struct pedma_lab_hdr *edma_hdr(const struct edma *e)
{
	return (struct pedma_lab_hdr *)(e->cfg.shm + PEDMA_LAB_HDR_OFF);
}

static struct pedma_lab_mbox *edma_mbox(const struct edma *e,
					enum lab_side side)
{
	uint32_t off = side == LAB_SIDE_HOST ? PEDMA_LAB_MBOX_HOST_OFF :
					       PEDMA_LAB_MBOX_EP_OFF;

	return (struct pedma_lab_mbox *)(e->cfg.shm + off);
}

static const char *side_name(enum lab_side side)
{
	return side == LAB_SIDE_HOST ? "host" : "ep";
}

static void edma_pend_irq(struct edma *e, enum lab_side side,
			  unsigned int vector);

/* ------------------------------------------------------------------------ */
/* Events (pedma_lab.h: struct pedma_lab_events)                            */
/* ------------------------------------------------------------------------ */

_Static_assert(sizeof(struct pedma_lab_side_events) >= EDMA_EV_COUNT * 8,
	       "every event has its counter");
_Static_assert(offsetof(struct pedma_lab_side_events, kicks) ==
	       EDMA_EV_KICKS * 8 &&
	       offsetof(struct pedma_lab_side_events, irq_vec) ==
	       EDMA_EV_IRQ_VEC0 * 8, "enum edma_ev follows the struct");

void edma_count(struct edma *e, enum lab_side side, enum edma_ev ev,
		uint64_t n)
{
	uint64_t *shm = (uint64_t *)(e->cfg.shm + PEDMA_LAB_EVENTS_OFF +
				     side * sizeof(struct pedma_lab_side_events));

	if (side >= LAB_SIDES || ev >= EDMA_EV_COUNT)
		return;
	e->ev[side][ev] += n;
	/* The shm copy is only published: a guest may scribble on it */
	__atomic_store_n(&shm[ev], htole64(e->ev[side][ev]), __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* DMA guard: the lab's IOMMU                                               */
/* ------------------------------------------------------------------------ */

static const struct guest_ram *side_ram(const struct edma *e,
					enum lab_side side)
{
	return side == LAB_SIDE_HOST ? &e->cfg.host_ram : &e->cfg.ep_ram;
}

static const char *const guard_what_name[] = {
	[PEDMA_LAB_GUARD_SRC] = "source",
	[PEDMA_LAB_GUARD_DST] = "destination",
	[PEDMA_LAB_GUARD_LL] = "fetch",
	[PEDMA_LAB_GUARD_IMWR] = "IMWr",
};

/* Log a refused descriptor once per (side, address) */
static void edma_guard_refuse(struct edma *e, enum lab_side side,
			      uint64_t gpa, const char *why)
{
	if (e->guard_refused[side] == gpa)
		return;
	e->guard_refused[side] = gpa;
	mlog("guard: %s descriptor at %#llx refused (%s): %s addresses taken as guest-physical",
	     side_name(side), (unsigned long long)gpa, why, side_name(side));
}

/* The side's IOVA space, read once from a validated descriptor */
struct edma_iova {
	struct pedma_lab_guard *g;
	uint64_t base;		/* first IOVA */
	uint64_t pages;		/* IOVA pages */
};

/*
 * The side's guard descriptor, validated, or NULL (no guard, guard off,
 * refused); *io gets the IOVA space, read once.
 */
static struct pedma_lab_guard *edma_guard_desc(struct edma *e,
					       enum lab_side side,
					       struct edma_iova *io)
{
	const uint64_t pg = PEDMA_LAB_GUARD_PAGE;
	struct pedma_lab_guard *g;
	uint64_t gpa, base, pages, off;
	uint32_t tp;

	if (e->cfg.no_guard)
		return NULL;
	gpa = le64toh(__atomic_load_n(&edma_hdr(e)->guard_gpa[side],
				      __ATOMIC_ACQUIRE));
	if (!gpa || gpa == PEDMA_LAB_GUARD_NOTHING ||
	    gpa == PEDMA_LAB_GUARD_GONE)
		return NULL;
	if (gpa & (pg - 1)) {
		edma_guard_refuse(e, side, gpa, "not page aligned");
		return NULL;
	}
	g = (struct pedma_lab_guard *)guest_ram_xlate(side_ram(e, side), gpa,
						      pg);
	if (!g) {
		edma_guard_refuse(e, side, gpa, "not in RAM");
		return NULL;
	}
	if (le64toh(__atomic_load_n(&g->magic, __ATOMIC_RELAXED)) !=
	    PEDMA_LAB_GUARD_MAGIC ||
	    le32toh(__atomic_load_n(&g->version, __ATOMIC_RELAXED)) !=
	    PEDMA_LAB_GUARD_VERSION) {
		edma_guard_refuse(e, side, gpa, "bad magic or version");
		return NULL;
	}
	tp = le32toh(__atomic_load_n(&g->table_pages, __ATOMIC_RELAXED));
	pages = le32toh(__atomic_load_n(&g->pages, __ATOMIC_RELAXED));
	base = le64toh(__atomic_load_n(&g->iova_base, __ATOMIC_RELAXED));
	if (tp > PEDMA_LAB_GUARD_MAX_TABLE_PAGES ||
	    pages > (uint64_t)tp * PEDMA_LAB_GUARD_ENTRIES_PER_PAGE) {
		edma_guard_refuse(e, side, gpa, "page or table page count too big");
		return NULL;
	}
	/* pages < 2^32: base + pages * pg cannot overflow if base is below */
	if ((base & (pg - 1)) || base > UINT64_MAX - (pages + 1) * pg ||
	    range_inside(PEDMA_LAB_MSI_BASE, 1, base, pages * pg, &off) ||
	    range_inside(base, 1, PEDMA_LAB_MSI_BASE, 4ULL * e->cfg.vectors,
			 &off)) {
		edma_guard_refuse(e, side, gpa, "bad IOVA space");
		return NULL;
	}
	io->g = g;
	io->base = base;
	io->pages = pages;
	return g;
}

/* Result of translating an address of the engine */
enum edma_xl {
	EDMA_XL_OK,
	EDMA_XL_BAD,		/* nothing backs it: a bad address */
	EDMA_XL_GUARD,		/* no translation: a guard violation */
};

/*
 * IOVA page idx's entry, or 0.  *tidx / *table cache the table page last
 * looked up.  A table page outside RAM: *bad_table is set.
 */
static uint32_t edma_iova_entry(struct edma *e, enum lab_side side,
				const struct edma_iova *io, uint64_t idx,
				uint64_t *tidx, const uint32_t **table,
				bool *bad_table)
{
	const uint64_t pg = PEDMA_LAB_GUARD_PAGE;

	if (idx / PEDMA_LAB_GUARD_ENTRIES_PER_PAGE != *tidx) {
		uint64_t tgpa;

		*tidx = idx / PEDMA_LAB_GUARD_ENTRIES_PER_PAGE;
		tgpa = le64toh(__atomic_load_n(&io->g->table_gpa[*tidx],
					       __ATOMIC_RELAXED));
		*table = NULL;
		if (!(tgpa & (pg - 1)))
			*table = (const uint32_t *)guest_ram_xlate(side_ram(e, side),
								   tgpa, pg);
		if (!*table) {
			mlog_rl("guard: %s table page %llu at %#llx is not in RAM",
				side_name(side), (unsigned long long)*tidx,
				(unsigned long long)tgpa);
			*bad_table = true;
			return 0;
		}
	}
	return le32toh(__atomic_load_n(&(*table)[idx % PEDMA_LAB_GUARD_ENTRIES_PER_PAGE],
				       __ATOMIC_RELAXED));
}

/*
 * The first piece of the engine's range [addr, addr + len) (len > 0) in
 * the side's RAM: *p and *n, 0 < *n <= len, contiguous in the model.
 * Without a guard, addresses are guest-physical and the piece is the whole
 * range.  With one, they are IOVAs, translated page by page; the piece ends
 * where the translated frames stop following each other or the next page
 * has no translation.  EDMA_XL_GUARD: the range's first page has no
 * translation, or the side's driver or guest is gone; *bad gets that page.
 */
static enum edma_xl edma_ram_piece(struct edma *e, enum lab_side side,
				   uint64_t addr, uint64_t len, uint8_t **p,
				   uint64_t *n, uint64_t *bad)
{
	const uint64_t pg = PEDMA_LAB_GUARD_PAGE;
	const uint32_t *table = NULL;
	uint64_t hgpa, done = 0, first = 0, tidx = UINT64_MAX;
	bool bad_table = false;
	struct edma_iova io;

	*bad = addr / pg * pg;
	hgpa = le64toh(__atomic_load_n(&edma_hdr(e)->guard_gpa[side],
				       __ATOMIC_ACQUIRE));
	if (!e->cfg.no_guard &&
	    (hgpa == PEDMA_LAB_GUARD_NOTHING || hgpa == PEDMA_LAB_GUARD_GONE))
		return EDMA_XL_GUARD;	/* its driver or its guest is gone */
	if (!edma_guard_desc(e, side, &io)) {
		*p = guest_ram_xlate(side_ram(e, side), addr, len);
		*n = len;
		return *p ? EDMA_XL_OK : EDMA_XL_BAD;
	}
	if (len > UINT64_MAX - addr)
		return EDMA_XL_BAD;
	while (done < len) {
		uint64_t a = addr + done, off = a % pg, idx, gpa, chunk;
		uint32_t ent;

		if (a < io.base || (a - io.base) / pg >= io.pages)
			break;
		idx = (a - io.base) / pg;
		ent = edma_iova_entry(e, side, &io, idx, &tidx, &table,
				      &bad_table);
		if (bad_table)
			return EDMA_XL_BAD;
		if (!ent)
			break;
		gpa = (uint64_t)(ent - 1) * pg + off;
		if (done && gpa != first + done)
			break;
		if (!done)
			first = gpa;
		chunk = pg - off < len - done ? pg - off : len - done;
		done += chunk;
	}
	if (!done)
		return EDMA_XL_GUARD;
	*p = guest_ram_xlate(side_ram(e, side), first, done);
	*n = done;
	return *p ? EDMA_XL_OK : EDMA_XL_BAD;
}

/* What the engine was doing when the guard caught it */
struct edma_guard_ctx {
	enum edma_dir dir;
	unsigned int ch;
	uint64_t llp;		/* UINT64_MAX: non-LL mode */
	uint64_t sar, dar;
	uint32_t size;
};

/* Log, count and record a violation on the side's RAM; raise its spare vector */
static void edma_guard_violation(struct edma *e, enum lab_side side,
				 const struct edma_guard_ctx *x, uint32_t what,
				 uint64_t page)
{
	struct pedma_lab_guard_viol *v;
	struct pedma_lab_guard *g;
	struct edma_iova io;
	char elem[40];
	uint32_t n;

	if (x->llp == UINT64_MAX)
		snprintf(elem, sizeof(elem), "non-LL");
	else
		snprintf(elem, sizeof(elem), "LL element %#llx",
			 (unsigned long long)x->llp);
	if (le64toh(__atomic_load_n(&edma_hdr(e)->guard_gpa[side],
				    __ATOMIC_ACQUIRE)) == PEDMA_LAB_GUARD_GONE) {
		/* A link that is down, not a use after free */
		mlog("%s guest gone (link down): %s ch%u %s %s sar %#llx dar %#llx size %u aborted",
		     side_name(side), edma_regs[x->dir].name, x->ch, elem,
		     guard_what_name[what], (unsigned long long)x->sar,
		     (unsigned long long)x->dar, x->size);
		return;
	}
	e->guard_violations++;
	/* One line each, but a runaway guest must not fill the disk */
	if (e->guard_violations <= 1000 || mlog_ratelimit())
		mlog("DMA GUARD: #%llu %s RAM: %s ch%u %s %s sar %#llx dar %#llx size %u: page %#llx has no DMA mapping of the %s",
		     (unsigned long long)e->guard_violations, side_name(side),
		     edma_regs[x->dir].name, x->ch, elem, guard_what_name[what],
		     (unsigned long long)x->sar, (unsigned long long)x->dar,
		     x->size, (unsigned long long)page, side_name(side));
	g = edma_guard_desc(e, side, &io);
	if (g) {
		v = &g->viol;
		v->what = htole32(what);
		v->dir = htole32(x->dir);
		v->chan = htole32(x->ch);
		v->llp = htole64(x->llp);
		v->sar = htole64(x->sar);
		v->dar = htole64(x->dar);
		v->size = htole32(x->size);
		v->addr = htole64(page);
		n = le32toh(__atomic_load_n(&v->count, __ATOMIC_RELAXED));
		__atomic_store_n(&v->count, htole32(n + 1), __ATOMIC_RELEASE);
	}
	edma_pend_irq(e, side, PEDMA_LAB_VEC_SPARE);
}

/* ------------------------------------------------------------------------ */
/* Address translation                                                      */
/* ------------------------------------------------------------------------ */

/*
 * The first piece of the engine's range [addr, addr + len) of the side:
 * endpoint-local addresses in the window (once ep_bar2_base is set) are
 * the window, whole; the rest is the side's RAM (edma_ram_piece()).
 */
static enum edma_xl edma_piece(struct edma *e, enum lab_side side,
			       uint64_t addr, uint64_t len, uint8_t **p,
			       uint64_t *n, uint64_t *bad)
{
	uint64_t bar2, off;

	if (side == LAB_SIDE_EP) {
		/* The endpoint driver writes this at any time: read it once */
		bar2 = le64toh(__atomic_load_n(&edma_hdr(e)->ep_bar2_base,
					       __ATOMIC_RELAXED));
		if (bar2 && addr >= bar2 &&
		    range_inside(addr - bar2, len, PEDMA_LAB_WND_OFF,
				 e->cfg.shm_size - PEDMA_LAB_WND_OFF, &off)) {
			*p = e->cfg.shm + PEDMA_LAB_WND_OFF + off;
			*n = len;
			return EDMA_XL_OK;
		}
	}
	return edma_ram_piece(e, side, addr, len, p, n, bad);
}

/* Copy [addr, addr + len) of the side out (to_side false) or in */
static enum edma_xl edma_side_copy(struct edma *e, enum lab_side side,
				   uint64_t addr, void *buf, uint64_t len,
				   bool to_side, uint64_t *bad)
{
	uint8_t *b = buf, *p;
	enum edma_xl r;
	uint64_t n;

	while (len) {
		r = edma_piece(e, side, addr, len, &p, &n, bad);
		if (r != EDMA_XL_OK)
			return r;
		if (to_side)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		addr += n;
		b += n;
		len -= n;
	}
	return EDMA_XL_OK;
}

/* ------------------------------------------------------------------------ */
/* Interrupts                                                               */
/* ------------------------------------------------------------------------ */

static void edma_pend_irq(struct edma *e, enum lab_side side,
			  unsigned int vector)
{
	if (vector < e->cfg.vectors)
		e->irq_pending[side] |= 1ULL << vector;
}

static void edma_raise_pending(struct edma *e)
{
	unsigned int side, vec;

	for (side = 0; side < LAB_SIDES; side++) {
		uint64_t pending = e->irq_pending[side];

		e->irq_pending[side] = 0;
		for (vec = 0; vec < e->cfg.vectors; vec++) {
			if (!(pending & (1ULL << vec)))
				continue;
			edma_count(e, side, EDMA_EV_IRQS, 1);
			if (vec < PEDMA_LAB_VECTORS)
				edma_count(e, side, EDMA_EV_IRQ_VEC0 + vec, 1);
			if (e->cfg.raise_irq)
				e->cfg.raise_irq(e->cfg.opaque, side, vec);
		}
	}
}

static uint32_t edma_imwr_data(const struct edma_dir_state *d,
			       unsigned int ch)
{
	return (d->imwr_data[ch / 2] >> ((ch & 1) * 16)) & 0xffff;
}

/* An interrupt message write from the eDMA to a PCIe address */
static void edma_imwr(struct edma *e, enum edma_dir dir, unsigned int ch,
		      uint64_t addr, uint32_t data)
{
	const struct edma_chan *c = &e->dir[dir].ch[ch];
	uint64_t off, bad, n;
	enum edma_xl r;
	uint32_t le;
	uint8_t *p;

	edma_count(e, e->writer, EDMA_EV_IMWR, 1);
	if (range_inside(addr, 4, PEDMA_LAB_MSI_BASE, 4ULL * e->cfg.vectors,
			 &off) && !(off & 3)) {
		edma_pend_irq(e, LAB_SIDE_HOST, off / 4);
		return;
	}
	r = edma_piece(e, LAB_SIDE_HOST, addr, 4, &p, &n, &bad);
	if (r == EDMA_XL_OK && n < 4)	/* across two IOVA pages: check both */
		r = edma_piece(e, LAB_SIDE_HOST, addr + n, 4 - n, &p, &n, &bad);
	if (r == EDMA_XL_BAD) {
		mlog_rl("%s IMWr to unbacked address %#llx dropped",
			edma_regs[dir].name, (unsigned long long)addr);
		return;
	}
	if (r == EDMA_XL_GUARD) {
		const struct edma_guard_ctx x = {
			.dir = dir, .ch = ch,
			.llp = c->ctrl1 & EDMA_V0_LLE ? c->llp : UINT64_MAX,
			.sar = c->sar, .dar = addr, .size = 4,
		};

		edma_guard_violation(e, LAB_SIDE_HOST, &x, PEDMA_LAB_GUARD_IMWR,
				     bad);
		return;
	}
	/* The host may poll this word: data and status must be visible first */
	edma_publish(e);
	le = htole32(data);
	r = edma_piece(e, LAB_SIDE_HOST, addr, 4, &p, &n, &bad);
	if (r == EDMA_XL_OK && n == 4 && !((uintptr_t)p & 3))
		__atomic_store_n((uint32_t *)p, le, __ATOMIC_RELEASE);
	else
		edma_side_copy(e, LAB_SIDE_HOST, addr, &le, 4, true, &bad);
}

/* ------------------------------------------------------------------------ */
/* Channel completion                                                       */
/* ------------------------------------------------------------------------ */

static void edma_done(struct edma *e, enum edma_dir dir, unsigned int ch,
		      uint32_t ctl)
{
	struct edma_dir_state *d = &e->dir[dir];

	d->int_status |= EDMA_V0_INT_DONE(ch);
	if ((ctl & EDMA_V0_LIE) && !(d->int_mask & EDMA_V0_INT_DONE(ch)))
		edma_pend_irq(e, LAB_SIDE_EP, edma_regs[dir].vector);
	if ((ctl & (EDMA_V0_LIE | EDMA_V0_RIE)) == (EDMA_V0_LIE | EDMA_V0_RIE))
		edma_imwr(e, dir, ch, d->done_imwr, edma_imwr_data(d, ch));
}

static void edma_set_err(struct edma_dir_state *d, enum edma_dir dir,
			 unsigned int ch, enum edma_err err)
{
	switch (err) {
	case EDMA_ERR_LL_FETCH:
		d->err_status |= EDMA_V0_ERR_LL_FETCH(ch);
		break;
	case EDMA_ERR_SRC:
		/* a read channel's source is a PCIe read: unsupported request */
		if (dir == EDMA_DIR_WR)
			d->err_status |= EDMA_V0_ERR_APP(ch);
		else
			d->err_status_hi |= EDMA_V0_RD_ERR_HI_UR(ch);
		break;
	case EDMA_ERR_DST:
		d->err_status |= EDMA_V0_ERR_APP(ch);
		break;
	default:
		break;
	}
}

static void edma_abort(struct edma *e, enum edma_dir dir, unsigned int ch,
		       enum edma_err err)
{
	struct edma_dir_state *d = &e->dir[dir];
	struct edma_chan *c = &d->ch[ch];

	if (err != EDMA_ERR_STOP)
		mlog_rl("%s ch%u abort: %s (llp %#llx sar %#llx dar %#llx)",
			edma_regs[dir].name, ch, edma_err_name[err],
			(unsigned long long)c->llp, (unsigned long long)c->sar,
			(unsigned long long)c->dar);
	c->status = EDMA_V0_CH_STATUS_STOPPED;
	edma_set_err(d, dir, ch, err);
	d->int_status |= EDMA_V0_INT_ABORT(ch);
	if (!(d->int_mask & EDMA_V0_INT_ABORT(ch)))
		edma_pend_irq(e, LAB_SIDE_EP, edma_regs[dir].vector);
	if (d->abort_imwr)
		edma_imwr(e, dir, ch, d->abort_imwr, edma_imwr_data(d, ch));
}

/* ------------------------------------------------------------------------ */
/* Channel execution                                                        */
/* ------------------------------------------------------------------------ */

/* A heartbeat per slice: a guest waiting meanwhile sees the model alive */
static void edma_copy(struct edma *e, uint8_t *dst, const uint8_t *src,
		      uint64_t len)
{
	while (len) {
		size_t n = len < EDMA_COPY_SLICE ? len : EDMA_COPY_SLICE;

		/* memmove: a test may back both sides with one buffer */
		memmove(dst, src, n);
		edma_beat(e);
		dst += n;
		src += n;
		len -= n;
	}
}

/* A range of a transfer that did not translate: the channel's error */
static enum edma_err edma_xfer_fault(struct edma *e,
				     const struct edma_guard_ctx *x,
				     enum lab_side side, enum edma_xl r,
				     uint32_t what, uint64_t bad)
{
	if (r == EDMA_XL_GUARD)
		edma_guard_violation(e, side, x, what, bad);
	return what == PEDMA_LAB_GUARD_SRC ? EDMA_ERR_SRC : EDMA_ERR_DST;
}

/*
 * Move size bytes for channel ch (llp: the element's address, UINT64_MAX
 * in non-LL mode).  A write channel reads endpoint-local sar and writes
 * PCIe dar (host RAM); a read channel the reverse.  Both ranges are
 * translated as a whole, and passed by the guard, before a byte moves;
 * then they move piece by piece.
 */
static enum edma_err edma_xfer(struct edma *e, enum edma_dir dir,
			       unsigned int ch, uint64_t llp, uint64_t sar,
			       uint64_t dar, uint32_t size)
{
	const struct edma_guard_ctx x = {
		.dir = dir, .ch = ch, .llp = llp,
		.sar = sar, .dar = dar, .size = size,
	};
	const enum lab_side ss = dir == EDMA_DIR_WR ? LAB_SIDE_EP : LAB_SIDE_HOST;
	const enum lab_side ds = dir == EDMA_DIR_WR ? LAB_SIDE_HOST : LAB_SIDE_EP;
	uint64_t off, n, m, bad;
	uint8_t *src, *dst;
	enum edma_xl r;

	for (off = 0; off < size; off += n) {
		r = edma_piece(e, ss, sar + off, size - off, &src, &n, &bad);
		if (r != EDMA_XL_OK)
			return edma_xfer_fault(e, &x, ss, r,
					       PEDMA_LAB_GUARD_SRC, bad);
	}
	for (off = 0; off < size; off += n) {
		r = edma_piece(e, ds, dar + off, size - off, &dst, &n, &bad);
		if (r != EDMA_XL_OK)
			return edma_xfer_fault(e, &x, ds, r,
					       PEDMA_LAB_GUARD_DST, bad);
	}
	for (off = 0; off < size; off += n) {
		/* The guest may have unmapped since the check: translate again */
		r = edma_piece(e, ss, sar + off, size - off, &src, &n, &bad);
		if (r != EDMA_XL_OK)
			return edma_xfer_fault(e, &x, ss, r,
					       PEDMA_LAB_GUARD_SRC, bad);
		r = edma_piece(e, ds, dar + off, n, &dst, &m, &bad);
		if (r != EDMA_XL_OK)
			return edma_xfer_fault(e, &x, ds, r,
					       PEDMA_LAB_GUARD_DST, bad);
		n = m;
		edma_copy(e, dst, src, n);
	}
	edma_count(e, e->writer, EDMA_EV_BYTES, size);
	return EDMA_OK;
}

/* Non-LL mode: one block of xfer_size bytes, as programmed in the registers */
void edma_run_single(struct edma *e, enum edma_dir dir, unsigned int ch)
{
	struct edma_chan *c = &e->dir[dir].ch[ch];
	enum edma_err err;

	err = edma_xfer(e, dir, ch, UINT64_MAX, c->sar, c->dar, c->xfer_size);
	if (err) {
		edma_abort(e, dir, ch, err);
		return;
	}
	c->sar += c->xfer_size;
	c->dar += c->xfer_size;
	c->xfer_size = 0;
	c->status = EDMA_V0_CH_STATUS_STOPPED;
	edma_done(e, dir, ch, c->ctrl1);
}

/* One LL element at the channel's LLP; false once the channel has stopped */
static bool edma_ll_step(struct edma *e, enum edma_dir dir, unsigned int ch,
			 unsigned int *links, uint64_t *bytes)
{
	struct edma_chan *c = &e->dir[dir].ch[ch];
	union edma_ll_elem el;
	uint64_t sar, dar, bad;
	uint32_t ctl, size;
	enum edma_err err;
	enum edma_xl r;

	/* One snapshot: the driver may be rewriting the element right now */
	r = edma_side_copy(e, LAB_SIDE_EP, c->llp, &el, sizeof(el), false,
			   &bad);
	if (r != EDMA_XL_OK) {
		const struct edma_guard_ctx x = {
			.dir = dir, .ch = ch, .llp = c->llp,
			.sar = c->sar, .dar = c->dar,
			.size = EDMA_V0_LL_ELEM_SIZE,
		};

		if (r == EDMA_XL_GUARD)
			edma_guard_violation(e, LAB_SIDE_EP, &x,
					     PEDMA_LAB_GUARD_LL, bad);
		edma_abort(e, dir, ch, EDMA_ERR_LL_FETCH);
		return false;
	}
	ctl = le32toh(el.lli.control);

	/* The consumer cycle state says where the producer stopped */
	if (!(ctl & EDMA_V0_CB) != !(c->ctrl1 & EDMA_V0_CCS)) {
		c->status = EDMA_V0_CH_STATUS_STOPPED;
		return false;
	}

	if (ctl & EDMA_V0_LLP) {
		if (++*links > EDMA_LL_MAX_LINKS) {
			edma_abort(e, dir, ch, EDMA_ERR_LL_FETCH);
			return false;
		}
		c->llp = le64toh(el.llp.llp);
		if (ctl & EDMA_V0_TCB)
			c->ctrl1 ^= EDMA_V0_CCS;
		return true;
	}

	*links = 0;
	size = le32toh(el.lli.transfer_size);
	if (size > EDMA_LL_MAX_BYTES - *bytes) {
		edma_abort(e, dir, ch, EDMA_ERR_LL_FETCH);
		return false;
	}
	*bytes += size;
	sar = le64toh(el.lli.sar);
	dar = le64toh(el.lli.dar);
	c->xfer_size = size;
	err = edma_xfer(e, dir, ch, c->llp, sar, dar, size);
	if (err) {
		c->sar = sar;
		c->dar = dar;
		edma_abort(e, dir, ch, err);
		return false;
	}
	edma_count(e, e->writer, EDMA_EV_LL_ELEMS, 1);
	c->sar = sar + size;
	c->dar = dar + size;
	c->xfer_size = 0;
	c->llp += EDMA_V0_LL_ELEM_SIZE;
	if (ctl & (EDMA_V0_LIE | EDMA_V0_RIE))
		edma_done(e, dir, ch, ctl);
	return true;
}

bool edma_ll_advance(struct edma *e, enum edma_dir dir, unsigned int ch,
		     struct edma_ll_run *r, bool one)
{
	while (r->elems < EDMA_LL_MAX_ELEMS) {
		r->elems++;
		if (!edma_ll_step(e, dir, ch, &r->links, &r->bytes))
			return false;
		if (one && !r->links)
			return true;	/* a data element moved */
	}
	/* A chain this long is a loop: do not let it hold the model */
	edma_abort(e, dir, ch, EDMA_ERR_LL_FETCH);
	return false;
}

static void edma_run_ll(struct edma *e, enum edma_dir dir, unsigned int ch)
{
	struct edma_ll_run r = { 0 };

	edma_ll_advance(e, dir, ch, &r, false);
}

bool edma_ll_peek(struct edma *e, enum edma_dir dir, unsigned int ch,
		  uint32_t *size, unsigned int *links)
{
	const struct edma_chan *c = &e->dir[dir].ch[ch];
	bool ccs = c->ctrl1 & EDMA_V0_CCS;
	union edma_ll_elem el;
	uint64_t llp = c->llp, bad;
	unsigned int n;
	uint32_t ctl;

	/* As edma_ll_step() would find them, up to its bound on links */
	for (n = 0; n <= EDMA_LL_MAX_LINKS; n++) {
		if (edma_side_copy(e, LAB_SIDE_EP, llp, &el, sizeof(el), false,
				   &bad) != EDMA_XL_OK)
			return false;
		ctl = le32toh(el.lli.control);
		if (!(ctl & EDMA_V0_CB) != !ccs)
			return false;
		if (!(ctl & EDMA_V0_LLP)) {
			*size = le32toh(el.lli.transfer_size);
			*links = n;
			return true;
		}
		llp = le64toh(el.llp.llp);
		if (ctl & EDMA_V0_TCB)
			ccs = !ccs;
	}
	return false;
}

static void edma_doorbell(struct edma *e, enum edma_dir dir, uint32_t val)
{
	struct edma_dir_state *d = &e->dir[dir];
	unsigned int ch = val & EDMA_V0_DOORBELL_CH_MASK;
	const char *name = edma_regs[dir].name;
	struct edma_chan *c;

	if (ch >= d->ch_cnt) {
		mlog_rl("%s doorbell %#x: no channel %u, ignored", name, val, ch);
		return;
	}
	c = &d->ch[ch];
	if (val & EDMA_V0_DOORBELL_STOP) {
		mlog_dbg("%s ch%u: stop", name, ch);
		edma_abort(e, dir, ch, EDMA_ERR_STOP);
		return;
	}
	if (!(d->engine_en & EDMA_V0_ENGINE_EN)) {
		mlog_rl("%s doorbell ch%u: engine disabled, ignored", name, ch);
		return;
	}
	mlog_dbg("%s ch%u doorbell: %s llp %#llx ccs %u sar %#llx dar %#llx size %u",
		 name, ch, c->ctrl1 & EDMA_V0_LLE ? "LL" : "single",
		 (unsigned long long)c->llp, !!(c->ctrl1 & EDMA_V0_CCS),
		 (unsigned long long)c->sar, (unsigned long long)c->dar,
		 c->xfer_size);
	/* Only under a link profile is a channel RUNNING between entries */
	if (c->status == EDMA_V0_CH_STATUS_RUNNING) {
		mlog_rl("%s ch%u doorbell: channel running, ignored", name, ch);
		return;
	}
	edma_count(e, e->writer, EDMA_EV_CHAINS, 1);
	/* A link profile: the chain runs until its deadlines (pace.c) */
	if (e->cfg.pace && edma_pace_doorbell(e, dir, ch))
		return;
	c->status = EDMA_V0_CH_STATUS_RUNNING;
	if (c->ctrl1 & EDMA_V0_LLE)
		edma_run_ll(e, dir, ch);
	else
		edma_run_single(e, dir, ch);
	mlog_dbg("%s ch%u: status %u llp %#llx int_status %#x", name, ch,
		 c->status, (unsigned long long)c->llp, d->int_status);
}

static void edma_engine_enable(struct edma *e, enum edma_dir dir, uint32_t val)
{
	struct edma_dir_state *d = &e->dir[dir];
	unsigned int ch;

	d->engine_en = val & EDMA_V0_ENGINE_EN;
	if (d->engine_en)
		return;
	/*
	 * Disabling the engine aborts its running channels.  Without a link
	 * profile execution is synchronous and none is running here.
	 */
	for (ch = 0; ch < d->ch_cnt; ch++) {
		if (d->ch[ch].status == EDMA_V0_CH_STATUS_RUNNING)
			edma_abort(e, dir, ch, EDMA_ERR_STOP);
	}
}

static void edma_int_clear(struct edma_dir_state *d, uint32_t val)
{
	uint32_t clr = val & (EDMA_V0_INT_DONE_MASK | EDMA_V0_INT_ABORT_MASK);
	uint32_t chans = (clr & EDMA_V0_INT_ABORT_MASK) >> 16;

	d->int_status &= ~clr;
	/* Both error words keep a channel's bits at [ch] and [16 + ch] */
	d->err_status &= ~(chans | chans << 16);
	d->err_status_hi &= ~(chans | chans << 16);
}

/* ------------------------------------------------------------------------ */
/* Register decode                                                          */
/* ------------------------------------------------------------------------ */

/* Which channel register off is; false if it is none */
static bool edma_chan_decode(const struct edma *e, uint32_t off,
			     enum edma_dir *dir, unsigned int *ch,
			     uint32_t *reg)
{
	uint32_t rel, within;

	if (off < EDMA_V0_CH_BASE)
		return false;
	rel = off - EDMA_V0_CH_BASE;
	*ch = rel / EDMA_V0_CH_STRIDE;
	within = rel % EDMA_V0_CH_STRIDE;
	*dir = within >= EDMA_V0_RD_CH_OFFSET ? EDMA_DIR_RD : EDMA_DIR_WR;
	*reg = within - (*dir == EDMA_DIR_RD ? EDMA_V0_RD_CH_OFFSET : 0);
	/* Registers of channels the engine does not have read as zero */
	return *ch < e->dir[*dir].ch_cnt && *reg <= EDMA_V0_CH_LLP_HI;
}

static bool edma_chan_read(const struct edma *e, uint32_t off, uint32_t *val)
{
	const struct edma_chan *c;
	enum edma_dir dir;
	unsigned int ch;
	uint32_t reg;

	if (!edma_chan_decode(e, off, &dir, &ch, &reg))
		return false;
	c = &e->dir[dir].ch[ch];
	switch (reg) {
	case EDMA_V0_CH_CTRL1:
		*val = c->ctrl1 | c->status << EDMA_V0_CH_STATUS_SHIFT;
		break;
	case EDMA_V0_CH_CTRL2:
		*val = c->ctrl2;
		break;
	case EDMA_V0_CH_XFER_SIZE:
		*val = c->xfer_size;
		break;
	case EDMA_V0_CH_SAR_LO:
		*val = (uint32_t)c->sar;
		break;
	case EDMA_V0_CH_SAR_HI:
		*val = c->sar >> 32;
		break;
	case EDMA_V0_CH_DAR_LO:
		*val = (uint32_t)c->dar;
		break;
	case EDMA_V0_CH_DAR_HI:
		*val = c->dar >> 32;
		break;
	case EDMA_V0_CH_LLP_LO:
		*val = (uint32_t)c->llp;
		break;
	case EDMA_V0_CH_LLP_HI:
		*val = c->llp >> 32;
		break;
	default:
		return false;
	}
	return true;
}

static bool edma_chan_write(struct edma *e, uint32_t off, uint32_t val)
{
	struct edma_chan *c;
	enum edma_dir dir;
	unsigned int ch;
	uint32_t reg;

	if (!edma_chan_decode(e, off, &dir, &ch, &reg))
		return false;
	c = &e->dir[dir].ch[ch];
	switch (reg) {
	case EDMA_V0_CH_CTRL1:
		/* The status field belongs to the engine */
		c->ctrl1 = val & ~EDMA_V0_CH_STATUS_MASK;
		break;
	case EDMA_V0_CH_CTRL2:
		c->ctrl2 = val;
		break;
	case EDMA_V0_CH_XFER_SIZE:
		c->xfer_size = val;
		break;
	case EDMA_V0_CH_SAR_LO:
		c->sar = set_lo32(c->sar, val);
		break;
	case EDMA_V0_CH_SAR_HI:
		c->sar = set_hi32(c->sar, val);
		break;
	case EDMA_V0_CH_DAR_LO:
		c->dar = set_lo32(c->dar, val);
		break;
	case EDMA_V0_CH_DAR_HI:
		c->dar = set_hi32(c->dar, val);
		break;
	case EDMA_V0_CH_LLP_LO:
		c->llp = set_lo32(c->llp, val);
		break;
	case EDMA_V0_CH_LLP_HI:
		c->llp = set_hi32(c->llp, val);
		break;
	default:
		return false;
	}
	return true;
}

static bool edma_dir_read(const struct edma *e, enum edma_dir dir,
			  uint32_t off, uint32_t *val)
{
	const struct edma_dir_regs *r = &edma_regs[dir];
	const struct edma_dir_state *d = &e->dir[dir];

	if (off == r->engine_en)
		*val = d->engine_en;
	else if (off == r->int_status)
		*val = d->int_status;
	else if (off == r->int_mask)
		*val = d->int_mask;
	else if (off == r->err_status)
		*val = d->err_status;
	else if (off == r->err_status_hi)
		*val = d->err_status_hi;
	else if (off == r->done_imwr)
		*val = (uint32_t)d->done_imwr;
	else if (off == r->done_imwr + 4)
		*val = d->done_imwr >> 32;
	else if (off == r->abort_imwr)
		*val = (uint32_t)d->abort_imwr;
	else if (off == r->abort_imwr + 4)
		*val = d->abort_imwr >> 32;
	else if (off >= r->imwr_data && off < r->imwr_data + 16)
		*val = d->imwr_data[(off - r->imwr_data) / 4];
	else if (off == r->ll_err_en)
		*val = d->ll_err_en;
	else
		return false;	/* doorbell and int_clear read as zero too */
	return true;
}

static bool edma_dir_write(struct edma *e, enum edma_dir dir, uint32_t off,
			   uint32_t val)
{
	const struct edma_dir_regs *r = &edma_regs[dir];
	struct edma_dir_state *d = &e->dir[dir];

	if (off == r->engine_en)
		edma_engine_enable(e, dir, val);
	else if (off == r->doorbell) {
		edma_count(e, e->writer, EDMA_EV_DOORBELLS, 1);
		edma_doorbell(e, dir, val);
	}
	else if (off == r->int_mask)
		d->int_mask = val;
	else if (off == r->int_clear)
		edma_int_clear(d, val);
	else if (off == r->int_status || off == r->err_status ||
		 off == r->err_status_hi)
		;	/* read-only */
	else if (off == r->done_imwr)
		d->done_imwr = set_lo32(d->done_imwr, val);
	else if (off == r->done_imwr + 4)
		d->done_imwr = set_hi32(d->done_imwr, val);
	else if (off == r->abort_imwr)
		d->abort_imwr = set_lo32(d->abort_imwr, val);
	else if (off == r->abort_imwr + 4)
		d->abort_imwr = set_hi32(d->abort_imwr, val);
	else if (off >= r->imwr_data && off < r->imwr_data + 16)
		d->imwr_data[(off - r->imwr_data) / 4] = val;
	else if (off == r->ll_err_en)
		d->ll_err_en = val;
	else
		return false;
	return true;
}

static uint32_t edma_ctrl_value(const struct edma *e)
{
	return e->dir[EDMA_DIR_WR].ch_cnt << EDMA_V0_CTRL_WR_CH_CNT_SHIFT |
	       e->dir[EDMA_DIR_RD].ch_cnt << EDMA_V0_CTRL_RD_CH_CNT_SHIFT;
}

uint32_t edma_reg_read(const struct edma *e, uint32_t off)
{
	uint32_t val = 0;
	unsigned int dir;

	if ((off & 3) || off >= EDMA_V0_REGS_SIZE)
		return 0;
	if (off == EDMA_V0_CTRL_DATA_ARB_PRIOR)
		return e->arb_prior;
	if (off == EDMA_V0_CTRL)
		return edma_ctrl_value(e);
	if (edma_chan_read(e, off, &val))
		return val;
	for (dir = 0; dir < EDMA_DIRS; dir++) {
		if (edma_dir_read(e, dir, off, &val))
			return val;
	}
	return 0;
}

void edma_reg_write(struct edma *e, uint32_t off, uint32_t val)
{
	unsigned int dir;

	if ((off & 3) || off >= EDMA_V0_REGS_SIZE) {
		mlog_rl("register write %#x to bad offset %#x ignored", val, off);
		return;
	}
	edma_count(e, e->writer, EDMA_EV_REG_WRITES, 1);
	if (off == EDMA_V0_CTRL_DATA_ARB_PRIOR) {
		e->arb_prior = val;
		return;
	}
	if (edma_chan_write(e, off, val))
		return;
	for (dir = 0; dir < EDMA_DIRS; dir++) {
		if (edma_dir_write(e, dir, off, val))
			return;
	}
	/* ctrl is read-only; unknown offsets have no register behind them */
	mlog_dbg("register write %#x to %#x ignored", val, off);
}

/* ------------------------------------------------------------------------ */
/* Register image and mailboxes                                             */
/* ------------------------------------------------------------------------ */

static void edma_image_store(struct edma *e, uint32_t off)
{
	uint32_t *img = (uint32_t *)(e->cfg.shm + PEDMA_LAB_REGS_OFF);

	__atomic_store_n(&img[off / 4], htole32(edma_reg_read(e, off)),
			 __ATOMIC_RELAXED);
}

void edma_publish(struct edma *e)
{
	uint32_t off, reg;
	unsigned int ch;

	for (off = 0; off < EDMA_V0_CH_BASE; off += 4)
		edma_image_store(e, off);
	for (ch = 0; ch < EDMA_V0_MAX_WR_CH; ch++) {
		for (reg = 0; reg <= EDMA_V0_CH_LLP_HI; reg += 4) {
			edma_image_store(e, EDMA_V0_WR_CH(ch) + reg);
			edma_image_store(e, EDMA_V0_RD_CH(ch) + reg);
		}
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

void edma_flush(struct edma *e)
{
	edma_publish(e);
	edma_raise_pending(e);
}

/* Apply the entries a guest posted; returns how many were consumed */
static uint32_t edma_mbox_drain(struct edma *e, enum lab_side side)
{
	struct pedma_lab_mbox *mb = edma_mbox(e, side);
	uint32_t cons = e->mbox_cons[side];
	uint32_t prod, avail, i;

	prod = le32toh(__atomic_load_n(&mb->prod, __ATOMIC_ACQUIRE));
	avail = prod - cons;
	if (avail > PEDMA_LAB_MBOX_ENTRIES) {
		/*
		 * A protocol error.  Apply what the ring can hold, then take
		 * cons to prod so that one bad store costs one batch, not a
		 * stream of stale entries on every later kick.
		 */
		if (!e->mbox_clamp_logged[side]) {
			mlog("%s mailbox: prod %u is %u ahead of cons %u, clamped",
			     side_name(side), prod, avail, cons);
			e->mbox_clamp_logged[side] = true;
		}
		avail = PEDMA_LAB_MBOX_ENTRIES;
	}
	e->writer = side;
	for (i = 0; i < avail; i++) {
		const struct pedma_lab_mbox_ent *ent =
			&mb->ent[(cons + i) % PEDMA_LAB_MBOX_ENTRIES];
		uint32_t off = le32toh(__atomic_load_n(&ent->off, __ATOMIC_RELAXED));
		uint32_t val = le32toh(__atomic_load_n(&ent->val, __ATOMIC_RELAXED));

		if ((off & PEDMA_LAB_MBOX_READ) &&
		    !(off & 3) &&
		    (off & ~PEDMA_LAB_MBOX_READ) < EDMA_V0_REGS_SIZE) {
			/* The guest read a register from the image */
			edma_count(e, side, EDMA_EV_REG_READS, 1);
			continue;
		}
		if ((off & 3) || off >= EDMA_V0_REGS_SIZE) {
			mlog_rl("%s mailbox: bad register offset %#x ignored",
				side_name(side), off);
			continue;
		}
		edma_reg_write(e, off, val);
	}
	e->mbox_cons[side] = prod;
	return avail;
}

void edma_beat(struct edma *e)
{
	__atomic_store_n(&edma_hdr(e)->beat, htole32(++e->beat),
			 __ATOMIC_RELAXED);
}

unsigned int edma_process_mailboxes(struct edma *e)
{
	unsigned int side, total = 0;

	edma_beat(e);

	for (side = 0; side < LAB_SIDES; side++) {
		uint32_t n = edma_mbox_drain(e, side);

		if (!n)
			continue;
		total += n;
		/* Readers wait for cons: the image must be complete by then */
		edma_publish(e);
		__atomic_store_n(&edma_mbox(e, side)->cons,
				 htole32(e->mbox_cons[side]), __ATOMIC_RELEASE);
	}
	edma_raise_pending(e);
	return total;
}

void edma_mbox_drop(struct edma *e, enum lab_side side)
{
	struct pedma_lab_mbox *mb = edma_mbox(e, side);
	uint32_t prod = le32toh(__atomic_load_n(&mb->prod, __ATOMIC_ACQUIRE));
	__le64 *gpa = &edma_hdr(e)->guard_gpa[side];

	__le32 *gone = &edma_hdr(e)->gone[side];

	/* A guest that is gone: its RAM is out of reach (link down). */
	if (le64toh(__atomic_load_n(gpa, __ATOMIC_ACQUIRE)))
		__atomic_store_n(gpa, htole64(PEDMA_LAB_GUARD_GONE),
				 __ATOMIC_RELEASE);
	/* Its link is down: tell the other guest, as a link event would. */
	__atomic_store_n(gone, htole32(le32toh(*gone) + 1), __ATOMIC_RELEASE);
	edma_pend_irq(e, side == LAB_SIDE_HOST ? LAB_SIDE_EP : LAB_SIDE_HOST,
		      PEDMA_LAB_VEC_PEER);
	edma_raise_pending(e);

	if (prod != e->mbox_cons[side])
		mlog("%s mailbox: %u unapplied entries dropped",
		     side_name(side), prod - e->mbox_cons[side]);
	e->mbox_cons[side] = prod;
	__atomic_store_n(&mb->cons, htole32(prod), __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

static bool edma_cfg_valid(const struct edma_cfg *cfg)
{
	return cfg->shm &&
	       cfg->shm_size >= PEDMA_LAB_WND_OFF + PEDMA_WND_MIN_SIZE &&
	       cfg->shm_size <= UINT32_MAX &&
	       cfg->vectors > PEDMA_LAB_VEC_EDMA_RD &&
	       cfg->vectors <= EDMA_MAX_VECTORS &&
	       cfg->wr_ch_cnt >= 1 && cfg->wr_ch_cnt <= EDMA_V0_MAX_WR_CH &&
	       cfg->rd_ch_cnt >= 1 && cfg->rd_ch_cnt <= EDMA_V0_MAX_RD_CH;
}

static void edma_hdr_init(struct edma *e)
{
	struct pedma_lab_hdr *h = edma_hdr(e);

	h->version = htole32(PEDMA_LAB_VERSION);
	h->vectors = htole32(e->cfg.vectors);
	h->model_id = htole32(LAB_MODEL_ID);
	h->host_id = htole32(LAB_HOST_ID);
	h->ep_id = htole32(LAB_EP_ID);
	h->shm_size = htole32((uint32_t)e->cfg.shm_size);
	h->regs_off = htole32(PEDMA_LAB_REGS_OFF);
	h->regs_size = htole32(EDMA_V0_REGS_SIZE);
	h->mbox_off[LAB_SIDE_HOST] = htole32(PEDMA_LAB_MBOX_HOST_OFF);
	h->mbox_off[LAB_SIDE_EP] = htole32(PEDMA_LAB_MBOX_EP_OFF);
	h->wnd_off = htole32(PEDMA_LAB_WND_OFF);
	h->wnd_size = htole32((uint32_t)(e->cfg.shm_size - PEDMA_LAB_WND_OFF));
	h->msi_base = htole64(PEDMA_LAB_MSI_BASE);
	h->ep_bar2_base = 0;
	h->guard_gpa[LAB_SIDE_HOST] = 0;
	h->guard_gpa[LAB_SIDE_EP] = 0;
	h->gone[LAB_SIDE_HOST] = 0;
	h->gone[LAB_SIDE_EP] = 0;
	h->model_gen = htole32(e->cfg.model_gen);
	h->model_flags = htole32(e->cfg.no_guard ? PEDMA_LAB_MF_NO_GUARD : 0);
	h->events_off = htole32(PEDMA_LAB_EVENTS_OFF);
	h->events_size = htole32(sizeof(struct pedma_lab_events));
}

int edma_init(struct edma *e, const struct edma_cfg *cfg)
{
	unsigned int dir;

	if (!edma_cfg_valid(cfg))
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	e->dir[EDMA_DIR_WR].ch_cnt = cfg->wr_ch_cnt;
	e->dir[EDMA_DIR_RD].ch_cnt = cfg->rd_ch_cnt;
	for (dir = 0; dir < EDMA_DIRS; dir++)
		e->dir[dir].int_mask = EDMA_V0_INT_DONE_MASK |
				       EDMA_V0_INT_ABORT_MASK;

	/* Header (magic still zero), empty mailboxes, zeroed image */
	memset(cfg->shm, 0, PEDMA_LAB_AREA_SIZE);
	edma_hdr_init(e);
	edma_publish(e);
	/* Last: a guest that sees the magic sees everything above */
	__atomic_store_n(&edma_hdr(e)->magic, htole64(PEDMA_LAB_MAGIC),
			 __ATOMIC_RELEASE);
	return 0;
}
