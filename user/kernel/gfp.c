// SPDX-License-Identifier: GPL-2.0
/*
 * GFP flag decoding.  The ___GFP_*_BIT positions move between kernel versions and configs
 * (___GFP_UNUSED_BIT, ___GFP_NOLOCKDEP_BIT, ___GFP_SKIP_KASAN_BIT ... come and go), so no
 * bit is hard-coded here: they are read from the kernel's BTF or, on kernels whose BTF has
 * no ___GFP_*_BIT enum (before 6.8), from the __print_flags table of a kmem tracepoint.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/gfp.h"
#include "kernel/vmlinux_btf.h"

#define NO_FIELD ((size_t)-1)

/*
 * Flags with a field in struct gfp_bits.  Names are string literals so that a gfp_bits,
 * which has no destructor, can point at them after the BTF or format text is gone.
 */
static const struct {
	const char *name;
	size_t field;
} known_flags[] = {
	{ "__GFP_DMA", offsetof(struct gfp_bits, dma) },
	{ "__GFP_HIGHMEM", offsetof(struct gfp_bits, highmem) },
	{ "__GFP_DMA32", offsetof(struct gfp_bits, dma32) },
	{ "__GFP_MOVABLE", offsetof(struct gfp_bits, movable) },
	{ "__GFP_RECLAIMABLE", offsetof(struct gfp_bits, reclaimable) },
	{ "__GFP_HIGH", offsetof(struct gfp_bits, high) },
	{ "__GFP_IO", offsetof(struct gfp_bits, io) },
	{ "__GFP_FS", offsetof(struct gfp_bits, fs) },
	{ "__GFP_ZERO", offsetof(struct gfp_bits, zero) },
	{ "__GFP_DIRECT_RECLAIM", offsetof(struct gfp_bits, direct_reclaim) },
	{ "__GFP_KSWAPD_RECLAIM", offsetof(struct gfp_bits, kswapd_reclaim) },
	{ "__GFP_WRITE", offsetof(struct gfp_bits, write) },
	{ "__GFP_NOWARN", offsetof(struct gfp_bits, nowarn) },
	{ "__GFP_RETRY_MAYFAIL", offsetof(struct gfp_bits, retry_mayfail) },
	{ "__GFP_NOFAIL", offsetof(struct gfp_bits, nofail) },
	{ "__GFP_NORETRY", offsetof(struct gfp_bits, noretry) },
	{ "__GFP_MEMALLOC", offsetof(struct gfp_bits, memalloc) },
	{ "__GFP_COMP", offsetof(struct gfp_bits, comp) },
	{ "__GFP_NOMEMALLOC", offsetof(struct gfp_bits, nomemalloc) },
	{ "__GFP_HARDWALL", offsetof(struct gfp_bits, hardwall) },
	{ "__GFP_THISNODE", offsetof(struct gfp_bits, thisnode) },
	{ "__GFP_ACCOUNT", offsetof(struct gfp_bits, account) },
	{ "__GFP_ZEROTAGS", NO_FIELD },
	{ "__GFP_SKIP_ZERO", NO_FIELD },
	{ "__GFP_SKIP_KASAN", NO_FIELD },
	{ "__GFP_NOLOCKDEP", NO_FIELD },
	{ "__GFP_NO_OBJ_EXT", NO_FIELD },
	{ "__GFP_ATOMIC", NO_FIELD }, /* until 6.3 */
	{ "__GFP_SKIP_KASAN_POISON", NO_FIELD },
	{ "__GFP_SKIP_KASAN_UNPOISON", NO_FIELD },
};

#define GFP_NAME_MAX 48

/*
 * Flags this file does not know yet (a newer kernel's) still get a name.  The pool must
 * outlive the BTF/format text, hence static; it is deduplicated so repeated loads do not
 * grow it.  Loading is expected to happen once, before any threads.
 */
