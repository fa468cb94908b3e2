// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Runs libibverbs' own device discovery and driver loading against fake
 * uverbs devices, so the provider's matching and loading are tested on a
 * machine without RDMA hardware or pedma.ko.
 *
 *   test_provider_fakedev driver-file   <build>/providers/pedma
 *   test_provider_fakedev driver-name   <build>/providers/pedma
 *   test_provider_fakedev rdmav-drivers <build>/providers/pedma
 *
 * libibverbs only reads its config directory (compiled in:
 * /etc/libibverbs.d, no environment override in v44) when sysfs lists a
 * uverbs device that no loaded provider claims.  So, in a private mount
 * namespace:
 *   - SYSFS_PATH points at a fake sysfs with uverbs0 = pedma0 (the
 *     current PEDMA_UVERBS_ABI_VERSION), uverbs1 = pedma1 (one newer),
 *     uverbs2 = pedma2 (one older) and uverbs3 = other0;
 *   - a tmpfs covers /dev, with /dev/infiniband/uverbsN bound to /dev/null
 *     (libibverbs wants a character device with the sysfs dev number);
 *   - /etc/libibverbs.d is replaced by a directory holding only the lab's
 *     pedma.driver ("driver /abs/path/libpedma", driver-file), or only the
 *     installed one ("driver pedma", driver-name; the caller puts the
 *     provider directory in LD_LIBRARY_PATH, which libibverbs' last
 *     fallback, dlopen("libpedma-rdmav34.so"), searches), or nothing while
 *     RDMAV_DRIVERS names the provider by absolute path (rdmav-drivers).
 * Expected: only pedma0 is listed (pedma1 and pedma2 refused for their
 * ABI, other0 not ours), no "couldn't load driver" warning, and opening pedma0 fails
 * cleanly with EPROTO: /dev/null accepts the get_context write but returns
 * no response, so the provider sees pedma ABI 0 and refuses it.
 *
 * It prints which libibverbs it runs with (tests/provider/provider_abi.sh
 * runs it with an rdma-core tree's own libibverbs in LD_LIBRARY_PATH).
 *
 * Needs root or unprivileged user namespaces; otherwise skips (exit 77).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/pedma-abi.h>

#define SKIP 77

static char tmp[] = "/tmp/pedma-fakedev.XXXXXX";

static void die(const char *what)
{
	fprintf(stderr, "FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *text, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		die(path);
}

static void make_dir(const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (mkdir(path, 0755) && errno != EEXIST)
		die(path);
}

static void bind_file(const char *from, const char *to)
{
	write_file("", "%s", to);
	if (mount(from, to, "none", MS_BIND, NULL))
		die(to);
}

static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* A mount namespace of our own: as root, or as root of a user namespace. */
static bool enter_private_mounts(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWNS)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			return false;
		write_proc("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (!write_proc("/proc/self/uid_map", map))
			return false;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (!write_proc("/proc/self/gid_map", map))
			return false;
	}
	return mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0;
}

struct fake_dev {
	const char *uverbs;
	const char *ibdev;
	const char *abi;
};

#define STR_(x) #x
#define STR(x) STR_(x)
/* The ABI numbers as sysfs shows them, and for the expected messages. */
#define ABI_CUR STR(PEDMA_UVERBS_ABI_VERSION)
#define ABI_NEW "4"
#define ABI_OLD "2"
_Static_assert(PEDMA_UVERBS_ABI_VERSION == 3,
	       "update ABI_NEW and ABI_OLD with the ABI version");

static const struct fake_dev fake_devs[] = {
	{ "uverbs0", "pedma0", ABI_CUR },
	{ "uverbs1", "pedma1", ABI_NEW },	/* a newer pedma.ko: refused */
	{ "uverbs2", "pedma2", ABI_OLD },	/* an older pedma.ko: refused */
	{ "uverbs3", "other0", ABI_CUR },	/* somebody else's device */
};

#define NDEVS (sizeof(fake_devs) / sizeof(fake_devs[0]))

static void build_fake_sysfs(dev_t null_rdev)
{
	char dev[32];
	size_t i;

	snprintf(dev, sizeof(dev), "%u:%u\n", major(null_rdev),
		 minor(null_rdev));
	make_dir("%s/sys", tmp);
	make_dir("%s/sys/class", tmp);
	make_dir("%s/sys/class/infiniband", tmp);
	make_dir("%s/sys/class/infiniband_verbs", tmp);
	write_file("6\n", "%s/sys/class/infiniband_verbs/abi_version", tmp);
	for (i = 0; i < NDEVS; i++) {
		const struct fake_dev *d = &fake_devs[i];

		make_dir("%s/sys/class/infiniband_verbs/%s", tmp, d->uverbs);
		write_file(d->ibdev, "%s/sys/class/infiniband_verbs/%s/ibdev",
			   tmp, d->uverbs);
		write_file(dev, "%s/sys/class/infiniband_verbs/%s/dev", tmp,
			   d->uverbs);
		write_file(d->abi,
			   "%s/sys/class/infiniband_verbs/%s/abi_version", tmp,
			   d->uverbs);
		make_dir("%s/sys/class/infiniband/%s", tmp, d->ibdev);
		write_file("1: CA\n", "%s/sys/class/infiniband/%s/node_type",
			   tmp, d->ibdev);
	}
}

/* Replace /dev by a tmpfs with the few nodes we need, and fake uverbs. */
static void build_fake_dev(void)
{
	static const char *const keep[] = { "null", "zero", "urandom" };
	char saved[256], path[256];
	size_t i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(saved, sizeof(saved), "%s/dev-%s", tmp, keep[i]);
		snprintf(path, sizeof(path), "/dev/%s", keep[i]);
		bind_file(path, saved);
	}
	if (mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755"))
		die("tmpfs on /dev");
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		snprintf(saved, sizeof(saved), "%s/dev-%s", tmp, keep[i]);
		snprintf(path, sizeof(path), "/dev/%s", keep[i]);
		bind_file(saved, path);
	}
	make_dir("/dev/infiniband");
	snprintf(saved, sizeof(saved), "%s/dev-null", tmp);
	for (i = 0; i < NDEVS; i++) {
		snprintf(path, sizeof(path), "/dev/infiniband/%s",
			 fake_devs[i].uverbs);
		bind_file(saved, path);
	}
}

