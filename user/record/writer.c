// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "record/writer.h"

#define STDIO_BUFFER (4 << 20)

int rec_writer_open(struct rec_writer *w, const char *path)
{
	unsigned char hdr[RECFILE_HEADER] = RECFILE_MAGIC;

	memset(w, 0, sizeof(*w));
	w->path = strdup(path);
	if (!w->path || asprintf(&w->tmp, "%s.tmp", path) < 0) {
		free(w->path);
		return -ENOMEM;
	}
	w->chunk = malloc(RECFILE_CHUNK + RECFILE_EVENT_MAX + 16);
	w->f = w->chunk ? fopen(w->tmp, "we") : NULL;
	if (!w->f) {
		int err = w->chunk ? -errno : -ENOMEM;

		free(w->chunk);
		free(w->path);
		free(w->tmp);
		memset(w, 0, sizeof(*w));
		return err;
	}
	setvbuf(w->f, NULL, _IOFBF, STDIO_BUFFER);
	recfile_put32(hdr + 8, RECFILE_VERSION);
	if (fwrite(hdr, 1, sizeof(hdr), w->f) != sizeof(hdr))
		w->err = -errno;
	w->bytes = sizeof(hdr);
	w->used = 16; /* the EVENTS header, filled when the chunk is written */
	return 0;
}

static void put_section(struct rec_writer *w, __u32 type, const void *data, size_t len)
{
	unsigned char hdr[RECFILE_SECTION];

	recfile_put32(hdr, type);
	recfile_put64(hdr + 8, len);
	recfile_put32(hdr + 4, recfile_crc(hdr, data, len));
	if (!w->err && (fwrite(hdr, 1, sizeof(hdr), w->f) != sizeof(hdr) ||
			(len && fwrite(data, 1, len, w->f) != len)))
		w->err = errno ? -errno : -EIO;
	w->bytes += sizeof(hdr) + len;
	if (type != RECFILE_END)
		w->nr_sections++;
}

void rec_writer_section(struct rec_writer *w, __u32 type, const void *data, size_t len)
{
	put_section(w, type, data, len);
}

void rec_writer_flush_events(struct rec_writer *w)
{
	if (!w->count)
		return;
	recfile_put32(w->chunk + 8, w->count);
	recfile_put32(w->chunk + 12, 0);
	put_section(w, RECFILE_EVENTS, w->chunk, w->used);
	w->used = 16;
	w->count = 0;
}

void rec_writer_event(struct rec_writer *w, const struct km_event *ev)
{
	if (!w->count) {
		/* each chunk decodes on its own: a base time, and the codec from zero */
		memset(&w->codec, 0, sizeof(w->codec));
		w->codec.ts = ev->ts_ns;
		recfile_put64(w->chunk, ev->ts_ns);
	}
	w->used = recfile_encode(&w->codec, ev, w->chunk + w->used) - w->chunk;
	w->count++;
	w->nr_events++;
	if (w->used >= RECFILE_CHUNK)
		rec_writer_flush_events(w);
}

void rec_writer_gfp(struct rec_writer *w, const struct gfp_bits *g)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int i;

	if (!m) {
		w->err = -ENOMEM;
		return;
	}
	/* the shape of a tracepoint format's table: gfp_bits__from_format() reads it back */
	fprintf(m, "__print_flags(gfp_flags, \"|\"");
	for (i = 0; i < g->nr_flags; i++)
		fprintf(m, ", {0x%lx, \"%s\"}", g->flags[i].mask, g->flags[i].name);
	fprintf(m, ")\n");
	if (fclose(m)) {
		free(text);
		w->err = -ENOMEM;
		return;
	}
	put_section(w, RECFILE_GFP, text, len);
	free(text);
}

void rec_writer_classes(struct rec_writer *w, const struct kmalloc_classes *kc)
{
	char text[1024];
	size_t n = 0;
	int i;

	n += snprintf(text + n, sizeof(text) - n, "sizes=");
	for (i = 0; i < kc->nr && n < sizeof(text); i++)
		n += snprintf(text + n, sizeof(text) - n, "%s%u", i ? "," : "", kc->sizes[i]);
	if (n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - n, "\ncg=%d\nrcl=%d\ndma=%d\nrandom=%d\n",
			      kc->has_cg, kc->has_rcl, kc->has_dma, kc->has_random);
	put_section(w, RECFILE_CLASSES, text, n < sizeof(text) ? n : sizeof(text) - 1);
}

void rec_writer_zones(struct rec_writer *w, const struct zone_range *z, int nr)
{
	char text[ZONES_MAX * 80];
	size_t n = 0;
	int i;

	for (i = 0; i < nr && i < ZONES_MAX; i++)
		n += snprintf(text + n, sizeof(text) - n, "%d %s %lu %lu\n", z[i].node, z[i].name,
			      z[i].start_pfn, z[i].end_pfn);
	put_section(w, RECFILE_ZONES, text, n);
}

int rec_writer_finish(struct rec_writer *w)
{
	unsigned char end[24] = {};
	int err;

	rec_writer_flush_events(w);
	recfile_put64(end, w->nr_events);
	recfile_put32(end + 8, w->nr_sections);
	recfile_put64(end + 16, w->end_ns);
	put_section(w, RECFILE_END, end, sizeof(end));
	err = w->err;
	if (fflush(w->f) && !err)
		err = -errno;
	if (!err && fsync(fileno(w->f)))
		err = -errno;
	if (fclose(w->f) && !err)
		err = -errno;
	w->f = NULL;
	if (!err && rename(w->tmp, w->path))
		err = -errno;
	if (err)
		unlink(w->tmp);
	free(w->chunk);
	free(w->path);
	free(w->tmp);
	w->chunk = NULL;
	w->path = w->tmp = NULL;
	return err;
}

void rec_writer_abort(struct rec_writer *w)
{
	if (w->f) {
		fclose(w->f);
		unlink(w->tmp);
	}
	free(w->chunk);
	free(w->path);
	free(w->tmp);
	memset(w, 0, sizeof(*w));
}
