// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * pedma-lab-model: the lab's ivshmem server and DesignWare eDMA v0 model.
 *
 * One process serves both guests: it owns the shared memory (BAR2 of each
 * guest's ivshmem-doorbell device), maps both guests' RAM files, applies
 * the register writes the guests post in their mailboxes, moves the data
 * and raises the guests' interrupts.  Idle, it sleeps in epoll_wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "edma.h"
#include "ivshmem.h"
#include "log.h"
#include "pace.h"
#include "profile.h"

/*
 * Guests kick the model after posting mailbox entries.  The mailboxes are
 * also drained on every wakeup, and the wait times out after this long, so
 * that a lost kick delays a guest by one period instead of forever.  Every
 * wakeup also advances the heartbeat (edma_process_mailboxes()), so the
 * beat moves at least this often: also while a paced chain waits for its
 * next deadline, however far that is.
 */
#define MODEL_SAFETY_POLL_MS	100
_Static_assert(MODEL_SAFETY_POLL_MS <= 100,
	       "pedma_lab.h: the beat advances at least every 100 ms");

#define MODEL_SHM_MIN		(4ULL << 20)
#define MODEL_SHM_MAX		(1ULL << 30)
#define MODEL_TAG_SIGNAL	IVS_TAG(IVS_TAG_OTHER, 0)
#define MODEL_TAG_TIMER		IVS_TAG(IVS_TAG_OTHER, 1)

struct model_opts {
	const char *host_sock;
	const char *ep_sock;
	const char *host_ram;
	const char *ep_ram;
	const char *log_path;
	const char *pidfile;
	const char *ready_file;
	uint64_t shm_size;
	unsigned int vectors;
	unsigned int wr_ch;
	unsigned int rd_ch;
	bool fill_garbage;
	uint64_t garbage_seed;
	bool verbose;
	bool no_guard;
	bool print_limits;
	struct link_profile prof;
};

struct ram_map {
	void *base;
	uint64_t size;
};

/* "unlimited, gen3x4, ..." */
static const char *profile_names(void)
{
	static char names[128];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < link_profile_count() && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
				      i ? ", " : "", link_profile_at(i)->name);
	return names;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pedma-lab-model --host-sock PATH --ep-sock PATH\n"
		"                       --host-ram FILE --ep-ram FILE [options]\n"
		"  --shm-size BYTES      shared memory size, power of two >= 4M (default %u;\n"
		"                        k/m/g suffixes accepted)\n"
		"  --vectors N           MSI-X vectors per guest, 3..%u (default %u)\n"
		"  --wr-ch N, --rd-ch N  eDMA write/read channels, 1..8 (default 4, 4)\n"
		"  --fill-garbage SEED   fill the pedma window with pseudo-random bytes\n"
		"  --no-guard            do not check eDMA accesses against the guests'\n"
		"                        DMA guard tables\n"
		"  --link-profile NAME   pace the eDMA at a PCIe link's rate, one of\n"
		"                        %s\n"
		"                        (default unlimited: no pacing)\n"
		"  --mps N, --mrrs N     Max_Payload_Size, Max_Read_Request_Size of the\n"
		"                        link profile: 128..4096, a power of two\n"
		"                        (default %u, %u)\n"
		"  --print-limits        print the link profile's limits and exit\n"
		"  --log FILE            log here instead of stderr\n"
		"  --verbose             trace every doorbell\n"
		"  --pidfile FILE        write the pid here\n"
		"  --ready-file FILE     create FILE once both sockets listen\n",
		PEDMA_LAB_SHM_SIZE, EDMA_MAX_VECTORS, PEDMA_LAB_VECTORS,
		profile_names(), LINK_MPS_DEFAULT, LINK_MRRS_DEFAULT);
}

