// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma ib_device_ops entry points.
 *
 * Only what is implemented is advertised: verbs whose op is left NULL are
 * reported as unsupported by the RDMA core (EOPNOTSUPP to userspace).
 * The data path ops live in pedma_mr.c, pedma_cq.c and pedma_qp.c.
 */
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <rdma/ib_mad.h>

#include <uapi/rdma/pedma-abi.h>

#include "pedma.h"

#define PEDMA_MAX_PD		1024

static int pedma_query_device(struct ib_device *ibdev,
			      struct ib_device_attr *attr,
			      struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibdev);

	/* No driver-specific query_device data in this ABI version. */
	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	/* What the device is comes from its backend (struct pedma_ident). */
	attr->sys_image_guid = dev->be->ident.sys_image_guid;
	attr->vendor_id = dev->be->ident.vendor_id;
	attr->vendor_part_id = dev->be->ident.vendor_part_id;
	attr->hw_ver = dev->be->ident.hw_ver;
	attr->fw_ver = dev->be->ident.fw_ver;
	attr->page_size_cap = SZ_4K | SZ_2M | SZ_1G;
	attr->max_mr_size = PEDMA_MAX_MR_SIZE;
	attr->max_qp = PEDMA_MAX_QP - 2;
	attr->max_qp_wr = PEDMA_MAX_QP_WR;
	attr->max_send_sge = PEDMA_MAX_SGE;
	attr->max_recv_sge = PEDMA_MAX_SGE;
	attr->max_sge_rd = PEDMA_MAX_SGE;
	attr->max_cq = PEDMA_MAX_CQ;
	attr->max_cqe = 65536;
	attr->max_mr = PEDMA_MAX_MR - 1;
	attr->max_pd = PEDMA_MAX_PD;
	attr->max_qp_rd_atom = PEDMA_MAX_RD_ATOM;
	attr->max_qp_init_rd_atom = PEDMA_MAX_RD_ATOM;
	attr->max_res_rd_atom = PEDMA_MAX_RD_ATOM * (PEDMA_MAX_QP - 2);
	/* executed by the target's kernel: pedma_atomic.c says how atomic */
	attr->atomic_cap = IB_ATOMIC_HCA;
	attr->max_srq = PEDMA_MAX_SRQ;
	attr->max_srq_wr = PEDMA_MAX_QP_WR;
	attr->max_srq_sge = PEDMA_MAX_SGE;
	attr->max_pkeys = 1;
	attr->local_ca_ack_delay = 15;
	/* FRWR: REG_MR, LOCAL_INV, SEND_WITH_INV (pedma_mr.c) */
	attr->device_cap_flags = IB_DEVICE_RC_RNR_NAK_GEN |
				 IB_DEVICE_MEM_MGT_EXTENSIONS;
	attr->max_fast_reg_page_list_len = PEDMA_MAX_FRWR_PAGES;
	return 0;
}

int pedma_query_port(struct ib_device *ibdev, u32 port,
		     struct ib_port_attr *attr)
{
	bool up = pedma_link_up(to_pdev(ibdev));

	/* The core zeroes *attr before calling us. */
	attr->state = up ? IB_PORT_ACTIVE : IB_PORT_DOWN;
	attr->phys_state = up ? IB_PORT_PHYS_STATE_LINK_UP :
				IB_PORT_PHYS_STATE_POLLING;
	attr->max_mtu = IB_MTU_4096;
	attr->active_mtu = IB_MTU_4096;
	attr->gid_tbl_len = 1;
	attr->pkey_tbl_len = 1;
	attr->max_msg_sz = PEDMA_MAX_MSG_SIZE;
	attr->lid = pedma_lid(to_pdev(ibdev)->be->role);
	attr->sm_lid = pedma_lid(PEDMA_ROLE_HOST);
	attr->sm_sl = 0;
	attr->port_cap_flags = READ_ONCE(to_pdev(ibdev)->port_cap_flags);
	if (to_pdev(ibdev)->be->role == PEDMA_ROLE_HOST)
		attr->port_cap_flags |= IB_PORT_SM;
	attr->lmc = 0;
	attr->max_vl_num = 1;
	/* Nominal rate of a PCIe Gen3 x4 link; the eDMA sets the real one. */
	attr->active_width = IB_WIDTH_4X;
	attr->active_speed = IB_SPEED_QDR;
	return 0;
}

static int pedma_get_port_immutable(struct ib_device *ibdev, u32 port,
				    struct ib_port_immutable *immutable)
{
	struct ib_port_attr attr;
	int ret;

