// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe: ib_device_ops has fill_res_srq_entry (rdma resource show srq). */
#include <rdma/ib_verbs.h>

static int probe_fill_srq(struct sk_buff *msg, struct ib_srq *srq)
{
	return 0;
}

const struct ib_device_ops pedma_probe_ops = {
	.fill_res_srq_entry = probe_fill_srq,
};
