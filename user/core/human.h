/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers as text tables show them to people: "1.2 MiB", "3.4 k", "850 us". Exact
 * figures are the JSON report's job. Each writes into buf and returns it.
 */
#ifndef KMSCOPE_HUMAN_H
#define KMSCOPE_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* Room for any of them, with the unit. */
#define KM_HUMAN_LEN 16

/* Exact below 1024 ("1023 B"), then KiB, MiB, ... with three significant digits. */
const char *km_human_bytes(uint64_t bytes, char *buf, size_t len);
/* Exact below 1000 ("999"), then k, M, G, ... (powers of 1000). */
const char *km_human_count(uint64_t n, char *buf, size_t len);
/* "0 s" for 0; ns, us and ms below a second ("850 us"), then "12.3 s", "4.2 min", "3.1 h". */
const char *km_human_seconds(double seconds, char *buf, size_t len);

/*
 * For several numbers in one printf: each call formats into the next of h's buffers
 * (one printf may use up to KM_HUMAN_SLOTS of them).
 */
#define KM_HUMAN_SLOTS 16
struct km_human {
	char buf[KM_HUMAN_SLOTS][KM_HUMAN_LEN];
	unsigned int next;
};

const char *km_hbytes(struct km_human *h, uint64_t bytes);
const char *km_hcount(struct km_human *h, uint64_t n);
const char *km_hseconds(struct km_human *h, double seconds);

#endif
