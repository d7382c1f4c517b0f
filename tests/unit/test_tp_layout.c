// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint layout table against prototypes of 5.15, 6.1, 6.6, 6.12 and 6.18
 * (tests/fixtures/tp-protos/, see its README): each fixture becomes a small BTF built
 * with libbpf's btf__add_*, read by the same code kmscope runs on a live kernel.
 * Negatives: one argument's type changed, one missing, one extra, a required
 * tracepoint absent -> unknown / absent and an error naming the tracepoint.
 */
#include <errno.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../tap.h"
#include "../fixture.h"
#include "kernel/tp_layout.h"
#include "kmscope.h"
#include "trace.skel.h"

#define MAX_TYPES 64
#define MAX_LINES 16

/* A BTF under construction, with the types added so far by their C spelling. */
struct builder {
	struct btf *btf;
	char names[MAX_TYPES][96];
	int ids[MAX_TYPES];
	int n;
};

static int type_id(struct builder *b, const char *spelling);

static int remember(struct builder *b, const char *spelling, int id)
{
	if (id > 0 && b->n < MAX_TYPES) {
		snprintf(b->names[b->n], sizeof(b->names[0]), "%s", spelling);
		b->ids[b->n++] = id;
	}
	return id;
}

static int add_new_type(struct builder *b, const char *s)
{
	size_t len = strlen(s);
	char inner[96];

	if (len > 2 && !strcmp(s + len - 2, " *")) {
		snprintf(inner, sizeof(inner), "%.*s", (int)(len - 2), s);
		return btf__add_ptr(b->btf, type_id(b, inner));
	}
	if (!strncmp(s, "const ", 6))
		return btf__add_const(b->btf, type_id(b, s + 6));
	if (!strncmp(s, "struct ", 7))
		return btf__add_struct(b->btf, s + 7, 0);
	if (!strcmp(s, "long unsigned int") || !strcmp(s, "unsigned long"))
		return btf__add_int(b->btf, s, 8, 0);
	if (!strcmp(s, "unsigned int"))
		return btf__add_int(b->btf, s, 4, 0);
	if (!strcmp(s, "int"))
		return btf__add_int(b->btf, s, 4, BTF_INT_SIGNED);
	if (!strcmp(s, "char"))
		return btf__add_int(b->btf, s, 1, BTF_INT_SIGNED);
	if (!strcmp(s, "_Bool"))
		return btf__add_int(b->btf, s, 1, BTF_INT_BOOL);
	/* the kernel's typedefs, as its BTF has them */
	if (!strcmp(s, "size_t"))
		return btf__add_typedef(b->btf, s, type_id(b, "long unsigned int"));
	if (!strcmp(s, "gfp_t"))
		return btf__add_typedef(b->btf, s, type_id(b, "unsigned int"));
	if (!strcmp(s, "bool"))
		return btf__add_typedef(b->btf, s, type_id(b, "_Bool"));
	tap_diag("fixture type '%s' is not known to the test", s);
	return -EINVAL;
}

static int type_id(struct builder *b, const char *s)
{
	int i;

	if (!strcmp(s, "void"))
		return 0;
	for (i = 0; i < b->n; i++)
		if (!strcmp(b->names[i], s))
			return b->ids[i];
	return remember(b, s, add_new_type(b, s));
}

/* A FUNC_PROTO returning ret with the comma-separated args; its id or < 0. */
static int add_proto(struct builder *b, const char *ret, char *args)
{
	int ids[16], n = 0, i, proto;
	char *save = NULL, *a;

	for (a = strtok_r(args, ",", &save); a && n < 16; a = strtok_r(NULL, ",", &save)) {
		while (*a == ' ')
			a++;
		ids[n] = type_id(b, a);
		if (ids[n] < 0)
			return -EINVAL;
		n++;
	}
	proto = btf__add_func_proto(b->btf, type_id(b, ret));
	for (i = 0; proto > 0 && i < n; i++)
		if (btf__add_func_param(b->btf, "", ids[i]))
			return -EINVAL;
	return proto;
}

/* One fixture line: a btf_trace_* typedef or a function prototype. */
static int add_line(struct builder *b, const char *line)
{
	char name[64], ret[64], args[512];
	int proto;

	if (sscanf(line, "typedef void (*%63[^)])(%511[^)]);", name, args) == 2) {
		proto = add_proto(b, "void", args);
		if (proto < 0)
			return proto;
		return btf__add_typedef(b->btf, name, btf__add_ptr(b->btf, proto));
	}
	if (sscanf(line, "%63s %63[^(](%511[^)]);", ret, name, args) == 3) {
		proto = add_proto(b, ret, args);
		if (proto < 0)
			return proto;
		return btf__add_func(b->btf, name, BTF_FUNC_STATIC, proto);
	}
	tap_diag("cannot parse fixture line: %s", line);
	return -EINVAL;
}

