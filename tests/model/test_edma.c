// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Unit tests of the lab's eDMA v0 model, host only.
 *
 * Small buffers stand in for both guests' RAM files and the shm.  Every
 * test keeps an expected copy of each buffer and compares them whole, so a
 * stray byte anywhere (not only next to the target) fails the test.
 * Register writes go through the endpoint's mailbox as the driver posts
 * them; register values are read back from the register image in the shm,
 * which is what a guest sees.
 */
#include <endian.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edma.h"
#include "pedma_check.h"
#include "log.h"

#define HOST_RAM_SIZE	(3u << 20)
#define EP_RAM_SIZE	(3u << 20)
#define SHM_SIZE	(8u << 20)	/* the window must hold PEDMA_WND_MIN_SIZE */
#define WND_SIZE	(SHM_SIZE - PEDMA_LAB_WND_OFF)
#define EP_BAR2		0xfe000000ULL
/* The endpoint-local address of window offset off */
#define WND(off)	(EP_BAR2 + PEDMA_LAB_WND_OFF + (uint64_t)(off))
#define VECTORS		PEDMA_LAB_VECTORS
#define ELEM		EDMA_V0_LL_ELEM_SIZE

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define WR		EDMA_DIR_WR
#define RD		EDMA_DIR_RD


struct irq_rec {
	enum lab_side side;
	unsigned int vector;
};

static struct fixture {
	uint8_t *host, *ep, *shm;
	uint8_t *host_exp, *ep_exp, *wnd_exp;
	struct edma e;
	struct irq_rec irq[256];
	unsigned int nirq;
	uint32_t prod[LAB_SIDES];
} F;

/* ------------------------------------------------------------------------ */
/* Fixture                                                                  */
/* ------------------------------------------------------------------------ */

static void record_irq(void *opaque, enum lab_side side, unsigned int vector)
{
	(void)opaque;
	if (F.nirq < ARRAY_SIZE(F.irq))
		F.irq[F.nirq] = (struct irq_rec){ side, vector };
	F.nirq++;
}

static unsigned int irq_count(enum lab_side side, unsigned int vector)
{
	unsigned int i, n = 0;

	for (i = 0; i < F.nirq && i < ARRAY_SIZE(F.irq); i++)
		n += F.irq[i].side == side && F.irq[i].vector == vector;
	return n;
}

static void *xalloc(size_t size, bool aligned)
{
	void *p = aligned ? aligned_alloc(4096, size) : malloc(size);

	if (!p) {
		perror("alloc");
		exit(2);
	}
	return p;
}

static void fill_pattern(uint8_t *p, size_t len, unsigned int mul,
			 unsigned int add)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * mul + add + (i >> 8));
}

static struct edma_cfg base_cfg(unsigned int wr_ch, unsigned int rd_ch)
{
	struct edma_cfg cfg = {
		.shm = F.shm,
		.shm_size = SHM_SIZE,
		.vectors = VECTORS,
		.wr_ch_cnt = wr_ch,
		.rd_ch_cnt = rd_ch,
		.model_gen = 0x1234abcd,
		.raise_irq = record_irq,
	};

	guest_ram_layout_q35(&cfg.host_ram, F.host, HOST_RAM_SIZE);
	guest_ram_layout_q35(&cfg.ep_ram, F.ep, EP_RAM_SIZE);
	return cfg;
}

static struct pedma_lab_hdr *hdr(void)
{
	return (struct pedma_lab_hdr *)(F.shm + PEDMA_LAB_HDR_OFF);
}

static struct pedma_lab_mbox *mbox(enum lab_side side)
{
	return (struct pedma_lab_mbox *)(F.shm + (side == LAB_SIDE_HOST ?
		PEDMA_LAB_MBOX_HOST_OFF : PEDMA_LAB_MBOX_EP_OFF));
}

static void setup_counts(const char *name, unsigned int wr_ch,
			 unsigned int rd_ch)
{
	struct edma_cfg cfg;

	cur_test = name;
	F.host = xalloc(HOST_RAM_SIZE, true);
	F.ep = xalloc(EP_RAM_SIZE, true);
	F.shm = xalloc(SHM_SIZE, true);
	F.host_exp = xalloc(HOST_RAM_SIZE, false);
	F.ep_exp = xalloc(EP_RAM_SIZE, false);
	F.wnd_exp = xalloc(WND_SIZE, false);
	fill_pattern(F.host, HOST_RAM_SIZE, 13, 1);
	fill_pattern(F.ep, EP_RAM_SIZE, 7, 5);
	/* Garbage in the lab area too: init must set every byte of it */
	fill_pattern(F.shm, SHM_SIZE, 11, 3);
	memcpy(F.host_exp, F.host, HOST_RAM_SIZE);
	memcpy(F.ep_exp, F.ep, EP_RAM_SIZE);
	memcpy(F.wnd_exp, F.shm + PEDMA_LAB_WND_OFF, WND_SIZE);
	F.nirq = 0;
	F.prod[0] = F.prod[1] = 0;
	cfg = base_cfg(wr_ch, rd_ch);
	CHECK(edma_init(&F.e, &cfg) == 0);
	/* What the endpoint driver does when it loads */
	hdr()->ep_bar2_base = htole64(EP_BAR2);
}

static void setup(const char *name)
{
	setup_counts(name, 4, 4);
}

static void teardown(void)
{
	free(F.host);
	free(F.ep);
	free(F.shm);
	free(F.host_exp);
	free(F.ep_exp);
	free(F.wnd_exp);
	memset(&F, 0, sizeof(F));
}

/* Compare all guest memory and the window with what the test expects */
static void check_mem_at(int line)
{
	const struct {
		const char *name;
		const uint8_t *got, *exp;
		size_t size;
	} areas[] = {
		{ "host RAM", F.host, F.host_exp, HOST_RAM_SIZE },
		{ "ep RAM", F.ep, F.ep_exp, EP_RAM_SIZE },
		{ "window", F.shm + PEDMA_LAB_WND_OFF, F.wnd_exp, WND_SIZE },
	};
	unsigned int i;
	size_t j;

	for (i = 0; i < 3; i++) {
		if (!memcmp(areas[i].got, areas[i].exp, areas[i].size))
			continue;
		for (j = 0; areas[i].got[j] == areas[i].exp[j]; j++)
			;
		fprintf(stderr, "FAIL %s (line %d): %s differs at %#zx: %#x, expected %#x\n",
			cur_test, line, areas[i].name, j, areas[i].got[j],
			areas[i].exp[j]);
		failures++;
	}
}

#define check_mem()	check_mem_at(__LINE__)

/* Write bytes into the guest memory that backs a buffer and its copy */
static void put(uint8_t *mem, uint8_t *exp, uint64_t off, const void *data,
		size_t len)
{
	memcpy(mem + off, data, len);
	memcpy(exp + off, data, len);
}

static void put_wnd(uint64_t off, const void *data, size_t len)
{
	put(F.shm + PEDMA_LAB_WND_OFF, F.wnd_exp, off, data, len);
}

/* Source bytes distinct from every guard pattern */
static void put_payload(uint8_t *mem, uint8_t *exp, uint64_t off, size_t len,
			unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		mem[off + i] = (uint8_t)(0x80 ^ (i * 31 + seed));
		exp[off + i] = mem[off + i];
	}
}

/* ------------------------------------------------------------------------ */
/* Registers: posted through the mailbox, read from the image               */
/* ------------------------------------------------------------------------ */

static void post(enum lab_side side, uint32_t off, uint32_t val)
{
	struct pedma_lab_mbox *mb = mbox(side);
	struct pedma_lab_mbox_ent *ent;

	if (F.prod[side] - le32toh(mb->cons) >= PEDMA_LAB_MBOX_ENTRIES) {
		fprintf(stderr, "%s: test posts too many entries\n", cur_test);
		exit(2);
	}
	ent = &mb->ent[F.prod[side] % PEDMA_LAB_MBOX_ENTRIES];
	ent->off = htole32(off);
	ent->val = htole32(val);
	F.prod[side]++;
	__atomic_store_n(&mb->prod, htole32(F.prod[side]), __ATOMIC_RELEASE);
}

static uint32_t img(uint32_t off)
{
	const uint32_t *image = (const uint32_t *)(F.shm + PEDMA_LAB_REGS_OFF);

	return le32toh(image[off / 4]);
}

/* Let the model drain the mailboxes; check cons and the image after it */
static void kick(void)
{
	uint32_t off;
	int side;

	edma_process_mailboxes(&F.e);
	for (side = 0; side < LAB_SIDES; side++)
		CHECK_EQ(le32toh(mbox(side)->cons), F.prod[side]);
	for (off = 0; off < EDMA_V0_REGS_SIZE; off += 4) {
		if (img(off) != edma_reg_read(&F.e, off)) {
			CHECK_EQ(img(off), edma_reg_read(&F.e, off));
			break;
		}
	}
}

static void wr(uint32_t off, uint32_t val)
{
	post(LAB_SIDE_EP, off, val);
}

static uint32_t ch_base(enum edma_dir dir, unsigned int ch)
{
	return dir == WR ? EDMA_V0_WR_CH(ch) : EDMA_V0_RD_CH(ch);
}

static void ch_wr(enum edma_dir dir, unsigned int ch, uint32_t reg, uint32_t val)
{
	wr(ch_base(dir, ch) + reg, val);
}

static uint32_t ch_img(enum edma_dir dir, unsigned int ch, uint32_t reg)
{
	return img(ch_base(dir, ch) + reg);
}

static uint64_t ch_img64(enum edma_dir dir, unsigned int ch, uint32_t reg)
{
	return img(ch_base(dir, ch) + reg) |
	       (uint64_t)img(ch_base(dir, ch) + reg + 4) << 32;
}

static uint32_t ch_status(enum edma_dir dir, unsigned int ch)
{
	return (ch_img(dir, ch, EDMA_V0_CH_CTRL1) & EDMA_V0_CH_STATUS_MASK) >>
	       EDMA_V0_CH_STATUS_SHIFT;
}

static void ch_wr64(enum edma_dir dir, unsigned int ch, uint32_t reg,
		    uint64_t val)
{
	ch_wr(dir, ch, reg, (uint32_t)val);
	ch_wr(dir, ch, reg + 4, val >> 32);
}

static uint32_t reg_of(enum edma_dir dir, uint32_t wr_off, uint32_t rd_off)
{
	return dir == WR ? wr_off : rd_off;
}

#define DIR_REG(dir, name)	reg_of(dir, EDMA_V0_WR_##name, EDMA_V0_RD_##name)

static uint32_t int_status(enum edma_dir dir)
{
	return img(DIR_REG(dir, INT_STATUS));
}

static uint32_t err_status(enum edma_dir dir)
{
	return img(dir == WR ? EDMA_V0_WR_ERR_STATUS : EDMA_V0_RD_ERR_STATUS_LO);
}

static void wr64(uint32_t off, uint64_t val)
{
	wr(off, (uint32_t)val);
	wr(off + 4, val >> 32);
}

static unsigned int dir_vec(enum edma_dir dir)
{
	return dir == WR ? PEDMA_LAB_VEC_EDMA_WR : PEDMA_LAB_VEC_EDMA_RD;
}

/* Both engines on, every interrupt unmasked: what a driver does at start */
static void engines_on(void)
{
	wr(EDMA_V0_WR_ENGINE_EN, EDMA_V0_ENGINE_EN);
	wr(EDMA_V0_RD_ENGINE_EN, EDMA_V0_ENGINE_EN);
	wr(EDMA_V0_WR_INT_MASK, 0);
	wr(EDMA_V0_RD_INT_MASK, 0);
	kick();
}

static void doorbell(enum edma_dir dir, uint32_t val)
{
	wr(DIR_REG(dir, DOORBELL), val);
	kick();
}

static void start_single(enum edma_dir dir, unsigned int ch, uint32_t ctl,
			 uint64_t sar, uint64_t dar, uint32_t size)
{
	ch_wr(dir, ch, EDMA_V0_CH_CTRL1, ctl);
	ch_wr(dir, ch, EDMA_V0_CH_XFER_SIZE, size);
	ch_wr64(dir, ch, EDMA_V0_CH_SAR_LO, sar);
	ch_wr64(dir, ch, EDMA_V0_CH_DAR_LO, dar);
	doorbell(dir, ch);
}

