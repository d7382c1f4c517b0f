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
#include "vm/kmod.h"

#define KT_DIR "/sys/kernel/debug/kmscope_test"
#define MOD "kmscope_test"

/* finit_module of $KMSCOPE_KMOD; 0 or -errno. */
static inline int load_module(void)
{
	return kmod_load(getenv("KMSCOPE_KMOD"), "");
}

static inline void unload_module(void)
{
	kmod_unload(MOD);
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
	return kmod_stat(KT_DIR "/stats", key);
}

#endif
