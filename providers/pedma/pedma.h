/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libpedma: the libibverbs provider for pedma devices (kernel driver
 * pedma.ko, ib devices pedma0, pedma1, ...).
 *
 * Objects wrap the libibverbs ones, which come first so that a pointer to
 * the wrapper and to the libibverbs object are interchangeable.
 *
 * Files:
 *   pedma.c           device matching, context, query, PD, op table, rings' mmap
 *   pedma_mr.c        memory regions (reg, rereg, dereg)
 *   pedma_cq.c        CQ create/notify/resize/destroy
 *   pedma_qp.c        QP create/modify/query/destroy (RC, UC and UD)
 *   pedma_ah.c        address handles, multicast attach/detach
 *   pedma_srq.c       SRQ create/modify/query/destroy
 *   pedma_fastpath.c  post_send, post_recv, post_srq_recv, poll_cq, doorbells
 *   pedma_ring.h      the ring protocol on plain memory (unit-tested)
 */
#ifndef PEDMA_PROVIDER_H
#define PEDMA_PROVIDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pedma_verbs_abi.h"
#include "pedma_ring.h"

struct pedma_device {
	struct verbs_device vdev;	/* must be first */
};

struct pedma_context {
	struct verbs_context ibv_ctx;
	uint32_t caps;			/* PEDMA_UCTX_CAP_* from the kernel */
	uint32_t role;			/* which side of the link we are on */
	uint32_t max_sge;		/* per WQE, <= PEDMA_UMAX_SGE */
	uint32_t max_inline;		/* <= PEDMA_MAX_INLINE */
};

struct pedma_pd {
	struct ibv_pd ibv_pd;
};

struct pedma_cq {
	struct verbs_cq vcq;		/* must be first */
	pthread_spinlock_t lock;	/* pollers (start_poll..end_poll holds it) */
	struct pedma_ring ring;		/* kernel produces, we consume */
	/* ibv_create_cq_ex() polling: the CQE the accessors read, and the
	 * kernel's prod as last loaded. */
	const struct pedma_cqe *cur;
	uint32_t ex_prod;
};

/*
 * The ibv_wr_* API (ibv_create_qp_ex() with send_ops_flags): between
 * wr_start() and wr_complete()/wr_abort() the SQ lock is held and WRs are
 * built here, each encoded into the next free slot by the same
 * pedma_sq_wqe_encode() as ibv_post_send() once the next WR begins (or at
 * wr_complete).  prod is published, and the doorbell rung, only by a
 * wr_complete() whose batch had no error.
 */
struct pedma_wr_builder {
	struct ibv_send_wr wr;		/* the open WR, as ibv_post_send takes it */
	struct ibv_sge sge[PEDMA_UMAX_SGE];	/* its SGEs (wr.sg_list) */
	unsigned char inl[PEDMA_MAX_INLINE];	/* its inline bytes, copied */
	uint64_t ops;			/* IBV_QP_EX_WITH_* the QP was made for */
	uint32_t start;			/* sq.head at wr_start */
	uint32_t prod;			/* next slot to fill */
	uint32_t cons;			/* the kernel's cons, as last loaded */
	int err;			/* first error of the batch */
	bool open;			/* wr holds a WR not yet encoded */
};

struct pedma_qp {
	struct verbs_qp vqp;		/* must be first */
	pthread_spinlock_t sq_lock;	/* posters of sends */
	pthread_spinlock_t rq_lock;	/* posters of receives */
	struct pedma_ring sq;		/* map_size 0: no SQ */
	struct pedma_ring rq;		/* map_size 0: no RQ (SRQ, or none) */
	struct pedma_sq_limits sq_lim;
	uint32_t rq_max_sge;
	struct pedma_wr_builder wrb;	/* ibv_wr_* state (sq_lock) */
};

struct pedma_srq {
	struct verbs_srq vsrq;		/* must be first */
	pthread_spinlock_t lock;	/* posters of receives */
	struct pedma_ring rq;
	uint32_t max_sge;
};

static inline struct pedma_context *to_pctx(struct ibv_context *ctx)
{
	return (struct pedma_context *)((char *)ctx -
					offsetof(struct pedma_context,
						 ibv_ctx.context));
}

static inline struct pedma_pd *to_ppd(struct ibv_pd *pd)
{
	return (struct pedma_pd *)pd;
}

static inline struct pedma_cq *to_pcq(struct ibv_cq *cq)
{
	return (struct pedma_cq *)((char *)cq - offsetof(struct pedma_cq, vcq.cq));
}

static inline struct pedma_qp *to_pqp(struct ibv_qp *qp)
{
	return (struct pedma_qp *)((char *)qp - offsetof(struct pedma_qp, vqp.qp));
}

static inline struct pedma_srq *to_psrq(struct ibv_srq *srq)
{
	return (struct pedma_srq *)((char *)srq -
				    offsetof(struct pedma_srq, vsrq.srq));
}

/*
 * A create response as the helpers take it: the core response, then
 * ours (udata out) right after it.  The core part is filled and read by
 * libibverbs only, through a pointer to _core: it has _core's alignment
 * (4 for create_ah, whose 4-byte core a u32-aligned reply follows).
 */
