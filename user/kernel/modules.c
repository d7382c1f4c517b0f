// SPDX-License-Identifier: GPL-2.0
/*
 * A module's text ranges, for --module.
 *
 * Not /proc/modules: its address is the text's, but its size is the module's total
 * memory, and since 6.4 text, data and rodata are separate allocations with other
 * modules' text in between. /sys/module/NAME/sections gives each section's start but
 * no size, and keeps listing .init.text after the init text is freed. kallsyms lists
 * every function of the module (init functions only until init has run), interleaved
 * in address order with every other module's, BPF programs and trampolines. So a range
 * is a run of the module's own text symbols with no foreign one in between: from the
 * page of the first (module memory is whole pages) to the end of the page of the last,
 * cut short at the next foreign symbol. That under-covers only the tail of a last
 * function that crosses a page boundary; it never covers another module's code. The
 * sections directory says which run is the init text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/modules.h"

#define PAGE_MASK_OF(p) (~((unsigned long)(p) - 1))

struct text_sym {
	unsigned long addr;
	bool own;
};

struct sym_list {
	struct text_sym *v;
	size_t n, cap;
	bool own_hidden; /* one of ours had address 0 */
};

bool km_module_name(const char *arg, char *name, size_t len)
{
	size_t i;

	for (i = 0; arg[i]; i++) {
		if (i + 1 >= len)
			return false;
		name[i] = arg[i] == '-' ? '_' : arg[i];
	}
	if (!len)
		return false;
	name[i] = 0;
	return i > 0;
}

static int sym_add(struct sym_list *l, unsigned long addr, bool own)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct text_sym *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].addr = addr;
	l->v[l->n].own = own;
	l->n++;
	return 0;
}

/* "ffffffffc0a01000 t fn\t[mod]": text symbols (t T w W), owned if tagged [name]. */
static int parse_kallsyms(FILE *f, const char *name, struct sym_list *l)
{
	size_t name_len = strlen(name);
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		char *p, *end, *tag;
		unsigned long addr;
		bool own = false;
		int err;

		addr = strtoul(line, &end, 16);
		if (end == line || end[0] != ' ' || !strchr("tTwW", end[1]) || !end[1] ||
		    end[2] != ' ')
			continue;
		p = end + 3;
		tag = strchr(p, '[');
		if (tag) {
			char *close = strchr(tag, ']');

			own = close && (size_t)(close - tag - 1) == name_len &&
			      !strncmp(tag + 1, name, name_len);
		}
		if (!addr) {
			l->own_hidden |= own;
			continue;
		}
		err = sym_add(l, addr, own);
		if (err)
			return err;
	}
	return ferror(f) ? -EIO : 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct text_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->own - (int)y->own; /* a foreign symbol at the same address wins */
}

/* A section's start from /sys/module/NAME/sections/SECTION; 0 if absent. */
static unsigned long section_start(const char *sys_module, const char *name, const char *section)
{
	char path[512];
	unsigned long addr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/sections/%s", sys_module, name, section);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lx", &addr) != 1)
		addr = 0;
	fclose(f);
	return addr;
}

static bool module_present(const char *sys_module, const char *name)
{
	char path[512];

	/* initstate exists for loadable modules only, not for built-in parameter holders */
	snprintf(path, sizeof(path), "%s/%s/initstate", sys_module, name);
	return access(path, F_OK) == 0;
}

static int runs_to_ranges(const struct sym_list *l, unsigned long init_text,
			  struct km_text_range *r, int max, int *n)
{
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	size_t i = 0, j;
	int count = 0;

	while (i < l->n) {
		unsigned long start, end;

		if (!l->v[i].own) {
			i++;
			continue;
		}
		for (j = i; j + 1 < l->n && l->v[j + 1].own; j++)
			;
		start = l->v[i].addr & PAGE_MASK_OF(page);
		if (i > 0 && l->v[i - 1].addr >= start)
			start = l->v[i].addr; /* a foreign symbol shares the page */
		end = (l->v[j].addr & PAGE_MASK_OF(page)) + page;
		if (j + 1 < l->n && l->v[j + 1].addr < end)
			end = l->v[j + 1].addr;
		if (count == max)
			return *n = count, -E2BIG;
		r[count].start = start;
		r[count].end = end;
		r[count].init = init_text && init_text >= start && init_text < end;
		count++;
		i = j + 1;
	}
	*n = count;
	return 0;
}

int km_module_text_ranges_from(const char *kallsyms, const char *sys_module, const char *name,
			       struct km_text_range *ranges, int max, int *n)
{
	struct sym_list l = {};
	unsigned long init_text;
	FILE *f;
	int err;

	*n = 0;
	f = fopen(kallsyms, "re");
	if (!f)
		return -errno;
	err = parse_kallsyms(f, name, &l);
	fclose(f);
	if (err)
		goto out;
	qsort(l.v, l.n, sizeof(*l.v), cmp_sym);
	init_text = section_start(sys_module, name, ".init.text");
	err = runs_to_ranges(&l, init_text, ranges, max, n);
	if (err || *n)
		goto out;
	if (l.own_hidden)
		err = -EPERM;
	else if (!module_present(sys_module, name))
		err = -ENOENT;
out:
	free(l.v);
	return err;
}

int km_module_text_ranges(const char *name, struct km_text_range *ranges, int max, int *n)
{
	return km_module_text_ranges_from("/proc/kallsyms", "/sys/module", name, ranges, max, n);
}
