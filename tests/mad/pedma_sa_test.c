// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_sa_test: the embedded SA (kernel pedma_sa.c) as a client sees it,
 * through the kernel's user MAD interface (/dev/infiniband/umadN).  Every
 * request goes to the port's SM LID, QP1, like any SA client's; on the
 * host it loops back to the host's own QP1, on the endpoint it crosses
 * the link.  Responses are checked field by field against what the subnet
 * is: two ports, LID 1 (host) and LID 2 (endpoint), GIDs fe80::<GUID>.
 *
 *   pedma_sa_test [-d DEV] --peer-guid GUID [--sync DIR] [--seed N]
 *
 * --peer-guid: the other side's node GUID (as sysfs node_guid prints it).
 * --sync DIR: afterwards, the two-sided multicast case, both sides running
 * this program at the same time; they meet through files in DIR.
 * Prints one line per case; exits 0 only if every case passed.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <rdma/ib_user_mad.h>
#include <rdma/rdma_user_ioctl.h>

#include "pedma_check.h"

/* MAD layout (IBA 13.4.2, 15.2.1.1): offsets into the 256 bytes */
#define MAD_SIZE		256
#define M_BASE_VER		0
#define M_CLASS			1
#define M_CLASS_VER		2
#define M_METHOD		3
#define M_STATUS		4
#define M_TID			8
#define M_ATTR_ID		16
#define M_ATTR_MOD		20
#define M_RMPP_VER		24
#define M_RMPP_TYPE		25
#define M_RMPP_FLAGS		26
#define M_RMPP_STATUS		27
#define M_RMPP_SEG		28
#define M_RMPP_PAYLEN		32
#define M_SM_KEY		36
#define M_ATTR_OFFSET		44
#define M_COMP			48
#define M_DATA			56

/* PathRecord (IBA 15.2.5.16), offsets into the record */
#define PR_SERVICE_ID		0
#define PR_DGID_O		8
#define PR_SGID_O		24
#define PR_DLID_O		40
#define PR_SLID_O		42
#define PR_FLOW_HOP		44
#define PR_TCLASS_O		48
#define PR_REV_NUMB		49
#define PR_PKEY_O		50
#define PR_QOS_SL		52
#define PR_MTU_O		54
#define PR_RATE_O		55
#define PR_PLT_O		56
#define PR_PREF			57
#define PR_SIZE			64

/* MCMemberRecord (IBA 15.2.5.17) */
#define MC_MGID			0
#define MC_PORT_GID		16
#define MC_QKEY			32
#define MC_MLID			36
#define MC_MTU			38
#define MC_TCLASS		39
#define MC_PKEY			40
#define MC_RATE			42
#define MC_PLT			43
#define MC_SL_FLOW_HOP		44
#define MC_SCOPE_JOIN		48
#define MC_PROXY		49
#define MC_SIZE			52

/* component mask bits */
#define C(n)			(UINT64_C(1) << (n))
#define PRC_SERVICE_ID		(C(0) | C(1))
#define PRC_DGID		C(2)
#define PRC_SGID		C(3)
#define PRC_DLID		C(4)
#define PRC_SLID		C(5)
#define PRC_TCLASS		C(10)
#define PRC_REVERSIBLE		C(11)
#define PRC_NUMB_PATH		C(12)
#define PRC_PKEY		C(13)
#define PRC_QOS_CLASS		C(14)
#define PRC_SL			C(15)
#define PRC_MTU_SEL		C(16)
#define PRC_MTU			C(17)
#define PRC_RATE_SEL		C(18)
#define PRC_RATE		C(19)

#define MCC_MGID		C(0)
#define MCC_PORT_GID		C(1)
#define MCC_QKEY		C(2)
#define MCC_MTU_SEL		C(4)
#define MCC_MTU			C(5)
#define MCC_TCLASS		C(6)
#define MCC_PKEY		C(7)
#define MCC_RATE_SEL		C(8)
#define MCC_RATE		C(9)
#define MCC_SL			C(12)
#define MCC_FLOW		C(13)
#define MCC_HOP			C(14)
#define MCC_JOIN_STATE		C(16)
#define MCC_CREATE		(MCC_QKEY | MCC_TCLASS | MCC_PKEY | MCC_SL | MCC_FLOW)

#define CLASS_SA		0x03
#define METHOD_GET		0x01
#define METHOD_SET		0x02
#define METHOD_GET_RESP		0x81
#define METHOD_GET_TABLE	0x12
#define METHOD_GET_TABLE_RESP	0x92
#define METHOD_DELETE		0x15
#define METHOD_DELETE_RESP	0x95
#define ATTR_CPI		0x0001
#define ATTR_NODE_REC		0x0011
#define ATTR_PATH_REC		0x0035
#define ATTR_MCM_REC		0x0038

/* MAD status (IBA 13.4.7) and SA status (15.2.1.2) */
#define ST_OK			0x0000
#define ST_BAD_VERSION		0x0004
#define ST_UNSUP_METHOD		0x0008
#define ST_UNSUP_METH_ATTR	0x000c
#define ST_INVALID_VALUE	0x001c
#define ST_NO_RESOURCES		0x0100
#define ST_REQ_INVALID		0x0200
#define ST_NO_RECORDS		0x0300
#define ST_TOO_MANY		0x0400
#define ST_INVALID_GID		0x0500
#define ST_INSUFFICIENT		0x0600

/* What the SA promises (docs/architecture.md, "The embedded SA") */
#define X_MTU			(0x80 | 5)	/* exactly 4096 */
#define X_RATE			(0x80 | 7)	/* exactly 40 Gb/s */
#define X_PLT			(0x80 | 16)
#define X_DEFAULT_QKEY		0x00000b1bu
#define X_MLID_FIRST		0xc000
#define X_MLID_LAST		(0xc000 + 255)

#define UMAD_HDR		((int)sizeof(struct ib_user_mad_hdr))
#define SA_QKEY			0x80010000u
#define REPLY_MS		3000	/* the guests are slow (TCG) */
#define SILENCE_MS		1500

struct port {
	uint16_t lid;
	uint8_t gid[16];
};

struct sa {
	const char *dev;
	int fd;
	uint32_t agent;		/* no RMPP: we see the segments */
	uint32_t agent_rmpp;	/* the kernel reassembles (and ACKs) */
	uint16_t sm_lid;
	struct port self, peer;
	struct port host, ep;	/* self and peer, by role */
	bool is_host;
	uint32_t tid;
	uint32_t hi_tid;	/* what the kernel puts in our TIDs' high half */
};

