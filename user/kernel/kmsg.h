/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log, read from /dev/kmsg one record at a time with its sequence number
 * and level, from where it ends when opened; records the kernel overwrote before they
 * were read (EPIPE) are counted from the sequence gap, never lost silently.
 */
#ifndef KMSCOPE_KMSG_H
#define KMSCOPE_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct km_kmsg {
	int fd;
	bool have_seq;	  /* next_seq is known (after the first record) */
	uint64_t next_seq;
	uint64_t records; /* read */
	uint64_t dropped; /* overwritten before they were read */
	char buf[8192];	  /* one record: the kernel's limit is below this */
};

struct km_kmsg_record {
	uint64_t seq;
	int level;	/* 0 (emerg) .. 7 (debug) */
	int facility;	/* 0 kernel, 1 user (what /dev/kmsg writers log), ... */
	uint64_t usec;	/* since boot */
	const char *text; /* the message, NUL-terminated; dictionary lines cut off */
};

/* Opens /dev/kmsg (non-blocking) at its end; 0 or -errno. */
int km_kmsg_open(struct km_kmsg *k);
/* Reads records from fd instead (tests: a SOCK_SEQPACKET socket keeps record bounds). */
void km_kmsg_from_fd(struct km_kmsg *k, int fd);
/*
 * The next record: 1 with *r filled (valid until the next read), 0 when none is
 * waiting, -errno on an error. Sequence gaps add to k->dropped.
 */
int km_kmsg_read(struct km_kmsg *k, struct km_kmsg_record *r);
/* "PRIO,SEQ,USEC,FLAGS[,...];TEXT\n[ KEY=VALUE\n...]" (NUL-terminated), in place; 0 or -EINVAL. */
int km_kmsg_parse(char *raw, struct km_kmsg_record *r);
/* Whether a record's text contains needle. */
bool km_kmsg_match(const struct km_kmsg_record *r, const char *needle);
void km_kmsg_close(struct km_kmsg *k);

#endif
