// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope trace --html: one run writes the page and the JSON; headless Chromium loads
 * the page, its JS draws, and what it drew (each bar's data-value, read back from the
 * DOM) must equal the JSON's numbers and the workload's ground truth: 1000 readv()s
 * of 100 iovecs are 1000 kmallocs of 1600 B in kmalloc-2k at iovec_from_user.
 * A screenshot of the page is kept in build/tests/artifacts/report.png.
 *
 * vm-kernels: host -- the page and Chromium do not depend on the kernel (trace JSON is checked in every kernel by the other live tests), and Chromium under qemu TCG took ~4 min a kernel
 */
#include <ctype.h>
#include <libgen.h>
#include "live.h"
#include "kernel/vmlinux_btf.h"
#include "report/html.h"

#define CHROMIUM "/usr/bin/chromium"

static char self[4096], dir[4096];

/* Attribute name's value in the tag starting at tag, unescaped; false when absent. */
static bool tag_attr(const char *tag, const char *name, char *buf, size_t len)
{
	const char *end = strchr(tag, '>'), *v, *q;
	char key[64];
	size_t n = 0;

	snprintf(key, sizeof(key), " %s=\"", name);
	v = strstr(tag, key);
	if (!v || !end || v > end)
		return false;
	v += strlen(key);
	q = strchr(v, '"');
	if (!q)
		return false;
	while (v < q && n + 1 < len) {
		static const char *const ent[][2] = { { "&amp;", "&" }, { "&quot;", "\"" },
						      { "&lt;", "<" }, { "&gt;", ">" },
						      { "&#39;", "'" }, { "&nbsp;", "\xc2\xa0" } };
		size_t e;

		for (e = 0; e < sizeof(ent) / sizeof(ent[0]); e++)
			if (!strncmp(v, ent[e][0], strlen(ent[e][0])))
				break;
		if (e < sizeof(ent) / sizeof(ent[0])) {
			n += snprintf(buf + n, len - n, "%s", ent[e][1]);
			v += strlen(ent[e][0]);
		} else {
			buf[n++] = *v++;
		}
	}
	buf[n < len ? n : len - 1] = '\0';
	return true;
}

/* The next drawn bar of chart (a tag with class="bar"), after *from; NULL at the end. */
static const char *next_bar(const char **from, const char *chart)
{
	const char *t;
	char c[64], cls[64];

	for (t = strstr(*from, "<g "); t; t = strstr(t + 1, "<g ")) {
		if (tag_attr(t, "class", cls, sizeof(cls)) && !strcmp(cls, "bar") &&
		    tag_attr(t, "data-chart", c, sizeof(c)) && !strcmp(c, chart)) {
			*from = t + 1;
			return t;
		}
	}
	return NULL;
}

static double num_attr(const char *tag, const char *name)
{
	char v[64], *end;
	double d;

	if (!tag_attr(tag, name, v, sizeof(v)))
		return NAN;
	d = strtod(v, &end);
	return end != v && !*end ? d : NAN;
}

/* data-<attr> of chart's bar labelled label; NAN when there is none. */
static double bar_value(const char *dom, const char *chart, const char *label, const char *attr)
{
	const char *from = dom, *t;
	char l[1024];

	while ((t = next_bar(&from, chart)))
		if (tag_attr(t, "data-label", l, sizeof(l)) && !strcmp(l, label))
			return num_attr(t, attr);
	return NAN;
}

static int bar_count(const char *dom, const char *chart)
{
	const char *from = dom;
	int n = 0;

	while (next_bar(&from, chart))
		n++;
	return n;
}

/* What the page's site() labels a call-site row. */
static void site_label(struct jp *r, char *buf, size_t len)
{
	const char *mod = jp_is_null(r, "module") ? NULL : jp_str(r, "module");
	const char *fn = jp_str(r, "function"), *cache = jp_str(r, "cache");
	unsigned long off = jp_num(r, "offset");
	int n;

	n = snprintf(buf, len, "%s", fn ? fn : "");
	if (off)
		n += snprintf(buf + n, len - n, "+0x%lx", off);
	if (mod)
		n += snprintf(buf + n, len - n, " [%s]", mod);
	snprintf(buf + n, len - n, " (%s)", cache ? cache : "");
}

