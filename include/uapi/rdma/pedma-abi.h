/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * pedma user/kernel ABI: the udata the kernel driver and the libibverbs
 * provider (providers/pedma) exchange, and the formats of the rings they
 * share through mmap.  Used by both; nothing else.
 *
 * ABI version 2: ucontext, CQ, QP and SRQ with mmap'd rings.
 * ABI version 3: UD QPs (and QP1 for kernel users), address handles made
 * by the kernel (create_ah returns an ah_id the SQ WQE names).
 * Every udata struct is padded to 8 bytes and grows only at the end.
 *
 * Rings.  Each ring is one mmap (offset from the create response) that
 * starts with struct pedma_ring_hdr; entries follow at
 * PEDMA_RING_HDR_SIZE, `entries` of them (a power of two), slot i at
 * index i & (entries - 1).  prod and cons are free-running u32 counters.
 *
 *   ring  producer        consumer  entry
 *   SQ    user  (prod)    kernel    struct pedma_sq_wqe
 *   RQ    user  (prod)    kernel    struct pedma_rq_wqe  (QP or SRQ)
 *   CQ    kernel (prod)   user      struct pedma_cqe
 *
 * The producer writes entries, then publishes prod with release order;
 * the consumer reads prod with acquire order, then the entries, and
 * publishes cons once it no longer needs them.  The kernel copies every
 * entry it consumes before validating it and trusts neither the user's
 * prod nor cons beyond bounds checks.
 *
 * Doorbells: after writing SQ or RQ entries the provider issues a
 * POST_SEND / POST_RECV / POST_SRQ_RECV command with wr_count 0 on the
 * command fd; the kernel then consumes the ring.  A CQ needs no doorbell.
 * Userspace never sees a physical or bus address.
 */
#ifndef PEDMA_ABI_USER_H
#define PEDMA_ABI_USER_H

#include <linux/types.h>

#define PEDMA_UVERBS_ABI_VERSION	3

/* Bits in pedma_alloc_ucontext_resp.caps */
#define PEDMA_UCTX_CAP_NONE		0
#define PEDMA_UCTX_CAP_ATOMIC		0x1	/* the two atomic WQE opcodes */

struct pedma_alloc_ucontext_resp {
	__u32 abi_version;	/* PEDMA_UVERBS_ABI_VERSION */
	__u32 caps;
	__u32 role;		/* PEDMA_ROLE_HOST or PEDMA_ROLE_EP */
	__u32 max_inline;	/* PEDMA_MAX_INLINE */
	__u32 max_sge;		/* PEDMA_UMAX_SGE */
	__u32 sq_wqe_size;	/* sizeof(struct pedma_sq_wqe) */
	__u32 rq_wqe_size;	/* sizeof(struct pedma_rq_wqe) */
	__u32 cqe_size;		/* sizeof(struct pedma_cqe) */
};

#define PEDMA_RING_HDR_SIZE		128
#define PEDMA_MAX_INLINE		256
#define PEDMA_UMAX_SGE			16

struct pedma_ring_hdr {
	__u32 prod;
	__u32 reserved0[15];
	__u32 cons;
	__u32 reserved1[15];
};

struct pedma_sge {
	__aligned_u64 addr;
	__u32 length;
	__u32 lkey;
};

/* pedma_sq_wqe.opcode */
#define PEDMA_WQE_OP_RDMA_WRITE		0
#define PEDMA_WQE_OP_RDMA_WRITE_IMM	1
#define PEDMA_WQE_OP_SEND		2
#define PEDMA_WQE_OP_SEND_IMM		3
#define PEDMA_WQE_OP_RDMA_READ		4
/* with PEDMA_UCTX_CAP_ATOMIC; RC, one 8-byte SGE, not inline */
#define PEDMA_WQE_OP_ATOMIC_CMP_SWP	5
#define PEDMA_WQE_OP_ATOMIC_FETCH_ADD	6

/* pedma_sq_wqe.flags */
#define PEDMA_WQE_F_SIGNALED		0x01
#define PEDMA_WQE_F_FENCE		0x02
#define PEDMA_WQE_F_SOLICITED		0x04
#define PEDMA_WQE_F_INLINE		0x08