static const char *intern_name(const char *name, size_t len)
{
	static char pool[GFP_MAX_FLAGS][GFP_NAME_MAX];
	static int pool_nr;
	size_t i;
	int j;

	for (i = 0; i < sizeof(known_flags) / sizeof(known_flags[0]); i++) {
		if (strlen(known_flags[i].name) == len && !memcmp(known_flags[i].name, name, len))
			return known_flags[i].name;
	}
	if (len >= GFP_NAME_MAX)
		return NULL;
	for (j = 0; j < pool_nr; j++) {
		if (strlen(pool[j]) == len && !memcmp(pool[j], name, len))
			return pool[j];
	}
	if (pool_nr == GFP_MAX_FLAGS)
		return NULL;
	memcpy(pool[pool_nr], name, len);
	pool[pool_nr][len] = '\0';
	return pool[pool_nr++];
}

static int add_flag(struct gfp_bits *g, const char *name, size_t len, unsigned long mask)
{
	const char *iname;
	size_t i;
	int j;

	if (!mask || (mask & (mask - 1)))
		return 0; /* not a single bit */
	for (j = 0; j < g->nr_flags; j++) {
		if (g->flags[j].mask == mask)
			return 0; /* an alias, e.g. the same bit listed twice */
	}
	if (g->nr_flags == GFP_MAX_FLAGS)
		return -E2BIG;
	iname = intern_name(name, len);
	if (!iname)
		return 0; /* printed as hex instead */
	g->flags[g->nr_flags].name = iname;
	g->flags[g->nr_flags].mask = mask;
	g->nr_flags++;
	for (i = 0; i < sizeof(known_flags) / sizeof(known_flags[0]); i++) {
		if (known_flags[i].name == iname && known_flags[i].field != NO_FIELD)
			*(unsigned long *)((char *)g + known_flags[i].field) = mask;
	}
	return 0;
}

static int cmp_flag(const void *a, const void *b)
{
	const struct gfp_flag *fa = a, *fb = b;

	return fa->mask < fb->mask ? -1 : fa->mask > fb->mask;
}

static void sort_flags(struct gfp_bits *g)
{
	qsort(g->flags, g->nr_flags, sizeof(g->flags[0]), cmp_flag);
}

static unsigned long flag_mask(const struct gfp_bits *g, const char *name)
{
	int i;

	for (i = 0; i < g->nr_flags; i++) {
		if (!strcmp(g->flags[i].name, name))
			return g->flags[i].mask;
	}
	return 0;
}

static const struct btf_type *find_gfp_enum(const struct btf *btf)
{
	__u32 id, n = btf__type_cnt(btf);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;
		int i, vlen;

		if (!t || !(btf_is_enum(t) || btf_is_enum64(t)))
			continue;
		vlen = btf_vlen(t);
		for (i = 0; i < vlen; i++) {
			__u32 off = btf_is_enum(t) ? btf_enum(t)[i].name_off :
						     btf_enum64(t)[i].name_off;

			name = btf__name_by_offset(btf, off);
			if (name && !strcmp(name, "___GFP_DMA_BIT"))
				return t;
		}
	}
	return NULL;
}

int gfp_bits__from_btf(struct gfp_bits *g, const struct btf *btf)
{
	static const char prefix[] = "___GFP_", suffix[] = "_BIT";
	const struct btf_type *t;
	int i, vlen, err;

	if (!g || !btf)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	t = find_gfp_enum(btf);
	if (!t)
		return -ENOENT;
	vlen = btf_vlen(t);
	for (i = 0; i < vlen; i++) {
		const char *name;
		unsigned long long bit;
		size_t len;
		__u32 off;

		if (btf_is_enum(t)) {
			off = btf_enum(t)[i].name_off;
			bit = (__u32)btf_enum(t)[i].val;
		} else {
			off = btf_enum64(t)[i].name_off;
			bit = btf_enum64_value(&btf_enum64(t)[i]);
		}
		name = btf__name_by_offset(btf, off);
		if (!name)
			continue;
		len = strlen(name);
		if (len <= sizeof(prefix) - 1 + sizeof(suffix) - 1 ||
		    strncmp(name, prefix, sizeof(prefix) - 1) ||
		    strcmp(name + len - (sizeof(suffix) - 1), suffix))
			continue;
		/* ___GFP_LAST_BIT is a count and ___GFP_UNUSED_BIT a hole, not flags */
		if (!strcmp(name, "___GFP_LAST_BIT") || !strcmp(name, "___GFP_UNUSED_BIT"))
			continue;
		if (bit >= sizeof(unsigned long) * 8)
			continue;
		/* "___GFP_DMA_BIT" -> "__GFP_DMA" */
		err = add_flag(g, name + 1, len - 1 - (sizeof(suffix) - 1), 1UL << bit);
		if (err)
			return err;
	}
	if (!g->nr_flags)
		return -ENOENT;
	sort_flags(g);
	return 0;
}

