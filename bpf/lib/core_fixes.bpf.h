/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CO-RE fallbacks for what moved between kernels, in the style of libbpf-tools'
 * core_fixes.bpf.h: a local flavour (`foo___x`) names what an older or newer kernel
 * has, so the object compiles against any kernel's BTF from 5.15 on, and libbpf picks
 * the variant that exists at load time (the other branch is dead code for the verifier).
 */
#ifndef KMSCOPE_CORE_FIXES_BPF_H
#define KMSCOPE_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/* 5.17 split struct slab out of struct page; before it, the cache was page->slab_cache. */
struct slab___x {
	struct kmem_cache *slab_cache;
} __attribute__((preserve_access_index));

struct page___slab_cache {
	struct kmem_cache *slab_cache;
} __attribute__((preserve_access_index));

/* The cache of the slab page at page_addr (a head page), NULL when this kernel has neither. */
static __always_inline struct kmem_cache *km_page_slab_cache(__u64 page_addr)
{
	if (bpf_core_type_exists(struct slab___x))
		return BPF_CORE_READ((struct slab___x *)page_addr, slab_cache);
	if (bpf_core_field_exists(struct page___slab_cache, slab_cache))
		return BPF_CORE_READ((struct page___slab_cache *)page_addr, slab_cache);
	return NULL;
}

/* Whether this kernel's kmem caches can be told apart without the stack at all. */
static __always_inline bool km_slab_cache_lookup_possible(void)
{
	return bpf_core_type_exists(struct slab___x) ||
	       bpf_core_field_exists(struct page___slab_cache, slab_cache);
}

/*
 * 6.9 turned the SLAB_* flags into bits of enum _slab_flag_bits, so SLAB_KMALLOC's
 * position is in BTF. Before 6.9 the flags were plain #defines (not in BTF) whose
 * values moved: there the kind comes from the call stack instead.
 */
enum _slab_flag_bits___x {
	_SLAB_KMALLOC___x = 0, /* the value is the running kernel's, read with CO-RE */
};

static __always_inline bool km_slab_kmalloc_flag_exists(void)
{
	return bpf_core_enum_value_exists(enum _slab_flag_bits___x, _SLAB_KMALLOC___x);
}

static __always_inline __u32 km_slab_kmalloc_flag(void)
{
	return 1U << bpf_core_enum_value(enum _slab_flag_bits___x, _SLAB_KMALLOC___x);
}

struct kmem_cache___flags {
	unsigned int flags; /* slab_flags_t */
} __attribute__((preserve_access_index));

static __always_inline __u32 km_cache_flags(struct kmem_cache *s)
{
	return BPF_CORE_READ((struct kmem_cache___flags *)s, flags);
}

#endif
