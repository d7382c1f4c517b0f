/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kmscope recording file (docs/record.md): a header, then sections, each with its
 * type, length and CRC-32, little-endian throughout:
 *
 *	"KMSCOPE\0" u32 version u32 flags (0)
 *	{ u32 type, u32 crc, u64 len, payload[len] } ...   the last one END
 *
 * where crc is the CRC-32 of type, len and the payload (recfile_crc()).
 *
 * META, GFP, CLASSES, ZONES come first; then EVENTS chunks (varint-delta packed);
 * then what is only known at the end: CACHES, STACKS, KSYMS, COUNTERS, END.
 * A file without END is a truncated one. Unknown section types are skipped.
 */
#ifndef KMSCOPE_RECFILE_H
#define KMSCOPE_RECFILE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "kmscope.h"
#include "kernel/gfp.h"
#include "kernel/sizeclass.h"
#include "kernel/zones.h"
#include "replay/replay.h"

#define RECFILE_MAGIC	"KMSCOPE"	/* 8 bytes with its NUL */
#define RECFILE_VERSION 1
#define RECFILE_HEADER	16
#define RECFILE_SECTION 16		/* a section's header */
#define RECFILE_CHUNK	(1 << 20)	/* an EVENTS section's payload, at most about */

enum recfile_section {
	RECFILE_META = 1,     /* text: key=value lines */
	RECFILE_GFP = 2,      /* text: the GFP bits as a __print_flags table */
	RECFILE_CLASSES = 3,  /* text: kmalloc size classes */
	RECFILE_ZONES = 4,    /* text: "node name start_pfn end_pfn" lines */
	RECFILE_EVENTS = 5,   /* u64 base_ts, u32 count, u32 0, count packed events */
	RECFILE_CACHES = 6,   /* u32 count, u32 0, count struct recfile_cache */
	RECFILE_STACKS = 7,   /* u32 count, u32 0, then per stack: s32 id, u32 nr, nr u64 */
	RECFILE_KSYMS = 8,    /* text, kallsyms format: the symbols of the addresses seen */
	RECFILE_COUNTERS = 9, /* u32 nr_cpus, u32 0, u64 lost[nr_cpus], u64 stack_lost,
			       * u64 cache_lost */
	RECFILE_END = 15,     /* u64 nr_events, u32 nr_sections (this one excluded), u32 0,
			       * u64 end_ns */
};

struct recfile_cache {
	__u64 ptr;
	struct km_cache_info info; /* 40 bytes */
};

struct recfile_stack {
	__s32 id;
	__u32 nr;
	__u64 ips[KM_MAX_STACK];
};

#define RECFILE_WHY_LEN 256

/* What a recording holds, once parsed; pointers are into the mapped file or owned. */
struct recfile {
	const unsigned char *buf;
	size_t len;
	__u32 version;
	/* META */
	char release[128], boot_id[64], scope[256], host[64];
	__u32 page_size;
	__u64 start_ns, end_ns;  /* CLOCK_MONOTONIC (bpf_ktime_get_ns); end_ns from END */
	double start_wall;       /* the start as a Unix time */
	bool stack, outstanding; /* record --stack, --outstanding */
	bool zones_valid, caches_from_objects;
	/* GFP, CLASSES, ZONES */
	struct gfp_bits gfp;
	bool has_gfp;
	struct kmalloc_classes classes;
	struct zone_range zones[ZONES_MAX];
	int nr_zones;
	/* the end */
	struct recfile_cache *caches; /* owned */
	size_t nr_caches;
	struct recfile_stack *stacks; /* owned, sorted by id */
	size_t nr_stacks;
	const char *ksyms_text;
	size_t ksyms_len;
	__u64 *lost; /* owned, per CPU */
	__u32 nr_cpus;
	__u64 lost_total, stack_lost, cache_lost;
	__u64 nr_events;
	size_t nr_sections;
};

/*
 * Parses and checks a whole recording in memory (every section's length and CRC, the
 * END record, the metadata) without decoding events: 0, or -EINVAL / -EPROTO (corrupt,
 * truncated, not a recording), -ENOTSUP (a newer version), -ENOMEM, with why set to one
 * line saying what is wrong. recfile_free() afterwards either way.
 */
int recfile_parse_mem(const void *buf, size_t len, struct recfile *rf, char *why, size_t whylen);
/* Every event in file order to fn (stops at its first non-zero return, which is returned). */
int recfile_events(const struct recfile *rf, int (*fn)(void *ctx, const struct km_event *ev),
		   void *ctx, char *why, size_t whylen);
void recfile_free(struct recfile *rf);
/* The stack of id, or NULL. */
const struct recfile_stack *recfile_stack(const struct recfile *rf, __s32 id);

/* The event codec (recfile_codec.c): state carried from one event to the next. */
struct recfile_codec {
	__u64 ts, ptr, call_site, cache;
	__u32 pid, cpu;
};

/* Appends ev to p (at most RECFILE_EVENT_MAX bytes); returns the new end. */
#define RECFILE_EVENT_MAX 96
unsigned char *recfile_encode(struct recfile_codec *c, const struct km_event *ev,
			      unsigned char *p);
/* Decodes one event from [*p, end); 0, or -EPROTO when it is malformed. */
int recfile_decode(struct recfile_codec *c, const unsigned char **p, const unsigned char *end,
		   struct km_event *ev);

/* A section's CRC-32: its header's type and len (hdr), then the payload. */
__u32 recfile_crc(const unsigned char *hdr, const void *payload, size_t len);

/* Little-endian stores and loads. */
static inline void recfile_put32(unsigned char *p, __u32 v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

static inline void recfile_put64(unsigned char *p, __u64 v)
{
	recfile_put32(p, (__u32)v);
	recfile_put32(p + 4, (__u32)(v >> 32));
}

static inline __u32 recfile_get32(const unsigned char *p)
{
	return p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}

static inline __u64 recfile_get64(const unsigned char *p)
{
	return recfile_get32(p) | (__u64)recfile_get32(p + 4) << 32;
}

#endif