static void start_ll(enum edma_dir dir, unsigned int ch, uint64_t llp,
		     bool ccs)
{
	ch_wr(dir, ch, EDMA_V0_CH_CTRL1,
	      EDMA_V0_LLE | (ccs ? EDMA_V0_CCS : 0));
	ch_wr64(dir, ch, EDMA_V0_CH_LLP_LO, llp);
	doorbell(dir, ch);
}

/* LL elements in the window, written at window offset off */
static void ll_data(uint64_t off, uint32_t ctl, uint32_t size, uint64_t sar,
		    uint64_t dar)
{
	struct edma_v0_lli el = {
		.control = htole32(ctl),
		.transfer_size = htole32(size),
		.sar = htole64(sar),
		.dar = htole64(dar),
	};

	put_wnd(off, &el, sizeof(el));
}

static void ll_link(uint64_t off, uint32_t ctl, uint64_t llp)
{
	struct edma_v0_llp el = {
		.control = htole32(ctl | EDMA_V0_LLP),
		.llp = htole64(llp),
	};

	put_wnd(off, &el, sizeof(el));
}

/* An element slot whose CB is the opposite of cb: the end of a chain */
static void ll_end(uint64_t off, bool cb)
{
	ll_data(off, cb ? 0 : EDMA_V0_CB, 0, 0, 0);
}

static uint64_t ring(enum edma_dir dir, unsigned int ch)
{
	return dir == WR ? PEDMA_WND_LL_WR_RING(ch) : PEDMA_WND_LL_RD_RING(ch);
}

/* A one-element chain at the ring start, CB = CCS = 1 */
static void run_one_ll(enum edma_dir dir, unsigned int ch, uint32_t flags,
		       uint64_t sar, uint64_t dar, uint32_t size)
{
	ll_data(ring(dir, ch), EDMA_V0_CB | flags, size, sar, dar);
	ll_end(ring(dir, ch) + ELEM, true);
	start_ll(dir, ch, WND(ring(dir, ch)), true);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

static void test_reset_state(void)
{
	struct edma_cfg cfg;
	struct edma e2;
	uint32_t off;

	setup("reset state");
	CHECK_EQ(le64toh(hdr()->magic), PEDMA_LAB_MAGIC);
	CHECK_EQ(le32toh(hdr()->version), PEDMA_LAB_VERSION);
	CHECK_EQ(le32toh(hdr()->vectors), VECTORS);
	CHECK_EQ(le32toh(hdr()->model_id), 0);
	CHECK_EQ(le32toh(hdr()->host_id), 1);
	CHECK_EQ(le32toh(hdr()->ep_id), 2);
	CHECK_EQ(le32toh(hdr()->shm_size), SHM_SIZE);
	CHECK_EQ(le32toh(hdr()->regs_off), PEDMA_LAB_REGS_OFF);
	CHECK_EQ(le32toh(hdr()->regs_size), EDMA_V0_REGS_SIZE);
	CHECK_EQ(le32toh(hdr()->mbox_off[0]), PEDMA_LAB_MBOX_HOST_OFF);
	CHECK_EQ(le32toh(hdr()->mbox_off[1]), PEDMA_LAB_MBOX_EP_OFF);
	CHECK_EQ(le32toh(hdr()->wnd_off), PEDMA_LAB_WND_OFF);
	CHECK_EQ(le32toh(hdr()->wnd_size), WND_SIZE);
	CHECK_EQ(le64toh(hdr()->msi_base), PEDMA_LAB_MSI_BASE);
	CHECK_EQ(le32toh(hdr()->model_gen), 0x1234abcd);
	for (off = 0; off < 128; off += 4) {
		/* reserved words */
		if (off >= offsetof(struct pedma_lab_hdr, reserved))
			CHECK_EQ(*(uint32_t *)(F.shm + off), 0);
	}
	CHECK_EQ(le32toh(hdr()->events_off), PEDMA_LAB_EVENTS_OFF);
	CHECK_EQ(le32toh(hdr()->events_size), sizeof(struct pedma_lab_events));
	for (off = 0; off < sizeof(struct pedma_lab_events); off++) {
		/* every counter starts at 0 (the shm held garbage) */
		if (F.shm[PEDMA_LAB_EVENTS_OFF + off]) {
			CHECK_EQ(off, ~0u);
			break;
		}
	}
	CHECK_EQ(mbox(LAB_SIDE_HOST)->prod, 0);
	CHECK_EQ(mbox(LAB_SIDE_HOST)->cons, 0);
	CHECK_EQ(mbox(LAB_SIDE_EP)->prod, 0);
	CHECK_EQ(mbox(LAB_SIDE_EP)->cons, 0);
	for (off = 0; off < EDMA_V0_REGS_SIZE; off += 4) {
		uint32_t want = 0;

		if (off == EDMA_V0_CTRL)
			want = 4 | 4 << 16;
		else if (off == EDMA_V0_WR_INT_MASK || off == EDMA_V0_RD_INT_MASK)
			want = 0x00ff00ff;
		if (img(off) != want) {
			CHECK_EQ(off, ~0u);
			CHECK_EQ(img(off), want);
		}
	}
	check_mem();

	/* Bad configurations are refused */
	cfg = base_cfg(4, 4);
	cfg.vectors = 2;
	CHECK(edma_init(&e2, &cfg) != 0);
	cfg = base_cfg(0, 4);
	CHECK(edma_init(&e2, &cfg) != 0);
	cfg = base_cfg(4, 9);
	CHECK(edma_init(&e2, &cfg) != 0);
	cfg = base_cfg(4, 4);
	cfg.shm_size = PEDMA_LAB_WND_OFF + PEDMA_WND_MIN_SIZE - 1;
	CHECK(edma_init(&e2, &cfg) != 0);
	teardown();
}

static void test_nonll_write(void)
{
	setup("non-LL write channel");
	engines_on();
	put_payload(F.ep, F.ep_exp, 0x1000, 300, 1);
	memcpy(F.host_exp + 0x2004, F.ep + 0x1000, 300);
	start_single(WR, 0, EDMA_V0_LIE, 0x1000, 0x2004, 300);
	check_mem();
	CHECK_EQ(ch_status(WR, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(ch_img(WR, 0, EDMA_V0_CH_CTRL1),
		 EDMA_V0_LIE | EDMA_V0_CH_STATUS_STOPPED << 5);
	CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_SAR_LO), 0x1000 + 300);
	CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_DAR_LO), 0x2004 + 300);
	CHECK_EQ(ch_img(WR, 0, EDMA_V0_CH_XFER_SIZE), 0);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(int_status(RD), 0);
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_WR), 1);

	/* From the window to host RAM, on another channel, no LIE */
	put_payload(F.shm + PEDMA_LAB_WND_OFF, F.wnd_exp, 0x200000, 4096, 2);
	memcpy(F.host_exp + 0x40000, F.wnd_exp + 0x200000, 4096);
	start_single(WR, 3, 0, WND(0x200000), 0x40000, 4096);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0) | EDMA_V0_INT_DONE(3));
	CHECK_EQ(F.nirq, 1);
	teardown();
}

static void test_nonll_read(void)
{
	setup("non-LL read channel");
	engines_on();
	put_payload(F.host, F.host_exp, 0x3000, 4097, 3);
	memcpy(F.ep_exp + 0x5001, F.host + 0x3000, 4097);
	start_single(RD, 2, EDMA_V0_LIE, 0x3000, 0x5001, 4097);
	check_mem();
	CHECK_EQ(ch_status(RD, 2), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(2));
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_RD), 1);

	/* Into the window (where metadata lands) */
	put_payload(F.host, F.host_exp, 0x9000, 512, 4);
	memcpy(F.wnd_exp + 0x300000, F.host + 0x9000, 512);
	start_single(RD, 0, 0, 0x9000, WND(0x300000), 512);
	check_mem();
	teardown();
}

static void test_ll_chain(void)
{
	uint64_t r = ring(WR, 1);

	setup("LL chain of data elements");
	engines_on();
	put_payload(F.ep, F.ep_exp, 0x100, 64, 5);
	put_payload(F.shm + PEDMA_LAB_WND_OFF, F.wnd_exp, 0x200000, 100, 6);
	put_payload(F.ep, F.ep_exp, 0x400, 1000, 7);
	ll_data(r, EDMA_V0_CB, 64, 0x100, 0x800);
	ll_data(r + ELEM, EDMA_V0_CB, 100, WND(0x200000), 0x900);
	ll_data(r + 2 * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 1000, 0x400, 0xa00);
	ll_end(r + 3 * ELEM, true);
	memcpy(F.host_exp + 0x800, F.ep + 0x100, 64);
	memcpy(F.host_exp + 0x900, F.wnd_exp + 0x200000, 100);
	memcpy(F.host_exp + 0xa00, F.ep + 0x400, 1000);
	start_ll(WR, 1, WND(r), true);
	check_mem();
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_WR), 1);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));
	CHECK_EQ(ch_status(WR, 1), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(ch_img64(WR, 1, EDMA_V0_CH_LLP_LO), WND(r + 3 * ELEM));
	CHECK_EQ(ch_img64(WR, 1, EDMA_V0_CH_SAR_LO), 0x400 + 1000);
	CHECK_EQ(ch_img64(WR, 1, EDMA_V0_CH_DAR_LO), 0xa00 + 1000);
	CHECK(ch_img(WR, 1, EDMA_V0_CH_CTRL1) & EDMA_V0_CCS);
	teardown();
}

static void test_ll_resume(void)
{
	uint64_t r = ring(RD, 3);

	setup("LL stop at CB mismatch, resume after append");
	engines_on();
	put_payload(F.host, F.host_exp, 0x1000, 200, 8);
	ll_data(r, EDMA_V0_CB, 200, 0x1000, 0x7000);
	ll_end(r + ELEM, true);
	memcpy(F.ep_exp + 0x7000, F.host + 0x1000, 200);
	start_ll(RD, 3, WND(r), true);
	check_mem();
	/* No interrupting element: stopped quietly */
	CHECK_EQ(F.nirq, 0);
	CHECK_EQ(int_status(RD), 0);
	CHECK_EQ(ch_status(RD, 3), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(ch_img64(RD, 3, EDMA_V0_CH_LLP_LO), WND(r + ELEM));

	/* The driver appends and rings again, without reprogramming LLP */
	put_payload(F.host, F.host_exp, 0x2000, 300, 9);
	ll_data(r + ELEM, EDMA_V0_CB | EDMA_V0_LIE, 300, 0x2000, 0x8000);
	ll_end(r + 2 * ELEM, true);
	memcpy(F.ep_exp + 0x8000, F.host + 0x2000, 300);
	doorbell(RD, 3);
	check_mem();
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_RD), 1);
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(3));
	CHECK_EQ(ch_img64(RD, 3, EDMA_V0_CH_LLP_LO), WND(r + 2 * ELEM));

	/* Nothing new: a doorbell stops at once and moves nothing */
	doorbell(RD, 3);
	check_mem();
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(ch_img64(RD, 3, EDMA_V0_CH_LLP_LO), WND(r + 2 * ELEM));
	teardown();
}

/* dw-edma's ring use: chunks alternate CB, a TCB link wraps to the start */
static void test_ll_ring_tcb(void)
{
	uint64_t r = ring(RD, 0);
	unsigned int chunk;

	setup("LL ring with TCB link and CB alternation");
	engines_on();
	for (chunk = 0; chunk < 4; chunk++) {
		uint32_t cb = chunk % 2 ? 0 : EDMA_V0_CB;
		uint64_t src = 0x10000 + chunk * 0x1000;
		uint64_t dst = 0x20000 + chunk * 0x1000;

		put_payload(F.host, F.host_exp, src, 0x800, 10 + chunk);
		ll_data(r, cb, 0x400, src, dst);
		ll_data(r + ELEM, cb | EDMA_V0_LIE, 0x400, src + 0x400,
			dst + 0x400);
		ll_link(r + 2 * ELEM, cb | EDMA_V0_TCB, WND(r));
		memcpy(F.ep_exp + dst, F.host + src, 0x800);
		if (chunk == 0)
			start_ll(RD, 0, WND(r), true);
		else
			doorbell(RD, 0);
		check_mem();
		CHECK_EQ(F.nirq, chunk + 1);
		CHECK_EQ(ch_status(RD, 0), EDMA_V0_CH_STATUS_STOPPED);
		/* Wrapped to the start with CCS toggled: waits for the next CB */
		CHECK_EQ(ch_img64(RD, 0, EDMA_V0_CH_LLP_LO), WND(r));
		CHECK_EQ(!!(ch_img(RD, 0, EDMA_V0_CH_CTRL1) & EDMA_V0_CCS),
			 chunk % 2);
	}
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_RD), 4);
	teardown();
}

