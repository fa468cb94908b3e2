// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Protocol test of pedma-lab-model's ivshmem server, host only: starts the
 * real binary and speaks to it as the two QEMUs would, then checks that a
 * register write posted in a mailbox moves data between the RAM files and
 * raises the right eventfds.  Every wait is bounded.
 *
 * usage: test_ivshmem PATH-TO-pedma-lab-model
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pedma/pedma_lab.h>

#include "pedma_check.h"

#define VECTORS		PEDMA_LAB_VECTORS
#define RAM_SIZE	(4u << 20)
#define TIMEOUT_MS	5000
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char dir[64];
static char path_host_sock[128], path_ep_sock[128], path_host_ram[128];
static char path_ep_ram[128], path_ready[128], path_log[128], path_pid[128];
static pid_t model_pid = -1;
#define fail(...) check_failed(__VA_ARGS__)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void cleanup(void)
{
	const char *files[] = { path_host_sock, path_ep_sock, path_host_ram,
				path_ep_ram, path_ready, path_log, path_pid };
	unsigned int i;

	if (model_pid > 0) {
		kill(model_pid, SIGKILL);
		waitpid(model_pid, NULL, 0);
		model_pid = -1;
	}
	for (i = 0; i < ARRAY_SIZE(files); i++)
		unlink(files[i]);
	rmdir(dir);
}

static void dump_log(void)
{
	char buf[4096];
	FILE *f = fopen(path_log, "r");
	size_t n;

	if (!f)
		return;
	fprintf(stderr, "---- model log ----\n");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
	fprintf(stderr, "-------------------\n");
}

static void fatal(const char *what)
{
	fail("%s", what);
	dump_log();
	cleanup();
	exit(1);
}

static void make_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		fatal("create RAM file");
	close(fd);
}

static void *map_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR);
	void *p;

	if (fd < 0)
		fatal("open RAM file");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		fatal("mmap RAM file");
	return p;
}

static void start_model(const char *bin)
{
	long long deadline;
	int status;

	model_pid = fork();
	if (model_pid < 0)
		fatal("fork");
	if (!model_pid) {
		execl(bin, bin, "--host-sock", path_host_sock,
		      "--ep-sock", path_ep_sock, "--host-ram", path_host_ram,
		      "--ep-ram", path_ep_ram, "--ready-file", path_ready,
		      "--pidfile", path_pid, "--log", path_log, "--verbose",
		      (char *)NULL);
		perror("exec");
		_exit(127);
	}
	deadline = now_ms() + TIMEOUT_MS;
	while (access(path_ready, F_OK)) {
		if (waitpid(model_pid, &status, WNOHANG) == model_pid) {
			model_pid = -1;
			fatal("model exited before it was ready");
		}
		if (now_ms() > deadline)
			fatal("model not ready in time");
		usleep(10000);
	}
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		fatal("connect");
	return fd;
}

/* One message: 0 ok, 1 EOF, -1 timeout or error.  *fd is -1 if none came */
static int recv_msg(int sock, int64_t *val, int *fd, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	uint64_t le;
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*fd = -1;
	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	if (n == 0)
		return 1;
	if (n != sizeof(le))
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	}
	*val = (int64_t)le64toh(le);
	return 0;
}

