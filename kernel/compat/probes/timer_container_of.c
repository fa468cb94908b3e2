// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe: a timer callback finds its owner with timer_container_of(). */
#include <linux/timer.h>

struct pedma_probe_owner {
	struct timer_list t;
};

struct pedma_probe_owner *pedma_probe_owner(struct timer_list *t);

struct pedma_probe_owner *pedma_probe_owner(struct timer_list *t)
{
	struct pedma_probe_owner *o = timer_container_of(o, t, t);

	return o;
}
