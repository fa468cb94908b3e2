// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma performance management agent (IBA vol. 1 16.1): process_mad
 * (pedma_sa.c) hands us every PerfMgt MAD, from the wire (perfquery) or
 * from the core itself (/sys/class/infiniband/pedma0/ports/1/counters,
 * which asks with no work completion).  We answer Get of ClassPortInfo
 * (extended counters supported), PortCounters and PortCountersExtended
 * from the counters of pedma_stats.c; Set (counter reset) is not
 * supported.
 *
 * Port data is what crossed this side's end of the link: transmitted are
 * the bytes our requester wrote into the peer (SEND, WRITE, UD) and the
 * bytes the peer's requester read from us; received the bytes we read and
 * the bytes the peer wrote into us.  Data counters are in 4-byte words;
 * the 32-bit PortCounters fields stop at their maximum.  Packets are
 * counted as the MTU (4 KiB) packets a fabric would have carried.
 */
#include <linux/overflow.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_pma.h>

#include "pedma.h"

#define PMA_RESP_TIME		18	/* 4.096 us << 18: about 1 s */

struct pma_ctrs {
	u64 xmit_data, rcv_data;	/* bytes */
	u64 xmit_pkts, rcv_pkts;
};

static void pma_read(struct pedma_dev *dev, struct pma_ctrs *p)
{
	u64 bytes[PEDMA_NCLS], peer[PEDMA_NCLS];
	int i;

	for (i = 0; i < PEDMA_NCLS; i++) {
		bytes[i] = pedma_stats_sum(dev, PEDMA_CTR_TX_BYTES + i);
		peer[i] = pedma_stats_peer(dev, PEDMA_NCLS + i);
	}
	p->xmit_data = bytes[PEDMA_CLS_SEND] + bytes[PEDMA_CLS_WRITE] +
		       bytes[PEDMA_CLS_UD] + peer[PEDMA_CLS_READ];
	p->rcv_data = bytes[PEDMA_CLS_READ] + peer[PEDMA_CLS_SEND] +
		      peer[PEDMA_CLS_WRITE] + peer[PEDMA_CLS_UD];
	p->xmit_pkts = pedma_stats_sum(dev, PEDMA_CTR_PUT_PKTS) +
		       pedma_stats_peer(dev, 2 * PEDMA_NCLS + 1);
	p->rcv_pkts = pedma_stats_sum(dev, PEDMA_CTR_GET_PKTS) +
		      pedma_stats_peer(dev, 2 * PEDMA_NCLS);
}

static __be32 sat32(u64 v)
{
	return cpu_to_be32(min_t(u64, v, U32_MAX));
}

static void pma_class_port_info(struct ib_pma_mad *resp)
{
	struct ib_class_port_info *cpi = (void *)resp->data;

	cpi->base_version = IB_MGMT_BASE_VERSION;
	cpi->class_version = 1;
	cpi->capability_mask = IB_PMA_CLASS_CAP_EXT_WIDTH;
	ib_set_cpi_resp_time(cpi, PMA_RESP_TIME);
}

static void pma_port_counters(struct pedma_dev *dev, struct ib_pma_mad *resp)
{
	struct ib_pma_portcounters *pc = (void *)resp->data;
	struct pma_ctrs p;

	pma_read(dev, &p);
	pc->link_downed_counter =
		min_t(u64, pedma_stats_sum(dev, PEDMA_CTR_LINK_DOWN), U8_MAX);
	pc->port_xmit_data = sat32(p.xmit_data / 4);
	pc->port_rcv_data = sat32(p.rcv_data / 4);
	pc->port_xmit_packets = sat32(p.xmit_pkts);
	pc->port_rcv_packets = sat32(p.rcv_pkts);
}

static void pma_port_counters_ext(struct pedma_dev *dev,
				  struct ib_pma_mad *resp)
{
	struct ib_pma_portcounters_ext *pc = (void *)resp->data;
	struct pma_ctrs p;

	pma_read(dev, &p);
	pc->port_xmit_data = cpu_to_be64(p.xmit_data / 4);
	pc->port_rcv_data = cpu_to_be64(p.rcv_data / 4);
	pc->port_xmit_packets = cpu_to_be64(p.xmit_pkts);
	pc->port_rcv_packets = cpu_to_be64(p.rcv_pkts);
	/* the link carries no multicast packets: a group is copies */
	pc->port_unicast_xmit_packets = cpu_to_be64(p.xmit_pkts);
	pc->port_unicast_rcv_packets = cpu_to_be64(p.rcv_pkts);
}

/*
 * A PerfMgt MAD for this port.  Returns the process_mad result: a reply
 * in @out, or "not ours" for responses, Send and Trap.  Any context.
 */
int pedma_pma_mad(struct pedma_dev *dev, const struct ib_mad *in,
		  struct ib_mad *out)
{
	const struct ib_pma_mad *req = (const void *)in;
	struct ib_pma_mad *resp = (void *)out;
	struct ib_mad_hdr hdr = in->mad_hdr;
	u8 method = hdr.method;
	u8 sel[4];		/* PortSelect, CounterSelect: echoed */
	u16 status = 0;

	BUILD_BUG_ON(sizeof(struct ib_pma_mad) != sizeof(struct ib_mad));
	BUILD_BUG_ON(sizeof(struct ib_pma_portcounters_ext) >
		     sizeof(resp->data));

	if (ib_response_mad(&in->mad_hdr) || method == IB_MGMT_METHOD_SEND ||
	    method == IB_MGMT_METHOD_TRAP)
		return IB_MAD_RESULT_SUCCESS;

	/* Everything of the request is read before @out is written. */
	memcpy(sel, req->data, sizeof(sel));
	memset(out, 0, sizeof(*out));
	resp->mad_hdr = hdr;
	resp->mad_hdr.method = method == IB_MGMT_METHOD_SET ?
			       IB_MGMT_METHOD_GET_RESP :
			       method | IB_MGMT_METHOD_RESP;
	resp->mad_hdr.status = 0;

	if (hdr.base_version != IB_MGMT_BASE_VERSION ||
	    hdr.class_version != 1) {
		status = IB_MGMT_MAD_STATUS_BAD_VERSION;
	} else if (method != IB_MGMT_METHOD_GET) {
		/* Set would reset counters: not supported */
		status = method == IB_MGMT_METHOD_SET ?
			 IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB :
			 IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD;
	} else if (hdr.attr_id == IB_PMA_CLASS_PORT_INFO) {
		pma_class_port_info(resp);
	} else if (hdr.attr_id == IB_PMA_PORT_COUNTERS ||
		   hdr.attr_id == IB_PMA_PORT_COUNTERS_EXT) {
		/* PortSelect is the second byte of both (untrusted) */
		if (sel[1] != PEDMA_PORT)
			status = IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
		else if (hdr.attr_id == IB_PMA_PORT_COUNTERS)
			pma_port_counters(dev, resp);
		else
			pma_port_counters_ext(dev, resp);
		memcpy(resp->data, sel, sizeof(sel));
	} else {
		status = IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
	}
	resp->mad_hdr.status = cpu_to_be16(status);
	return IB_MAD_RESULT_SUCCESS | IB_MAD_RESULT_REPLY;
}
