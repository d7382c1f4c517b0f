// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel text symbols from a kallsyms-format file.  The live /proc/kallsyms has 100k-200k
 * lines and the kernel alone takes tens of milliseconds to print them, so parsing overlaps
 * reading (a reader thread), all strings go to one arena (two allocations for the whole
 * table, not one per symbol), and the sort uses the file being mostly in address order.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/ksyms.h"

struct ksyms {
	struct ksym *syms;
	size_t nr, cap;
	char *strs; /* name and module strings, NUL-terminated */
	size_t strs_len, strs_cap;
};

void ksyms__free(struct ksyms *ksyms)
{
	if (!ksyms)
		return;
	free(ksyms->syms);
	free(ksyms->strs);
	free(ksyms);
}

/* Appends a string to the arena; returns its offset (pointers are fixed up at the end). */
static long arena_add(struct ksyms *ks, const char *s, size_t len)
{
	size_t off = ks->strs_len;

	if (ks->strs_cap - ks->strs_len < len + 1) {
		size_t cap = ks->strs_cap ? ks->strs_cap : 1 << 20;
		char *n;

		while (cap - ks->strs_len < len + 1)
			cap *= 2;
		n = realloc(ks->strs, cap);
		if (!n)
			return -1;
		ks->strs = n;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + off, s, len);
	ks->strs[off + len] = '\0';
	ks->strs_len += len + 1;
	return off;
}

/* Hex digit values + 1, so that 0 means "not a hex digit". */
static const unsigned char hex1[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

struct parse_state {
	long last_mod;	/* arena offset of the last module name, or -1 */
	bool zero_addr; /* some text symbol had address 0 */
};

/*
 * One line: "ffffffffc0a01000 t fn_name\t[module]".  Returns 1 if it is a text symbol
 * (filled in, offsets into the arena in name/module), 0 to skip it, -ENOMEM.
 */
static int parse_line(struct ksyms *ks, const char *p, const char *end, struct parse_state *st)
{
	unsigned long addr = 0;
	const char *name, *mod = NULL;
	size_t name_len, mod_len = 0;
	int digits = 0, h;
	long name_off, mod_off = -1;
	char type;

	for (; p < end && (h = hex1[(unsigned char)*p]); p++, digits++)
		addr = addr << 4 | (h - 1);
	if (!digits || digits > 16 || p + 3 > end || *p != ' ' || p[2] != ' ')
		return 0;
	type = p[1];
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	name = p + 3;
	/* a name ends at the line's end or at the tab before "[module]" */
	for (p = name; p < end && *p != '\t' && *p != ' '; p++)
		;
	name_len = p - name;
	if (!name_len)
		return 0;
	if (p < end) {
		while (p < end && (*p == '\t' || *p == ' '))
			p++;
		if (p < end) {
			const char *close = memchr(p, ']', end - p);

			if (*p != '[' || !close || close == p + 1)
				return 0; /* malformed module tag */
			mod = p + 1;
			mod_len = close - mod;
		}
	}
	if (!addr) {
		/* kptr_restrict hides addresses from unprivileged readers */
		st->zero_addr = true;
		return 0;
	}
	name_off = arena_add(ks, name, name_len);
	if (name_off < 0)
		return -ENOMEM;
	if (mod) {
		/* module symbols come in runs: reuse the previous copy of the module name */
		if (st->last_mod >= 0 && !strncmp(ks->strs + st->last_mod, mod, mod_len) &&
		    !ks->strs[st->last_mod + mod_len]) {
			mod_off = st->last_mod;
		} else {
			mod_off = arena_add(ks, mod, mod_len);
			if (mod_off < 0)
				return -ENOMEM;
			st->last_mod = mod_off;
		}
	}
	if (ks->nr == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 65536;
		struct ksym *n = realloc(ks->syms, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ks->syms = n;
		ks->cap = cap;
	}
	/* offsets + 1 so that 0 can mean "no module" until the arena stops moving */
	ks->syms[ks->nr].name = (const char *)(uintptr_t)(name_off + 1);
	ks->syms[ks->nr].module = (const char *)(uintptr_t)(mod_off + 1);
	ks->syms[ks->nr].addr = addr;
	ks->nr++;
	return 1;
}

/* Sorts by address; equal addresses keep file order (the arena offsets grow with it). */
static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->name != y->name)
		return (uintptr_t)x->name < (uintptr_t)y->name ? -1 : 1;
	return 0;
}

