// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Guest-physical address translation for the guests' RAM files.
 */
#include <stddef.h>

#include "guestmem.h"

void guest_ram_layout_split(struct guest_ram *r, void *base, uint64_t size,
			    uint64_t low_size, uint64_t high_base)
{
	r->base = base;
	r->size = size;
	r->low_size = low_size < size ? low_size : size;
	/* A high region must start above the low one, or nothing is high */
	r->high_base = high_base >= r->low_size ? high_base : r->low_size;
}

void guest_ram_layout_q35(struct guest_ram *r, void *base, uint64_t size)
{
	if (size >= GUEST_RAM_Q35_SPLIT_MIN)
		guest_ram_layout_split(r, base, size, GUEST_RAM_Q35_LOW,
				       GUEST_RAM_Q35_HIGH_BASE);
	else
		guest_ram_layout_split(r, base, size, size, size);
}

bool range_inside(uint64_t addr, uint64_t len, uint64_t start, uint64_t size,
		  uint64_t *off)
{
	uint64_t rel;

	if (addr < start)
		return false;
	rel = addr - start;
	/* rel <= size first, so size - rel cannot wrap */
	if (rel > size || len > size - rel)
		return false;
	*off = rel;
	return true;
}

uint8_t *guest_ram_xlate(const struct guest_ram *r, uint64_t addr, uint64_t len)
{
	uint64_t off;

	if (!r->base || !len)
		return NULL;
	if (range_inside(addr, len, 0, r->low_size, &off))
		return r->base + off;
	if (range_inside(addr, len, r->high_base, r->size - r->low_size, &off))
		return r->base + r->low_size + off;
	return NULL;
}