/*
 * The BTF of a fixture, each line passed through edit (which may rewrite or drop it:
 * the negatives), NULL on error.
 */
static struct btf *fixture_btf(const char *file, void (*edit)(char *line))
{
	struct builder b = { .n = 0 };
	char line[640];
	FILE *f = fopen(fixture(file), "r");
	int err = 0;

	if (!f) {
		tap_diag("cannot open %s: %s", fixture(file), strerror(errno));
		return NULL;
	}
	b.btf = btf__new_empty();
	while (b.btf && !err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (edit)
			edit(line);
		if (line[0])
			err = add_line(&b, line) < 0;
	}
	fclose(f);
	if (err) {
		btf__free(b.btf);
		return NULL;
	}
	return b.btf;
}

struct want {
	const char *file;
	enum km_tpl tp[KM_TP_NR];
	enum km_tpl hook[KM_HOOK_NR];
};

#define NEW_LAYOUTS                                                                              \
	{ KM_TPL_SIZES_NODE, KM_TPL_ABSENT, KM_TPL_CACHE_NODE, KM_TPL_ABSENT, KM_TPL_FREE,       \
	  KM_TPL_FREE_CACHE, KM_TPL_PAGE_ALLOC, KM_TPL_PAGE_FREE }

static const struct want kernels[] = {
	{ "tp-protos/5.15.h",
	  { KM_TPL_SIZES, KM_TPL_SIZES_NODE, KM_TPL_SIZES, KM_TPL_SIZES_NODE, KM_TPL_FREE,
	    KM_TPL_FREE_NAME, KM_TPL_PAGE_ALLOC, KM_TPL_PAGE_FREE },
	  { KM_TPL_ABSENT, KM_TPL_ABSENT } },
	{ "tp-protos/6.1.h", NEW_LAYOUTS, { KM_TPL_FAILSLAB, KM_TPL_FAIL_PAGE } },
	{ "tp-protos/6.6.h", NEW_LAYOUTS, { KM_TPL_ABSENT, KM_TPL_ABSENT } },
	{ "tp-protos/6.12.h", NEW_LAYOUTS, { KM_TPL_ABSENT, KM_TPL_ABSENT } },
	{ "tp-protos/6.18.h", NEW_LAYOUTS, { KM_TPL_ABSENT, KM_TPL_ABSENT } },
};

/* The program chosen for a layout exists in trace.bpf.o and attaches to that tracepoint. */
static void check_program(const struct trace_bpf *skel, const char *file, enum km_tp tp,
			  enum km_tpl l)
{
	const char *name = km_tp_program(tp, l);
	struct bpf_program *p = name ? bpf_object__find_program_by_name(skel->obj, name) : NULL;
	char msg[160], sec[80];

	snprintf(sec, sizeof(sec), "raw_tp/%s", km_tp_name(tp));
	snprintf(msg, sizeof(msg), "%s: %s's program %s is in trace.bpf.o as %s", file,
		 km_tp_name(tp), name ? name : "(none)", sec);
	ASSERT_TRUE(p && !strcmp(bpf_program__section_name(p), sec), msg);
}

static void check_kernel(const struct want *w, const struct trace_bpf *skel)
{
	struct btf *btf = fixture_btf(w->file, NULL);
	struct km_tp_layouts all;
	char msg[160], proto[256], why[512];
	int tp, h;

	if (!ASSERT_TRUE(btf != NULL, w->file))
		return;
	for (tp = 0; tp < KM_TP_NR; tp++) {
		enum km_tpl l = km_tp_layout(btf, tp, proto, sizeof(proto));

		snprintf(msg, sizeof(msg), "%s: %s is '%s'", w->file, km_tp_name(tp),
			 km_tpl_describe(w->tp[tp]));
		if (!ASSERT_EQ(l, w->tp[tp], msg))
			tap_diag("  read as (%s)", proto);
		if (l != KM_TPL_ABSENT && skel)
			check_program(skel, w->file, tp, l);
	}
	for (h = 0; h < KM_HOOK_NR; h++) {
		snprintf(msg, sizeof(msg), "%s: hook %s is '%s'", w->file, km_hook_name(h),
			 km_tpl_describe(w->hook[h]));
		ASSERT_EQ(km_hook_layout(btf, h, proto, sizeof(proto)), w->hook[h], msg);
	}
	snprintf(msg, sizeof(msg), "%s: every tracepoint accepted", w->file);
	ASSERT_EQ(km_tp_layouts__detect(btf, &all, why, sizeof(why)), 0, msg);
	btf__free(btf);
}

/* ---- negatives: one change to a real prototype must make it unknown ---- */

static const char *edit_target; /* the typedef line to edit */
static const char *edit_from, *edit_to;

