// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma lab backend, module pedma_lab.ko: binds QEMU's ivshmem-doorbell
 * device served by the lab's eDMA model (lab/model).  BAR0 holds the
 * ivshmem registers (our peer id, the doorbell), BAR2 the shared memory:
 * the lab area (header, register mailboxes, eDMA register image) followed
 * by the pedma window.  The formats are in include/pedma/pedma_lab.h.
 *
 * Only ivshmem devices the lab marked as its own are bound: the model
 * writes PEDMA_LAB_MAGIC into the header at the start of BAR2 before any
 * guest boots; any other ivshmem device (another user's shared memory) is
 * left alone.
 *
 * With pedma_lab_guard.c (and pedma_lab_dma.c, the lab's dmaengine driver,
 * a module of its own), the only code that knows the lab; it uses the core
 * (pedma.ko) through pedma_backend.h alone.
 *
 * Events: the backend counts what it did (register reads and writes it
 * sent through the mailbox, write batches, kicks of the model, peer
 * notifications, interrupts taken per vector) and, with a model that
 * counts events (pedma_lab_hdr.events_off), posts a read marker for every
 * register read and kicks its own model vector.  debugfs
 * pedma_lab/<pci name>/events prints its counters and the model's
 * (struct pedma_lab_events) as "name value" lines.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#include <pedma/dw_edma_regs.h>
#include <pedma/pedma_lab.h>

#include "pedma_backend.h"
#include "pedma_lab_edma.h"
#include "pedma_lab_guard.h"

static bool ep_driven;
module_param(ep_driven, bool, 0444);
MODULE_PARM_DESC(ep_driven,
		 "Endpoint: the endpoint-driven mode, as on a board with a stock kernel: the endpoint takes every eDMA channel and runs the host's chains for it (the host then programs no channel)");

static bool ep_dmaengine;
module_param(ep_dmaengine, bool, 0444);
MODULE_PARM_DESC(ep_dmaengine,
		 "Endpoint: offer its share of the model's eDMA channels as a dmaengine provider (pedma_lab_dma.ko binds it) and move data through it (the core's dmaengine mover, as on a board with dw-edma) instead of the LL mover");

#define IVSHMEM_VENDOR_ID	0x1af4
#define IVSHMEM_DEVICE_ID	0x1110

struct pedma_lab {
	struct pedma_backend be;
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0: ivshmem registers */
	void __iomem *shm;		/* BAR2: lab area + window */
	u32 self_id, peer_id;
	u32 peer_gone;			/* the model's count of the peer leaving */
	struct pedma_lab_regs mbox;	/* the model's eDMA registers */
	bool no_guard;			/* the model runs with --no-guard */
	struct pedma_guard *guard;	/* NULL: DMA guard off */
	struct pedma_lab_edma *edma;	/* ep_dmaengine: offered as dmaengine */
	struct pedma_dev *dev;
	char desc[16];
	int irq[PEDMA_LAB_VECTORS];	/* Linux irq of each vector */
	atomic64_t ev_peer_notifies;
	atomic64_t ev_irqs[PEDMA_LAB_VECTORS];
	struct dentry *dbg_dir;
};

static struct dentry *lab_dbg_root;

static struct pedma_lab *to_lab(struct pedma_backend *be)
{
	return container_of(be, struct pedma_lab, be);
}

static void lab_edma_write_batch(struct pedma_backend *be,
				 const struct pedma_reg_write *w, unsigned int n)
{
	pedma_lab_regs_write_batch(&to_lab(be)->mbox, w, n);
}

static void lab_edma_write(struct pedma_backend *be, u32 off, u32 val)
{
	pedma_lab_regs_write(&to_lab(be)->mbox, off, val);
}

static u32 lab_edma_read(struct pedma_backend *be, u32 off)
{
	return pedma_lab_regs_read(&to_lab(be)->mbox, off);
}

static void lab_peer_notify(struct pedma_backend *be)
{
	struct pedma_lab *lab = to_lab(be);

	atomic64_inc(&lab->ev_peer_notifies);
	writel(lab->peer_id << 16 | PEDMA_LAB_VEC_PEER,
	       lab->regs + IVSHMEM_REG_DOORBELL);
}

/* With the guard on, our DMA addresses are the guard's IOVAs */
static struct page *lab_dma_page(struct pedma_backend *be, u64 addr)
{
	struct pedma_lab *lab = to_lab(be);

	return lab->guard ? pedma_lab_guard_dma_page(lab->guard, addr) : NULL;
}

static const struct pedma_backend_ops pedma_lab_ops = {
	.edma_read = lab_edma_read,
	.edma_write = lab_edma_write,
	.edma_write_batch = lab_edma_write_batch,
	.peer_notify = lab_peer_notify,
	.dma_page = lab_dma_page,
};

/*
 * Endpoint with ep_dmaengine: offer the channels the core's partition
 * gives the endpoint (the lower half of each direction, rounded up; all
 * of them in the endpoint-driven mode), as a board's dw-edma offers the
 * channels its glue hands it, through the auxiliary device
 * "pedma_lab.edma" that pedma_lab_dma.ko binds (pedma_lab_edma.c).  The
 * core then takes them with its dmaengine mover.
 */
static int lab_dma_start(struct pedma_lab *lab)
{
	struct pedma_lab_edma *e;
	unsigned int wr, rd;
	int ret;

	if (!ep_dmaengine || lab->be.role != PEDMA_ROLE_EP)
		return 0;
	ret = pedma_lab_edma_count(&lab->mbox, &wr, &rd);
	if (ret)
		return ret;
	if (!ep_driven) {
		wr = (wr + 1) / 2;
		rd = (rd + 1) / 2;
	}
	e = pedma_lab_edma_add(&lab->pdev->dev, pci_dev_id(lab->pdev),
			       &lab->mbox, GENMASK(wr - 1, 0),
			       GENMASK(rd - 1, 0));
	if (IS_ERR(e))
		return PTR_ERR(e);
	lab->edma = e;
	lab->be.dma_chan_dev = &e->adev.dev;
	return 0;
}

/* After the core released the channels (pedma_dev_destroy()) */
static void lab_dma_stop(struct pedma_lab *lab)
{
	pedma_lab_edma_del(lab->edma);
	lab->edma = NULL;
	lab->be.dma_chan_dev = NULL;
}

static void __iomem *lab_peer_gone_reg(struct pedma_lab *lab)
{
	int peer = lab->be.role == PEDMA_ROLE_HOST ? 1 : 0;

	return lab->shm + PEDMA_LAB_HDR_OFF +
	       offsetof(struct pedma_lab_hdr, gone) + peer * sizeof(__le32);
}

/* Every interrupt of ours, counted as it arrives; the thread handles it */
static irqreturn_t lab_irq_count(int irq, void *data)
{
	struct pedma_lab *lab = data;
	unsigned int v;

	for (v = 0; v < PEDMA_LAB_VECTORS; v++) {
		if (lab->irq[v] == irq) {
			atomic64_inc(&lab->ev_irqs[v]);
			break;
		}
	}
	return IRQ_WAKE_THREAD;
}

/*
 * The peer's doorbell, or the model telling us the peer's guest went away
 * (its PCIe link reset, as an NTB link event reports it).
 */
static irqreturn_t lab_peer_irq(int irq, void *data)
{
	struct pedma_lab *lab = data;
	u32 gone = readl(lab_peer_gone_reg(lab));

	if (gone != lab->peer_gone) {
		lab->peer_gone = gone;
		pedma_peer_lost(lab->dev);
	}
	pedma_peer_event(lab->dev);
	return IRQ_HANDLED;
}

/* eDMA interrupts: local (LIE) on the endpoint, IMWr on the host */
static void lab_edma_irq(struct pedma_lab *lab, int dir)
{
	if (lab->edma)
		pedma_lab_edma_irq(lab->edma, dir);
	else
		pedma_edma_irq(lab->dev, dir);
}

static irqreturn_t lab_edma_wr_irq(int irq, void *data)
{
	lab_edma_irq(data, PEDMA_DIR_WR);
	return IRQ_HANDLED;
}

static irqreturn_t lab_edma_rd_irq(int irq, void *data)
{
	lab_edma_irq(data, PEDMA_DIR_RD);
	return IRQ_HANDLED;
}

/*
 * Check the lab header the model wrote.  The model is trusted no more than
 * any other party: every offset must fall inside BAR2.
 */
static int lab_parse_header(struct pedma_lab *lab, resource_size_t bar_len)
{
	struct device *d = &lab->pdev->dev;
	void __iomem *hdr = lab->shm + PEDMA_LAB_HDR_OFF;
	u32 version, vectors, wnd_off, wnd_size, host_id, ep_id, shm_size;
	u32 model_id;
	u64 magic;

#define HDR32(f) readl(hdr + offsetof(struct pedma_lab_hdr, f))
	magic = readq(hdr + offsetof(struct pedma_lab_hdr, magic));
	if (magic != PEDMA_LAB_MAGIC) {
		dev_info(d, "ivshmem device not marked by the pedma lab model (no lab magic in BAR2): left alone\n");
		return -ENODEV;
	}
	/* Read the rest only after the magic the model writes last. */
	rmb();
	version = HDR32(version);
	vectors = HDR32(vectors);
	shm_size = HDR32(shm_size);
	wnd_off = HDR32(wnd_off);
	wnd_size = HDR32(wnd_size);
	host_id = HDR32(host_id);
	ep_id = HDR32(ep_id);
	model_id = HDR32(model_id);
	lab->no_guard = HDR32(model_flags) & PEDMA_LAB_MF_NO_GUARD;
#undef HDR32

	if (version != PEDMA_LAB_VERSION) {
		dev_err(d, "lab model speaks lab version %u, driver %u\n",
			version, PEDMA_LAB_VERSION);
		return -EPROTO;
	}
	if (vectors < PEDMA_LAB_VECTORS || shm_size > bar_len ||
	    wnd_off < PEDMA_LAB_AREA_SIZE || wnd_off > shm_size ||
	    wnd_size > shm_size - wnd_off ||
	    model_id > 0xffff || host_id > 0xffff || ep_id > 0xffff) {
		dev_err(d, "lab header inconsistent (vectors %u, shm %#x, window %#x+%#x)\n",
			vectors, shm_size, wnd_off, wnd_size);
		return -EPROTO;
	}

	lab->self_id = readl(lab->regs + IVSHMEM_REG_IVPOSITION);
	if (lab->self_id == host_id) {
		lab->be.role = PEDMA_ROLE_HOST;
		lab->peer_id = ep_id;
	} else if (lab->self_id == ep_id) {
		lab->be.role = PEDMA_ROLE_EP;
		lab->peer_id = host_id;
	} else {
		dev_err(d, "ivshmem peer id %u is neither the lab host (%u) nor endpoint (%u)\n",
			lab->self_id, host_id, ep_id);
		return -EPROTO;
	}
	pedma_lab_regs_init(&lab->mbox, d, lab->regs, lab->shm,
			    lab->be.role == PEDMA_ROLE_HOST);
	lab->be.wnd = lab->shm + wnd_off;
	lab->be.wnd_size = wnd_size;
	return 0;
}

static void __iomem *lab_guard_gpa_reg(struct pedma_lab *lab)
{
	unsigned int side = lab->be.role == PEDMA_ROLE_HOST ? 0 : 1;

	return lab->shm + PEDMA_LAB_HDR_OFF +
	       offsetof(struct pedma_lab_hdr, guard_gpa) + side * sizeof(__le64);
}

/*
 * Show the model our DMA guard: the descriptor is complete before the
 * address that publishes it, and the spare vector's handler is in place.
 */
static int lab_guard_start(struct pedma_lab *lab)
{
	struct pci_dev *pdev = lab->pdev;
	int ret;

	if (!lab->guard)
		return 0;
	ret = request_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_SPARE),
			  pedma_lab_guard_irq, 0, "pedma-guard", lab->guard);
	if (ret)
		return ret;
	/* The descriptor is complete before the address that publishes it */
	wmb();
	writeq(pedma_lab_guard_gpa(lab->guard), lab_guard_gpa_reg(lab));
	return 0;
}