static void test_lie_rie_mask(void)
{
	uint32_t data = htole32(0xbeef), zero = 0;

	setup("LIE/RIE with the done mask on and off");
	wr(EDMA_V0_WR_ENGINE_EN, 1);
	wr64(EDMA_V0_WR_DONE_IMWR_LO, 0x8000);
	wr(EDMA_V0_WR_CH01_IMWR_DATA, 0x1234beef);
	kick();
	put_payload(F.ep, F.ep_exp, 0x100, 16, 20);
	memcpy(F.host_exp + 0x100, F.ep + 0x100, 16);

	/* Masked (reset value): LIE sets the status bit but interrupts nobody */
	run_one_ll(WR, 0, EDMA_V0_LIE, 0x100, 0x100, 16);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(F.nirq, 0);

	/* Masked, LIE|RIE: the IMWr goes out anyway, no local interrupt */
	memcpy(F.host_exp + 0x8000, &data, 4);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x100, 0x100, 16);
	check_mem();
	CHECK_EQ(F.nirq, 0);

	/* RIE without LIE: status only */
	put(F.host, F.host_exp, 0x8000, &zero, 4);
	run_one_ll(WR, 0, EDMA_V0_RIE, 0x100, 0x100, 16);
	check_mem();
	CHECK_EQ(F.nirq, 0);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));

	/* Unmasked LIE: local interrupt */
	wr(EDMA_V0_WR_INT_MASK, 0);
	run_one_ll(WR, 0, EDMA_V0_LIE, 0x100, 0x100, 16);
	check_mem();
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_WR), 1);

	/* Unmasked LIE|RIE: both */
	memcpy(F.host_exp + 0x8000, &data, 4);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x100, 0x100, 16);
	check_mem();
	CHECK_EQ(F.nirq, 2);

	/* Masking another channel's bit does not mask this one */
	wr(EDMA_V0_WR_INT_MASK, ~EDMA_V0_INT_DONE(0));
	run_one_ll(WR, 0, EDMA_V0_LIE, 0x100, 0x100, 16);
	CHECK_EQ(F.nirq, 3);
	wr(EDMA_V0_WR_INT_MASK, EDMA_V0_INT_DONE(0));
	run_one_ll(WR, 0, EDMA_V0_LIE, 0x100, 0x100, 16);
	CHECK_EQ(F.nirq, 3);
	check_mem();
	teardown();
}

static void test_imwr(void)
{
	uint32_t data;

	setup("IMWr to the interrupt aperture and to host RAM");
	engines_on();
	wr(EDMA_V0_WR_INT_MASK, EDMA_V0_INT_DONE_MASK);	/* host-driven */
	wr(EDMA_V0_WR_CH01_IMWR_DATA, 0x1234beef);
	wr(EDMA_V0_WR_CH23_IMWR_DATA, 0x00070006);
	wr(EDMA_V0_RD_CH01_IMWR_DATA, 0x0000a5a5);

	/* Aperture: host vector (addr - msi_base) / 4, no memory written */
	wr64(EDMA_V0_WR_DONE_IMWR_LO, PEDMA_LAB_MSI_BASE + 4 * 3);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	check_mem();
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_HOST, 3), 1);
	CHECK_EQ(img(EDMA_V0_WR_DONE_IMWR_HI), PEDMA_LAB_MSI_BASE >> 32);

	/* Read direction, its own address and data registers */
	wr(EDMA_V0_RD_INT_MASK, EDMA_V0_INT_DONE_MASK);
	wr64(EDMA_V0_RD_DONE_IMWR_LO, PEDMA_LAB_MSI_BASE + 4 * 1);
	run_one_ll(RD, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	CHECK_EQ(F.nirq, 2);
	CHECK_EQ(irq_count(LAB_SIDE_HOST, 1), 1);

	/* Host RAM: odd channel data from bits [31:16], zero-extended */
	wr64(EDMA_V0_WR_DONE_IMWR_LO, 0x8004);
	data = htole32(0x1234);
	memcpy(F.host_exp + 0x8004, &data, 4);
	run_one_ll(WR, 1, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	check_mem();
	CHECK_EQ(F.nirq, 2);
	data = htole32(0x0007);
	memcpy(F.host_exp + 0x8004, &data, 4);
	run_one_ll(WR, 3, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	check_mem();

	/* Unaligned in the aperture, past the vectors, unbacked: dropped */
	wr64(EDMA_V0_WR_DONE_IMWR_LO, PEDMA_LAB_MSI_BASE + 2);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	wr64(EDMA_V0_WR_DONE_IMWR_LO, PEDMA_LAB_MSI_BASE + 4 * VECTORS);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	wr64(EDMA_V0_WR_DONE_IMWR_LO, HOST_RAM_SIZE - 2);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	wr64(EDMA_V0_WR_DONE_IMWR_LO, UINT64_MAX - 1);
	run_one_ll(WR, 0, EDMA_V0_LIE | EDMA_V0_RIE, 0x10, 0x10, 0);
	check_mem();
	CHECK_EQ(F.nirq, 2);
	teardown();
}

/* Make done bits on ch0, ch1 and aborts on ch2 (bad source), ch3 (LL fetch) */
static void make_mixed_status(void)
{
	run_one_ll(WR, 0, EDMA_V0_LIE, 0x10, 0x10, 0);
	run_one_ll(WR, 1, EDMA_V0_LIE, 0x10, 0x10, 0);
	run_one_ll(WR, 2, EDMA_V0_LIE, EP_RAM_SIZE, 0x10, 4);
	start_ll(WR, 3, 0x7000000000ULL, true);
}

static void test_int_clear(void)
{
	const uint32_t all = EDMA_V0_INT_DONE(0) | EDMA_V0_INT_DONE(1) |
			     EDMA_V0_INT_ABORT(2) | EDMA_V0_INT_ABORT(3);

	setup("int_clear is write-1-to-clear");
	engines_on();
	make_mixed_status();
	CHECK_EQ(int_status(WR), all);
	CHECK_EQ(err_status(WR), EDMA_V0_ERR_APP(2) | EDMA_V0_ERR_LL_FETCH(3));

	wr(EDMA_V0_WR_INT_CLEAR, EDMA_V0_INT_DONE(0));
	kick();
	CHECK_EQ(int_status(WR), all & ~EDMA_V0_INT_DONE(0));
	/* Bits that are not status bits, and zeros, clear nothing */
	wr(EDMA_V0_WR_INT_CLEAR, 0xff00ff00);
	wr(EDMA_V0_WR_INT_CLEAR, 0);
	kick();
	CHECK_EQ(int_status(WR), all & ~EDMA_V0_INT_DONE(0));
	/* Clearing an abort bit clears that channel's error bits only */
	wr(EDMA_V0_WR_INT_CLEAR, EDMA_V0_INT_ABORT(2));
	kick();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1) | EDMA_V0_INT_ABORT(3));
	CHECK_EQ(err_status(WR), EDMA_V0_ERR_LL_FETCH(3));
	/* The read block is separate */
	wr(EDMA_V0_RD_INT_CLEAR, 0xffffffff);
	kick();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1) | EDMA_V0_INT_ABORT(3));
	wr(EDMA_V0_WR_INT_CLEAR, 0xffffffff);
	kick();
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(err_status(WR), 0);

	/* Read direction: the high error word is cleared with its abort bit */
	run_one_ll(RD, 1, 0, HOST_RAM_SIZE, 0x10, 4);
	run_one_ll(RD, 2, 0, 0x10, EP_RAM_SIZE, 4);
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_HI), EDMA_V0_RD_ERR_HI_UR(1));
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_LO), EDMA_V0_ERR_APP(2));
	wr(EDMA_V0_RD_INT_CLEAR, EDMA_V0_INT_ABORT(1));
	kick();
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_HI), 0);
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_LO), EDMA_V0_ERR_APP(2));
	CHECK_EQ(int_status(RD), EDMA_V0_INT_ABORT(2));
	check_mem();
	teardown();
}

static void test_status_read_only(void)
{
	const uint32_t all = EDMA_V0_INT_DONE(0) | EDMA_V0_INT_DONE(1) |
			     EDMA_V0_INT_ABORT(2) | EDMA_V0_INT_ABORT(3);

	setup("int_status and err_status are read-only");
	engines_on();
	make_mixed_status();
	wr(EDMA_V0_WR_INT_STATUS, 0);
	wr(EDMA_V0_WR_ERR_STATUS, 0);
	kick();
	CHECK_EQ(int_status(WR), all);
	CHECK_EQ(err_status(WR), EDMA_V0_ERR_APP(2) | EDMA_V0_ERR_LL_FETCH(3));
	wr(EDMA_V0_WR_INT_STATUS, 0xffffffff);
	wr(EDMA_V0_RD_INT_STATUS, 0xffffffff);
	wr(EDMA_V0_RD_ERR_STATUS_LO, 0xffffffff);
	wr(EDMA_V0_RD_ERR_STATUS_HI, 0xffffffff);
	kick();
	CHECK_EQ(int_status(WR), all);
	CHECK_EQ(int_status(RD), 0);
	CHECK_EQ(err_status(RD), 0);
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_HI), 0);
	/* ctrl too, and the status field of ctrl1 */
	wr(EDMA_V0_CTRL, 0);
	ch_wr(WR, 0, EDMA_V0_CH_CTRL1, EDMA_V0_CH_STATUS_MASK | EDMA_V0_LLE);
	ch_wr(WR, 1, EDMA_V0_CH_CTRL1, EDMA_V0_LIE);
	kick();
	CHECK_EQ(img(EDMA_V0_CTRL), 4 | 4 << 16);
	CHECK_EQ(ch_img(WR, 0, EDMA_V0_CH_CTRL1),
		 EDMA_V0_LLE | EDMA_V0_CH_STATUS_STOPPED << 5);
	CHECK_EQ(ch_img(WR, 1, EDMA_V0_CH_CTRL1),
		 EDMA_V0_LIE | EDMA_V0_CH_STATUS_STOPPED << 5);
	ch_wr(RD, 0, EDMA_V0_CH_CTRL1, EDMA_V0_CH_STATUS_MASK);
	kick();
	CHECK_EQ(ch_img(RD, 0, EDMA_V0_CH_CTRL1), 0);
	teardown();
}

static void test_engine_disabled(void)
{
	setup("doorbell with the engine disabled is ignored");
	wr(EDMA_V0_WR_INT_MASK, 0);
	wr(EDMA_V0_RD_INT_MASK, 0);
	wr(EDMA_V0_RD_ENGINE_EN, 1);	/* the other direction only */
	kick();
	put_payload(F.ep, F.ep_exp, 0x100, 64, 30);
	start_single(WR, 0, EDMA_V0_LIE, 0x100, 0x100, 64);
	check_mem();
	CHECK_EQ(ch_status(WR, 0), EDMA_V0_CH_STATUS_IDLE);
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(F.nirq, 0);

	/* Enabled then disabled again: still ignored; bit 0 is what counts */
	wr(EDMA_V0_WR_ENGINE_EN, 1);
	wr(EDMA_V0_WR_ENGINE_EN, 0xfffffffe);
	doorbell(WR, 0);
	check_mem();
	CHECK_EQ(img(EDMA_V0_WR_ENGINE_EN), 0);
	CHECK_EQ(F.nirq, 0);

	wr(EDMA_V0_WR_ENGINE_EN, 1);
	memcpy(F.host_exp + 0x100, F.ep + 0x100, 64);
	doorbell(WR, 0);
	check_mem();
	CHECK_EQ(F.nirq, 1);
	teardown();
}