/* A response: the MAD (or the reassembled RMPP message) and its length */
struct resp {
	uint8_t m[4096];
	int len;		/* bytes after the umad header */
	int umad_status;	/* ETIMEDOUT: no answer */
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- byte order helpers ---- */

static void put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return be16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static const char *gidstr(const uint8_t *g)
{
	static char buf[4][48];
	static int n;
	char *b = buf[n++ & 3];
	int i;

	for (i = 0; i < 8; i++)
		sprintf(b + i * 5, "%02x%02x%s", g[2 * i], g[2 * i + 1],
			i < 7 ? ":" : "");
	return b;
}

/* ---- sysfs ---- */

static int read_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* "xxxx:xxxx:xxxx:xxxx" (node_guid) into 8 bytes */
static int parse_guid(const char *s, uint8_t *out)
{
	int n = 0;

	for (; *s && n < 16; s++) {
		int v;

		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' :
						 tolower((unsigned char)*s) - 'a' + 10;
		if (n & 1)
			out[n / 2] |= (uint8_t)v;
		else
			out[n / 2] = (uint8_t)(v << 4);
		n++;
	}
	return n == 16 && !*s ? 0 : -1;
}

static void make_gid(uint8_t *gid, const uint8_t *guid)
{
	memset(gid, 0, 16);
	gid[0] = 0xfe;
	gid[1] = 0x80;
	memcpy(gid + 8, guid, 8);
}

static int port_info(struct sa *s)
{
	char path[256], buf[128];
	uint8_t guid[8];

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/1/lid",
		 s->dev);
	if (read_sysfs(path, buf, sizeof(buf)))
		return -1;
	s->self.lid = (uint16_t)strtoul(buf, NULL, 0);
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/1/sm_lid",
		 s->dev);
	if (read_sysfs(path, buf, sizeof(buf)))
		return -1;
	s->sm_lid = (uint16_t)strtoul(buf, NULL, 0);
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/node_guid",
		 s->dev);
	if (read_sysfs(path, buf, sizeof(buf)) || parse_guid(buf, guid))
		return -1;
	make_gid(s->self.gid, guid);
	s->is_host = s->self.lid == 1;
	s->peer.lid = s->is_host ? 2 : 1;
	return 0;
}

/* The umad node of DEV port 1; made with mknod if no devtmpfs made it */
static int open_umad(const char *dev)
{
	char path[256], buf[64];
	int i;

	for (i = 0; i < 64; i++) {
		unsigned int maj, min;
		int fd;

		snprintf(path, sizeof(path),
			 "/sys/class/infiniband_mad/umad%d/ibdev", i);
		if (read_sysfs(path, buf, sizeof(buf)) || strcmp(buf, dev))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/class/infiniband_mad/umad%d/port", i);
		if (read_sysfs(path, buf, sizeof(buf)) || strcmp(buf, "1"))
			continue;
		snprintf(path, sizeof(path), "/dev/infiniband/umad%d", i);
		fd = open(path, O_RDWR);
		if (fd >= 0 || errno != ENOENT)
			return fd;
		snprintf(path, sizeof(path),
			 "/sys/class/infiniband_mad/umad%d/dev", i);
		if (read_sysfs(path, buf, sizeof(buf)) ||
		    sscanf(buf, "%u:%u", &maj, &min) != 2)
			return -1;
		snprintf(path, sizeof(path), "/tmp/pedma-umad%d", i);
		unlink(path);
		if (mknod(path, S_IFCHR | 0600, makedev(maj, min)))
			return -1;
		return open(path, O_RDWR);
	}
	errno = ENODEV;
	return -1;
}

static int register_agent(int fd, uint8_t rmpp, uint32_t *id)
{
	struct ib_user_mad_reg_req req;

	memset(&req, 0, sizeof(req));
	req.qpn = 1;
	req.mgmt_class = CLASS_SA;
	req.mgmt_class_version = 2;
	req.rmpp_version = rmpp;
	if (ioctl(fd, IB_USER_MAD_REGISTER_AGENT, &req))
		return -1;
	*id = req.id;
	return 0;
}

/* ---- sending and receiving ---- */

/* A request: header filled, TID ours; the rest zero */
static void mad_init(uint8_t *m, uint8_t method, uint16_t attr, uint64_t comp)
{
	memset(m, 0, MAD_SIZE);
	m[M_BASE_VER] = 1;
	m[M_CLASS] = CLASS_SA;
	m[M_CLASS_VER] = 2;
	m[M_METHOD] = method;
	put16(m + M_ATTR_ID, attr);
	put64(m + M_COMP, comp);
}

/* Write @len bytes of MAD with the umad header; returns write()'s result */
static ssize_t umad_send(struct sa *s, uint32_t agent, const uint8_t *m,
			 size_t len, uint32_t timeout_ms)
{
	uint8_t buf[sizeof(struct ib_user_mad_hdr) + MAD_SIZE];
	struct ib_user_mad_hdr h;

	memset(&h, 0, sizeof(h));
	h.id = agent;
	h.timeout_ms = timeout_ms;
	h.retries = 0;
	h.qpn = htobe32(1);
	h.qkey = htobe32(SA_QKEY);
	h.lid = htobe16(s->sm_lid);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), m, len);
	return write(s->fd, buf, sizeof(h) + len);
}

/*
 * The next MAD for us within @ms, or len -1.  A request the SA never
 * answered comes back from the kernel with umad status ETIMEDOUT.
 */
static void umad_recv(struct sa *s, struct resp *r, int ms)
{
	uint8_t buf[sizeof(struct ib_user_mad_hdr) + sizeof(r->m)];
	struct ib_user_mad_hdr h;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;

	r->len = -1;
	r->umad_status = 0;
	if (poll(&p, 1, ms) <= 0)
		return;
	n = read(s->fd, buf, sizeof(buf));
	if (n < UMAD_HDR)
		return;
	memcpy(&h, buf, sizeof(h));
	r->len = (int)(n - UMAD_HDR);
	r->umad_status = (int)h.status;
	memcpy(r->m, buf + UMAD_HDR, (size_t)r->len);
}

/*
 * Send @m (its TID set here) and wait for the response with that TID.
 * Returns 0 with @r filled, or -1 (nothing, or no answer: r->umad_status).
 */
static int query_len(struct sa *s, uint32_t agent, uint8_t *m, size_t len,
		     struct resp *r)
{
	uint32_t tid = ++s->tid;
	struct timespec t0, t;
	int left = REPLY_MS + 1000;

