/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pedma backend API: what pedma.ko (the core) exports to the modules that
 * find one side of a link and drive it (backends).  A backend fills a
 * struct pedma_backend and calls, in this order:
 *
 *   pedma_dev_create()     allocate, prepare the handshake (nothing visible)
 *   pedma_dev_register()   register the ib_device, start the link
 *   ...                    pedma_peer_event(), pedma_peer_lost() and
 *                          pedma_edma_irq() from its interrupt handlers
 *   pedma_dev_unregister() leave the link, unregister the ib_device
 *   pedma_dev_destroy()    free (after the backend freed its interrupts)
 *
 * Nothing else of the core is visible to a backend; the core never calls a
 * backend but through struct pedma_backend_ops.  The symbols are exported
 * GPL-only; a backend's module depends on pedma.ko, so the core is loaded
 * first and cannot be unloaded while a backend is.
 */
#ifndef PEDMA_BACKEND_H
#define PEDMA_BACKEND_H

#include <linux/device.h>
#include <linux/module.h>
#include <linux/types.h>

#include <pedma/pedma_window.h>

struct pedma_backend;
struct pedma_dev;

#define PEDMA_DIR_WR		0	/* write channel: endpoint -> PCIe */
#define PEDMA_DIR_RD		1	/* read channel: PCIe -> endpoint */

/**
 * struct pedma_reg_write - one eDMA register write of a batch
 * @off: register offset from the eDMA block (dw_edma_regs.h)
 * @val: the value
 */
struct pedma_reg_write {
	u32 off;
	u32 val;
};

/**
 * struct pedma_backend_ops - what differs from one backend to another
 *
 * The three register operations are NULL together for a backend that
 * cannot reach the engine's registers (pedma_ntb.ko: on a stock kernel the
 * endpoint's eDMA belongs to dw-edma).  Its endpoint must then move data
 * with dmaengine channels (struct pedma_backend.dma_chan_dev) in the
 * endpoint-driven mode, and its host refuses an endpoint that offers the
 * shared mode.
 *
 * @edma_read: read a 32-bit eDMA register (offset from the eDMA block).
 *	May be slow (an MMIO read over PCIe on the host, a model round trip
 *	in the lab); never on a fast path.  Process or threaded-interrupt
 *	context, no spinlock held: it may sleep.
 * @edma_write: write a 32-bit eDMA register.  Callable from any context.
 * @edma_write_batch: write @n registers in order as one burst (the lab
 *	posts them with one kick).  Callable from any context.
 * @peer_notify: ring the peer's doorbell (its control interrupt).  Callable
 *	from any context.
 * @dma_page: optional: the struct page behind DMA address @addr of
 *	@dma_dev (a same-side buffer), or NULL if the backend does not know
 *	it; the DMA API's own view (IOMMU domain or direct mapping) is used
 *	then.  For backends that translate DMA addresses themselves (the
 *	lab's DMA guard).  Callable from any context.
 */
struct pedma_backend_ops {
	u32 (*edma_read)(struct pedma_backend *be, u32 off);
	void (*edma_write)(struct pedma_backend *be, u32 off, u32 val);
	void (*edma_write_batch)(struct pedma_backend *be,
				 const struct pedma_reg_write *w, unsigned int n);
	void (*peer_notify)(struct pedma_backend *be);
	struct page *(*dma_page)(struct pedma_backend *be, u64 addr);
};

/**
 * struct pedma_ident - what the device is, as its backend knows it
 * @vendor_id: PCI vendor ID of the function the link runs on (the lab:
 *	ivshmem's; a board: the endpoint controller's)
 * @vendor_part_id: its PCI device ID
 * @hw_ver: its PCI revision
 * @fw_ver: the backend's firmware or model version, for ib_device_attr
 * @sys_image_guid: EUI-64 of the system this side is, big endian
 */
struct pedma_ident {
	u32 vendor_id;
	u32 vendor_part_id;
	u32 hw_ver;
	u64 fw_ver;
	__be64 sys_image_guid;
};

/**
 * struct pedma_backend - one side of one link, as a backend found it
 * @owner: the backend's module (THIS_MODULE), the ib_device's owner; it
 *	can be unloaded while processes have the device open (they get
 *	IB_EVENT_DEVICE_FATAL and are disassociated)
 * @ops: register, doorbell access
 * @dma_dev: the device whose DMA mappings the eDMA can use (host: the PCI
 *	function the endpoint masters through; endpoint: the controller)
 * @wnd: the pedma window (control and metadata; see pedma_window.h)
 * @wnd_size: its size in bytes
 * @wnd_local_base: endpoint only: the window's address as the eDMA sees it
 * @role: PEDMA_ROLE_HOST or PEDMA_ROLE_EP
 * @node_guid: EUI-64 for this side, big endian
 * @desc: short text for node_desc and messages ("lab host", ...)
 * @imwr_addr: host only: the PCIe addresses whose write raises the host's
 *	eDMA interrupt for write ([0]) and read ([1]) channels (its MSI
 *	addresses); the host points the engine's done/abort IMWr there
 * @ident: vendor, part, versions and system GUID (query_device)
 * @dma_chan_dev: optional: move data with the dmaengine slave channels
 *	of this device (DMA_MEM_TO_DEV for write, DMA_DEV_TO_MEM for read:
 *	the endpoint's own dw-edma channels on a stock kernel, the lab's
 *	dmaengine driver) instead of writing eDMA linked lists (NULL).
 *	Every channel of the device the core can take becomes this side's;
 *	the provider must exist before pedma_dev_create().
 * @ep_driven: endpoint only: the host cannot reach the engine; the
 *	endpoint takes every channel and runs the host's chains for it (the
 *	endpoint-driven mode, PEDMA_CAP_EP_DRIVEN)
 * @wnd_renewable: host only: the window is the peer's memory, which a new
 *	instance of the peer (reloaded, rebooted) replaces by new memory of
 *	the same size behind the same mapping (an NTB endpoint's inbound
 *	window).  The core keeps a copy of what it stores in its area and
 *	writes it back when it finds the area gone; the device stays.
 */
struct pedma_backend {
	struct module *owner;
	const struct pedma_backend_ops *ops;
	struct device *dma_dev;
	void __iomem *wnd;
	resource_size_t wnd_size;
	u64 wnd_local_base;
	u8 role;
	__be64 node_guid;
	const char *desc;
	u64 imwr_addr[2];
	struct pedma_ident ident;
	struct device *dma_chan_dev;
	bool ep_driven;
	bool wnd_renewable;
};

struct pedma_dev *pedma_dev_create(struct pedma_backend *be);
int pedma_dev_register(struct pedma_dev *dev);
void pedma_dev_unregister(struct pedma_dev *dev);
void pedma_dev_destroy(struct pedma_dev *dev);
void pedma_peer_event(struct pedma_dev *dev);
void pedma_peer_lost(struct pedma_dev *dev);
bool pedma_peer_linked(struct pedma_dev *dev);
void pedma_edma_irq(struct pedma_dev *dev, int dir);

#endif /* PEDMA_BACKEND_H */
