// SPDX-License-Identifier: GPL-2.0
/* km_grow(): the one way report tables and lists make room for one more element. */
#include <stdint.h>
#include <stdlib.h>
#include "tap.h"
#include "core/common.h"

int main(void)
{
	size_t cap = 0, n, moves = 0;
	int *v = NULL, *grown;
	bool kept = true;

	/* 1000 appends: 4, 8, ..., 1024 elements, each value still there after each move */
	for (n = 0; n < 1000; n++) {
		size_t before = cap;

		grown = km_grow(v, n, &cap, sizeof(*v), 4);
		if (!grown)
			break;
		moves += cap != before;
		v = grown;
		v[n] = (int)n * 3;
		if (n && v[n - 1] != (int)(n - 1) * 3)
			kept = false;
	}
	ASSERT_EQ(n, 1000, "1000 elements appended");
	ASSERT_EQ(cap, 1024, "room doubled from 4 to 1024");
	ASSERT_EQ(moves, 9, "nine growths: 4, 8, ..., 1024");
	ASSERT_TRUE(kept, "every element kept across the moves");
	ASSERT_TRUE(km_grow(v, 1000, &cap, sizeof(*v), 4) == v, "with room left: the same array");
	ASSERT_EQ(cap, 1024, "and the same room");

	/* twice the room would not fit in a size_t: refused, nothing changed */
	grown = km_grow(v, 1024, &cap, SIZE_MAX / 1024, 4);
	ASSERT_TRUE(grown == NULL, "an overflowing size is refused");
	ASSERT_EQ(cap, 1024, "and the room is unchanged");
	ASSERT_EQ(v[999], 999 * 3, "and the array untouched");
	free(v);

	v = NULL;
	cap = 0;
	grown = km_grow(v, 0, &cap, sizeof(*v), 64);
	ASSERT_TRUE(grown != NULL, "an empty array gets its first room");
	ASSERT_EQ(cap, 64, "of first elements");
	free(grown);
	return tap_done();
}
