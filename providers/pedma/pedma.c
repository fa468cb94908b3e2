// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: device matching, context setup, the device-level verbs
 * (query_device_ex, query_port, alloc_pd, dealloc_pd), the op table, and
 * mapping the rings the kernel hands out.  The other verbs live in
 * pedma_mr.c, pedma_cq.c, pedma_qp.c, pedma_ah.c, pedma_srq.c and
 * pedma_fastpath.c.
 *
 * Every verb not in pedma_ctx_ops stays NULL: verbs_init_context() first
 * installs libibverbs' default table, whose entries fail with EOPNOTSUPP
 * (void ones do nothing), and verbs_set_ops() only overrides the members
 * we set.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rdma/pedma-abi.h>

#include "pedma.h"

/* ---- Verbs -------------------------------------------------------------- */

/* Does a caller's attr of attr_size bytes have room for member m? */
#define PEDMA_ATTR_HAS(_size, _type, _m)                                       \
	((_size) >= offsetof(_type, _m) + sizeof(((_type *)0)->_m))

/*
 * The kernel's answer (extended command, or the legacy one on an old
 * kernel), then what this provider cannot do whatever the kernel says:
 *
 *   - atomics: what the kernel says (IBV_ATOMIC_HCA: executed by the
 *     target's kernel) if its ring ABI has the atomic WQE
 *     (PEDMA_UCTX_CAP_ATOMIC), else none; never PCIe atomic caps.
 *   - SGEs: at most what a WQE holds (the ucontext's max_sge).
 *   - completion timestamps: none (no read_completion_ts), so no clock.
 *   - CQ moderation: no modify_cq.
 *   - memory management extensions (fast registration, LOCAL_INV,
 *     SEND_WITH_INV): for kernel consumers only, no WQE of the ring ABI.
 *
 * libibverbs' ibv_query_device() calls this with attr_size covering
 * orig_attr only; nothing past attr_size is written.
 */
