// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a recording (format in recfile.h): every section is checked (length, CRC)
 * and the metadata parsed before any event is decoded, so a corrupt or truncated
 * file is one error and no half report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "replay/recfile.h"

static int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

/* The value of "key=" in a text section's lines, copied to buf; false when absent. */
static bool text_value(const char *text, size_t len, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key), pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		if (n > klen && !memcmp(line, key, klen) && line[klen] == '=') {
			size_t v = n - klen - 1;

			if (v >= size)
				v = size - 1;
			memcpy(buf, line + klen + 1, v);
			buf[v] = '\0';
			return true;
		}
		pos += n + 1;
	}
	return false;
}

static bool text_u64(const char *text, size_t len, const char *key, __u64 *out)
{
	char buf[32], *end;

	if (!text_value(text, len, key, buf, sizeof(buf)) || !*buf)
		return false;
	errno = 0;
	*out = strtoull(buf, &end, 0);
	return !errno && !*end;
}

static int parse_meta(struct recfile *rf, const char *t, size_t n, char *why, size_t wl)
{
	__u64 v;
	char buf[64];

	if (!text_value(t, n, "release", rf->release, sizeof(rf->release)) ||
	    !text_u64(t, n, "page_size", &v) || v < 512 || v > (1 << 24) || (v & (v - 1)))
		return fail(why, wl, -EPROTO, "its META section lacks the kernel release or "
			    "page size");
	rf->page_size = v;
	text_value(t, n, "boot_id", rf->boot_id, sizeof(rf->boot_id));
	text_value(t, n, "scope", rf->scope, sizeof(rf->scope));
	text_value(t, n, "host", rf->host, sizeof(rf->host));
	text_u64(t, n, "start_ns", &rf->start_ns);
	if (text_value(t, n, "start_wall", buf, sizeof(buf)))
		rf->start_wall = strtod(buf, NULL);
	rf->stack = text_u64(t, n, "stack", &v) && v;
	rf->outstanding = text_u64(t, n, "outstanding", &v) && v;
	rf->zones_valid = text_u64(t, n, "zones_valid", &v) && v;
	rf->caches_from_objects = text_u64(t, n, "caches_from_objects", &v) && v;
	return 0;
}

static int parse_classes(struct recfile *rf, const char *t, size_t n, char *why, size_t wl)
{
	struct kmalloc_classes *kc = &rf->classes;
	char buf[512], *p, *end;
	__u64 v;

	memset(kc, 0, sizeof(*kc));
	if (!text_value(t, n, "sizes", buf, sizeof(buf)))
		return fail(why, wl, -EPROTO, "its CLASSES section has no sizes");
	for (p = buf; *p && kc->nr < KMALLOC_MAX_CLASSES; p = *end ? end + 1 : end) {
		unsigned long s = strtoul(p, &end, 10);

		if (end == p || (*end && *end != ',') || !s || s > (1UL << 30) ||
		    (kc->nr && s <= kc->sizes[kc->nr - 1]))
			return fail(why, wl, -EPROTO, "its kmalloc size classes are malformed");
		kc->sizes[kc->nr++] = s;
	}
	if (!kc->nr)
		return fail(why, wl, -EPROTO, "its kmalloc size classes are empty");
	kc->has_cg = text_u64(t, n, "cg", &v) && v;
	kc->has_rcl = text_u64(t, n, "rcl", &v) && v;
	kc->has_dma = text_u64(t, n, "dma", &v) && v;
	kc->has_random = text_u64(t, n, "random", &v) && v;
	kc->page_size = rf->page_size;
	return 0;
}

static int parse_zones(struct recfile *rf, const char *t, size_t n, char *why, size_t wl)
{
	size_t pos = 0;

	rf->nr_zones = 0;
	while (pos < n) {
		const char *line = t + pos, *nl = memchr(line, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - line) : n - pos;
		struct zone_range z = {};
		char buf[128];

		pos += len + 1;
		if (!len)
			continue;
		if (len >= sizeof(buf) || rf->nr_zones >= ZONES_MAX)
			return fail(why, wl, -EPROTO, "its ZONES section is malformed");
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (sscanf(buf, "%d %15s %lu %lu", &z.node, z.name, &z.start_pfn, &z.end_pfn) != 4 ||
		    z.end_pfn < z.start_pfn)
			return fail(why, wl, -EPROTO, "its ZONES section is malformed");
		rf->zones[rf->nr_zones++] = z;
	}
	return 0;
}

static int parse_gfp(struct recfile *rf, const char *t, size_t n, char *why, size_t wl)
{
	char *text = malloc(n + 1);
	int err;

	if (!text)
		return fail(why, wl, -ENOMEM, "out of memory");
	memcpy(text, t, n);
	text[n] = '\0';
	err = gfp_bits__from_format(&rf->gfp, text);
	free(text);
	if (err)
		return fail(why, wl, -EPROTO, "its GFP section does not decode");
	rf->has_gfp = true;
	return 0;
}

