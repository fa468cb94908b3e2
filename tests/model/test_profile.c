// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Unit tests of the lab model's link profiles (profile.c) and of the eDMA
 * engine paced by one (pace.c), host only.  The engine's clock is a
 * variable of this test: nothing sleeps.
 *
 * Hand arithmetic used below (profile.c explains the numbers):
 *
 *   raw rate, Gen3 x4 = Gen4 x2: 4 lanes * 8e9 * 128 / 130 / 8
 *                              = 3938461538.46 B/s; Gen4 x4 twice that
 *   write TLP: 256 B payload + 26 B (4 STP + 16 header + 4 LCRC + 2 DLLP)
 *     limit = raw * 256 / 282 = 3575340971.09 B/s  (Gen4 x4 7150681942.17)
 *   completion: min(MPS 256, MRRS 512) = 256 B + 22 B (12-byte header)
 *     limit = raw * 256 / 278 = 3626784726.07 B/s  (Gen4 x4 7253569452.13)
 *   MRRS 128: completions of 128 B: raw * 128 / 150 = 3360820512.82 B/s
 *   MPS 128: writes of 128 B: raw * 128 / 154 = 3273526473.53 B/s
 *
 *   time of W wire bytes = W * 8 * 130 / 128 symbols at lanes * gts
 *   symbols per ns = W * 130 / (16 * lanes * gts) ns, rounded up;
 *   16 * lanes * gts = 512 for Gen3 x4 and Gen4 x2, 1024 for Gen4 x4
 *     write 4096 B:  16 TLPs, W = 4096 + 16 * 26 = 4512: 1145.6 -> 1146 ns
 *                    Gen4 x4: 572.8 -> 573 ns
 *     read 4096 B:   16 completions, W = 4096 + 16 * 22 = 4448: 1130 ns
 *     read, MRRS 128: 32 completions, W = 4096 + 32 * 22 = 4800: 1219 ns
 *     write 64 KiB:  256 TLPs, W = 65536 + 256 * 26 = 72192: 18330 ns
 *     read 64 KiB:   256 completions, W = 65536 + 256 * 22 = 71168: 18070 ns
 *     write 1 B:     one TLP, W = 27: 6.9 -> 7 ns
 *   times: fetch 150 ns per LL element, posted write 300 ns, read round
 *   trip 700 ns
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edma.h"
#include "log.h"
#include "pace.h"
#include "pedma_check.h"
#include "profile.h"

#define HOST_RAM_SIZE	(3u << 20)
#define EP_RAM_SIZE	(3u << 20)
#define SHM_SIZE	(8u << 20)
#define EP_BAR2		0xfe000000ULL
#define WND(off)	(EP_BAR2 + PEDMA_LAB_WND_OFF + (uint64_t)(off))
#define ELEM		EDMA_V0_LL_ELEM_SIZE
#define WR		EDMA_DIR_WR
#define RD		EDMA_DIR_RD
#define T0		1000000000ULL	/* the clock at each doorbell */

#define FETCH		150
#define WR_LAT		300
#define RD_RTT		700

/* ------------------------------------------------------------------------ */
/* Profiles                                                                 */
/* ------------------------------------------------------------------------ */

static struct link_profile prof(const char *name)
{
	struct link_profile p;

	memset(&p, 0, sizeof(p));
	CHECKF(link_profile_get(name, &p) == 0, "no profile %s", name);
	return p;
}

#define CHECK_BPS(got, exp)						\
	CHECKF(fabs((got) - (exp)) < 1.0, "%s = %.2f, expected %.2f",	\
	       #got, (double)(got), (double)(exp))

static void test_rates(void)
{
	struct link_profile p;
	unsigned int i;

	cur_test = "rates";
	p = prof("unlimited");
	CHECK(link_profile_unlimited(&p));
	CHECK_EQ(link_xfer_ns(&p, LINK_OP_WRITE, 1 << 20), 0);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_READ), 0);

	/* Gen3 x4 and Gen4 x2: the same raw rate, the same limits */
	for (i = 0; i < 2; i++) {
		p = prof(i ? "gen4x2" : "gen3x4");
		CHECK(!link_profile_unlimited(&p));
		CHECK_EQ(p.mps, 256);
		CHECK_EQ(p.mrrs, 512);
		CHECK_BPS(link_raw_rate(&p), 3938461538.46);
		CHECK_BPS(link_limit_rate(&p, LINK_OP_WRITE), 3575340971.09);
		CHECK_BPS(link_limit_rate(&p, LINK_OP_READ), 3626784726.07);
		CHECK_EQ(link_xfer_ns(&p, LINK_OP_WRITE, 4096), 1146);
		CHECK_EQ(link_xfer_ns(&p, LINK_OP_READ, 4096), 1130);
		CHECK_EQ(link_xfer_ns(&p, LINK_OP_WRITE, 65536), 18330);
		CHECK_EQ(link_xfer_ns(&p, LINK_OP_READ, 65536), 18070);
		CHECK_EQ(link_xfer_ns(&p, LINK_OP_WRITE, 1), 7);
		CHECK_EQ(link_xfer_ns(&p, LINK_OP_WRITE, 0), 0);
		CHECK_EQ(link_wire_bytes(&p, LINK_OP_WRITE, 257), 257 + 2 * 26);
	}

	p = prof("gen4x4");
	CHECK_BPS(link_raw_rate(&p), 7876923076.92);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_WRITE), 7150681942.17);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_READ), 7253569452.13);
	CHECK_EQ(link_xfer_ns(&p, LINK_OP_WRITE, 4096), 573);

	/* The limit is what a long transfer achieves */
	CHECKF(fabs(1048576 * 1e9 / link_xfer_ns(&p, LINK_OP_WRITE, 1048576) -
		    link_limit_rate(&p, LINK_OP_WRITE)) < 1e6,
	       "1 MiB write at the limit");
}

