/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ring protocol of pedma uverbs ABI 3 (include/uapi/rdma/pedma-abi.h),
 * userspace side, on plain memory: ring arithmetic, SQ/RQ WQE encoding,
 * CQE decoding, posting to and polling from a ring, and the doorbell
 * command.  Nothing here makes a system call or needs a device, so the
 * unit tests run all of it on calloc()ed rings.
 *
 * Counters.  prod and cons are free-running u32s; a ring holds
 * prod - cons entries (mod 2^32), slot i is i & (entries - 1), entries is
 * a power of two <= 2^31.  The side that produces keeps its own counter
 * (struct pedma_ring.head) and only ever stores it to the header; it loads
 * the other side's counter from the header.
 *
 * Memory ordering (the kernel is the other party; the C11 model still
 * describes what we need from the compiler and CPU):
 *   - producer (SQ, RQ): load cons with acquire, so that the kernel's
 *     reads of the slots it released happen before we overwrite them;
 *     write entries with plain stores; store prod with release, so that
 *     the entries are visible before the kernel can see the new prod.
 *   - consumer (CQ): load prod with acquire, so that the kernel's CQE
 *     stores are visible before we read the slots; read entries; store
 *     cons with release, so that our reads are done before the kernel may
 *     reuse the slots.
 * The header fields are plain __u32 in the ABI; the __atomic builtins
 * work on them directly.
 */
#ifndef PEDMA_RING_H
#define PEDMA_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/pedma-abi.h>

_Static_assert(sizeof(struct pedma_ring_hdr) == PEDMA_RING_HDR_SIZE,
	       "ring header size");
_Static_assert(offsetof(struct pedma_sq_wqe, sge) % 8 == 0 &&
	       sizeof(struct pedma_sq_wqe) % 8 == 0 &&
	       sizeof(struct pedma_rq_wqe) % 8 == 0 &&
	       sizeof(struct pedma_cqe) % 8 == 0,
	       "ring entries keep 8-byte alignment from slot to slot");
_Static_assert(sizeof(struct pedma_sge) == sizeof(struct ibv_sge) &&
	       offsetof(struct pedma_sge, addr) == offsetof(struct ibv_sge, addr) &&
	       offsetof(struct pedma_sge, length) == offsetof(struct ibv_sge, length) &&
	       offsetof(struct pedma_sge, lkey) == offsetof(struct ibv_sge, lkey),
	       "pedma_sge mirrors ibv_sge");
_Static_assert(sizeof(((struct pedma_sq_wqe *)0)->inline_data) ==
	       PEDMA_MAX_INLINE, "inline area");
_Static_assert(PEDMA_UMAX_SGE <= UINT8_MAX, "num_sge is a u8");

/* ---- Ring arithmetic ------------------------------------------------------ */

struct pedma_ring {
	struct pedma_ring_hdr *hdr;	/* start of the ring (the mmap) */
	unsigned char *slots;		/* hdr + PEDMA_RING_HDR_SIZE */
	uint32_t entries;		/* power of two */
	uint32_t entry_size;
	uint32_t head;			/* our counter: prod (SQ/RQ) or cons (CQ) */
	size_t map_size;		/* bytes mapped at hdr; 0: no ring */
};

static inline bool pedma_is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* Entries between cons and prod, wrap-around included. */
static inline uint32_t pedma_ring_used(uint32_t prod, uint32_t cons)
{
	return prod - cons;	/* unsigned: defined modulo 2^32 */
}

/*
 * Room for one more?  A used count above entries can only come from a
 * corrupt cons; it reads as full, so we never overwrite a slot.
 */
static inline bool pedma_ring_has_room(uint32_t prod, uint32_t cons,
				       uint32_t entries)
{
	return pedma_ring_used(prod, cons) < entries;
}

static inline uint32_t pedma_ring_index(uint32_t counter, uint32_t entries)
{
	return counter & (entries - 1);
}