static int parse_u64(const char *s, uint64_t *out, bool suffix)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	if (suffix && *end) {
		switch (*end++) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			return -1;
		}
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	uint64_t v;

	if (parse_u64(s, &v, false) || v < min || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

enum {
	OPT_HOST_SOCK = 256, OPT_EP_SOCK, OPT_HOST_RAM, OPT_EP_RAM,
	OPT_SHM_SIZE, OPT_VECTORS, OPT_WR_CH, OPT_RD_CH, OPT_GARBAGE,
	OPT_LOG, OPT_VERBOSE, OPT_PIDFILE, OPT_READY, OPT_HELP,
	OPT_NO_GUARD, OPT_LINK_PROFILE, OPT_MPS, OPT_MRRS, OPT_PRINT_LIMITS,
};

static const struct option model_longopts[] = {
	{ "host-sock", required_argument, NULL, OPT_HOST_SOCK },
	{ "ep-sock", required_argument, NULL, OPT_EP_SOCK },
	{ "host-ram", required_argument, NULL, OPT_HOST_RAM },
	{ "ep-ram", required_argument, NULL, OPT_EP_RAM },
	{ "shm-size", required_argument, NULL, OPT_SHM_SIZE },
	{ "vectors", required_argument, NULL, OPT_VECTORS },
	{ "wr-ch", required_argument, NULL, OPT_WR_CH },
	{ "rd-ch", required_argument, NULL, OPT_RD_CH },
	{ "fill-garbage", required_argument, NULL, OPT_GARBAGE },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "no-guard", no_argument, NULL, OPT_NO_GUARD },
	{ "link-profile", required_argument, NULL, OPT_LINK_PROFILE },
	{ "mps", required_argument, NULL, OPT_MPS },
	{ "mrrs", required_argument, NULL, OPT_MRRS },
	{ "print-limits", no_argument, NULL, OPT_PRINT_LIMITS },
	{ NULL, 0, NULL, 0 },
};

static int bad_arg(const char *opt, const char *val)
{
	fprintf(stderr, "pedma-lab-model: bad value for --%s: '%s'\n", opt, val);
	return -1;
}

/* The profile called name, with the --mps and --mrrs given before it */
static int set_profile(struct model_opts *o, const char *name)
{
	struct link_profile p;

	if (link_profile_get(name, &p))
		return -1;
	p.mps = o->prof.mps;
	p.mrrs = o->prof.mrrs;
	o->prof = p;
	return 0;
}

static int parse_opt(struct model_opts *o, int c, const char *arg)
{
	unsigned int v;

	switch (c) {
	case OPT_HOST_SOCK:
		o->host_sock = arg;
		break;
	case OPT_EP_SOCK:
		o->ep_sock = arg;
		break;
	case OPT_HOST_RAM:
		o->host_ram = arg;
		break;
	case OPT_EP_RAM:
		o->ep_ram = arg;
		break;
	case OPT_LOG:
		o->log_path = arg;
		break;
	case OPT_PIDFILE:
		o->pidfile = arg;
		break;
	case OPT_READY:
		o->ready_file = arg;
		break;
	case OPT_VERBOSE:
		o->verbose = true;
		break;
	case OPT_NO_GUARD:
		o->no_guard = true;
		break;
	case OPT_SHM_SIZE:
		if (parse_u64(arg, &o->shm_size, true) ||
		    o->shm_size < MODEL_SHM_MIN || o->shm_size > MODEL_SHM_MAX ||
		    (o->shm_size & (o->shm_size - 1)))
			return bad_arg("shm-size", arg);
		break;
	case OPT_VECTORS:
		if (parse_uint(arg, PEDMA_LAB_VEC_EDMA_RD + 1, EDMA_MAX_VECTORS,
			       &o->vectors))
			return bad_arg("vectors", arg);
		break;
	case OPT_WR_CH:
		if (parse_uint(arg, 1, EDMA_V0_MAX_WR_CH, &o->wr_ch))
			return bad_arg("wr-ch", arg);
		break;
	case OPT_RD_CH:
		if (parse_uint(arg, 1, EDMA_V0_MAX_RD_CH, &o->rd_ch))
			return bad_arg("rd-ch", arg);
		break;
	case OPT_GARBAGE:
		if (parse_u64(arg, &o->garbage_seed, false))
			return bad_arg("fill-garbage", arg);
		o->fill_garbage = true;
		break;
	case OPT_LINK_PROFILE:
		if (set_profile(o, arg))
			return bad_arg("link-profile", arg);
		break;
	case OPT_MPS:
		if (parse_uint(arg, 0, UINT32_MAX, &v) ||
		    link_profile_set_mps(&o->prof, v))
			return bad_arg("mps", arg);
		break;
	case OPT_MRRS:
		if (parse_uint(arg, 0, UINT32_MAX, &v) ||
		    link_profile_set_mrrs(&o->prof, v))
			return bad_arg("mrrs", arg);
		break;
	case OPT_PRINT_LIMITS:
		o->print_limits = true;
		break;
	case OPT_HELP:
		usage(stdout);
		exit(0);
	default:
		usage(stderr);
		return -1;
	}
	return 0;
}

