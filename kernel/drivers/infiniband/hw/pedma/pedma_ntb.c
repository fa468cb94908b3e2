// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma NTB backend, module pedma_ntb.ko: an NTB client (linux/ntb.h) that
 * turns an ntb_dev into one side of a pedma link, using the NTB API only:
 * a board's vNTB link (ntb_hw_epf on the host, pci-epf-vntb's own NTB
 * device on the endpoint) and the lab's NTB device (ntb_hw_pedma_lab) alike.
 *
 *   window     At the first link up (the NTB API gives a window's limits
 *              only then) the endpoint allocates the pedma window as its
 *              inbound memory window @mw (dma_alloc_coherent() on the NTB
 *              device, ntb_mw_set_trans(), min(its size, wnd_max)); it
 *              reads and writes it as memory.  Then it publishes the size
 *              in its scratchpads (PEDMA_NTB_SPAD_SIZE, then the mark
 *              PEDMA_NTB_SPAD_READY) and rings the host.  The host, once it
 *              sees the mark, maps as much of its peer window @mw
 *              (ntb_peer_mw_get_addr(), ioremap(): uncached, so that the
 *              core's store order is the order the endpoint sees) and
 *              reaches it across the link.  Before the mark the host's
 *              stores could land in a window not yet backed.
 *   doorbell   One bit (PEDMA_NTB_DB) each way: ntb_peer_db_set() rings the
 *              peer, our db_event clears the bit and runs the core's
 *              pedma_peer_event() from a work item (db_event may come from
 *              a hard interrupt).  The endpoint rings from a work item too:
 *              pci-epf-vntb raises the host's MSI through the endpoint
 *              controller, which takes a mutex.
 *   link       ntb_link_enable() at probe; link_event with the link down
 *              is pedma_peer_lost(), with it up pedma_peer_event().  Each
 *              side creates and registers its pedma device once its window
 *              is there (above).  The endpoint keeps it, and the window,
 *              until removed: the core's handshake finds a host again that
 *              went away and came back.  A host whose endpoint made a new
 *              window (it reloaded or rebooted: the scratchpad instance
 *              changed) keeps its device: the window is wnd_renewable, and
 *              the core writes its area back into the new memory before it
 *              links again (pn_host_sync()).
 *   engine     Only the endpoint moves data, with dmaengine channels (the
 *              core's dmaengine mover) in the endpoint-driven mode: on a
 *              stock kernel the endpoint's eDMA belongs to dw-edma, and the
 *              host has no way to it.  There are no register operations.
 *
 * Role: the side with a dmaengine provider for pedma is the endpoint.  The
 * provider is the device named by the dma parameter (dev_name of the
 * dmaengine device: a board's DWC controller, e.g. "a400000.pcie"), or
 * else one related to the NTB device's PCI function (it, an ancestor, or a
 * device below one of them: the lab's ntb_hw_pedma_lab.edma).  role=host
 * or role=endpoint overrides.
 *
 * Lock order: none of our own; works are cancelled before what they use
 * goes away.  The core's context rules are in pedma_backend.h.
 */
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "pedma_compat.h"
#include "pedma_backend.h"
#include "pedma_edma_regs.h"

#define PEDMA_NTB_VERSION	1	/* this backend's protocol (fw_ver) */
#define PEDMA_NTB_DB		0	/* the doorbell bit, both ways */
/* The endpoint's scratchpads: the window's size in KiB, then the mark */
#define PEDMA_NTB_SPAD_READY	0
#define PEDMA_NTB_SPAD_SIZE	1
#define PEDMA_NTB_SPAD_INST	2	/* the window's instance: random, odd */
#define PEDMA_NTB_SPADS		3
#define PEDMA_NTB_READY		0x57504450	/* "PDPW" */

static char *role = "auto";
module_param(role, charp, 0444);
MODULE_PARM_DESC(role, "auto (default: the side with a dmaengine provider is the endpoint), host or endpoint");

static char *dma;
module_param(dma, charp, 0444);
MODULE_PARM_DESC(dma, "Endpoint: the dmaengine provider's device name (a board's DWC controller, e.g. a400000.pcie); default: one related to the NTB device");

static int mw;
module_param(mw, int, 0444);
MODULE_PARM_DESC(mw, "Memory window that holds the pedma window (default 0)");

static ulong wnd_max = 16 << 20;
module_param(wnd_max, ulong, 0444);
MODULE_PARM_DESC(wnd_max, "Largest pedma window in bytes (default 16 MiB; both sides must end up with the same size)");

struct pedma_ntb {
	struct pedma_backend be;
	struct ntb_dev *ntb;
	struct pedma_dev *dev;
	char desc[16];

	/* Endpoint: the inbound window buffer; host: the peer window mapping */
	void *buf;
	dma_addr_t buf_dma;
	void __iomem *map;

	struct device *chan_dev;	/* endpoint: the provider (a reference) */
	struct pedma_edma_regs *regs;	/* an offer of the engine's registers */

	/*
	 * Ordered: link_work and db_work never run at once, and they alone
	 * set @dev (remove reads it after cancelling them).
	 */
	struct workqueue_struct *wq;
	struct work_struct link_work;	/* link events; the device's setup */
	struct work_struct db_work;	/* the peer's doorbell */
	struct work_struct ring_work;	/* endpoint: ring the peer (highpri) */
	u32 inst;			/* host: the instance @map shows */
	bool failed;			/* setup failed: reload to retry */
	bool leaving;			/* remove started: set up no more */
};

static struct pedma_ntb *to_pn(struct pedma_backend *be)
{
	return container_of(be, struct pedma_ntb, be);
}

/* ---- doorbells ---- */

static void pn_ring(struct pedma_ntb *pn)
{
	int ret = ntb_peer_db_set(pn->ntb, BIT_ULL(PEDMA_NTB_DB));

	if (ret)
		dev_err_ratelimited(&pn->ntb->dev, "doorbell to the peer failed: %d\n",
				    ret);
}

static void pn_ring_work(struct work_struct *work)
{
	pn_ring(container_of(work, struct pedma_ntb, ring_work));
}

/*
 * Any context (pedma_backend.h); rings pending at once coalesce.  Not on
 * pn->wq: a ring must not wait behind the processing of the peer's.
 */
static void pn_peer_notify(struct pedma_backend *be)
{
	struct pedma_ntb *pn = to_pn(be);

	if (be->role == PEDMA_ROLE_EP)
		queue_work(system_highpri_wq, &pn->ring_work);
	else
		pn_ring(pn);
}

static const struct pedma_backend_ops pn_ops = {
	.peer_notify = pn_peer_notify,
};

/* ---- the engine's registers, where they are offered (shared mode) ---- */

static u32 pn_edma_read(struct pedma_backend *be, u32 off)
{
	struct pedma_edma_regs *r = to_pn(be)->regs;

	return r->read(r, off);
}

static void pn_edma_write_batch(struct pedma_backend *be,
				const struct pedma_reg_write *w, unsigned int n)
{
	struct pedma_edma_regs *r = to_pn(be)->regs;

	r->write_batch(r, w, n);
}

static void pn_edma_write(struct pedma_backend *be, u32 off, u32 val)
{
	struct pedma_reg_write w = { .off = off, .val = val };

	pn_edma_write_batch(be, &w, 1);
}

static const struct pedma_backend_ops pn_regs_ops = {
	.edma_read = pn_edma_read,
	.edma_write = pn_edma_write,
	.edma_write_batch = pn_edma_write_batch,
	.peer_notify = pn_peer_notify,
};

static void pn_edma_irq(void *ctx, int dir)
{
	pedma_edma_irq(ctx, dir);
}

/* The engine's interrupts to @dev (NULL: to no one any more) */
static void pn_regs_irq(struct pedma_ntb *pn, struct pedma_dev *dev)
{
	struct pedma_edma_regs *r = pn->regs;

	if (!r)
		return;
	mutex_lock(&r->lock);
	r->irq_ctx = dev;
	r->irq = dev ? pn_edma_irq : NULL;
	mutex_unlock(&r->lock);
}

#ifdef PEDMA_HAVE_DEVICE_FIND_CHILD_CONST
static int pn_regs_match(struct device *d, const void *data)
#else
static int pn_regs_match(struct device *d, void *data)
#endif
{
	const char *name = dev_name(d);

	return d->bus && !strcmp(d->bus->name, "auxiliary") &&
	       strstr(name, "." PEDMA_EDMA_REGS_DEVNAME ".");
}

/* An offer of the engine's registers below the NTB function (a reference) */
static struct pedma_edma_regs *pn_find_regs(struct ntb_dev *ntb)
{
	struct device *d = device_find_child(&ntb->pdev->dev, NULL,
					     pn_regs_match);

	return d ? container_of(to_auxiliary_dev(d), struct pedma_edma_regs,
				adev) : NULL;
}

/*
 * The bit is cleared before the work reads the window: a ring after the
 * clear queues the work again, so nothing the peer published is missed.
 */
static void pn_db_event(void *ctx, int vector)
{
	struct pedma_ntb *pn = ctx;
	u64 bits = ntb_db_read(pn->ntb) & BIT_ULL(PEDMA_NTB_DB);

	if (!bits)
		return;
	ntb_db_clear(pn->ntb, bits);
	queue_work(pn->wq, &pn->db_work);
}

/* ---- link ---- */

static void pn_link_event(void *ctx)
{
	struct pedma_ntb *pn = ctx;

	queue_work(pn->wq, &pn->link_work);
}

static const struct ntb_ctx_ops pn_ctx_ops = {
	.link_event = pn_link_event,
	.db_event = pn_db_event,
};

/* ---- the dmaengine provider: which side we are ---- */

/* @a is @b or one of its ancestors */
static bool dev_is_or_above(struct device *a, struct device *b)
{
	for (; b; b = b->parent)
		if (a == b)
			return true;
	return false;
}

struct pn_find {
	struct ntb_dev *ntb;
	struct device *found;
};

/*
 * Looks at every free slave channel and takes none (returns false): the
 * first device that is named by the dma parameter, or else is the NTB
 * device's PCI function or below it (the lab's auxiliary device), is the
 * provider.  Not above it: a root complex's own eDMA (a DesignWare host
 * registers one too) is no endpoint's engine.
 */
static bool pn_find_filter(struct dma_chan *chan, void *param)
{
	struct pn_find *f = param;
	struct device *d = chan->device->dev;

	if (f->found || !d)
		return false;
	if (dma && *dma) {
		if (!strcmp(dev_name(d), dma))
			f->found = d;
	} else if (dev_is_or_above(&f->ntb->pdev->dev, d)) {
		f->found = d;
	}
	return false;
}

static struct device *pn_find_provider(struct ntb_dev *ntb)
{
	struct pn_find f = { .ntb = ntb };
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(DMA_SLAVE, mask);
	/* Takes nothing: the filter refuses every channel */
	dma_request_channel(mask, pn_find_filter, &f);
	return f.found ? get_device(f.found) : NULL;
}

/*
 * The device the engine's DMA mappings are made for: the provider, or the
 * nearest ancestor that maps DMA (the lab's auxiliary device has no DMA
 * of its own; its PCI function does).
 */
static struct device *pn_map_dev(struct device *d)
{
	for (; d; d = d->parent)
		if (d->dma_mask)
			return d;
	return NULL;
}

/* ---- the window ---- */

static int pn_wnd_ep(struct pedma_ntb *pn)
{
	struct ntb_dev *ntb = pn->ntb;
	resource_size_t addr_align, size_align, size_max, size;
	int ret;

	ret = ntb_mw_get_align(ntb, NTB_DEF_PEER_IDX, mw, &addr_align,
			       &size_align, &size_max);
	if (ret)
		return ret;
	size = min_t(resource_size_t, size_max, wnd_max);
	if (size_align > 1)
		size = rounddown(size, size_align);
	if (size < PEDMA_WND_MIN_SIZE) {
		dev_err(&ntb->dev, "memory window %d holds %pa bytes; pedma needs %u\n",
			mw, &size, PEDMA_WND_MIN_SIZE);
		return -ENOSPC;
	}
	pn->buf = dma_alloc_coherent(&ntb->pdev->dev, size, &pn->buf_dma,
				     GFP_KERNEL);
	if (!pn->buf)
		return -ENOMEM;
	if (addr_align && !IS_ALIGNED(pn->buf_dma, addr_align)) {
		dev_err(&ntb->dev, "window buffer at %pad is not %pa-aligned\n",
			&pn->buf_dma, &addr_align);
		ret = -EINVAL;
		goto err_free;
	}
	ret = ntb_mw_set_trans(ntb, NTB_DEF_PEER_IDX, mw, pn->buf_dma, size);
	if (ret)
		goto err_free;
	/* Memory of ours: the core's MMIO accessors work on it */
	pn->be.wnd = (void __force __iomem *)pn->buf;
	pn->be.wnd_size = size;
	pn->be.wnd_local_base = pn->buf_dma;
	dev_info(&ntb->dev, "pedma window: %pa bytes at %pad in memory window %d\n",
		 &size, &pn->buf_dma, mw);
	return 0;

err_free:
	dma_free_coherent(&ntb->pdev->dev, size, pn->buf, pn->buf_dma);
	pn->buf = NULL;
	return ret;
}

static void pn_wnd_ep_free(struct pedma_ntb *pn)
{
	ntb_spad_write(pn->ntb, PEDMA_NTB_SPAD_READY, 0);
	ntb_mw_clear_trans(pn->ntb, NTB_DEF_PEER_IDX, mw);
	dma_free_coherent(&pn->ntb->pdev->dev, pn->be.wnd_size, pn->buf,
			  pn->buf_dma);
	pn->buf = NULL;
}

/*
 * Host: map the window once the endpoint marked it ready.  -EAGAIN: not
 * yet (its doorbell brings us back).
 */
static int pn_wnd_host(struct pedma_ntb *pn)
{
	struct ntb_dev *ntb = pn->ntb;
	resource_size_t size, mw_size;
	phys_addr_t base;
	int ret;

	/* The size after the mark (pn_host_sync), written before it */
	size = (resource_size_t)ntb_peer_spad_read(ntb, NTB_DEF_PEER_IDX,
						   PEDMA_NTB_SPAD_SIZE) << 10;
	ret = ntb_peer_mw_get_addr(ntb, mw, &base, &mw_size);
	if (ret)
		return ret;
	/* The endpoint's word is untrusted: it must fit our window */
	if (size < PEDMA_WND_MIN_SIZE || size > mw_size) {
		dev_err(&ntb->dev, "the endpoint's window of %pa bytes does not fit peer memory window %d (%pa bytes) or is below %u\n",
			&size, mw, &mw_size, PEDMA_WND_MIN_SIZE);
		return -EINVAL;
	}
	pn->map = ioremap(base, size);
	if (!pn->map)
		return -ENOMEM;
	pn->be.wnd = pn->map;
	pn->be.wnd_size = size;
	return 0;
}

/* ---- the device, at the link's first up ---- */

static int pn_setup(struct pedma_ntb *pn)
{
	struct ntb_dev *ntb = pn->ntb;
	struct pedma_dev *dev;
	int ret;

	ret = pn->be.role == PEDMA_ROLE_EP ? pn_wnd_ep(pn) : pn_wnd_host(pn);
	if (ret)
		return ret;
	dev = pedma_dev_create(&pn->be);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_wnd;
	}
	/* Before the link can start a chain */
	pn_regs_irq(pn, dev);
	ret = pedma_dev_register(dev);
	if (ret)
		goto err_dev;
	pn->dev = dev;
	if (pn->be.role == PEDMA_ROLE_EP) {
		ntb_spad_write(ntb, PEDMA_NTB_SPAD_SIZE, pn->be.wnd_size >> 10);
		ntb_spad_write(ntb, PEDMA_NTB_SPAD_INST, get_random_u32() | 1);
		/* The size before the mark that makes it valid (pn_wnd_host) */
		wmb();
		ntb_spad_write(ntb, PEDMA_NTB_SPAD_READY, PEDMA_NTB_READY);
		queue_work(system_highpri_wq, &pn->ring_work);
	}
	return 0;

err_dev:
	pn_regs_irq(pn, NULL);
	pedma_dev_destroy(dev);
err_wnd:
	if (pn->buf)
		pn_wnd_ep_free(pn);
	if (pn->map)
		iounmap(pn->map);
	pn->map = NULL;
	return ret;
}

/* The host's device, window and all (pn->wq) */
static void pn_teardown(struct pedma_ntb *pn)
{
	pedma_dev_unregister(pn->dev);
	pn_regs_irq(pn, NULL);
	pedma_dev_destroy(pn->dev);
	pn->dev = NULL;
	iounmap(pn->map);
	pn->map = NULL;
}

/*
 * Host, on pn->wq: make our device match the endpoint's window.  Without
 * the mark the endpoint has none (gone, or not ready yet): the link is
 * lost.  A window of another instance is new memory (the endpoint reloaded
 * or rebooted).  Of the same size, it is the core's (wnd_renewable): it
 * writes its area back into it before it links with the new instance, and
 * the device, its QPs and its users stay.  Of another size, the window's
 * layout moved: the device is made anew, as after a hot unplug and plug of
 * an adapter (its users get IB_EVENT_DEVICE_FATAL).  One scratchpad read,
 * two more when the instance changes.
 */
static void pn_host_sync(struct pedma_ntb *pn)
{
	struct ntb_dev *ntb = pn->ntb;
	resource_size_t size;
	u32 inst;
	int ret;

	if (ntb_peer_spad_read(ntb, NTB_DEF_PEER_IDX, PEDMA_NTB_SPAD_READY) !=
	    PEDMA_NTB_READY) {
		if (pn->dev)
			pedma_peer_lost(pn->dev);
		return;
	}
	/* The mark is written last (pn_setup): what it covers after it */
	rmb();
	inst = ntb_peer_spad_read(ntb, NTB_DEF_PEER_IDX, PEDMA_NTB_SPAD_INST);
	if (pn->dev && inst == pn->inst)
		return;
	if (pn->dev) {
		size = (resource_size_t)ntb_peer_spad_read(ntb, NTB_DEF_PEER_IDX,
							   PEDMA_NTB_SPAD_SIZE) << 10;
		if (size == pn->be.wnd_size) {
			dev_info(&ntb->dev, "the endpoint's window is new (instance %#x, was %#x): pedma keeps its device and writes its area back\n",
				 inst, pn->inst);
			pn->inst = inst;
			return;
		}
		dev_info(&ntb->dev, "the endpoint's window is new and of another size (instance %#x, was %#x; %pa bytes): making the pedma device anew\n",
			 inst, pn->inst, &size);
		pn_teardown(pn);
	}
	if (pn->failed)
		return;
	ret = pn_setup(pn);
	if (ret) {
		pn->failed = true;
		dev_err(&ntb->dev, "pedma device not set up: %d (reload pedma_ntb to retry)\n",
			ret);
		return;
	}
	pn->inst = inst;
}

static void pn_link_work(struct work_struct *work)
{
	struct pedma_ntb *pn = container_of(work, struct pedma_ntb, link_work);
	bool up;
	int ret;

	if (READ_ONCE(pn->leaving))
		return;
	up = ntb_link_is_up(pn->ntb, NULL, NULL) & BIT_ULL(NTB_DEF_PEER_IDX);
	if (!up) {
		if (pn->dev)
			pedma_peer_lost(pn->dev);
		return;
	}
	if (pn->be.role == PEDMA_ROLE_HOST) {
		pn_host_sync(pn);
	} else if (!pn->dev && !pn->failed) {
		ret = pn_setup(pn);
		if (ret) {
			pn->failed = true;
			dev_err(&pn->ntb->dev, "pedma device not set up: %d (reload pedma_ntb to retry)\n",
				ret);
		}
	}
	if (pn->dev)
		pedma_peer_event(pn->dev);
}

static void pn_db_work(struct work_struct *work)
{
	struct pedma_ntb *pn = container_of(work, struct pedma_ntb, db_work);

	/*
	 * The host: the window may be new (the endpoint's mark rings us).
	 * While linked, the core watches the endpoint's instance itself: no
	 * scratchpad read (a load across the link) per doorbell.  Once
	 * leaving, no setup or teardown any more, but the doorbells still
	 * reach the core: it waits for the peer's answers while it leaves.
	 */
	if (pn->be.role == PEDMA_ROLE_HOST && !READ_ONCE(pn->leaving) &&
	    (!pn->dev || !pedma_peer_linked(pn->dev)))
		pn_host_sync(pn);
	if (pn->dev)
		pedma_peer_event(pn->dev);
}

/* ---- probe ---- */

/* 02 (locally administered) 'P' 'N' 'T', a hash of the NTB device, role */
static __be64 pn_node_guid(struct ntb_dev *ntb, u8 r)
{
	const char *name = dev_name(&ntb->pdev->dev);
	u32 h = jhash(name, strlen(name), 0) & 0xffffff;

	return cpu_to_be64(0x02504e5400000000ULL | (u64)h << 8 | r);
}

/* @local: an offer of the engine's own registers (the endpoint's side) */
static int pn_role(struct ntb_dev *ntb, struct device *prov, bool local,
		   u8 *r)
{
	if (!strcmp(role, "host")) {
		*r = PEDMA_ROLE_HOST;
	} else if (!strcmp(role, "endpoint")) {
		*r = PEDMA_ROLE_EP;
	} else if (!strcmp(role, "auto")) {
		*r = prov || local ? PEDMA_ROLE_EP : PEDMA_ROLE_HOST;
	} else {
		dev_err(&ntb->dev, "role=%s: auto, host or endpoint\n", role);
		return -EINVAL;
	}
	if (*r == PEDMA_ROLE_EP && !prov && !local) {
		dev_err(&ntb->dev, "endpoint without a dmaengine provider%s%s or the engine's registers (is its driver loaded?)\n",
			dma ? " named " : "", dma ? dma : "");
		return -EPROBE_DEFER;
	}
	return 0;
}

static int pn_probe(struct ntb_client *client, struct ntb_dev *ntb)
{
	struct pedma_edma_regs *regs;
	struct device *prov = NULL;
	struct pedma_ntb *pn;
	bool is_ep;
	int ret;
	u8 r;

	if (ntb_peer_port_count(ntb) != 1) {
		dev_err(&ntb->dev, "%d peers: pedma links two sides\n",
			ntb_peer_port_count(ntb));
		return -ENODEV;
	}
	if (!(ntb_db_valid_mask(ntb) & BIT_ULL(PEDMA_NTB_DB)) ||
	    ntb_spad_count(ntb) < PEDMA_NTB_SPADS) {
		dev_err(&ntb->dev, "pedma needs doorbell bit %d and %d scratchpads\n",
			PEDMA_NTB_DB, PEDMA_NTB_SPADS);
		return -ENODEV;
	}
	/*
	 * The engine's registers, where offered, are the shared mode's (an
	 * endpoint then runs the LL mover on its own channels, a host on
	 * its); a dmaengine provider is the endpoint-driven mode's.
	 */
	regs = pn_find_regs(ntb);
	if (strcmp(role, "host") && !(regs && regs->local))
		prov = pn_find_provider(ntb);
	ret = pn_role(ntb, prov, regs && regs->local, &r);
	if (ret)
		goto err_put;
	if (r == PEDMA_ROLE_HOST && prov) {
		put_device(prov);
		prov = NULL;
	}
	is_ep = r == PEDMA_ROLE_EP;
	if (regs && regs->local != is_ep) {
		dev_err(&ntb->dev, "%s offers the engine's registers of the %s side to the %s\n",
			dev_name(&regs->adev.dev),
			regs->local ? "endpoint" : "host",
			is_ep ? "endpoint" : "host");
		ret = -EINVAL;
		goto err_put;
	}

	pn = kzalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn) {
		ret = -ENOMEM;
		goto err_put;
	}
	pn->ntb = ntb;
	pn->chan_dev = prov;
	pn->regs = regs;
	INIT_WORK(&pn->link_work, pn_link_work);
	INIT_WORK(&pn->db_work, pn_db_work);
	INIT_WORK(&pn->ring_work, pn_ring_work);
	pn->wq = alloc_ordered_workqueue("pedma_ntb", WQ_MEM_RECLAIM | WQ_HIGHPRI);
	if (!pn->wq) {
		ret = -ENOMEM;
		goto err_free;
	}

	pn->be.owner = THIS_MODULE;
	pn->be.ops = regs ? &pn_regs_ops : &pn_ops;
	pn->be.role = r;
	pn->be.node_guid = pn_node_guid(ntb, r);
	snprintf(pn->desc, sizeof(pn->desc), "ntb %s",
		 r == PEDMA_ROLE_HOST ? "host" : "endpoint");
	pn->be.desc = pn->desc;
	/* The NTB function: a board's endpoint controller, as each side sees it */
	pn->be.ident.vendor_id = ntb->pdev->vendor;
	pn->be.ident.vendor_part_id = ntb->pdev->device;
	pn->be.ident.hw_ver = ntb->pdev->revision;
	/* "backend version . layout version . 0", as the lab's */
	pn->be.ident.fw_ver = (u64)PEDMA_NTB_VERSION << 32 |
			      PEDMA_WND_LAYOUT_VERSION << 16;
	pn->be.ident.sys_image_guid = pn->be.node_guid;
	if (r == PEDMA_ROLE_EP && !prov) {
		/* The shared mode: the LL mover on our share of the channels */
		pn->be.dma_dev = &ntb->pdev->dev;
	} else if (r == PEDMA_ROLE_EP) {
		pn->be.dma_dev = pn_map_dev(prov);
		pn->be.dma_chan_dev = prov;
		pn->be.ep_driven = true;
		if (!pn->be.dma_dev) {
			dev_err(&ntb->dev, "%s maps no DMA, nor does a device above it\n",
				dev_name(prov));
			ret = -ENODEV;
			goto err_wq;
		}
	} else {
		pn->be.dma_dev = &ntb->pdev->dev;
		/* The endpoint's memory: a new instance makes it anew */
		pn->be.wnd_renewable = true;
		if (regs) {
			pn->be.imwr_addr[PEDMA_DIR_WR] =
				regs->imwr_addr[PEDMA_DIR_WR];
			pn->be.imwr_addr[PEDMA_DIR_RD] =
				regs->imwr_addr[PEDMA_DIR_RD];
		}
	}

	/* The endpoint: no mark of an earlier load stays */
	if (r == PEDMA_ROLE_EP)
		ntb_spad_write(ntb, PEDMA_NTB_SPAD_READY, 0);

	ret = ntb_set_ctx(ntb, pn, &pn_ctx_ops);
	if (ret)
		goto err_wq;
	ntb_db_clear(ntb, BIT_ULL(PEDMA_NTB_DB));
	ntb_db_clear_mask(ntb, BIT_ULL(PEDMA_NTB_DB));
	ntb_link_enable(ntb, NTB_SPEED_AUTO, NTB_WIDTH_AUTO);
	/* Up already (no event then): as if it had come */
	queue_work(pn->wq, &pn->link_work);
	dev_info(&ntb->dev, "pedma %s over NTB, memory window %d%s%s; the device comes with the link\n",
		 r == PEDMA_ROLE_HOST ? "host" : "endpoint", mw,
		 prov ? ", dmaengine " : regs ? ", eDMA registers " : "",
		 prov ? dev_name(prov) : regs ? dev_name(&regs->adev.dev) : "");
	return 0;

err_wq:
	destroy_workqueue(pn->wq);
err_free:
	kfree(pn);
err_put:
	put_device(prov);
	if (regs)
		put_device(&regs->adev.dev);
	return ret;
}

static void pn_remove(struct ntb_client *client, struct ntb_dev *ntb)
{
	struct pedma_ntb *pn = ntb->ctx;

	/*
	 * No setup from here on; then leave the link (rings the peer),
	 * hearing the peer's doorbells meanwhile: a host waits for the
	 * endpoint's answers to its last requests.
	 */
	WRITE_ONCE(pn->leaving, true);
	cancel_work_sync(&pn->link_work);
	flush_work(&pn->db_work);
	cancel_work_sync(&pn->link_work);	/* db_work may have queued it */
	if (pn->dev)
		pedma_dev_unregister(pn->dev);
	flush_work(&pn->ring_work);
	ntb_db_set_mask(ntb, BIT_ULL(PEDMA_NTB_DB));
	ntb_clear_ctx(ntb);
	ntb_link_disable(ntb);
	/* No events any more: the works run out, and no ring follows them */
	flush_workqueue(pn->wq);
	cancel_work_sync(&pn->ring_work);
	pn_regs_irq(pn, NULL);
	if (pn->dev)
		pedma_dev_destroy(pn->dev);
	if (pn->buf)
		pn_wnd_ep_free(pn);
	if (pn->map)
		iounmap(pn->map);
	destroy_workqueue(pn->wq);
	put_device(pn->chan_dev);
	if (pn->regs)
		put_device(&pn->regs->adev.dev);
	kfree(pn);
}

static struct ntb_client pedma_ntb_client = {
	.ops = {
		.probe = pn_probe,
		.remove = pn_remove,
	},
};
module_ntb_client(pedma_ntb_client);

MODULE_AUTHOR("The pedma developers");
MODULE_DESCRIPTION("pedma NTB backend: a pedma link over any NTB device (vNTB on DesignWare endpoints, the lab's NTB device)");
MODULE_LICENSE("Dual BSD/GPL");
