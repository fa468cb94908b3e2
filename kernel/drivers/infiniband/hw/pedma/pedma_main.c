// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma device lifetime: the backend API of pedma.ko (pedma_backend.h).
 *
 * pedma.ko is the core and binds no device itself: a backend module finds
 * one side of a link and drives a pedma_dev through
 *   pedma_dev_create()    allocate, prepare the handshake (nothing visible)
 *   pedma_dev_register()  register the ib_device, start the link
 *   pedma_dev_unregister() leave the link, unregister the ib_device
 *   pedma_dev_destroy()   free (after the backend freed its interrupts)
 * Unloading a backend runs the last two for each of its devices: kernel
 * users of the ib_device are told (the RDMA core's removal path), and so
 * are processes that have it open (IB_EVENT_DEVICE_FATAL, then the core
 * destroys their objects and disassociates their contexts,
 * pedma_disassociate_ucontext()): an open device pins no module.
 */
#include <linux/module.h>

#include "pedma.h"

int pedma_hs_layout_version = PEDMA_WND_LAYOUT_VERSION;
module_param_named(hs_layout_version, pedma_hs_layout_version, int, 0444);
MODULE_PARM_DESC(hs_layout_version,
		 "Testing only: window layout version to advertise in the handshake");

bool pedma_test_early_free_rq;
module_param_named(test_early_free_rq, pedma_test_early_free_rq, bool, 0444);
MODULE_PARM_DESC(test_early_free_rq,
		 "Testing only: give published receives back while the peer can still reach them (no wait for its word, no start index for a new sender): a bug an IOMMU must catch");

bool pedma_test_atomic_unchecked;
module_param_named(test_atomic_unchecked, pedma_test_atomic_unchecked, bool,
		   0444);
MODULE_PARM_DESC(test_atomic_unchecked,
		 "Testing only: send atomics without checking the peer's key, rights and alignment first, so that the peer's responder must refuse them");

unsigned int pedma_test_rec_room;
module_param_named(test_rec_room, pedma_test_rec_room, uint, 0444);
MODULE_PARM_DESC(test_rec_room,
		 "Testing only: our record ring counts as full with this many records not yet taken by the peer (0: the ring's size), so that requests wait for record room");

/**
 * pedma_dev_create() - allocate a pedma device for one side of a link
 * @be: the backend's description of that side; it must stay valid until
 *	pedma_dev_destroy() returns
 *
 * Prepares the handshake in the window; nothing is visible yet (no
 * ib_device, no link).  Process context.
 *
 * Return: the device, or an ERR_PTR() (-EINVAL: window too small).
 */
struct pedma_dev *pedma_dev_create(struct pedma_backend *be)
{
	struct pedma_dev *dev;
	int ret;

	if (be->wnd_size < PEDMA_WND_MIN_SIZE) {
		dev_err(be->dma_dev, "window of %pa bytes is below the %u bytes layout v%u needs\n",
			&be->wnd_size, PEDMA_WND_MIN_SIZE, PEDMA_WND_LAYOUT_VERSION);
		return ERR_PTR(-EINVAL);
	}

	/*
	 * Without register access: an endpoint moves data with dmaengine
	 * channels in the endpoint-driven mode; a host lets the endpoint run
	 * its chains (a shared-mode endpoint is refused at the handshake).
	 */
	if (!pedma_be_regs(be) && be->role == PEDMA_ROLE_EP &&
	    (!be->dma_chan_dev || !be->ep_driven)) {
		dev_err(be->dma_dev, "backend without eDMA register access: the endpoint needs dmaengine channels and the endpoint-driven mode\n");
		return ERR_PTR(-EINVAL);
	}
	/* Only the host's window can be the peer's memory */
	if (be->wnd_renewable && be->role != PEDMA_ROLE_HOST) {
		dev_err(be->dma_dev, "a renewable window is the host's view of the endpoint's memory\n");
		return ERR_PTR(-EINVAL);
	}

	dev = ib_alloc_device(pedma_dev, ibdev);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->be = be;
	atomic_set(&dev->npd, 0);
	dev->base_mover = be->dma_chan_dev ? &pedma_dmae_mover :
					     &pedma_edma_ll_mover;
	dev->mover = dev->base_mover;
	pedma_xfer_init(dev);
	xa_init_flags(&dev->qps, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
	xa_init_flags(&dev->mrs, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
	xa_init_flags(&dev->ahs, XA_FLAGS_ALLOC1);
	ida_init(&dev->pd_ida);
	spin_lock_init(&dev->notify_lock);
	INIT_LIST_HEAD(&dev->notify_list);
	INIT_LIST_HEAD(&dev->event_list);
	INIT_WORK(&dev->notify_work, pedma_notify_work);

	ret = pedma_proxy_init(dev);
	if (ret)
		goto err_free;
	if (dev->base_mover->init) {
		ret = dev->base_mover->init(dev);
		if (ret)
			goto err_proxy;
	}
	ret = pedma_stats_init(dev);
	if (ret)
		goto err_mover;
	ret = pedma_claims_init(dev);
	if (ret)
		goto err_stats;
	ret = pedma_pmrc_init(dev);
	if (ret)
		goto err_claims;
	dev->notify_wq = alloc_workqueue("pedma_notify",
					 WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!dev->notify_wq) {
		ret = -ENOMEM;
		goto err_pmrc;
	}
	ret = pedma_link_init(dev);
	if (ret)
		goto err;
	ret = pedma_area_init(dev);
	if (ret)
		goto err;
	ret = pedma_sa_init(dev);
	if (ret)
		goto err_area;
	return dev;
err_area:
	pedma_area_destroy(dev);
err:
	pedma_link_destroy(dev);
	destroy_workqueue(dev->notify_wq);
err_pmrc:
	pedma_pmrc_destroy(dev);
err_claims:
	pedma_claims_destroy(dev);
err_stats:
	pedma_stats_destroy(dev);
err_mover:
	if (dev->base_mover->fini)
		dev->base_mover->fini(dev);
err_proxy:
	pedma_proxy_destroy(dev);
err_free:
	ib_dealloc_device(&dev->ibdev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(pedma_dev_create);

/**
 * pedma_dev_register() - register the ib_device and start the link
 * @dev: from pedma_dev_create(), with the backend's interrupt handlers in
 *	place (they may call pedma_peer_event() and pedma_edma_irq() from now)
 *
 * Process context.  On failure the device is as pedma_dev_create() left
 * it: pedma_dev_destroy() frees it.
 *
 * Return: 0, or the error of ib_register_device().
 */
int pedma_dev_register(struct pedma_dev *dev)
{
	struct ib_device *ibdev = &dev->ibdev;
	int ret;

	/*
	 * Set before the core's ops (which name no owner): the module whose
	 * code the ib_device's users reach.  uverbs does not pin it while a
	 * context is open, since we disassociate contexts.
	 */
	ibdev->ops.owner = dev->be->owner ? dev->be->owner : THIS_MODULE;
	ibdev->node_type = RDMA_NODE_IB_CA;
	ibdev->phys_port_cnt = 1;
	ibdev->num_comp_vectors = 1;
	ibdev->node_guid = dev->be->node_guid;
	snprintf(ibdev->node_desc, sizeof(ibdev->node_desc), "pedma %s",
		 dev->be->desc);
	/*
	 * Legacy write commands the provider uses beyond the core's default
	 * set: zero-WR posts are the ring doorbells (pedma-abi.h), and
	 * completion channels are armed with REQ_NOTIFY_CQ.
	 */
	ibdev->uverbs_cmd_mask |= BIT_ULL(IB_USER_VERBS_CMD_POST_SEND) |
				  BIT_ULL(IB_USER_VERBS_CMD_POST_RECV) |
				  BIT_ULL(IB_USER_VERBS_CMD_POST_SRQ_RECV) |
				  BIT_ULL(IB_USER_VERBS_CMD_REQ_NOTIFY_CQ);
	ib_set_device_ops(ibdev, &pedma_dev_ops);
	ib_set_device_ops(ibdev, &pedma_mr_ops);
	ib_set_device_ops(ibdev, &pedma_cq_ops);
	ib_set_device_ops(ibdev, &pedma_qp_ops);
	ib_set_device_ops(ibdev, &pedma_ud_ops);
	ib_set_device_ops(ibdev, &pedma_stats_ops);
	ib_set_device_ops(ibdev, &pedma_res_ops);

	ret = ib_register_device(ibdev, "pedma%d", dev->be->dma_dev);
	if (ret) {
		dev_err(dev->be->dma_dev, "ib_register_device failed: %d\n", ret);
		return ret;
	}
	pedma_link_start(dev);
	return 0;
}
EXPORT_SYMBOL_GPL(pedma_dev_register);

/*
 * Before leaving the link, make sure the peer cannot reach our memory any
 * more: withdraw every directory entry, key and attachment, have the peer
 * confirm (its chains that could have used them ended), and let our own
 * chains end.  Only then do the ULPs (unregistering below) free their
 * buffers.  Bounded: a peer that does not answer is taken as dead.
 */
static void pedma_dev_leave(struct pedma_dev *dev)
{
	u32 snap[2][PEDMA_MAX_CHAN];
	unsigned long flags;

	if (pedma_test_early_free_rq)
		return;		/* the bug the DMA guard must catch */
	pedma_area_withdraw(dev);
	spin_lock_irqsave(&dev->xlock, flags);
	pedma_chains_snap(dev, snap);
	spin_unlock_irqrestore(&dev->xlock, flags);
	if (!pedma_mr_sync(dev))
		ibdev_warn(&dev->ibdev,
			   "leaving without the peer's confirmation: it is taken as dead\n");
	if (!wait_event_timeout(dev->sync_wq, pedma_chains_done(dev, snap) ||
				!READ_ONCE(dev->xfer_up), PEDMA_PEER_SYNC_TIMEOUT))
		ibdev_warn(&dev->ibdev, "eDMA chains did not end before leaving\n");
}

/**
 * pedma_dev_unregister() - leave the link and unregister the ib_device
 * @dev: a device pedma_dev_register() registered
 *
 * Withdraws what the peer can reach and waits (bounded) for the peer's
 * word, then unregisters: the RDMA core tells the kernel users
 * (IB_EVENT_DEVICE_FATAL to the ULPs' clients) and waits for them to let
 * go.  The backend's interrupts must still work.  Process context; sleeps.
 */
void pedma_dev_unregister(struct pedma_dev *dev)
{
	pedma_dev_leave(dev);
	/*
	 * The peer confirmed, or was given up on: the QPs destroyed next do
	 * not wait for it again, each for the whole timeout.
	 */
	pedma_link_stop(dev, true);
	ib_unregister_device(&dev->ibdev);
}
EXPORT_SYMBOL_GPL(pedma_dev_unregister);

/**
 * pedma_dev_destroy() - free a device
 * @dev: from pedma_dev_create(), not registered (never, or unregistered)
 *
 * Call after the backend freed the interrupts whose handlers use @dev.
 * Process context.
 */
void pedma_dev_destroy(struct pedma_dev *dev)
{
	flush_work(&dev->notify_work);
	pedma_sa_destroy(dev);
	pedma_area_destroy(dev);
	xa_destroy(&dev->ahs);
	xa_destroy(&dev->qps);
	xa_destroy(&dev->mrs);
	ida_destroy(&dev->pd_ida);
	pedma_link_destroy(dev);
	destroy_workqueue(dev->notify_wq);	/* drains it */
	pedma_pmrc_destroy(dev);
	pedma_claims_destroy(dev);
	pedma_stats_destroy(dev);
	if (dev->base_mover->fini)
		dev->base_mover->fini(dev);
	pedma_proxy_destroy(dev);
	ib_dealloc_device(&dev->ibdev);
}
EXPORT_SYMBOL_GPL(pedma_dev_destroy);

MODULE_AUTHOR("The pedma developers");
MODULE_DESCRIPTION("RDMA verbs over a PCIe link moved by a DesignWare eDMA: core");
MODULE_LICENSE("Dual BSD/GPL");
