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
 * 5. Calls the installed ibv_cmd_create_ah, _destroy_ah, _attach_mcast
 *    and _detach_mcast through our prototypes with a pipe as command fd,
 *    and reads back the legacy write commands they send: our argument
 *    order, and that the response size we pass (core + driver reply)
 *    reaches the kernel as out_words.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

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
	SZ(ibv_rereg_mr, 56),
	SZ(ibv_create_cq, 40),
	SZ(ibv_resize_cq, 24),
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
	OFF(verbs_context_ops, attach_mcast, 72),
	OFF(verbs_context_ops, create_ah, 104),
	OFF(verbs_context_ops, destroy_ah, 232),
	OFF(verbs_context_ops, detach_mcast, 304),
	SZ(ibv_ah, 24),
	OFF(ibv_ah, handle, 16),
	SZ(ib_uverbs_create_ah_resp, 4),
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

/* ---- 5. AH and multicast commands ---------------------------------------- */

static void check_ah_commands(struct ibv_context *ctx, int rd);

/*
 * A context of its own whose command fd is a pipe: ioctl() on it fails
 * with ENOTTY, so libibverbs takes the legacy write path for the commands
 * (a kernel with the ioctl interface gets the same request through
 * UVERBS_METHOD_INVOKE_WRITE, core and driver parts split the same way).
 */
static void check_ah_commands_on_pipe(struct verbs_device *vdev)
{
	struct test_ctx *t;
	int fds[2];

	if (pipe2(fds, O_NONBLOCK)) {
		CHECKF(0, "pipe2: %d", errno);
		return;
	}
	/* Owns fds[1] from here on. */
	t = _verbs_init_and_alloc_context(
		&vdev->device, fds[1], sizeof(*t),
		(struct verbs_context *)offsetof(struct test_ctx, vctx),
		RDMA_DRIVER_UNKNOWN);
	CHECKF(t != NULL, "_verbs_init_and_alloc_context: errno %d", errno);
	if (t) {
		check_ah_commands(&t->vctx.context, fds[0]);
		verbs_uninit_context(&t->vctx);
		free(t);
	}
	close(fds[0]);
}

