// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The provider's ring protocol (providers/pedma/pedma_ring.h) on plain
 * memory: no device, no kernel, no libibverbs calls.
 *
 *   - ring arithmetic: used/room/index, wrap-around at 2^32, full/empty,
 *     layout checks;
 *   - SQ WQE encoding of every opcode and flag, multi-SGE and inline,
 *     and every error (bad opcode, bad flags, too many SGEs, inline too
 *     big, inline READ, ring full) with the bad_wr pointer and the ring
 *     left as it was;
 *   - UD WQE encoding: AH id, destination QP and Q_Key, inline, and
 *     what UD refuses (RDMA opcodes, no AH or another PD's, a QPN beyond
 *     24 bits, more than one 4096-byte packet);
 *   - RQ WQE encoding and posting;
 *   - CQE decoding to ibv_wc for every opcode and flag, and polling
 *     across the wrap;
 *   - the doorbell command's framing.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pedma_check.h"
#include "pedma_ring.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A ring in calloc()ed memory, counters starting at start. */
static void *make_ring(struct pedma_ring *r, uint32_t entries,
		       uint32_t entry_size, uint32_t start, bool producer)
{
	size_t size = PEDMA_RING_HDR_SIZE + (size_t)entries * entry_size;
	struct pedma_ring_hdr *hdr = calloc(1, size);

	if (!hdr) {
		perror("calloc");
		exit(2);
	}
	hdr->prod = start;
	hdr->cons = start;
	CHECK(pedma_ring_layout_ok(size, entries, entry_size));
	pedma_ring_init(r, hdr, size, entries, entry_size, producer);
	CHECK_EQ(r->head, start);
	return hdr;
}

/* ---- Arithmetic ----------------------------------------------------------- */

static void test_arithmetic(void)
{
	cur_test = "arithmetic";

	CHECK(!pedma_is_pow2(0));
	CHECK(pedma_is_pow2(1));
	CHECK(pedma_is_pow2(2));
	CHECK(!pedma_is_pow2(3));
	CHECK(!pedma_is_pow2(0x80000001u));
	CHECK(pedma_is_pow2(0x80000000u));

	/* empty and full */
	CHECK_EQ(pedma_ring_used(7, 7), 0);
	CHECK(pedma_ring_has_room(7, 7, 4));
	CHECK(pedma_ring_has_room(10, 7, 4));
	CHECK(!pedma_ring_has_room(11, 7, 4));
	CHECK(!pedma_ring_has_room(12, 7, 4));	/* corrupt cons: full */

	/* across 2^32 */
	CHECK_EQ(pedma_ring_used(0, 0xffffffffu), 1);
	CHECK_EQ(pedma_ring_used(2, 0xfffffffeu), 4);
	CHECK(!pedma_ring_has_room(2, 0xfffffffeu, 4));
	CHECK(pedma_ring_has_room(2, 0xfffffffeu, 8));
	CHECK(pedma_ring_has_room(0xffffffffu, 0xffffffffu, 1));
	CHECK(!pedma_ring_has_room(0, 0xffffffffu, 1));
	CHECK(pedma_ring_has_room(0x7fffffffu, 0, 0x80000000u));
	CHECK(!pedma_ring_has_room(0x80000000u, 0, 0x80000000u));
	/* a cons ahead of prod (never legal) reads as used ~2^32: full */
	CHECK(!pedma_ring_has_room(5, 6, 0x80000000u));

	/* slots */
	CHECK_EQ(pedma_ring_index(0xffffffffu, 8), 7);
	CHECK_EQ(pedma_ring_index(0x100000000ull & 0xffffffffu, 8), 0);
	CHECK_EQ(pedma_ring_index(13, 8), 5);
	CHECK_EQ(pedma_ring_index(12345, 1), 0);

	/* layouts the kernel may hand out */
	CHECK(pedma_ring_layout_ok(PEDMA_RING_HDR_SIZE + 4 * 48, 4, 48));
	CHECK(pedma_ring_layout_ok(4096, 4, 48));
	CHECK(!pedma_ring_layout_ok(PEDMA_RING_HDR_SIZE + 4 * 48 - 1, 4, 48));
	CHECK(!pedma_ring_layout_ok(1u << 20, 0, 48));
	CHECK(!pedma_ring_layout_ok(1u << 20, 3, 48));
	CHECK(!pedma_ring_layout_ok(1u << 20, 4, 0));
	CHECK(!pedma_ring_layout_ok(0xffffffffu, 0x80000000u, 320));
	CHECK(pedma_ring_layout_ok(PEDMA_RING_HDR_SIZE +
				   (uint64_t)0x80000000u * 320,
				   0x80000000u, 320));
}

static void test_ring_init_and_slots(void)
{
	struct pedma_ring r;
	struct pedma_ring_hdr *hdr;

	cur_test = "ring init";
	hdr = make_ring(&r, 8, sizeof(struct pedma_cqe), 0, false);
	hdr->prod = 11;
	hdr->cons = 5;
	pedma_ring_init(&r, hdr, r.map_size, 8, sizeof(struct pedma_cqe), true);
	CHECK_EQ(r.head, 11);			/* producer starts at prod */
	pedma_ring_init(&r, hdr, r.map_size, 8, sizeof(struct pedma_cqe), false);
	CHECK_EQ(r.head, 5);			/* consumer starts at cons */
	CHECK(r.slots == (unsigned char *)hdr + PEDMA_RING_HDR_SIZE);
	CHECK((unsigned char *)pedma_ring_slot(&r, 0) == r.slots);
	CHECK((unsigned char *)pedma_ring_slot(&r, 9) ==
	      r.slots + sizeof(struct pedma_cqe));
	CHECK((unsigned char *)pedma_ring_slot(&r, 0xffffffffu) ==
	      r.slots + 7 * sizeof(struct pedma_cqe));
	CHECK_EQ(offsetof(struct pedma_ring_hdr, cons), 64);	/* own cache line */
	free(hdr);
}

/* ---- SQ WQE encoding ------------------------------------------------------ */

static const struct pedma_sq_limits full_lim = {
	.max_sge = PEDMA_UMAX_SGE,
	.max_inline = PEDMA_MAX_INLINE,
};

