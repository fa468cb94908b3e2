// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: address handles and multicast attachment, both plain
 * commands.  The kernel validates and keeps the address vector; all the
 * provider keeps is the ah_id that UD WQEs carry (struct pedma_ah,
 * pedma_ring.h).  Multicast membership is the kernel's business too:
 * attach and detach are the standard commands with no driver data.
 */
#include <errno.h>
#include <stdlib.h>

#include "pedma.h"

PEDMA_CREATE_RESP(pedma_create_ah_uresp, ib_uverbs_create_ah_resp,
		  pedma_create_ah_resp);

struct ibv_ah *pedma_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr)
{
	struct pedma_create_ah_uresp resp = {};
	struct pedma_ah *ah;
	int ret;

	ah = calloc(1, sizeof(*ah));
	if (!ah) {
		errno = ENOMEM;
		return NULL;
	}

	/*
	 * Sets ah->context and handle.  ibv_create_ah() sets context and pd
	 * again after we return; pd is set here too because posting compares
	 * it with the QP's before the AH is used.
	 */
	ret = ibv_cmd_create_ah(pd, &ah->ibv_ah, attr,
				(struct ib_uverbs_create_ah_resp *)&resp,
				sizeof(resp));
	if (ret) {
		free(ah);
		errno = ret;
		return NULL;
	}
	ah->ibv_ah.pd = pd;
	ah->ah_id = resp.drv.ah_id;
	return &ah->ibv_ah;
}

int pedma_destroy_ah(struct ibv_ah *ibah)
{
	int ret;

	ret = ibv_cmd_destroy_ah(ibah);
	if (ret)
		return ret;	/* the AH still exists; keep our memory too */

	free((struct pedma_ah *)ibah);
	return 0;
}

int pedma_attach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
		       uint16_t lid)
{
	return ibv_cmd_attach_mcast(qp, gid, lid);
}

int pedma_detach_mcast(struct ibv_qp *qp, const union ibv_gid *gid,
		       uint16_t lid)
{
	return ibv_cmd_detach_mcast(qp, gid, lid);
}
