// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "kernel/features.h"
#include "kernel/preempt_count.h"
#include "kernel/vmlinux_btf.h"
#include "kernel/tp_layout.h"
#include "trace/tracer.h"
#include "kmscope.h"
#include "trace.skel.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !km_verbose)
		return 0;
	if (level == LIBBPF_INFO && !km_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/*
 * Load only the program written for each tracepoint's layout, matched from its whole
 * prototype; an unknown layout is exit 3, never a program reading the wrong argument.
 */
static int choose_programs(struct trace_bpf *skel, const struct btf *vmlinux, int *exit_code)
{
	struct km_tp_layouts layouts;
	char why[768];
	int tp, l, err;

	err = km_tp_layouts__detect(vmlinux, &layouts, why, sizeof(why));
	if (err) {
		km_error("%s (see `kmscope doctor`)", why);
		*exit_code = KM_EXIT_NO_FEATURE;
		return err;
	}
	for (tp = 0; tp < KM_TP_NR; tp++) {
		for (l = 0; l < KM_TPL_NR; l++) {
			const char *name = km_tp_program(tp, l);
			struct bpf_program *p;

			p = name ? bpf_object__find_program_by_name(skel->obj, name) : NULL;
			if (p)
				bpf_program__set_autoload(p, false);
		}
	}
	for (tp = 0; tp < KM_TP_NR; tp++) {
		const char *name = km_tp_program(tp, layouts.tp[tp]);
		struct bpf_program *p;

		p = name ? bpf_object__find_program_by_name(skel->obj, name) : NULL;
		if (p)
			bpf_program__set_autoload(p, true);
	}
	return 0;
}

/* The first parameter's name of a kernel function, "" when BTF does not have it. */
static const char *func_param_name(const struct btf *vmlinux, const char *func, int idx)
{
	const struct btf_type *t;
	int id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);

	if (id < 0)
		return "";
	t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) <= idx)
		return "";
	return btf__name_by_offset(vmlinux, btf_params(t)[idx].name_off);
}

/* Whether enum NAME of the kernel's BTF has the value VALUE. */
static bool btf_enum_has(const struct btf *vmlinux, const char *name, const char *value)
{
	int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_ENUM);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(vmlinux, id);
	const struct btf_enum *e;
	int i;

	if (!t)
		return false;
	for (i = 0, e = btf_enum(t); i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(vmlinux, e->name_off), value))
			return true;
	return false;
}

/*
 * --outstanding: the map is only as large as asked, and the programs that see frees
 * without a kmem tracepoint (bulk frees, kfree_rcu) load only where the kernel has them.
 */
static void configure_outstanding(struct tracer *t, const struct tracer_config *cfg,
				  const struct btf *vmlinux)
{
	struct trace_bpf *skel = t->skel;
	const char *rcu_arg = func_param_name(vmlinux, "kvfree_call_rcu", 1);
	bool bulk = btf__find_by_name_kind(vmlinux, "kmem_cache_free_bulk", BTF_KIND_FUNC) >= 0;
	bool rcu = !strcmp(rcu_arg, "ptr") || !strcmp(rcu_arg, "func");
	struct km_feature_result fentry = {};

	t->out_hooks = 0;
	if (cfg->outstanding) {
		km_feature_probe(KM_FEAT_FENTRY, &fentry);
		if (!fentry.ok) {
			km_warn("fentry programs cannot load here (%s): objects freed in bulk "
				"(kfree_bulk) or with kfree_rcu may show as outstanding", fentry.why);
			bulk = rcu = false;
		} else if (!btf_enum_has(vmlinux, "bpf_func_id", "BPF_FUNC_get_func_arg")) {
			km_warn("this kernel has no bpf_get_func_arg() (5.17+): objects freed in "
				"bulk (kfree_bulk) or with kfree_rcu may show as outstanding");
			bulk = rcu = false;
		} else {
			if (!bulk)
				km_warn("this kernel's BTF has no kmem_cache_free_bulk: objects freed in "
					"bulk (kfree_bulk) may show as outstanding");
			if (!rcu)
				km_warn("this kernel's BTF has no kvfree_call_rcu(head, ptr): objects "
					"freed with kfree_rcu may show as outstanding");
		}
		t->out_hooks = (bulk ? KM_OUT_HOOK_BULK : 0) | (rcu ? KM_OUT_HOOK_RCU : 0);
	}

	skel->rodata->track_outstanding = cfg->outstanding;
	skel->rodata->outstanding_page_size = getpagesize();
	skel->rodata->rcu_free_by_offset = !strcmp(rcu_arg, "func");
	bpf_map__set_max_entries(skel->maps.outstanding,
				 !cfg->outstanding ? 1 :
				 cfg->max_outstanding ? cfg->max_outstanding : KM_OUTSTANDING_DEFAULT);
	bpf_program__set_autoload(skel->progs.outstanding_free_bulk, t->out_hooks & KM_OUT_HOOK_BULK);
	bpf_program__set_autoload(skel->progs.outstanding_free_rcu, t->out_hooks & KM_OUT_HOOK_RCU);
}