static void test_channel_count(void)
{
	setup_counts("channels past the count are ignored", 2, 3);
	engines_on();
	CHECK_EQ(img(EDMA_V0_CTRL), 2 | 3 << 16);
	put_payload(F.ep, F.ep_exp, 0x100, 64, 31);
	/* Registers of a missing channel read zero; its doorbell does nothing */
	start_single(WR, 2, EDMA_V0_LIE, 0x100, 0x100, 64);
	CHECK_EQ(ch_img(WR, 2, EDMA_V0_CH_CTRL1), 0);
	CHECK_EQ(ch_img(WR, 2, EDMA_V0_CH_XFER_SIZE), 0);
	CHECK_EQ(ch_img(WR, 2, EDMA_V0_CH_SAR_LO), 0);
	doorbell(WR, 7);
	doorbell(WR, EDMA_V0_DOORBELL_STOP | 5);
	start_single(RD, 3, EDMA_V0_LIE, 0x100, 0x100, 64);
	check_mem();
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(int_status(RD), 0);
	CHECK_EQ(F.nirq, 0);
	/* The last existing channel works */
	put_payload(F.host, F.host_exp, 0x100, 64, 32);
	memcpy(F.ep_exp + 0x200, F.host + 0x100, 64);
	start_single(RD, 2, EDMA_V0_LIE, 0x100, 0x200, 64);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(2));
	teardown();
}

static void test_stop_doorbell(void)
{
	setup("STOP doorbell aborts without error bits");
	engines_on();
	wr64(EDMA_V0_WR_ABORT_IMWR_LO, PEDMA_LAB_MSI_BASE + 4 * 2);
	wr(EDMA_V0_WR_CH01_IMWR_DATA, 0);
	doorbell(WR, EDMA_V0_DOORBELL_STOP | 1);
	CHECK_EQ(ch_status(WR, 1), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_ABORT(1));
	CHECK_EQ(err_status(WR), 0);
	CHECK_EQ(F.nirq, 2);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_EDMA_WR), 1);
	CHECK_EQ(irq_count(LAB_SIDE_HOST, 2), 1);

	/* Also with the engine off; masked abort: only the IMWr */
	wr(EDMA_V0_RD_ENGINE_EN, 0);
	wr(EDMA_V0_RD_INT_MASK, EDMA_V0_INT_ABORT_MASK);
	wr64(EDMA_V0_RD_ABORT_IMWR_LO, PEDMA_LAB_MSI_BASE + 4 * 3);
	doorbell(RD, EDMA_V0_DOORBELL_STOP | 0);
	CHECK_EQ(ch_status(RD, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(RD), EDMA_V0_INT_ABORT(0));
	CHECK_EQ(err_status(RD), 0);
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_HI), 0);
	CHECK_EQ(F.nirq, 3);
	CHECK_EQ(irq_count(LAB_SIDE_HOST, 3), 1);
	check_mem();
	teardown();
}

/* One abort, checked completely: status, error words, interrupt, memory */
static void check_abort_at(int line, enum edma_dir dir, unsigned int ch,
			   uint32_t err_lo, uint32_t err_hi)
{
	int before = failures;

	check_mem_at(line);
	CHECK_EQ(ch_status(dir, ch), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(dir), EDMA_V0_INT_ABORT(ch));
	CHECK_EQ(int_status(!dir), 0);
	CHECK_EQ(err_status(dir), err_lo);
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_HI), err_hi);
	CHECK_EQ(F.nirq, 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, dir_vec(dir)), 1);
	if (failures != before)
		fprintf(stderr, "  (abort checked at line %d)\n", line);
	/* Clean up for the next case */
	wr(DIR_REG(dir, INT_CLEAR), 0xffffffff);
	kick();
	CHECK_EQ(int_status(dir), 0);
	CHECK_EQ(err_status(dir), 0);
	CHECK_EQ(img(EDMA_V0_RD_ERR_STATUS_HI), 0);
	F.nirq = 0;
}

#define check_abort(dir, ch, lo, hi)	check_abort_at(__LINE__, dir, ch, lo, hi)

static void test_abort_addresses(void)
{
	const uint64_t unbacked = 0x40000000ULL;

	setup("aborts on bad addresses");
	engines_on();
	put_payload(F.ep, F.ep_exp, 0, EP_RAM_SIZE, 40);
	put_payload(F.host, F.host_exp, 0, HOST_RAM_SIZE, 41);

	/* Write channel: bad source, bad destination (both "application") */
	start_single(WR, 0, EDMA_V0_LIE, unbacked, 0x100, 16);
	check_abort(WR, 0, EDMA_V0_ERR_APP(0), 0);
	start_single(WR, 1, EDMA_V0_LIE, 0x100, unbacked, 16);
	check_abort(WR, 1, EDMA_V0_ERR_APP(1), 0);
	/* Read channel: unbacked PCIe source is an unsupported request */
	start_single(RD, 2, EDMA_V0_LIE, unbacked, 0x100, 16);
	check_abort(RD, 2, 0, EDMA_V0_RD_ERR_HI_UR(2));
	start_single(RD, 3, EDMA_V0_LIE, 0x100, unbacked, 16);
	check_abort(RD, 3, EDMA_V0_ERR_APP(3), 0);

	/* Ranges crossing the end of RAM, by one byte */
	start_single(WR, 0, 0, 0x100, HOST_RAM_SIZE - 8, 9);
	check_abort(WR, 0, EDMA_V0_ERR_APP(0), 0);
	start_single(WR, 0, 0, EP_RAM_SIZE - 1, 0x100, 2);
	check_abort(WR, 0, EDMA_V0_ERR_APP(0), 0);
	start_single(RD, 0, 0, HOST_RAM_SIZE - 1, 0x100, 2);
	check_abort(RD, 0, 0, EDMA_V0_RD_ERR_HI_UR(0));
	start_single(RD, 0, 0, 0x100, EP_RAM_SIZE - 4, 5);
	check_abort(RD, 0, EDMA_V0_ERR_APP(0), 0);
	/* Crossing out of the window */
	start_single(WR, 0, 0, WND(WND_SIZE - 4), 0x100, 8);
	check_abort(WR, 0, EDMA_V0_ERR_APP(0), 0);
	/* The lab area before the window is not addressable */
	start_single(RD, 0, 0, 0x100, EP_BAR2 + PEDMA_LAB_REGS_OFF, 4);
	check_abort(RD, 0, EDMA_V0_ERR_APP(0), 0);

	/* addr + len overflowing 64 bits */
	start_single(WR, 2, 0, 0xfffffffffffffff0ULL, 0x100, 0x20);
	check_abort(WR, 2, EDMA_V0_ERR_APP(2), 0);
	start_single(WR, 2, 0, 0x100, UINT64_MAX, 2);
	check_abort(WR, 2, EDMA_V0_ERR_APP(2), 0);
	start_single(RD, 1, 0, 0xffffffffffffff00ULL, 0x100, 0x100);
	check_abort(RD, 1, 0, EDMA_V0_RD_ERR_HI_UR(1));
	start_single(RD, 1, 0, 0x100, UINT64_MAX - 7, 0x10);
	check_abort(RD, 1, EDMA_V0_ERR_APP(1), 0);

	/* The channel registers still hold what was programmed */
	CHECK_EQ(ch_img(RD, 1, EDMA_V0_CH_XFER_SIZE), 0x10);
	teardown();
}

static void test_abort_ll(void)
{
	uint64_t r = ring(WR, 0);

	setup("aborts on bad LL elements");
	engines_on();
	put_payload(F.ep, F.ep_exp, 0, EP_RAM_SIZE, 42);

	/* LLP nowhere */
	start_ll(WR, 0, 0x7000000000ULL, true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	start_ll(RD, 1, 0x7000000000ULL, true);
	check_abort(RD, 1, EDMA_V0_ERR_LL_FETCH(1), 0);
	/* An element crossing the end of the window, one just past it */
	start_ll(WR, 0, WND(WND_SIZE - 12), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	start_ll(WR, 0, WND(WND_SIZE), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	/* In the lab area of BAR2: not the window */
	start_ll(WR, 0, EP_BAR2 + PEDMA_LAB_MBOX_EP_OFF, true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	/* A link to an overflowing address */
	ll_link(r, EDMA_V0_CB, UINT64_MAX - 8);
	start_ll(WR, 0, WND(r), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);

	/* A link element pointing at itself, and a two-link cycle */
	ll_link(r, EDMA_V0_CB, WND(r));
	start_ll(WR, 0, WND(r), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	ll_link(r, EDMA_V0_CB | EDMA_V0_TCB, WND(r + ELEM));
	ll_link(r + ELEM, 0 | EDMA_V0_TCB, WND(r));
	/* r: CB=1 TCB -> r+E with CCS 0: CB=0 TCB -> r with CCS 1: ... */
	start_ll(WR, 0, WND(r), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);

	/* 64 links in a row are fine, the 65th aborts */
	{
		unsigned int n, links;

		for (links = 64; links <= 65; links++) {
			for (n = 0; n < links; n++)
				ll_link(r + n * ELEM, EDMA_V0_CB,
					WND(r + (n + 1) * ELEM));
			ll_data(r + links * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 0,
				0, 0);
			ll_end(r + (links + 1) * ELEM, true);
			start_ll(WR, 0, WND(r), true);
			if (links == 64) {
				CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
				CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_LLP_LO),
					 WND(r + (links + 1) * ELEM));
				wr(EDMA_V0_WR_INT_CLEAR, 0xffffffff);
				kick();
				F.nirq = 0;
			} else {
				check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
			}
		}
	}

	/* The count is of links in a row: a data element restarts it */
	{
		unsigned int n;

		for (n = 0; n < 40; n++)
			ll_link(r + n * ELEM, EDMA_V0_CB, WND(r + (n + 1) * ELEM));
		ll_data(r + 40 * ELEM, EDMA_V0_CB, 0, 0, 0);
		for (n = 41; n < 81; n++)
			ll_link(r + n * ELEM, EDMA_V0_CB, WND(r + (n + 1) * ELEM));
		ll_data(r + 81 * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 0, 0, 0);
		ll_end(r + 82 * ELEM, true);
		start_ll(WR, 0, WND(r), true);
		CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
		CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_LLP_LO), WND(r + 82 * ELEM));
		wr(EDMA_V0_WR_INT_CLEAR, 0xffffffff);
		kick();
		F.nirq = 0;
	}

	/* A data loop without TCB hits the element bound */
	ll_data(r, EDMA_V0_CB, 0, 0, 0);
	ll_link(r + ELEM, EDMA_V0_CB, WND(r));
	start_ll(WR, 0, WND(r), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);

	/* LL in the window before the endpoint driver set ep_bar2_base */
	ll_data(r, EDMA_V0_CB | EDMA_V0_LIE, 16, 0x100, 0x100);
	ll_end(r + ELEM, true);
	hdr()->ep_bar2_base = 0;
	start_ll(WR, 0, WND(r), true);
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	/* and low endpoint addresses are endpoint RAM, never the window */
	memcpy(F.host_exp + 0x100, F.ep + PEDMA_LAB_WND_OFF + 0x100, 64);
	start_single(WR, 0, 0, PEDMA_LAB_WND_OFF + 0x100, 0x100, 64);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	wr(EDMA_V0_WR_INT_CLEAR, 0xffffffff);
	hdr()->ep_bar2_base = htole64(EP_BAR2);

	/* A bad element mid-chain: what came before is done, nothing after */
	ll_data(r, EDMA_V0_CB, 32, 0x100, 0x1000);
	ll_data(r + ELEM, EDMA_V0_CB | EDMA_V0_LIE, 32, 0x200, HOST_RAM_SIZE);
	ll_data(r + 2 * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 32, 0x300, 0x3000);
	ll_end(r + 3 * ELEM, true);
	memcpy(F.host_exp + 0x1000, F.ep + 0x100, 32);
	start_ll(WR, 0, WND(r), true);
	check_abort(WR, 0, EDMA_V0_ERR_APP(0), 0);
	CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_LLP_LO), WND(r + ELEM));

	/* Read channel data element with an unbacked source */
	ll_data(ring(RD, 0), EDMA_V0_CB, 8, HOST_RAM_SIZE + 8, 0x100);
	ll_end(ring(RD, 0) + ELEM, true);
	start_ll(RD, 0, WND(ring(RD, 0)), true);
	check_abort(RD, 0, 0, EDMA_V0_RD_ERR_HI_UR(0));

	/* Abort with abort_imwr into host RAM: the IMWr is written */
	{
		uint32_t data = htole32(0x77);

		wr64(EDMA_V0_WR_ABORT_IMWR_LO, 0x9000);
		wr(EDMA_V0_WR_CH01_IMWR_DATA, 0x00770000);
		memcpy(F.host_exp + 0x9000, &data, 4);
		start_ll(WR, 1, 0x7000000000ULL, true);
		check_abort(WR, 1, EDMA_V0_ERR_LL_FETCH(1), 0);
	}
	teardown();
}