/* Expect one message with value want, with or without an fd */
static int expect_msg(int sock, const char *who, int64_t want, bool with_fd)
{
	int64_t val = 0;
	int fd, r;

	r = recv_msg(sock, &val, &fd, TIMEOUT_MS);
	if (r) {
		fail("%s: expected %lld, got %s", who, (long long)want,
		     r > 0 ? "EOF" : "nothing");
		return -1;
	}
	if (val != want || (fd >= 0) != with_fd) {
		fail("%s: got %lld %s fd, expected %lld %s fd", who,
		     (long long)val, fd >= 0 ? "with" : "without",
		     (long long)want, with_fd ? "with" : "without");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void expect_peer(int sock, const char *who, int64_t id, int *fds)
{
	unsigned int v;

	for (v = 0; v < VECTORS; v++) {
		int fd = expect_msg(sock, who, id, true);

		if (fds)
			fds[v] = fd;
		else if (fd >= 0)
			close(fd);
	}
}

static void expect_quiet(int sock, const char *who)
{
	int64_t val;
	int fd;

	if (!recv_msg(sock, &val, &fd, 200)) {
		fail("%s: unexpected message %lld", who, (long long)val);
		if (fd >= 0)
			close(fd);
	}
}

struct client {
	int sock;
	int shm_fd;
	int model_fd[VECTORS];
	int other_fd[VECTORS];
	int own_fd[VECTORS];
};

static void close_fds(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void client_close(struct client *c)
{
	close_fds(c->model_fd, VECTORS);
	close_fds(c->other_fd, VECTORS);
	close_fds(c->own_fd, VECTORS);
	close_fds(&c->shm_fd, 1);
	close_fds(&c->sock, 1);
}

/* Check the setup burst on c->sock; other_id < 0: no other guest yet */
static void client_setup(struct client *c, const char *who, int64_t id,
			 int64_t other_id)
{
	expect_msg(c->sock, who, 0, false);		/* protocol version */
	expect_msg(c->sock, who, id, false);		/* our id */
	c->shm_fd = expect_msg(c->sock, who, -1, true);	/* shared memory */
	expect_peer(c->sock, who, 0, c->model_fd);	/* the model */
	if (other_id >= 0)
		expect_peer(c->sock, who, other_id, c->other_fd);
	expect_peer(c->sock, who, id, c->own_fd);	/* our own vectors */
	expect_quiet(c->sock, who);
}

static void client_connect(struct client *c, const char *path, const char *who,
			   int64_t id, int64_t other_id)
{
	memset(c, 0xff, sizeof(*c));
	c->sock = connect_to(path);
	client_setup(c, who, id, other_id);
}

static bool fd_signalled(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t count;

	if (fd < 0 || poll(&pfd, 1, timeout_ms) != 1)
		return false;
	return read(fd, &count, sizeof(count)) == sizeof(count) && count > 0;
}

static void ring(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		fatal("eventfd write");
}

/* ------------------------------------------------------------------------ */

static uint32_t prod;

static void post(struct pedma_lab_mbox *mb, uint32_t off, uint32_t val)
{
	mb->ent[prod % PEDMA_LAB_MBOX_ENTRIES].off = htole32(off);
	mb->ent[prod % PEDMA_LAB_MBOX_ENTRIES].val = htole32(val);
	prod++;
	__atomic_store_n(&mb->prod, htole32(prod), __ATOMIC_RELEASE);
}

static bool wait_cons(struct pedma_lab_mbox *mb, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (le32toh(__atomic_load_n(&mb->cons, __ATOMIC_ACQUIRE)) != prod) {
		if (now_ms() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

static uint32_t img(const uint8_t *shm, uint32_t off)
{
	return le32toh(__atomic_load_n((const uint32_t *)(shm + PEDMA_LAB_REGS_OFF + off),
				       __ATOMIC_ACQUIRE));
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/*
 * Kicks must be served at once, not by the 100 ms safety poll: without the
 * kick the median wait would be about 50 ms.
 */
static void check_kick_latency(struct client *ep, struct pedma_lab_mbox *mb)
{
	long long lat[21], t0;
	uint64_t one = 1;
	unsigned int i;

	for (i = 0; i < 21; i++) {
		usleep(3000 + i * 1500);	/* spread over the poll period */
		post(mb, EDMA_V0_RD_INT_CLEAR, 0);
		t0 = now_ms();
		if (write(ep->model_fd[PEDMA_LAB_MODEL_VEC_KICK], &one,
			  sizeof(one)) != sizeof(one))
			fatal("kick");
		if (!wait_cons(mb, TIMEOUT_MS))
			fatal("kick not served");
		lat[i] = now_ms() - t0;
	}
	qsort(lat, 21, sizeof(lat[0]), cmp_ll);
	if (lat[10] > 20)
		fail("median kick latency %lld ms: kicks not served", lat[10]);
}

static void test_dma(struct client *host, struct client *ep)
{
	const struct pedma_lab_hdr *h;
	struct pedma_lab_mbox *mb;
	uint8_t *shm, *host_ram, *ep_ram, *guard;
	struct stat st;
	unsigned int i;

	if (fstat(ep->shm_fd, &st) || st.st_size != PEDMA_LAB_SHM_SIZE)
		fatal("shm fd size");
	shm = mmap(NULL, PEDMA_LAB_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   ep->shm_fd, 0);
	if (shm == MAP_FAILED)
		fatal("mmap shm");
	h = (const struct pedma_lab_hdr *)(shm + PEDMA_LAB_HDR_OFF);
	CHECK(le64toh(h->magic) == PEDMA_LAB_MAGIC);
	CHECK(le32toh(h->version) == PEDMA_LAB_VERSION);
	CHECK(le32toh(h->vectors) == VECTORS);
	CHECK(le32toh(h->model_id) == 0);
	CHECK(le32toh(h->host_id) == 1);
	CHECK(le32toh(h->ep_id) == 2);
	CHECK(le32toh(h->shm_size) == PEDMA_LAB_SHM_SIZE);
	CHECK(le32toh(h->regs_off) == PEDMA_LAB_REGS_OFF);
	CHECK(le32toh(h->wnd_off) == PEDMA_LAB_WND_OFF);
	CHECK(le32toh(h->wnd_size) == PEDMA_LAB_SHM_SIZE - PEDMA_LAB_WND_OFF);
	CHECK(le64toh(h->msi_base) == PEDMA_LAB_MSI_BASE);
	CHECK(le32toh(h->mbox_off[1]) == PEDMA_LAB_MBOX_EP_OFF);
	CHECK(le64toh(h->ep_bar2_base) == 0);
	CHECK(img(shm, EDMA_V0_CTRL) == (4 | 4 << 16));
	CHECK(img(shm, EDMA_V0_RD_INT_MASK) == 0x00ff00ff);

	/* A read channel: host RAM 0x1000 -> endpoint RAM 0x2000 */
	host_ram = map_file(path_host_ram, RAM_SIZE);
	ep_ram = map_file(path_ep_ram, RAM_SIZE);
	guard = malloc(RAM_SIZE);
	if (!guard)
		fatal("malloc");
	for (i = 0; i < 256; i++)
		host_ram[0x1000 + i] = (uint8_t)(i * 3 + 1);
	memset(ep_ram, 0xee, RAM_SIZE);
	memcpy(guard, ep_ram, RAM_SIZE);
	memcpy(guard + 0x2000, host_ram + 0x1000, 256);

	mb = (struct pedma_lab_mbox *)(shm + PEDMA_LAB_MBOX_EP_OFF);
	prod = le32toh(mb->cons);
	post(mb, EDMA_V0_RD_ENGINE_EN, 1);
	post(mb, EDMA_V0_RD_INT_MASK, 0);
	post(mb, EDMA_V0_RD_DONE_IMWR_LO, (uint32_t)(PEDMA_LAB_MSI_BASE + 4 * 3));
	post(mb, EDMA_V0_RD_DONE_IMWR_HI, (uint32_t)(PEDMA_LAB_MSI_BASE >> 32));
	post(mb, EDMA_V0_RD_CH(0) + EDMA_V0_CH_CTRL1, EDMA_V0_LIE | EDMA_V0_RIE);
	post(mb, EDMA_V0_RD_CH(0) + EDMA_V0_CH_XFER_SIZE, 256);
	post(mb, EDMA_V0_RD_CH(0) + EDMA_V0_CH_SAR_LO, 0x1000);
	post(mb, EDMA_V0_RD_CH(0) + EDMA_V0_CH_SAR_HI, 0);
	post(mb, EDMA_V0_RD_CH(0) + EDMA_V0_CH_DAR_LO, 0x2000);
	post(mb, EDMA_V0_RD_CH(0) + EDMA_V0_CH_DAR_HI, 0);
	post(mb, EDMA_V0_RD_DOORBELL, 0);
	/* What BAR0 doorbell (0 << 16 | KICK) makes QEMU do */
	ring(ep->model_fd[PEDMA_LAB_MODEL_VEC_KICK]);
	CHECK(wait_cons(mb, TIMEOUT_MS));
	CHECK(img(shm, EDMA_V0_RD_INT_STATUS) == EDMA_V0_INT_DONE(0));
	CHECK(((img(shm, EDMA_V0_RD_CH(0) + EDMA_V0_CH_CTRL1) &
		EDMA_V0_CH_STATUS_MASK) >> EDMA_V0_CH_STATUS_SHIFT) ==
	      EDMA_V0_CH_STATUS_STOPPED);
	CHECK(!memcmp(ep_ram, guard, RAM_SIZE));
	/* LIE: the endpoint's read vector; RIE to the aperture: host vector 3 */
	CHECK(fd_signalled(ep->own_fd[PEDMA_LAB_VEC_EDMA_RD], TIMEOUT_MS));
	CHECK(fd_signalled(host->own_fd[3], TIMEOUT_MS));
	CHECK(!fd_signalled(ep->own_fd[PEDMA_LAB_VEC_EDMA_WR], 0));
	CHECK(!fd_signalled(host->own_fd[PEDMA_LAB_VEC_EDMA_RD], 0));

	/* A lost kick: the safety poll still applies the entry */
	post(mb, EDMA_V0_RD_INT_CLEAR, EDMA_V0_INT_DONE(0));
	CHECK(wait_cons(mb, TIMEOUT_MS));
	CHECK(img(shm, EDMA_V0_RD_INT_STATUS) == 0);

	check_kick_latency(ep, mb);

	free(guard);
	munmap(host_ram, RAM_SIZE);
	munmap(ep_ram, RAM_SIZE);
	munmap(shm, PEDMA_LAB_SHM_SIZE);
}

/* The model's main thread is blocked in epoll_wait (not in its loop body) */
static bool model_in_epoll_wait(void)
{
	char path[64], buf[64];
	long nr;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)model_pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	nr = fgets(buf, sizeof(buf), f) ? strtol(buf, NULL, 10) : -1;
	fclose(f);
#ifdef SYS_epoll_wait
	if (nr == SYS_epoll_wait)
		return true;
#endif
	return nr == SYS_epoll_pwait;
}

/* SIGSTOP the model while it sleeps in epoll_wait; bounded retries */
static void model_freeze(void)
{
	int i;

	for (i = 0; i < 200; i++) {
		kill(model_pid, SIGSTOP);
		usleep(2000);
		if (model_in_epoll_wait())
			return;
		kill(model_pid, SIGCONT);
		usleep(3000 + i * 100);
	}
	fatal("model never seen in epoll_wait");
}

static bool log_has(const char *needle)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path_log, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/*
 * A guest killed with entries in its mailbox that the model has not
 * applied: the model drops them when it sees the hangup (they are never
 * applied, not even on the other guest's kick) and publishes cons = prod.
 * The killed guest's successor connects before the model saw the hangup
 * (a restart) and is served, not refused.  Deterministic: the model is
 * frozen in epoll_wait while the guest posts, hangs up and reconnects, so
 * it wakes with the hangup and the new connection in one batch.
 */
static void test_gone_guest(struct client *host, struct client *ep)
{
	struct pedma_lab_mbox *mb, *hmb;
	uint32_t hprod;
	uint8_t *shm;

	shm = mmap(NULL, PEDMA_LAB_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   host->shm_fd, 0);
	if (shm == MAP_FAILED)
		fatal("mmap shm");
	mb = (struct pedma_lab_mbox *)(shm + PEDMA_LAB_MBOX_EP_OFF);
	hmb = (struct pedma_lab_mbox *)(shm + PEDMA_LAB_MBOX_HOST_OFF);
	CHECK(img(shm, EDMA_V0_WR_CH01_IMWR_DATA) == 0);

	model_freeze();
	prod = le32toh(mb->cons);
	post(mb, EDMA_V0_WR_CH01_IMWR_DATA, 0x4242);
	post(mb, EDMA_V0_WR_CH23_IMWR_DATA, 0x4343);
	client_close(ep);
	memset(ep, 0xff, sizeof(*ep));
	ep->sock = connect_to(path_ep_sock);	/* in the backlog for now */
	kill(model_pid, SIGCONT);

	client_setup(ep, "ep restarted", 2, 1);
	CHECK(wait_cons(mb, TIMEOUT_MS));
	expect_quiet(host->sock, "host (ep restarted)");
	ring(host->other_fd[2]);
	CHECK(fd_signalled(ep->own_fd[2], TIMEOUT_MS));

	/* The host kicks: its own entry is applied, the dead ep's are not */
	hprod = prod;
	prod = le32toh(hmb->cons);
	post(hmb, EDMA_V0_RD_CH01_IMWR_DATA, 0x5151);
	ring(host->model_fd[PEDMA_LAB_MODEL_VEC_KICK]);
	CHECK(wait_cons(hmb, TIMEOUT_MS));
	CHECK(img(shm, EDMA_V0_RD_CH01_IMWR_DATA) == 0x5151);
	CHECK(img(shm, EDMA_V0_WR_CH01_IMWR_DATA) == 0);
	CHECK(img(shm, EDMA_V0_WR_CH23_IMWR_DATA) == 0);
	CHECK(le32toh(mb->cons) == hprod);
	CHECK(log_has("ep mailbox: 2 unapplied entries dropped"));

	/* The new ep posts from cons on, as the driver's probe does */
	prod = le32toh(mb->cons);
	post(mb, EDMA_V0_WR_CH01_IMWR_DATA, 0x4444);
	ring(ep->model_fd[PEDMA_LAB_MODEL_VEC_KICK]);
	CHECK(wait_cons(mb, TIMEOUT_MS));
	CHECK(img(shm, EDMA_V0_WR_CH01_IMWR_DATA) == 0x4444);
	munmap(shm, PEDMA_LAB_SHM_SIZE);
}

static void test_second_client_refused(void)
{
	int64_t val;
	int fd, sock = connect_to(path_host_sock);

	if (recv_msg(sock, &val, &fd, TIMEOUT_MS) != 1) {
		fail("second host client was not refused");
		if (fd >= 0)
			close(fd);
	}
	close(sock);
}

static void stop_model(void)
{
	long long deadline = now_ms() + TIMEOUT_MS;
	int status;
	pid_t r;

	kill(model_pid, SIGTERM);
	while ((r = waitpid(model_pid, &status, WNOHANG)) == 0) {
		if (now_ms() > deadline)
			fatal("model did not exit on SIGTERM");
		usleep(10000);
	}
	model_pid = -1;
	CHECK(r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(access(path_host_sock, F_OK) && errno == ENOENT);
	CHECK(access(path_ep_sock, F_OK) && errno == ENOENT);
	CHECK(access(path_ready, F_OK) && errno == ENOENT);
}

int main(int argc, char **argv)
{
	struct client host, ep;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-pedma-lab-model\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/pedma-ivs-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path_host_sock, sizeof(path_host_sock), "%s/host.sock", dir);
	snprintf(path_ep_sock, sizeof(path_ep_sock), "%s/ep.sock", dir);
	snprintf(path_host_ram, sizeof(path_host_ram), "%s/host.ram", dir);
	snprintf(path_ep_ram, sizeof(path_ep_ram), "%s/ep.ram", dir);
	snprintf(path_ready, sizeof(path_ready), "%s/ready", dir);
	snprintf(path_log, sizeof(path_log), "%s/model.log", dir);
	snprintf(path_pid, sizeof(path_pid), "%s/model.pid", dir);
	make_file(path_host_ram, RAM_SIZE);
	make_file(path_ep_ram, RAM_SIZE);
	start_model(argv[1]);

	/* The host comes first: only the model is there */
	client_connect(&host, path_host_sock, "host", 1, -1);
	test_second_client_refused();
	/* The endpoint sees the model and the host; the host hears it join */
	client_connect(&ep, path_ep_sock, "ep", 2, 1);
	expect_peer(host.sock, "host (ep joined)", 2, host.other_fd);
	expect_quiet(host.sock, "host");

	test_dma(&host, &ep);

	/*
	 * The endpoint leaves: the host is not told (QEMU's "peer left"
	 * handling breaks a later rejoin with the same id); a doorbell the
	 * host rings meanwhile is discarded.
	 */
	client_close(&ep);
	expect_quiet(host.sock, "host (ep left)");
	ring(host.other_fd[0]);

	/*
	 * and comes back: the whole setup for it, nothing for the host, whose
	 * eventfds for the endpoint reach the new one
	 */
	client_connect(&ep, path_ep_sock, "ep again", 2, 1);
	expect_quiet(host.sock, "host (ep back)");
	CHECK(!fd_signalled(ep.own_fd[0], 0));
	ring(host.other_fd[0]);
	CHECK(fd_signalled(ep.own_fd[0], TIMEOUT_MS));
	ring(ep.other_fd[1]);
	CHECK(fd_signalled(host.own_fd[1], TIMEOUT_MS));
	test_gone_guest(&host, &ep);
	client_close(&ep);
	client_close(&host);

	stop_model();
	if (failures)
		dump_log();
	cleanup();
	return check_summary("test_ivshmem");
}