	put64(m + M_TID, tid);
	if (umad_send(s, agent, m, len, REPLY_MS) != (ssize_t)(UMAD_HDR + len)) {
		check_failed("write to umad: %s", strerror(errno));
		r->len = -1;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		umad_recv(s, r, left);
		if (r->len >= 24 && (uint32_t)get64(r->m + M_TID) == tid) {
			if (r->umad_status)
				return -1;
			if (agent == s->agent)
				s->hi_tid = (uint32_t)(get64(r->m + M_TID) >>
						       32);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = REPLY_MS + 1000 - (int)((t.tv_sec - t0.tv_sec) * 1000 +
					       (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
	r->len = -1;
	return -1;
}

static int query(struct sa *s, uint8_t *m, struct resp *r)
{
	return query_len(s, s->agent, m, MAD_SIZE, r);
}

/* The header of a response to @req, and its status */
static void check_resp_hdr(const uint8_t *req, const struct resp *r,
			   uint8_t method, uint16_t status)
{
	const uint8_t *m = r->m;

	CHECKF(r->len >= MAD_SIZE || (r->len > M_DATA &&
	       method == METHOD_GET_TABLE_RESP), "response length %d", r->len);
	CHECK_EQ(m[M_BASE_VER], 1);
	CHECK_EQ(m[M_CLASS], CLASS_SA);
	CHECK_EQ(m[M_CLASS_VER], req[M_CLASS_VER]);
	CHECK_EQ(m[M_METHOD], method);
	CHECK_EQ(get16(m + M_STATUS), status);
	CHECK_EQ(get16(m + M_ATTR_ID), get16(req + M_ATTR_ID));
	CHECK_EQ(get32(m + M_ATTR_MOD), get32(req + M_ATTR_MOD));
	CHECK_EQ(get64(m + M_SM_KEY), 0);
	CHECK_EQ(get64(m + M_COMP), get64(req + M_COMP));
}

/* Query and check the header; returns 0 if the response came */
static int expect(struct sa *s, uint8_t *req, struct resp *r, uint8_t method,
		  uint16_t status)
{
	if (query(s, req, r)) {
		check_failed("no response (umad status %d)", r->umad_status);
		return -1;
	}
	check_resp_hdr(req, r, method, status);
	return 0;
}

static void check_rmpp_single(const struct resp *r, int nrec, int words)
{
	const uint8_t *m = r->m;

	CHECK_EQ(m[M_RMPP_VER], 1);
	CHECK_EQ(m[M_RMPP_TYPE], 1);			/* DATA */
	CHECK_EQ(m[M_RMPP_FLAGS] & 7, 7);		/* ACTIVE FIRST LAST */
	CHECK_EQ(m[M_RMPP_STATUS], 0);
	CHECK_EQ(get32(m + M_RMPP_SEG), 1);
	CHECK_EQ(get32(m + M_RMPP_PAYLEN), 20 + nrec * words * 8);
	if (nrec)
		CHECK_EQ(get16(m + M_ATTR_OFFSET), words);
}

/* ---- cases ---- */

static int case_failures;

static void case_begin(const char *name)
{
	cur_test = name;
	case_failures = failures;
}

static void case_end(void)
{
	printf("%s %s\n", failures == case_failures ? "PASS" : "FAIL",
	       cur_test);
	fflush(stdout);
	cur_test = NULL;
}

static void t_class_port_info(struct sa *s)
{
	uint8_t q[MAD_SIZE];
	struct resp r;
	const uint8_t *d = r.m + M_DATA;

	case_begin("classportinfo");
	mad_init(q, METHOD_GET, ATTR_CPI, 0);
	if (!expect(s, q, &r, METHOD_GET_RESP, ST_OK)) {
		CHECK_EQ(d[0], 1);			/* BaseVersion */
		CHECK_EQ(d[1], 2);			/* ClassVersion */
		CHECK_EQ(get16(d + 2), 1u << 9);	/* IsUDMulticastSupported */
		/* CapabilityMask2 bit 12 (send-only full member), RespTime */
		CHECK_EQ(get32(d + 4), (1u << 12) << 5 | 18);
		CHECK_EQ(get16(d + 28), 0);		/* no redirection */
	}
	case_end();
}

/* The record the SA must give for the path @src -> @dst */
static void check_path(const uint8_t *p, const struct port *src,
		       const struct port *dst)
{
	uint8_t zero[6] = { 0 };

	CHECKF(!memcmp(p + PR_DGID_O, dst->gid, 16), "dgid %s, expected %s",
	       gidstr(p + PR_DGID_O), gidstr(dst->gid));
	CHECKF(!memcmp(p + PR_SGID_O, src->gid, 16), "sgid %s, expected %s",
	       gidstr(p + PR_SGID_O), gidstr(src->gid));
	CHECK_EQ(get16(p + PR_DLID_O), dst->lid);
	CHECK_EQ(get16(p + PR_SLID_O), src->lid);
	CHECK_EQ(get32(p + PR_FLOW_HOP), 0);
	CHECK_EQ(p[PR_TCLASS_O], 0);
	CHECK_EQ(p[PR_REV_NUMB], 0x81);
	CHECK_EQ(get16(p + PR_PKEY_O), 0xffff);
	CHECK_EQ(get16(p + PR_QOS_SL), 0);
	CHECK_EQ(p[PR_MTU_O], X_MTU);
	CHECK_EQ(p[PR_RATE_O], X_RATE);
	CHECK_EQ(p[PR_PLT_O], X_PLT);
	CHECK_EQ(p[PR_PREF], 0);
	CHECK(!memcmp(p + 58, zero, 6));
}

enum { BY_GID = 1, BY_LID = 2 };

/* A PathRecord Get src -> dst as IPoIB asks (GIDs) or by LIDs */
static void path_get(struct sa *s, const char *name, const struct port *src,
		     const struct port *dst, int by)
{
	uint8_t q[MAD_SIZE];
	struct resp r;
	uint64_t comp = PRC_NUMB_PATH | PRC_PKEY;

	case_begin(name);
	comp |= by == BY_GID ? PRC_SGID | PRC_DGID | PRC_TCLASS :
			       PRC_SLID | PRC_DLID | PRC_REVERSIBLE;
	mad_init(q, METHOD_GET, ATTR_PATH_REC, comp);
	memcpy(q + M_DATA + PR_SGID_O, src->gid, 16);
	memcpy(q + M_DATA + PR_DGID_O, dst->gid, 16);
	put16(q + M_DATA + PR_SLID_O, src->lid);
	put16(q + M_DATA + PR_DLID_O, dst->lid);
	q[M_DATA + PR_REV_NUMB] = 0x81;
	put16(q + M_DATA + PR_PKEY_O, 0xffff);
	if (!expect(s, q, &r, METHOD_GET_RESP, ST_OK)) {
		CHECK_EQ(get16(r.m + M_ATTR_OFFSET), PR_SIZE / 8);
		check_path(r.m + M_DATA, src, dst);
	}
	case_end();
}

/* A path Get with one constraint that no path meets, or that is met */
static void path_constraint(struct sa *s, const char *name, uint64_t comp,
			    int off, const uint8_t *val, int vlen,
			    uint16_t status)
{
	uint8_t q[MAD_SIZE];
	struct resp r;

	case_begin(name);
	mad_init(q, METHOD_GET, ATTR_PATH_REC, PRC_DGID | comp);
	memcpy(q + M_DATA + PR_DGID_O, s->peer.gid, 16);
	memcpy(q + M_DATA + off, val, (size_t)vlen);
	if (!expect(s, q, &r, METHOD_GET_RESP, status) && status == ST_OK)
		check_path(r.m + M_DATA, &s->self, &s->peer);
	case_end();
}

static void t_paths(struct sa *s)
{
	uint8_t q[MAD_SIZE], v[16];
	struct resp r;

	path_get(s, "path-get host->ep by gid", &s->host, &s->ep, BY_GID);
	path_get(s, "path-get ep->host by gid", &s->ep, &s->host, BY_GID);
	path_get(s, "path-get self->self by gid", &s->self, &s->self, BY_GID);
	path_get(s, "path-get peer->peer by gid", &s->peer, &s->peer, BY_GID);
	path_get(s, "path-get host->ep by lid", &s->host, &s->ep, BY_LID);
	path_get(s, "path-get ep->host by lid", &s->ep, &s->host, BY_LID);
	path_get(s, "path-get self->self by lid", &s->self, &s->self, BY_LID);

	/* DGID only: the source is the requester */
	path_constraint(s, "path-get dgid only", 0, 0, v, 0, ST_OK);

	/* rdma_cm's query: ServiceID and QoS class are carried */
	case_begin("path-get rdma_cm style");
	mad_init(q, METHOD_GET, ATTR_PATH_REC,
		 PRC_SERVICE_ID | PRC_SGID | PRC_DGID | PRC_PKEY |
		 PRC_NUMB_PATH | PRC_REVERSIBLE | PRC_QOS_CLASS);
	put64(q + M_DATA + PR_SERVICE_ID, 0x0000000001060000ull | 4791);
	memcpy(q + M_DATA + PR_SGID_O, s->self.gid, 16);
	memcpy(q + M_DATA + PR_DGID_O, s->peer.gid, 16);
	put16(q + M_DATA + PR_PKEY_O, 0xffff);
	q[M_DATA + PR_REV_NUMB] = 0x81;
	put16(q + M_DATA + PR_QOS_SL, 0x0050);	/* QoS class 5, SL 0 */
	if (!expect(s, q, &r, METHOD_GET_RESP, ST_OK)) {
		const uint8_t *p = r.m + M_DATA;

		CHECK_EQ(get64(p + PR_SERVICE_ID), 0x0000000001060000ull | 4791);
		CHECK_EQ(get16(p + PR_QOS_SL), 0x0050);
		CHECK(!memcmp(p + PR_DGID_O, s->peer.gid, 16));
		CHECK_EQ(get16(p + PR_SLID_O), s->self.lid);
	}
	case_end();

	/* constraints */
	memset(v, 0, sizeof(v));
	v[0] = 0xfe;
	v[1] = 0x80;
	v[15] = 0x99;
	path_constraint(s, "path-get unknown dgid", PRC_DGID, PR_DGID_O, v, 16,
			ST_NO_RECORDS);
	v[0] = 0;
	v[1] = 0x01;				/* SL 1 */
	path_constraint(s, "path-get sl 1", PRC_SL, PR_QOS_SL, v, 2,
			ST_NO_RECORDS);
	v[0] = 0x80;
	v[1] = 0x01;				/* P_Key 0x8001 */
	path_constraint(s, "path-get other pkey", PRC_PKEY, PR_PKEY_O, v, 2,
			ST_NO_RECORDS);
	v[0] = 0x7f;
	v[1] = 0xff;				/* limited member of default */
	path_constraint(s, "path-get pkey 0x7fff", PRC_PKEY, PR_PKEY_O, v, 2,
			ST_OK);
	v[0] = 0x80 | 4;			/* exactly 2048 */
	path_constraint(s, "path-get mtu =2048", PRC_MTU_SEL | PRC_MTU,
			PR_MTU_O, v, 1, ST_NO_RECORDS);
	v[0] = 0x00 | 4;			/* more than 2048 */
	path_constraint(s, "path-get mtu >2048", PRC_MTU_SEL | PRC_MTU,
			PR_MTU_O, v, 1, ST_OK);
	v[0] = 0x40 | 5;			/* less than 4096 */
	path_constraint(s, "path-get mtu <4096", PRC_MTU_SEL | PRC_MTU,
			PR_MTU_O, v, 1, ST_NO_RECORDS);
	v[0] = 4;				/* MTU without selector: = */
	path_constraint(s, "path-get mtu 2048 no selector", PRC_MTU,
			PR_MTU_O, v, 1, ST_NO_RECORDS);
	v[0] = 0xc0 | 1;			/* best */
	path_constraint(s, "path-get mtu best", PRC_MTU_SEL | PRC_MTU,
			PR_MTU_O, v, 1, ST_OK);
	v[0] = 0x00 | 7;			/* more than 40 Gb/s */
	path_constraint(s, "path-get rate >40", PRC_RATE_SEL | PRC_RATE,
			PR_RATE_O, v, 1, ST_NO_RECORDS);
	v[0] = 0x40 | 12;			/* less than 56 Gb/s */
	path_constraint(s, "path-get rate <56", PRC_RATE_SEL | PRC_RATE,
			PR_RATE_O, v, 1, ST_OK);
	v[0] = 0x80 | 63;			/* a rate that names nothing */
	path_constraint(s, "path-get rate 63", PRC_RATE_SEL | PRC_RATE,
			PR_RATE_O, v, 1, ST_NO_RECORDS);
	v[0] = 0;				/* NumbPath 0: no path wanted */
	path_constraint(s, "path-get numbpath 0", PRC_NUMB_PATH, PR_REV_NUMB,
			v, 1, ST_NO_RECORDS);

	/* SGID and SLID naming different ports */
	case_begin("path-get sgid/slid disagree");
	mad_init(q, METHOD_GET, ATTR_PATH_REC, PRC_SGID | PRC_SLID | PRC_DLID);
	memcpy(q + M_DATA + PR_SGID_O, s->host.gid, 16);
	put16(q + M_DATA + PR_SLID_O, s->ep.lid);
	put16(q + M_DATA + PR_DLID_O, s->ep.lid);
	expect(s, q, &r, METHOD_GET_RESP, ST_NO_RECORDS);
	case_end();

	/* no destination: two paths from the requester; a Get names one */
	case_begin("path-get ambiguous");
	mad_init(q, METHOD_GET, ATTR_PATH_REC, 0);
	expect(s, q, &r, METHOD_GET_RESP, ST_TOO_MANY);
	case_end();
}

static void t_path_tables(struct sa *s)
{
	uint8_t q[MAD_SIZE];
	struct resp r;

	/* everything: the requester's paths to both ports, host first */
	case_begin("path-gettable all");
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, 0);
	if (!expect(s, q, &r, METHOD_GET_TABLE_RESP, ST_OK)) {
		check_rmpp_single(&r, 2, 8);
		check_path(r.m + M_DATA, &s->self, &s->host);
		check_path(r.m + M_DATA + PR_SIZE, &s->self, &s->ep);
		CHECK_EQ(get64(r.m + M_DATA + 2 * PR_SIZE), 0);
	}
	case_end();

	case_begin("path-gettable from peer lid");
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, PRC_SLID);
	put16(q + M_DATA + PR_SLID_O, s->peer.lid);
	if (!expect(s, q, &r, METHOD_GET_TABLE_RESP, ST_OK)) {
		check_rmpp_single(&r, 2, 8);
		check_path(r.m + M_DATA, &s->peer, &s->host);
		check_path(r.m + M_DATA + PR_SIZE, &s->peer, &s->ep);
	}
	case_end();

	case_begin("path-gettable one");
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, PRC_DGID | PRC_SGID);
	memcpy(q + M_DATA + PR_SGID_O, s->peer.gid, 16);
	memcpy(q + M_DATA + PR_DGID_O, s->self.gid, 16);
	if (!expect(s, q, &r, METHOD_GET_TABLE_RESP, ST_OK)) {
		check_rmpp_single(&r, 1, 8);
		check_path(r.m + M_DATA, &s->peer, &s->self);
	}
	case_end();

	case_begin("path-gettable empty");
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, PRC_DLID);
	put16(q + M_DATA + PR_DLID_O, 77);
	if (!expect(s, q, &r, METHOD_GET_TABLE_RESP, ST_OK))
		check_rmpp_single(&r, 0, 8);
	case_end();