/*
 * Take the guard back from the model, after every DMA mapping of the
 * device is gone.  The model runs one thread and reads guard_gpa at every
 * check: once it has consumed a mailbox entry posted after the header was
 * set to PEDMA_LAB_GUARD_NOTHING (a register read waits for that), no chain that saw the old
 * address is still running and none will see it again, so the table and
 * descriptor can be freed.  A model that stopped answering may still read
 * them: they are then left allocated.
 */
static void lab_guard_stop(struct pedma_lab *lab)
{
	struct pci_dev *pdev = lab->pdev;

	if (!lab->guard)
		return;
	/* Nothing of ours is mapped from here on: any access is a violation. */
	writeq(PEDMA_LAB_GUARD_NOTHING, lab_guard_gpa_reg(lab));
	/* EDMA_V0_CTRL is read-only: the write is only a mailbox entry. */
	lab_edma_write(&lab->be, EDMA_V0_CTRL, 0);
	lab_edma_read(&lab->be, EDMA_V0_CTRL);
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_SPARE), lab->guard);
	pedma_lab_guard_fini(lab->guard, !pedma_lab_regs_dead(&lab->mbox));
	lab->guard = NULL;
}

/* ------------------------------------------------------------------------ */
/* Events: debugfs pedma_lab/<pci name>/events                               */
/* ------------------------------------------------------------------------ */

