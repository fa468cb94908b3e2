// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe: hardware counters are described by struct rdma_stat_desc and
 * allocated per port by alloc_hw_port_stats (5.14+; before, a name array
 * and one alloc_hw_stats op).
 */
#include <rdma/ib_verbs.h>

static const struct rdma_stat_desc probe_descs[] = {
	{ .name = "probe" },
};

static struct rdma_hw_stats *probe_alloc(struct ib_device *ibdev, u32 port)
{
	return rdma_alloc_hw_stats_struct(probe_descs, 1,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

const struct ib_device_ops pedma_probe_ops = {
	.alloc_hw_port_stats = probe_alloc,
};