	/*
	 * Through an agent with kernel RMPP: the kernel reassembles the
	 * single segment (its length from PayloadLength) and ACKs it to
	 * the SA, which must swallow the ACK.
	 */
	case_begin("path-gettable kernel rmpp");
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, 0);
	if (query_len(s, s->agent_rmpp, q, MAD_SIZE, &r)) {
		check_failed("no response (umad status %d)", r.umad_status);
	} else {
		CHECK_EQ(r.len, 36 + 20 + 2 * PR_SIZE);
		CHECK_EQ(r.m[M_METHOD], METHOD_GET_TABLE_RESP);
		CHECK_EQ(get16(r.m + M_STATUS), 0);
		check_path(r.m + M_DATA, &s->self, &s->host);
		check_path(r.m + M_DATA + PR_SIZE, &s->self, &s->ep);
	}
	case_end();
}

/* ---- MCMemberRecord ---- */

struct mcm {
	uint8_t mgid[16];
	uint8_t port_gid[16];
	uint32_t qkey;
	uint8_t mtu, rate, sl;
	uint16_t pkey;
	uint8_t join;
	uint64_t comp;
};

static void mcm_req(uint8_t *q, uint8_t method, const struct mcm *x)
{
	uint8_t *d = q + M_DATA;

	mad_init(q, method, ATTR_MCM_REC, x->comp);
	memcpy(d + MC_MGID, x->mgid, 16);
	memcpy(d + MC_PORT_GID, x->port_gid, 16);
	put32(d + MC_QKEY, x->qkey);
	d[MC_MTU] = x->mtu;
	put16(d + MC_PKEY, x->pkey);
	d[MC_RATE] = x->rate;
	put32(d + MC_SL_FLOW_HOP, (uint32_t)x->sl << 28);
	d[MC_SCOPE_JOIN] = x->join;
}