/*
 * Our own counters (drv_*), then the model's for our side (model_*) and
 * for the peer's (model_peer_*).  Each value is read whole, the set not
 * at one instant: compare them when the device is quiet.
 */
static int lab_events_show(struct seq_file *m, void *unused)
{
	struct pedma_lab *lab = m->private;

	pedma_lab_regs_show_drv(m, &lab->mbox);
	seq_printf(m, "drv_peer_notifies %lld\n",
		   atomic64_read(&lab->ev_peer_notifies));
	seq_printf(m, "drv_irq_peer %lld\n",
		   atomic64_read(&lab->ev_irqs[PEDMA_LAB_VEC_PEER]));
	seq_printf(m, "drv_irq_edma_wr %lld\n",
		   atomic64_read(&lab->ev_irqs[PEDMA_LAB_VEC_EDMA_WR]));
	seq_printf(m, "drv_irq_edma_rd %lld\n",
		   atomic64_read(&lab->ev_irqs[PEDMA_LAB_VEC_EDMA_RD]));
	if (lab->edma)
		pedma_lab_edma_show(m, lab->edma);
	pedma_lab_regs_show_model(m, &lab->mbox, lab->be.role == PEDMA_ROLE_HOST);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_events);

/* Errors are not fatal: the device works without its debugfs files */
static void lab_debugfs_add(struct pedma_lab *lab)
{
	lab->dbg_dir = debugfs_create_dir(pci_name(lab->pdev), lab_dbg_root);
	debugfs_create_file("events", 0400, lab->dbg_dir, lab,
			    &lab_events_fops);
}

