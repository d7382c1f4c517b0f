// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "core/human.h"

/*
 * v in the unit of units[0] scaled by step: the largest unit in which v is at least 1,
 * printed with one decimal below 100 and none above. A value that rounds up to step
 * (1023.96 KiB) is shown in the next unit (1.0 MiB), never as "1024 KiB".
 */
static const char *scaled(double v, double step, const char *const *units, int nr,
			  char *buf, size_t len)
{
	int u = 0;

	while (u + 1 < nr && v >= step) {
		v /= step;
		u++;
	}
	for (;;) {
		double shown = v < 99.95 ? (double)(long long)(v * 10 + 0.5) / 10 :
					   (double)(long long)(v + 0.5);

		if (shown < step || u + 1 == nr) {
			snprintf(buf, len, shown < 99.95 ? "%.1f %s" : "%.0f %s", shown, units[u]);
			return buf;
		}
		v /= step;
		u++;
	}
}

const char *km_human_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	if (bytes < 1024) {
		snprintf(buf, len, "%u B", (unsigned int)bytes);
		return buf;
	}
	return scaled(bytes / 1024.0, 1024, units + 1, 6, buf, len);
}

const char *km_human_count(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "k", "M", "G", "T", "P", "E" };

	if (n < 1000) {
		snprintf(buf, len, "%u", (unsigned int)n);
		return buf;
	}
	return scaled(n / 1000.0, 1000, units, 6, buf, len);
}

const char *km_human_seconds(double seconds, char *buf, size_t len)
{
	static const char *const small[] = { "ns", "us", "ms", "s" };

	if (seconds <= 0) {
		snprintf(buf, len, "0 s");
		return buf;
	}
	if (seconds < 120) {
		/* ns, us, ms, then s: rounding 999.96 ms up gives "1.0 s" */
		double v = seconds * 1e9;
		int u = 0;

		while (u < 3 && v >= 1000) {
			v /= 1000;
			u++;
		}
		if (u == 0 && v < 1) {
			snprintf(buf, len, "%.1f ns", v);
			return buf;
		}
		return scaled(v, 1000, small + u, 4 - u, buf, len);
	}
	if (seconds < 7200)
		snprintf(buf, len, "%.1f min", seconds / 60);
	else
		snprintf(buf, len, "%.1f h", seconds / 3600);
	return buf;
}

static char *slot(struct km_human *h)
{
	return h->buf[h->next++ % KM_HUMAN_SLOTS];
}

const char *km_hbytes(struct km_human *h, uint64_t bytes)
{
	return km_human_bytes(bytes, slot(h), KM_HUMAN_LEN);
}

const char *km_hcount(struct km_human *h, uint64_t n)
{
	return km_human_count(n, slot(h), KM_HUMAN_LEN);
}

const char *km_hseconds(struct km_human *h, double seconds)
{
	return km_human_seconds(seconds, slot(h), KM_HUMAN_LEN);
}