/* Every row of arr with key > 0 has its bar with that value (at most 40 are drawn). */
static void check_rows(const char *dom, struct jp *doc, const char *arr, const char *chart,
		       const char *label_key, const char *key)
{
	struct jp *rows = jp_arr(doc, arr);
	int i, want = 0, wrong = 0;
	char label[1024];

	for (i = 0; rows && i < rows->n; i++) {
		double v = jp_num(rows->kids[i], key), drawn;

		if (!(v > 0))
			continue;
		want++;
		if (label_key)
			snprintf(label, sizeof(label), "%s", jp_str(rows->kids[i], label_key));
		else
			site_label(rows->kids[i], label, sizeof(label));
		drawn = bar_value(dom, chart, label, "data-value");
		if (drawn != v && (want <= 40 || !isnan(drawn)) && wrong++ < 3)
			tap_diag("  %s '%s': drawn %g, JSON %g", chart, label, drawn, v);
	}
	ASSERT_TRUE(want > 0, "the JSON has rows for chart");
	ASSERT_EQ(bar_count(dom, chart), want < 40 ? want : 40, "one bar per row with a value");
	ASSERT_EQ(wrong, 0, "each bar's value is its JSON row's");
}

static bool run_chromium(struct proc *p, const char *page, const char *mode)
{
	char url[4096 + 8], profile[4096 + 32];
	char *argv[] = { CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
			 "--hide-scrollbars", profile, "--window-size=1280,2000", (char *)mode, url,
			 NULL };

	snprintf(url, sizeof(url), "file://%s", page);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/chromium", dir);
	run(p, argv);
	if (p->status)
		tap_diag("chromium exited %d: %.500s", p->status, p->err);
	return p->status == 0;
}

static void check_png(const char *path)
{
	unsigned char h[24];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(h, 1, sizeof(h), f) : 0;

	if (f)
		fclose(f);
	ASSERT_TRUE(n == 24 && !memcmp(h, "\x89PNG\r\n\x1a\n", 8) && !memcmp(h + 12, "IHDR", 4),
		    "the screenshot is a PNG");
	ASSERT_EQ(n == 24 ? (h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19]) : 0, 1280,
		  "1280 pixels wide");
	ASSERT_EQ(n == 24 ? (h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23]) : 0, 2000,
		  "2000 pixels high");
}

/* Sum of data-value of the flame graph's frames named function (or a clone of it). */
static double flame_sum(const char *dom, const char *function)
{
	const char *t;
	char name[512], cls[64];
	double sum = 0;

	for (t = strstr(dom, "<g "); t; t = strstr(t + 1, "<g "))
		if (tag_attr(t, "class", cls, sizeof(cls)) && !strcmp(cls, "frame") &&
		    tag_attr(t, "data-name", name, sizeof(name)) && function_is(name, function))
			sum += num_attr(t, "data-value");
	return sum;
}

/*
 * Runs argv (which writes the page html and the JSON json), loads the page in Chromium
 * and checks what it drew against the JSON and the readv workload; true if it loaded.
 */
