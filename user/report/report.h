/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports: build the model once from a snapshot (report/model.h), then print it.
 *
 *	report_model_build(&m, snap, &env);
 *	report_text_print(out, &m, &win);   or   report_json_print(out, &m, &win);
 *	report_model_free(&m);
 */
#ifndef KMSCOPE_REPORT_H
#define KMSCOPE_REPORT_H

#include <stdio.h>
#include "report/model.h"

/* Both return 0, or a negative errno (-EIO when out has an error). */
int report_text_print(FILE *out, const struct report_model *m, const struct report_window *win);
int report_json_print(FILE *out, const struct report_model *m, const struct report_window *win);

#endif