static inline void *pedma_ring_slot(const struct pedma_ring *r,
				    uint32_t counter)
{
	return r->slots +
	       (size_t)pedma_ring_index(counter, r->entries) * r->entry_size;
}

/* A ring the kernel describes: entries a power of two, and it fits. */
static inline bool pedma_ring_layout_ok(uint64_t map_size, uint32_t entries,
					uint32_t entry_size)
{
	return pedma_is_pow2(entries) && entry_size &&
	       map_size >= PEDMA_RING_HDR_SIZE +
			   (uint64_t)entries * entry_size;
}

/*
 * Describe a ring at mem (layout already checked).  Our counter starts
 * where the kernel left the header; the create system call that returned
 * the ring orders the kernel's initialisation before these loads.
 */
static inline void pedma_ring_init(struct pedma_ring *r, void *mem,
				   size_t map_size, uint32_t entries,
				   uint32_t entry_size, bool producer)
{
	r->hdr = mem;
	r->slots = (unsigned char *)mem + PEDMA_RING_HDR_SIZE;
	r->entries = entries;
	r->entry_size = entry_size;
	r->map_size = map_size;
	/* Relaxed: nobody races with us before the ring is handed out. */
	r->head = producer ? __atomic_load_n(&r->hdr->prod, __ATOMIC_RELAXED)
			   : __atomic_load_n(&r->hdr->cons, __ATOMIC_RELAXED);
}

/* Producer side: the kernel's progress; pairs with its release of cons. */
static inline uint32_t pedma_ring_load_cons(const struct pedma_ring *r)
{
	return __atomic_load_n(&r->hdr->cons, __ATOMIC_ACQUIRE);
}

/* Producer side: publish entries written up to head. */
static inline void pedma_ring_publish_prod(struct pedma_ring *r)
{
	/* Release: the entries' stores happen before prod is seen. */
	__atomic_store_n(&r->hdr->prod, r->head, __ATOMIC_RELEASE);
}

/* Consumer side: what the kernel produced; pairs with its release of prod. */
static inline uint32_t pedma_ring_load_prod(const struct pedma_ring *r)
{
	return __atomic_load_n(&r->hdr->prod, __ATOMIC_ACQUIRE);
}

/* Consumer side: hand slots up to head back to the kernel. */
static inline void pedma_ring_publish_cons(struct pedma_ring *r)
{
	/* Release: our reads of the slots happen before the kernel reuses them. */
	__atomic_store_n(&r->hdr->cons, r->head, __ATOMIC_RELEASE);
}

/* ---- Address handles ------------------------------------------------------- */

/*
 * The provider's address handle.  The kernel keeps the address vector
 * (create_ah) and answers with ah_id (struct pedma_create_ah_resp); a UD
 * WQE names the destination by that id, which the kernel checks against
 * the QP's PD on every send.  Here rather than in pedma.h because WQE
 * encoding reads it.
 */
struct pedma_ah {
	struct ibv_ah ibv_ah;		/* must be first */
	uint32_t ah_id;
};

static inline const struct pedma_ah *to_pah(const struct ibv_ah *ah)
{
	return (const struct pedma_ah *)ah;
}

/* ---- SQ WQE ---------------------------------------------------------------- */

/*
 * The longest UD message: one packet of IB's largest MTU (IBV_MTU_4096).
 * No port can carry more in a UD send, whatever its active MTU; the
 * kernel checks the active MTU itself (IBV_WC_LOC_LEN_ERR).
 */
#define PEDMA_UD_MAX_MSG	4096u

/* QP numbers are 24 bits (the BTH's DestQP field). */
#define PEDMA_QPN_MASK		0xffffffu

struct pedma_sq_limits {
	uint32_t max_sge;	/* <= PEDMA_UMAX_SGE */
	uint32_t max_inline;	/* <= PEDMA_MAX_INLINE */
	bool sig_all;		/* QP created with sq_sig_all */
	bool ud;		/* UD QP: sends only, each to an AH */
	bool uc;		/* UC QP: SEND and RDMA WRITE, with or without imm */
	bool atomics;		/* the kernel does PEDMA_WQE_OP_ATOMIC_* */
	const struct ibv_pd *pd;	/* UD: the QP's PD, which AHs must share */
};