static bool check_run(char **argv, const char *html, const char *json, const char *what)
{
	struct proc p, c;
	struct jp *doc = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ch;

	tap_diag("%s", what);
	ASSERT_EQ(run(&p, argv), 0, "--html FILE -j -o FILE exits 0");
	f = fopen(json, "r");
	if (f) {
		FILE *m = open_memstream(&text, &len);

		while ((ch = fgetc(f)) != EOF)
			fputc(ch, m);
		fclose(m);
		fclose(f);
		doc = jp_parse(text, NULL);
	}
	free(text);
	if (!ASSERT_TRUE(doc, "the JSON of the same run parses")) {
		tap_diag("stderr: %.500s", p.err);
		proc_free(&p);
		return false;
	}
	proc_free(&p);
	if (!run_chromium(&c, html, "--dump-dom")) {
		ASSERT_TRUE(false, "chromium loads the page");
		jp_free(doc);
		proc_free(&c);
		return false;
	}
	ASSERT_CONTAINS(c.out, "data-drawn=\"yes\"", "the page's script ran to its end");
	{
		struct jp *site = find_site(doc, "iovec_from_user", "kmalloc-2k");
		char label[1024];

		if (ASSERT_TRUE(site, "the JSON has iovec_from_user in kmalloc-2k")) {
			site_label(site, label, sizeof(label));
			ASSERT_EQ(bar_value(c.out, "waste-sites", label, "data-value"), 448000,
				  "its waste bar is 1000 x 448 B");
		}
	}
	check_rows(c.out, doc, "callsites", "waste-sites", NULL, "waste");
	check_rows(c.out, doc, "caches", "waste-caches", "name", "waste");
	check_rows(c.out, doc, "sizes.classes", "waste-classes", "class", "waste");
	ASSERT_EQ(bar_value(c.out, "waste-caches", "kmalloc-2k", "data-value"), 448000,
		  "kmalloc-2k's waste bar: the workload's only kmalloc-2k use");
	{
		struct jp *b = jp_arr(doc, "sizes.log2");
		const char *from = c.out, *t;
		int i = 0, wrong = 0;

		while ((t = next_bar(&from, "sizes"))) {
			struct jp *r = b && i < b->n ? b->kids[i] : NULL;

			if (!r || num_attr(t, "data-min") != jp_num(r, "min") ||
			    num_attr(t, "data-value") != jp_num(r, "count"))
				wrong++;
			if (r && jp_num(r, "min") == 1024)
				ASSERT_GE(num_attr(t, "data-value"), 1000,
					  "the 1024-2047 B column holds the 1000 requests of 1600 B");
			i++;
		}
		ASSERT_EQ(i, b ? b->n : -1, "one column per log2 bucket");
		ASSERT_EQ(wrong, 0, "each column is its bucket's count, in order");
	}
	{
		static const char *const cls[] = { "sleeping", "atomic", "nowait" };
		char k[64], l[64];
		int i;

		for (i = 0; i < 3; i++) {
			snprintf(k, sizeof(k), "failures.%s", cls[i]);
			snprintf(l, sizeof(l), "slab %s", cls[i]);
			ASSERT_EQ(bar_value(c.out, "failures", l, "data-value"), jp_num(doc, k),
				  "slab failures by GFP context are the JSON's");
			snprintf(k, sizeof(k), "failures.pages.%s", cls[i]);
			snprintf(l, sizeof(l), "pages %s", cls[i]);
			ASSERT_EQ(bar_value(c.out, "failures", l, "data-value"), jp_num(doc, k),
				  "page failures by GFP context are the JSON's");
		}
	}
	{
		struct jp *o = jp_arr(doc, "pages.by_order");
		char l[32];
		int i, wrong = 0;

		for (i = 0; o && i < o->n; i++) {
			snprintf(l, sizeof(l), "order %g", jp_num(o->kids[i], "order"));
			if (bar_value(c.out, "pages-order", l, "data-value") !=
				    jp_num(o->kids[i], "requests") ||
			    bar_value(c.out, "pages-order", l, "data-pages") != jp_num(o->kids[i], "pages"))
				wrong++;
		}
		ASSERT_TRUE(o && o->n > 0, "the workload allocated pages (its stacks, page tables)");
		ASSERT_EQ(bar_count(c.out, "pages-order"), o ? o->n : -1, "one column per order");
		ASSERT_EQ(wrong, 0, "each order's requests and pages are the JSON's");
	}
	{
		static const char *const keys[] = { "allocations", "bytes_req", "bytes_alloc", "waste",
						    "failures", "page_requests", "pages" };
		char want[64], sum[80];
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			snprintf(want, sizeof(want), "data-key=\"%s\" data-value=\"%.0f\"", keys[i],
				 jp_num(doc, (snprintf(sum, sizeof(sum), "summary.%s", keys[i]), sum)));
			ASSERT_CONTAINS(c.out, want, "the summary table shows the JSON's number");
		}
	}
	{
		/* the stacks are the map's: a colliding stack (counted as lost) has none */
		double drawn = flame_sum(c.out, "iovec_from_user");

		if (!ASSERT_TRUE(drawn == 2048000 ||
				 (drawn == 0 && jp_num(doc, "summary.dropped.stacks") >= 1000),
				 "the flame graph's iovec_from_user frames hold 1000 x 2048 B"))
			tap_diag("  drawn %g, stacks lost %g", drawn,
				 jp_num(doc, "summary.dropped.stacks"));
	}
	proc_free(&c);
	jp_free(doc);
	return true;
}