static bool all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++ != v)
			return false;
	return true;
}

static void check_wqe_header_reserved(const struct pedma_sq_wqe *w)
{
	CHECK_EQ(w->reserved0, 0);
	CHECK_EQ(w->ud_ah, 0);
	CHECK_EQ(w->ud_remote_qpn, 0);
	CHECK_EQ(w->ud_remote_qkey, 0);
	CHECK_EQ(w->reserved1, 0);
	CHECK_EQ(w->compare_add, 0);
	CHECK_EQ(w->swap, 0);
}

static void test_sq_opcodes(void)
{
	static const struct {
		enum ibv_wr_opcode op;
		uint8_t wqe_op;
		bool imm, rdma;
	} ops[] = {
		{ IBV_WR_RDMA_WRITE, PEDMA_WQE_OP_RDMA_WRITE, false, true },
		{ IBV_WR_RDMA_WRITE_WITH_IMM, PEDMA_WQE_OP_RDMA_WRITE_IMM, true, true },
		{ IBV_WR_SEND, PEDMA_WQE_OP_SEND, false, false },
		{ IBV_WR_SEND_WITH_IMM, PEDMA_WQE_OP_SEND_IMM, true, false },
		{ IBV_WR_RDMA_READ, PEDMA_WQE_OP_RDMA_READ, false, true },
	};
	struct ibv_sge sge[PEDMA_UMAX_SGE];
	struct pedma_sq_wqe w;
	size_t i;
	int j;

	cur_test = "sq opcodes";
	for (j = 0; j < PEDMA_UMAX_SGE; j++) {
		sge[j].addr = 0x1000000000ull + (uint64_t)j * 0x1000;
		sge[j].length = 100 + j;
		sge[j].lkey = 0xa000 + j;
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		struct ibv_send_wr wr = {
			.wr_id = 0x1111000000000000ull + i,
			.sg_list = sge,
			.num_sge = PEDMA_UMAX_SGE,	/* multi-SGE, all of them */
			.opcode = ops[i].op,
			.imm_data = htobe32(0xcafe0000 + i),
			.wr.rdma = { .remote_addr = 0xfeed000000ull + i,
				     .rkey = 0x5000 + i },
		};

		memset(&w, 0xff, sizeof(w));
		CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &full_lim), 0);
		CHECK_EQ(w.wr_id, wr.wr_id);
		CHECK_EQ(w.opcode, ops[i].wqe_op);
		CHECK_EQ(w.flags, 0);
		CHECK_EQ(w.num_sge, PEDMA_UMAX_SGE);
		CHECK_EQ(w.inline_len, 0);
		CHECK_EQ(w.imm_data, ops[i].imm ? htobe32(0xcafe0000 + i) : 0);
		CHECK_EQ(w.remote_addr, ops[i].rdma ? 0xfeed000000ull + i : 0);
		CHECK_EQ(w.rkey, ops[i].rdma ? 0x5000 + i : 0);
		check_wqe_header_reserved(&w);
		for (j = 0; j < PEDMA_UMAX_SGE; j++) {
			CHECK_EQ(w.sge[j].addr, sge[j].addr);
			CHECK_EQ(w.sge[j].length, sge[j].length);
			CHECK_EQ(w.sge[j].lkey, sge[j].lkey);
		}

		/* and with one SGE: the rest of the slot is not ours to care */
		wr.num_sge = 1;
		CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &full_lim), 0);
		CHECK_EQ(w.num_sge, 1);
		CHECK_EQ(w.sge[0].addr, sge[0].addr);

		/* zero SGEs (a 0-byte SEND or WRITE) */
		wr.num_sge = 0;
		wr.sg_list = NULL;
		CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &full_lim), 0);
		CHECK_EQ(w.num_sge, 0);
	}
}

static void test_sq_flags(void)
{
	static const struct {
		unsigned int send_flags;
		bool sig_all;
		uint8_t flags;
	} cases[] = {
		{ 0, false, 0 },
		{ IBV_SEND_SIGNALED, false, PEDMA_WQE_F_SIGNALED },
		{ 0, true, PEDMA_WQE_F_SIGNALED },
		{ IBV_SEND_SIGNALED, true, PEDMA_WQE_F_SIGNALED },
		{ IBV_SEND_FENCE, false, PEDMA_WQE_F_FENCE },
		{ IBV_SEND_SOLICITED, false, PEDMA_WQE_F_SOLICITED },
		{ IBV_SEND_INLINE, false, PEDMA_WQE_F_INLINE },
		{ IBV_SEND_SIGNALED | IBV_SEND_FENCE | IBV_SEND_SOLICITED |
		  IBV_SEND_INLINE, false,
		  PEDMA_WQE_F_SIGNALED | PEDMA_WQE_F_FENCE |
		  PEDMA_WQE_F_SOLICITED | PEDMA_WQE_F_INLINE },
	};
	char buf[8] = "abcdefg";
	struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = 8, .lkey = 1 };
	struct pedma_sq_wqe w;
	size_t i;

	cur_test = "sq flags";
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pedma_sq_limits lim = full_lim;
		struct ibv_send_wr wr = {
			.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
			.send_flags = cases[i].send_flags,
		};

		lim.sig_all = cases[i].sig_all;
		CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
		CHECKF(w.flags == cases[i].flags, "case %zu: flags %#x, want %#x",
		       i, w.flags, cases[i].flags);
	}
}