/* A stable EUI-64 per role: 02 (locally administered) "PEDMA" 00 role */
static __be64 lab_node_guid(u8 role)
{
	return cpu_to_be64(0x0250454441000000ULL | role);
}

static int lab_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pedma_lab *lab;
	struct pedma_dev *dev;
	unsigned int i;
	int ret;

	lab = kzalloc(sizeof(*lab), GFP_KERNEL);
	if (!lab)
		return -ENOMEM;
	lab->pdev = pdev;
	pci_set_drvdata(pdev, lab);

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_regions(pdev, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	lab->regs = pci_iomap(pdev, 0, 0);
	lab->shm = pci_iomap(pdev, 2, 0);
	if (!lab->regs || !lab->shm) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = lab_parse_header(lab, pci_resource_len(pdev, 2));
	if (ret)
		goto err_unmap;

	/* Before anything maps for the device: every mapping is translated. */
	if (!lab->no_guard) {
		ret = pedma_lab_guard_init(pdev, &lab->guard);
		if (ret)
			goto err_unmap;
	}
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_guard;
	pci_set_master(pdev);

	lab->be.owner = THIS_MODULE;
	lab->be.ops = &pedma_lab_ops;
	lab->be.dma_dev = &pdev->dev;
	lab->be.node_guid = lab_node_guid(lab->be.role);
	/*
	 * The device is the lab's PCI function (QEMU ivshmem); its firmware
	 * the lab model, whose version the header gave.  A board's backend
	 * reports its endpoint controller's IDs here.
	 */
	lab->be.ident.vendor_id = pdev->vendor;
	lab->be.ident.vendor_part_id = pdev->device;
	lab->be.ident.hw_ver = pdev->revision;
	lab->be.ident.fw_ver = (u64)PEDMA_LAB_VERSION << 32 |
			       PEDMA_WND_LAYOUT_VERSION << 16;
	lab->be.ident.sys_image_guid = lab->be.node_guid;
	/* The host's eDMA vectors, as the model's IMWr aperture maps them */
	lab->be.imwr_addr[PEDMA_DIR_WR] = PEDMA_LAB_MSI_BASE +
					   4 * PEDMA_LAB_VEC_EDMA_WR;
	lab->be.imwr_addr[PEDMA_DIR_RD] = PEDMA_LAB_MSI_BASE +
					   4 * PEDMA_LAB_VEC_EDMA_RD;
	if (lab->be.role == PEDMA_ROLE_EP) {
		u64 base = pci_resource_start(pdev, 2);

		lab->be.ep_driven = ep_driven;
		/* Tell the model where the eDMA finds the window. */
		writeq(base, lab->shm + PEDMA_LAB_HDR_OFF +
		       offsetof(struct pedma_lab_hdr, ep_bar2_base));
		lab->be.wnd_local_base = base + (lab->be.wnd - lab->shm);
	}
	snprintf(lab->desc, sizeof(lab->desc), "lab %s",
		 lab->be.role == PEDMA_ROLE_HOST ? "host" : "endpoint");
	lab->be.desc = lab->desc;

	ret = pci_alloc_irq_vectors(pdev, PEDMA_LAB_VECTORS, PEDMA_LAB_VECTORS,
				    PCI_IRQ_MSIX);
	if (ret < 0)
		goto err_master;
	for (i = 0; i < PEDMA_LAB_VECTORS; i++)
		lab->irq[i] = pci_irq_vector(pdev, i);
	ret = lab_guard_start(lab);
	if (ret)
		goto err_vectors;
	ret = lab_dma_start(lab);
	if (ret)
		goto err_guard_stop;

	dev = pedma_dev_create(&lab->be);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_dma;
	}
	lab->dev = dev;

	lab->peer_gone = readl(lab_peer_gone_reg(lab));
	ret = request_threaded_irq(lab->irq[PEDMA_LAB_VEC_PEER],
				   lab_irq_count, lab_peer_irq, IRQF_ONESHOT,
				   "pedma-peer", lab);
	if (ret)
		goto err_dev;
	ret = request_threaded_irq(lab->irq[PEDMA_LAB_VEC_EDMA_WR],
				   lab_irq_count, lab_edma_wr_irq, IRQF_ONESHOT,
				   "pedma-edma-wr", lab);
	if (ret)
		goto err_irq;
	ret = request_threaded_irq(lab->irq[PEDMA_LAB_VEC_EDMA_RD],
				   lab_irq_count, lab_edma_rd_irq, IRQF_ONESHOT,
				   "pedma-edma-rd", lab);
	if (ret)
		goto err_irq_wr;

	ret = pedma_dev_register(dev);
	if (ret)
		goto err_irq_rd;
	lab_debugfs_add(lab);
	dev_info(&pdev->dev, "pedma lab %s (ivshmem id %u, peer %u, window %pa bytes)\n",
		 lab->be.role == PEDMA_ROLE_HOST ? "host" : "endpoint",
		 lab->self_id, lab->peer_id, &lab->be.wnd_size);
	return 0;