static void build_config_dir(const char *driver_file)
{
	char from[512], text[1024], to[256];
	FILE *f;
	size_t n;

	make_dir("%s/etc", tmp);
	if (driver_file) {
		/* The very file the lab copies into the guests, or installs. */
		snprintf(from, sizeof(from), "%s", driver_file);
		f = fopen(from, "r");
		if (!f)
			die(from);
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = '\0';
		printf("pedma.driver: %s", text);
		write_file(text, "%s/etc/pedma.driver", tmp);
	}
	snprintf(to, sizeof(to), "%s/etc", tmp);
	if (mount(to, "/etc/libibverbs.d", "none", MS_BIND, NULL))
		die("bind over /etc/libibverbs.d");
}

static char *slurp(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	bool found = false, wrong = false;
	const char *mode, *driver_file = NULL;
	struct ibv_device **list;
	struct ibv_context *ctx;
	char errpath[256], env[512], path[512];
	struct stat null_st;
	int saved_err, fd, n = 0, i, open_errno, failures = 0;
	char *err;

	mode = argc == 3 ? argv[1] : "";
	{
		Dl_info where;

		if (dladdr((void *)ibv_get_device_list, &where) && where.dli_fname)
			printf("libibverbs: %s\n", where.dli_fname);
	}
	if (!strcmp(mode, "driver-file")) {
		snprintf(path, sizeof(path), "%s/pedma.driver", argv[2]);
		driver_file = path;
	} else if (!strcmp(mode, "driver-name")) {
		snprintf(path, sizeof(path), "%s/install/pedma.driver", argv[2]);
		driver_file = path;
	} else if (strcmp(mode, "rdmav-drivers")) {
		fprintf(stderr, "usage: %s driver-file|driver-name|rdmav-drivers <provider dir>\n",
			argv[0]);
		return 2;
	}

	if (stat("/dev/null", &null_st) || !S_ISCHR(null_st.st_mode))
		die("/dev/null");
	if (access("/etc/libibverbs.d", F_OK)) {
		printf("SKIP: no /etc/libibverbs.d to cover\n");
		return SKIP;
	}
	if (!mkdtemp(tmp))
		die("mkdtemp");
	if (!enter_private_mounts()) {
		printf("SKIP: cannot make a private mount namespace: %s\n",
		       strerror(errno));
		rmdir(tmp);
		return SKIP;
	}
	/* Everything below lives in this tmpfs and vanishes with the namespace. */
	if (mount("tmpfs", tmp, "tmpfs", 0, "mode=0755"))
		die("tmpfs");

	build_fake_sysfs(null_st.st_rdev);
	build_fake_dev();
	build_config_dir(driver_file);

	snprintf(env, sizeof(env), "%s/sys", tmp);
	setenv("SYSFS_PATH", env, 1);
	setenv("IBV_SHOW_WARNINGS", "1", 1);
	unsetenv("IBV_DRIVERS");
	if (driver_file) {
		unsetenv("RDMAV_DRIVERS");
	} else {
		snprintf(env, sizeof(env), "%s/libpedma", argv[2]);
		setenv("RDMAV_DRIVERS", env, 1);
	}

	/* Capture what libibverbs and the provider print. */
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmp);
	fflush(stderr);
	saved_err = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (saved_err < 0 || fd < 0 || dup2(fd, 2) < 0)
		die("redirect stderr");
	close(fd);

	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n; i++) {
		const char *name = ibv_get_device_name(list[i]);

		printf("listed %s (%s)\n", name, list[i]->dev_name);
		if (!strcmp(name, "pedma0") &&
		    !strcmp(list[i]->dev_name, "uverbs0"))
			found = true;
		else
			wrong = true;
	}

	/*
	 * The fake get_context "succeeds" with an all-zero response, so
	 * libibverbs takes async_fd 0 and the provider's error path closes
	 * it: give it a descriptor we do not need.
	 */
	close(0);
	if (open("/dev/null", O_RDONLY) != 0)
		die("reopen fd 0");
	ctx = NULL;
	open_errno = 0;
	for (i = 0; list && i < n; i++) {
		if (strcmp(ibv_get_device_name(list[i]), "pedma0"))
			continue;
		errno = 0;
		ctx = ibv_open_device(list[i]);
		open_errno = errno;
	}
	if (ctx)
		ibv_close_device(ctx);
	if (list)
		ibv_free_device_list(list);

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	err = slurp(errpath);
	printf("libibverbs stderr:\n%s--\n", err);

	if (!found) {
		printf("FAIL: pedma0 not matched\n");
		failures++;
	}
	if (wrong) {
		printf("FAIL: a device other than pedma0 was claimed\n");
		failures++;
	}
	if (strstr(err, "couldn't")) {
		printf("FAIL: libibverbs could not load or read something\n");
		failures++;
	}
	if (!strstr(err, "Driver pedma does not support the kernel ABI of " ABI_NEW) ||
	    !strstr(err, "Driver pedma does not support the kernel ABI of " ABI_OLD)) {
		printf("FAIL: pedma1 (ABI " ABI_NEW ") or pedma2 (ABI " ABI_OLD
		       ") not refused by the ABI range\n");
		failures++;
	}
	if (ctx || open_errno != EPROTO ||
	    !strstr(err, "libpedma: pedma0: kernel driver speaks pedma uverbs ABI 0")) {
		printf("FAIL: ibv_open_device(pedma0): ctx %p errno %d, want NULL/EPROTO and the ABI message\n",
		       (void *)ctx, open_errno);
		failures++;
	}

	umount2(tmp, MNT_DETACH);
	rmdir(tmp);
	if (failures)
		return 1;
	printf("test_provider_fakedev %s: OK\n", argv[1]);
	return 0;
}