static int pedma_query_device_ex(struct ibv_context *ctx,
				 const struct ibv_query_device_ex_input *input,
				 struct ibv_device_attr_ex *attr,
				 size_t attr_size)
{
	struct pedma_context *pctx = to_pctx(ctx);
	struct ibv_device_attr *a = &attr->orig_attr;
	struct ib_uverbs_ex_query_device_resp resp = {};
	size_t resp_size = sizeof(resp);
	uint64_t fw;
	int ret;

	ret = ibv_cmd_query_device_any(ctx, input, attr, attr_size, &resp,
				       &resp_size);
	if (ret)
		return ret;

	/* The kernel's fw_ver as major.minor.sub, as sysfs fw_ver shows it */
	fw = resp.base.fw_ver;
	if (fw)
		snprintf(a->fw_ver, sizeof(a->fw_ver), "%u.%u.%u",
			 (unsigned int)(fw >> 32) & 0xffff,
			 (unsigned int)(fw >> 16) & 0xffff,
			 (unsigned int)fw & 0xffff);

	if (!(pctx->caps & PEDMA_UCTX_CAP_ATOMIC))
		a->atomic_cap = IBV_ATOMIC_NONE;
	a->device_cap_flags &= ~IBV_DEVICE_MEM_MGT_EXTENSIONS;
	if ((uint32_t)a->max_sge > pctx->max_sge)
		a->max_sge = (int)pctx->max_sge;
	if ((uint32_t)a->max_sge_rd > pctx->max_sge)
		a->max_sge_rd = (int)pctx->max_sge;
	if ((uint32_t)a->max_srq_sge > pctx->max_sge)
		a->max_srq_sge = (int)pctx->max_sge;

	if (PEDMA_ATTR_HAS(attr_size, struct ibv_device_attr_ex,
			   completion_timestamp_mask))
		attr->completion_timestamp_mask = 0;
	if (PEDMA_ATTR_HAS(attr_size, struct ibv_device_attr_ex,
			   hca_core_clock))
		attr->hca_core_clock = 0;
	if (PEDMA_ATTR_HAS(attr_size, struct ibv_device_attr_ex, cq_mod_caps))
		memset(&attr->cq_mod_caps, 0, sizeof(attr->cq_mod_caps));
	if (PEDMA_ATTR_HAS(attr_size, struct ibv_device_attr_ex,
			   pci_atomic_caps))
		memset(&attr->pci_atomic_caps, 0,
		       sizeof(attr->pci_atomic_caps));
	return 0;
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

/* ---- Helpers ------------------------------------------------------------- */

void pedma_log(struct ibv_context *ctx, uint32_t level, const char *func,
	       int line, const char *fmt, ...)
{
	int saved = errno;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
#ifdef PEDMA_HAVE_VERBS_LOG
	__verbs_log(&to_pctx(ctx)->ibv_ctx, level, "%s: %s:%d: %s\n",
		    ctx->device->name, func, line, msg);
#else
	(void)ctx, (void)level, (void)func, (void)line;	/* before v37 */
#endif
	errno = saved;
}

int pedma_ring_map(struct ibv_context *ctx, struct pedma_ring *ring,
		   const char *what, uint64_t offset, uint32_t size,
		   uint32_t entries, uint32_t entry_size, bool producer)
{
	void *mem;

	memset(ring, 0, sizeof(*ring));
	/*
	 * A ring is absent when its size is 0 (the ABI also makes its offset
	 * 0).  Offset 0 alone does not mean absent: rdma_user_mmap_entry_insert()
	 * hands out page offset 0 to the first entry of a ucontext.
	 */
	if (!size && !offset)
		return 0;
	if (!pedma_ring_layout_ok(size, entries, entry_size) ||
	    offset > (uint64_t)INT64_MAX) {
		pedma_err(ctx,
			  "kernel describes a %s ring the ABI does not allow: offset %#llx, %u bytes, %u entries of %u bytes",
			  what, (unsigned long long)offset, size, entries,
			  entry_size);
		return EPROTO;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->cmd_fd,
		   (off_t)offset);
	if (mem == MAP_FAILED) {
		int err = errno;

		pedma_err(ctx, "mmap of the %s ring (%u bytes at %#llx): %s",
			  what, size, (unsigned long long)offset,
			  strerror(err));
		return err;
	}
	pedma_ring_init(ring, mem, size, entries, entry_size, producer);
	return 0;
}

void pedma_ring_unmap(struct pedma_ring *ring)
{
	if (ring->map_size)
		munmap(ring->hdr, ring->map_size);
	memset(ring, 0, sizeof(*ring));
}

static void pedma_free_context(struct ibv_context *ibctx)
{
	struct pedma_context *ctx = to_pctx(ibctx);

	verbs_uninit_context(&ctx->ibv_ctx);
	free(ctx);
}

static const struct verbs_context_ops pedma_ctx_ops = {
	.alloc_pd = pedma_alloc_pd,
	.attach_mcast = pedma_attach_mcast,
	.create_ah = pedma_create_ah,
	.create_cq = pedma_create_cq,
	.create_cq_ex = pedma_create_cq_ex,
	.create_qp = pedma_create_qp,
	.create_qp_ex = pedma_create_qp_ex,
	.create_srq = pedma_create_srq,
	.dealloc_pd = pedma_dealloc_pd,
	.dereg_mr = pedma_dereg_mr,
	.destroy_ah = pedma_destroy_ah,
	.destroy_cq = pedma_destroy_cq,
	.destroy_qp = pedma_destroy_qp,
	.destroy_srq = pedma_destroy_srq,
	.detach_mcast = pedma_detach_mcast,
	.free_context = pedma_free_context,
	.modify_qp = pedma_modify_qp,
	.modify_srq = pedma_modify_srq,
	.poll_cq = pedma_poll_cq,
	.post_recv = pedma_post_recv,
	.post_send = pedma_post_send,
	.post_srq_recv = pedma_post_srq_recv,
	.query_device_ex = pedma_query_device_ex,
	.query_port = pedma_query_port,
	.query_qp = pedma_query_qp,
	.query_srq = pedma_query_srq,
	.reg_mr = pedma_reg_mr,
	.req_notify_cq = pedma_req_notify_cq,
	.rereg_mr = pedma_rereg_mr,
	.resize_cq = pedma_resize_cq,
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

/*
 * The kernel's view of the ABI must be ours: same version, same entry
 * sizes, limits the WQE format can hold.  Said on stderr whatever
 * VERBS_LOG_LEVEL is, since the device is unusable otherwise.
 */
static bool pedma_ucontext_resp_ok(struct ibv_device *ibdev,
				   const struct pedma_alloc_ucontext_resp *r)
{
	if (r->abi_version != PEDMA_UVERBS_ABI_VERSION) {
		fprintf(stderr,
			"libpedma: %s: kernel driver speaks pedma uverbs ABI %u, this provider speaks %u; install matching pedma.ko and libpedma\n",
			ibdev->name, r->abi_version, PEDMA_UVERBS_ABI_VERSION);
		return false;
	}
	if (r->sq_wqe_size != sizeof(struct pedma_sq_wqe) ||
	    r->rq_wqe_size != sizeof(struct pedma_rq_wqe) ||
	    r->cqe_size != sizeof(struct pedma_cqe)) {
		fprintf(stderr,
			"libpedma: %s: kernel driver's ring entries are SQ %u, RQ %u, CQE %u bytes, this provider's %zu, %zu, %zu (both claim pedma uverbs ABI %u); install matching pedma.ko and libpedma\n",
			ibdev->name, r->sq_wqe_size, r->rq_wqe_size,
			r->cqe_size, sizeof(struct pedma_sq_wqe),
			sizeof(struct pedma_rq_wqe), sizeof(struct pedma_cqe),
			PEDMA_UVERBS_ABI_VERSION);
		return false;
	}
	if (!r->max_sge || r->max_sge > PEDMA_UMAX_SGE ||
	    r->max_inline > PEDMA_MAX_INLINE) {
		fprintf(stderr,
			"libpedma: %s: kernel driver's limits (max_sge %u, max_inline %u) exceed what pedma uverbs ABI %u WQEs hold (%u, %u)\n",
			ibdev->name, r->max_sge, r->max_inline,
			PEDMA_UVERBS_ABI_VERSION, PEDMA_UMAX_SGE,
			PEDMA_MAX_INLINE);
		return false;
	}
	return true;
}

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

	ret = pedma_cmd_get_context(&ctx->ibv_ctx, &cmd, sizeof(cmd),
				    (struct ib_uverbs_get_context_resp *)&resp,
				    sizeof(resp));
	if (ret) {
		errno = ret;
		goto err_uninit;
	}

	if (!pedma_ucontext_resp_ok(ibdev, &resp.drv)) {
		errno = EPROTO;
		goto err_uninit;
	}
	ctx->caps = resp.drv.caps;
	ctx->role = resp.drv.role;
	ctx->max_sge = resp.drv.max_sge;
	ctx->max_inline = resp.drv.max_inline;

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

/* dlopen() by libibverbs runs the constructor this defines. */
PEDMA_PROVIDER_DRIVER(pedma_dev_ops);