/*
 * A recursive-descent evaluator for the constant C expressions that the tracepoint format
 * shows for each flag, e.g. `(( gfp_t)((((1UL))) << (10))|((((1UL))) << (11)))` or
 * `(( gfp_t)0x400u)`, possibly with `& ~(...)`.  Casts are skipped.
 */
struct eval {
	const char *p;
	int err;
	int depth; /* bounds the recursion on hostile input */
};

#define EVAL_MAX_DEPTH 256

static unsigned long long eval_or(struct eval *e);

static void skip_ws(struct eval *e)
{
	while (*e->p == ' ' || *e->p == '\t' || *e->p == '\n' || *e->p == '\r')
		e->p++;
}

static int is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* At "(": a cast if only identifiers, blanks and '*' come before the ")". */
static int skip_cast(struct eval *e)
{
	const char *q = e->p + 1;

	while (*q == ' ' || *q == '\t')
		q++;
	if (!is_ident_start(*q))
		return 0;
	while (is_ident_char(*q) || *q == ' ' || *q == '\t' || *q == '*')
		q++;
	if (*q != ')')
		return 0;
	e->p = q + 1;
	return 1;
}

static unsigned long long eval_primary(struct eval *e);

static unsigned long long eval_unary(struct eval *e)
{
	unsigned long long v;

	skip_ws(e);
	if (e->err)
		return 0;
	if (++e->depth > EVAL_MAX_DEPTH) {
		e->err = -E2BIG;
		return 0;
	}
	v = eval_primary(e);
	e->depth--;
	return v;
}

static unsigned long long eval_primary(struct eval *e)
{
	unsigned long long v;
	char *end;

	switch (*e->p) {
	case '~':
		e->p++;
		return ~eval_unary(e);
	case '-':
		e->p++;
		return -eval_unary(e);
	case '+':
		e->p++;
		return eval_unary(e);
	case '(':
		if (skip_cast(e))
			return eval_unary(e);
		e->p++;
		v = eval_or(e);
		skip_ws(e);
		if (*e->p != ')') {
			e->err = -EINVAL;
			return 0;
		}
		e->p++;
		return v;
	}
	if (*e->p < '0' || *e->p > '9') {
		e->err = -EINVAL;
		return 0;
	}
	errno = 0;
	v = strtoull(e->p, &end, 0);
	if (errno || end == e->p) {
		e->err = -EINVAL;
		return 0;
	}
	e->p = end;
	while (*e->p == 'u' || *e->p == 'U' || *e->p == 'l' || *e->p == 'L')
		e->p++;
	if (is_ident_char(*e->p))
		e->err = -EINVAL;
	return v;
}

static unsigned long long eval_shift(struct eval *e)
{
	unsigned long long v = eval_unary(e), n;
	int left;

	for (;;) {
		skip_ws(e);
		if (e->err)
			return 0;
		if (e->p[0] == '<' && e->p[1] == '<')
			left = 1;
		else if (e->p[0] == '>' && e->p[1] == '>')
			left = 0;
		else
			return v;
		e->p += 2;
		n = eval_unary(e);
		if (n >= 64) { /* undefined in C; not a flag */
			e->err = -ERANGE;
			return 0;
		}
		v = left ? v << n : v >> n;
	}
}

static unsigned long long eval_and(struct eval *e)
{
	unsigned long long v = eval_shift(e);

	for (;;) {
		skip_ws(e);
		if (e->err || e->p[0] != '&' || e->p[1] == '&')
			return v;
		e->p++;
		v &= eval_shift(e);
	}
}

static unsigned long long eval_xor(struct eval *e)
{
	unsigned long long v = eval_and(e);

	for (;;) {
		skip_ws(e);
		if (e->err || e->p[0] != '^')
			return v;
		e->p++;
		v ^= eval_and(e);
	}
}