#define PEDMA_SEND_FLAGS_SUPPORTED                                             \
	(IBV_SEND_FENCE | IBV_SEND_SIGNALED | IBV_SEND_SOLICITED |             \
	 IBV_SEND_INLINE)

/* ibv_wr_opcode -> PEDMA_WQE_OP_*, or -1 for what pedma does not do. */
static inline int pedma_wqe_opcode(enum ibv_wr_opcode op)
{
	switch (op) {
	case IBV_WR_RDMA_WRITE:
		return PEDMA_WQE_OP_RDMA_WRITE;
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		return PEDMA_WQE_OP_RDMA_WRITE_IMM;
	case IBV_WR_SEND:
		return PEDMA_WQE_OP_SEND;
	case IBV_WR_SEND_WITH_IMM:
		return PEDMA_WQE_OP_SEND_IMM;
	case IBV_WR_RDMA_READ:
		return PEDMA_WQE_OP_RDMA_READ;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
		return PEDMA_WQE_OP_ATOMIC_CMP_SWP;
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		return PEDMA_WQE_OP_ATOMIC_FETCH_ADD;
	default:	/* SEND_WITH_INV, LOCAL_INV, BIND_MW, TSO, ... */
		return -1;
	}
}

/*
 * A UD work request's own checks: SEND or SEND_WITH_IMM (the only UD
 * opcodes IB defines), an AH of the QP's PD, a 24-bit destination QP,
 * one packet at most.  The kernel checks the AH again (it may have been
 * destroyed since) and the port's active MTU.
 */
static inline bool pedma_ud_wr_ok(const struct ibv_send_wr *wr, int op,
				  uint64_t msg_len,
				  const struct pedma_sq_limits *lim)
{
	const struct ibv_ah *ah = wr->wr.ud.ah;

	if (op != PEDMA_WQE_OP_SEND && op != PEDMA_WQE_OP_SEND_IMM)
		return false;
	if (!ah || ah->pd != lim->pd)
		return false;
	if (wr->wr.ud.remote_qpn & ~PEDMA_QPN_MASK)
		return false;
	return msg_len <= PEDMA_UD_MAX_MSG;
}

/*
 * Check wr completely, then encode it into *wqe; returns 0 or EINVAL and
 * leaves *wqe untouched on error.  Inline data is copied from the
 * caller's SGE buffers (IBV_SEND_INLINE: they may be reused on return).
 * On a UD QP (lim->ud) the WQE also names the AH, the destination QP and
 * its Q_Key; on an RC QP those fields stay 0 and wr->wr.ud is not read.
 */