/* Parses the complete lines in [p, end); returns where the unfinished last line starts. */
static char *parse_lines(struct ksyms *ks, struct parse_state *st, char *p, char *end, int *err)
{
	while (p < end) {
		char *nl = memchr(p, '\n', end - p);
		int r;

		if (!nl)
			break;
		r = parse_line(ks, p, nl, st);
		if (r < 0) {
			*err = -r;
			break;
		}
		p = nl + 1;
	}
	return p;
}

/* Stable on (addr, file order): the name offsets still encode file order here. */
static bool ksym_before(const struct ksym *a, const struct ksym *b)
{
	return a->addr < b->addr ||
	       (a->addr == b->addr && (uintptr_t)a->name < (uintptr_t)b->name);
}

/*
 * kallsyms lists the core kernel in address order and then each module's symbols, so
 * only a tail needs sorting: qsort that tail and merge it with the sorted head.
 */
static int sort_syms(struct ksyms *ks)
{
	size_t head = 1, i, j, k, tail;
	struct ksym *tmp;

	while (head < ks->nr && !ksym_before(&ks->syms[head], &ks->syms[head - 1]))
		head++;
	if (head >= ks->nr)
		return 0;
	tail = ks->nr - head;
	qsort(ks->syms + head, tail, sizeof(*ks->syms), cmp_ksym);
	if (!ksym_before(&ks->syms[head], &ks->syms[head - 1]))
		return 0;
	tmp = malloc(tail * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, ks->syms + head, tail * sizeof(*tmp));
	/* merge from the back, so the head can stay in place */
	i = head, j = tail, k = ks->nr;
	while (j > 0) {
		if (i > 0 && ksym_before(&tmp[j - 1], &ks->syms[i - 1]))
			ks->syms[--k] = ks->syms[--i];
		else
			ks->syms[--k] = tmp[--j];
	}
	free(tmp);
	return 0;
}

#define KSYMS_CHUNK (128 * 1024)
#define KSYMS_SLOTS 4

/*
 * The kernel spends most of a /proc/kallsyms load printing it (about 0.4 us a line), so a
 * reader thread keeps read() busy while this thread parses: chunks go round a ring of
 * slots, filled in order by the reader and handed back in order by the parser.
 */
struct reader {
	int fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *slot[KSYMS_SLOTS];
	ssize_t len[KSYMS_SLOTS]; /* bytes in a filled slot; 0 at EOF, -errno on error */
	int filled;		  /* slots handed to the parser and not yet given back */
	bool stop;		  /* the parser has given up */
};

static ssize_t read_full(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	return len;
}

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	ssize_t n;
	int i = 0;

	do {
		pthread_mutex_lock(&r->lock);
		while (r->filled == KSYMS_SLOTS && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		pthread_mutex_unlock(&r->lock);
		/* slot i is free: the parser returns slots in the order they were filled */
		n = read_full(r->fd, r->slot[i], KSYMS_CHUNK);
		pthread_mutex_lock(&r->lock);
		r->len[i] = n;
		r->filled++;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
		i = (i + 1) % KSYMS_SLOTS;
	} while (n > 0);
	return NULL;
}

/* Appends to the carried-over partial line. */
static int carry(char **part, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		char *np;

		while (*len + n + 1 > ncap)
			ncap *= 2;
		np = realloc(*part, ncap);
		if (!np)
			return -ENOMEM;
		*part = np;
		*cap = ncap;
	}
	memcpy(*part + *len, p, n);
	*len += n;
	return 0;
}

