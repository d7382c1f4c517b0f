// SPDX-License-Identifier: GPL-2.0
/* Call-site symbols of imported text, and the addresses they are given (site_syms.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ksyms.h"
#include "replay/import_line.h"
#include "replay/site_syms.h"

#define MADE_UP_BASE  0xfffffe0000000000ULL
#define MADE_UP_SHIFT 24

bool site_split_symbol(const char *s, size_t n, size_t *name_len, __u64 *off)
{
	const char *plus = NULL, *slash;
	size_t i;

	for (i = n; i > 0; i--) {
		if (s[i - 1] == '+') {
			plus = s + i - 1;
			break;
		}
	}
	*off = 0;
	if (!plus) {
		*name_len = n;
		return n > 0;
	}
	*name_len = plus - s;
	slash = memchr(plus, '/', s + n - plus);
	return *name_len > 0 && text_parse_hex(plus + 1, (slash ? slash : s + n) - plus - 1, off);
}

/* The symbol of (name, module), added unplaced when new; a negative errno. */
static long sym_index(struct site_syms *t, const char *name, size_t name_len, const char *mod,
		      size_t mod_len)
{
	char key[SITE_NAME_MAX + SITE_MODULE_MAX + 1];
	bool added;
	long i;

	if (!name_len || name_len >= SITE_NAME_MAX || mod_len >= SITE_MODULE_MAX)
		return -EINVAL;
	memcpy(key, name, name_len);
	key[name_len] = '\0';
	if (mod_len)
		memcpy(key + name_len + 1, mod, mod_len);
	i = strmap_get(&t->names, key, name_len + 1 + mod_len, &added);
	if (i < 0 || !added)
		return i;
	if (t->names.nr > SITE_SYMS_MAX)
		return -E2BIG;
	if ((size_t)i >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct site_sym *n = realloc(t->sym, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->sym = n;
		t->cap = cap;
	}
	memset(&t->sym[i], 0, sizeof(t->sym[i]));
	if (mod_len)
		memcpy(t->sym[i].module, mod, mod_len);
	return i;
}

int site_syms_addr(struct site_syms *t, const char *name, size_t name_len, const char *module,
		   size_t module_len, __u64 off, __u64 *addr)
{
	struct site_sym *s;
	long i;

	if (off >> MADE_UP_SHIFT)
		return -EINVAL;
	i = sym_index(t, name, name_len, module, module ? module_len : 0);
	if (i < 0)
		return i;
	s = &t->sym[i];
	if (!s->base)
		s->base = MADE_UP_BASE + ((__u64)t->made_up++ << MADE_UP_SHIFT);
	*addr = s->base + off;
	return 0;
}

int site_syms_learn(struct site_syms *t, const char *sym, size_t sym_len, const char *dso,
		    size_t dso_len, __u64 addr)
{
	const char *mod = NULL;
	size_t name_len, mod_len = 0;
	__u64 off;
	long i;

	if (!addr || !sym || !sym_len || sym[0] == '[' ||
	    !site_split_symbol(sym, sym_len, &name_len, &off) || off > addr)
		return -EINVAL;
	if (dso && dso_len > 2 && dso[0] == '[' && dso[dso_len - 1] == ']') {
		if (!(dso_len == 17 && !memcmp(dso, "[kernel.kallsyms]", 17))) {
			mod = dso + 1;
			mod_len = dso_len - 2;
		}
	} else if (dso && dso_len) {
		return -EINVAL; /* a user-space frame */
	}
	if (mod_len >= SITE_MODULE_MAX)
		return -EINVAL;
	/* perf's events print no module: the key has none, the symbol keeps the frame's */
	i = sym_index(t, sym, name_len, NULL, 0);
	if (i < 0 || t->sym[i].base)
		return i < 0 ? i : 0;
	t->sym[i].base = addr - off;
	t->sym[i].real = true;
	if (mod_len)
		memcpy(t->sym[i].module, mod, mod_len);
	return 0;
}

struct ksyms *site_syms_ksyms(const struct site_syms *t, unsigned long *nr,
			      unsigned long *with_address)
{
	struct ksym *arr = calloc(t->names.nr ? t->names.nr : 1, sizeof(*arr));
	struct ksyms *ks;
	size_t i, n = 0;

	*nr = *with_address = 0;
	if (!arr)
		return NULL;
	for (i = 0; i < t->names.nr; i++) {
		if (!t->sym[i].base)
			continue; /* a frame's symbol that no event used */
		arr[n].name = t->names.keys[i];
		arr[n].module = t->sym[i].module[0] ? t->sym[i].module : NULL;
		arr[n].addr = t->sym[i].base;
		*with_address += t->sym[i].real;
		n++;
	}
	*nr = n;
	ks = ksyms__from_array(arr, n);
	free(arr);
	return ks;
}

void site_syms_free(struct site_syms *t)
{
	strmap_free(&t->names);
	free(t->sym);
	memset(t, 0, sizeof(*t));
}