static inline int pedma_sq_wqe_encode(struct pedma_sq_wqe *wqe,
				      const struct ibv_send_wr *wr,
				      const struct pedma_sq_limits *lim)
{
	int op = pedma_wqe_opcode(wr->opcode);
	bool inl = wr->send_flags & IBV_SEND_INLINE;
	bool atomic = op == PEDMA_WQE_OP_ATOMIC_CMP_SWP ||
		      op == PEDMA_WQE_OP_ATOMIC_FETCH_ADD;
	uint64_t msg_len = 0;
	uint8_t flags = 0;
	int i;

	if (op < 0)
		return EINVAL;
	/* UC has no RDMA READ and no atomics (IBA 9.4) */
	if (lim->uc && (op == PEDMA_WQE_OP_RDMA_READ || atomic))
		return EINVAL;
	/* An atomic: RC, into one 8-byte local buffer, never inline */
	if (atomic && (!lim->atomics || lim->ud || inl || wr->num_sge != 1 ||
		       !wr->sg_list || wr->sg_list[0].length != 8))
		return EINVAL;
	if (wr->send_flags & ~(unsigned int)PEDMA_SEND_FLAGS_SUPPORTED)
		return EINVAL;
	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > lim->max_sge ||
	    (wr->num_sge && !wr->sg_list))
		return EINVAL;
	if (inl || lim->ud) {
		/* 64 bits: 16 SGEs of up to 4 GiB each cannot wrap. */
		for (i = 0; i < wr->num_sge; i++)
			msg_len += wr->sg_list[i].length;
	}
	if (inl) {
		/* The target of a READ is local memory: nothing to inline. */
		if (op == PEDMA_WQE_OP_RDMA_READ)
			return EINVAL;
		if (msg_len > lim->max_inline)
			return EINVAL;
	}
	if (lim->ud && !pedma_ud_wr_ok(wr, op, msg_len, lim))
		return EINVAL;

	if (lim->sig_all || (wr->send_flags & IBV_SEND_SIGNALED))
		flags |= PEDMA_WQE_F_SIGNALED;
	if (wr->send_flags & IBV_SEND_FENCE)
		flags |= PEDMA_WQE_F_FENCE;
	if (wr->send_flags & IBV_SEND_SOLICITED)
		flags |= PEDMA_WQE_F_SOLICITED;
	if (inl)
		flags |= PEDMA_WQE_F_INLINE;

	/* Everything before the SGE/inline union, reserved fields zeroed. */
	memset(wqe, 0, offsetof(struct pedma_sq_wqe, sge));
	wqe->wr_id = wr->wr_id;
	wqe->opcode = (uint8_t)op;
	wqe->flags = flags;
	if (op == PEDMA_WQE_OP_RDMA_WRITE_IMM || op == PEDMA_WQE_OP_SEND_IMM)
		wqe->imm_data = wr->imm_data;	/* big-endian, as given */
	if (op == PEDMA_WQE_OP_RDMA_WRITE || op == PEDMA_WQE_OP_RDMA_WRITE_IMM ||
	    op == PEDMA_WQE_OP_RDMA_READ) {
		wqe->remote_addr = wr->wr.rdma.remote_addr;
		wqe->rkey = wr->wr.rdma.rkey;
	}
	if (atomic) {
		wqe->remote_addr = wr->wr.atomic.remote_addr;
		wqe->rkey = wr->wr.atomic.rkey;
		wqe->compare_add = wr->wr.atomic.compare_add;
		wqe->swap = wr->wr.atomic.swap;
	}
	if (lim->ud) {
		wqe->ud_ah = to_pah(wr->wr.ud.ah)->ah_id;
		wqe->ud_remote_qpn = wr->wr.ud.remote_qpn;
		wqe->ud_remote_qkey = wr->wr.ud.remote_qkey;	/* as given */
	}

	if (inl) {
		uint32_t off = 0;

		wqe->num_sge = 0;
		wqe->inline_len = (uint32_t)msg_len;
		for (i = 0; i < wr->num_sge; i++) {
			uint32_t len = wr->sg_list[i].length;

			if (len)
				memcpy(wqe->inline_data + off,
				       (const void *)(uintptr_t)wr->sg_list[i].addr,
				       len);
			off += len;
		}
	} else {
		wqe->num_sge = (uint8_t)wr->num_sge;
		for (i = 0; i < wr->num_sge; i++) {
			wqe->sge[i].addr = wr->sg_list[i].addr;
			wqe->sge[i].length = wr->sg_list[i].length;
			wqe->sge[i].lkey = wr->sg_list[i].lkey;
		}
	}
	return 0;
}

/* ---- RQ WQE (QP or SRQ) ---------------------------------------------------- */

static inline int pedma_rq_wqe_encode(struct pedma_rq_wqe *wqe,
				      const struct ibv_recv_wr *wr,
				      uint32_t max_sge)
{
	int i;

	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > max_sge ||
	    (wr->num_sge && !wr->sg_list))
		return EINVAL;

	memset(wqe, 0, offsetof(struct pedma_rq_wqe, sge));
	wqe->wr_id = wr->wr_id;
	wqe->num_sge = (uint8_t)wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		wqe->sge[i].addr = wr->sg_list[i].addr;
		wqe->sge[i].length = wr->sg_list[i].length;
		wqe->sge[i].lkey = wr->sg_list[i].lkey;
	}
	return 0;
}

