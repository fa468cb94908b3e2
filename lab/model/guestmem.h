/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Guest RAM as the lab model sees it: a guest's RAM file mapped into the
 * model, and the guest-physical layout that says which file offset backs
 * which address.  Every lookup checks the whole range before the caller
 * touches a byte.
 */
#ifndef PEDMA_LAB_GUESTMEM_H
#define PEDMA_LAB_GUESTMEM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * RAM backed by one file: guest addresses [0, low_size) are file offsets
 * [0, low_size); guest addresses [high_base, high_base + size - low_size)
 * are file offsets [low_size, size).  Nothing else is backed.
 */
struct guest_ram {
	uint8_t *base;		/* mapping of the whole file, or NULL */
	uint64_t size;		/* bytes in the file */
	uint64_t low_size;	/* bytes below the PCI hole */
	uint64_t high_base;	/* guest address of file offset low_size */
};

/* q35: RAM of 0xb0000000 bytes or more is split at 2 GiB, the rest at 4 GiB */
#define GUEST_RAM_Q35_SPLIT_MIN		0xb0000000ULL
#define GUEST_RAM_Q35_LOW		0x80000000ULL
#define GUEST_RAM_Q35_HIGH_BASE		0x100000000ULL

void guest_ram_layout_q35(struct guest_ram *r, void *base, uint64_t size);
void guest_ram_layout_split(struct guest_ram *r, void *base, uint64_t size,
			    uint64_t low_size, uint64_t high_base);

/*
 * True if [addr, addr + len) lies inside [start, start + size); *off is
 * then addr - start.  Overflow-safe for any inputs.
 */
bool range_inside(uint64_t addr, uint64_t len, uint64_t start, uint64_t size,
		  uint64_t *off);

/*
 * Host pointer for [addr, addr + len) if one region backs all of it, else
 * NULL.  A zero len is never backed: callers move nothing for it.
 */
uint8_t *guest_ram_xlate(const struct guest_ram *r, uint64_t addr, uint64_t len);

#endif /* PEDMA_LAB_GUESTMEM_H */
