// SPDX-License-Identifier: GPL-2.0
/* An interval's rows of a section (see report/rows_delta.h). */
#include <string.h>
#include "report/rows_delta.h"

size_t rows_delta(void *out, const void *cur, size_t n, const void *prev, size_t prev_n,
		  const struct rows_delta_ops *ops)
{
	size_t i, j, kept = 0;

	for (i = 0; i < n; i++) {
		char *row = (char *)out + kept * ops->row_size;

		memcpy(row, (const char *)cur + i * ops->row_size, ops->row_size);
		for (j = 0; prev && j < prev_n; j++) {
			const char *p = (const char *)prev + j * ops->row_size;

			if (memcmp(p, row, ops->key_size))
				continue;
			ops->sub(row + ops->val_off, p + ops->val_off);
			break;
		}
		if (!ops->zero(row + ops->val_off))
			kept++;
	}
	return kept;
}
