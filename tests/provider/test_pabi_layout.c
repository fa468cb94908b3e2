// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Checks providers/pedma/ibverbs_pabi34.h against the installed libibverbs.
 *
 * 1. Prints the sizes and offsets the header asserts at compile time and
 *    compares them with rdma-core v44's numbers again at run time.
 * 2. Builds a verbs_context with the installed libibverbs (no device or
 *    kernel needed) and checks that verbs_device.refcount is where the
 *    library increments it.
 * 3. With libibverbs' defaults installed, calls verbs that pedma leaves
 *    unset and expects EOPNOTSUPP, not a crash.
 * 4. Hands verbs_set_ops() a table whose slot i holds the marker address
 *    &marker[i], then reads back, from the public verbs_context and
 *    ibv_context_ops, which slot the library took each op from.  That is
 *    the library's compiled offset; it must equal ours.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "pedma_check.h"
#include <stdlib.h>
#include <string.h>

#include "ibverbs_pabi34.h"


/* ---- 1. Numbers -------------------------------------------------------- */

struct layout {
	const char *what;
	size_t ours;
	size_t v44;
};

#define SZ(type, v44) { "sizeof(struct " #type ")", sizeof(struct type), v44 }
#define OFF(type, memb, v44)                                                   \
	{ #type "." #memb, offsetof(struct type, memb), v44 }

static const struct layout layouts[] = {
	SZ(ibv_device, 664),
	SZ(ibv_context, 328),
	SZ(verbs_context, 648),
	SZ(verbs_match_ent, 24),
	OFF(verbs_match_ent, u, 8),
	OFF(verbs_match_ent, kind, 20),
	SZ(verbs_sysfs_dev, 992),
	OFF(verbs_sysfs_dev, sysfs_name, 36),
	OFF(verbs_sysfs_dev, ibdev_name, 112),
	OFF(verbs_sysfs_dev, modalias, 432),
	OFF(verbs_sysfs_dev, abi_ver, 968),
	OFF(verbs_sysfs_dev, time_created, 976),
	SZ(verbs_device_ops, 72),
	OFF(verbs_device_ops, match_table, 16),
	OFF(verbs_device_ops, match_device, 32),
	OFF(verbs_device_ops, alloc_context, 40),
	OFF(verbs_device_ops, alloc_device, 56),
	OFF(verbs_device_ops, uninit_device, 64),
	SZ(verbs_device, 712),
	OFF(verbs_device, ops, 664),
	OFF(verbs_device, refcount, 672),
	OFF(verbs_device, sysfs, 696),
	OFF(verbs_device, core_support, 704),
	SZ(verbs_mr, 56),
	SZ(verbs_context_ops, 608),
	OFF(verbs_context_ops, advise_mr, 0),
	OFF(verbs_context_ops, alloc_pd, 40),
	OFF(verbs_context_ops, dealloc_pd, 208),
	OFF(verbs_context_ops, free_context, 312),
	OFF(verbs_context_ops, query_device_ex, 464),
	OFF(verbs_context_ops, query_port, 480),
	OFF(verbs_context_ops, unimport_pd, 600),
	SZ(ibv_get_context, 16),
	SZ(ibv_query_port, 24),
	SZ(ibv_alloc_pd, 16),
	SZ(verbs_cq, 288),
	SZ(verbs_qp, 368),
	OFF(verbs_qp, comp_mask, 352),
	OFF(verbs_qp, xrcd, 360),
	SZ(verbs_srq, 160),
	OFF(verbs_srq, srq_type, 128),
	OFF(verbs_srq, srq_num, 152),
	SZ(ibv_reg_mr, 48),
	SZ(ibv_create_cq, 40),
	SZ(ibv_create_qp, 64),
	SZ(ibv_modify_qp, 120),
	SZ(ibv_query_qp, 24),
	SZ(ibv_create_srq, 40),
	SZ(ibv_modify_srq, 24),
	SZ(ibv_query_srq, 24),
	OFF(verbs_context_ops, create_cq, 120),
	OFF(verbs_context_ops, create_qp, 152),
	OFF(verbs_context_ops, create_srq, 176),
	OFF(verbs_context_ops, dereg_mr, 224),
	OFF(verbs_context_ops, destroy_cq, 248),
	OFF(verbs_context_ops, destroy_qp, 272),
	OFF(verbs_context_ops, destroy_srq, 288),
	OFF(verbs_context_ops, modify_qp, 376),
	OFF(verbs_context_ops, modify_srq, 392),
	OFF(verbs_context_ops, poll_cq, 424),
	OFF(verbs_context_ops, post_recv, 432),
	OFF(verbs_context_ops, post_send, 440),
	OFF(verbs_context_ops, post_srq_recv, 456),
	OFF(verbs_context_ops, query_qp, 488),
	OFF(verbs_context_ops, query_srq, 512),
	OFF(verbs_context_ops, reg_mr, 544),
	OFF(verbs_context_ops, req_notify_cq, 552),
};

static void check_numbers(void)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const struct layout *l = &layouts[i];

		printf("  %-40s %4zu (v44 %4zu)%s\n", l->what, l->ours, l->v44,
		       l->ours == l->v44 ? "" : "  MISMATCH");
		CHECKF(l->ours == l->v44, "%s", l->what);
	}
}