err_irq_rd:
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_EDMA_RD), lab);
err_irq_wr:
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_EDMA_WR), lab);
err_irq:
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_PEER), lab);
err_dev:
	pedma_dev_destroy(dev);
err_dma:
	lab_dma_stop(lab);
err_guard_stop:
	lab_guard_stop(lab);
err_vectors:
	pci_free_irq_vectors(pdev);
err_master:
	pci_clear_master(pdev);
err_guard:
	/* Not published (or already stopped): nothing the model can read */
	pedma_lab_guard_fini(lab->guard, true);
err_unmap:
	if (lab->shm)
		pci_iounmap(pdev, lab->shm);
	if (lab->regs)
		pci_iounmap(pdev, lab->regs);
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(lab);
	return ret;
}

static void lab_remove(struct pci_dev *pdev)
{
	struct pedma_lab *lab = pci_get_drvdata(pdev);

	/* Waits for readers of the events file */
	debugfs_remove_recursive(lab->dbg_dir);
	pedma_dev_unregister(lab->dev);
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_EDMA_RD), lab);
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_EDMA_WR), lab);
	free_irq(pci_irq_vector(pdev, PEDMA_LAB_VEC_PEER), lab);
	pedma_dev_destroy(lab->dev);
	lab_dma_stop(lab);
	lab_guard_stop(lab);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, lab->shm);
	pci_iounmap(pdev, lab->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(lab);
}

static const struct pci_device_id lab_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR_ID, IVSHMEM_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, lab_ids);

static struct pci_driver pedma_lab_driver = {
	.name = "pedma_lab",
	.id_table = lab_ids,
	.probe = lab_probe,
	.remove = lab_remove,
};

static int __init pedma_lab_init(void)
{
	int ret;

	lab_dbg_root = debugfs_create_dir("pedma_lab", NULL);
	ret = pci_register_driver(&pedma_lab_driver);
	if (ret)
		debugfs_remove_recursive(lab_dbg_root);
	return ret;
}
module_init(pedma_lab_init);

static void __exit pedma_lab_exit(void)
{
	pci_unregister_driver(&pedma_lab_driver);
	debugfs_remove_recursive(lab_dbg_root);
}
module_exit(pedma_lab_exit);

MODULE_AUTHOR("The pedma developers");
MODULE_DESCRIPTION("pedma lab backend: QEMU ivshmem served by the pedma lab's eDMA model");
MODULE_LICENSE("Dual BSD/GPL");