/* A process scope tells interrupt context apart (kernel/preempt_count.h: how). */
static void configure_irq_context(struct trace_bpf *skel, const struct btf *vmlinux)
{
	struct km_preempt_count pc;
	bool tracepoints = skel->rodata->irq_apart;

	if (skel->rodata->irq_apart && km_irq_from_preempt_count(vmlinux, &pc)) {
		skel->rodata->irq_from_preempt_count = true;
		skel->rodata->percpu_offsets_addr = pc.percpu_offsets;
		skel->rodata->preempt_count_addr = pc.count;
		tracepoints = false;
	}
	if (km_verbose && skel->rodata->irq_apart)
		fprintf(stderr, "kmscope: interrupt context from %s\n",
			tracepoints ? "the irq tracepoints" : "the preempt count");
	bpf_program__set_autoload(skel->progs.on_softirq_entry, tracepoints);
	bpf_program__set_autoload(skel->progs.on_softirq_exit, tracepoints);
	bpf_program__set_autoload(skel->progs.on_irq_entry, tracepoints);
	bpf_program__set_autoload(skel->progs.on_irq_exit, tracepoints);
}

int tracer_open(struct tracer *t, const struct tracer_config *cfg, const struct btf *vmlinux,
		int *exit_code)
{
	struct trace_bpf *skel;
	int err, ncpus;

	memset(t, 0, sizeof(*t));
	libbpf_set_print(libbpf_print);
	skel = trace_bpf__open_opts(km_bpf_open_opts());
	if (!skel) {
		err = -errno;
		km_error("cannot open the BPF object: %s", strerror(-err));
		*exit_code = KM_EXIT_FAILURE;
		return err;
	}
	skel->rodata->filter_tgid = cfg->pid;
	skel->rodata->filter_tid = cfg->tid;
	skel->rodata->filter_follow = cfg->follow;
	if (cfg->comm) {
		skel->rodata->filter_comm = true;
		strncpy((char *)skel->rodata->target_comm, cfg->comm, KM_COMM_LEN - 1);
	}
	skel->rodata->filter_cgroup_id = cfg->cgroup_id;
	skel->rodata->filter_cgroup_level = cfg->cgroup_level;
	skel->rodata->filter_ranges = cfg->ranges;
	skel->rodata->ranges_on_stack = cfg->ranges_on_stack;
	skel->rodata->use_stack = cfg->stack;
	skel->rodata->self_tgid = getpid();
	skel->rodata->irq_apart = cfg->pid || cfg->tid || cfg->follow || cfg->comm ||
				  cfg->cgroup_id;
	configure_irq_context(skel, vmlinux);
	/* tracer_calibrate_zones() attaches these alone, before everything else */
	bpf_program__set_autoattach(skel->progs.calib_page_alloc, false);
	bpf_program__set_autoattach(skel->progs.calib_kmalloc, false);

	err = choose_programs(skel, vmlinux, exit_code);
	if (err) {
		trace_bpf__destroy(skel);
		return err;
	}
	t->module_hook = KM_MODULE_HOOK(skel);
	km_module_hook__configure(&t->module_hook, vmlinux, cfg->module);
	if (!cfg->follow) {
		bpf_program__set_autoload(skel->progs.on_fork, false);
		bpf_program__set_autoload(skel->progs.on_exit, false);
	}
	/* the fast slots: KM_FAST_SLOTS per possible CPU, one CPU after another */
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0) {
		km_error("cannot count the possible CPUs: %s", strerror(-ncpus));
		*exit_code = KM_EXIT_FAILURE;
		trace_bpf__destroy(skel);
		return ncpus;
	}
	bpf_map__set_max_entries(skel->maps.fast_allocs, (__u32)ncpus * KM_FAST_SLOTS);
	if (cfg->max_shapes) {
		/* every shape may need its cache recorded too */
		bpf_map__set_max_entries(skel->maps.allocs, cfg->max_shapes);
		bpf_map__set_max_entries(skel->maps.shape_caches, cfg->max_shapes);
		/* a bound is a bound: the fast slots hold no more shapes than asked for */
		if (cfg->max_shapes < KM_FAST_SLOTS) {
			__u32 n = 2;

			while (n * 2 <= cfg->max_shapes)
				n *= 2;
			skel->rodata->fast_mask = n - 1;
		}
	}
	t->skel = skel;
	configure_outstanding(t, cfg, vmlinux);
	t->skel = NULL;
	t->outstanding = cfg->outstanding;
	/* An unused stack store still costs its memory. */
	bpf_map__set_max_entries(skel->maps.stack_ids, !cfg->stack ? 1 :
				 cfg->max_stacks ? cfg->max_stacks : TRACER_DEFAULT_STACKS);

	err = trace_bpf__load(skel);
	if (err) {
		/* Root was checked before: EACCES/EINVAL here is the verifier saying no. */
		if (err == -EPERM) {
			km_error("permission denied loading BPF programs: kmscope needs CAP_BPF and "
				 "CAP_PERFMON (and no lockdown=confidentiality)");
			*exit_code = KM_EXIT_FAILURE;
		} else if (err == -ENOMEM || err == -E2BIG) {
			/* the maps are created first: a large --max-shapes fails here */
			km_error("cannot create the BPF maps: %s (%u shapes per CPU%s; try a smaller "
				 "--max-shapes%s)", strerror(-err),
				 cfg->max_shapes ? cfg->max_shapes : bpf_map__max_entries(skel->maps.allocs),
				 cfg->max_shapes ? ", from --max-shapes" : "",
				 cfg->outstanding ? " or --max-outstanding" : "");
			*exit_code = KM_EXIT_FAILURE;
		} else {
			km_error("this kernel rejected kmscope's BPF programs: %s (run with -v for the "
				 "verifier log; `kmscope doctor` lists what this kernel supports)",
				 strerror(-err));
			*exit_code = KM_EXIT_NO_FEATURE;
		}
		trace_bpf__destroy(skel);
		return err;
	}
	t->skel = skel;
	t->module_hook.scope = &skel->bss->module_scope;
	stack_table_init(&t->stacks, bpf_map__fd(skel->maps.stack_ids));
	return 0;
}

