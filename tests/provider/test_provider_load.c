// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loads the built provider into the installed libibverbs the way
 * libibverbs would, without needing an RDMA device.
 *
 *   test_provider_load <path/to/libpedma-rdmav34.so>
 *
 * dlopen(RTLD_NOW) binds every symbol the provider imports, so a symbol
 * missing from IBVERBS_PRIVATE_34 fails here rather than at the first
 * ibv_open_device() in a guest; the constructor then registers the driver
 * with verbs_register_driver_34().  Then the device list is read and freed
 * (on a machine without RDMA devices libibverbs answers NULL/ENOSYS).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <infiniband/verbs.h>

int main(int argc, char **argv)
{
	struct ibv_device **list;
	void *handle, *sym;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <libpedma-rdmav34.so>\n", argv[0]);
		return 2;
	}

	/* The register entry point must come from libibverbs' PABI 34. */
	sym = dlvsym(RTLD_DEFAULT, "verbs_register_driver_34",
		     "IBVERBS_PRIVATE_34");
	if (!sym) {
		fprintf(stderr, "FAIL: verbs_register_driver_34@IBVERBS_PRIVATE_34 not in the installed libibverbs\n");
		return 1;
	}

	handle = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	if (!handle) {
		fprintf(stderr, "FAIL: dlopen: %s\n", dlerror());
		return 1;
	}
	printf("loaded %s\n", argv[1]);

	/* Nothing of ours should be visible: the version script hides all. */
	if (dlsym(handle, "pedma_register_driver") ||
	    dlsym(handle, "pedma_dev_ops")) {
		fprintf(stderr, "FAIL: provider exports internal symbols\n");
		return 1;
	}

	errno = 0;
	list = ibv_get_device_list(&n);
	if (list) {
		int i;

		for (i = 0; i < n; i++)
			printf("device %s\n", ibv_get_device_name(list[i]));
		ibv_free_device_list(list);
	} else {
		printf("ibv_get_device_list: NULL, errno %d (%s)\n", errno,
		       strerror(errno));
	}

	/*
	 * Not dlclose()d: libibverbs keeps a pointer to our verbs_device_ops
	 * for the life of the process, as with the providers it loads.
	 */
	printf("test_provider_load: OK (%d device(s))\n", n);
	return 0;
}