static void test_page(void)
{
	char html[4200], json[4200], png[4200], mode[4300];
	char *argv[] = { (char *)kmscope_path(), "trace", "--stack", "--html", html, "-j",
			 "-o", json, "--", self, "workload", "readv", "100", "1000", NULL };
	struct proc c;

	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(json, sizeof(json), "%s/report.json", dir);
	if (!check_run(argv, html, json, "trace --stack --html FILE -j -o FILE -- CMD"))
		return;
	snprintf(png, sizeof(png), "%s/../artifacts/report.png", dirname(strdupa(self)));
	mkdir(dirname(strdupa(png)), 0755);
	unlink(png);
	snprintf(mode, sizeof(mode), "--screenshot=%s", png);
	ASSERT_TRUE(run_chromium(&c, html, mode), "chromium takes the screenshot");
	check_png(png);
	tap_diag("screenshot: %s", png);
	proc_free(&c);
}

/* report -i of a recording of the same workload: the same page from the file */
static void test_report_page(void)
{
	char rec[4200], html[4200], json[4200];
	char *record[] = { (char *)kmscope_path(), "record", "--stack", "-o", rec, "--", self,
			   "workload", "readv", "100", "1000", NULL };
	char *argv[] = { (char *)kmscope_path(), "report", "-i", rec, "--html", html, "-j", "-o",
			 json, NULL };
	struct proc p;

	snprintf(rec, sizeof(rec), "%s/w.kmrec", dir);
	snprintf(html, sizeof(html), "%s/replay.html", dir);
	snprintf(json, sizeof(json), "%s/replay.json", dir);
	if (!ASSERT_EQ(run(&p, record), 0, "record --stack -- CMD exits 0"))
		tap_diag("stderr: %.500s", p.err);
	proc_free(&p);
	check_run(argv, html, json, "report -i FILE --html FILE -j -o FILE");
}

/* A name that tries to end the script element: the page still draws, the name is text. */
static void test_escaped_scope(void)
{
	char html[4200];
	char *argv[] = { (char *)kmscope_path(), "trace", "--comm", "</script><i>x", "-d", "0.2",
			 "--html", html, "-o", "/dev/null", NULL };
	struct proc p, c;

	snprintf(html, sizeof(html), "%s/comm.html", dir);
	ASSERT_EQ(run(&p, argv), 0, "trace --comm '</script><i>x' --html exits 0");
	proc_free(&p);
	if (!run_chromium(&c, html, "--dump-dom")) {
		ASSERT_TRUE(false, "chromium loads the page");
		proc_free(&c);
		return;
	}
	ASSERT_CONTAINS(c.out, "data-drawn=\"yes\"", "the page's script still ran to its end");
	ASSERT_CONTAINS(c.out, "&lt;/script&gt;&lt;i&gt;x", "the header shows the name as text");
	ASSERT_TRUE(!strstr(c.out, "<i>"), "and no <i> element came of it");
	proc_free(&c);
}

static struct reclaim_entry stall_row(int kind, __u64 site, __u64 stalls, __u64 ns, int slot)
{
	struct reclaim_entry e = {};

	e.key.kind = kind;
	e.key.call_site = site;
	e.key.gfp_flags = 0xcc0;
	e.key.stack_id = -1;
	e.val.stalls = stalls;
	e.val.acc.stall_ns = ns;
	e.val.acc.memcg_reclaims = stalls;
	e.val.acc.memcg_reclaim_ns = ns;
	e.val.hist[slot] = stalls;
	if (kind == KM_RECLAIM_CACHE)
		snprintf(e.val.cache_name, sizeof(e.val.cache_name), "my_cache");
	return e;
}

/*
 * A page of a hand-made model (name.html in dir): its embedded JSON, parsed, and
 * Chromium's DOM of it in c->out; NULL (after a failed check) when either is missing.
 */
