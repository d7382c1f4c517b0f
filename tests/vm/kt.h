/* SPDX-License-Identifier: GPL-2.0 */
/* The test driver (tests/kmod) from inside the VM: load it, give it commands, read its counters. */
#ifndef KMSCOPE_KT_H
#define KMSCOPE_KT_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tap.h"

#define KT_DIR "/sys/kernel/debug/kmscope_test"
#define MOD "kmscope_test"

/* finit_module of $KMSCOPE_KMOD; 0 or -errno. */
static inline int load_module(void)
{
	const char *path = getenv("KMSCOPE_KMOD");
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1, ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

static inline void unload_module(void)
{
	syscall(SYS_delete_module, MOD, O_NONBLOCK);
}

/*
 * Loads the test driver afresh, as the file's first check. In the VM a driver
 * that is missing or does not load fails the file (the plan says so), never skips it.
 */
static inline void kt_require_module(void)
{
	const char *path = getenv("KMSCOPE_KMOD");
	int err;

	if (!tap_ok(path && *path, "KMSCOPE_KMOD names the test driver")) {
		tap_diag("  run through scripts/vm/test or scripts/vm/run-test (tests/kmod did not build?)");
		exit(tap_done());
	}
	unload_module();
	err = load_module();
	if (!tap_ok(!err, "load %s", path)) {
		tap_diag("  finit_module: %s", strerror(-err));
		exit(tap_done());
	}
}

/* One command line to the driver; false (with a diagnostic) if it refused it. */
static inline bool cmd(const char *line)
{
	int fd = open(KT_DIR "/cmd", O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line);

	if (fd >= 0)
		close(fd);
	if (!ok)
		tap_diag("driver refused '%s': %s", line, strerror(errno));
	return ok;
}

/* A counter from the driver's stats file, -1 if absent. */
static inline long long stat_of(const char *key)
{
	char line[256], k[128];
	long long v, found = -1;
	FILE *f = fopen(KT_DIR "/stats", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", k, &v) == 2 && !strcmp(k, key))
			found = v;
	if (f)
		fclose(f);
	return found;
}

#endif
