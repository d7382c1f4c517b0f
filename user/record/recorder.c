// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/ksyms.h"
#include "kernel/tp_layout.h"
#include "kernel/preempt_count.h"
#include "kernel/vmlinux_btf.h"
#include "record/recorder.h"
#include "trace/stack_table.h"
#include "trace/tracer.h"
#include "record.h"
#include "record.skel.h"
#include "trace.skel.h"

_Static_assert(KM_REC_KMALLOC == KM_EV_KMALLOC && KM_REC_CACHE_ALLOC == KM_EV_CACHE_ALLOC &&
	       KM_REC_KFREE == KM_EV_KFREE && KM_REC_CACHE_FREE == KM_EV_CACHE_FREE &&
	       KM_REC_PAGE_ALLOC == KM_EV_PAGE_ALLOC && KM_REC_PAGE_FREE == KM_EV_PAGE_FREE,
	       "record.h's event types are replay.h's");

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !km_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* The programs written for this kernel's tracepoint layouts, as trace picks them. */
static int choose_programs(struct record_bpf *skel, const struct btf *vmlinux, int *exit_code)
{
	struct km_tp_layouts layouts;
	struct bpf_program *p;
	char why[768];
	int tp, l;

	if (km_tp_layouts__detect(vmlinux, &layouts, why, sizeof(why))) {
		km_error("%s (see `kmscope doctor`)", why);
		*exit_code = KM_EXIT_NO_FEATURE;
		return -ENOENT;
	}
	for (tp = 0; tp < KM_TP_NR; tp++) {
		for (l = 0; l < KM_TPL_NR; l++) {
			const char *name = km_tp_program(tp, l);

			p = name ? bpf_object__find_program_by_name(skel->obj, name) : NULL;
			if (p)
				bpf_program__set_autoload(p, l == (int)layouts.tp[tp]);
		}
	}
	return 0;
}

/*
 * Calibration is trace's (tracer_calibrate()): a trace object is loaded for it alone,
 * and what it found (vmemmap_base, the direct map, the zones) is copied here.
 */
static void calibrate(struct recorder *r, const struct btf *vmlinux, unsigned long max_cache)
{
	struct tracer_config cfg = {};
	struct tracer t = {};
	int found, code, id;

	if (tracer_open(&t, &cfg, vmlinux, &code)) {
		km_warn("cannot calibrate: pages are shown in no zone and kmalloc caches are "
			"guessed from GFP flags");
		return;
	}
	found = tracer_calibrate(&t, vmlinux, max_cache);
	r->skel->bss->zones = t.skel->bss->zones;
	memcpy(r->zones, t.zones, sizeof(r->zones));
	r->nr_zones = t.nr_zones;
	r->zones_valid = found & TRACER_CALIB_ZONES;
	r->caches_from_objects = found & TRACER_CALIB_DIRECT_MAP;
	r->vmemmap_base = t.skel->bss->zones.vmemmap_base;
	id = btf__find_by_name_kind(vmlinux, "page", BTF_KIND_STRUCT);
	r->page_struct_size = id < 0 ? 0 : btf__resolve_size(vmlinux, id);
	if (!r->zones_valid)
		km_warn("cannot place pages in zones (needs /proc/zoneinfo and /proc/self/pagemap): "
			"zones are shown as unknown");
	if (!r->caches_from_objects)
		km_warn("cannot follow kmalloc objects to their caches: cache names are guessed "
			"from GFP flags");
	tracer_close(&t);
}