static void test_mps_mrrs(void)
{
	struct link_profile p = prof("gen3x4");
	double rd512 = link_limit_rate(&p, LINK_OP_READ);
	double wr = link_limit_rate(&p, LINK_OP_WRITE);

	cur_test = "MPS and MRRS";
	/* MRRS 128 (R-Car S4's eDMA): smaller completions, a lower read rate */
	CHECK_EQ(link_profile_set_mrrs(&p, 128), 0);
	CHECK_EQ(link_tlp_payload(&p, LINK_OP_READ), 128);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_READ), 3360820512.82);
	CHECK(link_limit_rate(&p, LINK_OP_READ) < rd512);
	CHECK_EQ(link_xfer_ns(&p, LINK_OP_READ, 4096), 1219);
	/* Writes do not depend on MRRS */
	CHECK_BPS(link_limit_rate(&p, LINK_OP_WRITE), wr);

	/* Completions no larger than MPS: MRRS above it changes nothing */
	CHECK_EQ(link_profile_set_mrrs(&p, 4096), 0);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_READ), rd512);

	CHECK_EQ(link_profile_set_mps(&p, 128), 0);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_WRITE), 3273526473.53);
	CHECK_BPS(link_limit_rate(&p, LINK_OP_READ), 3360820512.82);

	CHECK_EQ(link_profile_set_mps(&p, 384), -EINVAL);
	CHECK_EQ(link_profile_set_mps(&p, 64), -EINVAL);
	CHECK_EQ(link_profile_set_mrrs(&p, 8192), -EINVAL);
	CHECK_EQ(link_profile_set_mrrs(&p, 0), -EINVAL);
	CHECK_EQ(p.mps, 128);
	CHECK_EQ(p.mrrs, 4096);
	CHECK_EQ(link_profile_get("gen5x16", &p), -ENOENT);
	CHECK_EQ(link_profile_count(), 4);
	CHECK(link_profile_at(link_profile_count()) == NULL);
}

/* ------------------------------------------------------------------------ */
/* The engine under a profile                                               */
/* ------------------------------------------------------------------------ */

static struct {
	uint8_t *host, *ep, *shm;
	struct edma e;
	struct edma_pace pace;
	uint64_t now;
	unsigned int irq[LAB_SIDES][PEDMA_LAB_VECTORS];
	uint32_t prod, host_prod;
} F;

static uint64_t fake_clock(void *opaque)
{
	(void)opaque;
	return F.now;
}

static void record_irq(void *opaque, enum lab_side side, unsigned int vector)
{
	(void)opaque;
	if (vector < PEDMA_LAB_VECTORS)
		F.irq[side][vector]++;
}

static void *xalloc(size_t size)
{
	void *p = aligned_alloc(4096, size);

	if (!p) {
		perror("alloc");
		exit(2);
	}
	memset(p, 0, size);
	return p;
}

static void setup(const char *name, const char *profile, unsigned int mrrs)
{
	struct link_profile p = prof(profile);
	struct edma_cfg cfg = {
		.shm_size = SHM_SIZE,
		.vectors = PEDMA_LAB_VECTORS,
		.wr_ch_cnt = 4,
		.rd_ch_cnt = 4,
		.model_gen = 1,
		.raise_irq = record_irq,
	};

	cur_test = name;
	memset(&F, 0, sizeof(F));
	F.host = xalloc(HOST_RAM_SIZE);
	F.ep = xalloc(EP_RAM_SIZE);
	F.shm = xalloc(SHM_SIZE);
	if (mrrs)
		CHECK_EQ(link_profile_set_mrrs(&p, mrrs), 0);
	pace_init(&F.pace, &p, fake_clock, NULL);
	cfg.shm = F.shm;
	cfg.pace = &F.pace;
	guest_ram_layout_q35(&cfg.host_ram, F.host, HOST_RAM_SIZE);
	guest_ram_layout_q35(&cfg.ep_ram, F.ep, EP_RAM_SIZE);
	CHECK(edma_init(&F.e, &cfg) == 0);
	((struct pedma_lab_hdr *)(F.shm + PEDMA_LAB_HDR_OFF))->ep_bar2_base =
		htole64(EP_BAR2);
	F.now = T0;
}