/* ---- 2..4. Against the installed libibverbs ------------------------------ */

struct test_ctx {
	uint64_t before[3];	/* a non-zero context_offset, as providers use */
	struct verbs_context vctx;
};

static void check_defaults(struct ibv_context *ctx)
{
	struct ibv_device_attr dattr;
	struct ibv_pd pd = { .context = ctx };
	struct ibv_cq cq = { .context = ctx };
	struct ibv_qp qp = { .context = ctx, .pd = &pd };
	struct ibv_qp_init_attr qattr = { .qp_type = IBV_QPT_RC };
	struct ibv_send_wr swr = {}, *bad_swr = NULL;
	struct ibv_recv_wr rwr = {}, *bad_rwr = NULL;
	struct ibv_wc wc;
	static char buf[64];
	void *obj;
	int ret;

	errno = 0;
	obj = ibv_alloc_pd(ctx);
	CHECKF(!obj && errno == EOPNOTSUPP, "ibv_alloc_pd: %p errno %d", obj, errno);

	ret = ibv_query_device(ctx, &dattr);
	CHECKF(ret == EOPNOTSUPP, "ibv_query_device: %d", ret);

	errno = 0;
	obj = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	CHECKF(!obj && errno == EOPNOTSUPP, "ibv_create_cq: %p errno %d", obj, errno);

	errno = 0;
	obj = ibv_create_qp(&pd, &qattr);
	CHECKF(!obj && errno == EOPNOTSUPP, "ibv_create_qp: %p errno %d", obj, errno);

	errno = 0;
	obj = ibv_reg_mr(&pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	CHECKF(!obj && errno == EOPNOTSUPP, "ibv_reg_mr: %p errno %d", obj, errno);

	ret = ibv_poll_cq(&cq, 1, &wc);
	CHECKF(ret == EOPNOTSUPP, "ibv_poll_cq: %d", ret);
	ret = ibv_post_send(&qp, &swr, &bad_swr);
	CHECKF(ret == EOPNOTSUPP, "ibv_post_send: %d", ret);
	ret = ibv_post_recv(&qp, &rwr, &bad_rwr);
	CHECKF(ret == EOPNOTSUPP, "ibv_post_recv: %d", ret);
}

static char marker[sizeof(struct verbs_context_ops) / sizeof(void *)];

/* Which slot of our table the library copied into *field. */
static long slot_of(const void *field)
{
	uintptr_t p;

	memcpy(&p, field, sizeof(p));
	if (p < (uintptr_t)marker || p >= (uintptr_t)marker + sizeof(marker))
		return -1;
	return (long)(p - (uintptr_t)marker);
}

struct placed {
	const char *op;
	size_t our_offset;
	const void *field;	/* where libibverbs puts it, publicly visible */
};

#define VCTX(op)	{ #op, offsetof(struct verbs_context_ops, op), &v->op }
#define VCTX2(op, f)	{ #op, offsetof(struct verbs_context_ops, op), &v->f }
#define CTXOP(op)	{ #op, offsetof(struct verbs_context_ops, op), &o->op }
#define COMPAT(op)                                                             \
	{ #op, offsetof(struct verbs_context_ops, op), &o->_compat_##op }

static void check_ops_placement(struct verbs_context *v)
{
	struct ibv_context_ops *o = &v->context.ops;
	struct verbs_context_ops marked;
	size_t i, nslots = sizeof(marker);
	const struct placed placed[] = {
		VCTX(advise_mr), VCTX(alloc_dm), CTXOP(alloc_mw),
		VCTX(alloc_null_mr), VCTX(alloc_parent_domain), COMPAT(alloc_pd),
		VCTX(alloc_td), COMPAT(async_event),
		VCTX(attach_counters_point_flow), COMPAT(attach_mcast),
		CTXOP(bind_mw), VCTX(close_xrcd), COMPAT(cq_event),
		COMPAT(create_ah), VCTX(create_counters), COMPAT(create_cq),
		VCTX2(create_flow, ibv_create_flow),
		VCTX(create_flow_action_esp), COMPAT(create_qp),
		VCTX(create_qp_ex), VCTX(create_rwq_ind_table),
		COMPAT(create_srq), VCTX(create_srq_ex), VCTX(create_wq),
		CTXOP(dealloc_mw), COMPAT(dealloc_pd), VCTX(dealloc_td),
		COMPAT(dereg_mr), COMPAT(destroy_ah), VCTX(destroy_counters),
		COMPAT(destroy_cq), VCTX2(destroy_flow, ibv_destroy_flow),
		VCTX(destroy_flow_action), COMPAT(destroy_qp),
		VCTX(destroy_rwq_ind_table), COMPAT(destroy_srq),
		VCTX(destroy_wq), COMPAT(detach_mcast), VCTX(free_dm),
		VCTX(get_srq_num), VCTX(modify_cq), VCTX(modify_flow_action_esp),
		COMPAT(modify_qp), VCTX(modify_qp_rate_limit), COMPAT(modify_srq),
		VCTX(modify_wq), VCTX(open_qp), VCTX(open_xrcd), CTXOP(poll_cq),
		CTXOP(post_recv), CTXOP(post_send), VCTX(post_srq_ops),
		CTXOP(post_srq_recv), VCTX(query_device_ex), COMPAT(query_qp),
		VCTX(query_rt_values), COMPAT(query_srq), VCTX(read_counters),
		VCTX(reg_dm_mr), COMPAT(reg_mr), CTXOP(req_notify_cq),
		COMPAT(rereg_mr), COMPAT(resize_cq),
	};

	for (i = 0; i < nslots; i++) {
		uintptr_t p = (uintptr_t)&marker[i];

		memcpy((char *)&marked + i * sizeof(void *), &p, sizeof(p));
	}
	verbs_set_ops(v, &marked);

	printf("  %zu of %zu ops are visible in public structs:\n",
	       sizeof(placed) / sizeof(placed[0]), nslots);
	for (i = 0; i < sizeof(placed) / sizeof(placed[0]); i++) {
		long want = (long)(placed[i].our_offset / sizeof(void *));
		long got = slot_of(placed[i].field);

		if (got != want)
			printf("  %-28s ours slot %2ld, libibverbs slot %2ld  MISMATCH\n",
			       placed[i].op, want, got);
		CHECKF(got == want, "op %s", placed[i].op);
	}
}

static void check_against_libibverbs(void)
{
	struct verbs_device *vdev;
	struct test_ctx *t;

	vdev = calloc(1, sizeof(*vdev));
	if (!vdev) {
		CHECKF(0, "out of memory");
		return;
	}
	atomic_init(&vdev->refcount, 1);

	t = _verbs_init_and_alloc_context(
		&vdev->device, -1, sizeof(*t),
		(struct verbs_context *)offsetof(struct test_ctx, vctx),
		RDMA_DRIVER_UNKNOWN);
	CHECKF(t != NULL, "_verbs_init_and_alloc_context: errno %d", errno);
	if (!t) {
		free(vdev);
		return;
	}

	/* verbs_init_context() holds the device: refcount at our offset. */
	CHECKF(atomic_load(&vdev->refcount) == 2, "refcount %d after init",
	      atomic_load(&vdev->refcount));
	CHECKF(t->vctx.context.device == &vdev->device, "context.device");
	CHECKF(t->vctx.context.cmd_fd == -1 && t->vctx.context.async_fd == -1,
	      "fds %d %d", t->vctx.context.cmd_fd, t->vctx.context.async_fd);
	CHECKF(t->vctx.sz == sizeof(struct verbs_context), "vctx.sz %zu",
	      t->vctx.sz);

	printf("unset verbs answer EOPNOTSUPP:\n");
	check_defaults(&t->vctx.context);
	printf("verbs_set_ops() offsets:\n");
	check_ops_placement(&t->vctx);

	verbs_uninit_context(&t->vctx);
	CHECKF(atomic_load(&vdev->refcount) == 1, "refcount %d after uninit",
	      atomic_load(&vdev->refcount));
	free(t);
	free(vdev);
}

int main(void)
{
	printf("layout (LP64, rdma-core v44):\n");
	check_numbers();
	check_against_libibverbs();

	return check_summary("test_pabi_layout");
}
