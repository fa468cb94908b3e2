// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: memory regions.  Registration is all kernel work (pinning,
 * the MR table of the window); the provider only carries the command.
 */
#include <errno.h>
#include <stdlib.h>

#include "pedma.h"

struct ibv_mr *pedma_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			    uint64_t hca_va, int access)
{
	struct ib_uverbs_reg_mr_resp resp = {};
	struct ibv_reg_mr cmd = {};
	struct verbs_mr *vmr;
	int ret;

	vmr = calloc(1, sizeof(*vmr));
	if (!vmr) {
		errno = ENOMEM;
		return NULL;
	}

	/* No driver data either way. */
	ret = ibv_cmd_reg_mr(pd, addr, length, hca_va, access, vmr, &cmd,
			     sizeof(cmd), &resp, sizeof(resp));
	if (ret) {
		free(vmr);
		errno = ret;
		return NULL;
	}
	return &vmr->ibv_mr;
}

int pedma_dereg_mr(struct verbs_mr *vmr)
{
	int ret;

	ret = ibv_cmd_dereg_mr(vmr);
	if (ret)
		return ret;	/* still registered: keep it */
	free(vmr);
	return 0;
}
