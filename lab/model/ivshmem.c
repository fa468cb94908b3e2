// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ivshmem-doorbell server protocol (QEMU hw/misc/ivshmem.c is the client).
 *
 * Server to client only, over a UNIX stream socket: every message is one
 * little-endian int64, carrying at most one fd (SCM_RIGHTS).  On connect:
 * the protocol version (0), the client's id, -1 with the shared-memory fd;
 * then each existing peer's id `vectors` times with that peer's eventfd for
 * vector 0..N-1, and finally the client's own id `vectors` times with the
 * eventfds it receives its vectors on.  Existing clients are told about the
 * newcomer the same way.  QEMU refuses more than `vectors` fds for one
 * peer, so each peer's set is sent exactly once per connection.
 *
 * A guest that leaves (its QEMU exited or was killed) and comes back keeps
 * its id and its eventfds, and the other QEMU is not told: the protocol's
 * "peer left" (an id without fd) makes QEMU (7.2, and later at the time of
 * writing) free that peer's eventfd array without forgetting it, and the
 * peer's next set is then written into freed memory (close_peer_eventfds,
 * process_msg_connect; the stock ivshmem-server never reuses an id, the
 * lab's ids are fixed).  So the other QEMU keeps the eventfds it has, they
 * stay valid, and the returning guest is not announced again.  Interrupts
 * raised for a guest while it is away are discarded (its eventfd counts
 * are drained when it leaves and when it comes back).
 *
 * Sends never block: the whole setup burst (3 + 3 * vectors small messages
 * at most) fits a socket's send buffer, and a client whose buffer is full
 * anyway is misbehaving and is dropped.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ivshmem.h"
#include "log.h"

#define IVS_PROTOCOL_VERSION	0
#define IVS_LISTEN_BACKLOG	4

static const char *const ivs_side_name[LAB_SIDES] = {
	[LAB_SIDE_HOST] = "host",
	[LAB_SIDE_EP] = "ep",
};

static enum lab_side ivs_other(enum lab_side side)
{
	return side == LAB_SIDE_HOST ? LAB_SIDE_EP : LAB_SIDE_HOST;
}

/* ------------------------------------------------------------------------ */
/* Eventfds                                                                  */
/* ------------------------------------------------------------------------ */

static void ivs_close_efds(struct ivs_peer *p, unsigned int vectors)
{
	unsigned int v;

	for (v = 0; v < vectors; v++) {
		if (p->efd[v] >= 0)
			close(p->efd[v]);
		p->efd[v] = -1;
	}
}

static int ivs_open_efds(struct ivs_peer *p, unsigned int vectors)
{
	unsigned int v;

	for (v = 0; v < vectors; v++) {
		p->efd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (p->efd[v] < 0) {
			mlog("eventfd: %s", strerror(errno));
			ivs_close_efds(p, vectors);
			return -1;
		}
	}
	return 0;
}