static void check_ah_commands(struct ibv_context *ctx, int rd)
{
	struct ibv_ah_attr attr = {
		.grh = { .flow_label = 0xabcde, .sgid_index = 2,
			 .hop_limit = 64, .traffic_class = 0x18 },
		.dlid = 0xc123, .sl = 7, .src_path_bits = 1,
		.static_rate = 3, .is_global = 1, .port_num = 1,
	};
	/* What pedma passes: the core response, then its 8-byte reply. */
	struct {
		struct { uint32_t ah_handle; } core;
		uint32_t ah_id, reserved;
	} resp = { { 0x4321 }, 0, 0 };
	struct ibv_pd pd = { .context = ctx, .handle = 0x77 };
	struct ibv_qp qp = { .context = ctx, .handle = 0x66 };
	struct ibv_ah ah = { 0 };
	union ibv_gid gid;
	unsigned char buf[256];
	struct ib_uverbs_cmd_hdr hdr;
	struct ib_uverbs_create_ah cah;
	struct ib_uverbs_destroy_ah dah;
	uint32_t u32;
	uint16_t u16;
	int i, ret;
	ssize_t n;

	_Static_assert(sizeof(resp) == sizeof(struct ib_uverbs_create_ah_resp) + 8,
		       "core + pedma_create_ah_resp");
	for (i = 0; i < 16; i++)
		attr.grh.dgid.raw[i] = (uint8_t)(0x10 + i);

	ret = ibv_cmd_create_ah(&pd, &ah, &attr,
				(struct ib_uverbs_create_ah_resp *)&resp,
				sizeof(resp));
	CHECKF(ret == 0, "ibv_cmd_create_ah: %d", ret);
	n = read(rd, buf, sizeof(buf));
	CHECKF(n == (ssize_t)(sizeof(hdr) + sizeof(cah)),
	       "create_ah wrote %zd bytes", n);
	if (n == (ssize_t)(sizeof(hdr) + sizeof(cah))) {
		memcpy(&hdr, buf, sizeof(hdr));
		memcpy(&cah, buf + sizeof(hdr), sizeof(cah));
		CHECKF(hdr.command == IB_USER_VERBS_CMD_CREATE_AH, "command %u",
		       hdr.command);
		CHECKF(hdr.in_words * 4u == n, "in_words %u", hdr.in_words);
		CHECKF(hdr.out_words * 4u == sizeof(resp),
		       "out_words %u: the driver reply would be cut",
		       hdr.out_words);
		CHECK(cah.response == (uintptr_t)&resp);
		CHECK(cah.user_handle == (uintptr_t)&ah);
		CHECK(cah.pd_handle == 0x77);
		CHECK(cah.attr.dlid == 0xc123 && cah.attr.sl == 7 &&
		      cah.attr.src_path_bits == 1 && cah.attr.static_rate == 3 &&
		      cah.attr.is_global == 1 && cah.attr.port_num == 1);
		CHECK(cah.attr.grh.flow_label == 0xabcde &&
		      cah.attr.grh.sgid_index == 2 &&
		      cah.attr.grh.hop_limit == 64 &&
		      cah.attr.grh.traffic_class == 0x18);
		CHECK(!memcmp(cah.attr.grh.dgid, attr.grh.dgid.raw, 16));
	}
	/* The library read the handle from the start of our buffer. */
	CHECKF(ah.handle == 0x4321, "ah.handle %#x", ah.handle);
	CHECK(ah.context == ctx);

	ret = ibv_cmd_destroy_ah(&ah);
	CHECKF(ret == 0, "ibv_cmd_destroy_ah: %d", ret);
	n = read(rd, buf, sizeof(buf));
	CHECKF(n == (ssize_t)(sizeof(hdr) + sizeof(dah)),
	       "destroy_ah wrote %zd bytes", n);
	if (n == (ssize_t)(sizeof(hdr) + sizeof(dah))) {
		memcpy(&hdr, buf, sizeof(hdr));
		memcpy(&dah, buf + sizeof(hdr), sizeof(dah));
		CHECK(hdr.command == IB_USER_VERBS_CMD_DESTROY_AH);
		CHECK(dah.ah_handle == 0x4321);
	}

	for (i = 0; i < 16; i++)
		gid.raw[i] = (uint8_t)(0xff - i);
	for (i = 0; i < 2; i++) {
		unsigned int cmd = i ? IB_USER_VERBS_CMD_DETACH_MCAST :
				       IB_USER_VERBS_CMD_ATTACH_MCAST;
		size_t want = sizeof(hdr) +
			      offsetof(struct ib_uverbs_attach_mcast,
				       driver_data);

		ret = i ? ibv_cmd_detach_mcast(&qp, &gid, 0xc005) :
			  ibv_cmd_attach_mcast(&qp, &gid, 0xc004);
		CHECKF(ret == 0, "mcast %d: %d", i, ret);
		n = read(rd, buf, sizeof(buf));
		CHECKF(n == (ssize_t)want, "mcast %d wrote %zd bytes", i, n);
		if (n != (ssize_t)want)
			continue;
		memcpy(&hdr, buf, sizeof(hdr));
		CHECKF(hdr.command == cmd, "mcast command %u", hdr.command);
		CHECK(!memcmp(buf + sizeof(hdr) +
			      offsetof(struct ib_uverbs_attach_mcast, gid),
			      gid.raw, 16));
		memcpy(&u32, buf + sizeof(hdr) +
		       offsetof(struct ib_uverbs_attach_mcast, qp_handle), 4);
		CHECK(u32 == 0x66);
		memcpy(&u16, buf + sizeof(hdr) +
		       offsetof(struct ib_uverbs_attach_mcast, mlid), 2);
		CHECKF(u16 == (i ? 0xc005 : 0xc004), "mlid %#x", u16);
	}
	CHECK(read(rd, buf, sizeof(buf)) < 0);	/* nothing else: EAGAIN */
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

	printf("AH and multicast commands on a pipe\n");
	check_ah_commands_on_pipe(vdev);
	CHECKF(atomic_load(&vdev->refcount) == 1, "refcount %d after the pipe context",
	       atomic_load(&vdev->refcount));
	free(vdev);
}

int main(void)
{
	printf("layout (LP64, rdma-core v44):\n");
	check_numbers();
	check_against_libibverbs();

	return check_summary("test_pabi_layout");
}
