// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/slab_aliases.h"

struct slab_name {
	char *name;
	char *cache; /* the directory it is or links to: its real cache */
	const char **others; /* the group's other names, sorted */
	int nr_others;
};

struct slab_aliases {
	struct slab_name *names; /* by (cache, name) */
	size_t n;
};

static int cmp_by_cache(const void *x, const void *y)
{
	const struct slab_name *a = x, *b = y;
	int c = strcmp(a->cache, b->cache);

	return c ? c : strcmp(a->name, b->name);
}

static int add_entry(struct slab_aliases *a, size_t *cap, const char *dir, const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct slab_name *e;
	struct stat st;
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st))
		return 0; /* gone since readdir: a cache destroyed meanwhile */
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
	} else if (S_ISDIR(st.st_mode)) {
		base = name;
	} else {
		return 0;
	}
	if (a->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct slab_name *grown = realloc(a->names, ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		a->names = grown;
		*cap = ncap;
	}
	e = &a->names[a->n];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	e->cache = strdup(base);
	if (!e->name || !e->cache) {
		free(e->name);
		free(e->cache);
		return -ENOMEM;
	}
	a->n++;
	return 0;
}

/*
 * Each name's group-mates. A merged cache's directory (":0000064") is no cache's name
 * and is left out; a real cache's directory is its own name, with its aliases' links.
 */
static int fill_groups(struct slab_aliases *a)
{
	size_t i = 0, j, k;

	while (i < a->n) {
		size_t end = i, named = 0;

		while (end < a->n && !strcmp(a->names[end].cache, a->names[i].cache))
			end++;
		for (j = i; j < end; j++)
			named += a->names[j].name[0] != ':';
		for (j = i; named > 1 && j < end; j++) {
			struct slab_name *e = &a->names[j];

			if (e->name[0] == ':')
				continue;
			e->others = calloc(named - 1, sizeof(*e->others));
			if (!e->others)
				return -ENOMEM;
			for (k = i; k < end; k++)
				if (k != j && a->names[k].name[0] != ':')
					e->others[e->nr_others++] = a->names[k].name;
		}
		i = end;
	}
	return 0;
}

struct slab_aliases *slab_aliases__load(const char *dir)
{
	struct slab_aliases *a = calloc(1, sizeof(*a));
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	if (!a || !d) {
		err = errno;
		goto fail;
	}
	while (!err && (de = readdir(d)))
		if (de->d_name[0] != '.')
			err = -add_entry(a, &cap, dir, de->d_name);
	closedir(d);
	d = NULL;
	if (!err) {
		qsort(a->names, a->n, sizeof(*a->names), cmp_by_cache);
		err = -fill_groups(a);
	}
	if (!err)
		return a;
fail:
	if (d)
		closedir(d);
	slab_aliases__free(a);
	errno = err;
	return NULL;
}

const char *const *slab_aliases__of(const struct slab_aliases *a, const char *name, int *nr)
{
	size_t i;

	*nr = 0;
	for (i = 0; a && name && i < a->n; i++)
		if (!strcmp(a->names[i].name, name)) {
			*nr = a->names[i].nr_others;
			return a->names[i].nr_others ? a->names[i].others : NULL;
		}
	return NULL;
}

void slab_aliases__free(struct slab_aliases *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->names[i].name);
		free(a->names[i].cache);
		free(a->names[i].others);
	}
	free(a->names);
	free(a);
}