static void teardown(void)
{
	free(F.host);
	free(F.ep);
	free(F.shm);
}

/* A register write posted in the endpoint's mailbox */
static void wr(uint32_t off, uint32_t val)
{
	struct pedma_lab_mbox *mb =
		(struct pedma_lab_mbox *)(F.shm + PEDMA_LAB_MBOX_EP_OFF);
	struct pedma_lab_mbox_ent *ent = &mb->ent[F.prod % PEDMA_LAB_MBOX_ENTRIES];

	ent->off = htole32(off);
	ent->val = htole32(val);
	F.prod++;
	__atomic_store_n(&mb->prod, htole32(F.prod), __ATOMIC_RELEASE);
}

/* The same in the host's mailbox */
static void wr_host(uint32_t off, uint32_t val)
{
	struct pedma_lab_mbox *mb =
		(struct pedma_lab_mbox *)(F.shm + PEDMA_LAB_MBOX_HOST_OFF);
	struct pedma_lab_mbox_ent *ent =
		&mb->ent[F.host_prod % PEDMA_LAB_MBOX_ENTRIES];

	ent->off = htole32(off);
	ent->val = htole32(val);
	F.host_prod++;
	__atomic_store_n(&mb->prod, htole32(F.host_prod), __ATOMIC_RELEASE);
}

static void kick(void)
{
	edma_process_mailboxes(&F.e);
}

/* What a guest reads: the register image */
static uint32_t img(uint32_t off)
{
	return le32toh(((const uint32_t *)(F.shm + PEDMA_LAB_REGS_OFF))[off / 4]);
}

static uint32_t chb(enum edma_dir dir, unsigned int ch)
{
	return dir == WR ? EDMA_V0_WR_CH(ch) : EDMA_V0_RD_CH(ch);
}

static uint32_t status(enum edma_dir dir, unsigned int ch)
{
	return (img(chb(dir, ch) + EDMA_V0_CH_CTRL1) & EDMA_V0_CH_STATUS_MASK) >>
	       EDMA_V0_CH_STATUS_SHIFT;
}

static uint64_t llp(enum edma_dir dir, unsigned int ch)
{
	return img(chb(dir, ch) + EDMA_V0_CH_LLP_LO) |
	       (uint64_t)img(chb(dir, ch) + EDMA_V0_CH_LLP_HI) << 32;
}

static uint32_t int_status(enum edma_dir dir)
{
	return img(dir == WR ? EDMA_V0_WR_INT_STATUS : EDMA_V0_RD_INT_STATUS);
}

static unsigned int vec(enum edma_dir dir)
{
	return dir == WR ? PEDMA_LAB_VEC_EDMA_WR : PEDMA_LAB_VEC_EDMA_RD;
}

static void engines_on(void)
{
	wr(EDMA_V0_WR_ENGINE_EN, EDMA_V0_ENGINE_EN);
	wr(EDMA_V0_RD_ENGINE_EN, EDMA_V0_ENGINE_EN);
	wr(EDMA_V0_WR_INT_MASK, 0);
	wr(EDMA_V0_RD_INT_MASK, 0);
	kick();
}

static uint64_t ring(enum edma_dir dir, unsigned int ch)
{
	return dir == WR ? PEDMA_WND_LL_WR_RING(ch) : PEDMA_WND_LL_RD_RING(ch);
}

static void ll_data(uint64_t off, uint32_t ctl, uint32_t size, uint64_t sar,
		    uint64_t dar)
{
	struct edma_v0_lli el = {
		.control = htole32(ctl),
		.transfer_size = htole32(size),
		.sar = htole64(sar),
		.dar = htole64(dar),
	};

	memcpy(F.shm + PEDMA_LAB_WND_OFF + off, &el, sizeof(el));
}

static void ll_link(uint64_t off, uint32_t ctl, uint64_t to)
{
	struct edma_v0_llp el = {
		.control = htole32(ctl | EDMA_V0_LLP),
		.llp = htole64(to),
	};

	memcpy(F.shm + PEDMA_LAB_WND_OFF + off, &el, sizeof(el));
}

/* The chain's end: CB 0 against CCS 1 */
static void ll_end(uint64_t off)
{
	ll_data(off, 0, 0, 0, 0);
}