static int parse_args(struct model_opts *o, int argc, char **argv)
{
	int c;

	*o = (struct model_opts){
		.shm_size = PEDMA_LAB_SHM_SIZE,
		.vectors = PEDMA_LAB_VECTORS,
		.wr_ch = 4,
		.rd_ch = 4,
	};
	link_profile_get("unlimited", &o->prof);
	while ((c = getopt_long(argc, argv, "", model_longopts, NULL)) != -1) {
		if (parse_opt(o, c, optarg))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "pedma-lab-model: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (o->print_limits)
		return 0;
	if (!o->host_sock || !o->ep_sock || !o->host_ram || !o->ep_ram) {
		fprintf(stderr, "pedma-lab-model: --host-sock, --ep-sock, --host-ram and --ep-ram are required\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */

static int map_ram(const char *path, struct ram_map *m)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "pedma-lab-model: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		fprintf(stderr, "pedma-lab-model: %s: not a non-empty regular file\n",
			path);
		close(fd);
		return -1;
	}
	m->size = (uint64_t)st.st_size;
	m->base = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m->base == MAP_FAILED) {
		fprintf(stderr, "pedma-lab-model: mmap %s: %s\n", path,
			strerror(errno));
		m->base = NULL;
		return -1;
	}
	return 0;
}

static void unmap_ram(struct ram_map *m)
{
	if (m->base)
		munmap(m->base, m->size);
	m->base = NULL;
}

