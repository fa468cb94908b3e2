// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pedma_pma_query: ask a port's performance management agent over QP1,
 * through the kernel's user MAD interface, registered for the PerfMgt
 * class only (perfquery also registers the SMI class, which needs a QP0
 * that pedma has not).  Used by tests/lab/t-counters.sh.
 *
 *   pedma_pma_query -d DEV -l LID cpi|pc|pcx
 *
 * cpi: ClassPortInfo, prints "CapabilityMask 0x...";
 * pc:  PortCounters, pcx: PortCountersExtended, print "Name value" lines.
 * Exits 0 only for a well-formed GetResp with status 0 that echoes the
 * attribute, the TID and (counters) PortSelect 1.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <rdma/ib_user_mad.h>

#define MAD_SIZE	256
#define CLASS_PERF	0x04
#define GSI_QKEY	0x80010000u
#define ATTR_CPI	0x0001
#define ATTR_PC		0x0012
#define ATTR_PCX	0x001d
#define DATA		64	/* PerfMgt data: after the 24 + 40 byte header */
#define REPLY_MS	3000

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

/* The umad node of DEV port 1; made with mknod if no devtmpfs made it */
static int open_umad(const char *dev)
{
	char path[256], buf[64];
	int i;

	for (i = 0; i < 64; i++) {
		unsigned int maj, min;
		int fd;

		snprintf(path, sizeof(path), "/sys/class/infiniband_mad/umad%d/ibdev", i);
		if (read_sysfs(path, buf, sizeof(buf)) || strcmp(buf, dev))
			continue;
		snprintf(path, sizeof(path), "/sys/class/infiniband_mad/umad%d/port", i);
		if (read_sysfs(path, buf, sizeof(buf)) || strcmp(buf, "1"))
			continue;
		snprintf(path, sizeof(path), "/dev/infiniband/umad%d", i);
		fd = open(path, O_RDWR);
		if (fd >= 0 || errno != ENOENT)
			return fd;
		snprintf(path, sizeof(path), "/sys/class/infiniband_mad/umad%d/dev", i);
		if (read_sysfs(path, buf, sizeof(buf)) ||
		    sscanf(buf, "%u:%u", &maj, &min) != 2)
			return -1;
		snprintf(path, sizeof(path), "/tmp/pedma-pma-umad%d", i);
		unlink(path);
		if (mknod(path, S_IFCHR | 0600, makedev(maj, min)))
			return -1;
		return open(path, O_RDWR);
	}
	errno = ENODEV;
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: pedma_pma_query -d DEV -l LID cpi|pc|pcx\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint8_t buf[sizeof(struct ib_user_mad_hdr) + MAD_SIZE];
	uint8_t *m = buf + sizeof(struct ib_user_mad_hdr);
	struct ib_user_mad_reg_req reg;
	struct ib_user_mad_hdr h;
	const char *dev = NULL;
	uint16_t attr, lid = 0;
	uint64_t tid;
	struct pollfd p;
	ssize_t n;
	int fd, opt;

	while ((opt = getopt(argc, argv, "d:l:")) != -1) {
		if (opt == 'd')
			dev = optarg;
		else if (opt == 'l')
			lid = (uint16_t)strtoul(optarg, NULL, 0);
		else
			usage();
	}
	if (!dev || !lid || optind != argc - 1)
		usage();
	if (!strcmp(argv[optind], "cpi"))
		attr = ATTR_CPI;
	else if (!strcmp(argv[optind], "pc"))
		attr = ATTR_PC;
	else if (!strcmp(argv[optind], "pcx"))
		attr = ATTR_PCX;
	else
		usage();

	fd = open_umad(dev);
	if (fd < 0) {
		fprintf(stderr, "umad of %s: %s\n", dev, strerror(errno));
		return 1;
	}
	/* the header with pkey_index (struct ib_user_mad_hdr) */
	if (ioctl(fd, IB_USER_MAD_ENABLE_PKEY)) {
		fprintf(stderr, "umad enable pkey: %s\n", strerror(errno));
		return 1;
	}
	memset(&reg, 0, sizeof(reg));
	reg.qpn = 1;
	reg.mgmt_class = CLASS_PERF;
	reg.mgmt_class_version = 1;
	if (ioctl(fd, IB_USER_MAD_REGISTER_AGENT, &reg)) {
		fprintf(stderr, "register PerfMgt agent: %s\n", strerror(errno));
		return 1;
	}

	memset(buf, 0, sizeof(buf));
	memset(&h, 0, sizeof(h));
	h.id = reg.id;
	h.timeout_ms = REPLY_MS;
	h.qpn = htobe32(1);
	h.qkey = htobe32(GSI_QKEY);
	h.lid = htobe16(lid);
	memcpy(buf, &h, sizeof(h));
	tid = ((uint64_t)getpid() << 8) | 0x5a;
	m[0] = 1;		/* base version */
	m[1] = CLASS_PERF;
	m[2] = 1;		/* class version */
	m[3] = 0x01;		/* Get */
	tid = htobe64(tid);
	memcpy(m + 8, &tid, 8);
	m[16] = attr >> 8;
	m[17] = attr & 0xff;
	if (attr != ATTR_CPI)
		m[DATA + 1] = 1;	/* PortSelect */
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		fprintf(stderr, "write to umad: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, REPLY_MS + 1000) <= 0) {
			fprintf(stderr, "no answer from LID %u\n", lid);
			return 1;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < (ssize_t)(sizeof(h) + DATA)) {
			fprintf(stderr, "short read %zd\n", n);
			return 1;
		}
		memcpy(&h, buf, sizeof(h));
		if (h.status) {
			fprintf(stderr, "umad status %u (%s)\n", h.status,
				strerror((int)h.status));
			return 1;
		}
		/* the kernel puts its agent in the TID's high half */
		if ((uint32_t)get64(m + 8) == (uint32_t)be64toh(tid))
			break;
	}
	if (m[1] != CLASS_PERF || m[3] != 0x81 ||
	    ((m[16] << 8) | m[17]) != attr || m[4] || m[5]) {
		fprintf(stderr, "bad answer: class %#x method %#x attr %#x status %#x\n",
			m[1], m[3], (m[16] << 8) | m[17], (m[4] << 8) | m[5]);
		return 1;
	}
	switch (attr) {
	case ATTR_CPI:
		printf("CapabilityMask %#x\n", (m[DATA + 2] << 8) | m[DATA + 3]);
		break;
	case ATTR_PC:
		if (m[DATA + 1] != 1)
			return fprintf(stderr, "PortSelect %u\n", m[DATA + 1]), 1;
		printf("LinkDownedCounter %u\n", m[DATA + 7]);
		printf("PortXmitData %" PRIu32 "\n", get32(m + DATA + 24));
		printf("PortRcvData %" PRIu32 "\n", get32(m + DATA + 28));
		printf("PortXmitPkts %" PRIu32 "\n", get32(m + DATA + 32));
		printf("PortRcvPkts %" PRIu32 "\n", get32(m + DATA + 36));
		break;
	default:
		if (m[DATA + 1] != 1)
			return fprintf(stderr, "PortSelect %u\n", m[DATA + 1]), 1;
		printf("PortXmitData %" PRIu64 "\n", get64(m + DATA + 8));
		printf("PortRcvData %" PRIu64 "\n", get64(m + DATA + 16));
		printf("PortXmitPkts %" PRIu64 "\n", get64(m + DATA + 24));
		printf("PortRcvPkts %" PRIu64 "\n", get64(m + DATA + 32));
		printf("PortUnicastXmitPkts %" PRIu64 "\n", get64(m + DATA + 40));
		printf("PortUnicastRcvPkts %" PRIu64 "\n", get64(m + DATA + 48));
		break;
	}
	close(fd);
	return 0;
}