static void test_sq_inline(void)
{
	static unsigned char big[PEDMA_MAX_INLINE + 1];
	unsigned char a[5] = "hell", b[7] = "o, wor", c[3] = "ld";
	struct ibv_sge sge[4] = {
		{ .addr = (uintptr_t)a, .length = 4, .lkey = 0xdead },
		{ .addr = 0, .length = 0, .lkey = 0 },	/* empty: skipped */
		{ .addr = (uintptr_t)b, .length = 6, .lkey = 0xdead },
		{ .addr = (uintptr_t)c, .length = 3, .lkey = 0xdead },
	};
	struct ibv_send_wr wr = {
		.wr_id = 77, .sg_list = sge, .num_sge = 4,
		.opcode = IBV_WR_RDMA_WRITE_WITH_IMM,
		.send_flags = IBV_SEND_INLINE | IBV_SEND_SIGNALED,
		.imm_data = htobe32(0x12345678),
		.wr.rdma = { .remote_addr = 0x8000, .rkey = 9 },
	};
	struct pedma_sq_limits lim = full_lim;
	struct pedma_sq_wqe w;
	size_t i;

	cur_test = "sq inline";
	memset(&w, 0xee, sizeof(w));
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.flags, PEDMA_WQE_F_INLINE | PEDMA_WQE_F_SIGNALED);
	CHECK_EQ(w.num_sge, 0);
	CHECK_EQ(w.inline_len, 13);
	CHECK(!memcmp(w.inline_data, "hello, world", 13));
	CHECK_EQ(w.opcode, PEDMA_WQE_OP_RDMA_WRITE_IMM);
	CHECK_EQ(w.imm_data, htobe32(0x12345678));
	CHECK_EQ(w.remote_addr, 0x8000);
	CHECK_EQ(w.rkey, 9);
	check_wqe_header_reserved(&w);

	/* Inline with SEND, zero bytes. */
	wr.opcode = IBV_WR_SEND;
	wr.num_sge = 0;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.inline_len, 0);
	CHECK_EQ(w.flags & PEDMA_WQE_F_INLINE, PEDMA_WQE_F_INLINE);

	/* Exactly the maximum, in one and in many SGEs. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 1);
	sge[0].addr = (uintptr_t)big;
	sge[0].length = PEDMA_MAX_INLINE;
	wr.num_sge = 1;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.inline_len, PEDMA_MAX_INLINE);
	CHECK(!memcmp(w.inline_data, big, PEDMA_MAX_INLINE));
	{
		struct ibv_sge many[PEDMA_UMAX_SGE];
		int j;

		for (j = 0; j < PEDMA_UMAX_SGE; j++) {
			many[j].addr = (uintptr_t)(big + j * 16);
			many[j].length = 16;
			many[j].lkey = 0;
		}
		wr.sg_list = many;
		wr.num_sge = PEDMA_UMAX_SGE;
		CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
		CHECK_EQ(w.inline_len, 16 * PEDMA_UMAX_SGE);
		CHECK(!memcmp(w.inline_data, big, 16 * PEDMA_UMAX_SGE));
		wr.sg_list = sge;
		wr.num_sge = 1;
	}

	/* One byte too many: for the ABI, and for a QP granted less. */
	sge[0].length = PEDMA_MAX_INLINE + 1;
	memset(&w, 0x5a, sizeof(w));
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	CHECK(all_bytes(&w, sizeof(w), 0x5a));	/* untouched */
	lim.max_inline = 64;
	sge[0].length = 64;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	sge[0].length = 65;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	lim.max_inline = 0;
	sge[0].length = 1;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);

	/* Lengths whose sum overflows 32 bits are still too big. */
	{
		struct ibv_sge huge[2] = {
			{ .addr = (uintptr_t)big, .length = 0xffffffffu },
			{ .addr = (uintptr_t)big, .length = 2 },
		};

		lim = full_lim;
		wr.sg_list = huge;
		wr.num_sge = 2;
		CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
		wr.sg_list = sge;
	}

	/* No inline READ. */
	lim = full_lim;
	sge[0].length = 4;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_RDMA_READ;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.send_flags &= ~(unsigned int)IBV_SEND_INLINE;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
}

/*
 * Atomics, with a kernel that has them (lim.atomics): RC, one 8-byte SGE,
 * not inline; the operands land in the WQE.  Without the capability, on
 * a UD QP or with any other buffer shape they are refused.
 */
static void test_sq_atomic(void)
{
	struct ibv_sge sge[2] = {
		{ .addr = 0x1000, .length = 8, .lkey = 0x77 },
		{ .addr = 0x2000, .length = 8, .lkey = 0x77 },
	};
	struct ibv_send_wr wr = {
		.wr_id = 42, .sg_list = sge, .num_sge = 1,
		.opcode = IBV_WR_ATOMIC_CMP_AND_SWP,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = { .remote_addr = 0xabc8, .compare_add = 5,
			       .swap = 0x1122334455667788ULL, .rkey = 0x1234 },
	};
	struct pedma_sq_limits lim = full_lim;
	struct pedma_sq_wqe w;

	cur_test = "sq atomic";
	lim.atomics = true;
	memset(&w, 0xff, sizeof(w));
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.opcode, PEDMA_WQE_OP_ATOMIC_CMP_SWP);
	CHECK_EQ(w.wr_id, 42);
	CHECK_EQ(w.remote_addr, 0xabc8);
	CHECK_EQ(w.rkey, 0x1234);
	CHECK_EQ(w.compare_add, 5);
	CHECK_EQ(w.swap, 0x1122334455667788ULL);
	CHECK_EQ(w.num_sge, 1);
	CHECK_EQ(w.sge[0].addr, 0x1000);
	CHECK_EQ(w.sge[0].length, 8);
	CHECK_EQ(w.sge[0].lkey, 0x77);
	CHECK_EQ(w.flags, PEDMA_WQE_F_SIGNALED);

	wr.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.opcode, PEDMA_WQE_OP_ATOMIC_FETCH_ADD);
	CHECK_EQ(w.compare_add, 5);

	memset(&w, 0x3c, sizeof(w));
	wr.num_sge = 2;			/* two buffers */
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.num_sge = 1;
	sge[0].length = 4;		/* not 8 bytes */
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	sge[0].length = 8;
	wr.send_flags |= IBV_SEND_INLINE;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.send_flags &= ~(unsigned int)IBV_SEND_INLINE;
	lim.ud = true;			/* a UD QP */
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	lim.ud = false;
	lim.atomics = false;		/* a kernel without atomics */
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	CHECK(all_bytes(&w, sizeof(w), 0x3c));
}

