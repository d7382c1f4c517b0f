/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test modules (tests/kmod) from inside the VM, whichever: load a .ko by path,
 * remove it, read a counter of its debugfs "key value" stats file; find an in-tree
 * module's .ko in the kernel's modules tree.
 */
#ifndef KMSCOPE_KMOD_H
#define KMSCOPE_KMOD_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* finit_module of the .ko at path with params ("" for none); 0 or -errno. */
static inline int kmod_load(const char *path, const char *params)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1, ret = 0;

	if (fd < 0)
		return path ? -errno : -ENOENT;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}

struct kmod_find_state {
	char suffix[256]; /* "/NAME.ko" */
	char *out;
	size_t len;
};

/* nftw's callback has no argument of its own. */
static inline struct kmod_find_state *kmod_find_state(void)
{
	static struct kmod_find_state state;

	return &state;
}

static inline int kmod_find_one(const char *path, const struct stat *st, int type,
				struct FTW *ftw)
{
	struct kmod_find_state *f = kmod_find_state();
	size_t n = strlen(path), k = strlen(f->suffix);

	(void)st;
	(void)ftw;
	if (type == FTW_F && n > k && !strcmp(path + n - k, f->suffix)) {
		snprintf(f->out, f->len, "%s", path);
		return 1;
	}
	return 0;
}

/* The path of NAME.ko somewhere below dir (e.g. $KMSCOPE_VM_MODULES_DIR) into out. */
static inline bool kmod_find(const char *dir, const char *name, char *out, size_t len)
{
	struct kmod_find_state *f = kmod_find_state();

	snprintf(f->suffix, sizeof(f->suffix), "/%s.ko", name);
	f->out = out;
	f->len = len;
	out[0] = '\0';
	nftw(dir, kmod_find_one, 16, FTW_PHYS);
	return out[0] != '\0';
}

/* delete_module without waiting for its users; 0 or -errno. */
static inline int kmod_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* The counter key of a stats file ("key value" lines), -1 if absent. */
static inline long long kmod_stat(const char *stats, const char *key)
{
	char line[256], k[128];
	long long v, found = -1;
	FILE *f = fopen(stats, "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", k, &v) == 2 && !strcmp(k, key))
			found = v;
	if (f)
		fclose(f);
	return found;
}

#endif
