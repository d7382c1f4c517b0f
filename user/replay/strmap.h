/* SPDX-License-Identifier: GPL-2.0 */
/* Strings of any length -> dense indexes 0, 1, ... in the order first seen. */
#ifndef KMSCOPE_REPLAY_STRMAP_H
#define KMSCOPE_REPLAY_STRMAP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct strmap {
	char **keys;	 /* owned, NUL-terminated copies; a key may hold NULs itself */
	size_t *key_len;
	unsigned int *slots; /* index + 1, 0 free */
	size_t nr, cap, nslots;
};

/* The index of key, added when new (*added); a negative errno. Zero-initialize m first. */
long strmap_get(struct strmap *m, const char *key, size_t len, bool *added);
/* The index of key, or -1. */
long strmap_find(const struct strmap *m, const char *key, size_t len);
void strmap_free(struct strmap *m);

#endif
