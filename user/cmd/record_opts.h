/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line options of `kmscope record`. */
#ifndef KMSCOPE_RECORD_OPTS_H
#define KMSCOPE_RECORD_OPTS_H

#include <stdbool.h>
#include "core/options.h"
#include "core/scope.h"

struct record_opts {
	struct km_scope scope;
	const char *output;	    /* -o FILE: required */
	double duration;	    /* 0: until Ctrl-C or CMD exits */
	bool outstanding;	    /* also frees outside the scope */
	unsigned long buffer_bytes; /* 0: the default */
};

extern const struct km_command_spec record_spec;

/* 0 to run, 1 when --help was printed, -EINVAL after printing a usage error. */
int record_opts_parse(struct record_opts *o, int argc, char **argv);

#endif
