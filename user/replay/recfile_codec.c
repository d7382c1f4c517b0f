// SPDX-License-Identifier: GPL-2.0
/*
 * One event in 8-20 bytes: a flags byte, then varints of what changed since the
 * previous event (zigzag deltas for addresses and times, plain values for sizes).
 *
 *	flags: bits 0-2 type, 3 failed, 4 unscoped, 5 irq, 6 stack id follows,
 *	       7 same CPU as the previous event
 *	ts delta, [cpu], pid delta, ptr delta, then by type:
 *	slab alloc: call_site delta, bytes_req, bytes_alloc - bytes_req, gfp, cache delta
 *	slab free:  call_site delta
 *	page alloc: order, gfp, zone + 1
 *	page free:  order
 *	[stack_id]
 */
#include <errno.h>
#include <zlib.h>
#include "replay/recfile.h"

#define F_FAILED   0x08
#define F_UNSCOPED 0x10
#define F_IRQ	   0x20
#define F_STACK	   0x40
#define F_SAME_CPU 0x80

static unsigned char *put_varint(unsigned char *p, __u64 v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)v | 0x80;
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static unsigned char *put_delta(unsigned char *p, __u64 v, __u64 prev)
{
	__s64 d = (__s64)(v - prev);

	return put_varint(p, ((__u64)d << 1) ^ (__u64)(d >> 63));
}

unsigned char *recfile_encode(struct recfile_codec *c, const struct km_event *ev,
			      unsigned char *p)
{
	unsigned char flags = ev->type & 7;

	flags |= ev->failed ? F_FAILED : 0;
	flags |= ev->unscoped ? F_UNSCOPED : 0;
	flags |= ev->irq ? F_IRQ : 0;
	flags |= ev->stack_id >= 0 ? F_STACK : 0;
	flags |= ev->cpu == c->cpu ? F_SAME_CPU : 0;
	*p++ = flags;
	p = put_delta(p, ev->ts_ns, c->ts);
	if (ev->cpu != c->cpu)
		p = put_varint(p, ev->cpu);
	p = put_delta(p, ev->pid, c->pid);
	p = put_delta(p, ev->ptr, c->ptr);
	switch (ev->type) {
	case KM_EV_KMALLOC:
	case KM_EV_CACHE_ALLOC:
		p = put_delta(p, ev->call_site, c->call_site);
		p = put_varint(p, ev->bytes_req);
		p = put_delta(p, ev->bytes_alloc, ev->bytes_req);
		p = put_varint(p, ev->gfp_flags);
		p = put_delta(p, ev->cache, c->cache);
		c->call_site = ev->call_site;
		c->cache = ev->cache;
		break;
	case KM_EV_KFREE:
	case KM_EV_CACHE_FREE:
		p = put_delta(p, ev->call_site, c->call_site);
		c->call_site = ev->call_site;
		break;
	case KM_EV_PAGE_ALLOC:
		p = put_varint(p, ev->order);
		p = put_varint(p, ev->gfp_flags);
		p = put_varint(p, (__u64)(__s64)ev->zone + 1);
		break;
	default: /* KM_EV_PAGE_FREE */
		p = put_varint(p, ev->order);
		break;
	}
	if (ev->stack_id >= 0)
		p = put_varint(p, ev->stack_id);
	c->ts = ev->ts_ns;
	c->cpu = ev->cpu;
	c->pid = ev->pid;
	c->ptr = ev->ptr;
	return p;
}

static inline __attribute__((always_inline)) int get_varint(const unsigned char **pp,
								  const unsigned char *end, __u64 *v)
{
	const unsigned char *p = *pp;
	unsigned int shift = 0;
	__u64 x = 0;

	if (p < end && !(*p & 0x80)) { /* most deltas fit 7 bits */
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		if (p >= end || shift > 63)
			return -EPROTO;
		x |= (__u64)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80))
			break;
		shift += 7;
	}
	*pp = p;
	*v = x;
	return 0;
}

static inline __attribute__((always_inline)) int get_delta(const unsigned char **pp, const unsigned char *end, __u64 prev, __u64 *v)
{
	__u64 z;

	if (get_varint(pp, end, &z))
		return -EPROTO;
	*v = prev + ((z >> 1) ^ -(z & 1));
	return 0;
}

/* A varint that must fit 32 bits. */
static inline __attribute__((always_inline)) int get_u32(const unsigned char **pp, const unsigned char *end, __u32 *v)
{
	__u64 x;

	if (get_varint(pp, end, &x) || x > 0xffffffffULL)
		return -EPROTO;
	*v = x;
	return 0;
}

int recfile_decode(struct recfile_codec *c, const unsigned char **p, const unsigned char *end,
		   struct km_event *ev)
{
	unsigned char flags;
	__u64 v;
	__u32 u;

	if (*p >= end)
		return -EPROTO;
	flags = *(*p)++;
	*ev = (struct km_event){ .type = flags & 7, .zone = -1, .stack_id = -1 };
	if (ev->type < KM_EV_KMALLOC || ev->type > KM_EV_PAGE_FREE)
		return -EPROTO;
	ev->failed = !!(flags & F_FAILED);
	ev->unscoped = !!(flags & F_UNSCOPED);
	ev->irq = !!(flags & F_IRQ);
	if (get_delta(p, end, c->ts, &ev->ts_ns))
		return -EPROTO;
	ev->cpu = c->cpu;
	if (!(flags & F_SAME_CPU) && get_u32(p, end, &ev->cpu))
		return -EPROTO;
	if (get_delta(p, end, c->pid, &v) || v > 0xffffffffULL)
		return -EPROTO;
	ev->pid = v;
	if (get_delta(p, end, c->ptr, &ev->ptr))
		return -EPROTO;
	switch (ev->type) {
	case KM_EV_KMALLOC:
	case KM_EV_CACHE_ALLOC:
		if (get_delta(p, end, c->call_site, &ev->call_site) ||
		    get_u32(p, end, &ev->bytes_req) ||
		    get_delta(p, end, ev->bytes_req, &v) || v > 0xffffffffULL ||
		    get_u32(p, end, &ev->gfp_flags) || get_delta(p, end, c->cache, &ev->cache))
			return -EPROTO;
		ev->bytes_alloc = v;
		c->call_site = ev->call_site;
		c->cache = ev->cache;
		break;
	case KM_EV_KFREE:
	case KM_EV_CACHE_FREE:
		if (get_delta(p, end, c->call_site, &ev->call_site))
			return -EPROTO;
		c->call_site = ev->call_site;
		break;
	case KM_EV_PAGE_ALLOC:
		if (get_u32(p, end, &ev->order) || get_u32(p, end, &ev->gfp_flags) ||
		    get_u32(p, end, &u) || u > KM_MAX_ZONES)
			return -EPROTO;
		ev->zone = (__s32)u - 1;
		break;
	default:
		if (get_u32(p, end, &ev->order))
			return -EPROTO;
		break;
	}
	if (flags & F_STACK) {
		if (get_u32(p, end, &u) || u > 0x7fffffff)
			return -EPROTO;
		ev->stack_id = u;
	}
	c->ts = ev->ts_ns;
	c->cpu = ev->cpu;
	c->pid = ev->pid;
	c->ptr = ev->ptr;
	return 0;
}

__u32 recfile_crc(const unsigned char *hdr, const void *payload, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32(crc, hdr, 4);
	crc = crc32(crc, hdr + 8, 8);
	return crc32(crc, payload, len);
}