static void edit_line(char *line)
{
	char out[640], *at;

	if (!strstr(line, edit_target))
		return;
	if (!edit_from) {
		line[0] = '\0'; /* drop the tracepoint */
		return;
	}
	at = strstr(line, edit_from);
	if (!at)
		return;
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - line), line, edit_to,
		 at + strlen(edit_from));
	snprintf(line, 640, "%s", out);
}

static void check_negative(const char *what, const char *target, const char *from,
			   const char *to, enum km_tp tp, int want_err, enum km_tpl want)
{
	struct km_tp_layouts all;
	char why[512], msg[200];
	struct btf *btf;
	int err;

	edit_target = target;
	edit_from = from;
	edit_to = to;
	btf = fixture_btf("tp-protos/6.18.h", edit_line);
	if (!ASSERT_TRUE(btf != NULL, what))
		return;
	snprintf(msg, sizeof(msg), "%s: %s is '%s'", what, km_tp_name(tp), km_tpl_describe(want));
	ASSERT_EQ(km_tp_layout(btf, tp, NULL, 0), want, msg);
	err = km_tp_layouts__detect(btf, &all, why, sizeof(why));
	snprintf(msg, sizeof(msg), "%s: detection fails with %d", what, want_err);
	ASSERT_EQ(err, want_err, msg);
	snprintf(msg, sizeof(msg), "%s: the error names '%s'", what, km_tp_name(tp));
	{
		char quoted[64];

		snprintf(quoted, sizeof(quoted), "'%s'", km_tp_name(tp));
		if (!ASSERT_TRUE(strstr(why, quoted) != NULL, msg))
			tap_diag("  why: %s", why);
	}
	btf__free(btf);
}

static void check_negatives(void)
{
	/* bytes_req as int: a program reading size_t there would misread it */
	check_negative("kmalloc bytes_req int", "btf_trace_kmalloc)",
		       "const void *, size_t,", "const void *, int,", KM_TP_KMALLOC, -EPROTO,
		       KM_TPL_UNKNOWN);
	check_negative("kmalloc without gfp_flags", "btf_trace_kmalloc)", "size_t, gfp_t, int",
		       "size_t, int", KM_TP_KMALLOC, -EPROTO, KM_TPL_UNKNOWN);
	check_negative("kmem_cache_alloc with an extra argument", "btf_trace_kmem_cache_alloc)",
		       "gfp_t, int)", "gfp_t, int, int)", KM_TP_CACHE_ALLOC, -EPROTO,
		       KM_TPL_UNKNOWN);
	check_negative("kmem_cache_alloc's cache as size_t", "btf_trace_kmem_cache_alloc)",
		       "struct kmem_cache *", "size_t", KM_TP_CACHE_ALLOC, -EPROTO,
		       KM_TPL_UNKNOWN);
	check_negative("mm_page_alloc order as int", "btf_trace_mm_page_alloc)",
		       "struct page *, unsigned int", "struct page *, int", KM_TP_PAGE_ALLOC,
		       -EPROTO, KM_TPL_UNKNOWN);
	check_negative("kfree absent", "btf_trace_kfree)", NULL, NULL, KM_TP_KFREE, -ENOENT,
		       KM_TPL_ABSENT);
}

/* clang-built kernels spell unsigned long "unsigned long": the same layout. */
static void respell(char *line)
{
	char out[640], *at;

	while ((at = strstr(line, "long unsigned int"))) {
		snprintf(out, sizeof(out), "%.*sunsigned long%s", (int)(at - line), line, at + 17);
		snprintf(line, 640, "%s", out);
	}
}

static void check_spelling(void)
{
	struct btf *btf = fixture_btf("tp-protos/5.15.h", respell);
	struct km_tp_layouts all;
	char why[512];

	if (!ASSERT_TRUE(btf != NULL, "5.15 with clang's spelling"))
		return;
	ASSERT_EQ(km_tp_layout(btf, KM_TP_KMALLOC, NULL, 0), KM_TPL_SIZES,
		  "5.15 with clang's 'unsigned long': kmalloc still 'sizes'");
	ASSERT_EQ(km_tp_layouts__detect(btf, &all, why, sizeof(why)), 0,
		  "5.15 with clang's 'unsigned long': every tracepoint accepted");
	btf__free(btf);
}

int main(void)
{
	struct trace_bpf *skel = trace_bpf__open();
	size_t i;

	if (!skel)
		tap_diag("cannot open trace.bpf.o (%s): program names not checked", strerror(errno));
	ASSERT_TRUE(skel != NULL, "trace.bpf.o opens");
	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		check_kernel(&kernels[i], skel);
	check_negatives();
	check_spelling();
	trace_bpf__destroy(skel);
	return tap_done();
}