static void test_sq_errors(void)
{
	static const enum ibv_wr_opcode bad_ops[] = {
		IBV_WR_ATOMIC_CMP_AND_SWP, IBV_WR_ATOMIC_FETCH_AND_ADD,
		IBV_WR_LOCAL_INV, IBV_WR_BIND_MW, IBV_WR_SEND_WITH_INV,
		IBV_WR_TSO, IBV_WR_DRIVER1, (enum ibv_wr_opcode)99,
	};
	struct ibv_sge sge[PEDMA_UMAX_SGE + 1] = {};
	struct ibv_send_wr wr = {
		.sg_list = sge, .num_sge = 1, .opcode = IBV_WR_SEND,
	};
	struct pedma_sq_limits lim = full_lim;
	struct pedma_sq_wqe w;
	size_t i;

	cur_test = "sq errors";
	memset(&w, 0x3c, sizeof(w));
	for (i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		wr.opcode = bad_ops[i];
		CHECKF(pedma_sq_wqe_encode(&w, &wr, &lim) == EINVAL,
		       "opcode %d accepted", (int)bad_ops[i]);
	}
	wr.opcode = IBV_WR_SEND;

	wr.num_sge = PEDMA_UMAX_SGE + 1;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.num_sge = -1;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.num_sge = 1;
	wr.sg_list = NULL;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.sg_list = sge;

	/* The QP's granted SGE count, not only the ABI's. */
	lim.max_sge = 2;
	wr.num_sge = 2;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	memset(&w, 0x3c, sizeof(w));
	wr.num_sge = 3;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	lim = full_lim;
	wr.num_sge = 1;

	wr.send_flags = IBV_SEND_IP_CSUM;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.send_flags = 1u << 30;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);

	CHECK(all_bytes(&w, sizeof(w), 0x3c));	/* no error wrote anything */
}

/* ---- UC: SEND and RDMA WRITE (with or without imm) only ---------------- */

static void test_sq_uc(void)
{
	static const enum ibv_wr_opcode ok_ops[] = {
		IBV_WR_SEND, IBV_WR_SEND_WITH_IMM, IBV_WR_RDMA_WRITE,
		IBV_WR_RDMA_WRITE_WITH_IMM,
	};
	static const enum ibv_wr_opcode bad_ops[] = {
		IBV_WR_RDMA_READ, IBV_WR_ATOMIC_CMP_AND_SWP,
		IBV_WR_ATOMIC_FETCH_AND_ADD, IBV_WR_SEND_WITH_INV,
		IBV_WR_LOCAL_INV,
	};
	struct ibv_sge sge = { .addr = 0x1000, .length = 8, .lkey = 0x77 };
	struct ibv_send_wr wr = {
		.wr_id = 7, .sg_list = &sge, .num_sge = 1,
		.wr.rdma = { .remote_addr = 0xabc8, .rkey = 0x1234 },
	};
	struct pedma_sq_limits lim = full_lim;
	struct pedma_sq_wqe w;
	size_t i;

	cur_test = "sq uc";
	lim.uc = true;
	lim.atomics = true;	/* the kernel has atomics: still none on UC */
	for (i = 0; i < ARRAY_SIZE(ok_ops); i++) {
		wr.opcode = ok_ops[i];
		memset(&w, 0xff, sizeof(w));
		CHECKF(pedma_sq_wqe_encode(&w, &wr, &lim) == 0,
		       "UC opcode %d refused", (int)ok_ops[i]);
		CHECK_EQ(w.opcode, pedma_wqe_opcode(ok_ops[i]));
		CHECK_EQ(w.wr_id, 7);
	}
	memset(&w, 0x3c, sizeof(w));
	for (i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		wr.opcode = bad_ops[i];
		CHECKF(pedma_sq_wqe_encode(&w, &wr, &lim) == EINVAL,
		       "UC opcode %d accepted", (int)bad_ops[i]);
	}
	CHECK(all_bytes(&w, sizeof(w), 0x3c));
	/* the same READ on an RC QP is fine */
	lim.uc = false;
	wr.opcode = IBV_WR_RDMA_READ;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
}

/* ---- UD ------------------------------------------------------------------- */

static void chain(struct ibv_send_wr *wr, size_t n);

static struct ibv_pd ud_pd, other_pd;

static struct pedma_sq_limits ud_limits(void)
{
	struct pedma_sq_limits lim = full_lim;

	lim.ud = true;
	lim.pd = &ud_pd;
	return lim;
}

static void check_wqe_no_rdma(const struct pedma_sq_wqe *w)
{
	CHECK_EQ(w->reserved0, 0);
	CHECK_EQ(w->rkey, 0);
	CHECK_EQ(w->remote_addr, 0);
	CHECK_EQ(w->reserved1, 0);
	CHECK_EQ(w->compare_add, 0);
	CHECK_EQ(w->swap, 0);
}