/* Posted, not yet kicked: doorbells of one batch see the same clock */
static void post_ll(enum edma_dir dir, unsigned int ch)
{
	wr(chb(dir, ch) + EDMA_V0_CH_CTRL1, EDMA_V0_LLE | EDMA_V0_CCS);
	wr(chb(dir, ch) + EDMA_V0_CH_LLP_LO, (uint32_t)WND(ring(dir, ch)));
	wr(chb(dir, ch) + EDMA_V0_CH_LLP_HI, WND(ring(dir, ch)) >> 32);
	wr(dir == WR ? EDMA_V0_WR_DOORBELL : EDMA_V0_RD_DOORBELL, ch);
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* Move the clock to t and let the model complete what is due */
static unsigned int at(uint64_t t)
{
	F.now = t;
	return edma_pace_run(&F.e);
}

/*
 * One write element of 4096 bytes: RUNNING, nothing moved, no done bit,
 * no interrupt until its deadline T0 + 150 (fetch) + 1146 (link) + 300
 * (posted write); then all of it at once, with STOPPED (the terminator).
 */
static void test_one_element(void)
{
	const uint64_t due = T0 + FETCH + 1146 + WR_LAT;
	uint64_t r = ring(WR, 0);

	setup("one paced element", "gen3x4", 0);
	engines_on();
	fill(F.ep + 0x10000, 4096, 1);
	ll_data(r, EDMA_V0_CB | EDMA_V0_LIE, 4096, 0x10000, 0x20000);
	ll_end(r + ELEM);
	post_ll(WR, 0);
	kick();
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 0);
	CHECK_EQ(llp(WR, 0), WND(r));
	CHECK(memcmp(F.host + 0x20000, F.ep + 0x10000, 4096) != 0);
	CHECK_EQ(edma_pace_next(&F.e), due);

	CHECK_EQ(at(T0), 0);
	CHECK_EQ(at(due - 1), 0);
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 0);

	CHECK_EQ(at(due), 1);
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 1);
	CHECK_EQ(llp(WR, 0), WND(r + ELEM));
	CHECK(memcmp(F.host + 0x20000, F.ep + 0x10000, 4096) == 0);
	CHECK_EQ(edma_pace_next(&F.e), UINT64_MAX);
	CHECK_EQ(at(due + 1000000), 0);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 1);
	teardown();
}

/*
 * A chain of three 4096-byte elements, each with LIE, behind a link
 * element: the first waits for two fetches; each element is done at its
 * own deadline and the LLP the guest sees follows.  The engine goes on at
 * the end of an element on the link, not after its posted-write latency,
 * and has fetched the next element meanwhile (150 < 1146):
 *   1st: T0 + 2 * 150 + 1146 = end1;      visible end1 + 300
 *   2nd: fetched at T0 + 450: end1 + 1146 = end2;   visible end2 + 300
 *   3rd: fetched at end1 + 150: end2 + 1146 = end3; visible end3 + 300
 */
static void test_chain(void)
{
	const uint64_t end1 = T0 + 2 * FETCH + 1146;
	const uint64_t end2 = end1 + 1146;
	const uint64_t end3 = end2 + 1146;
	uint64_t r = ring(WR, 1), d = r + 4 * ELEM;
	unsigned int i;

	setup("paced chain", "gen3x4", 0);
	engines_on();
	fill(F.ep, 3 * 4096, 2);
	ll_link(r, EDMA_V0_CB, WND(d));
	for (i = 0; i < 3; i++)
		ll_data(d + i * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 4096, i * 4096,
			0x40000 + i * 4096);
	ll_end(d + 3 * ELEM);
	post_ll(WR, 1);
	kick();
	CHECK_EQ(edma_pace_next(&F.e), end1 + WR_LAT);

	CHECK_EQ(at(end1 + WR_LAT), 1);
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 1);
	CHECK_EQ(llp(WR, 1), WND(d + ELEM));
	CHECK(memcmp(F.host + 0x40000, F.ep, 4096) == 0);
	CHECK(memcmp(F.host + 0x41000, F.ep + 4096, 4096) != 0);
	CHECK_EQ(edma_pace_next(&F.e), end2 + WR_LAT);

	/* The guest clears the done bit; the next one is the 2nd element's */
	wr(EDMA_V0_WR_INT_CLEAR, EDMA_V0_INT_DONE(1));
	kick();
	CHECK_EQ(at(end2 + WR_LAT - 1), 0);
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(at(end2 + WR_LAT), 1);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(1));
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 2);
	CHECK_EQ(llp(WR, 1), WND(d + 2 * ELEM));
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_RUNNING);

	/* A late wakeup completes what is due, in order, and no more */
	CHECK_EQ(at(end3 + WR_LAT + 5000), 1);
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 3);
	CHECK_EQ(llp(WR, 1), WND(d + 3 * ELEM));
	CHECK(memcmp(F.host + 0x40000, F.ep, 3 * 4096) == 0);
	CHECK_EQ(F.pace.late_ns, 5000);
	teardown();
}

/*
 * Striping: two write channels started together share the write direction
 * of the link; a read channel does not (the other direction).
 *   wr ch0 64 KiB: T0 + 150 + 18330 = T0 + 18480, visible + 300
 *   wr ch1 64 KiB: waits for the link: T0 + 18480 + 18330 = T0 + 36810,
 *                  visible + 300
 *   rd ch0 64 KiB: T0 + 150 + 700 (round trip) + 18070 = T0 + 18920
 */
