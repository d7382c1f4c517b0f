/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A subcommand's man page in roff, made from its command spec: the same option table
 * that makes getopt, --help and completion makes the OPTIONS section, so they agree.
 */
#ifndef KMSCOPE_MANPAGE_H
#define KMSCOPE_MANPAGE_H

#include <stdio.h>
#include "core/options.h"

/*
 * The line after which the build (scripts/gen-man) inserts the page's hand-written
 * prose, docs/man/kmscope-NAME.1.in, at the end of DESCRIPTION.
 */
#define KM_MAN_PROSE_MARK ".\\\" kmscope: hand-written prose goes here"

/* The page kmscope-NAME(1); summary is its NAME line (the command's line in --help). */
void km_man_page(FILE *out, const struct km_command_spec *spec, const char *summary);

#endif