/* A join as IPoIB's for a non-broadcast group: every create component */
static void mcm_create_comps(struct mcm *x, const struct sa *s,
			     const uint8_t *mgid, uint32_t qkey)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->mgid, mgid, 16);
	memcpy(x->port_gid, s->self.gid, 16);
	x->qkey = qkey;
	x->mtu = X_MTU;
	x->rate = X_RATE;
	x->pkey = 0xffff;
	x->join = 1;
	x->comp = MCC_MGID | MCC_PORT_GID | MCC_JOIN_STATE | MCC_CREATE |
		  MCC_MTU_SEL | MCC_MTU | MCC_RATE_SEL | MCC_RATE | MCC_HOP;
}

/* As IPoIB joins its broadcast group: no create components */
static void mcm_plain(struct mcm *x, const struct sa *s, const uint8_t *mgid,
		      uint8_t join)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->mgid, mgid, 16);
	memcpy(x->port_gid, s->self.gid, 16);
	x->pkey = 0xffff;
	x->join = join;
	x->comp = MCC_MGID | MCC_PORT_GID | MCC_PKEY | MCC_JOIN_STATE;
}

/* The group record the SA must answer with */
static void check_mcm(const uint8_t *d, const uint8_t *mgid,
		      const uint8_t *port_gid, uint32_t qkey, uint16_t mlid,
		      uint8_t join)
{
	CHECKF(!memcmp(d + MC_MGID, mgid, 16), "mgid %s, expected %s",
	       gidstr(d + MC_MGID), gidstr(mgid));
	CHECKF(!memcmp(d + MC_PORT_GID, port_gid, 16), "port gid %s, expected %s",
	       gidstr(d + MC_PORT_GID), gidstr(port_gid));
	CHECK_EQ(get32(d + MC_QKEY), qkey);
	if (mlid)
		CHECK_EQ(get16(d + MC_MLID), mlid);
	CHECKF(get16(d + MC_MLID) >= X_MLID_FIRST &&
	       get16(d + MC_MLID) <= X_MLID_LAST, "mlid %#x",
	       get16(d + MC_MLID));
	CHECK_EQ(d[MC_MTU], X_MTU);
	CHECK_EQ(d[MC_TCLASS], 0);
	CHECK_EQ(get16(d + MC_PKEY), 0xffff);
	CHECK_EQ(d[MC_RATE], X_RATE);
	CHECK_EQ(d[MC_PLT], X_PLT);
	CHECK_EQ(get32(d + MC_SL_FLOW_HOP), 0);
	CHECK_EQ(d[MC_SCOPE_JOIN], (mgid[1] & 0xf) << 4 | join);
	CHECK_EQ(d[MC_PROXY], 0);
	CHECK_EQ(get16(d + 50), 0);
}

/* Send an MCMember request; check status; returns the MLID (0: none) */
static uint16_t mcm_do(struct sa *s, uint8_t method, const struct mcm *x,
		       uint16_t status, struct resp *r)
{
	uint8_t q[MAD_SIZE];
	uint8_t rm = method == METHOD_DELETE ? METHOD_DELETE_RESP :
					       METHOD_GET_RESP;

	mcm_req(q, method, x);
	if (expect(s, q, r, rm, status) || status != ST_OK)
		return 0;
	CHECK_EQ(get16(r->m + M_ATTR_OFFSET), 7);
	return get16(r->m + M_DATA + MC_MLID);
}

/* ff12:601b:ffff::<lid>:<n>: a group of our own (not IPoIB's prefix) */
static void own_mgid(const struct sa *s, uint8_t *mgid, uint8_t n)
{
	memset(mgid, 0, 16);
	mgid[0] = 0xff;
	mgid[1] = 0x12;
	mgid[2] = 0x60;
	mgid[3] = 0x1b;
	mgid[4] = 0xff;
	mgid[5] = 0xff;
	mgid[13] = (uint8_t)s->self.lid;
	mgid[15] = n;
}

