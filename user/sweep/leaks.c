// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/btf.h>
#include "core/common.h"
#include "kernel/ksyms.h"
#include "kernel/modsyms.h"
#include "report/folded.h"
#include "sweep/leaks.h"

uint64_t sweep_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool same_key(const struct sweep_leak_group *a, const struct sweep_leak_group *b)
{
	return a->call_site == b->call_site && a->stack_id == b->stack_id &&
	       a->page == b->page && a->order == b->order;
}

static int cmp_group(const void *x, const void *y)
{
	const struct sweep_leak_group *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->call_site < b->call_site ? -1 : a->call_site > b->call_site;
}

int sweep_leaks_group(const struct outstanding_entry *e, size_t n, uint64_t since_ns,
		      bool by_stack, struct sweep_leak_set *out)
{
	struct sweep_leak_group key, *g;
	size_t i, j, cap = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (e[i].o.ts < since_ns)
			continue;
		key = (struct sweep_leak_group){
			.call_site = e[i].o.page ? 0 : e[i].o.shape.call_site,
			.stack_id = by_stack ? e[i].o.shape.stack_id : -1,
			.page = e[i].o.page,
			.order = e[i].o.page ? e[i].o.order : 0,
			.mod_range = e[i].o.mod_range,
			.mod_offset = e[i].o.mod_offset,
		};
		/* a run leaves few sites: a linear search is cheaper than a hash */
		for (j = 0; j < out->n && !same_key(&out->g[j], &key); j++)
			;
		if (j == out->n) {
			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				g = realloc(out->g, cap * sizeof(*g));
				if (!g) {
					sweep_leak_set_free(out);
					return -ENOMEM;
				}
				out->g = g;
			}
			out->g[out->n++] = key;
		}
		out->g[j].count++;
		out->g[j].bytes += e[i].o.shape.bytes_alloc;
	}
	if (out->n > 1)
		qsort(out->g, out->n, sizeof(*out->g), cmp_group);
	return 0;
}

void sweep_leaks_subtract(struct sweep_leak_set *s, const struct sweep_leak_set *baseline)
{
	size_t i, j, kept = 0;

	for (i = 0; i < s->n; i++) {
		struct sweep_leak_group *g = &s->g[i];

		for (j = 0; j < baseline->n; j++) {
			if (!same_key(g, &baseline->g[j]))
				continue;
			g->count = g->count > baseline->g[j].count ? g->count - baseline->g[j].count : 0;
			g->bytes = g->bytes > baseline->g[j].bytes ? g->bytes - baseline->g[j].bytes : 0;
			break;
		}
		if (g->count)
			s->g[kept++] = *g;
	}
	s->n = kept;
}

void sweep_leak_set_free(struct sweep_leak_set *s)
{
	free(s->g);
	memset(s, 0, sizeof(*s));
}

/* "func+0x1a [mod]" into call_site, function, module; NULL function when unknown. */
static int name_site(struct sweep_leak *l, const struct modsyms *modsyms,
		     const struct ksyms *ksyms, const struct sweep_leak_group *g)
{
	uint64_t addr = g->call_site;
	const struct ksym *sym = ksyms && addr ? ksyms__map_addr(ksyms, addr, NULL) : NULL;
	const char *fn = NULL;
	unsigned long off;
	char buf[256];

	if (modsyms && g->mod_range != KM_OUT_MOD_NONE)
		fn = modsyms__map(modsyms, g->mod_range, g->mod_offset, &off);
	if (fn) {
		modsyms__format(modsyms, g->mod_range, g->mod_offset, buf, sizeof(buf));
		l->function = strdup(fn);
		l->module = strdup(modsyms__module(modsyms));
		if (!l->function || !l->module)
			return -ENOMEM;
	} else if (sym) {
		ksyms__format(ksyms, addr, buf, sizeof(buf));
		l->function = strdup(sym->name);
		l->module = sym->module ? strdup(sym->module) : NULL;
		if (!l->function || (sym->module && !l->module))
			return -ENOMEM;
	} else {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	}
	l->call_site = strdup(buf);
	return l->call_site ? 0 : -ENOMEM;
}

static int leak_stack(struct sweep_leak *l, const struct ksyms *ksyms, sweep_stack_lookup lookup,
		      void *ctx, int32_t stack_id, uint64_t call_site)
{
	__u64 ips[KM_MAX_STACK] = {};
	char frame[256];
	int i, top = 0, n;

	if (!lookup || stack_id < 0 || lookup(ctx, stack_id, ips))
		return 0;
	/* from the call site outwards: the allocator's own frames say nothing */
	for (i = 0; call_site && i < KM_MAX_STACK && ips[i]; i++)
		if (ips[i] == call_site) {
			top = i;
			break;
		}
	for (n = 0; top + n < KM_MAX_STACK && ips[top + n]; n++)
		;
	if (!n)
		return 0;
	l->stack = calloc(n, sizeof(*l->stack));
	if (!l->stack)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (ksyms)
			ksyms__format(ksyms, ips[top + i], frame, sizeof(frame));
		else
			snprintf(frame, sizeof(frame), "0x%llx", (unsigned long long)ips[top + i]);
		l->stack[i] = strdup(frame);
		if (!l->stack[i])
			return -ENOMEM;
		l->nr_frames++;
	}
	return 0;
}