static void test_sq_ud(void)
{
	struct pedma_ah ah = { .ibv_ah = { .pd = &ud_pd }, .ah_id = 0x8badf00d };
	struct pedma_ah foreign = { .ibv_ah = { .pd = &other_pd }, .ah_id = 5 };
	struct ibv_sge sge[3] = {
		{ .addr = 0x7000000000ull, .length = 1000, .lkey = 0x11 },
		{ .addr = 0x7000100000ull, .length = 3000, .lkey = 0x22 },
		{ .addr = 0x7000200000ull, .length = 96, .lkey = 0x33 },
	};
	struct ibv_send_wr wr = {
		.wr_id = 0x5555aaaa5555aaaaull,
		.sg_list = sge, .num_sge = 3,
		.opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED | IBV_SEND_SOLICITED,
		.imm_data = htobe32(0x01020304),
		.wr.ud = { .ah = &ah.ibv_ah, .remote_qpn = 0xabcdef,
			   .remote_qkey = 0x11111111 },
	};
	static const enum ibv_wr_opcode not_ud[] = {
		IBV_WR_RDMA_WRITE, IBV_WR_RDMA_WRITE_WITH_IMM, IBV_WR_RDMA_READ,
		IBV_WR_ATOMIC_CMP_AND_SWP, IBV_WR_ATOMIC_FETCH_AND_ADD,
		IBV_WR_SEND_WITH_INV, IBV_WR_LOCAL_INV,
	};
	struct pedma_sq_limits lim = ud_limits();
	unsigned char text[40];
	struct pedma_sq_wqe w;
	size_t i;

	cur_test = "sq ud";

	/* SEND, three SGEs, exactly one 4096-byte packet. */
	memset(&w, 0xff, sizeof(w));
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.wr_id, 0x5555aaaa5555aaaaull);
	CHECK_EQ(w.opcode, PEDMA_WQE_OP_SEND);
	CHECK_EQ(w.flags, PEDMA_WQE_F_SIGNALED | PEDMA_WQE_F_SOLICITED);
	CHECK_EQ(w.ud_ah, 0x8badf00d);
	CHECK_EQ(w.ud_remote_qpn, 0xabcdef);
	CHECK_EQ(w.ud_remote_qkey, 0x11111111);
	CHECK_EQ(w.imm_data, 0);	/* not an _IMM opcode */
	CHECK_EQ(w.inline_len, 0);
	CHECK_EQ(w.num_sge, 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(w.sge[i].addr, sge[i].addr);
		CHECK_EQ(w.sge[i].length, sge[i].length);
		CHECK_EQ(w.sge[i].lkey, sge[i].lkey);
	}
	check_wqe_no_rdma(&w);

	/* The raw bytes the kernel reads: ud_* at their ABI offsets. */
	{
		const unsigned char *raw = (const unsigned char *)&w;
		uint32_t v;

		CHECK_EQ(offsetof(struct pedma_sq_wqe, ud_ah), 32);
		memcpy(&v, raw + 32, 4);
		CHECK_EQ(v, 0x8badf00d);
		memcpy(&v, raw + 36, 4);
		CHECK_EQ(v, 0xabcdef);
		memcpy(&v, raw + 40, 4);
		CHECK_EQ(v, 0x11111111);
	}

	/* SEND_WITH_IMM, inline, to the multicast QPN with the QP's Q_Key. */
	for (i = 0; i < sizeof(text); i++)
		text[i] = (unsigned char)(0xc0 + i);
	{
		struct ibv_sge isge[2] = {
			{ .addr = (uintptr_t)text, .length = 25 },
			{ .addr = (uintptr_t)(text + 25), .length = 15 },
		};
		struct ibv_send_wr iwr = wr;

		iwr.sg_list = isge;
		iwr.num_sge = 2;
		iwr.opcode = IBV_WR_SEND_WITH_IMM;
		iwr.send_flags = IBV_SEND_INLINE;
		iwr.wr.ud.remote_qpn = 0xffffff;
		iwr.wr.ud.remote_qkey = 0x80000000;
		memset(&w, 0xee, sizeof(w));
		CHECK_EQ(pedma_sq_wqe_encode(&w, &iwr, &lim), 0);
		CHECK_EQ(w.opcode, PEDMA_WQE_OP_SEND_IMM);
		CHECK_EQ(w.flags, PEDMA_WQE_F_INLINE);
		CHECK_EQ(w.imm_data, htobe32(0x01020304));
		CHECK_EQ(w.num_sge, 0);
		CHECK_EQ(w.inline_len, 40);
		CHECK(!memcmp(w.inline_data, text, 40));
		CHECK_EQ(w.ud_ah, 0x8badf00d);
		CHECK_EQ(w.ud_remote_qpn, 0xffffff);
		CHECK_EQ(w.ud_remote_qkey, 0x80000000);
		check_wqe_no_rdma(&w);

		/* inline beyond the QP's grant is still refused on UD */
		lim.max_inline = 39;
		CHECK_EQ(pedma_sq_wqe_encode(&w, &iwr, &lim), EINVAL);
		lim = ud_limits();
	}

	/* Everything below is refused and leaves the slot as it was. */
	memset(&w, 0x6b, sizeof(w));
	for (i = 0; i < ARRAY_SIZE(not_ud); i++) {
		struct ibv_send_wr bad = wr;

		bad.opcode = not_ud[i];
		CHECKF(pedma_sq_wqe_encode(&w, &bad, &lim) == EINVAL,
		       "opcode %d accepted on UD", (int)not_ud[i]);
	}
	/* ...the same RDMA WRITE is fine on RC */
	{
		struct ibv_send_wr rc = wr;

		rc.opcode = IBV_WR_RDMA_WRITE;
		rc.num_sge = 0;
		CHECK_EQ(pedma_sq_wqe_encode(&(struct pedma_sq_wqe){ 0 }, &rc,
					     &full_lim), 0);
	}

	/* One byte more than a packet, in SGEs or wrapping 32 bits. */
	sge[2].length = 97;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	sge[0].length = 0xffffffffu;
	sge[1].length = 2;
	sge[2].length = 0;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	sge[0].length = 1000;
	sge[1].length = 3000;
	sge[2].length = 96;

	/* No AH, another PD's AH. */
	wr.wr.ud.ah = NULL;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.wr.ud.ah = &foreign.ibv_ah;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.wr.ud.ah = &ah.ibv_ah;

	/* A QPN wider than 24 bits. */
	wr.wr.ud.remote_qpn = 0x1000000;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), EINVAL);
	wr.wr.ud.remote_qpn = 0xabcdef;
	CHECK(all_bytes(&w, sizeof(w), 0x6b));	/* no error wrote anything */

	/* Zero bytes is a message too. */
	wr.num_sge = 0;
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &lim), 0);
	CHECK_EQ(w.ud_ah, 0x8badf00d);
	CHECK_EQ(w.num_sge, 0);

	/* An RC QP never reads wr.ud: its UD fields stay 0. */
	wr.num_sge = 1;
	memset(&w, 0x6b, sizeof(w));
	CHECK_EQ(pedma_sq_wqe_encode(&w, &wr, &full_lim), 0);
	check_wqe_header_reserved(&w);

	/* Posting a chain: a WRITE in the middle stops it there. */
	{
		struct ibv_send_wr chainwr[3] = { wr, wr, wr };
		struct ibv_send_wr *badwr = NULL;
		struct pedma_ring sq;
		struct pedma_ring_hdr *hdr;
		uint32_t posted;

		chainwr[0].wr_id = 1;
		chainwr[1].wr_id = 2;
		chainwr[1].opcode = IBV_WR_RDMA_WRITE;
		chainwr[2].wr_id = 3;
		chain(chainwr, 3);
		hdr = make_ring(&sq, 4, sizeof(struct pedma_sq_wqe), 7, true);
		CHECK_EQ(pedma_sq_post(&sq, &lim, chainwr, &badwr, &posted),
			 EINVAL);
		CHECK(badwr == &chainwr[1]);
		CHECK_EQ(posted, 1);
		CHECK_EQ(hdr->prod, 8);
		CHECK_EQ(((struct pedma_sq_wqe *)pedma_ring_slot(&sq, 7))->ud_ah,
			 0x8badf00d);
		free(hdr);
	}
}