static void test_mailbox(void)
{
	uint32_t i, prod, before[EDMA_V0_REGS_SIZE / 4];
	struct pedma_lab_mbox *mb;

	setup("mailbox ordering, bad offsets, bogus prod");
	mb = mbox(LAB_SIDE_EP);
	engines_on();

	/* In order: the last SAR before the doorbell is the one used */
	put_payload(F.ep, F.ep_exp, 0x100, 64, 50);
	put_payload(F.ep, F.ep_exp, 0x200, 64, 51);
	ch_wr(WR, 0, EDMA_V0_CH_CTRL1, 0);
	ch_wr(WR, 0, EDMA_V0_CH_XFER_SIZE, 64);
	ch_wr64(WR, 0, EDMA_V0_CH_SAR_LO, 0x100);
	ch_wr64(WR, 0, EDMA_V0_CH_SAR_LO, 0x200);
	ch_wr64(WR, 0, EDMA_V0_CH_DAR_LO, 0x400);
	wr(EDMA_V0_WR_DOORBELL, 0);
	ch_wr64(WR, 0, EDMA_V0_CH_SAR_LO, 0x300);	/* after: not used */
	memcpy(F.host_exp + 0x400, F.ep + 0x200, 64);
	kick();
	check_mem();
	CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_SAR_LO), 0x300);
	CHECK_EQ(ch_img64(WR, 0, EDMA_V0_CH_DAR_LO), 0x440);

	/* The host's mailbox is applied too (host-driven channels) */
	post(LAB_SIDE_HOST, EDMA_V0_RD_CH01_IMWR_DATA, 0x5a5a);
	kick();
	CHECK_EQ(img(EDMA_V0_RD_CH01_IMWR_DATA), 0x5a5a);

	/* Bad offsets are skipped, their neighbours applied */
	memcpy(before, F.shm + PEDMA_LAB_REGS_OFF, sizeof(before));
	wr(EDMA_V0_REGS_SIZE, 1);
	wr(EDMA_V0_WR_INT_MASK + 1, 0x12345678);
	wr(EDMA_V0_WR_CH23_IMWR_DATA, 0x1111);
	wr(UINT32_MAX, 0xffffffff);
	wr(0xfffffffc, 0xffffffff);
	wr(EDMA_V0_WR_CH45_IMWR_DATA, 0x2222);
	kick();
	before[EDMA_V0_WR_CH23_IMWR_DATA / 4] = htole32(0x1111);
	before[EDMA_V0_WR_CH45_IMWR_DATA / 4] = htole32(0x2222);
	CHECK(!memcmp(before, F.shm + PEDMA_LAB_REGS_OFF, sizeof(before)));

	/* Unknown offsets inside the block hold nothing */
	wr(0x004, 0xffffffff);
	wr(0x100, 0xffffffff);
	wr(EDMA_V0_REGS_SIZE - 4, 0xffffffff);
	wr(EDMA_V0_WR_CH(0) + 0x24, 0xffffffff);
	kick();
	CHECK(!memcmp(before, F.shm + PEDMA_LAB_REGS_OFF, sizeof(before)));

	/*
	 * A prod more than ENTRIES ahead: at most ENTRIES entries are
	 * applied, in ring order from cons, and cons resynchronises to prod.
	 */
	for (i = 0; i < PEDMA_LAB_MBOX_ENTRIES; i++) {
		mb->ent[i].off = htole32(EDMA_V0_WR_CH67_IMWR_DATA);
		mb->ent[i].val = htole32(1000 + i);
	}
	prod = F.prod[LAB_SIDE_EP] + 1000;
	mb->prod = htole32(prod);
	CHECK_EQ(edma_process_mailboxes(&F.e), PEDMA_LAB_MBOX_ENTRIES);
	CHECK_EQ(le32toh(mb->cons), prod);
	/* The last entry applied is the one just before cons's slot */
	CHECK_EQ(img(EDMA_V0_WR_CH67_IMWR_DATA),
		 1000 + (F.prod[LAB_SIDE_EP] + PEDMA_LAB_MBOX_ENTRIES - 1) %
			PEDMA_LAB_MBOX_ENTRIES);
	F.prod[LAB_SIDE_EP] = prod;
	/* Nothing more on the next kick; normal posting continues */
	CHECK_EQ(edma_process_mailboxes(&F.e), 0);
	wr(EDMA_V0_WR_CH67_IMWR_DATA, 7);
	kick();
	CHECK_EQ(img(EDMA_V0_WR_CH67_IMWR_DATA), 7);

	/* prod behind cons (a guest that reset its counter) is bogus too */
	mb->prod = htole32(prod - 1);
	CHECK_EQ(edma_process_mailboxes(&F.e), PEDMA_LAB_MBOX_ENTRIES);
	CHECK_EQ(le32toh(mb->cons), prod - 1);

	/* Counters wrap at 2^32 */
	teardown();
	setup("mailbox counter wrap");
	mb = mbox(LAB_SIDE_EP);
	F.e.mbox_cons[LAB_SIDE_EP] = UINT32_MAX - 1;
	F.prod[LAB_SIDE_EP] = UINT32_MAX - 1;
	mb->cons = htole32(UINT32_MAX - 1);
	for (i = 0; i < 4; i++)
		wr(EDMA_V0_WR_CH01_IMWR_DATA, i + 1);
	kick();
	CHECK_EQ(F.prod[LAB_SIDE_EP], 2);
	CHECK_EQ(img(EDMA_V0_WR_CH01_IMWR_DATA), 4);
	check_mem();
	teardown();
}

/*
 * A guest that went away (its QEMU killed) left entries the model has not
 * applied: edma_mbox_drop discards them for good, publishes cons = prod,
 * and leaves the other side's mailbox alone.
 */
static void test_mailbox_drop(void)
{
	uint32_t prod;

	setup("mailbox of a gone guest dropped");
	engines_on();
	F.nirq = 0;

	/* The endpoint posted a whole transfer it never saw applied */
	put_payload(F.ep, F.ep_exp, 0x100, 64, 60);
	ch_wr(WR, 0, EDMA_V0_CH_CTRL1, EDMA_V0_LIE);
	ch_wr(WR, 0, EDMA_V0_CH_XFER_SIZE, 64);
	ch_wr64(WR, 0, EDMA_V0_CH_SAR_LO, 0x100);
	ch_wr64(WR, 0, EDMA_V0_CH_DAR_LO, 0x400);
	wr(EDMA_V0_WR_DOORBELL, 0);
	wr(EDMA_V0_WR_CH01_IMWR_DATA, 0x6666);
	/* ... and the host something of its own */
	post(LAB_SIDE_HOST, EDMA_V0_RD_CH01_IMWR_DATA, 0x5a5a);

	edma_mbox_drop(&F.e, LAB_SIDE_EP);
	CHECK_EQ(le32toh(mbox(LAB_SIDE_EP)->cons), F.prod[LAB_SIDE_EP]);
	/* The host hears of it at once, as of a link reset */
	CHECK_EQ(le32toh(hdr()->gone[LAB_SIDE_EP]), 1);
	CHECK_EQ(le32toh(hdr()->gone[LAB_SIDE_HOST]), 0);
	CHECK_EQ(irq_count(LAB_SIDE_HOST, PEDMA_LAB_VEC_PEER), 1);
	CHECK_EQ(irq_count(LAB_SIDE_EP, PEDMA_LAB_VEC_PEER), 0);
	F.nirq = 0;
	/* The host's kick applies the host's entry only */
	CHECK_EQ(edma_process_mailboxes(&F.e), 1);
	kick();
	CHECK_EQ(img(EDMA_V0_RD_CH01_IMWR_DATA), 0x5a5a);
	CHECK_EQ(img(EDMA_V0_WR_CH01_IMWR_DATA), 0);
	CHECK_EQ(ch_img(WR, 0, EDMA_V0_CH_XFER_SIZE), 0);
	CHECK_EQ(ch_status(WR, 0), EDMA_V0_CH_STATUS_IDLE);
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(F.nirq, 0);
	check_mem();	/* host RAM untouched: the transfer never ran */

	/* Nothing to drop: a no-op; a new guest posts from cons on */
	prod = F.prod[LAB_SIDE_EP];
	edma_mbox_drop(&F.e, LAB_SIDE_EP);
	CHECK_EQ(le32toh(mbox(LAB_SIDE_EP)->cons), prod);
	CHECK_EQ(le32toh(hdr()->gone[LAB_SIDE_EP]), 2);
	F.nirq = 0;
	wr(EDMA_V0_WR_CH01_IMWR_DATA, 0x7777);
	kick();
	CHECK_EQ(img(EDMA_V0_WR_CH01_IMWR_DATA), 0x7777);
	teardown();
}

static void test_q35_layout(void)
{
	struct guest_ram r;
	uint8_t *buf;

	setup("q35 RAM layout and high RAM");
	guest_ram_layout_q35(&r, NULL, 3ULL << 30);
	CHECK_EQ(r.low_size, 2ULL << 30);
	CHECK_EQ(r.high_base, 4ULL << 30);
	guest_ram_layout_q35(&r, NULL, 0xb0000000ULL);
	CHECK_EQ(r.low_size, 2ULL << 30);
	guest_ram_layout_q35(&r, NULL, 0xb0000000ULL - 4096);
	CHECK_EQ(r.low_size, 0xb0000000ULL - 4096);
	guest_ram_layout_q35(&r, NULL, 1ULL << 30);
	CHECK_EQ(r.low_size, 1ULL << 30);

	/* A small split: 512 KiB low, the rest at 4 GiB */
	buf = F.host;
	guest_ram_layout_split(&r, buf, HOST_RAM_SIZE, HOST_RAM_SIZE / 2,
			       4ULL << 30);
	CHECK(guest_ram_xlate(&r, 0, 1) == buf);
	CHECK(guest_ram_xlate(&r, HOST_RAM_SIZE / 2 - 4, 4) ==
	      buf + HOST_RAM_SIZE / 2 - 4);
	CHECK(!guest_ram_xlate(&r, HOST_RAM_SIZE / 2 - 4, 8));
	CHECK(!guest_ram_xlate(&r, HOST_RAM_SIZE / 2, 1));
	CHECK(guest_ram_xlate(&r, (4ULL << 30) + 0x10, 4) ==
	      buf + HOST_RAM_SIZE / 2 + 0x10);
	CHECK(guest_ram_xlate(&r, (4ULL << 30) + HOST_RAM_SIZE / 2 - 4, 4) ==
	      buf + HOST_RAM_SIZE - 4);
	CHECK(!guest_ram_xlate(&r, (4ULL << 30) + HOST_RAM_SIZE / 2 - 4, 5));
	CHECK(!guest_ram_xlate(&r, (4ULL << 30) - 1, 2));
	CHECK(!guest_ram_xlate(&r, UINT64_MAX, 1));
	CHECK(!guest_ram_xlate(&r, 0x10, 0));
	CHECK(!guest_ram_xlate(&r, 0x10, UINT64_MAX));

	/* A DMA into high host RAM goes to file offset addr - high + low */
	F.e.cfg.host_ram = r;
	engines_on();
	put_payload(F.ep, F.ep_exp, 0x100, 256, 60);
	memcpy(F.host_exp + HOST_RAM_SIZE / 2 + 0x1000, F.ep + 0x100, 256);
	start_single(WR, 0, EDMA_V0_LIE, 0x100, (4ULL << 30) + 0x1000, 256);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	/* And the hole between the regions aborts */
	start_single(WR, 0, EDMA_V0_LIE, 0x100, 3ULL << 30, 16);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0) | EDMA_V0_INT_ABORT(0));
	check_mem();
	teardown();
}