static void ivs_peer_init(struct ivs_peer *p, int id)
{
	unsigned int v;

	p->id = id;
	p->sock = -1;
	for (v = 0; v < EDMA_MAX_VECTORS; v++)
		p->efd[v] = -1;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */
/* ------------------------------------------------------------------------ */

static int ivs_send(int sock, int64_t val, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint64_t le = htole64((uint64_t)val);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cmsg;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	n = sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)sizeof(le)) {
		mlog("ivshmem send: %s", n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/* Tell sock about peer p: its id once per vector, each with an eventfd */
static int ivs_send_peer(const struct ivs_server *s, int sock,
			 const struct ivs_peer *p)
{
	unsigned int v;

	for (v = 0; v < s->vectors; v++) {
		if (ivs_send(sock, p->id, p->efd[v]))
			return -1;
	}
	return 0;
}

static int ivs_send_setup(struct ivs_server *s, enum lab_side side)
{
	struct ivs_peer *me = &s->guest[side];
	const struct ivs_peer *other = &s->guest[ivs_other(side)];
	int sock = me->sock;

	if (ivs_send(sock, IVS_PROTOCOL_VERSION, -1) ||
	    ivs_send(sock, me->id, -1) ||
	    ivs_send(sock, -1, s->shm_fd) ||
	    ivs_send_peer(s, sock, &s->model))
		return -1;
	if (other->sock >= 0) {
		if (ivs_send_peer(s, sock, other))
			return -1;
		me->has_other = true;
	}
	return ivs_send_peer(s, sock, me);
}

/* Discard interrupts raised for a guest that is not there */
static void ivs_drain_efds(const struct ivs_peer *p, unsigned int vectors)
{
	uint64_t count;
	unsigned int v;

	for (v = 0; v < vectors; v++) {
		if (p->efd[v] >= 0 &&
		    read(p->efd[v], &count, sizeof(count)) < 0 && errno != EAGAIN)
			mlog("drain eventfd: %s", strerror(errno));
	}
}

/* ------------------------------------------------------------------------ */
/* Connections                                                               */
/* ------------------------------------------------------------------------ */

static void ivs_disconnect(struct ivs_server *s, enum lab_side side)
{
	struct ivs_peer *p = &s->guest[side];

	if (p->sock < 0)
		return;
	mlog("%s guest (peer %d) disconnected", ivs_side_name[side], p->id);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->sock, NULL);
	close(p->sock);
	p->sock = -1;
	p->has_other = false;
	if (s->gone)
		s->gone(s->gone_opaque, side);
	/* No "peer left" to the other QEMU, the eventfds stay (see the top) */
	ivs_drain_efds(p, s->vectors);
}

/* Clients never send: a readable socket at EOF (or in error) is a dead one */
static bool ivs_peer_hung_up(int sock)
{
	char c;
	ssize_t n = recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			  errno != EINTR);
}

static void ivs_accept(struct ivs_server *s, enum lab_side side)
{
	struct ivs_peer *p = &s->guest[side];
	struct ivs_peer *other = &s->guest[ivs_other(side)];
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP,
		.data.u64 = IVS_TAG(IVS_TAG_CLIENT, side),
	};
	int fd;

	fd = accept4(s->listen_fd[side], NULL, NULL,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			mlog("accept on %s: %s", s->path[side], strerror(errno));
		return;
	}
	/* A restarted QEMU may connect before its predecessor's hangup is seen */
	if (p->sock >= 0 && ivs_peer_hung_up(p->sock))
		ivs_disconnect(s, side);
	if (p->sock >= 0 || p->efd[0] < 0) {
		mlog("%s socket: refusing a second client", ivs_side_name[side]);
		close(fd);
		return;
	}
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		mlog("epoll_ctl: %s", strerror(errno));
		close(fd);
		return;
	}
	p->sock = fd;
	mlog("%s guest connected as peer %d", ivs_side_name[side], p->id);
	ivs_drain_efds(p, s->vectors);
	if (ivs_send_setup(s, side)) {
		ivs_disconnect(s, side);
		return;
	}
	/* The other QEMU has our eventfds already if it saw us before */
	if (other->sock >= 0 && !other->has_other) {
		if (ivs_send_peer(s, other->sock, p))
			ivs_disconnect(s, ivs_other(side));
		else
			other->has_other = true;
	}
}

