// SPDX-License-Identifier: GPL-2.0
/* kmscope sweep: options, the engine (sweep/engine.c), the report in the format asked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "cmd/sweep_opts.h"
#include "core/common.h"
#include "sweep/engine.h"
#include "sweep/print.h"
#include "sweep/sweep.h"

/* The document made in memory and written whole: an error half-way leaves no half report. */
static int print_to(const char *path, FILE *std, int (*print)(FILE *, const struct sweep_report *),
		    const struct sweep_report *r)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&doc, &len), *out;
	int err;

	if (!mem) {
		km_error("cannot print the report: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	err = print(mem, r);
	if (fclose(mem) && !err)
		err = -errno;
	if (err) {
		free(doc);
		km_error("cannot print the report: %s", strerror(-err));
		return KM_EXIT_FAILURE;
	}
	out = path ? fopen(path, "we") : std;
	if (!out) {
		km_error("cannot open '%s' for the report: %s", path, strerror(errno));
		free(doc);
		return KM_EXIT_FAILURE;
	}
	if (fwrite(doc, 1, len, out) != len || fflush(out))
		err = -errno;
	if (path && fclose(out) && !err)
		err = -errno;
	free(doc);
	if (err) {
		km_error("cannot write the report%s%s: %s", path ? " to " : "", path ? path : "",
			 strerror(-err));
		return KM_EXIT_FAILURE;
	}
	return 0;
}

/* Checked before the sweep runs: a report path that cannot be written costs nothing. */
static int check_writable(const char *path)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "ae");
	if (!f) {
		km_error("cannot open '%s' for the report: %s", path, strerror(errno));
		return KM_EXIT_FAILURE;
	}
	fclose(f);
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_report r = {};
	struct sweep_opts o;
	int ret = sweep_opts_parse(&o, argc, argv), printed;

	if (ret)
		return ret > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	ret = check_writable(o.output);
	if (!ret)
		ret = check_writable(o.junit);
	if (!ret)
		ret = sweep_engine_run(&o, &r);
	/* the points done are the report, after an interruption too */
	if (!ret || (r.nr_points && sweep_report_done(&r))) {
		printed = print_to(o.output, stdout, o.json ? sweep_print_json :
				   o.tap ? sweep_print_ktap : sweep_print_text, &r);
		if (!printed && o.junit)
			printed = print_to(o.junit, NULL, sweep_print_junit, &r);
		if (!ret)
			ret = printed ? printed : r.interrupted ? KM_EXIT_FAILURE :
			      sweep_report_exit_code(&r);
	}
	sweep_report_free(&r);
	sweep_opts_free(&o);
	return ret;
}