int recorder_open(struct recorder *r, const struct recorder_config *cfg,
		  const struct btf *vmlinux, unsigned long max_cache_size, int *exit_code)
{
	const struct tracer_config *sc = &cfg->scope;
	struct record_bpf *skel;
	unsigned long rb = cfg->buffer_bytes ? cfg->buffer_bytes : KM_REC_RINGBUF_DEFAULT;
	struct km_preempt_count pc;
	bool irq_tps;
	int err;

	memset(r, 0, sizeof(*r));
	htab_init(&r->sites, 8, 8);
	htab_init(&r->stack_ids, 8, 8);
	libbpf_set_print(libbpf_print);
	skel = record_bpf__open_opts(km_bpf_open_opts());
	if (!skel) {
		err = -errno;
		km_error("cannot open the recorder's BPF object: %s", strerror(-err));
		*exit_code = KM_EXIT_FAILURE;
		return err;
	}
	skel->rodata->filter_tgid = sc->pid;
	skel->rodata->filter_tid = sc->tid;
	skel->rodata->filter_follow = sc->follow;
	if (sc->comm) {
		skel->rodata->filter_comm = true;
		strncpy((char *)skel->rodata->target_comm, sc->comm, KM_COMM_LEN - 1);
	}
	skel->rodata->filter_cgroup_id = sc->cgroup_id;
	skel->rodata->filter_cgroup_level = sc->cgroup_level;
	skel->rodata->filter_ranges = sc->ranges;
	skel->rodata->ranges_on_stack = sc->ranges_on_stack;
	skel->rodata->use_stack = sc->stack;
	skel->rodata->self_tgid = getpid();
	skel->rodata->irq_apart = sc->pid || sc->tid || sc->follow || sc->comm || sc->cgroup_id;
	skel->rodata->unscoped_frees = cfg->unscoped_frees;
	skel->rodata->wakeup_bytes = rb / 4;
	/* interrupt context as trace tells it apart (kernel/preempt_count.h) */
	irq_tps = skel->rodata->irq_apart;
	if (irq_tps && km_irq_from_preempt_count(vmlinux, &pc)) {
		skel->rodata->irq_from_preempt_count = true;
		skel->rodata->percpu_offsets_addr = pc.percpu_offsets;
		skel->rodata->preempt_count_addr = pc.count;
		irq_tps = false;
	}
	bpf_program__set_autoload(skel->progs.on_softirq_entry, irq_tps);
	bpf_program__set_autoload(skel->progs.on_softirq_exit, irq_tps);
	bpf_program__set_autoload(skel->progs.on_irq_entry, irq_tps);
	bpf_program__set_autoload(skel->progs.on_irq_exit, irq_tps);
	if (!sc->follow) {
		bpf_program__set_autoload(skel->progs.on_fork, false);
		bpf_program__set_autoload(skel->progs.on_exit, false);
	}
	bpf_map__set_max_entries(skel->maps.stack_ids, sc->stack ? TRACER_DEFAULT_STACKS : 1);
	err = bpf_map__set_max_entries(skel->maps.events, rb);
	if (!err)
		err = choose_programs(skel, vmlinux, exit_code);
	if (err) {
		if (err != -ENOENT) {
			km_error("invalid ring buffer size %lu: %s", rb, strerror(-err));
			*exit_code = KM_EXIT_USAGE;
		}
		record_bpf__destroy(skel);
		return err;
	}
	r->module_hook = KM_MODULE_HOOK(skel);
	km_module_hook__configure(&r->module_hook, vmlinux, sc->module);
	err = record_bpf__load(skel);
	if (err) {
		if (err == -ENOMEM || err == -E2BIG)
			km_error("cannot create the %lu MiB ring buffer: %s (try a smaller "
				 "--buffer-size)", rb >> 20, strerror(-err));
		else
			km_error("this kernel rejected the recorder's BPF programs: %s (run with -v "
				 "for the verifier log; see `kmscope doctor`)", strerror(-err));
		*exit_code = err == -ENOMEM || err == -E2BIG ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
		record_bpf__destroy(skel);
		return err;
	}
	r->skel = skel;
	r->module_hook.scope = &skel->bss->module_scope;
	calibrate(r, vmlinux, max_cache_size);
	return 0;
}

static void remember(struct htab *h, __u64 key, int *err)
{
	bool added;

	if (!htab_get(h, &key, &added))
		*err = -ENOMEM;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct km_rec_event *e = data;
	struct km_event ev = {};

	if (size < sizeof(*e))
		return 0;
	ev.type = e->type;
	ev.ts_ns = e->ts;
	ev.ptr = e->ptr;
	ev.call_site = e->call_site;
	ev.cache = e->cache;
	ev.bytes_req = e->bytes_req;
	ev.bytes_alloc = e->bytes_alloc;
	ev.gfp_flags = e->gfp_flags;
	ev.order = e->order;
	ev.stack_id = e->stack_id;
	ev.cpu = e->cpu;
	ev.pid = e->pid;
	ev.failed = !!(e->flags & KM_REC_FAILED);
	ev.unscoped = !!(e->flags & KM_REC_UNSCOPED);
	ev.irq = !!(e->flags & KM_REC_IRQ);
	ev.zone = -1;
	if ((ev.type == KM_EV_PAGE_ALLOC || ev.type == KM_EV_PAGE_FREE) && e->ptr &&
	    r->zones_valid && r->page_struct_size) {
		/* a pfn names the page on any machine; the struct page only on this boot */
		ev.ptr = (e->ptr - r->vmemmap_base) / r->page_struct_size;
		if (ev.type == KM_EV_PAGE_ALLOC)
			ev.zone = zones__find(r->zones, r->nr_zones, ev.ptr);
	}
	if (ev.call_site && ev.type <= KM_EV_CACHE_ALLOC)
		remember(&r->sites, ev.call_site, &r->err);
	if (ev.stack_id >= 0)
		remember(&r->stack_ids, (__u64)ev.stack_id, &r->err);
	rec_writer_event(r->w, &ev);
	return 0;
}