static int ivs_listen(struct ivs_server *s, enum lab_side side)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *path = s->path[side];
	struct epoll_event ev = {
		.events = EPOLLIN,
		.data.u64 = IVS_TAG(IVS_TAG_LISTEN, side),
	};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		mlog("socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	/* Only a stale socket is ours to remove; refuse to clobber a file */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			mlog("%s exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		mlog("socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, IVS_LISTEN_BACKLOG) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		mlog("listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	s->listen_fd[side] = fd;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                              */
/* ------------------------------------------------------------------------ */

static int ivs_add_kicks(struct ivs_server *s)
{
	unsigned int v;

	for (v = 0; v < s->vectors; v++) {
		struct epoll_event ev = {
			.events = EPOLLIN,
			.data.u64 = IVS_TAG(IVS_TAG_KICK, v),
		};

		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->model.efd[v], &ev)) {
			mlog("epoll_ctl: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int ivs_init(struct ivs_server *s, int epfd, unsigned int vectors,
	     int shm_fd, const char *host_path, const char *ep_path)
{
	unsigned int side;

	memset(s, 0, sizeof(*s));
	s->vectors = vectors;
	s->shm_fd = shm_fd;
	s->epfd = epfd;
	s->path[LAB_SIDE_HOST] = host_path;
	s->path[LAB_SIDE_EP] = ep_path;
	ivs_peer_init(&s->model, LAB_MODEL_ID);
	ivs_peer_init(&s->guest[LAB_SIDE_HOST], LAB_HOST_ID);
	ivs_peer_init(&s->guest[LAB_SIDE_EP], LAB_EP_ID);
	s->listen_fd[LAB_SIDE_HOST] = -1;
	s->listen_fd[LAB_SIDE_EP] = -1;

	if (vectors < 1 || vectors > EDMA_MAX_VECTORS ||
	    ivs_open_efds(&s->model, vectors) ||
	    ivs_open_efds(&s->guest[LAB_SIDE_HOST], vectors) ||
	    ivs_open_efds(&s->guest[LAB_SIDE_EP], vectors) ||
	    ivs_add_kicks(s))
		goto fail;
	for (side = 0; side < LAB_SIDES; side++) {
		if (ivs_listen(s, side))
			goto fail;
	}
	return 0;
fail:
	ivs_fini(s);
	return -1;
}

void ivs_fini(struct ivs_server *s)
{
	unsigned int side;

	for (side = 0; side < LAB_SIDES; side++) {
		struct ivs_peer *p = &s->guest[side];

		if (p->sock >= 0)
			close(p->sock);
		p->sock = -1;
		ivs_close_efds(p, s->vectors);
		if (s->listen_fd[side] >= 0) {
			close(s->listen_fd[side]);
			unlink(s->path[side]);
		}
		s->listen_fd[side] = -1;
	}
	ivs_close_efds(&s->model, s->vectors);
}

bool ivs_handle(struct ivs_server *s, uint64_t tag, uint32_t events)
{
	unsigned int idx = IVS_TAG_IDX(tag);
	uint64_t count;

	switch (IVS_TAG_KIND(tag)) {
	case IVS_TAG_LISTEN:
		if (idx < LAB_SIDES)
			ivs_accept(s, idx);
		return false;
	case IVS_TAG_CLIENT:
		/* Clients never talk: readable means gone or misbehaving */
		if (idx < LAB_SIDES && (events & (EPOLLIN | EPOLLHUP |
						  EPOLLRDHUP | EPOLLERR)))
			ivs_disconnect(s, idx);
		return false;
	case IVS_TAG_KICK:
		/*
		 * Reset the count; the mailbox itself says what to do.  The
		 * count is how many kicks came in (each is one eventfd write
		 * of 1); vector 0 is the host's, 1 the endpoint's.
		 */
		if (idx >= s->vectors)
			return true;
		if (read(s->model.efd[idx], &count, sizeof(count)) ==
		    sizeof(count)) {
			if (idx < LAB_SIDES && s->kicked)
				s->kicked(s->kicked_opaque, idx, count);
		} else if (errno != EAGAIN) {
			mlog("kick eventfd: %s", strerror(errno));
		}
		return true;
	default:
		return false;
	}
}

void ivs_reap(struct ivs_server *s)
{
	unsigned int side;

	for (side = 0; side < LAB_SIDES; side++) {
		if (s->guest[side].sock >= 0 &&
		    ivs_peer_hung_up(s->guest[side].sock))
			ivs_disconnect(s, side);
	}
}

void ivs_raise(void *server, enum lab_side side, unsigned int vector)
{
	struct ivs_server *s = server;
	const struct ivs_peer *p = &s->guest[side];
	uint64_t one = 1;

	if (p->sock < 0 || vector >= s->vectors || p->efd[vector] < 0)
		return;
	/* EAGAIN only if the count would overflow: an interrupt is pending */
	if (write(p->efd[vector], &one, sizeof(one)) < 0 && errno != EAGAIN)
		mlog("raise %s vector %u: %s", ivs_side_name[side], vector,
		     strerror(errno));
}
