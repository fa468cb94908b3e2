// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe: CQ resizing is ib_device_ops.resize_user_cq, for user CQs only
 * (resize_cq and ib_resize_cq() are gone).
 */
#include <rdma/ib_verbs.h>

static int probe_resize(struct ib_cq *cq, unsigned int cqe,
			struct ib_udata *udata)
{
	return 0;
}

const struct ib_device_ops pedma_probe_ops = {
	.resize_user_cq = probe_resize,
};
