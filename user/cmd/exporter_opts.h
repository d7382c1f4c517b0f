/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope exporter`: a struct trace_opts with listen set. */
#ifndef KMSCOPE_EXPORTER_OPTS_H
#define KMSCOPE_EXPORTER_OPTS_H

#include "cmd/trace_opts.h"

extern const struct km_command_spec exporter_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int exporter_opts_parse(struct trace_opts *o, int argc, char **argv);

#endif