	ret = ib_query_port(ibdev, port, &attr);
	if (ret)
		return ret;
	immutable->pkey_tbl_len = attr.pkey_tbl_len;
	immutable->gid_tbl_len = attr.gid_tbl_len;
	/*
	 * InfiniBand with both management QPs: QP0 (SMI: the read-only SMA
	 * of pedma_sma.c; libibmad tools open the SMI class first) and QP1
	 * (GSI: CM, the host's SA, the PMA).  No subnet manager sweeps:
	 * the LIDs are fixed by role.
	 */
	immutable->core_cap_flags = RDMA_CORE_CAP_PROT_IB |
				    RDMA_CORE_CAP_IB_MAD |
				    RDMA_CORE_CAP_IB_SMI |
				    RDMA_CORE_CAP_IB_CM |
				    RDMA_CORE_CAP_IB_SA;
	immutable->max_mad_size = IB_MGMT_MAD_SIZE;
	return 0;
}

static enum rdma_link_layer pedma_get_link_layer(struct ib_device *ibdev,
						 u32 port)
{
	return IB_LINK_LAYER_INFINIBAND;
}

static int pedma_query_gid(struct ib_device *ibdev, u32 port, int index,
			   union ib_gid *gid)
{
	if (index)
		return -EINVAL;
	pedma_make_gid(gid, to_pdev(ibdev)->be->node_guid);
	return 0;
}

/*
 * The core's MAD clients set capability bits (ib_cm: IB_PORT_CM_SUP);
 * query_port reports them.  Nothing else of a port can be changed.
 */
static int pedma_modify_port(struct ib_device *ibdev, u32 port, int mask,
			     struct ib_port_modify *pm)
{
	struct pedma_dev *dev = to_pdev(ibdev);
	unsigned long flags;

	if (mask & (IB_PORT_SHUTDOWN | IB_PORT_INIT_TYPE))
		return -EOPNOTSUPP;
	/* xlock orders concurrent modifiers; query_port reads it once. */
	spin_lock_irqsave(&dev->xlock, flags);
	WRITE_ONCE(dev->port_cap_flags,
		   (dev->port_cap_flags | pm->set_port_cap_mask) &
		   ~pm->clr_port_cap_mask);
	spin_unlock_irqrestore(&dev->xlock, flags);
	return 0;
}

static int pedma_query_pkey(struct ib_device *ibdev, u32 port, u16 index,
			    u16 *pkey)
{
	if (index)
		return -EINVAL;
	*pkey = 0xffff;		/* the default full-membership P_Key */
	return 0;
}

/* fw_ver as major.minor.sub: 16 bits each from bit 32 down */
static void pedma_get_dev_fw_str(struct ib_device *ibdev, char *str)
{
	u64 v = to_pdev(ibdev)->be->ident.fw_ver;

	snprintf(str, IB_FW_VERSION_NAME_MAX, "%u.%u.%u",
		 (u16)(v >> 32), (u16)(v >> 16), (u16)v);
}

static int pedma_alloc_ucontext(struct ib_ucontext *ibuc,
				struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibuc->device);
	struct pedma_alloc_ucontext_resp resp = {
		.abi_version = PEDMA_UVERBS_ABI_VERSION,
		.caps = PEDMA_UCTX_CAP_ATOMIC,
		.role = dev->be->role,
		.max_inline = PEDMA_MAX_INLINE,
		.max_sge = PEDMA_UMAX_SGE,
		.sq_wqe_size = sizeof(struct pedma_sq_wqe),
		.rq_wqe_size = sizeof(struct pedma_rq_wqe),
		.cqe_size = sizeof(struct pedma_cqe),
	};

	if (udata->outlen < sizeof(resp))
		return -EINVAL;
	return ib_copy_to_udata(udata, &resp, sizeof(resp));
}

static void pedma_dealloc_ucontext(struct ib_ucontext *ibuc)
{
}

/*
 * The device goes away (its backend unbinds) while a process still has it
 * open.  Before this, the RDMA core sent the context IB_EVENT_DEVICE_FATAL;
 * after it, the core destroys the context's objects through our destroy
 * verbs, with the link already left (pedma_dev_unregister()), and every
 * later command of the process fails.  Nothing of ours needs revoking
 * here: the device reaches a process only through commands and the rings'
 * mappings, and a ring is vmalloc_user memory whose pages a mapping keeps
 * alive (remap_vmalloc_range() takes a page reference), so a process that
 * still maps a destroyed ring sees memory no one reads or writes any more.
 * Having this op is what lets uverbs open the device without pinning the
 * backend's module.
 */
