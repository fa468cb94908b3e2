/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared pieces of the two-sided verbs test programs (pedma_xfer,
 * pedma_errors): the out-of-band TCP control channel with fixed-width
 * little-endian messages, opening a device and walking an RC QP through
 * INIT/RTR/RTS, completion waits with a time limit, and the deterministic
 * byte patterns both sides can regenerate and check.
 *
 * Device-agnostic: libibverbs only, the device name is a parameter; the
 * address vector uses a GRH when the link layer is Ethernet (RoCE) or
 * either side has no LID.
 */
#ifndef VT_COMMON_H
#define VT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <infiniband/verbs.h>

#define VT_NORETURN __attribute__((noreturn))
#define VT_PRINTF(a, b) __attribute__((format(printf, a, b)))

extern const char *vt_prog;	/* program name, for messages */
extern const char *vt_role;	/* "server" or "client", for messages */

void vt_die(const char *fmt, ...) VT_PRINTF(1, 2) VT_NORETURN;
void vt_msg(const char *fmt, ...) VT_PRINTF(1, 2);
/* A failed check: print it like vt_die() and count it in *count, go on. */
void vt_fail(int *count, const char *fmt, ...) VT_PRINTF(2, 3);
uint64_t vt_now_ms(void);
void vt_sleep_ms(unsigned int ms);

/* ---- little-endian wire buffers ---- */
struct vt_wire {
	uint8_t *p;
	size_t cap, len, pos;
	bool err;	/* overflow on put, underrun on get */
};

void vt_wire_init(struct vt_wire *w, void *buf, size_t cap);
void vt_put8(struct vt_wire *w, uint8_t v);
void vt_put16(struct vt_wire *w, uint16_t v);
void vt_put32(struct vt_wire *w, uint32_t v);
void vt_put64(struct vt_wire *w, uint64_t v);
void vt_putbytes(struct vt_wire *w, const void *b, size_t n);
uint8_t vt_get8(struct vt_wire *w);
uint16_t vt_get16(struct vt_wire *w);
uint32_t vt_get32(struct vt_wire *w);
uint64_t vt_get64(struct vt_wire *w);
void vt_getbytes(struct vt_wire *w, void *b, size_t n);

/* ---- TCP control channel: message = u32 type, u32 length, payload ---- */
#define VT_MSG_MAX (1u << 20)

int vt_tcp_listen(int port);
int vt_tcp_accept(int lfd, int timeout_ms);
int vt_tcp_connect(const char *ip, int port, int timeout_ms);
/* 0 or -1 (errno set) */
int vt_send_msg(int fd, uint32_t type, const void *payload, uint32_t len);
/*
 * 0 or -1 with errno: ETIMEDOUT (nothing within timeout_ms), ECONNRESET
 * (peer closed), EMSGSIZE (payload larger than cap), others from recv.
 */
int vt_recv_msg(int fd, uint32_t *type, void *buf, uint32_t cap, uint32_t *len,
		int timeout_ms);
/* 1 if a message (or EOF) is waiting on fd, 0 if not. */
int vt_readable(int fd);

/* ---- device ---- */
struct vt_dev {
	const char *name;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_device_attr attr;
	struct ibv_port_attr pattr;
	int port;
	int gid_index;
	union ibv_gid gid;
};

/* gid_index < 0: automatic (Ethernet: first IPv4-mapped GID, else 0). */
int vt_dev_open(struct vt_dev *d, const char *name, int port, int gid_index);
void vt_dev_close(struct vt_dev *d);

/* What a side tells the other about one of its QPs (fixed 28 bytes). */
struct vt_qpinfo {
	uint16_t lid;
	uint8_t gid[16];
	uint8_t mtu;		/* enum ibv_mtu of the port */
	uint8_t link_layer;
	uint32_t qpn;
	uint32_t psn;
};

void vt_qpinfo_local(const struct vt_dev *d, struct ibv_qp *qp, uint32_t psn,
		     struct vt_qpinfo *qi);
void vt_put_qpinfo(struct vt_wire *w, const struct vt_qpinfo *qi);
void vt_get_qpinfo(struct vt_wire *w, struct vt_qpinfo *qi);