int recorder_attach(struct recorder *r, int *exit_code)
{
	int err;

	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.events), on_record, r, NULL);
	if (!r->rb) {
		err = -errno;
		km_error("cannot map the ring buffer: %s", strerror(-err));
		*exit_code = KM_EXIT_FAILURE;
		return err;
	}
	err = record_bpf__attach(r->skel);
	if (err) {
		km_error("cannot attach to the kmem tracepoints: %s (see `kmscope doctor`)",
			 strerror(-err));
		*exit_code = err == -EPERM ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
		return err;
	}
	r->module_sync = km_module_hook__attach(&r->module_hook);
	return 0;
}

int recorder_follow(struct recorder *r, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(r->skel->maps.traced, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY);
}

int recorder_set_ranges(struct recorder *r, const unsigned long *start, const unsigned long *end,
			int n)
{
	__u32 i;

	for (i = 0; i < KM_MAX_RANGES; i++) {
		struct km_range range = {};
		int err;

		if ((int)i < n) {
			range.start = start[i];
			range.end = end[i];
		}
		err = bpf_map__update_elem(r->skel->maps.ranges, &i, sizeof(i), &range,
					   sizeof(range), BPF_ANY);
		if (err)
			return err;
	}
	return 0;
}

int recorder_fd(const struct recorder *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

int recorder_drain(struct recorder *r, struct rec_writer *w)
{
	int n;

	r->w = w;
	n = ring_buffer__consume(r->rb);
	if (n < 0 && n != -EINTR)
		return n;
	return r->err ? r->err : w->err;
}

void recorder_detach(struct recorder *r)
{
	record_bpf__detach(r->skel);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int write_caches(struct recorder *r, struct rec_writer *w)
{
	int fd = bpf_map__fd(r->skel->maps.caches);
	size_t n = 0, cap = 64;
	unsigned char *buf = malloc(8 + cap * 48);
	__u64 key, *prev = NULL;

	while (buf && bpf_map_get_next_key(fd, prev, &key) == 0) {
		struct km_cache_info info;

		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &info))
			continue;
		if (n == cap) {
			unsigned char *grown = realloc(buf, 8 + (cap *= 2) * 48);

			if (!grown)
				break;
			buf = grown;
		}
		recfile_put64(buf + 8 + n * 48, key);
		memcpy(buf + 16 + n * 48, info.name, KM_CACHE_NAME_LEN);
		recfile_put32(buf + 48 + n * 48, info.object_size);
		recfile_put32(buf + 52 + n * 48, info.size);
		n++;
	}
	if (!buf)
		return -ENOMEM;
	recfile_put32(buf, n);
	recfile_put32(buf + 4, 0);
	rec_writer_section(w, RECFILE_CACHES, buf, 8 + n * 48);
	free(buf);
	return 0;
}

/* The stacks seen, and every frame's address into addrs (for the symbol table). */
static int write_stacks(struct recorder *r, struct rec_writer *w, __u64 **addrs, size_t *nr)
{
	size_t cap = 8 + r->stack_ids.nr * (8 + KM_MAX_STACK * 8), len = 8, i;
	unsigned char *buf = malloc(cap);
	struct stack_table stacks;
	__u32 count = 0;
	int err;

	if (!buf)
		return -ENOMEM;
	stack_table_init(&stacks, bpf_map__fd(r->skel->maps.stack_ids));
	for (i = 0; i < r->stack_ids.cap; i++) {
		const __u64 *id = htab_at(&r->stack_ids, i);
		__u64 ips[KM_MAX_STACK] = {};
		__u32 key, n = 0, j;

		if (!id)
			continue;
		key = *id;
		err = stack_table_lookup(&stacks, key, ips);
		if (err == -ENOMEM) {
			stack_table_free(&stacks);
			free(buf);
			return err;
		}
		if (err)
			continue; /* the report says which stacks are missing */
		while (n < KM_MAX_STACK && ips[n])
			n++;
		recfile_put32(buf + len, key);
		recfile_put32(buf + len + 4, n);
		len += 8;
		for (j = 0; j < n; j++, len += 8) {
			recfile_put64(buf + len, ips[j]);
			if (*nr % 1024 == 0) {
				__u64 *grown = realloc(*addrs, (*nr + 1024) * sizeof(**addrs));

				if (!grown) {
					stack_table_free(&stacks);
					free(buf);
					return -ENOMEM;
				}
				*addrs = grown;
			}
			(*addrs)[(*nr)++] = ips[j];
		}
		count++;
	}
	stack_table_free(&stacks);
	recfile_put32(buf, count);
	recfile_put32(buf + 4, 0);
	rec_writer_section(w, RECFILE_STACKS, buf, len);
	free(buf);
	return 0;
}