static void pedma_disassociate_ucontext(struct ib_ucontext *ibuc)
{
}

static int pedma_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibpd->device);
	struct pedma_pd *pd = container_of(ibpd, struct pedma_pd, ibpd);
	int ret;

	if (atomic_inc_return(&dev->npd) > PEDMA_MAX_PD) {
		atomic_dec(&dev->npd);
		return -ENOMEM;
	}
	/*
	 * Its id in the window (MR entries and QP directory entries), unique
	 * among live PDs; 0 means none.  An id comes back only after its PD
	 * was deallocated, when no MR or QP of it is left to name it.
	 */
	ret = ida_alloc_min(&dev->pd_ida, 1, GFP_KERNEL);
	if (ret < 0) {
		atomic_dec(&dev->npd);
		return ret;
	}
	pd->id = ret;
	return 0;
}

static int pedma_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct pedma_dev *dev = to_pdev(ibpd->device);

	ida_free(&dev->pd_ida, container_of(ibpd, struct pedma_pd, ibpd)->id);
	atomic_dec(&dev->npd);
	return 0;
}

/*
 * Rings shared with userspace: vmalloc_user memory, one mmap entry each.
 * The memory lives until the last mapping goes (pedma_mmap_free).
 */
struct pedma_uring *pedma_uring_alloc(struct ib_ucontext *uctx, u32 entries,
				      u32 stride)
{
	struct pedma_uring *ur;
	int ret;

	ur = kzalloc(sizeof(*ur), GFP_KERNEL);
	if (!ur)
		return ERR_PTR(-ENOMEM);
	ur->entries = entries;
	ur->stride = stride;
	ur->size = PAGE_ALIGN(PEDMA_RING_HDR_SIZE + (size_t)entries * stride);
	ur->buf = vmalloc_user(ur->size);
	if (!ur->buf) {
		kfree(ur);
		return ERR_PTR(-ENOMEM);
	}
	/* Never offset 0: the ABI reads offset 0 and size 0 as "no ring". */
	ret = rdma_user_mmap_entry_insert_range(uctx, &ur->rentry, ur->size,
						1, U32_MAX);
	if (ret) {
		vfree(ur->buf);
		kfree(ur);
		return ERR_PTR(ret);
	}
	return ur;
}

void pedma_uring_free(struct pedma_uring *ur)
{
	rdma_user_mmap_entry_remove(&ur->rentry);
}

static void pedma_mmap_free(struct rdma_user_mmap_entry *rentry)
{
	struct pedma_uring *ur = container_of(rentry, struct pedma_uring,
					      rentry);

	vfree(ur->buf);
	kfree(ur);
}

static int pedma_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *rentry;
	struct pedma_uring *ur;
	int ret = -EINVAL;

	rentry = rdma_user_mmap_entry_get(uctx, vma);
	if (!rentry)
		return -EINVAL;
	ur = container_of(rentry, struct pedma_uring, rentry);
	if (vma->vm_end - vma->vm_start <= ur->size)
		ret = remap_vmalloc_range(vma, ur->buf, 0);
	rdma_user_mmap_entry_put(rentry);
	return ret;
}

/* No .owner: pedma_dev_register() names the backend's module. */
const struct ib_device_ops pedma_dev_ops = {
	.driver_id = RDMA_DRIVER_UNKNOWN,
	.uverbs_abi_ver = PEDMA_UVERBS_ABI_VERSION,

	.alloc_pd = pedma_alloc_pd,
	.alloc_ucontext = pedma_alloc_ucontext,
	.dealloc_pd = pedma_dealloc_pd,
	.dealloc_ucontext = pedma_dealloc_ucontext,
	.disassociate_ucontext = pedma_disassociate_ucontext,
	.get_dev_fw_str = pedma_get_dev_fw_str,
	.get_link_layer = pedma_get_link_layer,
	.get_port_immutable = pedma_get_port_immutable,
	.mmap = pedma_mmap,
	.mmap_free = pedma_mmap_free,
	.modify_port = pedma_modify_port,
	.process_mad = pedma_process_mad,
	.query_device = pedma_query_device,
	.query_gid = pedma_query_gid,
	.query_pkey = pedma_query_pkey,
	.query_port = pedma_query_port,

	INIT_RDMA_OBJ_SIZE(ib_pd, pedma_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, pedma_ucontext, ibuc),
};