static void test_striping(void)
{
	const uint64_t w0 = T0 + FETCH + 18330 + WR_LAT;
	const uint64_t w1 = T0 + FETCH + 2 * 18330 + WR_LAT;
	const uint64_t r0 = T0 + FETCH + RD_RTT + 18070;

	setup("striping shares the link", "gen4x2", 0);
	engines_on();
	fill(F.ep, 3 << 16, 3);
	fill(F.host + 0x100000, 1 << 16, 4);
	ll_data(ring(WR, 0), EDMA_V0_CB | EDMA_V0_LIE, 65536, 0, 0x200000);
	ll_end(ring(WR, 0) + ELEM);
	ll_data(ring(WR, 1), EDMA_V0_CB | EDMA_V0_LIE, 65536, 65536, 0x210000);
	ll_end(ring(WR, 1) + ELEM);
	ll_data(ring(RD, 0), EDMA_V0_CB | EDMA_V0_LIE, 65536, 0x100000,
		0x220000);
	ll_end(ring(RD, 0) + ELEM);
	post_ll(WR, 0);
	post_ll(WR, 1);
	post_ll(RD, 0);
	kick();
	CHECK_EQ(edma_pace_next(&F.e), w0);
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(status(RD, 0), EDMA_V0_CH_STATUS_RUNNING);

	CHECK_EQ(at(w0), 1);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(at(r0 - 1), 0);
	CHECK_EQ(at(r0), 1);
	CHECK_EQ(int_status(RD), EDMA_V0_INT_DONE(0));
	CHECK_EQ(status(RD, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK(memcmp(F.ep + 0x220000, F.host + 0x100000, 65536) == 0);
	CHECK_EQ(at(w1 - 1), 0);
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(at(w1), 1);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0) | EDMA_V0_INT_DONE(1));
	CHECK(memcmp(F.host + 0x200000, F.ep, 2 * 65536) == 0);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 2);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(RD)], 1);
	teardown();
}

/* MRRS 128 slows a read: 1219 ns on the link for 4096 B instead of 1130 */
static void test_mrrs_engine(void)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		setup(i ? "read, MRRS 128" : "read, MRRS 512", "gen3x4",
		      i ? 128 : 0);
		engines_on();
		ll_data(ring(RD, 2), EDMA_V0_CB | EDMA_V0_LIE, 4096, 0x3000,
			0x5000);
		ll_end(ring(RD, 2) + ELEM);
		post_ll(RD, 2);
		kick();
		CHECK_EQ(edma_pace_next(&F.e),
			 T0 + FETCH + RD_RTT + (i ? 1219 : 1130));
		teardown();
	}
}

/*
 * A read chain: the round trip of the 2nd element hides behind the data
 * of the 1st; small elements are bound by the fetch.
 *   1st 4096 B: fetched T0 + 150, data from T0 + 850, end1 = T0 + 1980
 *   2nd 4096 B: fetched T0 + 850 + 150 (one element ahead of the data),
 *               first completion T0 + 1700 < end1: end2 = end1 + 1130
 *   3rd 64 B:   1 completion, W = 64 + 22 = 86: 86 * 130 / 512 = 21.8 ->
 *               22 ns; fetched end1 + 150, data from
 *               max(end1 + 150 + 700, end2) = end2: end3 = end2 + 22
 *   4th 64 B:   fetched max(end1 + 150, start3 = end2) + 150 = end2 + 150,
 *               data from end2 + 850: end4 = end2 + 872
 */
static void test_read_chain(void)
{
	const uint64_t end1 = T0 + FETCH + RD_RTT + 1130;
	const uint64_t end2 = end1 + 1130;
	const uint64_t end3 = end2 + 22;
	const uint64_t end4 = end2 + FETCH + RD_RTT + 22;
	uint64_t r = ring(RD, 1);

	setup("read chain", "gen3x4", 0);
	engines_on();
	ll_data(r, EDMA_V0_CB | EDMA_V0_LIE, 4096, 0x1000, 0x10000);
	ll_data(r + ELEM, EDMA_V0_CB | EDMA_V0_LIE, 4096, 0x2000, 0x11000);
	ll_data(r + 2 * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 64, 0x3000, 0x12000);
	ll_data(r + 3 * ELEM, EDMA_V0_CB | EDMA_V0_LIE, 64, 0x3040, 0x12040);
	ll_end(r + 4 * ELEM);
	post_ll(RD, 1);
	kick();
	CHECK_EQ(edma_pace_next(&F.e), end1);
	CHECK_EQ(at(end1), 1);
	CHECK_EQ(edma_pace_next(&F.e), end2);
	CHECK_EQ(at(end2), 1);
	CHECK_EQ(edma_pace_next(&F.e), end3);
	CHECK_EQ(at(end3), 1);
	CHECK_EQ(edma_pace_next(&F.e), end4);
	CHECK_EQ(status(RD, 1), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(at(end4), 1);
	CHECK_EQ(status(RD, 1), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(RD)], 4);
	teardown();
}

/*
 * A host-driven chain (LIE | RIE, local interrupt masked): the done IMWr
 * reaches the host at the deadline, not before.
 */