static void t_mcmember(struct sa *s)
{
	uint8_t g1[16], g2[16], g3[16];
	struct mcm x;
	struct resp r;
	uint16_t mlid;

	own_mgid(s, g1, 1);
	own_mgid(s, g2, 2);
	own_mgid(s, g3, 3);

	case_begin("mcm join create");
	mcm_create_comps(&x, s, g1, 0x11223344);
	mlid = mcm_do(s, METHOD_SET, &x, ST_OK, &r);
	if (mlid)
		check_mcm(r.m + M_DATA, g1, s->self.gid, 0x11223344, 0, 1);
	case_end();

	case_begin("mcm get");
	mcm_plain(&x, s, g1, 0);
	x.comp = MCC_MGID;
	if (mcm_do(s, METHOD_GET, &x, ST_OK, &r))
		check_mcm(r.m + M_DATA, g1, s->self.gid, 0x11223344, mlid, 1);
	case_end();

	case_begin("mcm join again as non-member too");
	mcm_plain(&x, s, g1, 2);
	if (mcm_do(s, METHOD_SET, &x, ST_OK, &r))
		check_mcm(r.m + M_DATA, g1, s->self.gid, 0x11223344, mlid, 3);
	case_end();

	case_begin("mcm join conflicting qkey");
	mcm_create_comps(&x, s, g1, 0x0b1b);
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm join conflicting mtu");
	mcm_create_comps(&x, s, g1, 0x11223344);
	x.mtu = 0x80 | 4;
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm join conflicting sl");
	mcm_create_comps(&x, s, g1, 0x11223344);
	x.sl = 1;
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm join conflicting pkey");
	mcm_plain(&x, s, g1, 1);
	x.pkey = 0x8001;
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm leave full member");
	mcm_plain(&x, s, g1, 1);
	if (mcm_do(s, METHOD_DELETE, &x, ST_OK, &r))
		check_mcm(r.m + M_DATA, g1, s->self.gid, 0x11223344, mlid, 1);
	mcm_plain(&x, s, g1, 0);
	x.comp = MCC_MGID;
	if (mcm_do(s, METHOD_GET, &x, ST_OK, &r))
		check_mcm(r.m + M_DATA, g1, s->self.gid, 0x11223344, mlid, 2);
	case_end();

	case_begin("mcm leave last");
	mcm_plain(&x, s, g1, 2);
	mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
	mcm_plain(&x, s, g1, 0);
	x.comp = MCC_MGID;
	mcm_do(s, METHOD_GET, &x, ST_NO_RECORDS, &r);
	mcm_plain(&x, s, g1, 1);
	mcm_do(s, METHOD_DELETE, &x, ST_REQ_INVALID, &r);
	case_end();

	/* IPoIB's way with its broadcast group: defaults, Q_Key 0x0b1b */
	case_begin("mcm join without create components");
	mcm_plain(&x, s, g2, 1);
	if (mcm_do(s, METHOD_SET, &x, ST_OK, &r))
		check_mcm(r.m + M_DATA, g2, s->self.gid, X_DEFAULT_QKEY, 0, 1);
	mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
	case_end();

	case_begin("mcm send-only full member creates");
	mcm_create_comps(&x, s, g3, 0x55);
	x.join = 8;
	if (mcm_do(s, METHOD_SET, &x, ST_OK, &r))
		check_mcm(r.m + M_DATA, g3, s->self.gid, 0x55, 0, 8);
	mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
	case_end();

	case_begin("mcm non-member cannot create");
	mcm_plain(&x, s, g3, 2);
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm zero mgid assigned");
	mcm_create_comps(&x, s, g1, 0x77);
	memset(x.mgid, 0, 16);
	if (mcm_do(s, METHOD_SET, &x, ST_OK, &r)) {
		uint8_t got[16];

		memcpy(got, r.m + M_DATA + MC_MGID, 16);
		CHECKF(got[0] == 0xff && got[1] == 0x12 && got[2] == 0xa0 &&
		       got[3] == 0x1b, "assigned mgid %s", gidstr(got));
		check_mcm(r.m + M_DATA, got, s->self.gid, 0x77, 0, 1);
		mcm_plain(&x, s, got, 1);
		mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
	}
	case_end();

	case_begin("mcm zero mgid without create components");
	mcm_plain(&x, s, g1, 1);
	memset(x.mgid, 0, 16);
	mcm_do(s, METHOD_SET, &x, ST_INSUFFICIENT, &r);
	case_end();

	case_begin("mcm join without port gid");
	mcm_plain(&x, s, g1, 1);
	x.comp &= ~MCC_PORT_GID;
	mcm_do(s, METHOD_SET, &x, ST_INSUFFICIENT, &r);
	case_end();

	case_begin("mcm join for the other port (proxy)");
	mcm_plain(&x, s, g1, 1);
	memcpy(x.port_gid, s->peer.gid, 16);
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm join unknown port gid");
	mcm_plain(&x, s, g1, 1);
	x.port_gid[15] ^= 0x5a;
	mcm_do(s, METHOD_SET, &x, ST_INVALID_GID, &r);
	case_end();

	case_begin("mcm join state 0");
	mcm_plain(&x, s, g1, 0);
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm unicast mgid");
	mcm_plain(&x, s, s->self.gid, 1);
	mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
	case_end();

	case_begin("mcm get unknown group");
	mcm_plain(&x, s, g3, 0);
	x.comp = MCC_MGID;
	mcm_do(s, METHOD_GET, &x, ST_NO_RECORDS, &r);
	case_end();
}

/* ---- malformed ---- */

/* A request the SA must answer with @status (response method @rm) */
static void bad(struct sa *s, const char *name, uint8_t *q, uint8_t rm,
		uint16_t status)
{
	struct resp r;

	case_begin(name);
	if (!expect(s, q, &r, rm, status) && rm == METHOD_GET_TABLE_RESP)
		check_rmpp_single(&r, 0, 0);
	case_end();
}

/*
 * A MAD the SA must not answer.  It goes out with a TID of our agent and
 * a timeout, so that an answer would be routed to us.  The MAD layer drops
 * an answer to a response unless it is an RMPP segment (rcv_has_same_gid,
 * user RMPP), so what the SA did is checked mostly by the queries after
 * it; anything that does come back with our TID, other than the kernel's
 * timeout notice or our own MAD, is an answer.
 */
static void silent(struct sa *s, uint8_t *q)
{
	uint32_t tid = ++s->tid;
	struct resp r;
	int i;

	put64(q + M_TID, (uint64_t)s->hi_tid << 32 | tid);
	if (umad_send(s, s->agent, q, MAD_SIZE, SILENCE_MS) !=
	    UMAD_HDR + MAD_SIZE) {
		check_failed("write: %s", strerror(errno));
		return;
	}
	for (i = 0; i < 8; i++) {
		umad_recv(s, &r, SILENCE_MS + 1000);
		if (r.len < 0)
			break;
		if (r.len < 24 || (uint32_t)get64(r.m + M_TID) != tid)
			continue;
		if (r.umad_status)
			break;		/* timed out: nobody answered */
		CHECKF(r.len == MAD_SIZE && !memcmp(r.m, q, MAD_SIZE),
		       "answered: method %#x status %#x", r.m[M_METHOD],
		       get16(r.m + M_STATUS));
	}
}

