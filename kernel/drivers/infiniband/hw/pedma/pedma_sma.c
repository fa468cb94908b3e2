// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma subnet management agent (IBA vol. 1 14.2.5): process_mad
 * (pedma_mad.c) hands us every SMP, LID-routed (class 0x01) or directed
 * route (0x81), from QP0 or from the MAD layer itself (a directed-route
 * SMP of hop count 0, handled without a send).  The subnet is fixed, so
 * the agent is read-only: Get of NodeInfo, NodeDescription, PortInfo,
 * GUIDInfo, P_KeyTable and, on the subnet manager's side (the host),
 * SMInfo.  Set is refused (no subnet manager configures pedma: the LIDs
 * are fixed by role) and so is every other attribute, with the MAD status
 * of IBA 13.4.7.  The M_Key is 0: no protection, as a port no subnet
 * manager configured.
 *
 * These answers are what the diagnostics need (smpquery, ibaddr, sminfo,
 * ibstat through sysfs), and QP0 must exist for any libibmad tool to open
 * the port: perfquery registers the SMI class before it asks the PMA.
 *
 * The request is untrusted: its attribute modifier is only compared.
 * Any context (a directed-route SMP of hop count 0 is answered from the
 * sender's ib_post_send_mad): no sleeping, no allocation, no lock.
 */
#include <linux/string.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_smi.h>

#include "pedma.h"

#define SMA_CLASS_VERSION	1
#define SMA_RESP_TIME		18	/* 4.096 us << 18: about 1 s */
#define SMA_SUBNET_TIMEOUT	18
#define SMA_WIDTH_SUPPORTED	3	/* 1x or 4x (IBA 14.2.5.6) */
#define SMA_SPEED_SUPPORTED	7	/* 2.5, 5 and 10 Gb/s per lane */
#define SMA_SM_PRIORITY		0
#define SMA_SM_STATE_MASTER	3	/* IBA 14.2.5.13 SMInfo SMState */

/* SMInfo, IBA 14.2.5.13: 21 bytes on the wire */
struct sma_sm_info {
	__be64 guid;
	__be64 sm_key;
	__be32 act_count;
	u8 priority_state;	/* Priority:4 SMState:4 */
} __packed;

static __be64 sma_port_guid(struct pedma_dev *dev)
{
	union ib_gid gid;

	pedma_make_gid(&gid, dev->be->node_guid);
	return gid.global.interface_id;
}

static void sma_node_info(struct pedma_dev *dev, u32 port, void *data)
{
	const struct pedma_ident *id = &dev->be->ident;
	struct ib_node_info *ni = data;

	ni->base_version = IB_MGMT_BASE_VERSION;
	ni->class_version = SMA_CLASS_VERSION;
	ni->node_type = RDMA_NODE_IB_CA;
	ni->num_ports = 1;
	ni->sys_guid = id->sys_image_guid;
	ni->node_guid = dev->ibdev.node_guid;
	ni->port_guid = sma_port_guid(dev);
	ni->partition_cap = cpu_to_be16(1);
	ni->device_id = cpu_to_be16(id->vendor_part_id);
	ni->revision = cpu_to_be32(id->hw_ver);
	ni->local_port_num = port;
	ni->vendor_id[0] = id->vendor_id >> 16;
	ni->vendor_id[1] = id->vendor_id >> 8;
	ni->vendor_id[2] = id->vendor_id;
}

static void sma_port_info(struct pedma_dev *dev, u32 port, void *data)
{
	struct ib_port_info *pi = data;
	struct ib_port_attr a = {};
	union ib_gid gid;

	pedma_query_port(&dev->ibdev, port, &a);
	pedma_make_gid(&gid, dev->be->node_guid);
	pi->gid_prefix = gid.global.subnet_prefix;
	pi->lid = cpu_to_be16(a.lid);
	pi->sm_lid = cpu_to_be16(a.sm_lid);
	pi->cap_mask = cpu_to_be32(a.port_cap_flags);
	pi->local_port_num = port;
	pi->link_width_enabled = SMA_WIDTH_SUPPORTED;
	pi->link_width_supported = SMA_WIDTH_SUPPORTED;
	pi->link_width_active = a.active_width;
	pi->linkspeed_portstate = SMA_SPEED_SUPPORTED << 4 | a.state;
	pi->portphysstate_linkdown = a.phys_state << 4 |
				     IB_PORT_PHYS_STATE_POLLING;
	pi->mkeyprot_resv_lmc = a.lmc;
	pi->linkspeedactive_enabled = a.active_speed << 4 |
				      SMA_SPEED_SUPPORTED;
	pi->neighbormtu_mastersmsl = a.active_mtu << 4 | a.sm_sl;
	pi->vlcap_inittype = a.max_vl_num << 4;
	pi->inittypereply_mtucap = a.max_mtu;
	pi->operationalvl_pei_peo_fpi_fpo = a.max_vl_num << 4;
	pi->guid_cap = a.gid_tbl_len;
	pi->clientrereg_resv_subnetto = SMA_SUBNET_TIMEOUT;
	pi->resv_resptimevalue = SMA_RESP_TIME;
}

static void sma_sm_info(struct pedma_dev *dev, void *data)
{
	struct sma_sm_info *si = data;

	/* ActCount stays 0: the embedded SM never sweeps */
	si->guid = sma_port_guid(dev);
	si->priority_state = SMA_SM_PRIORITY << 4 | SMA_SM_STATE_MASTER;
}

/* The answer to Get(@attr, @mod) in @data; a MAD status if none. */
static u16 sma_get(struct pedma_dev *dev, u32 port, __be16 attr, u32 mod,
		   u8 *data)
{
	BUILD_BUG_ON(sizeof(struct ib_port_info) > IB_SMP_DATA_SIZE);
	BUILD_BUG_ON(sizeof(struct ib_node_info) > IB_SMP_DATA_SIZE);
	BUILD_BUG_ON(sizeof(struct sma_sm_info) > IB_SMP_DATA_SIZE);
	BUILD_BUG_ON(sizeof(dev->ibdev.node_desc) != IB_SMP_DATA_SIZE);

	switch (attr) {
	case IB_SMP_ATTR_NODE_INFO:
		if (mod)
			break;
		sma_node_info(dev, port, data);
		return 0;
	case IB_SMP_ATTR_NODE_DESC:
		if (mod)
			break;
		memcpy(data, dev->ibdev.node_desc, IB_SMP_DATA_SIZE);
		data[IB_SMP_DATA_SIZE - 1] = 0;
		return 0;
	case IB_SMP_ATTR_PORT_INFO:
		/* a CA's port number; 0: the port the SMP came in on */
		if (mod && mod != PEDMA_PORT)
			break;
		sma_port_info(dev, port, data);
		return 0;
	case IB_SMP_ATTR_GUID_INFO:
		if (mod)	/* block 0 holds our only GUID */
			break;
		*(__be64 *)data = sma_port_guid(dev);
		return 0;
	case IB_SMP_ATTR_PKEY_TABLE:
		if (mod & 0xffff)	/* block 0 holds our only P_Key */
			break;
		*(__be16 *)data = cpu_to_be16(0xffff);
		return 0;
	case IB_SMP_ATTR_SM_INFO:
		if (dev->be->role != PEDMA_ROLE_HOST)
			return IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
		if (mod)
			break;
		sma_sm_info(dev, data);
		return 0;
	default:
		return IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
	}
	return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
}

/*
 * An SMP for port @port.  Returns the process_mad result: a GetResp in
 * @out, or "not ours" for responses, traps and Send.  The response keeps
 * the request's header and directed-route fields (the MAD layer turns
 * the path around); a directed-route response has the D bit set.
 */
int pedma_sma_mad(struct pedma_dev *dev, u32 port, const struct ib_mad *in,
		  struct ib_mad *out)
{
	struct ib_smp *resp = (struct ib_smp *)out;
	struct ib_smp req;
	u16 status;

	BUILD_BUG_ON(sizeof(struct ib_smp) != sizeof(struct ib_mad));

	memcpy(&req, in, sizeof(req));	/* read once; @out may be @in */
	if (ib_response_mad((struct ib_mad_hdr *)&req) ||
	    req.method == IB_MGMT_METHOD_TRAP ||
	    req.method == IB_MGMT_METHOD_TRAP_REPRESS ||
	    req.method == IB_MGMT_METHOD_SEND)
		return IB_MAD_RESULT_SUCCESS;

	*resp = req;
	memset(resp->data, 0, sizeof(resp->data));
	resp->method = IB_MGMT_METHOD_GET_RESP;

	if (req.base_version != IB_MGMT_BASE_VERSION ||
	    req.class_version != SMA_CLASS_VERSION)
		status = IB_MGMT_MAD_STATUS_BAD_VERSION;
	else if (req.method == IB_MGMT_METHOD_GET)
		status = sma_get(dev, port, req.attr_id,
				 be32_to_cpu(req.attr_mod), resp->data);
	else if (req.method == IB_MGMT_METHOD_SET)
		status = IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
	else
		status = IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD;

	resp->status = cpu_to_be16(status);
	if (req.mgmt_class == IB_MGMT_CLASS_SUBN_DIRECTED_ROUTE)
		resp->status |= IB_SMP_DIRECTION;
	ibdev_dbg_ratelimited(&dev->ibdev, "SMA %s attr %#x mod %#x: status %#x\n",
			      req.method == IB_MGMT_METHOD_GET ? "Get" : "other",
			      be16_to_cpu(req.attr_id),
			      be32_to_cpu(req.attr_mod), status);
	return IB_MAD_RESULT_SUCCESS | IB_MAD_RESULT_REPLY;
}