static struct jp *hand_made_page(const struct report_env *env, const char *name, struct proc *c)
{
	struct snapshot snap = {};
	struct report_window win = { .seconds = 1 };
	struct html_page page = { .kernel = "none" };
	struct report_model m;
	char html[4200], *text = NULL, *json = NULL, *st, *en;
	struct jp *doc = NULL;
	size_t len = 0;
	FILE *f;
	int ch;

	snprintf(html, sizeof(html), "%s/%s.html", dir, name);
	f = fopen(html, "w");
	if (!ASSERT_TRUE(f && !report_model_build(&m, &snap, env), "a model of the rows")) {
		if (f)
			fclose(f);
		return NULL;
	}
	ASSERT_EQ(report_html_print(f, &m, &win, &page), 0, "its page is written");
	report_model_free(&m);
	fclose(f);
	f = fopen(html, "r");
	if (f) {
		FILE *mm = open_memstream(&text, &len);

		while ((ch = fgetc(f)) != EOF)
			fputc(ch, mm);
		fclose(mm);
		fclose(f);
	}
	st = text ? strstr(text, "id=\"kmscope-report\">") : NULL;
	en = st ? strstr(st, "</script>") : NULL;
	if (st && en) {
		st += strlen("id=\"kmscope-report\">");
		json = strndup(st, en - st);
		doc = jp_parse(json, NULL);
	}
	free(text);
	free(json);
	if (!ASSERT_TRUE(doc != NULL, "the page embeds its JSON"))
		return NULL;
	if (!run_chromium(c, html, "--dump-dom")) {
		ASSERT_TRUE(false, "chromium loads the page");
		jp_free(doc);
		proc_free(c);
		return NULL;
	}
	return doc;
}

/*
 * trace --reclaim's section, from hand-made stall rows (a workload that stalls is
 * test_reclaim's): each bar and histogram column equals the page's own JSON.
 */
static void test_reclaim_section(void)
{
	struct reclaim_entry e[] = {
		stall_row(KM_RECLAIM_KMALLOC, 0xffffffff81000100UL, 3, 3000000, 21),
		stall_row(KM_RECLAIM_CACHE, 0xffffffff81000200UL, 1, 500000, 18),
		stall_row(KM_RECLAIM_KMALLOC, 0xffffffff81000300UL, 2, 70000, 16),
	};
	struct reclaim_snapshot rs = { .entries = e, .n = 3 };
	struct kmalloc_classes classes;
	struct gfp_bits gfp;
	struct report_env env = { .gfp = &gfp, .classes = &classes, .sections = REPORT_ALL,
				  .scope = "hand-made stalls", .reclaim = &rs };
	struct jp *doc, *sites, *hist;
	struct proc c;
	int i, wrong = 0;
	const char *from, *t;
	double sum = 0;

	if (!ASSERT_EQ(gfp_bits__load(&gfp, km_vmlinux_btf_path(),
				      "/sys/kernel/tracing/events/kmem/kmalloc/format"), 0,
		       "this kernel's GFP bits"))
		return;
	kmalloc_classes__default(&classes);
	doc = hand_made_page(&env, "reclaim", &c);
	if (!doc)
		return;
	sites = jp_arr(doc, "reclaim.callsites");
	hist = jp_arr(doc, "reclaim.histogram");
	if (!ASSERT_TRUE(sites && sites->n == 3 && hist && hist->n == 3,
			 "the embedded JSON has the 3 stall rows and 3 histogram buckets")) {
		jp_free(doc);
		proc_free(&c);
		return;
	}
	from = c.out;
	for (i = 0; (t = next_bar(&from, "reclaim-sites")); i++) {
		if (i >= sites->n || num_attr(t, "data-value") != jp_num(sites->kids[i], "stall_ns") ||
		    num_attr(t, "data-stalls") != jp_num(sites->kids[i], "stalls"))
			wrong++;
		sum += num_attr(t, "data-value");
	}
	ASSERT_EQ(i, 3, "one stall bar per call-site row");
	ASSERT_EQ(wrong, 0, "each bar's stall time and count are its row's, largest first");
	ASSERT_EQ(sum, 3570000, "together the 3.57 ms of the hand-made rows");
	from = c.out;
	wrong = 0;
	for (i = 0; (t = next_bar(&from, "reclaim-histogram")); i++)
		if (i >= hist->n || num_attr(t, "data-ns") != jp_num(hist->kids[i], "ns") ||
		    num_attr(t, "data-value") != jp_num(hist->kids[i], "count"))
			wrong++;
	ASSERT_EQ(i, 3, "one histogram column per bucket");
	ASSERT_EQ(wrong, 0, "each column is its bucket's count");
	jp_free(doc);
	proc_free(&c);
}

