/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmscope_faulty (tests/kmod/kmscope_faulty.c) from inside the VM: load it, read its
 * counters. Its header comment is the ground truth these tests use: which allocation
 * of its operation and of its init has which wrong error path.
 */
#ifndef KMSCOPE_KF_H
#define KMSCOPE_KF_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tap.h"
#include "vm/kmod.h"

#define KF_MOD "kmscope_faulty"
#define KF_DIR "/sys/kernel/debug/kmscope_faulty"
#define KF_OP KF_DIR "/op"
#define KF_OP_ALLOCS 8	 /* allocations of the operation */
#define KF_INIT_ALLOCS 4 /* allocations of the module's init */

/* $KMSCOPE_KMOD_DIR/kmscope_faulty.ko, or NULL. */
static inline const char *kf_ko_path(void)
{
	static char path[4200];
	const char *dir = getenv("KMSCOPE_KMOD_DIR");

	if (!dir || !*dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.ko", dir, KF_MOD);
	return path;
}

static inline bool kf_loaded(void)
{
	return access("/sys/module/" KF_MOD, F_OK) == 0;
}

static inline void kf_unload(void)
{
	kmod_unload(KF_MOD);
}

/* finit_module with params ("crash=0"); 0 or -errno. */
static inline int kf_load(const char *params)
{
	return kmod_load(kf_ko_path(), params);
}

/* Loads the driver afresh as the file's first check: missing or not loading fails the file. */
static inline void kf_require(const char *params)
{
	const char *path = kf_ko_path();
	int err;

	if (!tap_ok(path != NULL, "KMSCOPE_KMOD_DIR names the test modules")) {
		tap_diag("  run through scripts/vm/test or scripts/vm/run-test (tests/kmod did not build?)");
		exit(tap_done());
	}
	kf_unload();
	err = kf_load(params);
	if (!tap_ok(!err, "load %s %s", path, params)) {
		tap_diag("  finit_module: %s", strerror(-err));
		exit(tap_done());
	}
}

/* A counter of the driver's stats file, -1 if absent. */
static inline long long kf_stat(const char *key)
{
	return kmod_stat(KF_DIR "/stats", key);
}

/* Every counter at once, to compare before and after a sweep. */
struct kf_stats {
	long long ops, succeeded, failed, fallbacks, leaked_objects, leaked_bytes;
	long long failed_at[KF_OP_ALLOCS + 1];
};

static inline struct kf_stats kf_stats(void)
{
	struct kf_stats s = {
		.ops = kf_stat("ops"),
		.succeeded = kf_stat("succeeded"),
		.failed = kf_stat("failed"),
		.fallbacks = kf_stat("fallbacks"),
		.leaked_objects = kf_stat("leaked_objects"),
		.leaked_bytes = kf_stat("leaked_bytes"),
	};
	char key[32];
	int i;

	for (i = 1; i <= KF_OP_ALLOCS; i++) {
		snprintf(key, sizeof(key), "failed_at.%d", i);
		s.failed_at[i] = kf_stat(key);
	}
	return s;
}

/* One operation run directly (no kmscope): 0, or the write's -errno. */
static inline int kf_op(void)
{
	int fd = open(KF_OP, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

#endif