#define PEDMA_CREATE_RESP(_name, _core, _drv)                                  \
	struct _name {                                                         \
		_Alignas(struct _core) unsigned char                           \
			core[sizeof(struct _core)];                            \
		struct _drv drv;                                               \
	};                                                                     \
	_Static_assert(offsetof(struct _name, drv) == sizeof(struct _core) &&  \
		       sizeof(struct _name) ==                                 \
		       sizeof(struct _core) + sizeof(struct _drv) &&           \
		       sizeof(struct _name) % 4 == 0,                          \
		       "driver udata must follow the core response")

/* ---- pedma.c ------------------------------------------------------------ */

/*
 * Log through libibverbs (VERBS_LOG_LEVEL / VERBS_LOG_FILE), prefixed
 * with device, function and line as rdma-core's verbs_log() does.
 */
__attribute__((format(printf, 5, 6)))
void pedma_log(struct ibv_context *ctx, uint32_t level, const char *func,
	       int line, const char *fmt, ...);
#define pedma_err(ctx, ...)                                                    \
	pedma_log(ctx, PEDMA_LOG_ERR, __func__, __LINE__, __VA_ARGS__)
#define pedma_dbg(ctx, ...)                                                    \
	pedma_log(ctx, PEDMA_LOG_DEBUG, __func__, __LINE__, __VA_ARGS__)

/*
 * mmap a ring the kernel described in a create response (size and offset
 * 0: no ring; *ring is zeroed then).  EPROTO if the description does not
 * fit the ABI, else errno from mmap.
 */
int pedma_ring_map(struct ibv_context *ctx, struct pedma_ring *ring,
		   const char *what, uint64_t offset, uint32_t size,
		   uint32_t entries, uint32_t entry_size, bool producer);
void pedma_ring_unmap(struct pedma_ring *ring);

/* ---- the verbs, by file --------------------------------------------------- */

struct ibv_mr *pedma_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			    uint64_t hca_va, int access);
int pedma_rereg_mr(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
		   void *addr, size_t length, int access);
int pedma_dereg_mr(struct verbs_mr *vmr);

struct ibv_cq *pedma_create_cq(struct ibv_context *ctx, int cqe,
			       struct ibv_comp_channel *channel,
			       int comp_vector);
struct ibv_cq_ex *pedma_create_cq_ex(struct ibv_context *ctx,
				     struct ibv_cq_init_attr_ex *attr);
int pedma_req_notify_cq(struct ibv_cq *cq, int solicited_only);
int pedma_resize_cq(struct ibv_cq *cq, int cqe);
int pedma_destroy_cq(struct ibv_cq *cq);

struct ibv_qp *pedma_create_qp(struct ibv_pd *pd,
			       struct ibv_qp_init_attr *attr);
struct ibv_qp *pedma_create_qp_ex(struct ibv_context *ctx,
				  struct ibv_qp_init_attr_ex *attr);
int pedma_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		    int attr_mask);
int pedma_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr,
		   int attr_mask, struct ibv_qp_init_attr *init_attr);
int pedma_destroy_qp(struct ibv_qp *qp);

struct ibv_ah *pedma_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr);
int pedma_destroy_ah(struct ibv_ah *ah);
int pedma_attach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
		       uint16_t lid);
int pedma_detach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
		       uint16_t lid);

struct ibv_srq *pedma_create_srq(struct ibv_pd *pd,
				 struct ibv_srq_init_attr *attr);
int pedma_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr,
		     int attr_mask);
int pedma_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr);
int pedma_destroy_srq(struct ibv_srq *srq);

/* pedma_fastpath.c: no system call but the doorbell. */
int pedma_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
		    struct ibv_send_wr **bad_wr);
int pedma_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
		    struct ibv_recv_wr **bad_wr);
int pedma_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
			struct ibv_recv_wr **bad_wr);
int pedma_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
int pedma_doorbell(int cmd_fd, uint32_t command, uint32_t handle);

/*
 * The extended verbs' data path (pedma_fastpath.c too).
 *
 * IBV_WC_EX_WITH_* a CQ from ibv_create_cq_ex() can read: the standard
 * fields.  No completion timestamp (the kernel stamps nothing), no CVLAN,
 * flow tag or tag matching.
 */
#define PEDMA_CQ_EX_WC_FLAGS                                                   \
	(IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |                        \
	 IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP |                       \
	 IBV_WC_EX_WITH_SLID | IBV_WC_EX_WITH_SL |                             \
	 IBV_WC_EX_WITH_DLID_PATH_BITS)

/*
 * IBV_QP_EX_WITH_* ibv_create_qp_ex() accepts: what the SQ WQE can carry
 * (pedma_wqe_opcode()), UD sends only, UC no READ and no atomics; the
 * atomics (RC) when the kernel has
 * them (PEDMA_UCTX_CAP_ATOMIC, checked at creation).
 */
#define PEDMA_QP_EX_RC_OPS                                                     \
	(IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM |      \
	 IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM |                  \
	 IBV_QP_EX_WITH_RDMA_READ | IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |        \
	 IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)
#define PEDMA_QP_EX_UD_OPS                                                     \
	(IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM)
#define PEDMA_QP_EX_UC_OPS                                                     \
	(IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM |      \
	 IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM)

/* Install the start_poll/next_poll/end_poll/read_* accessors. */
void pedma_cq_ex_init(struct pedma_cq *cq);
/* Install the ibv_wr_* builders for ops (checked by the caller). */
void pedma_qp_ex_init(struct pedma_qp *qp, uint64_t ops);

#endif /* PEDMA_PROVIDER_H */