static struct vmalloc_entry vm_row(int kind, __u64 site, __u64 allocs, __u64 bytes, __u64 frees)
{
	struct vmalloc_entry e = {};

	e.key.kind = kind;
	e.key.stack_id = kind == KM_VM_VMALLOC ? (int)(site & 0xfff) : -1;
	e.key.call_site = kind == KM_VM_PERCPU ? site : 0;
	if (kind == KM_VM_VMALLOC)
		e.ips[0] = site; /* no symbols: the first frame is the call site */
	e.val.allocs = allocs;
	e.val.bytes = bytes;
	e.val.frees = frees;
	e.val.freed_bytes = bytes / allocs * frees;
	return e;
}

/* trace --vmalloc's two sections, hand-made: each bar is its row's bytes and count. */
static void test_vmalloc_section(void)
{
	struct vmalloc_entry e[] = {
		vm_row(KM_VM_VMALLOC, 0xffffffff81000100UL, 2, 2 * 20480, 1),
		vm_row(KM_VM_VMALLOC, 0xffffffff81000200UL, 1, 8392704, 0),
		vm_row(KM_VM_PERCPU, 0xffffffff81000300UL, 5, 120, 5),
		vm_row(KM_VM_PERCPU, 0xffffffff81000400UL, 3, 24, 0),
		vm_row(KM_VM_PERCPU, 0xffffffff81000500UL, 1, 32768, 1),
	};
	struct vmalloc_snapshot vs = { .entries = e, .n = 5, .possible_cpus = 3 };
	struct kmalloc_classes classes;
	struct gfp_bits gfp = {};
	struct report_env env = { .gfp = &gfp, .classes = &classes, .sections = REPORT_ALL,
				  .scope = "hand-made areas", .vmalloc = &vs };
	static const char *const parts[] = { "vmalloc", "percpu" };
	static const char *const fields[] = { "bytes", "bytes_all_cpus" };
	static const double sums[] = { 2 * 20480 + 8392704, (120 + 24 + 32768) * 3 };
	struct jp *doc;
	struct proc c;
	int k;

	kmalloc_classes__default(&classes);
	doc = hand_made_page(&env, "vmalloc", &c);
	if (!doc)
		return;
	for (k = 0; k < 2; k++) {
		char path[64], chart[32];
		struct jp *sites;
		const char *from = c.out, *t;
		double sum = 0;
		int i, wrong = 0;

		snprintf(path, sizeof(path), "%s.callsites", parts[k]);
		snprintf(chart, sizeof(chart), "%s-sites", parts[k]);
		sites = jp_arr(doc, path);
		if (!tap_ok(sites && sites->n == 2 + k, "%s: %d rows in the embedded JSON", parts[k],
			    2 + k))
			continue;
		for (i = 0; (t = next_bar(&from, chart)); i++) {
			if (i >= sites->n ||
			    num_attr(t, "data-value") != jp_num(sites->kids[i], fields[k]) ||
			    num_attr(t, "data-count") != jp_num(sites->kids[i], "count"))
				wrong++;
			sum += num_attr(t, "data-value");
		}
		tap_ok(i == 2 + k, "%s: one bar per call-site row (%d)", parts[k], i);
		tap_ok(!wrong, "%s: each bar is its row's %s and count, largest first", parts[k],
		       fields[k]);
		tap_ok(sum == sums[k], "%s: together the hand-made rows' %.0f bytes (%.0f)", parts[k],
		       sums[k], sum);
	}
	jp_free(doc);
	proc_free(&c);
}