static void test_zero_length(void)
{
	setup("zero-length transfers");
	engines_on();
	/* Nothing moves, so no address is checked */
	start_single(WR, 0, EDMA_V0_LIE, UINT64_MAX, UINT64_MAX, 0);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(ch_status(WR, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(F.nirq, 1);
	run_one_ll(RD, 1, EDMA_V0_LIE, 0x7000000000ULL, 0x7000000000ULL, 0);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(1));
	CHECK_EQ(F.nirq, 2);
	teardown();
}

static void test_big_transfer(void)
{
	uint32_t beat;

	setup("transfer of all host RAM, crossing copy slices");
	engines_on();
	put_payload(F.host, F.host_exp, 0, HOST_RAM_SIZE, 70);
	memcpy(F.ep_exp, F.host, EP_RAM_SIZE);
	beat = le32toh(hdr()->beat);
	start_single(RD, 0, EDMA_V0_LIE, 0, 0, HOST_RAM_SIZE);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));
	/* The heartbeat: one per drain, one per 1 MiB slice copied */
	CHECK(le32toh(hdr()->beat) - beat >= 1 + HOST_RAM_SIZE / (1u << 20));
	teardown();
}

/* ------------------------------------------------------------------------ */
/* DMA guard                                                                */
/* ------------------------------------------------------------------------ */

/* Each side's guard descriptor and its one table page, near the RAM end */
#define GUARD_DESC	0x2f0000ULL
#define GUARD_TABLE	0x2f1000ULL
/* The tests' IOVAs: IOVA(x) translates to guest-physical x once mapped */
#define IOVA(x)		(PEDMA_LAB_GUARD_IOVA_BASE + (uint64_t)(x))
#define GUARD_PAGES	(HOST_RAM_SIZE / PEDMA_LAB_GUARD_PAGE)

/* Mappings covering each IOVA page of each side (identity-offset tests) */
static unsigned int guard_maps[LAB_SIDES][GUARD_PAGES];

static uint8_t *side_mem(enum lab_side side, bool exp)
{
	if (side == LAB_SIDE_HOST)
		return exp ? F.host_exp : F.host;
	return exp ? F.ep_exp : F.ep;
}

static struct pedma_lab_guard *guard_desc(enum lab_side side)
{
	return (struct pedma_lab_guard *)(side_mem(side, false) + GUARD_DESC);
}

static uint32_t *guard_table(enum lab_side side)
{
	return (uint32_t *)(side_mem(side, false) + GUARD_TABLE);
}

/* Copy the guard pages into the expected image: the model writes .viol */
static void guard_sync_exp(enum lab_side side)
{
	memcpy(side_mem(side, true) + GUARD_DESC, side_mem(side, false) + GUARD_DESC,
	       2 * PEDMA_LAB_GUARD_PAGE);
}

/* What the driver does: an empty table, a descriptor, then guard_gpa */
static void guard_on(enum lab_side side)
{
	struct pedma_lab_guard *g = guard_desc(side);

	memset(g, 0, 2 * PEDMA_LAB_GUARD_PAGE);
	memset(guard_maps[side], 0, sizeof(guard_maps[side]));
	g->magic = htole64(PEDMA_LAB_GUARD_MAGIC);
	g->version = htole32(PEDMA_LAB_GUARD_VERSION);
	g->pages = htole32(GUARD_PAGES);
	g->table_pages = htole32(1);
	g->iova_base = htole64(PEDMA_LAB_GUARD_IOVA_BASE);
	g->table_gpa[0] = htole64(GUARD_TABLE);
	guard_sync_exp(side);
	hdr()->guard_gpa[side] = htole64(GUARD_DESC);
}

/* IOVA page i of side translates to frame pfn (UINT32_MAX: none) */
static void guard_set(enum lab_side side, uint64_t i, uint32_t pfn)
{
	guard_table(side)[i] = htole32(pfn == UINT32_MAX ? 0 : pfn + 1);
	guard_sync_exp(side);
}

/*
 * Map (+1) or unmap (-1) IOVA(addr).. IOVA(addr + len - 1) onto
 * guest-physical addr..; a page stays translated while a mapping covers it.
 */
static void guard_map(enum lab_side side, uint64_t addr, uint64_t len, int d)
{
	uint64_t pfn;

	for (pfn = addr / 4096; pfn <= (addr + len - 1) / 4096; pfn++) {
		guard_maps[side][pfn] += d;
		guard_set(side, pfn, guard_maps[side][pfn] ? (uint32_t)pfn
							   : UINT32_MAX);
	}
}

/* Take the spare-vector interrupts of side out of the record; how many */
static unsigned int take_spare(enum lab_side side)
{
	unsigned int i, j, n = 0;

	for (i = j = 0; i < F.nirq && i < ARRAY_SIZE(F.irq); i++) {
		if (F.irq[i].side == side &&
		    F.irq[i].vector == PEDMA_LAB_VEC_SPARE)
			n++;
		else
			F.irq[j++] = F.irq[i];
	}
	F.nirq = j;
	return n;
}

/* The violation record of side says this, and the spare vector rang once */
static void check_viol_at(int line, enum lab_side side, uint32_t count,
			  uint32_t what, enum edma_dir dir, unsigned int ch,
			  uint64_t llp, uint64_t sar, uint64_t dar,
			  uint32_t size, uint64_t page)
{
	const struct pedma_lab_guard_viol *v = &guard_desc(side)->viol;
	int before = failures;

	CHECK_EQ(le32toh(v->count), count);
	CHECK_EQ(le32toh(v->what), what);
	CHECK_EQ(le32toh(v->dir), (uint32_t)dir);
	CHECK_EQ(le32toh(v->chan), ch);
	CHECK_EQ(le64toh(v->llp), llp);
	CHECK_EQ(le64toh(v->sar), sar);
	CHECK_EQ(le64toh(v->dar), dar);
	CHECK_EQ(le32toh(v->size), size);
	CHECK_EQ(le64toh(v->addr), page);
	CHECK_EQ(take_spare(side), 1);
	CHECK_EQ(take_spare(!side), 0);
	if (failures != before)
		fprintf(stderr, "  (violation checked at line %d)\n", line);
	guard_sync_exp(side);
}

#define check_viol(...)	check_viol_at(__LINE__, __VA_ARGS__)

static void clear_ints(void)
{
	wr(EDMA_V0_RD_INT_CLEAR, 0xffffffff);
	wr(EDMA_V0_WR_INT_CLEAR, 0xffffffff);
	kick();
	F.nirq = 0;
}

static void test_guard_mapped(void)
{
	setup("DMA guard: transfers through mapped IOVAs");
	engines_on();
	guard_on(LAB_SIDE_HOST);
	guard_on(LAB_SIDE_EP);
	put_payload(F.host, F.host_exp, 0x10000, 0x3000, 90);
	put_payload(F.ep, F.ep_exp, 0x20000, 0x3000, 91);
	/* Two overlapping mappings on the host, two on the endpoint */
	guard_map(LAB_SIDE_HOST, 0x10800, 0x1000, 1);
	guard_map(LAB_SIDE_HOST, 0x11000, 0x2000, 1);
	guard_map(LAB_SIDE_EP, 0x40000, 0x4000, 1);
	guard_map(LAB_SIDE_EP, 0x20000, 0x3000, 1);

	/* Read channel, non-LL: host 0x10800.. -> ep 0x40010.. */
	memcpy(F.ep_exp + 0x40010, F.host + 0x10800, 0x2400);
	start_single(RD, 0, EDMA_V0_LIE, IOVA(0x10800), IOVA(0x40010), 0x2400);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));
	/* Write channel, LL: ep 0x20000.. -> host 0x11000.. */
	memcpy(F.host_exp + 0x11000, F.ep + 0x20000, 0x2000);
	run_one_ll(WR, 1, EDMA_V0_LIE, IOVA(0x20000), IOVA(0x11000), 0x2000);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));
	/* The window is not RAM: never translated */
	memcpy(F.wnd_exp + 0x100, F.host + 0x12000, 0x40);
	start_single(RD, 2, EDMA_V0_LIE, IOVA(0x12000), WND(0x100), 0x40);
	check_mem();
	CHECK_EQ(take_spare(LAB_SIDE_HOST) + take_spare(LAB_SIDE_EP), 0);
	CHECK_EQ(F.e.guard_violations, 0);
	/* A guest-physical address is not an IOVA */
	clear_ints();
	start_single(RD, 1, EDMA_V0_LIE, 0x11000, IOVA(0x40000), 0x10);
	check_viol(LAB_SIDE_HOST, 1, PEDMA_LAB_GUARD_SRC, RD, 1, UINT64_MAX,
		   0x11000, IOVA(0x40000), 0x10, 0x11000);
	check_abort(RD, 1, 0, EDMA_V0_RD_ERR_HI_UR(1));
	check_mem();

	/* Unmapped again: the same transfer now aborts */
	guard_map(LAB_SIDE_HOST, 0x11000, 0x2000, -1);
	clear_ints();
	start_single(RD, 0, EDMA_V0_LIE, IOVA(0x10800), IOVA(0x40010), 0x2400);
	check_viol(LAB_SIDE_HOST, 2, PEDMA_LAB_GUARD_SRC, RD, 0, UINT64_MAX,
		   IOVA(0x10800), IOVA(0x40010), 0x2400, IOVA(0x12000));
	check_abort(RD, 0, 0, EDMA_V0_RD_ERR_HI_UR(0));
	check_mem();
	teardown();
}

/*
 * What an IOMMU is for: IOVA pages land on scattered frames, and an IOVA
 * of a buffer that went back faults even once its memory is mapped again
 * under another IOVA.
 */
static void test_guard_translate(void)
{
	setup("DMA guard: IOVAs translate page by page; a stale IOVA faults");
	engines_on();
	guard_on(LAB_SIDE_HOST);
	guard_on(LAB_SIDE_EP);
	put_payload(F.host, F.host_exp, 0x50000, 0x10000, 97);
	/* Host IOVA pages 0x100..0x102 -> frames 0x57, 0x52, 0x5a */
	guard_set(LAB_SIDE_HOST, 0x100, 0x57);
	guard_set(LAB_SIDE_HOST, 0x101, 0x52);
	guard_set(LAB_SIDE_HOST, 0x102, 0x5a);
	/* Endpoint IOVA pages 0x200..0x203 -> frames 0x80..0x83, in order */
	guard_set(LAB_SIDE_EP, 0x200, 0x80);
	guard_set(LAB_SIDE_EP, 0x201, 0x81);
	guard_set(LAB_SIDE_EP, 0x202, 0x82);
	guard_set(LAB_SIDE_EP, 0x203, 0x83);

	/* 0x2800 bytes from host IOVA page 0x100 + 0x400 */
	memcpy(F.ep_exp + 0x80100, F.host + 0x57400, 0xc00);
	memcpy(F.ep_exp + 0x80d00, F.host + 0x52000, 0x1000);
	memcpy(F.ep_exp + 0x81d00, F.host + 0x5a000, 0xc00);
	run_one_ll(RD, 0, EDMA_V0_LIE, IOVA(0x100400), IOVA(0x200100), 0x2800);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));

	/* And back, an LL element fetched across two IOVA pages of the ep */
	guard_set(LAB_SIDE_EP, 0x210, 0x90);
	guard_set(LAB_SIDE_EP, 0x211, 0x95);
	{
		struct edma_v0_lli el = {
			.control = htole32(EDMA_V0_CB | EDMA_V0_LIE),
			.transfer_size = htole32(0x20),
			.sar = htole64(IOVA(0x201000)),
			.dar = htole64(IOVA(0x101010)),
		};
		const uint64_t at = 0x1000 - 8;	/* 8 bytes on 0x90, rest on 0x95 */
		uint8_t *b = (uint8_t *)&el;

		put(F.ep, F.ep_exp, 0x90000 + at, b, 8);
		put(F.ep, F.ep_exp, 0x95000, b + 8, sizeof(el) - 8);
		put(F.ep, F.ep_exp, 0x95000 + sizeof(el) - 8,
		    &(struct edma_v0_lli){ 0 }, sizeof(struct edma_v0_lli));
		memcpy(F.host_exp + 0x52010, F.ep + 0x81000, 0x20);
		start_ll(WR, 0, IOVA(0x210000 + at), true);
	}
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(F.e.guard_violations, 0);
	clear_ints();

	/* The buffer at host IOVA page 0x101 goes back; frame 0x52 is mapped again at page 0x180 */
	guard_set(LAB_SIDE_HOST, 0x101, UINT32_MAX);
	guard_set(LAB_SIDE_HOST, 0x180, 0x52);
	run_one_ll(WR, 1, EDMA_V0_LIE, IOVA(0x202000), IOVA(0x101000), 0x100);
	check_viol(LAB_SIDE_HOST, 1, PEDMA_LAB_GUARD_DST, WR, 1,
		   WND(ring(WR, 1)), IOVA(0x202000), IOVA(0x101000), 0x100,
		   IOVA(0x101000));
	check_abort(WR, 1, EDMA_V0_ERR_APP(1), 0);
	check_mem();	/* not a byte of frame 0x52 changed */
	clear_ints();
	memcpy(F.host_exp + 0x52000, F.ep + 0x82000, 0x100);
	run_one_ll(WR, 1, EDMA_V0_LIE, IOVA(0x202000), IOVA(0x180000), 0x100);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));

	/* A translation to a frame outside RAM is a bad address, no violation */
	clear_ints();
	guard_set(LAB_SIDE_HOST, 0x190, 0x7fffff);
	run_one_ll(WR, 2, EDMA_V0_LIE, IOVA(0x202000), IOVA(0x190000), 0x100);
	check_abort(WR, 2, EDMA_V0_ERR_APP(2), 0);
	CHECK_EQ(take_spare(LAB_SIDE_HOST), 0);
	/* ... as is an IOVA past the end of the space, which is a violation */
	clear_ints();
	run_one_ll(WR, 2, EDMA_V0_LIE, IOVA(0x202000),
		   IOVA((uint64_t)GUARD_PAGES * 4096), 0x10);
	check_viol(LAB_SIDE_HOST, 2, PEDMA_LAB_GUARD_DST, WR, 2,
		   WND(ring(WR, 2)), IOVA(0x202000),
		   IOVA((uint64_t)GUARD_PAGES * 4096), 0x10,
		   IOVA((uint64_t)GUARD_PAGES * 4096));
	check_abort(WR, 2, EDMA_V0_ERR_APP(2), 0);
	check_mem();
	CHECK_EQ(F.e.guard_violations, 2);
	teardown();
}

