/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report as one self-contained HTML page (docs/html.md): the JSON document of
 * report_json_print embedded once, drawn by the page's own JS (user/report/html/).
 */
#ifndef KMSCOPE_REPORT_HTML_H
#define KMSCOPE_REPORT_HTML_H

#include <stdbool.h> /* snapshot.h, through folded.h, needs it */
#include <stdio.h>
#include "report/folded.h"
#include "report/model.h"

/* What the page shows beyond the model. */
struct html_page {
	const char *kernel;		   /* "6.18.0 x86_64" in the header, or NULL */
	const struct folded_model *stacks; /* --stack: the flame graph's stacks, or NULL */
};

/* 0, or a negative errno (-EIO when out has an error). */
int report_html_print(FILE *out, const struct report_model *m, const struct report_window *win,
		      const struct html_page *page);

/*
 * The page of one snapshot, for trace and report -i alike: a model of it built with env
 * and, with lookup, the flame graph's stacks (folded_model_build); then the page.
 * kernel as in html_page. 0, or a negative errno.
 */
int report_html_write(FILE *out, const struct snapshot *snap, const struct report_env *env,
		      const struct report_window *win, folded_stack_lookup lookup, void *ctx,
		      long page_size, const char *kernel);

/* Text or an attribute value: & < > " ' as references, bytes not UTF-8 as U+FFFD. */
void html_put_text(FILE *out, const char *s);
/*
 * JSON (as the json writer makes it) inside a <script> element: < > & become \u003c
 * \u003e \u0026, so no name can close the element or open a comment in it.
 */
void html_put_script_json(FILE *out, const char *json, size_t len);

#endif
