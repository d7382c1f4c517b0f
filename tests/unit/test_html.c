// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML page's escaping: a cache, symbol or scope name is data, never markup. From
 * hand-made names that try to end the script element, open a comment or an element,
 * and from a page of a hand-made snapshot whose names do all of that.
 */
#include "../tap.h"
#include "../jsonp.h"
#include "../report_fixture.h"
#include <ctype.h>
#include <errno.h>
#include "report/html.h"
#include "report/report.h"

#define EVIL	    "</script><img src=x onerror=alert(1)><!--<script>"
#define EVIL_CACHE  "</script><!--<i>" /* fits a cache name */

static char *capture_text(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	html_put_text(f, s);
	fclose(f);
	return buf;
}

static char *capture_json(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	html_put_script_json(f, s, strlen(s));
	fclose(f);
	return buf;
}

static void test_text(void)
{
	char *out = capture_text("a<b>&\"c'd");

	ASSERT_STREQ(out, "a&lt;b&gt;&amp;&quot;c&#39;d", "the five specials are references");
	free(out);
	out = capture_text("caf\xc3\xa9 \xff\xc3 x\x01y\tz");
	ASSERT_STREQ(out, "caf\xc3\xa9 &#xfffd;&#xfffd; x&#xfffd;y\tz",
		     "UTF-8 kept, stray bytes and controls become U+FFFD");
	free(out);
	out = capture_text(NULL);
	ASSERT_STREQ(out, "", "NULL writes nothing");
	free(out);
}

static void test_script_json(void)
{
	const char *doc = "{\"name\":\"" EVIL "&amp;\",\"n\":1}";
	char *out = capture_json(doc);
	struct jp *back;

	ASSERT_TRUE(!strchr(out, '<') && !strchr(out, '>') && !strchr(out, '&'),
		    "no < > & left in the script's text");
	ASSERT_CONTAINS(out, "\\u003c/script\\u003e", "</script> written as \\u003c/script\\u003e");
	back = jp_parse(out, NULL);
	ASSERT_STREQ(back ? jp_str(back, "name") : NULL, EVIL "&amp;",
		     "the escaped JSON reads back as the same string");
	ASSERT_EQ(back ? jp_num(back, "n") : -1, 1, "and the same numbers");
	jp_free(back);
	free(out);
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	for (hay = strcasestr(hay, needle); hay; hay = strcasestr(hay + 1, needle))
		n++;
	return n;
}

/* Tags (<letter ... >) with attribute attr ("src="): what a browser would act on. */
static int tags_with(const char *page, const char *attr)
{
	const char *lt, *gt;
	int n = 0;

	for (lt = strchr(page, '<'); lt; lt = strchr(lt + 1, '<')) {
		gt = strchr(lt, '>');
		if (!isalpha((unsigned char)lt[1]))
			continue; /* "a < b" in the script */
		if (gt && memmem(lt, gt - lt, attr, strlen(attr)))
			n++;
	}
	return n;
}

/* The text of <script ... id="id">...</script>, or NULL. */
static char *script_text(const char *page, const char *id)
{
	char open[128];
	const char *s, *e;

	snprintf(open, sizeof(open), "id=\"%s\">", id);
	s = strstr(page, open);
	if (!s)
		return NULL;
	s += strlen(open);
	e = strstr(s, "</script>");
	return e ? strndup(s, e - s) : NULL;
}