static void test_guard_unmapped(void)
{
	const uint64_t ep_ll = 0x30000;	/* LL elements in endpoint RAM */
	uint64_t llp;

	setup("DMA guard: an access to an unmapped page aborts");
	engines_on();
	guard_on(LAB_SIDE_HOST);
	guard_on(LAB_SIDE_EP);
	put_payload(F.host, F.host_exp, 0, 0x100000, 92);
	put_payload(F.ep, F.ep_exp, 0, 0x100000, 93);
	guard_map(LAB_SIDE_HOST, 0x1000, 0x1000, 1);	/* 0x2000 is not */
	guard_map(LAB_SIDE_EP, 0x8000, 0x8000, 1);

	/* Destination on the host runs one byte into an unmapped page */
	start_single(WR, 2, EDMA_V0_LIE, IOVA(0x8000), IOVA(0x1800), 0x801);
	check_viol(LAB_SIDE_HOST, 1, PEDMA_LAB_GUARD_DST, WR, 2, UINT64_MAX,
		   IOVA(0x8000), IOVA(0x1800), 0x801, IOVA(0x2000));
	check_abort(WR, 2, EDMA_V0_ERR_APP(2), 0);

	/* Destination on the endpoint, in an LL element of the window */
	run_one_ll(RD, 3, EDMA_V0_LIE, IOVA(0x1000), IOVA(0x7f00), 0x200);
	check_viol(LAB_SIDE_EP, 1, PEDMA_LAB_GUARD_DST, RD, 3,
		   WND(ring(RD, 3)), IOVA(0x1000), IOVA(0x7f00), 0x200,
		   IOVA(0x7000));
	check_abort(RD, 3, EDMA_V0_ERR_APP(3), 0);

	/* An LL element fetched from endpoint RAM that is not mapped */
	put(F.ep, F.ep_exp, ep_ll, &(struct edma_v0_lli){
		.control = htole32(EDMA_V0_CB | EDMA_V0_LIE),
		.transfer_size = htole32(0x10),
		.sar = htole64(IOVA(0x8000)), .dar = htole64(IOVA(0x1000)) },
	    sizeof(struct edma_v0_lli));
	start_ll(WR, 0, IOVA(ep_ll), true);
	check_viol(LAB_SIDE_EP, 2, PEDMA_LAB_GUARD_LL, WR, 0, IOVA(ep_ll),
		   0, 0, ELEM, IOVA(ep_ll));
	check_abort(WR, 0, EDMA_V0_ERR_LL_FETCH(0), 0);
	/* ... and once mapped, it runs */
	guard_map(LAB_SIDE_EP, ep_ll, ELEM, 1);
	put(F.ep, F.ep_exp, ep_ll + ELEM, &(struct edma_v0_lli){ 0 },
	    sizeof(struct edma_v0_lli));
	memcpy(F.host_exp + 0x1000, F.ep + 0x8000, 0x10);
	start_ll(WR, 0, IOVA(ep_ll), true);
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(take_spare(LAB_SIDE_EP) + take_spare(LAB_SIDE_HOST), 0);
	clear_ints();

	/* A done IMWr into an unmapped host page is dropped */
	llp = WND(ring(WR, 1));
	wr64(EDMA_V0_WR_DONE_IMWR_LO, IOVA(0x3000));
	wr(EDMA_V0_WR_CH01_IMWR_DATA, 0xbeef0000);
	guard_map(LAB_SIDE_HOST, 0x1000, 0x10, 1);
	memcpy(F.host_exp + 0x1000, F.ep + 0x9000, 0x10);
	run_one_ll(WR, 1, EDMA_V0_LIE | EDMA_V0_RIE, IOVA(0x9000), IOVA(0x1000),
		   0x10);
	check_viol(LAB_SIDE_HOST, 2, PEDMA_LAB_GUARD_IMWR, WR, 1,
		   llp + ELEM, IOVA(0x9010), IOVA(0x3000), 4, IOVA(0x3000));
	check_mem();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));
	/* ... and stored once mapped */
	clear_ints();
	guard_map(LAB_SIDE_HOST, 0x3000, 4, 1);
	put(F.host_exp, F.host_exp, 0x3000, &(uint32_t){ htole32(0xbeef) }, 4);
	memcpy(F.host_exp + 0x1000, F.ep + 0x9000, 0x10);
	run_one_ll(WR, 1, EDMA_V0_LIE | EDMA_V0_RIE, IOVA(0x9000), IOVA(0x1000),
		   0x10);
	check_mem();
	CHECK_EQ(F.e.guard_violations, 4);
	teardown();
}

static void test_guard_gone(void)
{
	setup("DMA guard: a gone guest's RAM is off limits");
	engines_on();
	guard_on(LAB_SIDE_HOST);
	guard_on(LAB_SIDE_EP);
	put_payload(F.host, F.host_exp, 0x10000, 0x1000, 94);
	guard_map(LAB_SIDE_HOST, 0x10000, 0x1000, 1);
	guard_map(LAB_SIDE_EP, 0x7000, 0x2000, 1);

	/* Mapped by a driver that is there: it runs */
	memcpy(F.ep_exp + 0x7f00, F.host + 0x10000, 0x100);
	run_one_ll(RD, 3, EDMA_V0_LIE, IOVA(0x10000), IOVA(0x7f00), 0x100);
	check_mem();
	wr(EDMA_V0_RD_INT_CLEAR, 0xffffffff);
	kick();

	/* The endpoint's guest goes away: its RAM is out of reach */
	edma_mbox_drop(&F.e, LAB_SIDE_EP);
	CHECK_EQ(le64toh(hdr()->guard_gpa[LAB_SIDE_EP]), PEDMA_LAB_GUARD_GONE);
	CHECK_EQ(le64toh(hdr()->guard_gpa[LAB_SIDE_HOST]), GUARD_DESC);
	F.nirq = 0;
	run_one_ll(RD, 3, EDMA_V0_LIE, IOVA(0x10000), IOVA(0x7f00), 0x100);
	check_mem();	/* nothing copied */
	CHECK_EQ(F.e.guard_violations, 0);	/* a link down, not a violation */
	CHECK_EQ(take_spare(LAB_SIDE_EP), 0);
	check_abort(RD, 3, EDMA_V0_ERR_APP(3), 0);

	/* Its driver removed (nothing mapped): the same access is a violation */
	hdr()->guard_gpa[LAB_SIDE_EP] = htole64(PEDMA_LAB_GUARD_NOTHING);
	F.nirq = 0;
	run_one_ll(RD, 3, EDMA_V0_LIE, IOVA(0x10000), IOVA(0x7f00), 0x100);
	check_mem();
	CHECK_EQ(F.e.guard_violations, 1);
	CHECK_EQ(take_spare(LAB_SIDE_EP), 1);
	check_abort(RD, 3, EDMA_V0_ERR_APP(3), 0);

	/* A side that never armed its guard stays unchecked when it goes */
	hdr()->guard_gpa[LAB_SIDE_HOST] = 0;
	edma_mbox_drop(&F.e, LAB_SIDE_HOST);
	CHECK_EQ(le64toh(hdr()->guard_gpa[LAB_SIDE_HOST]), 0);
	teardown();
}

static void test_guard_off(void)
{
	struct edma_cfg cfg;

	setup("DMA guard: no descriptor: guest-physical addresses");
	engines_on();
	CHECK_EQ(le32toh(hdr()->model_flags), 0);
	put_payload(F.host, F.host_exp, 0, 0x10000, 94);
	/* No descriptor on either side */
	memcpy(F.ep_exp + 0x4000, F.host + 0x1000, 0x3000);
	start_single(RD, 0, EDMA_V0_LIE, 0x1000, 0x4000, 0x3000);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));
	teardown();

	setup("DMA guard: --no-guard");
	cfg = base_cfg(4, 4);
	cfg.no_guard = true;
	CHECK(edma_init(&F.e, &cfg) == 0);
	hdr()->ep_bar2_base = htole64(EP_BAR2);
	CHECK_EQ(le32toh(hdr()->model_flags), PEDMA_LAB_MF_NO_GUARD);
	engines_on();
	guard_on(LAB_SIDE_HOST);
	guard_on(LAB_SIDE_EP);
	put_payload(F.host, F.host_exp, 0, 0x10000, 95);
	memcpy(F.ep_exp + 0x4000, F.host + 0x1000, 0x3000);
	start_single(RD, 0, EDMA_V0_LIE, 0x1000, 0x4000, 0x3000);
	check_mem();
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));
	CHECK_EQ(take_spare(LAB_SIDE_HOST) + take_spare(LAB_SIDE_EP), 0);
	CHECK_EQ(F.e.guard_violations, 0);
	teardown();
}

static void test_guard_hostile(void)
{
	struct pedma_lab_guard *g;
	unsigned int i;
	const struct {
		const char *what;
		uint64_t gpa;
		uint32_t pages, table_pages;
		uint64_t iova_base, table_gpa;
		uint64_t magic;
		bool taken;	/* the descriptor is valid, the table is not */
	} cases[] = {
		{ "descriptor outside RAM", 0x7000000000ULL, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "descriptor across the RAM end", HOST_RAM_SIZE - 0x800, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "descriptor not aligned", GUARD_DESC + 8, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "address at the top", UINT64_MAX & ~4095ULL, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "bad magic", GUARD_DESC, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, 0x1234, false },
		{ "huge table page count", GUARD_DESC, 768, UINT32_MAX, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "pages beyond the table", GUARD_DESC, UINT32_MAX, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "IOVA base not aligned", GUARD_DESC, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE + 8, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "IOVA space wraps", GUARD_DESC, 768, 1, UINT64_MAX & ~4095ULL, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "IOVA space over the MSI aperture", GUARD_DESC, 768, 1, PEDMA_LAB_MSI_BASE - 0x1000, GUARD_TABLE, PEDMA_LAB_GUARD_MAGIC, false },
		{ "table outside RAM", GUARD_DESC, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, 0x7000000000ULL, PEDMA_LAB_GUARD_MAGIC, true },
		{ "table across the RAM end", GUARD_DESC, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, HOST_RAM_SIZE - 0x10, PEDMA_LAB_GUARD_MAGIC, true },
		{ "table not aligned", GUARD_DESC, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, GUARD_TABLE + 4, PEDMA_LAB_GUARD_MAGIC, true },
		{ "table at the top", GUARD_DESC, 768, 1, PEDMA_LAB_GUARD_IOVA_BASE, UINT64_MAX & ~4095ULL, PEDMA_LAB_GUARD_MAGIC, true },
	};

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		setup(cases[i].what);
		engines_on();
		guard_on(LAB_SIDE_HOST);
		g = guard_desc(LAB_SIDE_HOST);
		g->magic = htole64(cases[i].magic);
		g->pages = htole32(cases[i].pages);
		g->table_pages = htole32(cases[i].table_pages);
		g->iova_base = htole64(cases[i].iova_base);
		g->table_gpa[0] = htole64(cases[i].table_gpa);
		guard_sync_exp(LAB_SIDE_HOST);
		hdr()->guard_gpa[LAB_SIDE_HOST] = htole64(cases[i].gpa);
		put_payload(F.host, F.host_exp, 0, 0x10000, 96 + i);
		if (cases[i].taken) {
			/* An IOVA whose table page is not RAM: a bad address */
			start_single(RD, 0, EDMA_V0_LIE, IOVA(0x1000), 0x4000,
				     0x3000);
			check_mem();
			check_abort(RD, 0, 0, EDMA_V0_RD_ERR_HI_UR(0));
		} else {
			/* Refused: guest-physical addresses, nothing breaks */
			memcpy(F.ep_exp + 0x4000, F.host + 0x1000, 0x3000);
			start_single(RD, 0, EDMA_V0_LIE, 0x1000, 0x4000,
				     0x3000);
			check_mem();
			CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));
		}
		CHECK_EQ(take_spare(LAB_SIDE_HOST) + take_spare(LAB_SIDE_EP), 0);
		CHECK_EQ(F.e.guard_violations, 0);
		teardown();
	}
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

