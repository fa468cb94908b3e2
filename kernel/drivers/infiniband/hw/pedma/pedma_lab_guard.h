/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pedma lab DMA guard: the lab's IOMMU.  Every DMA mapping of the lab's
 * PCI device gets I/O virtual addresses of its own, translated through a
 * table that the lab's eDMA model walks for every engine access
 * (include/pedma/pedma_lab.h).  Lab only.
 */
#ifndef PEDMA_LAB_GUARD_H
#define PEDMA_LAB_GUARD_H

#include <linux/interrupt.h>
#include <linux/pci.h>

struct pedma_guard;

/*
 * Install the translating DMA ops on @pdev and build the guard descriptor.
 * Call before anything maps for @pdev.  *@gp is NULL (and 0 returned) when
 * the guard cannot work on this kernel; the reason is logged once.
 */
int pedma_lab_guard_init(struct pci_dev *pdev, struct pedma_guard **gp);

/* Guest-physical address of the descriptor, for pedma_lab_hdr.guard_gpa */
u64 pedma_lab_guard_gpa(const struct pedma_guard *g);

/* The page behind a DMA address the guard handed out, NULL if none */
struct page *pedma_lab_guard_dma_page(struct pedma_guard *g, dma_addr_t addr);

/* The handler of PEDMA_LAB_VEC_SPARE (dev_id: the guard): defers to a work */
irqreturn_t pedma_lab_guard_irq(int irq, void *dev_id);

/*
 * Restore the device's DMA ops, report mappings still held, free.  Call
 * after every mapping of the device is gone, the spare vector's handler is
 * freed and the model no longer reads the descriptor (header cleared and a
 * round trip through the mailbox).  @model_done false: the model may still
 * read it (it stopped answering), so the memory is left allocated.
 */
void pedma_lab_guard_fini(struct pedma_guard *g, bool model_done);

#endif /* PEDMA_LAB_GUARD_H */