/* Parses a chunk; a line cut by the chunk's end is carried over to the next one. */
static int parse_chunk(struct ksyms *ks, struct parse_state *st, char *p, char *end,
		       char **part, size_t *part_len, size_t *part_cap)
{
	int err = 0;

	if (*part_len) {
		char *nl = memchr(p, '\n', end - p);

		if (!nl)
			return carry(part, part_len, part_cap, p, end - p);
		err = carry(part, part_len, part_cap, p, nl + 1 - p);
		if (err)
			return err;
		parse_lines(ks, st, *part, *part + *part_len, &err);
		*part_len = 0;
		if (err)
			return -err;
		p = nl + 1;
	}
	p = parse_lines(ks, st, p, end, &err);
	if (err)
		return -err;
	return carry(part, part_len, part_cap, p, end - p);
}

#define FIND_CHUNK (256 * 1024)
#define FIND_NAME_MAX 128

/*
 * The line "ADDR T name\n" of a core-kernel symbol: " name\n" follows its type letter
 * and no module tag ("\t[mod]") follows it. Its address is the hex at the line's start.
 */
static int find_in_chunk(const char *buf, size_t len, const char *const *names,
			 unsigned long *addrs, size_t n, bool *zero)
{
	char pat[FIND_NAME_MAX + 3];
	int found = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);
		const char *m, *line;
		unsigned long addr = 0;
		int h;

		if (addrs[i] || nl > FIND_NAME_MAX)
			continue;
		pat[0] = ' ';
		memcpy(pat + 1, names[i], nl);
		pat[nl + 1] = '\n';
		for (m = buf; (m = memmem(m, buf + len - m, pat, nl + 2)); m++) {
			for (line = m; line > buf && line[-1] != '\n'; line--)
				;
			for (addr = 0; (h = hex1[(unsigned char)*line]); line++)
				addr = addr << 4 | (h - 1);
			if (*line == ' ' && line + 2 == m)
				break; /* "ADDR T name" */
		}
		if (!m)
			continue;
		if (!addr)
			*zero = true;
		addrs[i] = addr;
		found += addr != 0;
	}
	return found;
}

int ksyms__find_core(const char *path, const char *const *names, unsigned long *addrs,
		     size_t n)
{
	size_t len = 0, i, left = n;
	bool zero = false;
	int fd, found = 0;
	char *buf;

	for (i = 0; i < n; i++)
		addrs[i] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(FIND_CHUNK);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (left) {
		ssize_t r = read_full(fd, buf + len, FIND_CHUNK - len);
		const char *end;
		int f;

		if (r < 0) {
			found = r;
			break;
		}
		len += r;
		if (!len)
			break;
		/* whole lines only; at EOF a last line without its newline gets one */
		if (!r && buf[len - 1] != '\n' && len < FIND_CHUNK)
			buf[len++] = '\n';
		end = memrchr(buf, '\n', len);
		if (!end) {
			if (!r || len == FIND_CHUNK)
				break; /* no newline in a whole chunk: not kallsyms */
			continue;
		}
		end++;
		f = find_in_chunk(buf, end - buf, names, addrs, n, &zero);
		found += f;
		for (i = 0, left = 0; i < n; i++)
			left += !addrs[i] && strlen(names[i]) <= FIND_NAME_MAX;
		if (!r)
			break;
		len -= end - buf;
		memmove(buf, end, len);
	}
	free(buf);
	close(fd);
	if (found >= 0 && zero)
		return -EPERM;
	return found;
}

/*
 * Fails with ENOENT etc. when the file cannot be read, and with EPERM when it lists text
 * symbols whose addresses are all zero (kallsyms as seen without CAP_SYSLOG): such a table
 * could map nothing.  A file without any text symbol loads as an empty table.
 */
struct ksyms *ksyms__load(const char *path)
{
	struct reader r = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct parse_state st = { .last_mod = -1 };
	size_t part_len = 0, part_cap = 0, i;
	bool threaded = false;
	struct ksyms *ks;
	char *part = NULL;
	int slot, err = 0;
	pthread_t tid;
	ssize_t n;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	r.slot[0] = malloc((size_t)KSYMS_CHUNK * KSYMS_SLOTS);
	if (!ks || !r.slot[0]) {
		err = ENOMEM;
		goto out;
	}
	for (slot = 1; slot < KSYMS_SLOTS; slot++)
		r.slot[slot] = r.slot[0] + (size_t)slot * KSYMS_CHUNK;
	/* without a thread, read each chunk here: slower, same result */
	threaded = !pthread_create(&tid, NULL, reader_thread, &r);