int tracer_attach(struct tracer *t, int *exit_code)
{
	int err = trace_bpf__attach(t->skel);

	if (err) {
		km_error("cannot attach to the kmem tracepoints: %s (see `kmscope doctor`)",
			 strerror(-err));
		*exit_code = err == -EPERM ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
		return err;
	}
	t->module_sync = km_module_hook__attach(&t->module_hook);
	return 0;
}

static int read_pfn(int pagemap_fd, const void *addr, unsigned long *pfn)
{
	unsigned long long entry;
	off_t off = (unsigned long)addr / getpagesize() * sizeof(entry);

	if (pread(pagemap_fd, &entry, sizeof(entry), off) != sizeof(entry))
		return -errno;
	if (!(entry & (1ULL << 63)) || !(entry & ((1ULL << 55) - 1)))
		return -ENOENT; /* not present, or pfn hidden without CAP_SYS_ADMIN */
	*pfn = entry & ((1ULL << 55) - 1);
	return 0;
}

static bool calib_has(const struct trace_bpf *skel, unsigned int n, unsigned long long page)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (skel->bss->calib_pages[i] == page)
			return true;
	return false;
}

#define CALIB_PAGES 8

/* log2 of the page size: the kernel's PAGE_SHIFT, as user space sees it. */
static unsigned int page_shift_of(long page_size)
{
	unsigned int shift = 0;

	while ((1L << shift) < page_size)
		shift++;
	return shift;
}

/*
 * The direct map's base, from one large kmalloc of our own: readv() of enough
 * iovecs makes the kernel kmalloc twice the largest kmalloc class, served by the
 * page allocator; the page's pfn we know from its struct page, and the object's
 * address minus pfn << PAGE_SHIFT is the base.
 */