static void test_imwr(void)
{
	const uint64_t due = T0 + FETCH + 1146 + WR_LAT;

	setup("IMWr at the deadline", "gen3x4", 0);
	engines_on();
	wr(EDMA_V0_WR_INT_MASK, EDMA_V0_INT_DONE(2));
	wr(EDMA_V0_WR_DONE_IMWR_LO, (uint32_t)(PEDMA_LAB_MSI_BASE + 4 * 2));
	wr(EDMA_V0_WR_DONE_IMWR_LO + 4, (PEDMA_LAB_MSI_BASE + 4 * 2) >> 32);
	ll_data(ring(WR, 2), EDMA_V0_CB | EDMA_V0_LIE | EDMA_V0_RIE, 4096,
		0x1000, 0x2000);
	ll_end(ring(WR, 2) + ELEM);
	post_ll(WR, 2);
	kick();
	CHECK_EQ(at(due - 1), 0);
	CHECK_EQ(F.irq[LAB_SIDE_HOST][2], 0);
	CHECK_EQ(at(due), 1);
	CHECK_EQ(F.irq[LAB_SIDE_HOST][2], 1);
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 0);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(2));
	teardown();
}

/*
 * STOP while a paced chain runs: aborted at once, and its deadline brings
 * nothing (no copy, no done).  A doorbell on a running channel is ignored.
 */
static void test_stop(void)
{
	const uint64_t due = T0 + FETCH + 1146 + WR_LAT;

	setup("STOP a paced chain", "gen3x4", 0);
	engines_on();
	fill(F.ep + 0x1000, 4096, 5);
	ll_data(ring(WR, 3), EDMA_V0_CB | EDMA_V0_LIE, 4096, 0x1000, 0x9000);
	ll_end(ring(WR, 3) + ELEM);
	post_ll(WR, 3);
	kick();
	CHECK_EQ(status(WR, 3), EDMA_V0_CH_STATUS_RUNNING);

	/* Ignored: still the first deadline */
	F.now = T0 + 500;
	wr(EDMA_V0_WR_DOORBELL, 3);
	kick();
	CHECK_EQ(edma_pace_next(&F.e), due);

	wr(EDMA_V0_WR_DOORBELL, EDMA_V0_DOORBELL_STOP | 3);
	kick();
	CHECK_EQ(status(WR, 3), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_ABORT(3));
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 1);
	CHECK_EQ(at(due), 1);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_ABORT(3));
	CHECK_EQ(F.irq[LAB_SIDE_EP][vec(WR)], 1);
	CHECK_EQ(status(WR, 3), EDMA_V0_CH_STATUS_STOPPED);
	CHECK(memcmp(F.host + 0x9000, F.ep + 0x1000, 4096) != 0);
	CHECK_EQ(edma_pace_next(&F.e), UINT64_MAX);

	/* Disabling the engine stops a paced channel as well */
	wr(EDMA_V0_WR_INT_CLEAR, EDMA_V0_INT_ABORT(3));
	post_ll(WR, 3);
	kick();
	CHECK_EQ(status(WR, 3), EDMA_V0_CH_STATUS_RUNNING);
	wr(EDMA_V0_WR_ENGINE_EN, 0);
	kick();
	CHECK_EQ(status(WR, 3), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_ABORT(3));
	CHECK_EQ(at(T0 + 1000000), 1);
	CHECK(memcmp(F.host + 0x9000, F.ep + 0x1000, 4096) != 0);
	teardown();
}

/*
 * What ends a chain before any data moves happens at once, as without
 * pacing: an empty chain stops, an unbacked LLP aborts.  A bad destination
 * aborts at the element's deadline.
 */
static void test_at_once_and_abort(void)
{
	const uint64_t due = T0 + FETCH + 1146 + WR_LAT;

	setup("stops and aborts", "gen3x4", 0);
	engines_on();
	ll_end(ring(WR, 0));
	post_ll(WR, 0);
	kick();
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), 0);
	CHECK_EQ(edma_pace_next(&F.e), UINT64_MAX);

	wr(chb(WR, 1) + EDMA_V0_CH_CTRL1, EDMA_V0_LLE | EDMA_V0_CCS);
	wr(chb(WR, 1) + EDMA_V0_CH_LLP_LO, 0x10);
	wr(chb(WR, 1) + EDMA_V0_CH_LLP_HI, 0x7000);	/* nothing there */
	wr(EDMA_V0_WR_DOORBELL, 1);
	kick();
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_ABORT(1));
	CHECK(img(EDMA_V0_WR_ERR_STATUS) & EDMA_V0_ERR_LL_FETCH(1));
	CHECK_EQ(edma_pace_next(&F.e), UINT64_MAX);

	ll_data(ring(WR, 2), EDMA_V0_CB | EDMA_V0_LIE, 4096, 0x1000,
		0x7000000000ULL);
	ll_end(ring(WR, 2) + ELEM);
	post_ll(WR, 2);
	kick();
	CHECK_EQ(at(due - 1), 0);
	CHECK_EQ(status(WR, 2), EDMA_V0_CH_STATUS_RUNNING);
	CHECK(!(int_status(WR) & EDMA_V0_INT_ABORT(2)));
	CHECK_EQ(at(due), 1);
	CHECK_EQ(status(WR, 2), EDMA_V0_CH_STATUS_STOPPED);
	CHECK(int_status(WR) & EDMA_V0_INT_ABORT(2));
	CHECK(img(EDMA_V0_WR_ERR_STATUS) & EDMA_V0_ERR_APP(2));
	CHECK(!(int_status(WR) & EDMA_V0_INT_DONE(2)));
	teardown();
}

