// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML page: a header written here, the report's JSON document and the stacks
 * embedded as data, and the CSS and JS of user/report/html/ (html_assets.h, made by
 * the Makefile) that draw them. No network: a Content-Security-Policy forbids it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/html.h"
#include "report/json.h"
#include "report/report.h"
#include "html_assets.h"

void html_put_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int n;

	for (; *p; p += n) {
		n = jw_utf8_len(p);
		if (!n) {
			fputs("&#xfffd;", out);
			n = 1;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (n == 1 && *p < 0x20 && *p != '\t' && *p != '\n')
				fputs("&#xfffd;", out); /* a control: not text */
			else
				fwrite(p, 1, n, out);
		}
	}
}

/* Outside its strings JSON has no < > &: escaping every one keeps the document's meaning. */
void html_put_script_json(FILE *out, const char *json, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (json[i]) {
		case '<':
			fputs("\\u003c", out);
			break;
		case '>':
			fputs("\\u003e", out);
			break;
		case '&':
			fputs("\\u0026", out);
			break;
		default:
			putc(json[i], out);
		}
	}
}

/* The folded stacks as the page's second JSON document (docs/html.md). */
static int stacks_json(char **doc, size_t *len, const void *arg)
{
	const struct folded_model *fm = arg;
	FILE *mem = open_memstream(doc, len);
	struct json_writer *jw;
	size_t i;

	if (!mem)
		return -errno;
	jw = jw_new(mem, false);
	if (!jw) {
		fclose(mem);
		return -ENOMEM;
	}
	jw_object_start(jw);
	jw_kv_string(jw, "weight", "bytes");
	jw_kv_uint(jw, "missing", fm->missing);
	jw_key(jw, "stacks");
	jw_array_start(jw);
	for (i = 0; i < fm->n; i++) {
		jw_object_start(jw);
		jw_kv_string(jw, "frames", fm->stacks[i].frames);
		jw_kv_uint(jw, "bytes", fm->stacks[i].bytes);
		jw_object_end(jw);
	}
	jw_array_end(jw);
	jw_object_end(jw);
	jw_free(jw);
	return fclose(mem) ? -errno : 0;
}

static int embed(FILE *out, const char *id, int (*make)(char **, size_t *, const void *),
		 const void *arg)
{
	char *doc = NULL;
	size_t len = 0;
	int err = make(&doc, &len, arg);

	if (!err) {
		fprintf(out, "<script type=\"application/json\" id=\"%s\">", id);
		html_put_script_json(out, doc, len);
		fputs("</script>\n", out);
	}
	free(doc);
	return err;
}

struct report_doc {
	const struct report_model *m;
	const struct report_window *win;
};

static int report_json(char **doc, size_t *len, const void *arg)
{
	const struct report_doc *r = arg;
	FILE *mem = open_memstream(doc, len);
	int err;

	if (!mem)
		return -errno;
	err = report_json_print(mem, r->m, r->win);
	if (fclose(mem) && !err)
		err = -errno;
	return err;
}

static void header(FILE *out, const struct report_model *m, const struct report_window *win,
		   const struct html_page *page)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
	fputs("<header><h1>kmscope report</h1><dl>\n<dt>scope</dt><dd id=\"scope\">", out);
	html_put_text(out, m->scope);
	fputs("</dd>\n<dt>kernel</dt><dd id=\"kernel\">", out);
	html_put_text(out, page->kernel ? page->kernel : "unknown");
	fprintf(out, "</dd>\n<dt>duration</dt><dd id=\"duration\">%.3f s%s</dd>\n", win->seconds,
		win->interval ? "" : " (the whole run)");
	fprintf(out, "<dt>written</dt><dd>%s</dd>\n</dl></header>\n", when);
}

int report_html_print(FILE *out, const struct report_model *m, const struct report_window *win,
		      const struct html_page *page)
{
	struct report_doc doc = { .m = m, .win = win };
	int err;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	      "<title>kmscope report: ", out);
	html_put_text(out, m->scope);
	fputs("</title>\n<style>\n", out);
	fwrite(html_style_css, 1, html_style_css_len, out);
	fputs("</style></head>\n<body>\n", out);
	header(out, m, win, page);
	fputs("<main id=\"report\"><noscript>This page draws its charts with JavaScript; the data "
	      "is in the script elements below.</noscript></main>\n", out);
	err = embed(out, "kmscope-report", report_json, &doc);
	if (!err && page->stacks)
		err = embed(out, "kmscope-stacks", stacks_json, page->stacks);
	if (err)
		return err;
	fputs("<script>\n", out);
	fwrite(html_draw_js, 1, html_draw_js_len, out);
	fputs("</script>\n</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}

int report_html_write(FILE *out, const struct snapshot *snap, const struct report_env *env,
		      const struct report_window *win, folded_stack_lookup lookup, void *ctx,
		      long page_size, const char *kernel)
{
	struct html_page page = { .kernel = kernel };
	struct folded_model fm = {};
	struct report_model m;
	int err = 0;

	if (lookup) {
		err = folded_model_build(&fm, snap, env->ksyms, lookup, ctx, page_size);
		if (err)
			return err;
		page.stacks = &fm;
	}
	err = report_model_build(&m, snap, env);
	if (!err) {
		err = report_html_print(out, &m, win, &page);
		report_model_free(&m);
	}
	folded_model_free(&fm);
	return err;
}