/* ---- SQ posting ----------------------------------------------------------- */

static void chain(struct ibv_send_wr *wr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
}

static void test_sq_post(void)
{
	struct ibv_sge sge = { .addr = 0x1000, .length = 64, .lkey = 3 };
	struct ibv_send_wr wr[6], *bad;
	struct pedma_ring sq;
	struct pedma_ring_hdr *hdr;
	struct pedma_sq_wqe *w;
	uint32_t posted;
	size_t i;
	int ret;

	cur_test = "sq post";
	memset(wr, 0, sizeof(wr));
	for (i = 0; i < ARRAY_SIZE(wr); i++) {
		wr[i].wr_id = 100 + i;
		wr[i].sg_list = &sge;
		wr[i].num_sge = 1;
		wr[i].opcode = IBV_WR_RDMA_WRITE;
	}

	/* 4 slots, counters 2 before the 32-bit wrap. */
	hdr = make_ring(&sq, 4, sizeof(struct pedma_sq_wqe), 0xfffffffeu, true);

	/* Five WRs into four slots: the fifth finds the ring full. */
	chain(wr, 5);
	bad = NULL;
	ret = pedma_sq_post(&sq, &full_lim, wr, &bad, &posted);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[4]);
	CHECK_EQ(posted, 4);
	CHECK_EQ(hdr->prod, 2);		/* wrapped */
	CHECK_EQ(sq.head, 2);
	CHECK_EQ(hdr->cons, 0xfffffffeu);	/* ours to read, not write */
	for (i = 0; i < 4; i++) {
		w = pedma_ring_slot(&sq, 0xfffffffeu + (uint32_t)i);
		CHECK_EQ(w->wr_id, 100 + i);
	}
	/* counter 0xfffffffe is slot 2, then 3, 0, 1 */
	w = (struct pedma_sq_wqe *)sq.slots;
	CHECK_EQ(w[2].wr_id, 100);
	CHECK_EQ(w[3].wr_id, 101);
	CHECK_EQ(w[0].wr_id, 102);
	CHECK_EQ(w[1].wr_id, 103);

	/* Full: nothing goes in, nothing is published. */
	bad = NULL;
	ret = pedma_sq_post(&sq, &full_lim, &wr[4], &bad, &posted);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[4]);
	CHECK_EQ(posted, 0);
	CHECK_EQ(hdr->prod, 2);

	/* The kernel consumes two: two more fit, in slots 2 and 3. */
	hdr->cons = 0;
	chain(wr, 6);
	bad = NULL;
	ret = pedma_sq_post(&sq, &full_lim, &wr[3], &bad, &posted);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[5]);
	CHECK_EQ(posted, 2);
	CHECK_EQ(hdr->prod, 4);
	CHECK_EQ(w[2].wr_id, 103);
	CHECK_EQ(w[3].wr_id, 104);

	/* Emptied: a bad WR in the middle stops the chain there. */
	hdr->cons = 4;
	wr[1].opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
	chain(wr, 3);
	bad = NULL;
	ret = pedma_sq_post(&sq, &full_lim, wr, &bad, &posted);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[1]);
	CHECK_EQ(posted, 1);
	CHECK_EQ(hdr->prod, 5);

	/* A bad first WR publishes nothing. */
	bad = NULL;
	ret = pedma_sq_post(&sq, &full_lim, &wr[1], &bad, &posted);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[1]);
	CHECK_EQ(posted, 0);
	CHECK_EQ(hdr->prod, 5);

	/* All good: bad_wr untouched, all published. */
	wr[1].opcode = IBV_WR_SEND;
	bad = (struct ibv_send_wr *)0x1;
	ret = pedma_sq_post(&sq, &full_lim, wr, &bad, &posted);
	CHECK_EQ(ret, 0);
	CHECK(bad == (struct ibv_send_wr *)0x1);
	CHECK_EQ(posted, 3);
	CHECK_EQ(hdr->prod, 8);
	free(hdr);
}

/* ---- RQ ------------------------------------------------------------------- */

