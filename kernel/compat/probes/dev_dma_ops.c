// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe: a driver can install its own struct dma_map_ops on a device
 * (struct device has dma_ops; the DMA API calls through them).
 */
#include <linux/device.h>
#include <linux/dma-map-ops.h>

static int probe_dma_supported(struct device *dev, u64 mask)
{
	return 1;
}

static const struct dma_map_ops probe_ops = {
	.dma_supported = probe_dma_supported,
};

const struct dma_map_ops *pedma_probe_dma_ops(struct device *dev);

const struct dma_map_ops *pedma_probe_dma_ops(struct device *dev)
{
	const struct dma_map_ops *old = dev->dma_ops;

	set_dma_ops(dev, &probe_ops);
	return old ? old : get_dma_ops(dev);
}
