// SPDX-License-Identifier: GPL-2.0
/* The human-friendly numbers of text tables, at every unit boundary. */
#include "tap.h"
#include "core/human.h"

static void bytes(uint64_t v, const char *want)
{
	char buf[KM_HUMAN_LEN], what[64];

	snprintf(what, sizeof(what), "%llu bytes", (unsigned long long)v);
	ASSERT_STREQ(km_human_bytes(v, buf, sizeof(buf)), want, what);
}

static void count(uint64_t v, const char *want)
{
	char buf[KM_HUMAN_LEN], what[64];

	snprintf(what, sizeof(what), "count %llu", (unsigned long long)v);
	ASSERT_STREQ(km_human_count(v, buf, sizeof(buf)), want, what);
}

static void seconds(double v, const char *want)
{
	char buf[KM_HUMAN_LEN], what[64];

	snprintf(what, sizeof(what), "%g seconds", v);
	ASSERT_STREQ(km_human_seconds(v, buf, sizeof(buf)), want, what);
}

int main(void)
{
	const uint64_t KiB = 1024, MiB = KiB * KiB, GiB = MiB * KiB;

	bytes(0, "0 B");
	bytes(999, "999 B");
	bytes(1000, "1000 B");
	bytes(1023, "1023 B");
	bytes(1024, "1.0 KiB");
	bytes(1075, "1.0 KiB"); /* 1.0498 */
	bytes(1076, "1.1 KiB");
	bytes(4096 + 16, "4.0 KiB");
	bytes(102348, "99.9 KiB");
	bytes(102349, "100 KiB"); /* 99.95 rounds to three digits, no decimal */
	bytes(MiB - 1, "1.0 MiB"); /* 1023.999 KiB is never "1024 KiB" */
	bytes(MiB - 1024, "1023 KiB");
	bytes(MiB - 512, "1.0 MiB"); /* 1023.5 KiB rounds up */
	bytes(MiB, "1.0 MiB");
	bytes(MiB + MiB / 5, "1.2 MiB");
	bytes(GiB - 1, "1.0 GiB");
	bytes(GiB, "1.0 GiB");
	bytes(UINT64_MAX, "16.0 EiB");

	count(0, "0");
	count(999, "999");
	count(1000, "1.0 k");
	count(1023, "1.0 k");
	count(1024, "1.0 k");
	count(3400, "3.4 k");
	count(99949, "99.9 k");
	count(99950, "100 k");
	count(999499, "999 k");
	count(999500, "1.0 M"); /* never "1000 k" */
	count(999999, "1.0 M");
	count(1000000, "1.0 M");
	count(12345678, "12.3 M");
	count(999999999, "1.0 G");
	count(UINT64_MAX, "18.4 E");

	seconds(0, "0 s");
	seconds(1e-9, "1.0 ns");
	seconds(0.4e-9, "0.4 ns");
	seconds(999e-9, "999 ns");
	seconds(999.6e-9, "1.0 us"); /* never "1000 ns" */
	seconds(1e-6, "1.0 us");
	seconds(850e-6, "850 us");
	seconds(1e-3, "1.0 ms");
	seconds(0.0123, "12.3 ms");
	seconds(0.0999, "99.9 ms");
	seconds(0.5, "500 ms");
	seconds(0.99996, "1.0 s"); /* never "1000 ms", and a short run is never "0.0 s" */
	seconds(1, "1.0 s");
	seconds(12.34, "12.3 s");
	seconds(119.9, "120 s");
	seconds(120, "2.0 min");
	seconds(7199, "120.0 min");
	seconds(7200, "2.0 h");
	return tap_done();
}
