/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libpedma: the libibverbs provider for pedma devices (kernel driver
 * pedma.ko, ib devices pedma0, pedma1, ...).
 *
 * Objects wrap the libibverbs ones, which come first so that a pointer to
 * the wrapper and to the libibverbs object are interchangeable.
 */
#ifndef PEDMA_PROVIDER_H
#define PEDMA_PROVIDER_H

#include <stdint.h>

#include "ibverbs_pabi34.h"

struct pedma_device {
	struct verbs_device vdev;	/* must be first */
};

struct pedma_context {
	struct verbs_context ibv_ctx;
	uint32_t caps;			/* PEDMA_UCTX_CAP_* from the kernel */
	uint32_t role;			/* which side of the link we are on */
};

struct pedma_pd {
	struct ibv_pd ibv_pd;
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

#endif /* PEDMA_PROVIDER_H */