/* The kallsyms lines of the symbols holding addrs: enough to name them anywhere. */
static int write_ksyms(struct rec_writer *w, __u64 *addrs, size_t nr)
{
	struct ksyms *ks = ksyms__load("/proc/kallsyms");
	const struct ksym *last = NULL;
	char *text = NULL;
	size_t len = 0, i;
	FILE *m;

	if (!ks) {
		km_warn("cannot read /proc/kallsyms (%s): the recording names no call sites",
			strerror(errno));
		rec_writer_section(w, RECFILE_KSYMS, "", 0);
		return 0;
	}
	m = open_memstream(&text, &len);
	if (!m) {
		ksyms__free(ks);
		return -ENOMEM;
	}
	qsort(addrs, nr, sizeof(*addrs), cmp_u64);
	for (i = 0; i < nr; i++) {
		unsigned long off;
		const struct ksym *s = ksyms__map_addr(ks, addrs[i], &off);

		if (!s || s == last)
			continue;
		last = s;
		if (s->module)
			fprintf(m, "%016lx t %s\t[%s]\n", s->addr, s->name, s->module);
		else
			fprintf(m, "%016lx t %s\n", s->addr, s->name);
	}
	ksyms__free(ks);
	if (fclose(m)) {
		free(text);
		return -ENOMEM;
	}
	rec_writer_section(w, RECFILE_KSYMS, text, len);
	free(text);
	return 0;
}

static int write_counters(struct recorder *r, struct rec_writer *w)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(r->skel->maps.rec_counters), cpu;
	__u64 *vals, sums[KM_REC_NR] = {};
	unsigned char *buf;
	__u32 i;

	if (ncpus < 0)
		return ncpus;
	vals = calloc(ncpus, sizeof(*vals));
	buf = calloc(1, 8 + ncpus * 8 + 16);
	if (!vals || !buf) {
		free(vals);
		free(buf);
		return -ENOMEM;
	}
	recfile_put32(buf, ncpus);
	for (i = 0; i < KM_REC_NR; i++) {
		if (bpf_map_lookup_elem(fd, &i, vals))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++) {
			sums[i] += vals[cpu];
			if (i == KM_REC_LOST)
				recfile_put64(buf + 8 + cpu * 8, vals[cpu]);
		}
	}
	recfile_put64(buf + 8 + ncpus * 8, sums[KM_REC_STACK_LOST]);
	recfile_put64(buf + 16 + ncpus * 8, sums[KM_REC_CACHE_LOST]);
	rec_writer_section(w, RECFILE_COUNTERS, buf, 8 + ncpus * 8 + 16);
	if (sums[KM_REC_LOST])
		km_warn("%llu events were lost because the ring buffer was full (--buffer-size "
			"makes it larger); the recording counts them per CPU",
			(unsigned long long)sums[KM_REC_LOST]);
	free(vals);
	free(buf);
	return 0;
}

int recorder_write_tail(struct recorder *r, struct rec_writer *w)
{
	__u64 *addrs = NULL;
	size_t nr = 0, i;
	int err;

	rec_writer_flush_events(w);
	err = write_caches(r, w);
	if (!err)
		err = write_stacks(r, w, &addrs, &nr);
	for (i = 0; !err && i < r->sites.cap; i++) {
		const __u64 *site = htab_at(&r->sites, i);
		__u64 *grown;

		if (!site)
			continue;
		grown = realloc(addrs, (nr + 1) * sizeof(*addrs));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		addrs = grown;
		addrs[nr++] = *site;
	}
	if (!err)
		err = write_ksyms(w, addrs, nr);
	if (!err)
		err = write_counters(r, w);
	free(addrs);
	return err ? err : w->err;
}

void recorder_close(struct recorder *r)
{
	ring_buffer__free(r->rb);
	record_bpf__destroy(r->skel);
	htab_free(&r->sites);
	htab_free(&r->stack_ids);
	memset(r, 0, sizeof(*r));
}