	for (slot = 0;; slot = (slot + 1) % KSYMS_SLOTS) {
		if (threaded) {
			pthread_mutex_lock(&r.lock);
			while (!r.filled)
				pthread_cond_wait(&r.cond, &r.lock);
			n = r.len[slot];
			pthread_mutex_unlock(&r.lock);
		} else {
			n = read_full(r.fd, r.slot[slot], KSYMS_CHUNK);
		}
		if (n <= 0) {
			err = n < 0 ? -n : 0;
			break;
		}
		err = -parse_chunk(ks, &st, r.slot[slot], r.slot[slot] + n, &part, &part_len,
				   &part_cap);
		if (err)
			break;
		if (threaded) {
			pthread_mutex_lock(&r.lock);
			r.filled--;
			pthread_cond_broadcast(&r.cond);
			pthread_mutex_unlock(&r.lock);
		}
	}
	if (threaded) {
		pthread_mutex_lock(&r.lock);
		r.stop = true;
		pthread_cond_broadcast(&r.cond);
		pthread_mutex_unlock(&r.lock);
		pthread_join(tid, NULL);
	}
	/* a last line without a newline */
	if (!err && part_len) {
		err = -carry(&part, &part_len, &part_cap, "\n", 1);
		if (!err)
			parse_lines(ks, &st, part, part + part_len, &err);
	}
	if (!err && !ks->nr && st.zero_addr)
		err = EPERM;
	if (!err)
		err = -sort_syms(ks);
out:
	close(r.fd);
	free(r.slot[0]);
	free(part);
	if (err) {
		ksyms__free(ks);
		errno = err;
		return NULL;
	}
	for (i = 0; i < ks->nr; i++) {
		uintptr_t name = (uintptr_t)ks->syms[i].name, mod = (uintptr_t)ks->syms[i].module;

		ks->syms[i].name = ks->strs + name - 1;
		ks->syms[i].module = mod ? ks->strs + mod - 1 : NULL;
	}
	return ks;
}

/*
 * A table from symbols known some other way (text captured elsewhere names call sites
 * only as "func+0x1a"): names and modules are copied, then sorted as a loaded table.
 */
struct ksyms *ksyms__from_array(const struct ksym *syms, size_t nr)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	size_t i;

	if (!ks)
		return NULL;
	ks->syms = calloc(nr ? nr : 1, sizeof(*ks->syms));
	if (!ks->syms)
		goto fail;
	ks->cap = nr;
	for (i = 0; i < nr; i++) {
		long name = arena_add(ks, syms[i].name, strlen(syms[i].name)), mod = -1;

		if (name >= 0 && syms[i].module)
			mod = arena_add(ks, syms[i].module, strlen(syms[i].module));
		if (name < 0 || (syms[i].module && mod < 0))
			goto fail;
		ks->syms[i].name = (const char *)(uintptr_t)(name + 1);
		ks->syms[i].module = (const char *)(uintptr_t)(mod + 1);
		ks->syms[i].addr = syms[i].addr;
	}
	ks->nr = nr;
	qsort(ks->syms, ks->nr, sizeof(*ks->syms), cmp_ksym);
	for (i = 0; i < ks->nr; i++) {
		uintptr_t n = (uintptr_t)ks->syms[i].name, m = (uintptr_t)ks->syms[i].module;

		ks->syms[i].name = ks->strs + n - 1;
		ks->syms[i].module = m ? ks->strs + m - 1 : NULL;
	}
	return ks;
fail:
	ksyms__free(ks);
	errno = ENOMEM;
	return NULL;
}