/* A side's counter as a guest reads it from the shm */
static uint64_t ev(enum lab_side side, enum edma_ev e)
{
	const struct pedma_lab_events *evs =
		(const void *)(F.shm + le32toh(hdr()->events_off));

	return le64toh(((const uint64_t *)&evs->side[side])[e]);
}

static uint64_t ev_snap[LAB_SIDES][EDMA_EV_COUNT];

static void ev_mark(void)
{
	unsigned int side, e;

	for (side = 0; side < LAB_SIDES; side++)
		for (e = 0; e < EDMA_EV_COUNT; e++)
			ev_snap[side][e] = ev(side, e);
}

/* Every counter moved by exactly what want[] says since ev_mark() */
static void ev_check_at(int line, const uint64_t want[LAB_SIDES][EDMA_EV_COUNT])
{
	unsigned int side, e;

	for (side = 0; side < LAB_SIDES; side++) {
		for (e = 0; e < EDMA_EV_COUNT; e++) {
			uint64_t d = ev(side, e) - ev_snap[side][e];

			if (d == want[side][e])
				continue;
			fprintf(stderr, "FAIL %s (line %d): side %u event %u moved by %" PRIu64 ", expected %" PRIu64 "\n",
				cur_test, line, side, e, d, want[side][e]);
			failures++;
		}
	}
	ev_mark();
}

#define ev_check(w)	ev_check_at(__LINE__, w)

static void test_events(void)
{
	uint64_t w[LAB_SIDES][EDMA_EV_COUNT];
	const enum lab_side H = LAB_SIDE_HOST, E = LAB_SIDE_EP;
	uint64_t r = ring(WR, 1), r0 = ring(WR, 0);

	setup("events: counted per side, exactly");
	ev_mark();
	engines_on();		/* 4 endpoint register writes */
	memset(w, 0, sizeof(w));
	w[E][EDMA_EV_REG_WRITES] = 4;
	ev_check(w);

	/* An endpoint chain of 3 elements, an interrupt at its end */
	put_payload(F.ep, F.ep_exp, 0x100, 64, 5);
	put_payload(F.ep, F.ep_exp, 0x200, 100, 6);
	put_payload(F.ep, F.ep_exp, 0x400, 1000, 7);
	ll_data(r, EDMA_V0_CB, 64, 0x100, 0x800);
	ll_data(r + ELEM, EDMA_V0_CB, 100, 0x200, 0x900);
	ll_data(r + 2 * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 1000, 0x400, 0xa00);
	ll_end(r + 3 * ELEM, true);
	memcpy(F.host_exp + 0x800, F.ep + 0x100, 64);
	memcpy(F.host_exp + 0x900, F.ep + 0x200, 100);
	memcpy(F.host_exp + 0xa00, F.ep + 0x400, 1000);
	start_ll(WR, 1, WND(r), true);	/* ctrl1, llp lo, hi, doorbell */
	check_mem();
	CHECK_EQ(F.nirq, 1);
	memset(w, 0, sizeof(w));
	w[E][EDMA_EV_REG_WRITES] = 4;
	w[E][EDMA_EV_DOORBELLS] = 1;
	w[E][EDMA_EV_CHAINS] = 1;
	w[E][EDMA_EV_LL_ELEMS] = 3;
	w[E][EDMA_EV_BYTES] = 64 + 100 + 1000;
	w[E][EDMA_EV_IRQS] = 1;
	w[E][EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VEC_EDMA_WR] = 1;
	ev_check(w);

	/* Read markers: counted for their side, nothing else changes */
	post(H, PEDMA_LAB_MBOX_READ | EDMA_V0_WR_INT_STATUS, 0);
	post(E, PEDMA_LAB_MBOX_READ | EDMA_V0_CTRL, 0);
	post(E, PEDMA_LAB_MBOX_READ | EDMA_V0_WR_INT_STATUS, 0xffffffff);
	kick();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));
	CHECK_EQ(F.nirq, 1);
	check_mem();
	memset(w, 0, sizeof(w));
	w[H][EDMA_EV_REG_READS] = 1;
	w[E][EDMA_EV_REG_READS] = 2;
	ev_check(w);

	/*
	 * A host-driven chain: local interrupt masked, done IMWr to the
	 * host's vector 3.  The channel's work counts for the host, the
	 * interrupt for the host too; nothing for the endpoint.
	 */
	put_payload(F.ep, F.ep_exp, 0x1000, 16, 8);
	memcpy(F.host_exp + 0x2000, F.ep + 0x1000, 16);
	ll_data(r0, EDMA_V0_CB | EDMA_V0_LIE | EDMA_V0_RIE, 16, 0x1000, 0x2000);
	ll_end(r0 + ELEM, true);
	post(H, EDMA_V0_WR_INT_MASK, EDMA_V0_INT_DONE_MASK);
	post(H, EDMA_V0_WR_DONE_IMWR_LO, (uint32_t)(PEDMA_LAB_MSI_BASE + 4 * 3));
	post(H, EDMA_V0_WR_DONE_IMWR_HI, PEDMA_LAB_MSI_BASE >> 32);
	post(H, EDMA_V0_WR_CH(0) + EDMA_V0_CH_CTRL1, EDMA_V0_LLE | EDMA_V0_CCS);
	post(H, EDMA_V0_WR_CH(0) + EDMA_V0_CH_LLP_LO, (uint32_t)WND(r0));
	post(H, EDMA_V0_WR_CH(0) + EDMA_V0_CH_LLP_HI, WND(r0) >> 32);
	post(H, EDMA_V0_WR_DOORBELL, 0);
	kick();
	check_mem();
	CHECK_EQ(irq_count(H, 3), 1);
	memset(w, 0, sizeof(w));
	w[H][EDMA_EV_REG_WRITES] = 7;
	w[H][EDMA_EV_DOORBELLS] = 1;
	w[H][EDMA_EV_CHAINS] = 1;
	w[H][EDMA_EV_LL_ELEMS] = 1;
	w[H][EDMA_EV_BYTES] = 16;
	w[H][EDMA_EV_IMWR] = 1;
	w[H][EDMA_EV_IRQS] = 1;
	w[H][EDMA_EV_IRQ_VEC0 + 3] = 1;
	ev_check(w);

	/* Non-LL: a chain with no LL element; its bytes count */
	put_payload(F.ep, F.ep_exp, 0x3000, 300, 9);
	memcpy(F.host_exp + 0x4000, F.ep + 0x3000, 300);
	wr(EDMA_V0_WR_INT_MASK, 0);	/* the host masked it */
	start_single(WR, 2, EDMA_V0_LIE, 0x3000, 0x4000, 300);
	check_mem();
	memset(w, 0, sizeof(w));
	w[E][EDMA_EV_REG_WRITES] = 8;	/* the mask, 6 channel registers, doorbell */
	w[E][EDMA_EV_DOORBELLS] = 1;
	w[E][EDMA_EV_CHAINS] = 1;
	w[E][EDMA_EV_BYTES] = 300;
	w[E][EDMA_EV_IRQS] = 1;
	w[E][EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VEC_EDMA_WR] = 1;
	ev_check(w);

	/*
	 * Two done interrupts of one drain: one raise, one irq.  A STOP
	 * doorbell and one with the engine off start no chain.
	 */
	F.nirq = 0;
	ll_data(r0, EDMA_V0_CB | EDMA_V0_LIE, 0, 0x10, 0x10);
	ll_end(r0 + ELEM, true);
	ll_data(ring(WR, 3), EDMA_V0_CB | EDMA_V0_LIE, 0, 0x10, 0x10);
	ll_end(ring(WR, 3) + ELEM, true);
	ch_wr(WR, 0, EDMA_V0_CH_CTRL1, EDMA_V0_LLE | EDMA_V0_CCS);
	ch_wr64(WR, 0, EDMA_V0_CH_LLP_LO, WND(r0));
	ch_wr(WR, 3, EDMA_V0_CH_CTRL1, EDMA_V0_LLE | EDMA_V0_CCS);
	ch_wr64(WR, 3, EDMA_V0_CH_LLP_LO, WND(ring(WR, 3)));
	wr(EDMA_V0_WR_DOORBELL, 0);
	wr(EDMA_V0_WR_DOORBELL, 3);
	kick();
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0) | EDMA_V0_INT_DONE(1) |
		 EDMA_V0_INT_DONE(2) | EDMA_V0_INT_DONE(3));
	CHECK_EQ(F.nirq, 1);
	memset(w, 0, sizeof(w));
	w[E][EDMA_EV_REG_WRITES] = 8;
	w[E][EDMA_EV_DOORBELLS] = 2;
	w[E][EDMA_EV_CHAINS] = 2;
	w[E][EDMA_EV_LL_ELEMS] = 2;
	w[E][EDMA_EV_IRQS] = 1;
	w[E][EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VEC_EDMA_WR] = 1;
	ev_check(w);
	wr(EDMA_V0_WR_DOORBELL, EDMA_V0_DOORBELL_STOP | 1);
	wr(EDMA_V0_RD_ENGINE_EN, 0);
	wr(EDMA_V0_RD_DOORBELL, 0);
	kick();
	memset(w, 0, sizeof(w));
	w[E][EDMA_EV_REG_WRITES] = 3;
	w[E][EDMA_EV_DOORBELLS] = 2;
	w[E][EDMA_EV_IRQS] = 1;		/* the STOP's abort, unmasked */
	w[E][EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VEC_EDMA_WR] = 1;
	ev_check(w);

	/* Kicks come from the ivshmem server */
	edma_count(&F.e, H, EDMA_EV_KICKS, 3);
	memset(w, 0, sizeof(w));
	w[H][EDMA_EV_KICKS] = 3;
	ev_check(w);

	/* The shm copy is only published: a guest scribbling on it loses */
	((uint64_t *)(F.shm + PEDMA_LAB_EVENTS_OFF))[EDMA_EV_REG_READS] =
		htole64(1000);
	post(H, PEDMA_LAB_MBOX_READ | EDMA_V0_CTRL, 0);
	kick();
	CHECK_EQ(ev(H, EDMA_EV_REG_READS), 2);
	teardown();
}

int main(void)
{
	if (getenv("PEDMA_TEST_VERBOSE"))
		mlog_init(stderr, true);
	else
		mlog_init(NULL, false);

	test_reset_state();
	test_nonll_write();
	test_nonll_read();
	test_ll_chain();
	test_ll_resume();
	test_ll_ring_tcb();
	test_lie_rie_mask();
	test_imwr();
	test_int_clear();
	test_status_read_only();
	test_engine_disabled();
	test_channel_count();
	test_stop_doorbell();
	test_abort_addresses();
	test_abort_ll();
	test_mailbox();
	test_mailbox_drop();
	test_q35_layout();
	test_zero_length();
	test_big_transfer();
	test_guard_mapped();
	test_guard_translate();
	test_guard_unmapped();
	test_guard_gone();
	test_guard_off();
	test_guard_hostile();
	test_events();

	return check_summary("test_edma");
}
