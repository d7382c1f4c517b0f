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
#include "../btf_fixture.h"
#include "kernel/tp_layout.h"
#include "kmscope.h"
#include "trace.skel.h"

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
