// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace --dma: the DMA API per device and call site. Coherent allocations and
 * streaming mappings (count, bytes, direction) with what of them is still outstanding,
 * and swiotlb's bounce copies. Its own object, loaded only with the option: the default
 * trace pays nothing for it.
 *
 * BTF tracepoints, each program reading only the leading arguments every kernel's
 * prototype shares (user/kernel/dma_tps.c checks them before a program is autoloaded):
 * the dma: events are 6.12+, and since then dma_alloc gained a direction and
 * dma_map_page became dma_map_phys. Calls are scoped by process like every section;
 * frees and unmaps are not (they may run elsewhere): one counts when its allocation or
 * mapping was made in scope while tracing. --module / --caller: a call counts when a
 * frame of its stack is in scope (the events have no call site: user space reads the
 * row's off the stack too), as vmalloc.bpf.c does for its areas.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kmscope.h"
#include "dma_use.h"
#include "lib/scope.bpf.h"
#include "lib/comm_scope.bpf.h"
#include "lib/stack_store.bpf.h"
#include "lib/site_scope.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SG_CHAIN 0x01UL /* include/linux/scatterlist.h: page_link's low bits */
#define SG_END	 0x02UL

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct km_dma_key);
	__type(value, struct km_dma_val);
} dma_sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct km_dma_live_key);
	__type(value, struct km_dma_live);
} dma_live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct km_dma_device);
} dma_devices SEC(".maps");

__u64 dma_counters[KM_DC_NR] = {};

/* The calling task, and with --module / --caller a frame of its stack. */
static __always_inline bool dma_call_in_scope(void *ctx)
{
	return process_in_scope(bpf_get_current_pid_tgid()) &&
	       (!filter_comm || comm_matches()) &&
	       stack_in_scope(ctx, &dma_counters[KM_DC_STACK_LOST]);
}

/* The device's names, kept the first time it is seen. */
static __always_inline void note_device(struct device *dev)
{
	struct km_dma_device names = {};
	__u64 key = (__u64)dev;
	const char *name;
	struct device_driver *drv;

	if (bpf_map_lookup_elem(&dma_devices, &key))
		return;
	name = BPF_CORE_READ(dev, kobj.name);
	if (name)
		bpf_probe_read_kernel_str(names.name, sizeof(names.name), name);
	drv = BPF_CORE_READ(dev, driver);
	name = drv ? BPF_CORE_READ(drv, name) : NULL;
	if (name)
		bpf_probe_read_kernel_str(names.driver, sizeof(names.driver), name);
	if (bpf_map_update_elem(&dma_devices, &key, &names, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&dma_devices, &key))
		__sync_fetch_and_add(&dma_counters[KM_DC_DROPPED_DEVICES], 1);
}

static __always_inline struct km_dma_val *site_entry(void *ctx, struct km_dma_key *key,
						     struct device *dev)
{
	struct km_dma_val zero = {}, *v;
	__s32 id;

	id = stack_store_id(ctx);
	if (id < 0)
		__sync_fetch_and_add(&dma_counters[KM_DC_STACK_LOST], 1);
	key->stack_id = id < 0 ? -1 : id;
	key->dev = (__u64)dev;
	note_device(dev);
	v = bpf_map_lookup_elem(&dma_sites, key);
	if (v)
		return v;
	bpf_map_update_elem(&dma_sites, key, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&dma_sites, key);
	if (!v)
		__sync_fetch_and_add(&dma_counters[KM_DC_DROPPED_SITES], 1);
	return v;
}

static __always_inline void track(struct device *dev, __u64 addr, const struct km_dma_key *key,
				  __u64 bytes)
{
	struct km_dma_live_key lk = { .dev = (__u64)dev, .addr = addr, .kind = key->kind };
	struct km_dma_live live = { .key = *key, .bytes = bytes };

	if (bpf_map_update_elem(&dma_live, &lk, &live, BPF_ANY))
		__sync_fetch_and_add(&dma_counters[KM_DC_DROPPED_LIVE], 1);
}

static __always_inline void untrack(struct device *dev, __u64 addr, __u32 kind)
{
	struct km_dma_live_key lk = { .dev = (__u64)dev, .addr = addr, .kind = kind };
	struct km_dma_live *live = bpf_map_lookup_elem(&dma_live, &lk);
	struct km_dma_val *v;

	if (!live)
		return;
	v = bpf_map_lookup_elem(&dma_sites, &live->key);
	if (v) {
		__sync_fetch_and_add(&v->releases, 1);
		__sync_fetch_and_add(&v->released_bytes, live->bytes);
	}
	bpf_map_delete_elem(&dma_live, &lk);
}

/* One call in scope: counted at its site, tracked until released (ok: it succeeded). */
static __always_inline void count_call(void *ctx, struct device *dev, __u32 kind, __u32 dir,
				       __u64 addr, __u64 bytes, bool ok)
{
	struct km_dma_key key = { .kind = kind, .dir = dir };
	struct km_dma_val *v;

	v = site_entry(ctx, &key, dev);
	if (!v)
		return;
	if (!ok) {
		__sync_fetch_and_add(&v->failures, 1);
		return;
	}
	__sync_fetch_and_add(&v->count, 1);
	__sync_fetch_and_add(&v->bytes, bytes);
	if (kind != KM_DMA_BOUNCE)
		track(dev, addr, &key, bytes);
}

