// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe: user memory is pinned with ib_umem_get_va() (ib_umem_get() is
 * gone; the umem getters also take buffer descriptors and attributes).
 */
#include <rdma/ib_umem.h>

struct ib_umem *pedma_probe_umem(struct ib_device *dev, unsigned long addr,
				 size_t size);

struct ib_umem *pedma_probe_umem(struct ib_device *dev, unsigned long addr,
				 size_t size)
{
	return ib_umem_get_va(dev, addr, size, 0);
}