static bool calibrate_direct_map(struct trace_bpf *skel, unsigned long long vmemmap_base,
				 long page_struct_size, unsigned long max_cache_size)
{
	long psize = getpagesize();
	unsigned int shift = page_shift_of(psize), order = 0;
	size_t large = 2 * max_cache_size, niov = large / sizeof(struct iovec), i, n;
	struct iovec *iov;
	unsigned long long ptr, base;
	char byte;
	int fd;

	while (((size_t)psize << order) < large)
		order++;
	/* readv() takes at most IOV_MAX iovecs; the request must fill its pages exactly */
	if (niov > IOV_MAX || ((size_t)psize << order) != large)
		return false;
	iov = calloc(niov, sizeof(*iov));
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (!iov || fd < 0) {
		free(iov);
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (i = 0; i < niov; i++) {
		iov[i].iov_base = &byte;
		iov[i].iov_len = 1;
	}
	skel->bss->calib_next = 0;
	skel->bss->calib_kmalloc_ptr = 0;
	__atomic_store_n(&skel->bss->calib_large_size, large, __ATOMIC_SEQ_CST);
	if (readv(fd, iov, niov) < 0)
		niov = 0;
	close(fd);
	free(iov);
	ptr = __atomic_load_n(&skel->bss->calib_kmalloc_ptr, __ATOMIC_SEQ_CST);
	n = skel->bss->calib_next < KM_CALIB_SLOTS ? skel->bss->calib_next : KM_CALIB_SLOTS;
	for (i = 0; ptr && i < n; i++) {
		unsigned long long pfn;

		if (skel->bss->calib_orders[i] != order)
			continue;
		pfn = (skel->bss->calib_pages[i] - vmemmap_base) / page_struct_size;
		base = ptr - (pfn << shift);
		/* KASLR places the direct map on a 1 GiB boundary */
		if (base & ((1ULL << 30) - 1))
			continue;
		skel->bss->zones.page_offset_base = base;
		skel->bss->zones.max_cache_size = max_cache_size;
		skel->bss->zones.page_shift = shift;
		__atomic_store_n(&skel->bss->zones.direct_valid, 1, __ATOMIC_SEQ_CST);
		return true;
	}
	return false;
}

/*
 * Page events carry a struct page pointer; zones are pfn ranges. Without a readable
 * vmemmap_base (KASLR, no KALLSYMS_ALL) we fault in pages, read their pfns from
 * pagemap and find the one base that maps every pfn to a page pointer the BPF side saw.
 * The calibration programs are attached only for this, before the tracing programs.
 */
static bool calibrate_zones(struct tracer *t, long page_size)
{
	struct trace_bpf *skel = t->skel;
	unsigned long pfns[CALIB_PAGES];
	unsigned long long base = 0;
	long psize = getpagesize();
	unsigned int n, i, j;
	char *mem;
	bool ok = false;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	mem = mmap(NULL, CALIB_PAGES * psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto out_close;
	madvise(mem, CALIB_PAGES * psize, MADV_NOHUGEPAGE);
	__atomic_store_n(&skel->bss->calib_next, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < CALIB_PAGES; i++)
		mem[i * psize] = 1;
	n = __atomic_load_n(&skel->bss->calib_next, __ATOMIC_SEQ_CST);
	if (n > KM_CALIB_SLOTS)
		n = KM_CALIB_SLOTS;
	for (i = 0; i < CALIB_PAGES; i++)
		if (read_pfn(fd, mem + i * psize, &pfns[i]))
			goto out_unmap;
	for (j = 0; j < n && !ok; j++) {
		base = skel->bss->calib_pages[j] - pfns[0] * page_size;
		ok = true;
		for (i = 1; i < CALIB_PAGES && ok; i++)
			ok = calib_has(skel, n, base + pfns[i] * page_size);
	}
	if (ok) {
		struct km_zone_table *zt = &skel->bss->zones;

		for (i = 0; i < (unsigned int)t->nr_zones; i++) {
			zt->start_pfn[i] = t->zones[i].start_pfn;
			zt->end_pfn[i] = t->zones[i].end_pfn;
		}
		zt->nr = t->nr_zones;
		zt->vmemmap_base = base;
		__atomic_store_n(&zt->valid, 1, __ATOMIC_SEQ_CST);
		t->zones_valid = true;
	}
out_unmap:
	munmap(mem, CALIB_PAGES * psize);
out_close:
	close(fd);
	return ok;
}

int tracer_calibrate(struct tracer *t, const struct btf *vmlinux, unsigned long max_cache_size)
{
	struct trace_bpf *skel = t->skel;
	struct bpf_link *page_link = NULL, *kmalloc_link = NULL;
	int nr, id, ret = 0;
	long page_size;

	nr = zones__load("/proc/zoneinfo", t->zones, ZONES_MAX);
	if (nr <= 0)
		return 0;
	t->nr_zones = nr > KM_MAX_ZONES ? KM_MAX_ZONES : nr;
	id = btf__find_by_name_kind(vmlinux, "page", BTF_KIND_STRUCT);
	page_size = id < 0 ? -1 : btf__resolve_size(vmlinux, id);
	if (page_size <= 0)
		return 0;
	page_link = bpf_program__attach(skel->progs.calib_page_alloc);
	kmalloc_link = bpf_program__attach(skel->progs.calib_kmalloc);
	if (!page_link || !kmalloc_link)
		goto out;
	if (!calibrate_zones(t, page_size))
		goto out;
	ret |= TRACER_CALIB_ZONES;
	if (calibrate_direct_map(skel, skel->bss->zones.vmemmap_base, page_size, max_cache_size))
		ret |= TRACER_CALIB_DIRECT_MAP;
out:
	bpf_link__destroy(kmalloc_link);
	bpf_link__destroy(page_link);
	return ret;
}

bool tracer_calibrate_zones(struct tracer *t, const struct btf *vmlinux,
			    unsigned long max_cache_size)
{
	return tracer_calibrate(t, vmlinux, max_cache_size) & TRACER_CALIB_ZONES;
}

bool tracer_caches_from_objects(const struct tracer *t)
{
	return t->skel->bss->zones.direct_valid;
}

int tracer_follow(struct tracer *t, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key), &one, sizeof(one),
				    BPF_ANY);
}