static __always_inline void made(void *ctx, struct device *dev, __u32 kind, __u32 dir,
				 __u64 addr, __u64 bytes, bool ok)
{
	if (dma_call_in_scope(ctx))
		count_call(ctx, dev, kind, dir, addr, bytes, ok);
}

#define DMA_MAPPING_ERROR (~(dma_addr_t)0)

static __always_inline int on_map(void *ctx, struct device *dev, dma_addr_t addr, size_t size,
				  enum dma_data_direction dir)
{
	made(ctx, dev, KM_DMA_SINGLE, dir, addr, size, addr != DMA_MAPPING_ERROR);
	return 0;
}

SEC("tp_btf/dma_map_page")
int BPF_PROG(dma_map_page, struct device *dev, phys_addr_t phys, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir)
{
	return on_map(ctx, dev, addr, size, dir);
}

SEC("tp_btf/dma_map_phys")
int BPF_PROG(dma_map_phys, struct device *dev, phys_addr_t phys, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir)
{
	return on_map(ctx, dev, addr, size, dir);
}

SEC("tp_btf/dma_map_resource")
int BPF_PROG(dma_map_resource, struct device *dev, phys_addr_t phys, dma_addr_t addr,
	     size_t size, enum dma_data_direction dir)
{
	return on_map(ctx, dev, addr, size, dir);
}

SEC("tp_btf/dma_unmap_page")
int BPF_PROG(dma_unmap_page, struct device *dev, dma_addr_t addr)
{
	untrack(dev, addr, KM_DMA_SINGLE);
	return 0;
}

SEC("tp_btf/dma_unmap_phys")
int BPF_PROG(dma_unmap_phys, struct device *dev, dma_addr_t addr)
{
	untrack(dev, addr, KM_DMA_SINGLE);
	return 0;
}

SEC("tp_btf/dma_unmap_resource")
int BPF_PROG(dma_unmap_resource, struct device *dev, dma_addr_t addr)
{
	untrack(dev, addr, KM_DMA_SINGLE);
	return 0;
}

SEC("tp_btf/dma_alloc")
int BPF_PROG(dma_alloc, struct device *dev, void *virt, dma_addr_t addr, size_t size)
{
	made(ctx, dev, KM_DMA_COHERENT, KM_DMA_DIR_NONE, addr, size, virt != NULL);
	return 0;
}

SEC("tp_btf/dma_free")
int BPF_PROG(dma_free, struct device *dev, void *virt, dma_addr_t addr)
{
	untrack(dev, addr, KM_DMA_COHERENT);
	return 0;
}

SEC("tp_btf/dma_alloc_pages")
int BPF_PROG(dma_alloc_pages, struct device *dev, void *virt, dma_addr_t addr, size_t size)
{
	made(ctx, dev, KM_DMA_PAGES, KM_DMA_DIR_NONE, addr, size, virt != NULL);
	return 0;
}

SEC("tp_btf/dma_free_pages")
int BPF_PROG(dma_free_pages, struct device *dev, void *virt, dma_addr_t addr)
{
	untrack(dev, addr, KM_DMA_PAGES);
	return 0;
}

/* The lengths of a scatterlist's first nents entries, chains followed. */
static __always_inline __u64 sg_bytes(__u64 sg, int nents)
{
	__u64 bytes = 0, entry = bpf_core_type_size(struct scatterlist);
	int i;

	for (i = 0; i < KM_DMA_SG_MAX && i < nents && sg; i++) {
		struct scatterlist *s = (void *)sg;
		unsigned long link = BPF_CORE_READ(s, page_link);

		if (link & SG_CHAIN) {
			sg = link & ~(SG_CHAIN | SG_END);
			s = (void *)sg;
			link = BPF_CORE_READ(s, page_link);
		}
		bytes += BPF_CORE_READ(s, length);
		if (link & SG_END)
			return bytes;
		sg += entry;
	}
	if (nents > KM_DMA_SG_MAX)
		__sync_fetch_and_add(&dma_counters[KM_DC_SG_TRUNCATED], 1);
	return bytes;
}

SEC("tp_btf/dma_map_sg")
int BPF_PROG(dma_map_sg, struct device *dev, struct scatterlist *sg, int nents, int ents,
	     enum dma_data_direction dir)
{
	/* scope first: the entries are read only for a call that counts */
	if (!dma_call_in_scope(ctx))
		return 0;
	count_call(ctx, dev, KM_DMA_SG, dir, (__u64)sg, ents > 0 ? sg_bytes((__u64)sg, nents) : 0,
		   ents > 0);
	return 0;
}

SEC("tp_btf/dma_unmap_sg")
int BPF_PROG(dma_unmap_sg, struct device *dev, struct scatterlist *sg)
{
	untrack(dev, (__u64)sg, KM_DMA_SG);
	return 0;
}

SEC("tp_btf/swiotlb_bounced")
int BPF_PROG(swiotlb_bounced, struct device *dev, dma_addr_t addr, size_t size)
{
	made(ctx, dev, KM_DMA_BOUNCE, KM_DMA_DIR_NONE, addr, size, true);
	return 0;
}
