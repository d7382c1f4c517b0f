// SPDX-License-Identifier: GPL-2.0
/*
 * report/top.c from hand-made models: rows of one key merged across the interval's and
 * the total's models, site rows summed per module, the sort keys, -n, and every line cut
 * at the width.
 */
#include <string.h>
#include "tap.h"
#include "report/top.h"

static struct report_row row(__u64 site, const char *fn, const char *mod, const char *cache,
			     __u64 count, __u64 req, __u64 alloc, __u64 failed)
{
	struct report_row r = { .call_site = site, .has_symbol = true, .offset = 0x10,
				.count = count, .bytes_req = req, .bytes_alloc = alloc,
				.failed = failed };

	snprintf(r.function, sizeof(r.function), "%s", fn);
	snprintf(r.module, sizeof(r.module), "%s", mod);
	snprintf(r.cache, sizeof(r.cache), "%s", cache);
	snprintf(r.name, sizeof(r.name), "%s", cache);
	return r;
}

static char *print(const struct report_model *d, const struct report_model *t,
		   struct top_view_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	o->scope = "the whole system";
	o->seconds = 2;
	o->total_seconds = 10;
	o->index = 5;
	ASSERT_EQ(top_print(f, d, t, o), 0, "top_print");
	fclose(f);
	return text;
}

/* The line of the table whose label is name (after the two spaces before it). */
static const char *row_of(const char *text, const char *name)
{
	char key[256];
	const char *p;

	snprintf(key, sizeof(key), "  %s\n", name);
	p = strstr(text, key);
	while (p && p > text && p[-1] != '\n')
		p--;
	return p;
}

int main(void)
{
	/* interval: a (drv) 10 x 100 B in 128, b (drv) 5 x 64 in 64, c (kernel) 1 x 8 in 8 */
	struct report_row dsites[] = {
		row(0x1000, "a_fn", "drv", "kmalloc-128", 10, 1000, 1280, 1),
		row(0x2000, "b_fn", "drv", "kmalloc-64", 5, 320, 320, 0),
		row(0x3000, "c_fn", "", "kmalloc-8", 1, 8, 8, 0),
	};
	/* total: also a site seen only before this interval */
	struct report_row tsites[] = {
		row(0x1000, "a_fn", "drv", "kmalloc-128", 30, 3000, 3840, 2),
		row(0x2000, "b_fn", "drv", "kmalloc-64", 5, 320, 320, 0),
		row(0x3000, "c_fn", "", "kmalloc-8", 1, 8, 8, 0),
		row(0x4000, "old_fn", "", "kmalloc-8", 100, 800, 800, 0),
	};
	struct report_model d = { .sites = { dsites, 3, 3 } }, t = { .sites = { tsites, 4, 4 } };
	struct top_view_opts o = { .group = TOP_BY_MODULE, .batch = true };
	unsigned long long v[6];
	const char *r;
	char *text, *p;

	d.sum.allocs = 16;
	t.sum.allocs = 136;
	text = print(&d, &t, &o);
	r = row_of(text, "drv");
	ASSERT_TRUE(r && sscanf(r, "%llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
				&v[4], &v[5]) == 6, "by module: a row for drv");
	ASSERT_EQ(v[0], 15, "drv's interval allocations: a's 10 + b's 5");
	ASSERT_EQ(v[1], 1600, "its bytes allocated: 1280 + 320");
	ASSERT_EQ(v[2], 280, "its waste: 1280 - 1000");
	ASSERT_EQ(v[3], 1, "its failures");
	ASSERT_EQ(v[4], 35, "its total allocations: 30 + 5");
	ASSERT_EQ(v[5], 4160, "its total bytes");
	r = row_of(text, "[kernel]");
	ASSERT_TRUE(r && sscanf(r, "%llu %*u %*u %*u %llu", &v[0], &v[4]) == 2, "a [kernel] row");
	ASSERT_EQ(v[0], 1, "[kernel]'s interval: c's 1 (old_fn allocated nothing in it)");
	ASSERT_EQ(v[4], 101, "[kernel]'s total: 1 + old_fn's 100");
	ASSERT_TRUE(strstr(text, "drv") < strstr(text, "[kernel]"), "sorted by bytes of the interval");
	free(text);

	o.group = TOP_BY_SITE;
	o.sort = TOP_SORT_COUNT;
	text = print(&d, &t, &o);
	p = strstr(text, "a_fn+0x10 [drv] kmalloc-128");
	ASSERT_TRUE(p != NULL, "a site row names function+offset [module] and cache");
	ASSERT_TRUE(p && strstr(text, "b_fn") > p && strstr(text, "c_fn") > strstr(text, "b_fn") &&
		    strstr(text, "old_fn") > strstr(text, "c_fn"),
		    "by count: a, b, c over the interval, then old_fn (0 now, 100 in total)");
	free(text);

	o.max_rows = 2;
	text = print(&d, &t, &o);
	ASSERT_TRUE(strstr(text, "b_fn") && !strstr(text, "c_fn"), "-n 2: two rows");
	free(text);

	o.batch = false;
	o.width = 40;
	o.max_rows = 0;
	text = print(&d, &t, &o);
	{
		int longest = 0, n = 0;

		for (p = text; *p; p++, n++) {
			if (*p == '\n') {
				longest = n > longest ? n : longest;
				n = -1;
			}
		}
		ASSERT_LE(longest, 40, "on a screen of 40 columns every line fits");
	}
	ASSERT_TRUE(strchr(text, '\033') == NULL, "the printer writes no escapes (the terminal's job)");
	free(text);
	return tap_done();
}
