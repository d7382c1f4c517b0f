// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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

/* Kernels before 6.1 pass sizes, not the cache, as kmem_cache_alloc's third argument. */
static bool cache_alloc_has_cache_arg(const struct btf *vmlinux)
{
	const struct btf_type *t;
	const struct btf_param *p;
	int id;

	id = btf__find_by_name_kind(vmlinux, "btf_trace_kmem_cache_alloc", BTF_KIND_TYPEDEF);
	if (id < 0)
		return true;
	t = btf__type_by_id(vmlinux, id);
	t = btf__type_by_id(vmlinux, t->type); /* pointer */
	if (!t || !btf_is_ptr(t))
		return true;
	t = btf__type_by_id(vmlinux, t->type); /* func proto */
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 4)
		return true;
	p = btf_params(t);
	t = btf__type_by_id(vmlinux, p[3].type);
	while (t && (btf_is_const(t) || btf_is_volatile(t) || btf_is_typedef(t)))
		t = btf__type_by_id(vmlinux, t->type);
	return t && btf_is_ptr(t);
}

static bool tracepoint_exists(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
}

int tracer_open(struct tracer *t, const struct tracer_config *cfg, const struct btf *vmlinux,
		int *exit_code)
{
	struct trace_bpf *skel;
	bool new_cache_tp;
	int err;

	memset(t, 0, sizeof(*t));
	libbpf_set_print(libbpf_print);
	skel = trace_bpf__open();
	if (!skel) {
		err = -errno;
		km_error("cannot open the BPF object: %s", strerror(-err));
		*exit_code = KM_EXIT_FAILURE;
		return err;
	}
	skel->rodata->filter_tgid = cfg->pid;
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

	t->module_hook = KM_MODULE_HOOK(skel);
	km_module_hook__configure(&t->module_hook, vmlinux, cfg->module);

	new_cache_tp = cache_alloc_has_cache_arg(vmlinux);
	bpf_program__set_autoload(skel->progs.on_cache_alloc, new_cache_tp);
	bpf_program__set_autoload(skel->progs.on_cache_alloc_sizes, !new_cache_tp);
	bpf_program__set_autoload(skel->progs.on_kmalloc_node,
				  tracepoint_exists(vmlinux, "kmalloc_node"));
	if (!cfg->follow) {
		bpf_program__set_autoload(skel->progs.on_fork, false);
		bpf_program__set_autoload(skel->progs.on_exit, false);
	}
	if (cfg->max_shapes)
		bpf_map__set_max_entries(skel->maps.allocs, cfg->max_shapes);
	if (!cfg->stack) {
		/* An unused stack map still costs its memory. */
		bpf_map__set_max_entries(skel->maps.stacks, 1);
	}

	err = trace_bpf__load(skel);
	if (err) {
		/* Root was checked before: EACCES/EINVAL here is the verifier saying no. */
		if (err == -EPERM) {
			km_error("permission denied loading BPF programs: kmscope needs CAP_BPF and "
				 "CAP_PERFMON (and no lockdown=confidentiality)");
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

/*
 * The direct map's base, from one large kmalloc of our own: readv() of 1024 iovecs
 * makes the kernel kmalloc 16 KiB, served by an order-2 page whose pfn we know from
 * its struct page; the object's address minus pfn * 4096 is the base.
 */
static void calibrate_direct_map(struct trace_bpf *skel, unsigned long long vmemmap_base,
				 long page_struct_size, unsigned long max_cache_size)
{
	struct iovec iov[KM_CALIB_LARGE / sizeof(struct iovec)];
	unsigned long long ptr, base;
	unsigned int i, n;
	char byte;
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	for (i = 0; i < sizeof(iov) / sizeof(iov[0]); i++) {
		iov[i].iov_base = &byte;
		iov[i].iov_len = 1;
	}
	skel->bss->calib_next = 0;
	skel->bss->calib_kmalloc_ptr = 0;
	__atomic_store_n(&skel->bss->calibrating, true, __ATOMIC_SEQ_CST);
	if (readv(fd, iov, sizeof(iov) / sizeof(iov[0])) < 0)
		ptr = 0;
	__atomic_store_n(&skel->bss->calibrating, false, __ATOMIC_SEQ_CST);
	close(fd);
	ptr = skel->bss->calib_kmalloc_ptr;
	n = skel->bss->calib_next < KM_CALIB_SLOTS ? skel->bss->calib_next : KM_CALIB_SLOTS;
	for (i = 0; ptr && i < n; i++) {
		unsigned long long pfn;

		if (skel->bss->calib_orders[i] != 2)
			continue;
		pfn = (skel->bss->calib_pages[i] - vmemmap_base) / page_struct_size;
		base = ptr - pfn * 4096;
		/* KASLR places the direct map on a 1 GiB boundary */
		if (base & ((1ULL << 30) - 1))
			continue;
		skel->bss->zones.page_offset_base = base;
		skel->bss->zones.max_cache_size = max_cache_size;
		__atomic_store_n(&skel->bss->zones.direct_valid, 1, __ATOMIC_SEQ_CST);
		return;
	}
}

/*
 * Page events carry a struct page pointer; zones are pfn ranges. Without a readable
 * vmemmap_base (KASLR, no KALLSYMS_ALL) we fault in pages, read their pfns from
 * pagemap and find the one base that maps every pfn to a page pointer the BPF side saw.
 */
bool tracer_calibrate_zones(struct tracer *t, const struct btf *vmlinux,
			    unsigned long max_cache_size)
{
	struct trace_bpf *skel = t->skel;
	unsigned long pfns[CALIB_PAGES];
	unsigned long long base = 0;
	long psize = getpagesize();
	unsigned int n, i, j;
	int fd, id, nr;
	long page_size;
	char *mem;
	bool ok = false;

	nr = zones__load("/proc/zoneinfo", t->zones, ZONES_MAX);
	if (nr <= 0)
		return false;
	t->nr_zones = nr > KM_MAX_ZONES ? KM_MAX_ZONES : nr;
	id = btf__find_by_name_kind(vmlinux, "page", BTF_KIND_STRUCT);
	page_size = id < 0 ? -1 : btf__resolve_size(vmlinux, id);
	if (page_size <= 0)
		return false;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	mem = mmap(NULL, CALIB_PAGES * psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		goto out_close;
	madvise(mem, CALIB_PAGES * psize, MADV_NOHUGEPAGE);
	skel->bss->calib_next = 0;
	__atomic_store_n(&skel->bss->calibrating, true, __ATOMIC_SEQ_CST);
	for (i = 0; i < CALIB_PAGES; i++)
		mem[i * psize] = 1;
	__atomic_store_n(&skel->bss->calibrating, false, __ATOMIC_SEQ_CST);
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
		calibrate_direct_map(skel, base, page_size, max_cache_size);
	}
out_unmap:
	munmap(mem, CALIB_PAGES * psize);
out_close:
	close(fd);
	return ok;
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
}

int tracer_stacks_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.stacks);
}

void tracer_close(struct tracer *t)
{
	trace_bpf__destroy(t->skel);
	t->skel = NULL;
}