static char *page_of(const struct report_model *m, const struct html_page *page)
{
	struct report_window win = { .seconds = 1.5 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err = report_html_print(f, m, &win, page);

	fclose(f);
	ASSERT_EQ(err, 0, "report_html_print succeeds");
	return buf;
}

static void test_page(const struct report_env *env)
{
	struct alloc_shape a = { .count = 3 };
	struct cache_entry caches[] = { { .ptr = 0x1234, .info = { EVIL_CACHE, 100, 128 } } };
	struct snapshot snap = { .allocs = &a, .nr_allocs = 1, .caches = caches, .nr_caches = 1 };
	struct folded_stack fs[] = { { strdup("slab;start_kernel;" EVIL), 384 } };
	struct folded_model fm = { .stacks = fs, .n = 1 };
	struct html_page page = { .kernel = "6.1 <b>x86_64</b>", .stacks = &fm };
	struct report_model m;
	char *out, *json;
	struct jp *doc;

	a.key.call_site = START_KERNEL;
	a.key.cache = 0x1234;
	a.key.kind = KM_KIND_CACHE;
	a.key.bytes_req = 100;
	a.key.bytes_alloc = 128;
	a.key.gfp_flags = GFP_KERNEL_;
	a.key.stack_id = 1;
	if (!ASSERT_EQ(report_model_build(&m, &snap, env), 0, "the model builds"))
		return;
	out = page_of(&m, &page);
	ASSERT_TRUE(!strncmp(out, "<!DOCTYPE html>", 15), "an HTML5 document");
	ASSERT_EQ(count_of(out, "<script"), 3, "three script elements: report, stacks, drawing");
	ASSERT_EQ(count_of(out, "</script"), 3, "and only their own three ends: no name closes one");
	ASSERT_EQ(count_of(out, "<img"), 0, "no element from a name");
	ASSERT_EQ(count_of(out, "<b>"), 0, "the kernel line is text");
	ASSERT_EQ(count_of(out, "<i>"), 0, "the cache's name is no element either");
	ASSERT_EQ(count_of(out, "<!--"), 0, "no comment opened by a name");
	ASSERT_CONTAINS(out, "&lt;/script&gt;&lt;img", "the scope in the header is escaped text");
	/* self-contained: nothing the browser would fetch */
	ASSERT_EQ(tags_with(out, " src="), 0, "no tag with a src attribute");
	ASSERT_EQ(tags_with(out, " on"), 0, "no tag with an event handler attribute");
	ASSERT_EQ(count_of(out, "<link"), 0, "no link element");
	ASSERT_EQ(count_of(out, "url("), 0, "no CSS url()");
	ASSERT_EQ(count_of(out, "https:"), 0, "no https address");
	ASSERT_CONTAINS(out, "default-src 'none'", "a CSP that forbids loading anything");

	json = script_text(out, "kmscope-report");
	doc = json ? jp_parse(json, NULL) : NULL;
	ASSERT_TRUE(doc, "the embedded report is JSON");
	ASSERT_STREQ(doc ? jp_str(doc, "scope") : NULL, EVIL, "its scope reads back unchanged");
	ASSERT_STREQ(doc && jp_len(doc, "caches") == 1 ? jp_str(jp_arr(doc, "caches")->kids[0], "name")
						       : NULL,
		     EVIL_CACHE, "the cache's name reads back unchanged");
	ASSERT_EQ(doc && jp_len(doc, "callsites") == 1 ?
			  jp_num(jp_arr(doc, "callsites")->kids[0], "waste") : -1,
		  84, "the call site's numbers are the model's (3 x 28 B waste)");
	jp_free(doc);
	free(json);
	json = script_text(out, "kmscope-stacks");
	doc = json ? jp_parse(json, NULL) : NULL;
	ASSERT_STREQ(doc && jp_len(doc, "stacks") == 1 ?
			     jp_str(jp_arr(doc, "stacks")->kids[0], "frames") : NULL,
		     "slab;start_kernel;" EVIL, "the stack's frames read back unchanged");
	ASSERT_EQ(doc && jp_len(doc, "stacks") == 1 ? jp_num(jp_arr(doc, "stacks")->kids[0], "bytes")
						     : -1,
		  384, "with their bytes");
	jp_free(doc);
	free(json);
	free(out);

	page.stacks = NULL;
	out = page_of(&m, &page);
	ASSERT_EQ(count_of(out, "<script"), 2, "without stacks: no stacks element");
	ASSERT_EQ(count_of(out, "kmscope-stacks\""), 0, "so the page draws no flame graph");
	free(out);
	report_model_free(&m);
	free(fs[0].frames);
}

int main(void)
{
	struct report_fixture fx;
	struct report_env env = { .sections = REPORT_ALL, .sort = SORT_WASTE, .scope = EVIL };

	report_fixture_env(&fx, &env);
	test_text();
	test_script_json();
	test_page(&env);
	report_fixture_free(&fx);
	return tap_done();
}