static struct dma_entry dma_row(__u64 dev, int id, __u16 kind, __u16 dir, __u64 site,
				__u64 count, __u64 bytes, __u64 releases, __u64 released_bytes)
{
	struct dma_entry e = {};

	e.key.dev = dev;
	e.key.stack_id = id;
	e.key.kind = kind;
	e.key.dir = dir;
	e.ips[0] = site; /* no symbols: the first frame is the call site */
	e.val.count = count;
	e.val.bytes = bytes;
	e.val.releases = releases;
	e.val.released_bytes = released_bytes;
	return e;
}

/* Each bar of chart against the rows of the JSON array path, in order; the bars' sum. */
static double check_dma_bars(const char *dom, struct jp *doc, const char *path,
			     const char *chart, int want)
{
	struct jp *rows = jp_arr(doc, path);
	const char *from = dom, *t;
	double sum = 0;
	int i, wrong = 0;

	for (i = 0; (t = next_bar(&from, chart)); i++) {
		struct jp *r = rows && i < rows->n ? rows->kids[i] : NULL;
		double coh = jp_num(r, "coherent.bytes") + jp_num(r, "pages.bytes");
		double live = jp_num(r, "coherent.outstanding_bytes") +
			      jp_num(r, "pages.outstanding_bytes") +
			      jp_num(r, "streaming.outstanding_bytes");

		if (!r || num_attr(t, "data-value") != coh + jp_num(r, "streaming.bytes") +
							 jp_num(r, "bounced.bytes") ||
		    num_attr(t, "data-coherent") != coh ||
		    num_attr(t, "data-mapped") != jp_num(r, "streaming.bytes") ||
		    num_attr(t, "data-mappings") != jp_num(r, "streaming.count") ||
		    num_attr(t, "data-bounced") != jp_num(r, "bounced.bytes") ||
		    num_attr(t, "data-outstanding") != live)
			wrong++;
		sum += num_attr(t, "data-value");
	}
	tap_ok(i == want && rows && rows->n == want, "%s: one bar per row of %s (%d)", chart, path,
	       i);
	tap_ok(!wrong, "%s: each bar is its row's bytes, mappings, bounces, outstanding", chart);
	return sum;
}

/*
 * trace --dma's section, hand-made (the host's DMA bypasses the DMA API: the VM test has
 * the ground truth): the totals table, the lost box, one bar per device and per call
 * site equal to the page's own JSON; off, the reason.
 */
