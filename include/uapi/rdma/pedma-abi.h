/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * pedma user/kernel ABI: the udata the kernel driver and the libibverbs
 * provider (providers/pedma) exchange.  Used by both; nothing else.
 *
 * ABI version 1: ucontext only.  Later versions add the mmap'd SQ/RQ/CQ
 * ring formats.  Every struct is padded to 8 bytes and grows only at the
 * end; the kernel copies min(udata len, struct size).
 */
#ifndef PEDMA_ABI_USER_H
#define PEDMA_ABI_USER_H

#include <linux/types.h>

#define PEDMA_UVERBS_ABI_VERSION	1

/* Bits in pedma_alloc_ucontext_resp.caps (none defined yet) */
#define PEDMA_UCTX_CAP_NONE		0

struct pedma_alloc_ucontext_resp {
	__u32 abi_version;	/* PEDMA_UVERBS_ABI_VERSION */
	__u32 caps;
	__u32 role;		/* PEDMA_ROLE_HOST or PEDMA_ROLE_EP */
	__u32 reserved;
};

#endif /* PEDMA_ABI_USER_H */
