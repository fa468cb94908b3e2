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
 *   pedma_mr.c        memory regions
 *   pedma_cq.c        CQ create/notify/destroy
 *   pedma_qp.c        QP create/modify/query/destroy (RC and UD)
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
	pthread_spinlock_t lock;	/* pollers */
	struct pedma_ring ring;		/* kernel produces, we consume */
};

struct pedma_qp {
	struct verbs_qp vqp;		/* must be first */
	pthread_spinlock_t sq_lock;	/* posters of sends */
	pthread_spinlock_t rq_lock;	/* posters of receives */
	struct pedma_ring sq;		/* map_size 0: no SQ */
	struct pedma_ring rq;		/* map_size 0: no RQ (SRQ, or none) */
	struct pedma_sq_limits sq_lim;
	uint32_t rq_max_sge;
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
int pedma_dereg_mr(struct verbs_mr *vmr);

struct ibv_cq *pedma_create_cq(struct ibv_context *ctx, int cqe,
			       struct ibv_comp_channel *channel,
			       int comp_vector);
int pedma_req_notify_cq(struct ibv_cq *cq, int solicited_only);
int pedma_destroy_cq(struct ibv_cq *cq);

struct ibv_qp *pedma_create_qp(struct ibv_pd *pd,
			       struct ibv_qp_init_attr *attr);
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

#endif /* PEDMA_PROVIDER_H */