/* Non-LL mode: one block, no fetch, done at its deadline */
static void test_single(void)
{
	const uint64_t due = T0 + 1146 + WR_LAT;
	const uint32_t b = chb(WR, 0);

	setup("paced non-LL block", "gen3x4", 0);
	engines_on();
	fill(F.ep + 0x4000, 4096, 6);
	wr(b + EDMA_V0_CH_CTRL1, EDMA_V0_LIE);
	wr(b + EDMA_V0_CH_XFER_SIZE, 4096);
	wr(b + EDMA_V0_CH_SAR_LO, 0x4000);
	wr(b + EDMA_V0_CH_SAR_HI, 0);
	wr(b + EDMA_V0_CH_DAR_LO, 0x8000);
	wr(b + EDMA_V0_CH_DAR_HI, 0);
	wr(EDMA_V0_WR_DOORBELL, 0);
	kick();
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_RUNNING);
	CHECK_EQ(edma_pace_next(&F.e), due);
	CHECK_EQ(at(due), 1);
	CHECK_EQ(status(WR, 0), EDMA_V0_CH_STATUS_STOPPED);
	CHECK_EQ(int_status(WR), EDMA_V0_INT_DONE(0));
	CHECK_EQ(img(b + EDMA_V0_CH_XFER_SIZE), 0);
	CHECK(memcmp(F.host + 0x8000, F.ep + 0x4000, 4096) == 0);
	teardown();
}

/* ------------------------------------------------------------------------ */
/* Events and the heartbeat under a profile                                 */
/* ------------------------------------------------------------------------ */

/* A side's event counter as the guests read it (struct pedma_lab_events) */
static uint64_t ev(enum lab_side side, enum edma_ev i)
{
	const uint64_t *c = (const uint64_t *)(F.shm + PEDMA_LAB_EVENTS_OFF +
		side * sizeof(struct pedma_lab_side_events));

	return le64toh(c[i]);
}

static uint32_t beat(void)
{
	return le32toh(((const struct pedma_lab_hdr *)
			(F.shm + PEDMA_LAB_HDR_OFF))->beat);
}

/*
 * The host starts a chain on wr ch1 (a link element, three 4096-byte data
 * elements with LIE, the last with RIE and a done IMWr to host vector 2);
 * paced or not, the chain runs to its end.  Paced, each deadline must
 * advance the beat (an element copied), and the kick between the doorbell
 * and the deadlines leaves e->writer at the endpoint (the drain order):
 * the chain's events must still count for the host.  out: every counter
 * of both sides at the end.
 */
static void events_chain(bool paced, uint64_t out[LAB_SIDES][EDMA_EV_COUNT])
{
	uint64_t r = ring(WR, 1), d = r + 4 * ELEM, next;
	unsigned int i, steps = 0;
	uint32_t b;

	setup(paced ? "events of a paced chain" : "events of the same chain unpaced",
	      "gen3x4", 0);
	if (!paced)
		F.e.cfg.pace = NULL;	/* "unlimited": no pacing */
	engines_on();
	fill(F.ep, 3 * 4096, 7);
	ll_link(r, EDMA_V0_CB, WND(d));
	for (i = 0; i < 3; i++)
		ll_data(d + i * ELEM, EDMA_V0_CB | EDMA_V0_LIE |
			(i == 2 ? EDMA_V0_RIE : 0), 4096, i * 4096,
			0x40000 + i * 4096);
	ll_end(d + 3 * ELEM);
	wr_host(EDMA_V0_WR_DONE_IMWR_LO, (uint32_t)(PEDMA_LAB_MSI_BASE + 4 * 2));
	wr_host(EDMA_V0_WR_DONE_IMWR_LO + 4, (PEDMA_LAB_MSI_BASE + 4 * 2) >> 32);
	wr_host(chb(WR, 1) + EDMA_V0_CH_CTRL1, EDMA_V0_LLE | EDMA_V0_CCS);
	wr_host(chb(WR, 1) + EDMA_V0_CH_LLP_LO, (uint32_t)WND(r));
	wr_host(chb(WR, 1) + EDMA_V0_CH_LLP_HI, WND(r) >> 32);
	wr_host(EDMA_V0_WR_DOORBELL, 1);
	kick();
	CHECK_EQ(ev(LAB_SIDE_HOST, EDMA_EV_CHAINS), 1);
	if (paced) {
		CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_RUNNING);
		CHECK_EQ(ev(LAB_SIDE_HOST, EDMA_EV_LL_ELEMS), 0);
		CHECK_EQ(ev(LAB_SIDE_HOST, EDMA_EV_BYTES), 0);
		/* The endpoint posts something: the drain ends with its side */
		wr(EDMA_V0_RD_INT_MASK, 0);
		kick();
		CHECK_EQ(F.e.writer, LAB_SIDE_EP);
	}
	while ((next = edma_pace_next(&F.e)) != UINT64_MAX) {
		b = beat();
		CHECK_EQ(at(next), 1);
		CHECK(beat() != b);
		steps++;
	}
	CHECK_EQ(steps, paced ? 3 : 0);
	CHECK_EQ(status(WR, 1), EDMA_V0_CH_STATUS_STOPPED);
	CHECK(memcmp(F.host + 0x40000, F.ep, 3 * 4096) == 0);
	/* The interrupts the counters say were raised, were raised */
	for (i = 0; i < PEDMA_LAB_VECTORS; i++) {
		CHECK_EQ(ev(LAB_SIDE_HOST, EDMA_EV_IRQ_VEC0 + i),
			 F.irq[LAB_SIDE_HOST][i]);
		CHECK_EQ(ev(LAB_SIDE_EP, EDMA_EV_IRQ_VEC0 + i),
			 F.irq[LAB_SIDE_EP][i]);
	}
	for (i = 0; i < EDMA_EV_COUNT; i++) {
		out[LAB_SIDE_HOST][i] = ev(LAB_SIDE_HOST, i);
		out[LAB_SIDE_EP][i] = ev(LAB_SIDE_EP, i);
		CHECK_EQ(out[LAB_SIDE_HOST][i], F.e.ev[LAB_SIDE_HOST][i]);
		CHECK_EQ(out[LAB_SIDE_EP][i], F.e.ev[LAB_SIDE_EP][i]);
	}
	teardown();
}