static void test_rq(void)
{
	struct ibv_sge sge[PEDMA_UMAX_SGE + 1];
	struct ibv_recv_wr wr[3], *bad;
	struct pedma_ring rq;
	struct pedma_ring_hdr *hdr;
	struct pedma_rq_wqe w;
	uint32_t posted;
	int i, ret;

	cur_test = "rq";
	for (i = 0; i <= PEDMA_UMAX_SGE; i++) {
		sge[i].addr = 0x2000 + (uint64_t)i * 64;
		sge[i].length = 64;
		sge[i].lkey = 40 + i;
	}
	memset(wr, 0, sizeof(wr));
	for (i = 0; i < 3; i++) {
		wr[i].wr_id = 500 + i;
		wr[i].sg_list = sge;
		wr[i].num_sge = PEDMA_UMAX_SGE;
		wr[i].next = i < 2 ? &wr[i + 1] : NULL;
	}

	memset(&w, 0xff, sizeof(w));
	CHECK_EQ(pedma_rq_wqe_encode(&w, &wr[0], PEDMA_UMAX_SGE), 0);
	CHECK_EQ(w.wr_id, 500);
	CHECK_EQ(w.num_sge, PEDMA_UMAX_SGE);
	CHECK(all_bytes(w.reserved, sizeof(w.reserved), 0));
	for (i = 0; i < PEDMA_UMAX_SGE; i++) {
		CHECK_EQ(w.sge[i].addr, sge[i].addr);
		CHECK_EQ(w.sge[i].length, 64);
		CHECK_EQ(w.sge[i].lkey, 40 + i);
	}
	wr[0].num_sge = 0;
	CHECK_EQ(pedma_rq_wqe_encode(&w, &wr[0], PEDMA_UMAX_SGE), 0);
	CHECK_EQ(w.num_sge, 0);

	memset(&w, 0x77, sizeof(w));
	wr[0].num_sge = PEDMA_UMAX_SGE + 1;
	CHECK_EQ(pedma_rq_wqe_encode(&w, &wr[0], PEDMA_UMAX_SGE), EINVAL);
	wr[0].num_sge = 2;
	CHECK_EQ(pedma_rq_wqe_encode(&w, &wr[0], 1), EINVAL);
	wr[0].num_sge = -3;
	CHECK_EQ(pedma_rq_wqe_encode(&w, &wr[0], PEDMA_UMAX_SGE), EINVAL);
	wr[0].num_sge = 1;
	wr[0].sg_list = NULL;
	CHECK_EQ(pedma_rq_wqe_encode(&w, &wr[0], PEDMA_UMAX_SGE), EINVAL);
	CHECK(all_bytes(&w, sizeof(w), 0x77));
	wr[0].sg_list = sge;

	/* Two slots across the wrap. */
	hdr = make_ring(&rq, 2, sizeof(struct pedma_rq_wqe), 0xffffffffu, true);
	bad = NULL;
	ret = pedma_rq_post(&rq, PEDMA_UMAX_SGE, wr, &bad, &posted);
	CHECK_EQ(ret, ENOMEM);
	CHECK(bad == &wr[2]);
	CHECK_EQ(posted, 2);
	CHECK_EQ(hdr->prod, 1);
	CHECK_EQ(((struct pedma_rq_wqe *)pedma_ring_slot(&rq, 0xffffffffu))->wr_id, 500);
	CHECK_EQ(((struct pedma_rq_wqe *)pedma_ring_slot(&rq, 0))->wr_id, 501);

	hdr->cons = 0;			/* one consumed */
	wr[2].num_sge = PEDMA_UMAX_SGE + 1;
	bad = NULL;
	ret = pedma_rq_post(&rq, PEDMA_UMAX_SGE, &wr[2], &bad, &posted);
	CHECK_EQ(ret, EINVAL);
	CHECK(bad == &wr[2]);
	CHECK_EQ(posted, 0);
	CHECK_EQ(hdr->prod, 1);
	wr[2].num_sge = 1;
	ret = pedma_rq_post(&rq, PEDMA_UMAX_SGE, &wr[2], &bad, &posted);
	CHECK_EQ(ret, 0);
	CHECK_EQ(posted, 1);
	CHECK_EQ(hdr->prod, 2);
	free(hdr);
}

/* ---- CQE ------------------------------------------------------------------ */

static struct pedma_cqe sample_cqe(uint8_t opcode, uint8_t flags,
				   uint8_t status)
{
	struct pedma_cqe c;

	memset(&c, 0, sizeof(c));
	c.wr_id = 0xabcdef0123456789ull;
	c.status = status;
	c.opcode = opcode;
	c.flags = flags;
	c.sl = 5;
	c.vendor_err = 0x77;
	c.byte_len = 4096;
	c.imm_data = htobe32(0xdeadbeef);
	c.qp_num = 0x123456;
	c.src_qp = 0x654321;
	c.slid = 0x1234;
	c.pkey_index = 3;
	c.dlid_path_bits = 0x7f;
	return c;
}

static void test_cqe_decode(void)
{
	static const struct {
		uint8_t op;
		enum ibv_wc_opcode wc_op;
	} ops[] = {
		{ PEDMA_CQE_OP_SEND, IBV_WC_SEND },
		{ PEDMA_CQE_OP_RDMA_WRITE, IBV_WC_RDMA_WRITE },
		{ PEDMA_CQE_OP_RDMA_READ, IBV_WC_RDMA_READ },
		{ PEDMA_CQE_OP_RECV, IBV_WC_RECV },
		{ PEDMA_CQE_OP_RECV_RDMA_IMM, IBV_WC_RECV_RDMA_WITH_IMM },
		{ PEDMA_CQE_OP_ATOMIC_CMP_SWP, IBV_WC_COMP_SWAP },
		{ PEDMA_CQE_OP_ATOMIC_FETCH_ADD, IBV_WC_FETCH_ADD },
	};
	static const struct {
		uint8_t flags;
		unsigned int wc_flags;
	} flags[] = {
		{ 0, 0 },
		{ PEDMA_CQE_F_IMM, IBV_WC_WITH_IMM },
		{ PEDMA_CQE_F_GRH, IBV_WC_GRH },
		{ PEDMA_CQE_F_IMM | PEDMA_CQE_F_GRH, IBV_WC_WITH_IMM | IBV_WC_GRH },
		{ 0x80, 0 },	/* unknown bits are dropped */
	};
	struct pedma_cqe c;
	struct ibv_wc wc;
	size_t i, j;

	cur_test = "cqe decode";
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			c = sample_cqe(ops[i].op, flags[j].flags, IBV_WC_SUCCESS);
			memset(&wc, 0xff, sizeof(wc));
			pedma_cqe_to_wc(&c, &wc);
			CHECK_EQ(wc.wr_id, c.wr_id);
			CHECK_EQ(wc.status, IBV_WC_SUCCESS);
			CHECK_EQ(wc.opcode, ops[i].wc_op);
			CHECKF(wc.wc_flags == flags[j].wc_flags,
			       "op %u flags %#x: wc_flags %#x", ops[i].op,
			       flags[j].flags, wc.wc_flags);
			CHECK_EQ(wc.vendor_err, 0x77);
			CHECK_EQ(wc.byte_len, 4096);
			CHECK_EQ(wc.imm_data, htobe32(0xdeadbeef));
			CHECK_EQ(wc.qp_num, 0x123456);
			CHECK_EQ(wc.src_qp, 0x654321);
			CHECK_EQ(wc.slid, 0x1234);
			CHECK_EQ(wc.sl, 5);
			CHECK_EQ(wc.pkey_index, 3);
			CHECK_EQ(wc.dlid_path_bits, 0x7f);
		}
	}

	/* Status numbers pass through: both sides use enum ib(v)_wc_status. */
	for (i = IBV_WC_SUCCESS; i <= IBV_WC_TM_RNDV_INCOMPLETE; i++) {
		c = sample_cqe(PEDMA_CQE_OP_RECV, 0, (uint8_t)i);
		pedma_cqe_to_wc(&c, &wc);
		CHECK_EQ(wc.status, i);
	}
	CHECK_EQ(IBV_WC_WR_FLUSH_ERR, 5);
	CHECK_EQ(IBV_WC_REM_ACCESS_ERR, 10);
	CHECK_EQ(IBV_WC_RETRY_EXC_ERR, 12);

	/* An opcode we do not know must not pass for a success. */
	c = sample_cqe(200, 0, IBV_WC_SUCCESS);
	pedma_cqe_to_wc(&c, &wc);
	CHECK_EQ(wc.status, IBV_WC_GENERAL_ERR);
	CHECK_EQ(wc.wr_id, c.wr_id);
	c = sample_cqe(200, 0, IBV_WC_WR_FLUSH_ERR);
	pedma_cqe_to_wc(&c, &wc);
	CHECK_EQ(wc.status, IBV_WC_WR_FLUSH_ERR);
}

