// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * verbs_check: run inside a lab guest.  Opens the pedma device through the
 * installed libibverbs and our provider and checks what the device
 * advertises, that the objects of the data path and the management plane
 * are made, and that verbs it does not implement fail cleanly (an errno,
 * no crash).
 *
 *   verbs_check [DEVICE] [--expect-port active|down]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "pedma_check.h"


static void check_unsupported(struct ibv_context *ctx, struct ibv_pd *pd)
{
	static char buf[4096];
	struct ibv_qp_init_attr qpa = { 0 };
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	struct ibv_qp *qp;
	struct ibv_srq_init_attr srqa = { .attr = { .max_wr = 1, .max_sge = 1 } };
	struct ibv_srq *srq;

	/* The RC data path exists: CQ, MR, RC QP and SRQ objects are made. */
	errno = 0;
	cq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	CHECKF(cq, "create_cq: errno %d", errno);

	errno = 0;
	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	CHECKF(mr, "reg_mr: errno %d", errno);
	if (mr)
		ibv_dereg_mr(mr);

	qpa.send_cq = cq;
	qpa.recv_cq = cq;
	qpa.qp_type = IBV_QPT_RC;
	qpa.cap.max_send_wr = 1;
	qpa.cap.max_recv_wr = 1;
	qpa.cap.max_send_sge = 1;
	qpa.cap.max_recv_sge = 1;
	errno = 0;
	qp = cq ? ibv_create_qp(pd, &qpa) : NULL;
	CHECKF(qp, "create_qp RC: errno %d", errno);
	if (qp)
		ibv_destroy_qp(qp);

	/* UD QPs and address handles exist (ABI 3) */
	qpa.qp_type = IBV_QPT_UD;
	errno = 0;
	qp = cq ? ibv_create_qp(pd, &qpa) : NULL;
	CHECKF(qp, "create_qp UD: errno %d", errno);
	if (qp)
		ibv_destroy_qp(qp);
	{
		struct ibv_ah_attr aa = { .dlid = 2, .port_num = 1 };
		struct ibv_ah *ah;

		errno = 0;
		ah = ibv_create_ah(pd, &aa);
		CHECKF(ah, "create_ah: errno %d", errno);
		if (ah)
			CHECKF(!ibv_destroy_ah(ah), "destroy_ah: errno %d", errno);
		aa.port_num = 2;	/* no such port: refused */
		errno = 0;
		ah = ibv_create_ah(pd, &aa);
		CHECKF(!ah && errno, "create_ah port 2: %p errno %d", (void *)ah, errno);
		if (ah)
			ibv_destroy_ah(ah);
	}

	qpa.qp_type = IBV_QPT_UC;
	errno = 0;
	qp = cq ? ibv_create_qp(pd, &qpa) : NULL;
	CHECKF(qp, "create_qp UC: errno %d", errno);
	if (qp)
		ibv_destroy_qp(qp);

	/* Not implemented: refused, not faked. */
	{
		struct ibv_mw *mw;

		errno = 0;
		mw = ibv_alloc_mw(pd, IBV_MW_TYPE_1);
		CHECKF(!mw && errno, "alloc_mw: %p errno %d", (void *)mw, errno);
		if (mw)
			ibv_dealloc_mw(mw);
	}

	errno = 0;
	srq = ibv_create_srq(pd, &srqa);
	CHECKF(srq, "create_srq: errno %d", errno);
	if (srq)
		ibv_destroy_srq(srq);
	if (cq)
		ibv_destroy_cq(cq);
}

int main(int argc, char **argv)
{
	const char *want = "pedma0", *expect = "active";
	struct ibv_device **list, *dev = NULL;
	struct ibv_device_attr dattr;
	struct ibv_port_attr pattr;
	struct ibv_context *ctx;
	union ibv_gid gid;
	struct ibv_pd *pd;
	int i, n;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--expect-port") && i + 1 < argc)
			expect = argv[++i];
		else
			want = argv[i];
	}

	list = ibv_get_device_list(&n);
	if (!list) {
		perror("ibv_get_device_list");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), want))
			dev = list[i];
	CHECKF(dev, "device %s not found by libibverbs (provider not loaded?)", want);
	if (!dev)
		goto out_list;

	ctx = ibv_open_device(dev);
	CHECKF(ctx, "ibv_open_device: %s", strerror(errno));
	if (!ctx)
		goto out_list;

	CHECKF(!ibv_query_device(ctx, &dattr), "query_device: %s", strerror(errno));
	CHECKF(dattr.phys_port_cnt == 1, "phys_port_cnt %u", dattr.phys_port_cnt);
	/* atomics: executed by the target's kernel (docs/architecture.md 6c) */
	CHECKF(dattr.max_qp > 0 && dattr.max_cq > 0 && dattr.max_mr > 0 &&
	      dattr.atomic_cap == IBV_ATOMIC_HCA,
	      "device limits: qp %d cq %d mr %d atomic_cap %d",
	      dattr.max_qp, dattr.max_cq, dattr.max_mr, dattr.atomic_cap);
	CHECKF(dattr.max_pd > 0, "max_pd %d", dattr.max_pd);
	CHECKF(dattr.node_guid != 0, "node_guid is 0");

	CHECKF(!ibv_query_port(ctx, 1, &pattr), "query_port: %s", strerror(errno));
	CHECKF(pattr.link_layer == IBV_LINK_LAYER_INFINIBAND, "link layer %u",
	      pattr.link_layer);
	/* Fixed LIDs: host 1 (the SM), endpoint 2 */
	CHECKF((pattr.lid == 1 || pattr.lid == 2) && pattr.sm_lid == 1,
	       "lid %u sm_lid %u", pattr.lid, pattr.sm_lid);
	CHECKF(!(pattr.lid == 1) == !(pattr.port_cap_flags & IBV_PORT_SM),
	       "lid %u port_cap_flags %#x", pattr.lid, pattr.port_cap_flags);
	if (!strcmp(expect, "active"))
		CHECKF(pattr.state == IBV_PORT_ACTIVE, "port state %s",
		      ibv_port_state_str(pattr.state));
	else
		CHECKF(pattr.state == IBV_PORT_DOWN, "port state %s",
		      ibv_port_state_str(pattr.state));
	CHECKF(pattr.pkey_tbl_len == 1 && pattr.gid_tbl_len == 1,
	      "table lengths %u %d", pattr.pkey_tbl_len, pattr.gid_tbl_len);

	CHECKF(!ibv_query_gid(ctx, 1, 0, &gid), "query_gid: %s", strerror(errno));
	CHECKF(gid.global.subnet_prefix == htobe64(0xfe80000000000000ULL) &&
	      gid.global.interface_id == dattr.node_guid,
	      "gid 0 is not fe80::<node guid>");

	pd = ibv_alloc_pd(ctx);
	CHECKF(pd, "alloc_pd: %s", strerror(errno));
	if (pd) {
		check_unsupported(ctx, pd);
		CHECKF(!ibv_dealloc_pd(pd), "dealloc_pd: %s", strerror(errno));
	}
	CHECKF(!ibv_close_device(ctx), "close_device");
out_list:
	ibv_free_device_list(list);
	return check_summary("verbs_check");
}
