// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
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

static void print_frame(FILE *out, const struct ksyms *ksyms, __u64 ip)
{
	const struct ksym *sym = ksyms ? ksyms__map_addr(ksyms, ip, &(unsigned long){ 0 }) : NULL;

	if (!sym)
		fprintf(out, "0x%llx", (unsigned long long)ip);
	else if (sym->module)
		fprintf(out, "%s [%s]", sym->name, sym->module);
	else
		fprintf(out, "%s", sym->name);
}

/* Frames above the call site are the allocator and the tracing glue: leave them out. */
static void print_stack(FILE *out, const struct ksyms *ksyms, const __u64 *ips, __u64 call_site,
			const char *root, __u64 bytes)
{
	int n = 0, top = 0, i;

	while (n < KM_MAX_STACK && ips[n])
		n++;
	for (i = 0; call_site && i < n; i++)
		if (ips[i] == call_site) {
			top = i;
			break;
		}
	fprintf(out, "%s", root);
	for (i = n - 1; i >= top; i--) {
		fputc(';', out);
		print_frame(out, ksyms, ips[i]);
	}
	fprintf(out, " %llu\n", (unsigned long long)bytes);
}

int folded_print(FILE *out, const struct snapshot *snap, const struct ksyms *ksyms,
		 int stacks_fd, long page_size)
{
	size_t i, n = 0, cap = snap->nr_allocs + snap->nr_pages;
	struct stack_weight *w = calloc(cap + 1, sizeof(*w));
	__u64 ips[KM_MAX_STACK];

	if (!w)
		return -ENOMEM;
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
		w[n++].bytes = (s->count << s->key.order) * page_size;
	}
	if (n > 1)
		qsort(w, n, sizeof(*w), cmp_weight);
	for (i = 0; i < n;) {
		size_t j = i;
		__u64 bytes = 0;

		while (j < n && w[j].stack_id == w[i].stack_id && w[j].call_site == w[i].call_site)
			bytes += w[j++].bytes;
		memset(ips, 0, sizeof(ips));
		if (!bpf_map_lookup_elem(stacks_fd, &w[i].stack_id, ips))
			print_stack(out, ksyms, ips, w[i].call_site, w[i].call_site ? "slab" : "pages",
				    bytes);
		i = j;
	}
	free(w);
	return 0;
}