/* Index of the last symbol with address <= addr, or -1. */
static long find_le(const struct ksyms *ks, unsigned long addr)
{
	size_t lo = 0, hi = ks->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

const struct ksym *ksyms__map_addr(const struct ksyms *ksyms, unsigned long addr,
				   unsigned long *offset)
{
	long i;

	if (!ksyms)
		return NULL;
	i = find_le(ksyms, addr);
	if (i < 0)
		return NULL;
	/* aliases at one address: report the first listed */
	while (i > 0 && ksyms->syms[i - 1].addr == ksyms->syms[i].addr)
		i--;
	if (offset)
		*offset = addr - ksyms->syms[i].addr;
	return &ksyms->syms[i];
}

size_t ksyms__in_range(const struct ksyms *ksyms, unsigned long start, unsigned long end,
		       const struct ksym **first)
{
	long i;
	size_t j;

	*first = NULL;
	if (!ksyms || start >= end)
		return 0;
	i = find_le(ksyms, start);
	if (i < 0)
		i = 0;
	else if (ksyms->syms[i].addr < start)
		i++;
	else
		while (i > 0 && ksyms->syms[i - 1].addr == start)
			i--;
	for (j = i; j < ksyms->nr && ksyms->syms[j].addr < end; j++)
		;
	if (j > (size_t)i)
		*first = &ksyms->syms[i];
	return j - i;
}

/* The lowest-addressed symbol of that name (in that module unless module is NULL). */
const struct ksym *ksyms__get_symbol(const struct ksyms *ksyms, const char *name,
				     const char *module)
{
	size_t i;

	if (!ksyms || !name)
		return NULL;
	for (i = 0; i < ksyms->nr; i++) {
		const struct ksym *s = &ksyms->syms[i];

		if (strcmp(s->name, name))
			continue;
		if (module && (!s->module || strcmp(s->module, module)))
			continue;
		return s;
	}
	return NULL;
}

/* -ERANGE when the symbol is the highest one, so nothing bounds it. */
int ksyms__func_range(const struct ksyms *ksyms, const char *name, unsigned long *start,
		      unsigned long *end)
{
	const struct ksym *s = ksyms__get_symbol(ksyms, name, NULL);
	size_t i;

	if (!s)
		return -ENOENT;
	for (i = s - ksyms->syms + 1; i < ksyms->nr; i++) {
		if (ksyms->syms[i].addr > s->addr) {
			*start = s->addr;
			*end = ksyms->syms[i].addr;
			return 0;
		}
	}
	return -ERANGE;
}

/* name itself, or a copy the compiler made of it: name.part.0, name.isra.0, name.cold... */
static bool is_name_or_clone(const char *sym, const char *name, size_t len)
{
	const char *p;

	if (strncmp(sym, name, len))
		return false;
	if (!sym[len])
		return true;
	if (sym[len] != '.' || !sym[len + 1])
		return false;
	for (p = sym + len + 1; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			return false;
	}
	return true;
}

static bool same_module(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int ksyms__func_ranges(const struct ksyms *ksyms, const char *name, struct ksym_range *out,
		       int max)
{
	size_t len = strlen(name), i, j;
	const char *module = NULL;
	int n = 0, found = 0;

	for (i = 0; i < ksyms->nr; i++) {
		const struct ksym *s = &ksyms->syms[i];

		if (!is_name_or_clone(s->name, name, len))
			continue;
		if (found++ == 0)
			module = s->module;
		else if (!same_module(module, s->module))
			continue;
		for (j = i + 1; j < ksyms->nr && ksyms->syms[j].addr <= s->addr; j++)
			;
		if (j == ksyms->nr)
			return n ? n : -ERANGE;
		if (n == max)
			return -E2BIG;
		out[n].start = s->addr;
		out[n].end = ksyms->syms[j].addr;
		out[n].name = s->name;
		n++;
	}
	return n ? n : -ENOENT;
}

int ksyms__format(const struct ksyms *ksyms, unsigned long addr, char *buf, size_t len)
{
	unsigned long off;
	const struct ksym *s = ksyms__map_addr(ksyms, addr, &off);

	if (!s)
		return snprintf(buf, len, "0x%lx", addr);
	if (s->module)
		return snprintf(buf, len, "%s+0x%lx [%s]", s->name, off, s->module);
	return snprintf(buf, len, "%s+0x%lx", s->name, off);
}