static int parse_caches(struct recfile *rf, const unsigned char *p, size_t n, char *why,
			size_t wl)
{
	__u32 count, i;

	if (n < 8)
		return fail(why, wl, -EPROTO, "its CACHES section is too short");
	count = recfile_get32(p);
	if ((n - 8) / 48 < count || n - 8 != (size_t)count * 48)
		return fail(why, wl, -EPROTO, "its CACHES section has the wrong length");
	free(rf->caches);
	rf->caches = calloc(count + 1, sizeof(*rf->caches));
	if (!rf->caches)
		return fail(why, wl, -ENOMEM, "out of memory");
	for (i = 0, p += 8; i < count; i++, p += 48) {
		struct recfile_cache *c = &rf->caches[i];

		c->ptr = recfile_get64(p);
		memcpy(c->info.name, p + 8, KM_CACHE_NAME_LEN);
		c->info.name[KM_CACHE_NAME_LEN - 1] = '\0';
		c->info.object_size = recfile_get32(p + 40);
		c->info.size = recfile_get32(p + 44);
	}
	rf->nr_caches = count;
	return 0;
}

static int cmp_stack(const void *a, const void *b)
{
	const struct recfile_stack *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int parse_stacks(struct recfile *rf, const unsigned char *p, size_t n, char *why,
			size_t wl)
{
	const unsigned char *end = p + n;
	__u32 count, i, j;

	if (n < 8)
		return fail(why, wl, -EPROTO, "its STACKS section is too short");
	count = recfile_get32(p);
	p += 8;
	if (count > n / 8)
		return fail(why, wl, -EPROTO, "its STACKS section has the wrong length");
	free(rf->stacks);
	rf->stacks = calloc(count + 1, sizeof(*rf->stacks));
	if (!rf->stacks)
		return fail(why, wl, -ENOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		struct recfile_stack *s = &rf->stacks[i];

		if (end - p < 8)
			return fail(why, wl, -EPROTO, "its STACKS section is cut short");
		s->id = (__s32)recfile_get32(p);
		s->nr = recfile_get32(p + 4);
		p += 8;
		if (s->id < 0 || s->nr > KM_MAX_STACK || (size_t)(end - p) < s->nr * 8ULL)
			return fail(why, wl, -EPROTO, "its STACKS section is malformed");
		for (j = 0; j < s->nr; j++, p += 8)
			s->ips[j] = recfile_get64(p);
		rf->nr_stacks++;
	}
	if (p != end)
		return fail(why, wl, -EPROTO, "its STACKS section has trailing bytes");
	qsort(rf->stacks, rf->nr_stacks, sizeof(*rf->stacks), cmp_stack);
	for (i = 1; i < rf->nr_stacks; i++)
		if (rf->stacks[i].id == rf->stacks[i - 1].id)
			return fail(why, wl, -EPROTO, "its STACKS section repeats stack %d",
				    rf->stacks[i].id);
	return 0;
}

static int parse_counters(struct recfile *rf, const unsigned char *p, size_t n, char *why,
			  size_t wl)
{
	__u32 cpus, i;

	if (n < 8)
		return fail(why, wl, -EPROTO, "its COUNTERS section is too short");
	cpus = recfile_get32(p);
	if (cpus > 65536 || n != 8 + (size_t)cpus * 8 + 16)
		return fail(why, wl, -EPROTO, "its COUNTERS section has the wrong length");
	free(rf->lost);
	rf->lost = calloc(cpus + 1, sizeof(*rf->lost));
	if (!rf->lost)
		return fail(why, wl, -ENOMEM, "out of memory");
	rf->nr_cpus = cpus;
	rf->lost_total = 0;
	for (i = 0; i < cpus; i++) {
		rf->lost[i] = recfile_get64(p + 8 + i * 8);
		rf->lost_total += rf->lost[i];
	}
	rf->stack_lost = recfile_get64(p + 8 + cpus * 8);
	rf->cache_lost = recfile_get64(p + 16 + cpus * 8);
	return 0;
}

static int parse_section(struct recfile *rf, __u32 type, const unsigned char *p, size_t n,
			 char *why, size_t wl)
{
	const char *t = (const char *)p;

	switch (type) {
	case RECFILE_META:
		return parse_meta(rf, t, n, why, wl);
	case RECFILE_GFP:
		return parse_gfp(rf, t, n, why, wl);
	case RECFILE_CLASSES:
		return parse_classes(rf, t, n, why, wl);
	case RECFILE_ZONES:
		return parse_zones(rf, t, n, why, wl);
	case RECFILE_EVENTS:
		if (n < 16)
			return fail(why, wl, -EPROTO, "an EVENTS section is too short");
		rf->nr_events += recfile_get32(p + 8);
		return 0;
	case RECFILE_CACHES:
		return parse_caches(rf, p, n, why, wl);
	case RECFILE_STACKS:
		return parse_stacks(rf, p, n, why, wl);
	case RECFILE_KSYMS:
		rf->ksyms_text = t;
		rf->ksyms_len = n;
		return 0;
	case RECFILE_COUNTERS:
		return parse_counters(rf, p, n, why, wl);
	}
	return 0; /* a section a later version added: skipped */
}

int recfile_parse_mem(const void *buf, size_t len, struct recfile *rf, char *why, size_t wl)
{
	const unsigned char *b = buf;
	size_t off = RECFILE_HEADER;
	bool seen_meta = false, seen_end = false;
	int err;

	memset(rf, 0, sizeof(*rf));
	rf->buf = b;
	rf->len = len;
	if (len < RECFILE_HEADER || memcmp(b, RECFILE_MAGIC, 8))
		return fail(why, wl, -EINVAL, "not a kmscope recording (no KMSCOPE header)");
	rf->version = recfile_get32(b + 8);
	if (rf->version > RECFILE_VERSION)
		return fail(why, wl, -ENOTSUP, "written by a newer kmscope (format version %u; this "
			    "one reads up to %u): use that kmscope's report", rf->version,
			    RECFILE_VERSION);
	if (rf->version == 0 || recfile_get32(b + 12))
		return fail(why, wl, -EPROTO, "corrupt: the header's version or flags are invalid");
	while (off < len) {
		__u32 type, crc;
		__u64 n;

		if (seen_end)
			return fail(why, wl, -EPROTO, "%zu bytes follow the END section at offset "
				    "%zu", len - off, off);
		if (len - off < RECFILE_SECTION)
			return fail(why, wl, -EPROTO, "truncated: a section header is cut off at "
				    "offset %zu", off);
		type = recfile_get32(b + off);
		crc = recfile_get32(b + off + 4);
		n = recfile_get64(b + off + 8);
		off += RECFILE_SECTION;
		if (n > len - off || n > 0xffffffffULL)
			return fail(why, wl, -EPROTO, "truncated: section %u at offset %zu needs "
				    "%llu bytes, %zu are left", type, off - RECFILE_SECTION,
				    (unsigned long long)n, len - off);
		if (recfile_crc(b + off - RECFILE_SECTION, b + off, n) != crc)
			return fail(why, wl, -EPROTO, "corrupt: section %u at offset %zu fails its "
				    "checksum", type, off - RECFILE_SECTION);
		if (!rf->nr_sections && type != RECFILE_META)
			return fail(why, wl, -EPROTO, "its first section is not META");
		if (type == RECFILE_END) {
			if (n < 24 || recfile_get64(b + off) != rf->nr_events ||
			    recfile_get32(b + off + 8) != rf->nr_sections)
				return fail(why, wl, -EPROTO, "corrupt: the END section does not match "
					    "the sections before it");
			seen_end = true;
			rf->end_ns = recfile_get64(b + off + 16);
		} else {
			err = parse_section(rf, type, b + off, n, why, wl);
			if (err)
				return err;
			rf->nr_sections++;
			seen_meta |= type == RECFILE_META;
		}
		off += n;
	}
	if (!seen_end)
		return fail(why, wl, -EPROTO, "truncated: no END section (the recording did not "
			    "finish, or the file was cut)");
	if (!seen_meta || !rf->has_gfp || !rf->classes.nr)
		return fail(why, wl, -EPROTO, "it lacks a META, GFP or CLASSES section");
	return 0;
}

int recfile_events(const struct recfile *rf, int (*fn)(void *ctx, const struct km_event *ev),
		   void *ctx, char *why, size_t wl)
{
	size_t off = RECFILE_HEADER;

	while (off + RECFILE_SECTION <= rf->len) {
		__u32 type = recfile_get32(rf->buf + off);
		__u64 n = recfile_get64(rf->buf + off + 8);
		const unsigned char *p = rf->buf + off + RECFILE_SECTION, *end = p + n;

		off += RECFILE_SECTION + n;
		if (type == RECFILE_END)
			break;
		if (type == RECFILE_EVENTS) {
			struct recfile_codec c = { .ts = recfile_get64(p) };
			__u32 count = recfile_get32(p + 8), i;

			p += 16;
			for (i = 0; i < count; i++) {
				struct km_event ev;
				int err;

				if (recfile_decode(&c, &p, end, &ev))
					return fail(why, wl, -EPROTO, "corrupt: event %u of the EVENTS "
						    "section at offset %zu does not decode", i,
						    off - RECFILE_SECTION - n);
				err = fn(ctx, &ev);
				if (err)
					return err;
			}
			if (p != end)
				return fail(why, wl, -EPROTO, "corrupt: the EVENTS section at offset "
					    "%zu has trailing bytes", off - RECFILE_SECTION - n);
		}
	}
	return 0;
}

const struct recfile_stack *recfile_stack(const struct recfile *rf, __s32 id)
{
	struct recfile_stack key = { .id = id };

	if (!rf->nr_stacks)
		return NULL;
	return bsearch(&key, rf->stacks, rf->nr_stacks, sizeof(key), cmp_stack);
}

void recfile_free(struct recfile *rf)
{
	free(rf->caches);
	free(rf->stacks);
	free(rf->lost);
	memset(rf, 0, sizeof(*rf));
}
