// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libpedma: memory regions.  Registration is all kernel work (pinning,
 * the MR table of the window); the provider only carries the commands.
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

/*
 * ibv_rereg_mr(): libibverbs checked the flags and, for a new translation,
 * addr and length; the kernel does the rest (the peer no longer reaches
 * the old registration when the command returns).  The keys change: the
 * helper stores the new lkey and rkey from the core response; libibverbs
 * then updates pd, addr and length.  The new translation's iova is addr,
 * as ibv_reg_mr() registers.
 */
int pedma_rereg_mr(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
		   void *addr, size_t length, int access)
{
	struct ib_uverbs_rereg_mr_resp resp = {};
	struct ibv_rereg_mr cmd = {};
	int ret;

	if (flags < 0)
		return EINVAL;
	ret = ibv_cmd_rereg_mr(vmr, (uint32_t)flags, addr, length,
			       (uintptr_t)addr, access, pd, &cmd, sizeof(cmd),
			       &resp, sizeof(resp));
	if (ret)
		errno = ret;
	return ret;
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
