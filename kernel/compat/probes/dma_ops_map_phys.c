// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe: struct dma_map_ops maps with map_phys/unmap_phys (map_page and
 * map_resource are gone).
 */
#include <linux/dma-map-ops.h>

static dma_addr_t probe_map_phys(struct device *dev, phys_addr_t phys,
				 size_t size, enum dma_data_direction dir,
				 unsigned long attrs)
{
	return phys;
}

const struct dma_map_ops pedma_probe_map_ops = {
	.map_phys = probe_map_phys,
};
