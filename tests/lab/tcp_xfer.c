// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_xfer: move one file over a TCP connection, for the lab's IPoIB test
 * (t-ipoib.sh), which compares the SHA-256 of what was sent and what
 * arrived.  No netcat or socat on the machine; iperf3 -F cannot be used
 * because its server stops reading when the test time is up, not at the end
 * of the file.
 *
 *   tcp_xfer recv PORT FILE       accept one connection (IPv4 or IPv6) on
 *                                 PORT, write everything up to EOF to FILE,
 *                                 reply with the byte count
 *   tcp_xfer send HOST PORT FILE  connect, send FILE, half-close, and check
 *                                 the receiver's byte count
 *
 * The count is 8 bytes, big-endian.  Exit status 0 only when the whole file
 * went through and both sides agree on its length.  Every blocking call has
 * a 120 s limit (SO_RCVTIMEO/SO_SNDTIMEO).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define XFER_CHUNK (256 * 1024)
#define XFER_IO_TIMEOUT_S 120

static unsigned char xfer_buf[XFER_CHUNK];

static int die(const char *what)
{
	fprintf(stderr, "tcp_xfer: %s: %s\n", what, strerror(errno));
	return 1;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = XFER_IO_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* write() until all of len went out; 0 or -1 with errno. */
static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read() exactly len bytes; 0, or -1 with errno (EPIPE for an early EOF). */
static int read_all(int fd, unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EPIPE;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static int do_recv(const char *port, const char *path)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char host[NI_MAXHOST] = "?";
	unsigned char cnt[8];
	uint64_t total = 0;
	int one = 1, zero = 0;
	int ls, cs, out;
	char *end;
	long pnum;

	pnum = strtol(port, &end, 10);
	if (*end || pnum <= 0 || pnum > 65535) {
		fprintf(stderr, "tcp_xfer: bad port '%s'\n", port);
		return 2;
	}
	sa.sin6_port = htons((uint16_t)pnum);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return die(path);
	ls = socket(AF_INET6, SOCK_STREAM, 0);
	if (ls < 0)
		return die("socket");
	/* One socket for IPv4 (mapped) and IPv6 peers. */
	setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)))
		return die("bind");
	if (listen(ls, 1))
		return die("listen");
	cs = accept(ls, (struct sockaddr *)&peer, &plen);
	if (cs < 0)
		return die("accept");
	close(ls);
	getnameinfo((struct sockaddr *)&peer, plen, host, sizeof(host), NULL, 0,
		    NI_NUMERICHOST);
	set_timeouts(cs);
	for (;;) {
		ssize_t n = read(cs, xfer_buf, sizeof(xfer_buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return die("read");
		if (n == 0)
			break;
		if (write_all(out, xfer_buf, (size_t)n))
			return die(path);
		total += (uint64_t)n;
	}
	if (fsync(out) || close(out))
		return die(path);
	put_be64(cnt, total);
	if (write_all(cs, cnt, sizeof(cnt)))
		return die("write count");
	close(cs);
	printf("tcp_xfer: received %llu bytes from %s\n", (unsigned long long)total, host);
	return 0;
}

static int do_send(const char *host, const char *port, const char *path)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	unsigned char cnt[8];
	uint64_t total = 0, got;
	int fd = -1, in, rc;

	in = open(path, O_RDONLY);
	if (in < 0)
		return die(path);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "tcp_xfer: %s port %s: %s\n", host, port, gai_strerror(rc));
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		set_timeouts(fd);
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return die("connect");
	for (;;) {
		ssize_t n = read(in, xfer_buf, sizeof(xfer_buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return die(path);
		if (n == 0)
			break;
		if (write_all(fd, xfer_buf, (size_t)n))
			return die("write");
		total += (uint64_t)n;
	}
	close(in);
	if (shutdown(fd, SHUT_WR))
		return die("shutdown");
	if (read_all(fd, cnt, sizeof(cnt)))
		return die("read count");
	close(fd);
	got = get_be64(cnt);
	printf("tcp_xfer: sent %llu bytes to %s, receiver counted %llu\n",
	       (unsigned long long)total, host, (unsigned long long)got);
	if (got != total) {
		fprintf(stderr, "tcp_xfer: byte count mismatch\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: tcp_xfer recv PORT FILE\n"
			"       tcp_xfer send HOST PORT FILE\n");
	return 2;
}