struct vt_conn_attr {
	int access;		/* qp_access_flags at INIT */
	int max_rd_atomic;	/* RTS: outstanding READs as requester */
	int max_dest_rd_atomic;	/* RTR: as responder */
	int min_rnr_timer;	/* RTR */
	int timeout;		/* RTS: local ACK timeout */
	int retry_cnt;		/* RTS */
	int rnr_retry;		/* RTS (7 = infinite) */
};

void vt_conn_attr_default(struct vt_conn_attr *a);
/* Each returns 0 or the errno-style value of ibv_modify_qp. */
int vt_qp_init(const struct vt_dev *d, struct ibv_qp *qp, int access);
int vt_qp_rtr(const struct vt_dev *d, struct ibv_qp *qp, const struct vt_qpinfo *peer,
	      const struct vt_conn_attr *a);
int vt_qp_rts(struct ibv_qp *qp, uint32_t sq_psn, const struct vt_conn_attr *a);
/* RESET -> INIT -> RTR -> RTS; 0 or the error, with a message on stderr. */
int vt_qp_connect(const struct vt_dev *d, struct ibv_qp *qp, uint32_t my_psn,
		  const struct vt_qpinfo *peer, const struct vt_conn_attr *a);
/* Current state of qp, or -1 when ibv_query_qp fails. */
int vt_qp_state(struct ibv_qp *qp);
const char *vt_qp_state_str(int state);

/* ---- completions ---- */
struct vt_cq {
	struct ibv_cq *cq;
	struct ibv_comp_channel *ch;	/* NULL: busy-poll */
	struct ibv_cq_ex *cqx;		/* ext: polled with ibv_start_poll */
};

int vt_cq_create(struct vt_cq *c, const struct vt_dev *d, int cqe, bool events);
/*
 * ext: ibv_create_cq_ex() with the standard wc_flags, and every poll
 * through ibv_start_poll/ibv_next_poll/ibv_end_poll and the
 * ibv_wc_read_*() accessors, which fill the same struct ibv_wc.
 */
int vt_cq_create2(struct vt_cq *c, const struct vt_dev *d, int cqe, bool events,
		  bool ext);
int vt_cq_destroy(struct vt_cq *c);
/* ibv_poll_cq, or the extended poll for an ext CQ: WCs, or -1. */
int vt_cq_poll(struct vt_cq *c, int n, struct ibv_wc *wc);
/* Up to n WCs; 0 when none arrived within timeout_ms; -1 on a poll error. */
int vt_cq_wait(struct vt_cq *c, struct ibv_wc *wc, int n, int timeout_ms);

const char *vt_wc_opcode_str(enum ibv_wc_opcode op);

/* ---- deterministic patterns ---- */
uint64_t vt_mix(uint64_t x);
uint64_t vt_key(uint64_t seed, uint64_t a, uint64_t b);
/* byte idx of the stream named key */
uint8_t vt_pat_byte(uint64_t key, uint64_t idx);
/* p[0..len) = bytes idx0.. of the stream */
void vt_fill(uint8_t *p, uint64_t len, uint64_t key, uint64_t idx0);
/* true if p[0..len) equals bytes idx0..; else false and *bad = first bad i */
bool vt_check(const uint8_t *p, uint64_t len, uint64_t key, uint64_t idx0, uint64_t *bad);
uint64_t vt_hash(const uint8_t *p, uint64_t len);

struct vt_rng {
	uint64_t s;
};

uint64_t vt_rand(struct vt_rng *r);
/* uniform in [0, n), n > 0 */
uint64_t vt_randn(struct vt_rng *r, uint64_t n);
/* uniform in [lo, hi] */
uint64_t vt_range(struct vt_rng *r, uint64_t lo, uint64_t hi);

/* page-aligned, zero-initialised, never freed before exit if big */
void *vt_alloc(size_t size);
void vt_free(void *p, size_t size);

/* parse "64M", "4k", "123" */
int vt_parse_size(const char *s, uint64_t *out);

#endif /* VT_COMMON_H */