static unsigned long long eval_or(struct eval *e)
{
	unsigned long long v = eval_xor(e);

	for (;;) {
		skip_ws(e);
		if (e->err || e->p[0] != '|' || e->p[1] == '|')
			return v;
		e->p++;
		v |= eval_xor(e);
	}
}

/* Skips a balanced stretch up to the next top-level ',' / closing bracket; NULL at the end. */
static const char *skip_balanced(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
			}
			if (!*p)
				return NULL;
		} else if (*p == '(' || *p == '{' || *p == '[') {
			depth++;
		} else if (*p == ')' || *p == '}' || *p == ']') {
			if (!depth)
				return p;
			depth--;
		} else if (*p == ',' && !depth) {
			return p;
		}
	}
	return NULL;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int add_format_flag(struct gfp_bits *g, const char *name, size_t len, unsigned long v)
{
	/*
	 * 5.x tables list the DMA bits only as "GFP_DMA" and "GFP_DMA32" (defined as
	 * exactly __GFP_DMA and __GFP_DMA32); every other GFP_* name is a composite.
	 */
	if (len == 7 && !memcmp(name, "GFP_DMA", 7))
		return add_flag(g, "__GFP_DMA", 9, v);
	if (len == 9 && !memcmp(name, "GFP_DMA32", 9))
		return add_flag(g, "__GFP_DMA32", 11, v);
	if (len > 6 && !memcmp(name, "__GFP_", 6))
		return add_flag(g, name, len, v);
	return 0;
}

/* Parses the {value, "name"} entries of one __print_flags( call starting at p. */
static int parse_print_flags(struct gfp_bits *g, const char *p)
{
	int err;

	/* first argument: the field; second: the delimiter string */
	p = skip_balanced(p);
	if (!p || *p != ',')
		return -EINVAL;
	p = skip_balanced(p + 1);
	if (!p || *p != ',')
		return -EINVAL;
	p++;
	for (;;) {
		struct eval e;
		unsigned long long v;
		const char *name, *end;

		p = skip_blanks(p);
		if (*p != '{')
			return 0; /* ")" or anything unexpected ends the table */
		e.p = p + 1;
		e.err = 0;
		e.depth = 0;
		v = eval_or(&e);
		skip_ws(&e);
		end = skip_balanced(p + 1); /* end of the value, whatever the evaluator did */
		if (!end)
			return -EINVAL;
		if (!e.err && e.p == end && *end == ',') {
			name = skip_blanks(end + 1);
			if (*name == '"') {
				const char *q = strchr(name + 1, '"');

				if (q && v <= ULONG_MAX) {
					err = add_format_flag(g, name + 1, q - name - 1, v);
					if (err)
						return err;
				}
			}
		}
		/* on to the closing '}' of this entry, then past the separating ',' */
		while (end && *end == ',')
			end = skip_balanced(end + 1);
		if (!end || *end != '}')
			return -EINVAL;
		p = skip_blanks(end + 1);
		if (*p != ',')
			return 0;
		p++;
	}
}

int gfp_bits__from_format(struct gfp_bits *g, const char *format_text)
{
	static const char marker[] = "__print_flags(";
	const char *p;
	int err;

	if (!g || !format_text)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	for (p = strstr(format_text, marker); p; p = strstr(p + 1, marker)) {
		err = parse_print_flags(g, p + sizeof(marker) - 1);
		if (err == -E2BIG)
			return err;
		/* a malformed table is skipped; another __print_flags may still decode */
	}
	if (!g->nr_flags)
		return -ENOENT;
	sort_flags(g);
	return 0;
}

static char *read_text(const char *path)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = ENOMEM;
				goto fail;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err = EIO;
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
fail:
	free(buf);
	fclose(f);
	errno = err;
	return NULL;
}

int gfp_bits__load_btf(struct gfp_bits *g, const struct btf *btf, const char *format_path)
{
	if (!g)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	if (btf && !gfp_bits__from_btf(g, btf))
		return 0;
	if (format_path) {
		char *text = read_text(format_path);
		int err;

		if (text) {
			err = gfp_bits__from_format(g, text);
			free(text);
			if (!err)
				return 0;
		}
	}
	memset(g, 0, sizeof(*g));
	return -ENOENT;
}

