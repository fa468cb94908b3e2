// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe: device_find_child()'s match function takes const void *data. */
#include <linux/device.h>

static int probe_match(struct device *d, const void *data)
{
	return 0;
}

struct device *pedma_probe_find(struct device *parent);

struct device *pedma_probe_find(struct device *parent)
{
	return device_find_child(parent, NULL, probe_match);
}
