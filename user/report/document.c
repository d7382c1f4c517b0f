// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "report/document.h"
#include "report/report.h"

static int print_folded(FILE *out, struct report_document *d, const struct snapshot *snap)
{
	struct folded_model fm;
	int err = folded_model_build(&fm, snap, d->env->ksyms, d->stack_lookup, d->stack_ctx,
				     d->page_size);

	if (err)
		return err;
	err = folded_print(out, &fm);
	d->missing = fm.missing;
	folded_model_free(&fm);
	return err;
}

static int print_model(FILE *out, const struct report_document *d, const struct snapshot *snap,
		       const struct report_window *win)
{
	struct report_model m;
	int err = report_model_build(&m, snap, d->env);

	if (err)
		return err;
	if (d->format == REPORT_FORMAT_PROMETHEUS)
		err = report_openmetrics_print(out, &m, win, d->om);
	else if (d->format == REPORT_FORMAT_JSON)
		err = report_json_print(out, &m, win);
	else
		err = report_text_print(out, &m, win);
	report_model_free(&m);
	return err;
}

int report_document_render(struct report_document *d, const struct snapshot *snap,
			   const struct report_window *win, char **buf, size_t *len)
{
	FILE *out;
	int err;

	*buf = NULL;
	*len = 0;
	d->missing = 0;
	out = open_memstream(buf, len);
	if (!out)
		return -errno;
	if (d->format == REPORT_FORMAT_FOLDED)
		err = print_folded(out, d, snap);
	else
		err = print_model(out, d, snap, win);
	if (fclose(out) && !err)
		err = -errno;
	if (err) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return err;
}

int report_document_write(FILE *out, const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, out) != len || fflush(out))
		return errno ? -errno : -EIO;
	return 0;
}