static void test_cq_poll(void)
{
	struct pedma_ring cq;
	struct pedma_ring_hdr *hdr;
	struct pedma_cqe *slot;
	struct ibv_wc wc[8];
	uint32_t k;
	int n;

	cur_test = "cq poll";
	hdr = make_ring(&cq, 4, sizeof(struct pedma_cqe), 0xfffffffeu, false);

	/* empty */
	CHECK_EQ(pedma_cq_poll(&cq, 8, wc), 0);
	CHECK_EQ(hdr->cons, 0xfffffffeu);

	/* the "kernel" fills the ring: 4 CQEs across the wrap */
	for (k = 0; k < 4; k++) {
		slot = pedma_ring_slot(&cq, 0xfffffffeu + k);
		*slot = sample_cqe(PEDMA_CQE_OP_SEND, 0, IBV_WC_SUCCESS);
		slot->wr_id = 1000 + k;
	}
	hdr->prod = 2;

	CHECK_EQ(pedma_cq_poll(&cq, 0, wc), 0);
	CHECK_EQ(pedma_cq_poll(&cq, -1, wc), 0);
	CHECK_EQ(hdr->cons, 0xfffffffeu);

	n = pedma_cq_poll(&cq, 3, wc);
	CHECK_EQ(n, 3);
	CHECK_EQ(wc[0].wr_id, 1000);
	CHECK_EQ(wc[1].wr_id, 1001);
	CHECK_EQ(wc[2].wr_id, 1002);
	CHECK_EQ(hdr->cons, 1);		/* published, wrapped */

	n = pedma_cq_poll(&cq, 8, wc);
	CHECK_EQ(n, 1);
	CHECK_EQ(wc[0].wr_id, 1003);
	CHECK_EQ(hdr->cons, 2);
	CHECK_EQ(pedma_cq_poll(&cq, 8, wc), 0);

	/* more after a partial refill */
	slot = pedma_ring_slot(&cq, 2);
	*slot = sample_cqe(PEDMA_CQE_OP_RECV_RDMA_IMM, PEDMA_CQE_F_IMM,
			   IBV_WC_SUCCESS);
	hdr->prod = 3;
	n = pedma_cq_poll(&cq, 8, wc);
	CHECK_EQ(n, 1);
	CHECK_EQ(wc[0].opcode, IBV_WC_RECV_RDMA_WITH_IMM);
	CHECK_EQ(wc[0].wc_flags, IBV_WC_WITH_IMM);
	CHECK_EQ(hdr->cons, 3);
	free(hdr);
}

/* ---- Doorbell ------------------------------------------------------------- */

static void test_doorbell_build(void)
{
	static const struct {
		uint32_t command;
		uint32_t wqe_size;
	} cmds[] = {
		{ IB_USER_VERBS_CMD_POST_SEND, sizeof(struct ib_uverbs_send_wr) },
		{ IB_USER_VERBS_CMD_POST_RECV, sizeof(struct ib_uverbs_recv_wr) },
		{ IB_USER_VERBS_CMD_POST_SRQ_RECV, sizeof(struct ib_uverbs_recv_wr) },
	};
	struct pedma_doorbell_resp resp;
	struct pedma_doorbell_cmd cmd;
	size_t i;

	cur_test = "doorbell";
	CHECK_EQ(sizeof(cmd), 32);
	/* fixed numbers of the legacy write ABI */
	CHECK_EQ(IB_USER_VERBS_CMD_POST_SEND, 28);
	CHECK_EQ(IB_USER_VERBS_CMD_POST_RECV, 29);
	CHECK_EQ(IB_USER_VERBS_CMD_POST_SRQ_RECV, 36);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&cmd, 0xff, sizeof(cmd));
		pedma_doorbell_build(&cmd, cmds[i].command, 0x42 + i, &resp);
		CHECK_EQ(cmd.hdr.command, cmds[i].command);
		/* in words, header included: the whole write() */
		CHECK_EQ(cmd.hdr.in_words * 4u, sizeof(cmd));
		CHECK_EQ(cmd.hdr.out_words * 4u, sizeof(resp));
		CHECK_EQ(cmd.response, (uintptr_t)&resp);
		CHECK_EQ(cmd.handle, 0x42 + i);
		CHECK_EQ(cmd.wr_count, 0);
		CHECK_EQ(cmd.sge_count, 0);
		CHECK_EQ(cmd.wqe_size, cmds[i].wqe_size);
	}
	CHECK_EQ(sizeof(struct ib_uverbs_send_wr), 56);
	CHECK_EQ(sizeof(struct ib_uverbs_recv_wr), 16);
}

int main(void)
{
	test_arithmetic();
	test_ring_init_and_slots();
	test_sq_opcodes();
	test_sq_flags();
	test_sq_inline();
	test_sq_errors();
	test_sq_atomic();
	test_sq_uc();
	test_sq_ud();
	test_sq_post();
	test_rq();
	test_cqe_decode();
	test_cq_poll();
	test_doorbell_build();
	return check_summary("test_provider_ring");
}