static void t_malformed(struct sa *s)
{
	uint8_t q[MAD_SIZE];
	struct resp r;
	int i, bad_status = 0;

	mad_init(q, METHOD_GET, 0x1234, 0);
	bad(s, "bad unknown attribute", q, METHOD_GET_RESP, ST_UNSUP_METH_ATTR);
	mad_init(q, METHOD_GET, ATTR_NODE_REC, 0);
	bad(s, "bad noderecord (unsupported)", q, METHOD_GET_RESP,
	    ST_UNSUP_METH_ATTR);
	mad_init(q, 0x10, ATTR_PATH_REC, 0);
	bad(s, "bad unknown method", q, 0x90, ST_UNSUP_METHOD);
	mad_init(q, 0x14, ATTR_PATH_REC, 0);		/* GetMulti */
	bad(s, "bad getmulti", q, 0x94, ST_UNSUP_METHOD);
	mad_init(q, METHOD_GET, ATTR_PATH_REC, PRC_DGID);
	q[M_CLASS_VER] = 1;
	bad(s, "bad class version 1", q, METHOD_GET_RESP, ST_BAD_VERSION);
	mad_init(q, METHOD_SET, ATTR_PATH_REC, PRC_DGID);
	bad(s, "bad set pathrecord", q, METHOD_GET_RESP, ST_UNSUP_METH_ATTR);
	mad_init(q, METHOD_DELETE, ATTR_PATH_REC, PRC_DGID);
	bad(s, "bad delete pathrecord", q, METHOD_DELETE_RESP,
	    ST_UNSUP_METH_ATTR);
	mad_init(q, METHOD_SET, ATTR_CPI, 0);
	bad(s, "bad set classportinfo", q, METHOD_GET_RESP, ST_UNSUP_METH_ATTR);
	mad_init(q, METHOD_GET_TABLE, ATTR_CPI, 0);
	bad(s, "bad gettable classportinfo", q, METHOD_GET_TABLE_RESP,
	    ST_UNSUP_METH_ATTR);
	mad_init(q, METHOD_GET_TABLE, ATTR_MCM_REC, 0);
	bad(s, "bad gettable mcmember", q, METHOD_GET_TABLE_RESP,
	    ST_UNSUP_METH_ATTR);
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, C(40));
	bad(s, "bad gettable comp bit 40", q, METHOD_GET_TABLE_RESP,
	    ST_REQ_INVALID);
	mad_init(q, METHOD_GET_TABLE, ATTR_PATH_REC, C(7) | PRC_DLID);
	bad(s, "bad gettable comp bit 7 (reserved)", q, METHOD_GET_TABLE_RESP,
	    ST_REQ_INVALID);
	mad_init(q, METHOD_GET, ATTR_MCM_REC, MCC_MGID | C(18));
	bad(s, "bad mcm comp bit 18", q, METHOD_GET_RESP, ST_REQ_INVALID);
	mad_init(q, METHOD_GET, ATTR_PATH_REC, PRC_DGID);
	put32(q + M_ATTR_MOD, 5);
	bad(s, "bad attribute modifier", q, METHOD_GET_RESP, ST_INVALID_VALUE);
	mad_init(q, METHOD_GET, ATTR_PATH_REC, PRC_DGID);
	memcpy(q + M_DATA + PR_DGID_O, s->peer.gid, 16);
	q[M_RMPP_VER] = 1;
	q[M_RMPP_TYPE] = 1;
	q[M_RMPP_FLAGS] = 7;
	put32(q + M_RMPP_SEG, 1);
	bad(s, "bad rmpp-active get", q, METHOD_GET_RESP, ST_REQ_INVALID);

	/*
	 * Responses sent as if they were requests: the SA must not act on
	 * them.  A join with the response bit (0x82) creates no group; a
	 * leave with it (DeleteResp) leaves the member in its group.
	 */
	case_begin("bad response bit set");
	{
		uint8_t g4[16], g5[16];
		struct mcm x;

		own_mgid(s, g4, 4);
		own_mgid(s, g5, 5);
		mcm_create_comps(&x, s, g4, 0x44);
		mcm_req(q, 0x82, &x);
		silent(s, q);
		mcm_plain(&x, s, g4, 0);
		x.comp = MCC_MGID;
		mcm_do(s, METHOD_GET, &x, ST_NO_RECORDS, &r);

		mcm_create_comps(&x, s, g5, 0x55);
		mcm_do(s, METHOD_SET, &x, ST_OK, &r);
		mcm_plain(&x, s, g5, 1);
		mcm_req(q, METHOD_DELETE_RESP, &x);
		silent(s, q);
		x.comp = MCC_MGID;
		if (mcm_do(s, METHOD_GET, &x, ST_OK, &r))
			check_mcm(r.m + M_DATA, g5, s->self.gid, 0x55, 0, 1);
		mcm_plain(&x, s, g5, 1);
		mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
	}
	case_end();

	/* an RMPP ACK of a GetTableResp nobody sent: swallowed, SA alive */
	case_begin("bad stray rmpp ack");
	mad_init(q, METHOD_GET_TABLE_RESP, ATTR_PATH_REC, 0);
	q[M_RMPP_VER] = 1;
	q[M_RMPP_TYPE] = 2;
	q[M_RMPP_FLAGS] = 1;
	put32(q + M_RMPP_SEG, 1);
	put32(q + M_RMPP_PAYLEN, 1);
	silent(s, q);
	mad_init(q, METHOD_GET, ATTR_CPI, 0);
	expect(s, q, &r, METHOD_GET_RESP, ST_OK);
	case_end();

	/* writes shorter than a MAD: the kernel refuses or zero-fills */
	case_begin("bad short write (refused)");
	mad_init(q, METHOD_GET, ATTR_PATH_REC, 0);
	CHECKF(umad_send(s, s->agent, q, 20, REPLY_MS) < 0 && errno == EINVAL,
	       "a 20-byte MAD was not refused with EINVAL");
	case_end();
	case_begin("bad short write (zero-filled record)");
	mad_init(q, METHOD_GET, ATTR_PATH_REC, PRC_DGID);
	memcpy(q + M_DATA + PR_DGID_O, s->peer.gid, 16);	/* not sent */
	if (query_len(s, s->agent, q, M_DATA, &r)) {
		check_failed("no response (umad status %d)", r.umad_status);
	} else {
		CHECK_EQ(r.m[M_METHOD], METHOD_GET_RESP);
		CHECK_EQ(get16(r.m + M_STATUS), ST_NO_RECORDS);
	}
	case_end();

	/*
	 * Garbage in the SA header and data area: each gets a response with
	 * one of the statuses its attribute can give, and the SA lives on.
	 */
	case_begin("bad garbage data (200 MADs)");
	for (i = 0; i < 200; i++) {
		static const uint16_t attrs[] = { ATTR_PATH_REC, ATTR_MCM_REC,
						  ATTR_CPI };
		static const uint8_t methods[] = { METHOD_GET, METHOD_SET,
						   METHOD_GET_TABLE,
						   METHOD_DELETE };
		uint16_t attr = attrs[rnd() % 3], st;
		uint8_t method = methods[rnd() % 4];
		int j;

		mad_init(q, method, attr, 0);
		for (j = M_SM_KEY; j < MAD_SIZE; j++)
			q[j] = (uint8_t)rnd();
		if (i & 1)	/* half with a mask that names only fields */
			put64(q + M_COMP, rnd() & (attr == ATTR_PATH_REC ?
					  0x7fff7f : 0x3ffff));
		if (query(s, q, &r)) {
			check_failed("MAD %d: no response", i);
			break;
		}
		st = get16(r.m + M_STATUS);
		switch (st) {
		case ST_OK:
		case ST_UNSUP_METH_ATTR:
		case ST_NO_RESOURCES:
		case ST_REQ_INVALID:
		case ST_NO_RECORDS:
		case ST_TOO_MANY:
		case ST_INVALID_GID:
		case ST_INSUFFICIENT:
			break;
		default:
			bad_status++;
			check_failed("MAD %d (method %#x attr %#x): status %#x",
				     i, method, attr, st);
		}
		/* garbage can join only for ourselves: then leave again */
		if (st == ST_OK && attr == ATTR_MCM_REC && method == METHOD_SET) {
			struct mcm x;

			mcm_plain(&x, s, r.m + M_DATA + MC_MGID,
				  r.m[M_DATA + MC_SCOPE_JOIN] & 0xf);
			mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
		}
	}
	CHECK_EQ(bad_status, 0);
	case_end();

	/* afterwards, all is as before */
	t_class_port_info(s);
	path_get(s, "path-get after malformed", &s->self, &s->peer, BY_GID);
}

