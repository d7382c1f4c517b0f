/* SPDX-License-Identifier: GPL-2.0 */
/* An interval's rows of a section: each row of now less its twin of before. */
#ifndef KMSCOPE_REPORT_ROWS_DELTA_H
#define KMSCOPE_REPORT_ROWS_DELTA_H

#include <stdbool.h>
#include <stddef.h>

/* A section's row: its key at offset 0, its counters at val_off. */
struct rows_delta_ops {
	size_t row_size;
	size_t key_size;
	size_t val_off;
	void (*sub)(void *val, const void *prev_val);
	bool (*zero)(const void *val);
};

/*
 * out (room for n rows) gets cur's rows less the row of prev with the same key, without
 * the rows that are zero after that; returns how many it kept. Rows are never deleted
 * from the sections' maps, so each row of prev is in cur.
 */
size_t rows_delta(void *out, const void *cur, size_t n, const void *prev, size_t prev_n,
		  const struct rows_delta_ops *ops);

#endif