int gfp_bits__load(struct gfp_bits *g, const char *btf_path, const char *format_path)
{
	struct btf *btf = btf_path ? km_btf_open(btf_path) : NULL;
	int err = gfp_bits__load_btf(g, btf, format_path);

	btf__free(btf);
	return err;
}

enum gfp_class gfp_classify(const struct gfp_bits *g, unsigned long flags)
{
	if (flags & g->direct_reclaim)
		return GFP_CLASS_SLEEPING;
	if (flags & g->high)
		return GFP_CLASS_ATOMIC;
	return GFP_CLASS_NOWAIT;
}

static const char *const class_names[GFP_CLASS_NR] = {
	[GFP_CLASS_SLEEPING] = "sleeping",
	[GFP_CLASS_ATOMIC] = "atomic",
	[GFP_CLASS_NOWAIT] = "nowait",
};

const char *gfp_class_name(enum gfp_class c)
{
	if ((unsigned int)c >= GFP_CLASS_NR)
		return "unknown";
	return class_names[c];
}

int gfp_class_parse(const char *name, enum gfp_class *c)
{
	int i;

	if (!name || !c)
		return -EINVAL;
	for (i = 0; i < GFP_CLASS_NR; i++) {
		if (!strcmp(name, class_names[i])) {
			*c = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool gfp_is_dma(const struct gfp_bits *g, unsigned long flags)
{
	return flags & (g->dma | g->dma32);
}

/* All of a composite's bits must be known, else it is left out (0). */
static unsigned long all_of(const unsigned long *parts, int n)
{
	unsigned long m = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!parts[i])
			return 0;
		m |= parts[i];
	}
	return m;
}

#define ALL(...)                                                                     \
	all_of((const unsigned long[]){ __VA_ARGS__ },                               \
	       sizeof((const unsigned long[]){ __VA_ARGS__ }) / sizeof(unsigned long))

struct composite {
	const char *name;
	unsigned long mask;
};

/*
 * The composite names in the order of include/trace/events/mmflags.h
 * (__def_gfpflag_names): largest first, so that each one printed strips its bits.
 * Definitions from include/linux/gfp_types.h as of 6.18, where GFP_NOWAIT gained
 * __GFP_NOWARN; kernels 6.3 .. 6.17 cannot be told apart from their bits, so there a
 * GFP_NOWAIT allocation prints as __GFP_KSWAPD_RECLAIM.
 */
static int gfp_composites(const struct gfp_bits *g, struct composite *c)
{
	unsigned long reclaim = ALL(g->direct_reclaim, g->kswapd_reclaim);
	unsigned long kernel = ALL(reclaim, g->io, g->fs);
	unsigned long user = ALL(kernel, g->hardwall);
	unsigned long highuser = ALL(user, g->highmem);
	unsigned long movable = ALL(highuser, g->movable);
	unsigned long light = 0, transhuge = 0;
	unsigned long atomic = ALL(g->high, g->kswapd_reclaim);
	unsigned long nowait = ALL(g->kswapd_reclaim, g->nowarn);
	unsigned long old_atomic = flag_mask(g, "__GFP_ATOMIC");
	int n = 0;

	/*
	 * A kernel with __GFP_ATOMIC is older than 6.3, so it also predates 6.18's
	 * __GFP_NOWARN in GFP_NOWAIT: name its combinations as it does.
	 */
	if (old_atomic) {
		atomic = atomic ? atomic | old_atomic : 0;
		nowait = g->kswapd_reclaim;
	}

	/* 0 without KASAN_HW_TAGS; 5.16 .. 6.2 had the two halves instead */
	if (movable)
		movable |= flag_mask(g, "__GFP_SKIP_KASAN") |
			   flag_mask(g, "__GFP_SKIP_KASAN_POISON") |
			   flag_mask(g, "__GFP_SKIP_KASAN_UNPOISON");
	if (reclaim) {
		light = ALL(movable, g->comp, g->nomemalloc, g->nowarn) & ~reclaim;
		transhuge = light ? light | g->direct_reclaim : 0;
	}
	c[n++] = (struct composite){ "GFP_TRANSHUGE", transhuge };
	c[n++] = (struct composite){ "GFP_TRANSHUGE_LIGHT", light };
	c[n++] = (struct composite){ "GFP_HIGHUSER_MOVABLE", movable };
	c[n++] = (struct composite){ "GFP_HIGHUSER", highuser };
	c[n++] = (struct composite){ "GFP_USER", user };
	c[n++] = (struct composite){ "GFP_KERNEL_ACCOUNT", ALL(kernel, g->account) };
	c[n++] = (struct composite){ "GFP_KERNEL", kernel };
	c[n++] = (struct composite){ "GFP_NOFS", ALL(reclaim, g->io) };
	c[n++] = (struct composite){ "GFP_ATOMIC", atomic };
	c[n++] = (struct composite){ "GFP_NOIO", reclaim };
	c[n++] = (struct composite){ "GFP_NOWAIT", nowait };
	c[n++] = (struct composite){ "GFP_DMA", g->dma };
	c[n++] = (struct composite){ "GFP_DMA32", g->dma32 };
	c[n++] = (struct composite){ "__GFP_RECLAIM", reclaim };
	return n;
}

/* snprintf that keeps counting past a full buffer */
static int append(char *buf, size_t len, int pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append(char *buf, size_t len, int pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((size_t)pos < len ? buf + pos : NULL, (size_t)pos < len ? len - pos : 0,
		      fmt, ap);
	va_end(ap);
	return n < 0 ? pos : pos + n;
}

int gfp_format(const struct gfp_bits *g, unsigned long flags, char *buf, size_t len)
{
	struct composite c[16];
	int i, n, pos = 0;

	if (len)
		buf[0] = '\0';
	if (!flags)
		return append(buf, len, 0, "none");
	n = gfp_composites(g, c);
	for (i = 0; i < n && flags; i++) {
		if (!c[i].mask || (flags & c[i].mask) != c[i].mask)
			continue;
		pos = append(buf, len, pos, "%s%s", pos ? "|" : "", c[i].name);
		flags &= ~c[i].mask;
	}
	for (i = 0; i < g->nr_flags && flags; i++) {
		if (!(flags & g->flags[i].mask))
			continue;
		pos = append(buf, len, pos, "%s%s", pos ? "|" : "", g->flags[i].name);
		flags &= ~g->flags[i].mask;
	}
	if (flags)
		pos = append(buf, len, pos, "%s0x%lx", pos ? "|" : "", flags);
	return pos;
}

/*
 * The inverse of gfp_format, for flags printed by a tracepoint (ftrace, perf script):
 * composite and single names of this kernel's table, hex for bits without a name.
 */
int gfp_parse(const struct gfp_bits *g, const char *text, size_t len, unsigned long *flags,
	      int *unknown)
{
	struct composite c[16];
	const char *p = text, *end = text + len;
	int i, n = gfp_composites(g, c);

	*flags = 0;
	*unknown = 0;
	if (len == 4 && !memcmp(text, "none", 4))
		return 0;
	while (p < end) {
		const char *bar = memchr(p, '|', end - p);
		size_t tlen = (bar ? bar : end) - p;
		bool found = false;

		if (!tlen)
			return -EINVAL;
		if (tlen > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			unsigned long v = 0;
			size_t k;

			for (k = 2; k < tlen; k++) {
				int d = p[k] >= '0' && p[k] <= '9' ? p[k] - '0' :
					(p[k] | 0x20) >= 'a' && (p[k] | 0x20) <= 'f' ?
								(p[k] | 0x20) - 'a' + 10 : -1;

				if (d < 0 || k > 17)
					return -EINVAL;
				v = v << 4 | d;
			}
			*flags |= v;
			found = true;
		}
		for (i = 0; !found && i < n; i++) {
			if (c[i].mask && strlen(c[i].name) == tlen && !memcmp(c[i].name, p, tlen)) {
				*flags |= c[i].mask;
				found = true;
			}
		}
		for (i = 0; !found && i < g->nr_flags; i++) {
			if (strlen(g->flags[i].name) == tlen && !memcmp(g->flags[i].name, p, tlen)) {
				*flags |= g->flags[i].mask;
				found = true;
			}
		}
		if (!found)
			(*unknown)++;
		p += tlen + (bar ? 1 : 0);
		if (bar && p == end)
			return -EINVAL;
	}
	return 0;
}
