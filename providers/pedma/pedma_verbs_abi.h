/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where libpedma gets libibverbs' private provider interface from, and the
 * few places where that interface differs between rdma-core releases.
 * This is the only file that knows about releases; the rest of the
 * provider is written once.
 *
 * Two builds:
 *
 *   - In an rdma-core source tree (providers/pedma/build-in-rdma-core.sh,
 *     PEDMA_IN_RDMA_CORE defined by providers/pedma/rdma-core.cmake): the
 *     tree's own infiniband/driver.h, i.e. the real private ABI of that
 *     release, and its IBVERBS_PABI_VERSION (config.h).  Any rdma-core
 *     from v36 on.
 *   - Standalone (providers/pedma/CMakeLists.txt): our declarations of
 *     PABI 34 in ibverbs_pabi34.h, checked against the installed
 *     libibverbs (Debian 12's v44).
 *
 * What differs, among the parts pedma uses (from rdma-core's driver.h
 * and libibverbs.map.in of each release):
 *
 *   PABI >= 57   ibv_cmd_get_context() takes a struct ibv_fd_arr * before
 *                the response (NULL: no file descriptors to pass).
 *   v37 on       __verbs_log() and the VERBS_LOG_* levels exist
 *                (PEDMA_HAVE_VERBS_LOG; rdma-core.cmake looks for it in the
 *                tree's libibverbs.map.in).  Without it pedma's log is
 *                silent (the ABI refusals still go to stderr).
 *
 * The extended verbs need no release-specific code: create_cq_ex and
 * create_qp_ex send the legacy create_cq/create_qp commands through
 * ibv_cmd_create_cq()/ibv_cmd_create_qp(), whose signatures every release
 * kept (ibv_cmd_create_cq_ex() gained prov_attr in PABI 59), and the
 * ibv_cq_ex/ibv_qp_ex members pedma sets are public verbs.h, present in
 * every release from v36.
 *
 * PABI 59's create_cq_ex prov_attr, the ops added in 59, 62, 64 and 65
 * (alloc_dmah, reg_mr_ex, query_port_speed, alloc_buf, the completion
 * counters) and PABI 64's create_qp_ex2 change touch nothing pedma calls:
 * inside a tree, verbs_context_ops is that release's own struct, so
 * designated initialisers land in the right slots whatever was inserted.
 * The register symbol (verbs_register_driver_<PABI>) comes from the tree's
 * PROVIDER_DRIVER().
 *
 * Adding a release that changes something pedma calls: one #if on
 * PEDMA_IBVERBS_PABI (or a probe in rdma-core.cmake for a change inside a
 * PABI) here, and a line in the table above.
 */
#ifndef PEDMA_VERBS_ABI_H
#define PEDMA_VERBS_ABI_H

#ifdef PEDMA_IN_RDMA_CORE

#include <infiniband/driver.h>
#include <rdma/ib_user_ioctl_verbs.h>	/* RDMA_DRIVER_UNKNOWN */

#define PEDMA_IBVERBS_PABI IBVERBS_PABI_VERSION

/* libibverbs' own constructor boilerplate: registers with
 * verbs_register_driver_<IBVERBS_PABI_VERSION>. */
#define PEDMA_PROVIDER_DRIVER(_ops) PROVIDER_DRIVER(pedma, _ops)

#else /* standalone: PABI 34 only */

#include "ibverbs_pabi34.h"

#define PEDMA_HAVE_VERBS_LOG 1

/* dlopen() by libibverbs runs this; nothing else is exported. */
#define PEDMA_PROVIDER_DRIVER(_ops)                                            \
	__attribute__((constructor)) static void pedma_register_driver(void)  \
	{                                                                      \
		verbs_register_driver_34(&(_ops));                             \
	}

#endif /* PEDMA_IN_RDMA_CORE */

#ifndef PEDMA_IBVERBS_PABI
#error "PEDMA_IBVERBS_PABI unknown: build through providers/pedma/CMakeLists.txt or rdma-core.cmake"
#endif

/*
 * Name match.  libibverbs builds the string "rdma_device:N<ibdev name>" and
 * fnmatch()es every MODALIAS entry against it (after the netlink driver_id
 * match, before device/modalias), so this pattern matches ib devices whose
 * name starts with _prefix.
 */
#define PEDMA_VERBS_NAME_MATCH(_prefix)                                        \
	{ .u.modalias = "rdma_device:*N" _prefix "*",                          \
	  .kind = VERBS_MATCH_MODALIAS }

#define PEDMA_VERBS_MATCH_END { .kind = VERBS_MATCH_SENTINEL }

/* Log levels for pedma_log(); before v37 there is no libibverbs log. */
#ifdef PEDMA_HAVE_VERBS_LOG
#define PEDMA_LOG_ERR VERBS_LOG_ERR
#define PEDMA_LOG_DEBUG VERBS_LOG_DEBUG
#else
enum { PEDMA_LOG_ERR = 1, PEDMA_LOG_DEBUG = 4 };
#endif

/* get_context with no driver request and no file descriptors. */
static inline int pedma_cmd_get_context(struct verbs_context *ctx,
					struct ibv_get_context *cmd,
					size_t cmd_size,
					struct ib_uverbs_get_context_resp *resp,
					size_t resp_size)
{
#if PEDMA_IBVERBS_PABI >= 57
	return ibv_cmd_get_context(ctx, cmd, cmd_size, NULL, resp, resp_size);
#else
	return ibv_cmd_get_context(ctx, cmd, cmd_size, resp, resp_size);
#endif
}

#endif /* PEDMA_VERBS_ABI_H */
