/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sweep report made by hand, every value chosen here, on the heap as the engine makes
 * one (so sweep_report_free frees it): eight points that between them have every
 * verdict but hang, a point still unfinished, one never run, a lost event, a call site
 * longer than the table's column, XML and JSON specials, a byte that is not UTF-8.
 */
#ifndef KMSCOPE_SWEEP_SAMPLE_H
#define KMSCOPE_SWEEP_SAMPLE_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweep.h"

#define SAMPLE_LONG_FUNC "kt_a_function_with_a_name_far_longer_than_any_column_allows"
#define SAMPLE_NR_POINTS 8

static char *sample_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* n strings on the heap; the list ends at n. */
static char **sample_strv(int n, ...)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		v[i] = sample_str(va_arg(ap, const char *));
	va_end(ap);
	return v;
}

static void sample_site(struct sweep_site *s, const char *func, uint64_t off, const char *mod,
			const char *allocator, uint32_t size, int order, const char *cache,
			const char *gfp, const char *class)
{
	char site[256];

	memset(s, 0, sizeof(*s));
	if (func) {
		snprintf(site, sizeof(site), "%s+0x%llx%s%s%s", func, (unsigned long long)off,
			 mod ? " [" : "", mod ? mod : "", mod ? "]" : "");
		s->call_site = sample_str(site);
	}
	s->function = sample_str(func);
	s->offset = off;
	s->module = sample_str(mod);
	s->allocator = sample_str(allocator);
	s->size = size;
	s->order = order;
	s->cache = sample_str(cache);
	s->gfp = sample_str(gfp);
	s->gfp_class = sample_str(class);
}

static void sample_leak(struct sweep_leak *l, const char *func, uint64_t off, uint64_t count,
			uint64_t bytes, int frames)
{
	char site[128];

	snprintf(site, sizeof(site), "%s+0x%llx [kt]", func, (unsigned long long)off);
	l->call_site = sample_str(site);
	l->function = sample_str(func);
	l->module = sample_str("kt");
	l->count = count;
	l->bytes = bytes;
	l->nr_frames = frames;
	l->stack = frames ? sample_strv(frames, site, "kt_ioctl+0x99 [kt]") : NULL;
}

static struct sweep_point *sample_point(struct sweep_report *r, uint64_t index,
					enum sweep_verdict v)
{
	struct sweep_point *p = &r->points[r->nr_points++];

	p->index = index;
	p->started = p->done = true;
	p->verdict = v;
	p->injected = true;
	p->failures = 1;
	p->exit_status = 0;
	return p;
}

