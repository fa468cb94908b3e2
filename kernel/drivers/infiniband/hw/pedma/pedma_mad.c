// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma process_mad: the MAD layer (drivers/infiniband/core/mad.c) offers
 * every MAD that reaches QP0 or QP1, and every directed-route SMP of hop
 * count 0 a client sends, to the device first.  We hand each class to its
 * agent: SMPs to the subnet management agent (pedma_sma.c, both sides),
 * PerfMgt to the performance agent (pedma_pma.c, both sides), SubnAdm to
 * the embedded SA (pedma_sa.c, the host).  "Not ours" lets the MAD layer
 * give the MAD to its registered clients (ib_umad, ib_cm, the SA client).
 * Any context: the agents neither sleep nor allocate.
 */
#include <rdma/ib_mad.h>

#include "pedma.h"

int pedma_process_mad(struct ib_device *ibdev, int mad_flags, u32 port,
		      const struct ib_wc *in_wc, const struct ib_grh *in_grh,
		      const struct ib_mad *in, struct ib_mad *out,
		      size_t *out_mad_size, u16 *out_mad_pkey_index)
{
	struct pedma_dev *dev = to_pdev(ibdev);

	if (port != PEDMA_PORT || !out || *out_mad_size < sizeof(*out))
		return IB_MAD_RESULT_SUCCESS;

	switch (in->mad_hdr.mgmt_class) {
	case IB_MGMT_CLASS_SUBN_LID_ROUTED:
	case IB_MGMT_CLASS_SUBN_DIRECTED_ROUTE:
		return pedma_sma_mad(dev, port, in, out);
	case IB_MGMT_CLASS_PERF_MGMT:
		return pedma_pma_mad(dev, in, out);
	case IB_MGMT_CLASS_SUBN_ADM:
		return pedma_sa_mad(dev, in_wc, in, out);
	default:
		return IB_MAD_RESULT_SUCCESS;
	}
}