/* ---- Posting ------------------------------------------------------------------ */

/*
 * Post a chain of send WRs to the SQ ring: encode each into the next
 * free slot, then publish prod once.  Stops at the first WR that is
 * invalid (EINVAL) or finds the ring full (ENOMEM), and points *bad_wr at
 * it; the WRs before it stay posted.  *posted: WQEs published by this
 * call (the caller rings the doorbell if it is not 0).  The caller
 * serialises posters of one ring.
 */
static inline int pedma_sq_post(struct pedma_ring *sq,
				const struct pedma_sq_limits *lim,
				struct ibv_send_wr *wr,
				struct ibv_send_wr **bad_wr, uint32_t *posted)
{
	uint32_t start = sq->head, prod = sq->head;
	uint32_t cons = pedma_ring_load_cons(sq);
	int err = 0;

	for (; wr; wr = wr->next) {
		if (!pedma_ring_has_room(prod, cons, sq->entries)) {
			/* The kernel may have moved on since we looked. */
			cons = pedma_ring_load_cons(sq);
			if (!pedma_ring_has_room(prod, cons, sq->entries)) {
				err = ENOMEM;
				break;
			}
		}
		err = pedma_sq_wqe_encode(pedma_ring_slot(sq, prod), wr, lim);
		if (err)
			break;
		prod++;
	}
	if (err)
		*bad_wr = wr;

	*posted = prod - start;
	if (prod != start) {
		sq->head = prod;
		pedma_ring_publish_prod(sq);
	}
	return err;
}

/* The same for receive WRs, to a QP's RQ or an SRQ. */
static inline int pedma_rq_post(struct pedma_ring *rq, uint32_t max_sge,
				struct ibv_recv_wr *wr,
				struct ibv_recv_wr **bad_wr, uint32_t *posted)
{
	uint32_t start = rq->head, prod = rq->head;
	uint32_t cons = pedma_ring_load_cons(rq);
	int err = 0;

	for (; wr; wr = wr->next) {
		if (!pedma_ring_has_room(prod, cons, rq->entries)) {
			cons = pedma_ring_load_cons(rq);
			if (!pedma_ring_has_room(prod, cons, rq->entries)) {
				err = ENOMEM;
				break;
			}
		}
		err = pedma_rq_wqe_encode(pedma_ring_slot(rq, prod), wr,
					  max_sge);
		if (err)
			break;
		prod++;
	}
	if (err)
		*bad_wr = wr;

	*posted = prod - start;
	if (prod != start) {
		rq->head = prod;
		pedma_ring_publish_prod(rq);
	}
	return err;
}

/* ---- CQE ------------------------------------------------------------------------ */

/*
 * CQE decoding, in pieces: ibv_poll_cq() (pedma_cqe_to_wc) and the
 * extended CQ's accessors (pedma_fastpath.c) both read CQEs through these
 * and nothing else.
 *
 * The opcode and the status go together: an opcode this provider does not
 * know (a kernel bug) turns a successful completion into
 * IBV_WC_GENERAL_ERR rather than inventing an opcode.
 */
static inline enum ibv_wc_opcode pedma_cqe_opcode(const struct pedma_cqe *cqe,
						  bool *unknown)
{
	*unknown = false;
	switch (cqe->opcode) {
	case PEDMA_CQE_OP_SEND:
		return IBV_WC_SEND;
	case PEDMA_CQE_OP_RDMA_WRITE:
		return IBV_WC_RDMA_WRITE;
	case PEDMA_CQE_OP_RDMA_READ:
		return IBV_WC_RDMA_READ;
	case PEDMA_CQE_OP_RECV:
		return IBV_WC_RECV;
	case PEDMA_CQE_OP_RECV_RDMA_IMM:
		return IBV_WC_RECV_RDMA_WITH_IMM;
	case PEDMA_CQE_OP_ATOMIC_CMP_SWP:
		return IBV_WC_COMP_SWAP;
	case PEDMA_CQE_OP_ATOMIC_FETCH_ADD:
		return IBV_WC_FETCH_ADD;
	default:
		*unknown = true;
		return IBV_WC_SEND;
	}
}

