// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared pieces of pedma_xfer and pedma_errors; see vt_common.h.
 */
#include "vt_common.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *vt_prog = "vt";
const char *vt_role = "?";

/* "prog(role): FAIL: <message>" on stderr */
static void vt_vfail(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s(%s): FAIL: ", vt_prog, vt_role);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void vt_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vt_vfail(fmt, ap);
	va_end(ap);
	exit(1);
}

void vt_fail(int *count, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vt_vfail(fmt, ap);
	va_end(ap);
	(*count)++;
}

void vt_msg(const char *fmt, ...)
{
	va_list ap;

	flockfile(stdout);
	printf("%s(%s): ", vt_prog, vt_role);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	funlockfile(stdout);
}

uint64_t vt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void vt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- wire ---- */

void vt_wire_init(struct vt_wire *w, void *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->pos = 0;
	w->err = false;
}

static void put_le(struct vt_wire *w, uint64_t v, int n)
{
	int i;

	if (w->len + (size_t)n > w->cap) {
		w->err = true;
		return;
	}
	for (i = 0; i < n; i++)
		w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(struct vt_wire *w, int n)
{
	uint64_t v = 0;
	int i;

	if (w->pos + (size_t)n > w->len) {
		w->err = true;
		w->pos = w->len;
		return 0;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)w->p[w->pos++] << (8 * i);
	return v;
}

void vt_put8(struct vt_wire *w, uint8_t v) { put_le(w, v, 1); }
void vt_put16(struct vt_wire *w, uint16_t v) { put_le(w, v, 2); }
void vt_put32(struct vt_wire *w, uint32_t v) { put_le(w, v, 4); }
void vt_put64(struct vt_wire *w, uint64_t v) { put_le(w, v, 8); }
uint8_t vt_get8(struct vt_wire *w) { return (uint8_t)get_le(w, 1); }
uint16_t vt_get16(struct vt_wire *w) { return (uint16_t)get_le(w, 2); }
uint32_t vt_get32(struct vt_wire *w) { return (uint32_t)get_le(w, 4); }
uint64_t vt_get64(struct vt_wire *w) { return get_le(w, 8); }

void vt_putbytes(struct vt_wire *w, const void *b, size_t n)
{
	if (w->len + n > w->cap) {
		w->err = true;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

void vt_getbytes(struct vt_wire *w, void *b, size_t n)
{
	if (w->pos + n > w->len) {
		w->err = true;
		w->pos = w->len;
		memset(b, 0, n);
		return;
	}
	memcpy(b, w->p + w->pos, n);
	w->pos += n;
}

/* ---- TCP ---- */

int vt_tcp_listen(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int vt_tcp_accept(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd, r;

	r = poll(&pfd, 1, timeout_ms);
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (r < 0)
		return -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		tune(fd);
	return fd;
}

int vt_tcp_connect(const char *ip, int port, int timeout_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint64_t t0 = vt_now_ms();
	int fd;

	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			tune(fd);
			return fd;
		}
		close(fd);
		if (vt_now_ms() - t0 >= (uint64_t)timeout_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		vt_sleep_ms(100);
	}
}

static int io_wait(int fd, short ev, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = ev };
	uint64_t now;
	int r;

	for (;;) {
		now = vt_now_ms();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int send_all(int fd, const void *b, size_t n)
{
	const uint8_t *p = b;
	ssize_t r;

	while (n) {
		r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int recv_all(int fd, void *b, size_t n, uint64_t deadline)
{
	uint8_t *p = b;
	ssize_t r;

	while (n) {
		if (io_wait(fd, POLLIN, deadline))
			return -1;
		r = recv(fd, p, n, 0);
		if (r == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int vt_send_msg(int fd, uint32_t type, const void *payload, uint32_t len)
{
	uint8_t hdr[8];
	struct vt_wire w;

	vt_wire_init(&w, hdr, sizeof(hdr));
	vt_put32(&w, type);
	vt_put32(&w, len);
	if (send_all(fd, hdr, sizeof(hdr)))
		return -1;
	return len ? send_all(fd, payload, len) : 0;
}

int vt_recv_msg(int fd, uint32_t *type, void *buf, uint32_t cap, uint32_t *len,
		int timeout_ms)
{
	uint64_t deadline = vt_now_ms() + (uint64_t)timeout_ms;
	uint8_t hdr[8];
	struct vt_wire w;
	uint32_t n;

	if (recv_all(fd, hdr, sizeof(hdr), deadline))
		return -1;
	vt_wire_init(&w, hdr, sizeof(hdr));
	w.len = sizeof(hdr);
	*type = vt_get32(&w);
	n = vt_get32(&w);
	if (n > cap) {
		errno = EMSGSIZE;
		return -1;
	}
	if (n && recv_all(fd, buf, n, deadline))
		return -1;
	*len = n;
	return 0;
}

int vt_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/* ---- device ---- */

static bool gid_is_v4mapped(const union ibv_gid *g)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(g->raw, pfx, sizeof(pfx));
}

int vt_dev_open(struct vt_dev *d, const char *name, int port, int gid_index)
{
	struct ibv_device **list;
	int i, n;

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->port = port;
	list = ibv_get_device_list(&n);
	if (!list) {
		fprintf(stderr, "ibv_get_device_list: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			break;
	if (i == n) {
		fprintf(stderr, "device %s not found (%d devices)\n", name, n);
		ibv_free_device_list(list);
		return -1;
	}
	d->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!d->ctx) {
		fprintf(stderr, "ibv_open_device %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (ibv_query_device(d->ctx, &d->attr) || ibv_query_port(d->ctx, (uint8_t)port, &d->pattr)) {
		fprintf(stderr, "query device/port %s:%d: %s\n", name, port, strerror(errno));
		return -1;
	}
	if (gid_index < 0) {
		gid_index = 0;
		if (d->pattr.link_layer == IBV_LINK_LAYER_ETHERNET) {
			union ibv_gid g;

			for (i = 0; i < d->pattr.gid_tbl_len && i < 64; i++)
				if (!ibv_query_gid(d->ctx, (uint8_t)port, i, &g) && gid_is_v4mapped(&g)) {
					gid_index = i;
					break;
				}
		}
	}
	d->gid_index = gid_index;
	if (ibv_query_gid(d->ctx, (uint8_t)port, gid_index, &d->gid)) {
		fprintf(stderr, "ibv_query_gid %s:%d[%d]: %s\n", name, port, gid_index,
			strerror(errno));
		return -1;
	}
	d->pd = ibv_alloc_pd(d->ctx);
	if (!d->pd) {
		fprintf(stderr, "ibv_alloc_pd: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

void vt_dev_close(struct vt_dev *d)
{
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	if (d->ctx)
		ibv_close_device(d->ctx);
	d->pd = NULL;
	d->ctx = NULL;
}

void vt_qpinfo_local(const struct vt_dev *d, struct ibv_qp *qp, uint32_t psn,
		     struct vt_qpinfo *qi)
{
	memset(qi, 0, sizeof(*qi));
	qi->lid = d->pattr.lid;
	memcpy(qi->gid, d->gid.raw, 16);
	qi->mtu = (uint8_t)d->pattr.active_mtu;
	qi->link_layer = d->pattr.link_layer;
	qi->qpn = qp ? qp->qp_num : 0;
	qi->psn = psn & 0xffffff;
}

void vt_put_qpinfo(struct vt_wire *w, const struct vt_qpinfo *qi)
{
	vt_put16(w, qi->lid);
	vt_putbytes(w, qi->gid, 16);
	vt_put8(w, qi->mtu);
	vt_put8(w, qi->link_layer);
	vt_put32(w, qi->qpn);
	vt_put32(w, qi->psn);
}

void vt_get_qpinfo(struct vt_wire *w, struct vt_qpinfo *qi)
{
	qi->lid = vt_get16(w);
	vt_getbytes(w, qi->gid, 16);
	qi->mtu = vt_get8(w);
	qi->link_layer = vt_get8(w);
	qi->qpn = vt_get32(w);
	qi->psn = vt_get32(w);
}

void vt_conn_attr_default(struct vt_conn_attr *a)
{
	a->access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	a->max_rd_atomic = 1;
	a->max_dest_rd_atomic = 1;
	a->min_rnr_timer = 12;	/* 0.64 ms */
	a->timeout = 18;	/* ~1 s: TCG guests are slow */
	a->retry_cnt = 7;
	a->rnr_retry = 7;
}

int vt_qp_init(const struct vt_dev *d, struct ibv_qp *qp, int access)
{
	struct ibv_qp_attr at = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = (uint8_t)d->port,
		.qp_access_flags = (unsigned int)access,
	};

	/* UC: remote writes only (no READ, no atomics) */
	if (qp->qp_type == IBV_QPT_UC)
		at.qp_access_flags &= IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;
	return ibv_modify_qp(qp, &at, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			     IBV_QP_ACCESS_FLAGS);
}

int vt_qp_rtr(const struct vt_dev *d, struct ibv_qp *qp, const struct vt_qpinfo *peer,
	      const struct vt_conn_attr *a)
{
	struct ibv_qp_attr at = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = (enum ibv_mtu)(peer->mtu < d->pattr.active_mtu ? peer->mtu
							    : d->pattr.active_mtu),
		.dest_qp_num = peer->qpn,
		.rq_psn = peer->psn,
		.max_dest_rd_atomic = (uint8_t)a->max_dest_rd_atomic,
		.min_rnr_timer = (uint8_t)a->min_rnr_timer,
		.ah_attr = {
			.dlid = peer->lid,
			.sl = 0,
			.src_path_bits = 0,
			.port_num = (uint8_t)d->port,
		},
	};

	if (d->pattr.link_layer == IBV_LINK_LAYER_ETHERNET || !peer->lid || !d->pattr.lid) {
		at.ah_attr.is_global = 1;
		memcpy(at.ah_attr.grh.dgid.raw, peer->gid, 16);
		at.ah_attr.grh.sgid_index = (uint8_t)d->gid_index;
		at.ah_attr.grh.hop_limit = 64;
	}
	/* UC: no RDMA READ and no RNR, so neither attribute (IBA 11.2.4.2) */
	if (qp->qp_type == IBV_QPT_UC)
		return ibv_modify_qp(qp, &at, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
				     IBV_QP_DEST_QPN | IBV_QP_RQ_PSN);
	return ibv_modify_qp(qp, &at, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			     IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			     IBV_QP_MIN_RNR_TIMER);
}

int vt_qp_rts(struct ibv_qp *qp, uint32_t sq_psn, const struct vt_conn_attr *a)
{
	struct ibv_qp_attr at = {
		.qp_state = IBV_QPS_RTS,
		.timeout = (uint8_t)a->timeout,
		.retry_cnt = (uint8_t)a->retry_cnt,
		.rnr_retry = (uint8_t)a->rnr_retry,
		.sq_psn = sq_psn & 0xffffff,
		.max_rd_atomic = (uint8_t)a->max_rd_atomic,
	};

	/* UC: no acknowledgements, so no timeout, retries or READ depth */
	if (qp->qp_type == IBV_QPT_UC)
		return ibv_modify_qp(qp, &at, IBV_QP_STATE | IBV_QP_SQ_PSN);
	return ibv_modify_qp(qp, &at, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

int vt_qp_connect(const struct vt_dev *d, struct ibv_qp *qp, uint32_t my_psn,
		  const struct vt_qpinfo *peer, const struct vt_conn_attr *a)
{
	int r;

	r = vt_qp_init(d, qp, a->access);
	if (r) {
		fprintf(stderr, "modify_qp qpn %#x RESET->INIT: %s\n", qp->qp_num, strerror(r));
		return r;
	}
	r = vt_qp_rtr(d, qp, peer, a);
	if (r) {
		fprintf(stderr, "modify_qp qpn %#x INIT->RTR: %s\n", qp->qp_num, strerror(r));
		return r;
	}
	r = vt_qp_rts(qp, my_psn, a);
	if (r)
		fprintf(stderr, "modify_qp qpn %#x RTR->RTS: %s\n", qp->qp_num, strerror(r));
	return r;
}

int vt_qp_state(struct ibv_qp *qp)
{
	struct ibv_qp_attr at;
	struct ibv_qp_init_attr init;

	if (ibv_query_qp(qp, &at, IBV_QP_STATE, &init))
		return -1;
	return at.qp_state;
}

const char *vt_qp_state_str(int s)
{
	switch (s) {
	case IBV_QPS_RESET: return "RESET";
	case IBV_QPS_INIT: return "INIT";
	case IBV_QPS_RTR: return "RTR";
	case IBV_QPS_RTS: return "RTS";
	case IBV_QPS_SQD: return "SQD";
	case IBV_QPS_SQE: return "SQE";
	case IBV_QPS_ERR: return "ERR";
	case -1: return "(query failed)";
	default: return "?";
	}
}

/* ---- completions ---- */

int vt_cq_create(struct vt_cq *c, const struct vt_dev *d, int cqe, bool events)
{
	return vt_cq_create2(c, d, cqe, events, false);
}

int vt_cq_create2(struct vt_cq *c, const struct vt_dev *d, int cqe, bool events,
		  bool ext)
{
	c->ch = NULL;
	c->cqx = NULL;
	if (events) {
		c->ch = ibv_create_comp_channel(d->ctx);
		if (!c->ch)
			return -1;
	}
	if (ext) {
		struct ibv_cq_init_attr_ex ca = {
			.cqe = (uint32_t)cqe,
			.channel = c->ch,
			.wc_flags = IBV_WC_STANDARD_FLAGS,
		};

		c->cqx = ibv_create_cq_ex(d->ctx, &ca);
		c->cq = c->cqx ? ibv_cq_ex_to_cq(c->cqx) : NULL;
	} else {
		c->cq = ibv_create_cq(d->ctx, cqe, NULL, c->ch, 0);
	}
	if (!c->cq) {
		int e = errno;

		if (c->ch)
			ibv_destroy_comp_channel(c->ch);
		c->ch = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

int vt_cq_destroy(struct vt_cq *c)
{
	int r = 0;

	if (c->cq)
		r = ibv_destroy_cq(c->cq);
	if (c->ch && !r)
		r = ibv_destroy_comp_channel(c->ch);
	c->cq = NULL;
	c->ch = NULL;
	c->cqx = NULL;
	return r;
}

/* Every field through its accessor, into the struct ibv_poll_cq fills. */
static int cq_poll_ex(struct ibv_cq_ex *cx, int n, struct ibv_wc *wc)
{
	struct ibv_poll_cq_attr attr = { .comp_mask = 0 };
	int i = 0, r;

	if (n <= 0)
		return 0;
	r = ibv_start_poll(cx, &attr);
	if (r == ENOENT)
		return 0;
	if (r)
		return -1;
	do {
		struct ibv_wc *w = &wc[i++];

		memset(w, 0, sizeof(*w));
		w->wr_id = cx->wr_id;
		w->status = cx->status;
		w->opcode = ibv_wc_read_opcode(cx);
		w->vendor_err = ibv_wc_read_vendor_err(cx);
		w->byte_len = ibv_wc_read_byte_len(cx);
		w->wc_flags = ibv_wc_read_wc_flags(cx);
		if (w->wc_flags & IBV_WC_WITH_IMM)
			w->imm_data = ibv_wc_read_imm_data(cx);
		w->qp_num = ibv_wc_read_qp_num(cx);
		w->src_qp = ibv_wc_read_src_qp(cx);
		w->slid = (uint16_t)ibv_wc_read_slid(cx);
		w->sl = ibv_wc_read_sl(cx);
		w->dlid_path_bits = ibv_wc_read_dlid_path_bits(cx);
	} while (i < n && (r = ibv_next_poll(cx)) == 0);
	ibv_end_poll(cx);
	return r && r != ENOENT ? -1 : i;
}

int vt_cq_poll(struct vt_cq *c, int n, struct ibv_wc *wc)
{
	if (c->cqx)
		return cq_poll_ex(c->cqx, n, wc);
	return ibv_poll_cq(c->cq, n, wc);
}

int vt_cq_wait(struct vt_cq *c, struct ibv_wc *wc, int n, int timeout_ms)
{
	uint64_t t0 = vt_now_ms(), now;
	unsigned int spins = 0;
	int r;

	for (;;) {
		r = vt_cq_poll(c, n, wc);
		if (r)
			return r < 0 ? -1 : r;
		now = vt_now_ms();
		if (now - t0 >= (uint64_t)timeout_ms)
			return 0;
		if (c->ch) {
			struct pollfd pfd = { .fd = c->ch->fd, .events = POLLIN };
			struct ibv_cq *ev_cq;
			void *ev_ctx;

			if (ibv_req_notify_cq(c->cq, 0))
				return -1;
			r = vt_cq_poll(c, n, wc);
			if (r)
				return r < 0 ? -1 : r;
			r = poll(&pfd, 1, (int)(t0 + (uint64_t)timeout_ms - now));
			if (r > 0) {
				if (ibv_get_cq_event(c->ch, &ev_cq, &ev_ctx))
					return -1;
				ibv_ack_cq_events(ev_cq, 1);
			}
		} else if (++spins > 200) {
			/* one vCPU: let the kernel side of the device run */
			struct timespec ts = { 0, 50000 };

			nanosleep(&ts, NULL);
		} else {
			sched_yield();
		}
	}
}

const char *vt_wc_opcode_str(enum ibv_wc_opcode op)
{
	switch (op) {
	case IBV_WC_SEND: return "SEND";
	case IBV_WC_RDMA_WRITE: return "RDMA_WRITE";
	case IBV_WC_RDMA_READ: return "RDMA_READ";
	case IBV_WC_COMP_SWAP: return "COMP_SWAP";
	case IBV_WC_FETCH_ADD: return "FETCH_ADD";
	case IBV_WC_BIND_MW: return "BIND_MW";
	case IBV_WC_LOCAL_INV: return "LOCAL_INV";
	case IBV_WC_RECV: return "RECV";
	case IBV_WC_RECV_RDMA_WITH_IMM: return "RECV_RDMA_WITH_IMM";
	default: return "?";
	}
}

/* ---- patterns ---- */

uint64_t vt_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t vt_key(uint64_t seed, uint64_t a, uint64_t b)
{
	return vt_mix(vt_mix(seed ^ 0x5ca1ab1e0ddba11ull) ^ vt_mix(a) ^ (vt_mix(b) << 1));
}

/* word w of the stream: bytes 8w..8w+7, little-endian */
static inline uint64_t pat_word(uint64_t key, uint64_t w)
{
	uint64_t x = key + w * 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 31)) * 0xd6e8feb86659fd93ull;
	return x ^ (x >> 32);
}

uint8_t vt_pat_byte(uint64_t key, uint64_t idx)
{
	return (uint8_t)(pat_word(key, idx >> 3) >> (8 * (idx & 7)));
}

static inline void st64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

void vt_fill(uint8_t *p, uint64_t len, uint64_t key, uint64_t idx0)
{
	uint64_t i = idx0, end = idx0 + len;

	while (i < end && (i & 7))
		*p++ = vt_pat_byte(key, i++);
	while (end - i >= 8) {
		st64(p, pat_word(key, i >> 3));
		p += 8;
		i += 8;
	}
	while (i < end)
		*p++ = vt_pat_byte(key, i++);
}

bool vt_check(const uint8_t *p, uint64_t len, uint64_t key, uint64_t idx0, uint64_t *bad)
{
	uint64_t i = idx0, end = idx0 + len;
	const uint8_t *q = p;

	while (i < end && (i & 7)) {
		if (*q != vt_pat_byte(key, i))
			goto found;
		q++;
		i++;
	}
	while (end - i >= 8) {
		if (ld64(q) != pat_word(key, i >> 3))
			break;
		q += 8;
		i += 8;
	}
	for (; i < end; i++, q++)
		if (*q != vt_pat_byte(key, i))
			goto found;
	return true;
found:
	*bad = i - idx0;
	return false;
}

uint64_t vt_hash(const uint8_t *p, uint64_t len)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ len, i;

	for (i = 0; i + 8 <= len; i += 8)
		h = (h ^ ld64(p + i)) * 0x100000001b3ull + (h >> 29);
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return vt_mix(h);
}

uint64_t vt_rand(struct vt_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return vt_mix(r->s);
}

uint64_t vt_randn(struct vt_rng *r, uint64_t n)
{
	return n ? vt_rand(r) % n : 0;
}

uint64_t vt_range(struct vt_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	if (hi - lo == UINT64_MAX)
		return vt_rand(r);
	return lo + vt_randn(r, hi - lo + 1);
}

void *vt_alloc(size_t size)
{
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void vt_free(void *p, size_t size)
{
	if (p)
		munmap(p, size ? size : 1);
}

int vt_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}
