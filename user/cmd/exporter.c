// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope exporter: trace's tracer and session, serving /metrics (core/http.c) instead
 * of printing a report; SIGTERM detaches everything and exits 0.
 */
#include "cmd/commands.h"
#include "core/common.h"
#include "cmd/exporter_opts.h"

int cmd_exporter(int argc, char **argv)
{
	struct trace_opts o = {};
	int err = exporter_opts_parse(&o, argc, argv);

	if (err)
		return err > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	return trace_main(&o);
}
