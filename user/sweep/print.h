/* SPDX-License-Identifier: GPL-2.0 */
/* What sweep's printers (text, JSON, KTAP, JUnit) say the same way; in sweep/report.c. */
#ifndef KMSCOPE_SWEEP_PRINT_H
#define KMSCOPE_SWEEP_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep/sweep.h"

/* The call site, or "unknown" when the baseline lost its event. */
const char *sweep_site_name(const struct sweep_site *s);
/* "128" (bytes), "order 2" (pages), "-" (unknown). */
const char *sweep_size_text(const struct sweep_site *s, char *buf, size_t len);
/* "warning,leak,crash,hang"; "" for none. */
const char *sweep_fail_on_text(unsigned int mask, char *buf, size_t len);
/* Points that are done. */
int sweep_report_done(const struct sweep_report *r);
/* Done, with a verdict in r->fail_on: what makes sweep exit 1. */
bool sweep_point_fails(const struct sweep_report *r, const struct sweep_point *p);

#endif
