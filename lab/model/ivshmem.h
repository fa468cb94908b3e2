/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The ivshmem-doorbell server side of the lab: two listening UNIX sockets,
 * one per guest, and the eventfds that carry doorbells and interrupts.
 *
 * Peers: the model itself is peer LAB_MODEL_ID (guests ring its vector
 * PEDMA_LAB_MODEL_VEC_KICK to say "my mailbox has entries"), the host guest
 * is LAB_HOST_ID and the endpoint guest LAB_EP_ID.  Each peer has `vectors`
 * eventfds, all created here; the model keeps the guests' eventfds to
 * raise their interrupts.
 */
#ifndef PEDMA_LAB_IVSHMEM_H
#define PEDMA_LAB_IVSHMEM_H

#include <stdbool.h>
#include <stdint.h>

#include "edma.h"

/* epoll data.u64 tags: kind in the high word, index in the low word */
enum ivs_tag_kind {
	IVS_TAG_OTHER = 0,	/* not ours: the caller's own fds */
	IVS_TAG_LISTEN = 1,	/* index: enum lab_side */
	IVS_TAG_CLIENT = 2,	/* index: enum lab_side */
	IVS_TAG_KICK = 3,	/* index: model vector */
};

#define IVS_TAG(kind, idx)	((uint64_t)(kind) << 32 | (uint32_t)(idx))
#define IVS_TAG_KIND(tag)	((unsigned int)((tag) >> 32))
#define IVS_TAG_IDX(tag)	((unsigned int)(uint32_t)(tag))

struct ivs_peer {
	int id;
	int sock;			/* connected client, or -1 */
	int efd[EDMA_MAX_VECTORS];	/* eventfd per vector, or -1 */
	bool has_other;			/* sock got the other guest's eventfds */
};

/* Called when a guest's connection ends (its QEMU exited or was killed) */
typedef void (*ivs_gone_fn)(void *opaque, enum lab_side side);

/* Called with how many kicks model vector side (0 host, 1 ep) got */
typedef void (*ivs_kicked_fn)(void *opaque, enum lab_side side,
			      uint64_t count);

struct ivs_server {
	unsigned int vectors;
	int shm_fd;
	int epfd;
	int listen_fd[LAB_SIDES];
	const char *path[LAB_SIDES];
	struct ivs_peer model;
	struct ivs_peer guest[LAB_SIDES];
	ivs_gone_fn gone;		/* optional; set after ivs_init() */
	void *gone_opaque;
	ivs_kicked_fn kicked;		/* optional; set after ivs_init() */
	void *kicked_opaque;
};

/*
 * Create the eventfds and both listening sockets (stale socket files are
 * unlinked first) and add them to epfd.  Returns 0, or -1 after logging.
 */
int ivs_init(struct ivs_server *s, int epfd, unsigned int vectors,
	     int shm_fd, const char *host_path, const char *ep_path);

/* Close everything and unlink the socket files */
void ivs_fini(struct ivs_server *s);

/* Handle an epoll event carrying one of our tags; true if the model was kicked */
bool ivs_handle(struct ivs_server *s, uint64_t tag, uint32_t events);

/*
 * Disconnect every guest whose connection has ended, whether or not epoll
 * reported it yet: call before draining the mailboxes, so that nothing a
 * dead guest left there is applied (see ivs_gone_fn).
 */
void ivs_reap(struct ivs_server *s);

/* Signal a connected guest's vector; usable as an edma_raise_irq_fn */
void ivs_raise(void *server, enum lab_side side, unsigned int vector);

#endif /* PEDMA_LAB_IVSHMEM_H */