static inline enum ibv_wc_status pedma_cqe_status(const struct pedma_cqe *cqe)
{
	enum ibv_wc_status status = (enum ibv_wc_status)cqe->status;
	bool unknown;

	pedma_cqe_opcode(cqe, &unknown);
	if (unknown && status == IBV_WC_SUCCESS)
		return IBV_WC_GENERAL_ERR;
	return status;
}

/* IBV_WC_WITH_IMM, IBV_WC_GRH */
static inline unsigned int pedma_cqe_wc_flags(const struct pedma_cqe *cqe)
{
	unsigned int flags = 0;

	if (cqe->flags & PEDMA_CQE_F_IMM)
		flags |= IBV_WC_WITH_IMM;
	if (cqe->flags & PEDMA_CQE_F_GRH)
		flags |= IBV_WC_GRH;
	return flags;
}

/* Decode one CQE.  Every ibv_wc member is written. */
static inline void pedma_cqe_to_wc(const struct pedma_cqe *cqe,
				   struct ibv_wc *wc)
{
	bool unknown;

	wc->wr_id = cqe->wr_id;
	wc->status = pedma_cqe_status(cqe);
	wc->opcode = pedma_cqe_opcode(cqe, &unknown);
	wc->vendor_err = cqe->vendor_err;
	wc->byte_len = cqe->byte_len;
	wc->imm_data = cqe->imm_data;	/* big-endian, as ibv_wc wants */
	wc->qp_num = cqe->qp_num;
	wc->src_qp = cqe->src_qp;
	wc->wc_flags = pedma_cqe_wc_flags(cqe);
	wc->pkey_index = cqe->pkey_index;
	wc->slid = cqe->slid;
	wc->sl = cqe->sl;
	wc->dlid_path_bits = cqe->dlid_path_bits;
}

/*
 * The extended CQ's cursor: the next unread CQE at our counter, or NULL
 * when the kernel has produced nothing more.  *prod caches the kernel's
 * prod (loaded with acquire only when the cache is used up).  The slot
 * stays ours until pedma_ring_publish_cons(), which the caller does once
 * it no longer reads the CQEs it took (end_poll).
 */
static inline const struct pedma_cqe *pedma_cq_take(struct pedma_ring *cq,
						    uint32_t *prod)
{
	if (cq->head == *prod) {
		*prod = pedma_ring_load_prod(cq);
		if (cq->head == *prod)
			return NULL;
	}
	return pedma_ring_slot(cq, cq->head++);
}

/*
 * Poll up to n completions from the CQ ring into wc[]; returns how many.
 * Gives the slots back (publishes cons) once, after reading them.  The
 * caller serialises pollers of one CQ.
 */
static inline int pedma_cq_poll(struct pedma_ring *cq, int n,
				struct ibv_wc *wc)
{
	uint32_t cons = cq->head;
	uint32_t prod;
	int i = 0;

	if (n <= 0)
		return 0;
	prod = pedma_ring_load_prod(cq);
	while (i < n && cons != prod) {
		pedma_cqe_to_wc(pedma_ring_slot(cq, cons), &wc[i]);
		cons++;
		i++;
	}
	if (i) {
		cq->head = cons;
		pedma_ring_publish_cons(cq);
	}
	return i;
}

/* ---- Doorbell --------------------------------------------------------------- */

/*
 * The doorbell: a legacy uverbs write() of POST_SEND, POST_RECV or
 * POST_SRQ_RECV with wr_count 0.  The three requests share one layout
 * (response, handle, wr_count, sge_count, wqe_size), as do their
 * responses (bad_wr).  The kernel checks hdr.in_words * 4 == bytes
 * written, header included, and out_words * 4 >= its response size.
 * Declared flat: the kernel structs end in flexible arrays.
 */
