// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Probe: timers are stopped with timer_delete()/timer_delete_sync() (6.2+). */
#include <linux/timer.h>

void pedma_probe_timer(struct timer_list *t);

void pedma_probe_timer(struct timer_list *t)
{
	timer_delete(t);
	timer_delete_sync(t);
}
