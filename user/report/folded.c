// SPDX-License-Identifier: GPL-2.0
/* The folded-stacks model (one line per stack and call site) and its printer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/folded.h"

struct stack_weight {
	__s32 stack_id;
	__u64 call_site; /* 0 for pages */
	__u64 bytes;
};

static int cmp_weight(const void *a, const void *b)
{
	const struct stack_weight *x = a, *y = b;

	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	return x->call_site < y->call_site ? -1 : x->call_site > y->call_site;
}

static void put_frame(FILE *out, const struct ksyms *ksyms, __u64 ip)
{
	const struct ksym *sym = ksyms ? ksyms__map_addr(ksyms, ip, &(unsigned long){ 0 }) : NULL;

	if (!sym)
		fprintf(out, "0x%llx", (unsigned long long)ip);
	else if (sym->module)
		fprintf(out, "%s [%s]", sym->name, sym->module);
	else
		fprintf(out, "%s", sym->name);
}

/* The tracing glue atop a page's stack: the BPF program, bpf_trace_run<N>, __traceiter_*. */
static bool is_glue(const struct ksyms *ksyms, __u64 ip)
{
	const struct ksym *sym = ksyms ? ksyms__map_addr(ksyms, ip, &(unsigned long){ 0 }) : NULL;

	return sym && ((sym->module && !strcmp(sym->module, "bpf")) ||
		       !strncmp(sym->name, "bpf_trace_run", 13) ||
		       !strncmp(sym->name, "__traceiter_", 12));
}

/*
 * Frames above the call site are the allocator and the tracing glue: leave them out.
 * Pages have no call site: only the glue goes.
 */
static char *stack_frames(const struct ksyms *ksyms, const __u64 *ips, __u64 call_site)
{
	int n = 0, top = 0, i;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	while (n < KM_MAX_STACK && ips[n])
		n++;
	for (i = 0; call_site && i < n; i++)
		if (ips[i] == call_site) {
			top = i;
			break;
		}
	while (!call_site && top < n - 1 && is_glue(ksyms, ips[top]))
		top++;
	fputs(call_site ? "slab" : "pages", out);
	for (i = n - 1; i >= top; i--) {
		fputc(';', out);
		put_frame(out, ksyms, ips[i]);
	}
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static size_t weights_of(const struct snapshot *snap, long page_size, struct stack_weight *w)
{
	size_t i, n = 0;

	for (i = 0; i < snap->nr_allocs; i++) {
		const struct alloc_shape *s = &snap->allocs[i];

		if (s->key.failed || s->key.stack_id < 0)
			continue;
		w[n].stack_id = s->key.stack_id;
		w[n].call_site = s->key.call_site;
		w[n++].bytes = s->count * s->key.bytes_alloc;
	}
	for (i = 0; i < snap->nr_pages; i++) {
		const struct page_shape *s = &snap->pages[i];

		if (s->key.failed || s->key.stack_id < 0)
			continue;
		w[n].stack_id = s->key.stack_id;
		w[n].call_site = 0;
		w[n++].bytes = (s->count << s->key.order) * page_size;
	}
	return n;
}

int folded_model_build(struct folded_model *fm, const struct snapshot *snap,
		       const struct ksyms *ksyms, folded_stack_lookup lookup, void *ctx,
		       long page_size)
{
	size_t i, n, cap = snap->nr_allocs + snap->nr_pages;
	struct stack_weight *w = calloc(cap + 1, sizeof(*w));
	__u64 ips[KM_MAX_STACK];

	memset(fm, 0, sizeof(*fm));
	if (!w)
		return -ENOMEM;
	fm->stacks = calloc(cap + 1, sizeof(*fm->stacks));
	if (!fm->stacks) {
		free(w);
		return -ENOMEM;
	}
	fm->cap = cap + 1;
	n = weights_of(snap, page_size, w);
	if (n > 1)
		qsort(w, n, sizeof(*w), cmp_weight);
	for (i = 0; i < n;) {
		size_t j = i;
		__u64 bytes = 0;

		while (j < n && w[j].stack_id == w[i].stack_id && w[j].call_site == w[i].call_site)
			bytes += w[j++].bytes;
		memset(ips, 0, sizeof(ips));
		/* a stack evicted from the map since the shape was counted: nothing to show */
		if (!lookup(ctx, w[i].stack_id, ips)) {
			struct folded_stack *fs = &fm->stacks[fm->n];

			fs->frames = stack_frames(ksyms, ips, w[i].call_site);
			if (!fs->frames) {
				free(w);
				folded_model_free(fm);
				return -ENOMEM;
			}
			fs->bytes = bytes;
			fm->n++;
		} else {
			fm->missing++;
		}
		i = j;
	}
	free(w);
	return 0;
}

void folded_model_free(struct folded_model *fm)
{
	size_t i;

	for (i = 0; i < fm->n; i++)
		free(fm->stacks[i].frames);
	free(fm->stacks);
	memset(fm, 0, sizeof(*fm));
}

int folded_model_add(struct folded_model *fm, const char *frames, __u64 weight)
{
	struct folded_stack *more;
	size_t i;

	for (i = fm->n; i-- > 0;)
		if (!strcmp(fm->stacks[i].frames, frames)) {
			fm->stacks[i].bytes += weight;
			return 0;
		}
	if (fm->n == fm->cap) {
		size_t cap = fm->cap ? fm->cap * 2 : 64;

		more = realloc(fm->stacks, cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		fm->stacks = more;
		fm->cap = cap;
	}
	fm->stacks[fm->n].frames = strdup(frames);
	if (!fm->stacks[fm->n].frames)
		return -ENOMEM;
	fm->stacks[fm->n++].bytes = weight;
	return 0;
}

/* frame ("func+0x1a [mod]") is in function */
static bool frame_in(const char *frame, const char *function)
{
	size_t n = strlen(function);

	return !strncmp(frame, function, n) && (frame[n] == '+' || frame[n] == ' ' || !frame[n]);
}

int folded_model_add_frames(struct folded_model *fm, const char *root, const char *const *frames,
			    int n, const char *function, __u64 weight)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int i, top = 0, err;

	if (!f)
		return -ENOMEM;
	for (i = 0; function && i < n; i++)
		if (frame_in(frames[i], function)) {
			top = i;
			break;
		}
	fputs(root, f);
	for (i = n - 1; i >= top; i--) {
		const char *fr = frames[i], *plus = strstr(fr, "+0x"), *mod = strstr(fr, " [");

		fputc(';', f);
		if (plus && (!mod || plus < mod)) {
			fwrite(fr, 1, plus - fr, f);
			fputs(mod ? mod : "", f);
		} else {
			fputs(fr, f);
		}
	}
	if (fclose(f)) {
		free(line);
		return -ENOMEM;
	}
	err = folded_model_add(fm, line, weight);
	free(line);
	return err;
}

int folded_print(FILE *out, const struct folded_model *fm)
{
	size_t i;

	for (i = 0; i < fm->n; i++)
		fprintf(out, "%s %llu\n", fm->stacks[i].frames,
			(unsigned long long)fm->stacks[i].bytes);
	return ferror(out) ? -EIO : 0;
}