static int create_shm(uint64_t size, int *fd_out, uint8_t **shm_out)
{
	void *p;
	int fd;

	fd = memfd_create("pedma-lab-shm", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		fprintf(stderr, "pedma-lab-model: shared memory: %s\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "pedma-lab-model: mmap shm: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	*shm_out = p;
	return 0;
}

/* splitmix64: a seeded, repeatable byte stream for --fill-garbage */
static void fill_garbage(uint8_t *p, uint64_t len, uint64_t seed)
{
	uint64_t x = seed, z;

	while (len) {
		size_t n = len < 8 ? len : 8;

		x += 0x9e3779b97f4a7c15ULL;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(p, &z, n);
		p += n;
		len -= n;
	}
}

static uint32_t make_model_gen(void)
{
	struct timespec ts;
	uint32_t gen;

	clock_gettime(CLOCK_REALTIME, &ts);
	gen = (uint32_t)ts.tv_sec * 2654435761u ^ (uint32_t)ts.tv_nsec ^
	      (uint32_t)getpid() << 16;
	return gen ? gen : 1;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "pedma-lab-model: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fputs(text, f);
	if (fclose(f)) {
		fprintf(stderr, "pedma-lab-model: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_signals(int epfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = MODEL_TAG_SIGNAL };
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The clock of the link profile's deadlines */
static uint64_t model_clock(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Under a link profile: complete the channels that are due, then arm the
 * timer for the next deadline (*armed: what it is armed for).
 */
static void pace_tick(struct edma *e, int timerfd, uint64_t *armed)
{
	struct itimerspec its = { 0 };
	uint64_t next;

	edma_pace_run(e);
	next = edma_pace_next(e);
	if (next == *armed)
		return;
	if (next != UINT64_MAX) {	/* else all zero: disarmed */
		its.it_value.tv_sec = (time_t)(next / 1000000000u);
		its.it_value.tv_nsec = (long)(next % 1000000000u);
	}
	if (timerfd_settime(timerfd, TFD_TIMER_ABSTIME, &its, NULL))
		mlog_rl("timerfd_settime: %s", strerror(errno));
	else
		*armed = next;
}

static void run_loop(struct edma *e, struct ivs_server *srv, int sigfd,
		     int timerfd)
{
	struct epoll_event evs[16];
	uint64_t armed = UINT64_MAX, ticks;
	int i, n;

	for (;;) {
		n = epoll_wait(srv->epfd, evs, 16, MODEL_SAFETY_POLL_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			mlog("epoll_wait: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == MODEL_TAG_SIGNAL) {
				struct signalfd_siginfo si;

				if (read(sigfd, &si, sizeof(si)) == sizeof(si))
					mlog("signal %u: exiting", si.ssi_signo);
				return;
			}
			if (evs[i].data.u64 == MODEL_TAG_TIMER) {
				if (read(timerfd, &ticks, sizeof(ticks)) < 0 &&
				    errno != EAGAIN)
					mlog_rl("timerfd: %s", strerror(errno));
				continue;
			}
			ivs_handle(srv, evs[i].data.u64, evs[i].events);
		}
		/* Kicked or not: a kick may have been lost (see above) */
		ivs_reap(srv);
		edma_process_mailboxes(e);
		if (timerfd >= 0)
			pace_tick(e, timerfd, &armed);
	}
}

/*
 * A guest's QEMU is gone (exited, or killed by the launcher to restart it):
 * a dead guest posts nothing, so what it left in its mailbox unapplied is
 * dropped before the next drain, never applied on the other side's kick.
 */
static void model_guest_gone(void *opaque, enum lab_side side)
{
	edma_mbox_drop(opaque, side);
}

/* Kicks a guest sent the model: counted as that side's events */
static void model_guest_kicked(void *opaque, enum lab_side side,
			       uint64_t count)
{
	edma_count(opaque, side, EDMA_EV_KICKS, count);
}

struct model {
	struct model_opts o;
	struct ram_map host_ram, ep_ram;
	uint8_t *shm;
	int shm_fd, epfd, sigfd, timerfd;
	FILE *log;
	struct edma edma;
	struct edma_pace pace;
	struct ivs_server srv;
};

/* A link profile: the engine paced by CLOCK_MONOTONIC, woken by a timer */
static int pace_setup(struct model *m, struct edma_cfg *cfg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = MODEL_TAG_TIMER };

	if (link_profile_unlimited(&m->o.prof))
		return 0;
	pace_init(&m->pace, &m->o.prof, model_clock, NULL);
	cfg->pace = &m->pace;
	m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timerfd < 0 || epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->timerfd, &ev)) {
		fprintf(stderr, "pedma-lab-model: timer: %s\n", strerror(errno));
		return -1;
	}
	/* Deadlines are microseconds apart: no 50 us default slack */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
	return 0;
}

static int model_setup(struct model *m)
{
	struct model_opts *o = &m->o;
	char desc[512];
	struct edma_cfg cfg = {
		.shm_size = o->shm_size,
		.vectors = o->vectors,
		.wr_ch_cnt = o->wr_ch,
		.rd_ch_cnt = o->rd_ch,
		.model_gen = make_model_gen(),
		.no_guard = o->no_guard,
		.raise_irq = ivs_raise,
		.opaque = &m->srv,
	};

	if (map_ram(o->host_ram, &m->host_ram) || map_ram(o->ep_ram, &m->ep_ram) ||
	    create_shm(o->shm_size, &m->shm_fd, &m->shm))
		return -1;
	if (o->fill_garbage)
		fill_garbage(m->shm + PEDMA_LAB_WND_OFF,
			     o->shm_size - PEDMA_LAB_WND_OFF, o->garbage_seed);
	cfg.shm = m->shm;
	guest_ram_layout_q35(&cfg.host_ram, m->host_ram.base, m->host_ram.size);
	guest_ram_layout_q35(&cfg.ep_ram, m->ep_ram.base, m->ep_ram.size);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0 || pace_setup(m, &cfg))
		return -1;
	if (edma_init(&m->edma, &cfg)) {
		fprintf(stderr, "pedma-lab-model: bad engine configuration\n");
		return -1;
	}
	m->sigfd = setup_signals(m->epfd);
	if (m->sigfd < 0) {
		fprintf(stderr, "pedma-lab-model: signals: %s\n", strerror(errno));
		return -1;
	}
	if (ivs_init(&m->srv, m->epfd, o->vectors, m->shm_fd, o->host_sock,
		     o->ep_sock)) {
		fprintf(stderr, "pedma-lab-model: cannot serve the sockets (see log)\n");
		return -1;
	}
	m->srv.gone = model_guest_gone;
	m->srv.gone_opaque = &m->edma;
	m->srv.kicked = model_guest_kicked;
	m->srv.kicked_opaque = &m->edma;
	mlog("serving host %s, ep %s", o->host_sock, o->ep_sock);
	mlog("shm %" PRIu64 " bytes, %u vectors, %u wr + %u rd channels, gen %#x",
	     o->shm_size, o->vectors, o->wr_ch, o->rd_ch, cfg.model_gen);
	mlog("DMA guard %s", o->no_guard ? "off (--no-guard)" : "on");
	link_profile_describe(&o->prof, desc, sizeof(desc));
	mlog("%s", desc);
	if (o->ready_file && write_file(o->ready_file, "ready\n"))
		return -1;
	return 0;
}

/*
 * --print-limits: the profile as "key value" lines (bench/rdma-bench reads
 * them).  Limits in payload bytes per second; 0: unlimited.
 */
static void print_limits(const struct link_profile *p)
{
	printf("profile %s\n", p->name);
	printf("lanes %u\ngts %u\nmps %u\nmrrs %u\n", p->lanes, p->gts,
	       p->mps, p->mrrs);
	printf("raw_Bps %.0f\n", link_raw_rate(p));
	printf("write_Bps %.0f\n", link_limit_rate(p, LINK_OP_WRITE));
	printf("read_Bps %.0f\n", link_limit_rate(p, LINK_OP_READ));
}

int main(int argc, char **argv)
{
	struct model m = { .shm_fd = -1, .epfd = -1, .sigfd = -1, .timerfd = -1 };
	bool srv_up;
	char pid[32];
	int ret = 1;

	m.srv.listen_fd[0] = m.srv.listen_fd[1] = -1;
	if (parse_args(&m.o, argc, argv))
		return 2;
	if (m.o.print_limits) {
		print_limits(&m.o.prof);
		return 0;
	}
	m.log = stderr;
	if (m.o.log_path) {
		m.log = fopen(m.o.log_path, "a");
		if (!m.log) {
			fprintf(stderr, "pedma-lab-model: %s: %s\n", m.o.log_path,
				strerror(errno));
			return 1;
		}
	}
	mlog_init(m.log, m.o.verbose);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (m.o.pidfile && write_file(m.o.pidfile, pid))
		goto out;

	if (!model_setup(&m)) {
		run_loop(&m.edma, &m.srv, m.sigfd, m.timerfd);
		if (m.timerfd >= 0)
			mlog("link profile %s: %llu deadlines met, the latest %llu us late",
			     m.o.prof.name, (unsigned long long)m.pace.steps,
			     (unsigned long long)(m.pace.late_ns / 1000));
		ret = 0;
	}
out:
	srv_up = m.srv.path[0] != NULL;
	if (srv_up)
		ivs_fini(&m.srv);
	if (m.sigfd >= 0)
		close(m.sigfd);
	if (m.timerfd >= 0)
		close(m.timerfd);
	if (m.epfd >= 0)
		close(m.epfd);
	if (m.shm)
		munmap(m.shm, m.o.shm_size);
	if (m.shm_fd >= 0)
		close(m.shm_fd);
	unmap_ram(&m.host_ram);
	unmap_ram(&m.ep_ram);
	if (m.o.ready_file && ret == 0)
		unlink(m.o.ready_file);
	if (m.o.pidfile)
		unlink(m.o.pidfile);
	if (m.log != stderr)
		fclose(m.log);
	return ret;
}