struct pedma_doorbell_cmd {
	struct ib_uverbs_cmd_hdr hdr;
	__aligned_u64 response;
	__u32 handle;		/* qp_handle or srq_handle */
	__u32 wr_count;
	__u32 sge_count;
	__u32 wqe_size;
};

struct pedma_doorbell_resp {
	__u32 bad_wr;
};

#define PEDMA_DOORBELL_LAYOUT(_kabi, _handle)                                  \
	_Static_assert(sizeof(struct pedma_doorbell_cmd) ==                    \
		       sizeof(struct ib_uverbs_cmd_hdr) +                      \
		       sizeof(struct _kabi) &&                                 \
		       offsetof(struct pedma_doorbell_cmd, response) -         \
		       sizeof(struct ib_uverbs_cmd_hdr) ==                     \
		       offsetof(struct _kabi, response) &&                     \
		       offsetof(struct pedma_doorbell_cmd, handle) -           \
		       sizeof(struct ib_uverbs_cmd_hdr) ==                     \
		       offsetof(struct _kabi, _handle) &&                      \
		       offsetof(struct pedma_doorbell_cmd, wr_count) -         \
		       sizeof(struct ib_uverbs_cmd_hdr) ==                     \
		       offsetof(struct _kabi, wr_count) &&                     \
		       offsetof(struct pedma_doorbell_cmd, sge_count) -        \
		       sizeof(struct ib_uverbs_cmd_hdr) ==                     \
		       offsetof(struct _kabi, sge_count) &&                    \
		       offsetof(struct pedma_doorbell_cmd, wqe_size) -         \
		       sizeof(struct ib_uverbs_cmd_hdr) ==                     \
		       offsetof(struct _kabi, wqe_size),                       \
		       "doorbell layout matches " #_kabi)
PEDMA_DOORBELL_LAYOUT(ib_uverbs_post_send, qp_handle);
PEDMA_DOORBELL_LAYOUT(ib_uverbs_post_recv, qp_handle);
PEDMA_DOORBELL_LAYOUT(ib_uverbs_post_srq_recv, srq_handle);
#undef PEDMA_DOORBELL_LAYOUT
_Static_assert(sizeof(struct pedma_doorbell_resp) ==
	       sizeof(struct ib_uverbs_post_send_resp) &&
	       sizeof(struct pedma_doorbell_resp) ==
	       sizeof(struct ib_uverbs_post_recv_resp) &&
	       sizeof(struct pedma_doorbell_resp) ==
	       sizeof(struct ib_uverbs_post_srq_recv_resp),
	       "doorbell responses");
_Static_assert(sizeof(struct pedma_doorbell_cmd) % 4 == 0 &&
	       sizeof(struct pedma_doorbell_resp) % 4 == 0,
	       "uverbs sizes are in 4-byte words");

/*
 * command: IB_USER_VERBS_CMD_POST_SEND (wqe_size: the kernel wants at
 * least sizeof(struct ib_uverbs_send_wr), even for no WRs),
 * IB_USER_VERBS_CMD_POST_RECV or _POST_SRQ_RECV (ib_uverbs_recv_wr).
 */
static inline void pedma_doorbell_build(struct pedma_doorbell_cmd *cmd,
					uint32_t command, uint32_t handle,
					struct pedma_doorbell_resp *resp)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->hdr.command = command;
	cmd->hdr.in_words = sizeof(*cmd) / 4;
	cmd->hdr.out_words = sizeof(*resp) / 4;
	cmd->response = (uintptr_t)resp;
	cmd->handle = handle;
	cmd->wr_count = 0;
	cmd->sge_count = 0;
	cmd->wqe_size = command == IB_USER_VERBS_CMD_POST_SEND ?
				sizeof(struct ib_uverbs_send_wr) :
				sizeof(struct ib_uverbs_recv_wr);
}

#endif /* PEDMA_RING_H */