static void leak_free(struct sweep_leak *l)
{
	int i;

	free(l->call_site);
	free(l->function);
	free(l->module);
	for (i = 0; i < l->nr_frames; i++)
		free(l->stack[i]);
	free(l->stack);
}

int sweep_leaks_name(const struct sweep_leak_set *s, const struct modsyms *modsyms,
		     const struct ksyms *ksyms,
		     sweep_stack_lookup lookup, void *lookup_ctx, struct sweep_leak **out, int *nr)
{
	struct sweep_leak *v;
	size_t i;
	int err = 0;

	*out = NULL;
	*nr = 0;
	if (!s->n)
		return 0;
	v = calloc(s->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->n && !err; i++) {
		const struct sweep_leak_group *g = &s->g[i];
		char name[64];

		v[i].count = g->count;
		v[i].bytes = g->bytes;
		if (g->page) {
			/* the page allocator's call site is not traced: the stack says who */
			snprintf(name, sizeof(name), "(pages, order %u)", g->order);
			v[i].call_site = strdup(name);
			err = v[i].call_site ? 0 : -ENOMEM;
		} else {
			err = name_site(&v[i], modsyms, ksyms, g);
		}
		if (!err)
			err = leak_stack(&v[i], ksyms, lookup, lookup_ctx, g->stack_id,
					 g->call_site);
	}
	if (err) {
		for (i = 0; i < s->n; i++)
			leak_free(&v[i]);
		free(v);
		return err;
	}
	*out = v;
	*nr = s->n;
	return 0;
}

void sweep_leaks_describe(const struct sweep_leak *l, int nr, char *buf, size_t len)
{
	int n;

	if (!nr) {
		snprintf(buf, len, "nothing outstanding");
		return;
	}
	n = snprintf(buf, len, "%llu x %llu bytes outstanding from %s",
		     (unsigned long long)l->count,
		     (unsigned long long)(l->count ? l->bytes / l->count : 0), l->call_site);
	if (nr > 1 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " and %d more call site%s", nr - 1, nr > 2 ? "s" : "");
}

/* ---- the tracer kept open for the whole sweep ---- */

int sweep_tracker_open(struct sweep_tracker *tk, struct km_scope *scope, bool follow,
		       const struct btf *vmlinux)
{
	struct tracer_config cfg = {
		.follow = follow,
		.module = scope->module,
		.ranges = scope->module || scope->caller,
		.ranges_on_stack = (scope->module || scope->caller) && scope->stack,
		.stack = scope->stack,
		.outstanding = true,
	};
	unsigned long start[KM_MAX_RANGES], end[KM_MAX_RANGES];
	int ret = 0, n;

	memset(tk, 0, sizeof(*tk));
	if (tracer_open(&tk->t, &cfg, vmlinux, &ret))
		return ret ? ret : KM_EXIT_FAILURE;
	tk->open = true;
	n = km_scope_caller_ranges(scope, start, end, KM_MAX_RANGES);
	if (n)
		tracer_set_ranges(&tk->t, start, end, n);
	if (tracer_attach(&tk->t, &ret))
		return ret ? ret : KM_EXIT_FAILURE;
	km_scope_refresh(scope, &tk->t.module_hook);
	tracer_maps(&tk->t, &tk->maps);
	tk->follow = follow;
	tk->by_stack = scope->stack;
	if (tk->by_stack)
		tk->stacks = tracer_stacks(&tk->t);
	return 0;
}

int sweep_tracker_follow(struct sweep_tracker *tk, pid_t pid)
{
	return tk->follow ? tracer_follow(&tk->t, pid) : 0;
}

static int read_counters(struct sweep_tracker *tk, struct snapshot *snap)
{
	int err = snapshot_read_outstanding(snap, &tk->maps);

	if (err)
		km_error("cannot read the outstanding allocations: %s", strerror(-err));
	return err;
}

int sweep_tracker_mark(struct sweep_tracker *tk)
{
	struct snapshot snap;
	int err = read_counters(tk, &snap);

	if (err)
		return err;
	tk->dropped = snap.out_counters[KM_OUT_DROPPED];
	tk->free_lost = snap.out_counters[KM_OUT_FREE_LOST];
	snapshot_free(&snap);
	return 0;
}

int sweep_tracker_check(struct sweep_tracker *tk, uint64_t since_ns,
			const struct sweep_leak_set *baseline, struct sweep_leak_set *out,
			uint64_t *untracked, uint64_t *frees_lost)
{
	struct snapshot snap;
	int err = read_counters(tk, &snap);

	if (err)
		return err;
	*untracked = snap.out_counters[KM_OUT_DROPPED] - tk->dropped;
	*frees_lost = snap.out_counters[KM_OUT_FREE_LOST] - tk->free_lost;
	err = sweep_leaks_group(snap.outstanding, snap.nr_outstanding, since_ns, tk->by_stack,
				out);
	if (!err && baseline)
		sweep_leaks_subtract(out, baseline);
	snapshot_free(&snap);
	return err;
}

unsigned int *sweep_tracker_asleep(struct sweep_tracker *tk)
{
	return tracer_asleep_flag(&tk->t);
}

void sweep_tracker_close(struct sweep_tracker *tk)
{
	if (tk->open && tk->t.skel)
		tracer_close(&tk->t);
	tk->open = false;
}
