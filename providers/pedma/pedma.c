// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: device matching, context setup and the verbs implemented so far
 * (query_device_ex, query_port, alloc_pd, dealloc_pd).
 *
 * Every other verb is left NULL in pedma_ctx_ops: verbs_init_context()
 * first installs libibverbs' default table, whose entries fail with
 * EOPNOTSUPP (void ones do nothing), and verbs_set_ops() only overrides
 * the members we set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rdma/pedma-abi.h>

#include "pedma.h"

/* ---- Verbs -------------------------------------------------------------- */

static int pedma_query_device_ex(struct ibv_context *ctx,
				 const struct ibv_query_device_ex_input *input,
				 struct ibv_device_attr_ex *attr,
				 size_t attr_size)
{
	/* Nothing device-specific in the response yet. */
	return ibv_cmd_query_device_any(ctx, input, attr, attr_size, NULL, NULL);
}

static int pedma_query_port(struct ibv_context *ctx, uint8_t port_num,
			    struct ibv_port_attr *port_attr)
{
	struct ibv_query_port cmd = {};

	return ibv_cmd_query_port(ctx, port_num, port_attr, &cmd, sizeof(cmd));
}

static struct ibv_pd *pedma_alloc_pd(struct ibv_context *ctx)
{
	struct ibv_alloc_pd cmd = {};
	struct ib_uverbs_alloc_pd_resp resp = {};
	struct pedma_pd *pd;
	int ret;

	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		errno = ENOMEM;
		return NULL;
	}

	ret = ibv_cmd_alloc_pd(ctx, &pd->ibv_pd, &cmd, sizeof(cmd),
			       &resp, sizeof(resp));
	if (ret) {
		free(pd);
		errno = ret;
		return NULL;
	}
	return &pd->ibv_pd;
}

static int pedma_dealloc_pd(struct ibv_pd *ibpd)
{
	int ret;

	ret = ibv_cmd_dealloc_pd(ibpd);
	if (ret)
		return ret;	/* the PD still exists; keep our memory too */

	free(to_ppd(ibpd));
	return 0;
}

static void pedma_free_context(struct ibv_context *ibctx)
{
	struct pedma_context *ctx = to_pctx(ibctx);

	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
}

static const struct verbs_context_ops pedma_ctx_ops = {
	.alloc_pd = pedma_alloc_pd,
	.dealloc_pd = pedma_dealloc_pd,
	.free_context = pedma_free_context,
	.query_device_ex = pedma_query_device_ex,
	.query_port = pedma_query_port,
};

/* ---- Context ------------------------------------------------------------ */

/* get_context as the kernel sees it: core response, then our udata. */
struct pedma_get_context_resp {
	__u32 async_fd;
	__u32 num_comp_vectors;
	struct pedma_alloc_ucontext_resp drv;
};

_Static_assert(offsetof(struct pedma_get_context_resp, drv) ==
	       sizeof(struct ib_uverbs_get_context_resp),
	       "driver udata must follow the core get_context response");

static struct verbs_context *pedma_alloc_context(struct ibv_device *ibdev,
						 int cmd_fd,
						 void *private_data)
{
	struct pedma_get_context_resp resp = {};
	struct ibv_get_context cmd = {};
	struct pedma_context *ctx;
	int ret;

	(void)private_data;

	/* Owns cmd_fd from here on, and closes it if it fails. */
	ctx = _verbs_init_and_alloc_context(
		ibdev, cmd_fd, sizeof(*ctx),
		(struct verbs_context *)offsetof(struct pedma_context, ibv_ctx),
		RDMA_DRIVER_UNKNOWN);
	if (!ctx)
		return NULL;

	ret = ibv_cmd_get_context(&ctx->ibv_ctx, &cmd, sizeof(cmd),
				  (struct ib_uverbs_get_context_resp *)&resp,
				  sizeof(resp));
	if (ret) {
		errno = ret;
		goto err_uninit;
	}

	if (resp.drv.abi_version != PEDMA_UVERBS_ABI_VERSION) {
		fprintf(stderr,
			"libpedma: %s: kernel driver speaks pedma uverbs ABI %u, this provider speaks %u; install matching pedma.ko and libpedma\n",
			ibdev->name, resp.drv.abi_version,
			PEDMA_UVERBS_ABI_VERSION);
		errno = EPROTO;
		goto err_uninit;
	}
	ctx->caps = resp.drv.caps;
	ctx->role = resp.drv.role;

	verbs_set_ops(&ctx->ibv_ctx, &pedma_ctx_ops);
	return &ctx->ibv_ctx;

err_uninit:
	ret = errno;
	verbs_uninit_context(&ctx->ibv_ctx);	/* closes cmd_fd, async_fd */
	free(ctx);
	errno = ret;
	return NULL;
}

/* ---- Device ------------------------------------------------------------- */

static struct verbs_device *pedma_alloc_device(struct verbs_sysfs_dev *sysfs)
{
	struct pedma_device *dev;

	(void)sysfs;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	return &dev->vdev;
}

static void pedma_uninit_device(struct verbs_device *vdev)
{
	free((struct pedma_device *)vdev);
}

/*
 * The kernel registers with driver_id RDMA_DRIVER_UNKNOWN (no id is
 * assigned to pedma), so libibverbs cannot match by id; it falls back to
 * the ib device name, which pedma.ko registers as "pedma%d".
 */
static const struct verbs_match_ent pedma_match_table[] = {
	PEDMA_VERBS_NAME_MATCH("pedma"),
	PEDMA_VERBS_MATCH_END,
};

static const struct verbs_device_ops pedma_dev_ops = {
	.name = "pedma",
	.match_min_abi_version = PEDMA_UVERBS_ABI_VERSION,
	.match_max_abi_version = PEDMA_UVERBS_ABI_VERSION,
	.match_table = pedma_match_table,
	.alloc_context = pedma_alloc_context,
	.alloc_device = pedma_alloc_device,
	.uninit_device = pedma_uninit_device,
};

/* dlopen() by libibverbs runs this; nothing else is exported. */
__attribute__((constructor)) static void pedma_register_driver(void)
{
	verbs_register_driver_34(&pedma_dev_ops);
}