/*
 * Pacing changes when the events happen, not which: the chain's counters
 * are those of the unpaced run, and they count for the doorbell's side.
 * Only the interrupts differ: one per vector per flush, and paced each
 * element is done at its own deadline (three flushes) where unpaced the
 * whole chain is one.  A doorbell ignored on a running channel is a
 * doorbell, not a chain.
 */
static void test_events(void)
{
	uint64_t un[LAB_SIDES][EDMA_EV_COUNT], pa[LAB_SIDES][EDMA_EV_COUNT];
	const enum lab_side H = LAB_SIDE_HOST, E = LAB_SIDE_EP;
	unsigned int i;

	events_chain(false, un);
	events_chain(true, pa);

	CHECK_EQ(un[H][EDMA_EV_REG_WRITES], 6);
	CHECK_EQ(un[H][EDMA_EV_DOORBELLS], 1);
	CHECK_EQ(un[H][EDMA_EV_CHAINS], 1);
	CHECK_EQ(un[H][EDMA_EV_LL_ELEMS], 3);
	CHECK_EQ(un[H][EDMA_EV_BYTES], 3 * 4096);
	CHECK_EQ(un[H][EDMA_EV_IMWR], 1);
	CHECK_EQ(un[H][EDMA_EV_IRQ_VEC0 + 2], 1);
	CHECK_EQ(un[E][EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VEC_EDMA_WR], 1);
	CHECK_EQ(pa[E][EDMA_EV_IRQ_VEC0 + PEDMA_LAB_VEC_EDMA_WR], 3);
	CHECK_EQ(pa[H][EDMA_EV_IRQ_VEC0 + 2], 1);
	/* The paced run's extra endpoint write (RD_INT_MASK) aside */
	CHECK_EQ(pa[E][EDMA_EV_REG_WRITES], un[E][EDMA_EV_REG_WRITES] + 1);
	pa[E][EDMA_EV_REG_WRITES]--;
	for (i = 0; i < EDMA_EV_COUNT; i++) {
		if (i == EDMA_EV_IRQS || i >= EDMA_EV_IRQ_VEC0)
			continue;
		CHECK_EQ(pa[H][i], un[H][i]);
		CHECK_EQ(pa[E][i], un[E][i]);
	}
	CHECK_EQ(pa[E][EDMA_EV_CHAINS], 0);
	CHECK_EQ(pa[E][EDMA_EV_BYTES], 0);

	setup("ignored doorbell is no chain", "gen3x4", 0);
	engines_on();
	ll_data(ring(WR, 0), EDMA_V0_CB, 4096, 0x1000, 0x2000);
	ll_end(ring(WR, 0) + ELEM);
	post_ll(WR, 0);
	kick();
	wr(EDMA_V0_WR_DOORBELL, 0);
	kick();
	CHECK_EQ(ev(E, EDMA_EV_DOORBELLS), 2);
	CHECK_EQ(ev(E, EDMA_EV_CHAINS), 1);
	CHECK_EQ(at(edma_pace_next(&F.e)), 1);
	CHECK_EQ(ev(E, EDMA_EV_LL_ELEMS), 1);
	CHECK_EQ(ev(E, EDMA_EV_BYTES), 4096);
	teardown();
}

int main(void)
{
	mlog_init(NULL, false);
	test_rates();
	test_mps_mrrs();
	test_one_element();
	test_chain();
	test_striping();
	test_mrrs_engine();
	test_read_chain();
	test_imwr();
	test_stop();
	test_at_once_and_abort();
	test_single();
	test_events();
	return check_summary("test_profile");
}