struct pedma_sq_wqe {
	__aligned_u64 wr_id;
	__u8 opcode;		/* PEDMA_WQE_OP_* */
	__u8 flags;		/* PEDMA_WQE_F_* */
	__u8 num_sge;		/* sge[] used, unless INLINE */
	__u8 reserved0;
	__be32 imm_data;	/* as in ibv_send_wr */
	__u32 inline_len;	/* bytes in inline_data, if INLINE */
	__u32 rkey;
	__aligned_u64 remote_addr;
	__u32 ud_ah;		/* UD: pedma_create_ah_resp.ah_id */
	__u32 ud_remote_qpn;	/* UD: destination QP (0xffffff: multicast) */
	__u32 ud_remote_qkey;	/* UD: Q_Key; high bit set: the QP's own */
	__u32 reserved1;
	__aligned_u64 compare_add;	/* atomics: compare, or the addend */
	__aligned_u64 swap;		/* ATOMIC_CMP_SWP: the new value */
	union {
		struct pedma_sge sge[PEDMA_UMAX_SGE];
		__u8 inline_data[PEDMA_MAX_INLINE];
	};
};

struct pedma_rq_wqe {
	__aligned_u64 wr_id;
	__u8 num_sge;
	__u8 reserved[7];
	struct pedma_sge sge[PEDMA_UMAX_SGE];
};

/* pedma_cqe.opcode */
#define PEDMA_CQE_OP_SEND		0
#define PEDMA_CQE_OP_RDMA_WRITE		1
#define PEDMA_CQE_OP_RDMA_READ		2
#define PEDMA_CQE_OP_RECV		3
#define PEDMA_CQE_OP_RECV_RDMA_IMM	4
#define PEDMA_CQE_OP_ATOMIC_CMP_SWP	5
#define PEDMA_CQE_OP_ATOMIC_FETCH_ADD	6

/* pedma_cqe.flags */
#define PEDMA_CQE_F_IMM			0x01
#define PEDMA_CQE_F_GRH			0x02

/*
 * status carries the IB work completion status, numbered as enum
 * ib_wc_status and enum ibv_wc_status (the two agree).
 */
struct pedma_cqe {
	__aligned_u64 wr_id;
	__u8 status;
	__u8 opcode;		/* PEDMA_CQE_OP_* */
	__u8 flags;		/* PEDMA_CQE_F_* */
	__u8 sl;
	__u32 vendor_err;
	__u32 byte_len;
	__be32 imm_data;
	__u32 qp_num;
	__u32 src_qp;
	__u16 slid;
	__u16 pkey_index;
	__u8 dlid_path_bits;
	__u8 reserved0[3];
	__aligned_u64 reserved1;
};

/* create_cq: no driver request data */
struct pedma_create_cq_resp {
	__aligned_u64 ring_offset;	/* mmap offset of the CQ ring */
	__u32 ring_size;		/* bytes to mmap */
	__u32 entries;			/* slots, >= cqe asked for */
};

/*
 * resize_cq: no driver request data.  The kernel moves the completions the
 * consumer has not taken (from cons in the old ring's header, which the
 * provider keeps current and does not change during the command) into a
 * new ring, at the same counters: the new header's prod and cons continue
 * the old ones.  The provider maps the new ring and unmaps the old one
 * (the kernel no longer writes it).  Fails (EINVAL) when more completions
 * are outstanding than the new cqe.  A provider that does not know
 * resize_cq never sends it; nothing else changes.
 */
struct pedma_resize_cq_resp {
	__aligned_u64 ring_offset;	/* mmap offset of the new CQ ring */
	__u32 ring_size;		/* bytes to mmap */
	__u32 entries;			/* slots, >= cqe asked for */
};

/* create_qp: no driver request data */
struct pedma_create_qp_resp {
	__aligned_u64 sq_offset;	/* mmap offsets; 0 if the QP has no such ring */
	__aligned_u64 rq_offset;	/* 0 when the QP uses an SRQ */
	__u32 sq_size;			/* bytes to mmap */
	__u32 rq_size;
	__u32 sq_entries;
	__u32 rq_entries;
	__u32 max_inline;
	__u32 reserved;
};

struct pedma_create_srq_resp {
	__aligned_u64 rq_offset;
	__u32 rq_size;
	__u32 rq_entries;
};

/*
 * create_ah (ABI 3): no driver request data.  The kernel validates the
 * address vector and keeps it; UD work requests name it by ah_id, which
 * the kernel checks against the QP's PD on every use.
 */
struct pedma_create_ah_resp {
	__u32 ah_id;
	__u32 reserved;
};

#endif /* PEDMA_ABI_USER_H */