static void test_dma_section(void)
{
	const __u64 a = 0xffff888000001000ULL, b = 0xffff888000002000ULL, d = 0xffff888000003000ULL;
	struct dma_entry e[] = {
		dma_row(a, 1, KM_DMA_COHERENT, KM_DMA_DIR_NONE, 0xffffffff81000100UL, 2, 8192, 1, 4096),
		dma_row(a, 2, KM_DMA_SINGLE, 1, 0xffffffff81000200UL, 10, 15000, 9, 13500),
		dma_row(a, 2, KM_DMA_BOUNCE, KM_DMA_DIR_NONE, 0xffffffff81000200UL, 3, 4500, 0, 0),
		dma_row(b, 3, KM_DMA_SG, 0, 0xffffffff81000300UL, 6, 6000, 6, 6000),
		dma_row(d, 4, KM_DMA_SINGLE, 2, 0xffffffff81000400UL, 1, 64, 0, 0),
	};
	struct dma_device_entry devs[] = { { a, { "0000:00:04.0", "mydrv" } },
					   { b, { "vda", "" } }, { d, { "<b>odd</b>", "x" } } };
	struct dma_snapshot ds = { .entries = e, .n = 5, .devices = devs, .nr_devices = 3 };
	struct kmalloc_classes classes;
	struct gfp_bits gfp = {};
	struct report_env env = { .gfp = &gfp, .classes = &classes, .sections = REPORT_ALL,
				  .scope = "hand-made DMA", .dma = &ds };
	static const struct { const char *key; double value; } cells[] = {
		{ "coherent", 2 }, { "coherent_bytes", 8192 }, { "coherent_outstanding_bytes", 4096 },
		{ "mappings", 17 }, { "mapped_bytes", 21064 }, { "mappings_outstanding", 2 },
		{ "to_device", 10 }, { "from_device_bytes", 64 }, { "bidirectional", 6 },
		{ "bounces", 3 }, { "bounced_bytes", 4500 }, { "dma_api.dropped.stacks", 2 },
	};
	char want[128];
	struct jp *doc;
	struct proc c;
	size_t i;

	ds.counters[KM_DC_STACK_LOST] = 2;
	kmalloc_classes__default(&classes);
	doc = hand_made_page(&env, "dma", &c);
	if (!doc)
		return;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		snprintf(want, sizeof(want), "data-key=\"%s\" data-value=\"%.0f\"", cells[i].key,
			 cells[i].value);
		tap_ok(c.out && strstr(c.out, want), "dma table: %s is %.0f", cells[i].key,
		       cells[i].value);
	}
	ASSERT_EQ(check_dma_bars(c.out, doc, "dma_api.devices", "dma-devices", 3), 33756,
		  "dma-devices: together every byte allocated, mapped and bounced");
	ASSERT_EQ(check_dma_bars(c.out, doc, "dma_api.callsites", "dma-callsites", 4), 33756,
		  "dma-callsites: the same bytes by call site");
	ASSERT_EQ(bar_value(c.out, "dma-devices", "vda [no driver]", "data-mappings"), 6,
		  "a device without a driver says so");
	ASSERT_EQ(bar_value(c.out, "dma-devices", "<b>odd</b> [x]", "data-value"), 64,
		  "a device name with markup is a label, not markup");
	ASSERT_TRUE(c.out && !strstr(c.out, "<b>odd"), "and no <b> element came of it");
	jp_free(doc);
	proc_free(&c);

	env.dma = NULL;
	env.dma_reason = "this kernel has no dma: tracepoints";
	doc = hand_made_page(&env, "dma-off", &c);
	if (!doc)
		return;
	ASSERT_CONTAINS(c.out, "not traced: this kernel has no dma: tracepoints",
			"off: the section says why");
	ASSERT_EQ(bar_count(c.out, "dma-devices"), 0, "off: no device bars");
	jp_free(doc);
	proc_free(&c);
}

/* One error line each, before anything is traced. */
static void test_errors(void)
{
	char *bad_dir[] = { (char *)kmscope_path(), "trace", "--html", "/nonexistent/r.html", "-d",
			    "5", NULL };
	char *same[] = { (char *)kmscope_path(), "trace", "--html", "r.html", "-o", "r.html", NULL };
	struct proc p;

	ASSERT_EQ(run(&p, bad_dir), 1, "--html into a missing directory: exit 1");
	ASSERT_CONTAINS(p.err, "error: cannot open '/nonexistent/r.html' for the HTML report",
			"saying which file");
	ASSERT_TRUE(!strstr(p.err, "kmscope: tracing"), "before tracing anything");
	proc_free(&p);
	ASSERT_EQ(run(&p, same), 2, "--html and -o of one file: a usage error");
	ASSERT_CONTAINS(p.err, "--html and -o name the same file 'r.html'", "saying so");
	proc_free(&p);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "workload") && !strcmp(argv[2], "readv")) {
		readv_loop(atoi(argv[3]), atoi(argv[4]));
		return 0;
	}
	live_require();
	if (access(CHROMIUM, X_OK))
		tap_plan_skip_all("no %s: scripts/setup installs the chromium package", CHROMIUM);
	live_self_path(self, sizeof(self));
	snprintf(dir, sizeof(dir), "/tmp/kmscope-html-XXXXXX");
	if (!mkdtemp(dir))
		tap_plan_skip_all("cannot make a temp dir: %s", strerror(errno));
	test_page();
	test_report_page();
	test_escaped_scope();
	test_errors();
	test_reclaim_section();
	test_vmalloc_section();
	test_dma_section();
	if (!tap_failed) {
		char *rm[] = { "/bin/rm", "-rf", dir, NULL };
		struct proc p;

		run(&p, rm);
		proc_free(&p);
	} else {
		tap_diag("the pages are kept in %s", dir);
	}
	return tap_done();
}