void tracer_config_scope(struct tracer_config *cfg, const struct km_scope *s, int nranges)
{
	cfg->pid = s->tgid;
	cfg->tid = s->tid;
	cfg->follow = s->cmd != NULL;
	cfg->comm = s->comm;
	cfg->stack = s->stack;
	cfg->cgroup_id = s->cgroup_id;
	cfg->cgroup_level = s->cgroup_level;
	cfg->module = s->module;
	cfg->ranges = nranges > 0 || s->module;
	cfg->ranges_on_stack = cfg->ranges && s->stack;
}

int tracer_set_ranges(struct tracer *t, const unsigned long *start, const unsigned long *end,
		      int n)
{
	__u32 i, slot = 0;
	int err;

	for (i = 0; i < KM_MAX_RANGES; i++) {
		struct km_range r = {};

		if ((int)i < n && start[i]) {
			r.start = start[i];
			r.end = end[i];
		} else {
			continue;
		}
		err = bpf_map__update_elem(t->skel->maps.ranges, &slot, sizeof(slot), &r,
					   sizeof(r), BPF_ANY);
		if (err)
			return err;
		slot++;
	}
	t->nr_ranges = slot;
	for (i = slot; i < KM_MAX_RANGES; i++) {
		struct km_range r = {};

		err = bpf_map__update_elem(t->skel->maps.ranges, &i, sizeof(i), &r, sizeof(r),
					   BPF_ANY);
		if (err)
			return err;
	}
	return 0;
}

void tracer_maps(const struct tracer *t, struct snapshot_maps *maps)
{
	struct bpf_program *prog;

	maps->allocs_fd = bpf_map__fd(t->skel->maps.allocs);
	maps->fast_fd = bpf_map__fd(t->skel->maps.fast_allocs);
	maps->nr_progs = 0;
	bpf_object__for_each_program(prog, t->skel->obj)
		if (bpf_program__fd(prog) >= 0 && maps->nr_progs < SNAPSHOT_MAX_PROGS)
			maps->prog_fds[maps->nr_progs++] = bpf_program__fd(prog);
	maps->pages_fd = bpf_map__fd(t->skel->maps.pages);
	maps->caches_fd = bpf_map__fd(t->skel->maps.caches);
	maps->shape_caches_fd = bpf_map__fd(t->skel->maps.shape_caches);
	maps->counters_fd = bpf_map__fd(t->skel->maps.counters);
	maps->follow_dropped = &t->skel->bss->follow_dropped;
	maps->outstanding_fd = t->outstanding ? bpf_map__fd(t->skel->maps.outstanding) : -1;
	maps->out_counters_fd = bpf_map__fd(t->skel->maps.outstanding_counters);
	maps->out_max = bpf_map__max_entries(t->skel->maps.outstanding);
	maps->out_hooks = t->out_hooks;
}

unsigned int *tracer_asleep_flag(struct tracer *t)
{
	return &t->skel->bss->self_asleep;
}

struct stack_table *tracer_stacks(struct tracer *t)
{
	return &t->stacks;
}

void tracer_close(struct tracer *t)
{
	stack_table_free(&t->stacks);
	trace_bpf__destroy(t->skel);
	t->skel = NULL;
}
