// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/kmsg.h"

int km_kmsg_open(struct km_kmsg *k)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	km_kmsg_from_fd(k, fd);
	return 0;
}

void km_kmsg_from_fd(struct km_kmsg *k, int fd)
{
	k->fd = fd;
	k->have_seq = false;
	k->next_seq = 0;
	k->records = 0;
	k->dropped = 0;
}

static int number(const char **p, uint64_t *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	*v = strtoull(*p, &end, 10);
	*p = end;
	return 0;
}

int km_kmsg_parse(char *raw, struct km_kmsg_record *r)
{
	const char *p = raw;
	uint64_t prio, seq, usec;
	char *text, *nl;

	if (number(&p, &prio) || *p++ != ',' || number(&p, &seq) || *p++ != ',' ||
	    number(&p, &usec) || *p != ',')
		return -EINVAL;
	text = strchr(p, ';');
	if (!text)
		return -EINVAL;
	text++;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0'; /* the dictionary (" SUBSYSTEM=...") follows */
	r->seq = seq;
	r->level = prio & 7;
	r->facility = prio >> 3;
	r->usec = usec;
	r->text = text;
	return 0;
}

int km_kmsg_read(struct km_kmsg *k, struct km_kmsg_record *r)
{
	for (;;) {
		ssize_t n = read(k->fd, k->buf, sizeof(k->buf) - 1);

		if (n < 0 && errno == EPIPE)
			continue; /* overwritten: the next read has the oldest left; the gap counts */
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		k->buf[n] = '\0';
		if (km_kmsg_parse(k->buf, r))
			continue; /* not a record: nothing to count it by */
		if (k->have_seq && r->seq > k->next_seq)
			k->dropped += r->seq - k->next_seq;
		k->have_seq = true;
		k->next_seq = r->seq + 1;
		k->records++;
		return 1;
	}
}

bool km_kmsg_match(const struct km_kmsg_record *r, const char *needle)
{
	return strstr(r->text, needle) != NULL;
}

void km_kmsg_close(struct km_kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