/* ---- both sides: one group ---- */

static const char *sync_dir;

static void sync_put(const char *name, const char *val)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sa-%s", sync_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", val) < 0 || fclose(f) || rename(tmp, path))
		check_failed("cannot write %s", path);
}

static int sync_get(const char *name, char *val, size_t len, int sec)
{
	char path[512];
	int i;

	snprintf(path, sizeof(path), "%s/sa-%s", sync_dir, name);
	for (i = 0; i < sec * 20; i++) {
		if (!read_sysfs(path, val, len))
			return 0;
		usleep(50000);
	}
	check_failed("peer never wrote %s", path);
	return -1;
}

static void t_two_sided(struct sa *s)
{
	static const uint8_t g[16] = { 0xff, 0x12, 0x60, 0x1b, 0xff, 0xff,
				       [14] = 0x5a, [15] = 0x5a };
	char val[64];
	struct mcm x;
	struct resp r;
	uint16_t mlid;

	if (s->is_host) {
		case_begin("two-sided host creates");
		mcm_create_comps(&x, s, g, 0x12345678);
		mlid = mcm_do(s, METHOD_SET, &x, ST_OK, &r);
		if (mlid)
			check_mcm(r.m + M_DATA, g, s->host.gid, 0x12345678, 0, 1);
		snprintf(val, sizeof(val), "%u", mlid);
		sync_put("host-joined", val);
		case_end();

		case_begin("two-sided host sees the endpoint");
		if (!sync_get("ep-joined", val, sizeof(val), 180)) {
			mcm_plain(&x, s, g, 0);
			memcpy(x.port_gid, s->ep.gid, 16);
			x.comp = MCC_MGID | MCC_PORT_GID;
			if (mcm_do(s, METHOD_GET, &x, ST_OK, &r))
				check_mcm(r.m + M_DATA, g, s->ep.gid,
					  0x12345678, mlid, 1);
		}
		sync_put("host-checked", "1");
		case_end();

		case_begin("two-sided host after the endpoint left");
		if (!sync_get("ep-left", val, sizeof(val), 180)) {
			mcm_plain(&x, s, g, 0);
			memcpy(x.port_gid, s->ep.gid, 16);
			x.comp = MCC_MGID | MCC_PORT_GID;
			mcm_do(s, METHOD_GET, &x, ST_NO_RECORDS, &r);
			mcm_plain(&x, s, g, 1);
			mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
			x.comp = MCC_MGID;
			mcm_do(s, METHOD_GET, &x, ST_NO_RECORDS, &r);
		}
		sync_put("host-done", "1");
		case_end();
		return;
	}

	case_begin("two-sided endpoint joins");
	if (!sync_get("host-joined", val, sizeof(val), 180)) {
		uint16_t hmlid = (uint16_t)strtoul(val, NULL, 0);

		mcm_plain(&x, s, g, 1);
		mlid = mcm_do(s, METHOD_SET, &x, ST_OK, &r);
		if (mlid)
			check_mcm(r.m + M_DATA, g, s->ep.gid, 0x12345678,
				  hmlid, 1);
		mcm_create_comps(&x, s, g, 0x0b1b);
		mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
		mcm_create_comps(&x, s, g, 0x12345678);
		x.rate = 0x80 | 3;
		mcm_do(s, METHOD_SET, &x, ST_REQ_INVALID, &r);
		mcm_plain(&x, s, g, 0);
		memcpy(x.port_gid, s->host.gid, 16);
		x.comp = MCC_MGID | MCC_PORT_GID;
		if (mcm_do(s, METHOD_GET, &x, ST_OK, &r))
			check_mcm(r.m + M_DATA, g, s->host.gid, 0x12345678,
				  hmlid, 1);
	}
	sync_put("ep-joined", "1");
	case_end();

	case_begin("two-sided endpoint leaves");
	if (!sync_get("host-checked", val, sizeof(val), 180)) {
		mcm_plain(&x, s, g, 1);
		mcm_do(s, METHOD_DELETE, &x, ST_OK, &r);
		mcm_do(s, METHOD_DELETE, &x, ST_REQ_INVALID, &r);
	}
	sync_put("ep-left", "1");
	sync_get("host-done", val, sizeof(val), 180);
	case_end();
}

static void usage(void)
{
	fprintf(stderr, "usage: pedma_sa_test [-d DEV] --peer-guid GUID "
			"[--sync DIR] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "peer-guid", required_argument, NULL, 'g' },
		{ "sync", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },
		{ 0 }
	};
	struct sa s = { .dev = "pedma0" };
	uint8_t peer_guid[8];
	bool have_peer = false;
	int c;

	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			s.dev = optarg;
			break;
		case 'g':
			if (parse_guid(optarg, peer_guid))
				usage();
			have_peer = true;
			break;
		case 's':
			sync_dir = optarg;
			break;
		case 'r':
			rng = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			usage();
		}
	}
	if (!have_peer || optind != argc)
		usage();
	if (port_info(&s)) {
		fprintf(stderr, "%s: no port 1 in sysfs\n", s.dev);
		return 1;
	}
	make_gid(s.peer.gid, peer_guid);
	s.host = s.is_host ? s.self : s.peer;
	s.ep = s.is_host ? s.peer : s.self;
	printf("%s: lid %u, sm_lid %u, gid %s, peer gid %s\n", s.dev,
	       s.self.lid, s.sm_lid, gidstr(s.self.gid), gidstr(s.peer.gid));
	if (s.sm_lid != 1 || (s.self.lid != 1 && s.self.lid != 2)) {
		fprintf(stderr, "unexpected LIDs\n");
		return 1;
	}

	s.fd = open_umad(s.dev);
	if (s.fd < 0) {
		fprintf(stderr, "no umad device for %s: %s\n", s.dev,
			strerror(errno));
		return 1;
	}
	if (ioctl(s.fd, IB_USER_MAD_ENABLE_PKEY) ||
	    register_agent(s.fd, 0, &s.agent) ||
	    register_agent(s.fd, 1, &s.agent_rmpp)) {
		fprintf(stderr, "umad setup: %s\n", strerror(errno));
		return 1;
	}
	/* the two sides' TIDs differ, and differ from the last run's */
	s.tid = (uint32_t)s.self.lid << 28 |
		((uint32_t)time(NULL) & 0xfff) << 16;

	t_class_port_info(&s);
	t_paths(&s);
	t_path_tables(&s);
	t_mcmember(&s);
	t_malformed(&s);
	if (sync_dir)
		t_two_sided(&s);
	close(s.fd);
	return check_summary("pedma_sa_test");
}