static void sample_report(struct sweep_report *r)
{
	struct sweep_point *p;

	memset(r, 0, sizeof(*r));
	r->command = sample_str("insmod /lib/modules/kt.ko");
	r->setup = sample_str("modprobe -r kt || true");
	r->teardown = sample_str("rmmod kt");
	r->scope = sample_str("module kt");
	r->rule = sample_str("kmalloc,cache,page, size 1-65536");
	r->mode = sample_str("nth");
	r->backend = sample_str("bpf");
	r->kernel = sample_str("6.12.48-kmscope");
	r->fail_on = SWEEP_FAIL_DEFAULT;
	r->baseline_matched = 9;
	r->baseline_lost = 1;
	r->baseline_status = 0;
	r->baseline_seconds = 0.5;
	r->seconds = 12.25;
	r->points = calloc(SAMPLE_NR_POINTS, sizeof(*r->points));

	p = sample_point(r, 1, SWEEP_FAILED_CLEANLY);
	sample_site(&p->site, "kt_init", 0x1a, "kt", "kmalloc", 128, -1, "kmalloc-128",
		    "GFP_KERNEL", "sleeping");
	p->site.nr_frames = 2;
	p->site.stack = sample_strv(2, "kt_init+0x1a [kt]", "do_one_initcall+0x44");
	sample_site(&p->failed, "kt_init", 0x1a, "kt", "kmalloc", 128, -1, "kmalloc-128",
		    "GFP_KERNEL", "sleeping");
	p->exit_status = 1;
	p->seconds = 0.75;
	p->detail = sample_str("CMD exited 1");
	p->stderr_tail = sample_str("insmod: ERROR: could not insert module\nCannot allocate memory\n");

	p = sample_point(r, 2, SWEEP_LEAK);
	sample_site(&p->site, SAMPLE_LONG_FUNC, 0x2b4, "kt", "cache", 256, -1, "kt_buf",
		    "GFP_ATOMIC", "atomic");
	sample_site(&p->failed, SAMPLE_LONG_FUNC, 0x2b4, "kt", "cache", 256, -1, "kt_buf",
		    "GFP_ATOMIC", "atomic");
	p->exit_status = 1;
	p->seconds = 1.5;
	p->detail = sample_str("kfree missing: 3 x 128 bytes <kt_buf> & \"q\" 'a'\x01");
	p->nr_leaks = 2;
	p->leaks = calloc(2, sizeof(*p->leaks));
	sample_leak(&p->leaks[0], "kt_buf_alloc", 0x44, 3, 384, 2);
	sample_leak(&p->leaks[1], "kt_other", 0x10, 1, 64, 0);

	p = sample_point(r, 4, SWEEP_WARNING);
	sample_site(&p->site, "kt_pages", 0x30, "kt", "page", 16384, 2, NULL, "GFP_NOWAIT",
		    "nowait");
	sample_site(&p->failed, "kt_pages_retry", 0x8, "kt", "page", 16384, 2, NULL,
		    "GFP_KERNEL", "sleeping");
	p->site_differs = true;
	p->exit_status = 0;
	p->seconds = 0.5;
	p->detail = sample_str("WARNING\nin kt_pages");
	p->nr_kernel_log = 3;
	p->kernel_log = sample_strv(3, "WARNING: CPU: 1 PID: 77 at drivers/kt.c:120 kt_op+0x5/0x10 [kt]",
				    "Call Trace:", "bad \xff byte");

	p = sample_point(r, 5, SWEEP_PASSED);
	sample_site(&p->site, "kt_optional", 0x12, "kt", "kmalloc", 64, -1, "kmalloc-64",
		    "GFP_KERNEL", "sleeping");
	p->seconds = 0.25;

	p = sample_point(r, 6, SWEEP_NOT_INJECTED);
	sample_site(&p->site, "kt_late", 0x3, "kt", "kmalloc", 32, -1, "kmalloc-32",
		    "GFP_KERNEL", "sleeping");
	p->injected = false;
	p->failures = 0;
	p->seconds = 0.25;
	p->detail = sample_str("the run never reached this point");

	p = sample_point(r, 7, SWEEP_CRASH);
	sample_site(&p->site, "kt_deref", 0x77, "kt", "kmalloc", 512, -1, "kmalloc-512",
		    "GFP_KERNEL", "sleeping");
	p->exit_status = -1;
	p->seconds = 3;
	p->detail = sample_str("the kernel crashed: BUG: kernel NULL pointer dereference");
	p->nr_kernel_log = 1;
	p->kernel_log = sample_strv(1, "BUG: kernel NULL pointer dereference, address: 0000000000000008");

	/* a lost baseline event, started and never finished */
	p = sample_point(r, 8, SWEEP_CRASH);
	sample_site(&p->site, NULL, 0, NULL, NULL, 0, -1, NULL, NULL, NULL);
	p->done = false;
	p->exit_status = -1;

	/* chosen, never run */
	p = sample_point(r, 9, SWEEP_PASSED);
	sample_site(&p->site, "kt_exit", 0x5, "kt", "kmalloc", 16, -1, "kmalloc-16",
		    "GFP_KERNEL", "sleeping");
	p->started = p->done = false;
	p->injected = false;
	p->failures = 0;
	p->exit_status = -1;
}

#endif
