// SPDX-License-Identifier: GPL-2.0
/* report -i: read the input whole, then pick its source by content. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "replay/input.h"

/* Tried in order; the first whose detect() claims the content opens it. */
static const struct replay_source *const sources[] = {
	&replay_recfile_source,
	&replay_text_source,
};

/* A pipe or stdin cannot be mapped: read it into memory. */
static int read_all(int fd, void **buf, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);

	while (b) {
		ssize_t got;

		if (n == cap) {
			char *grown = realloc(b, cap *= 2);

			if (!grown)
				break;
			b = grown;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			free(b);
			return err;
		}
		if (!got) {
			*buf = b;
			*len = n;
			return 0;
		}
		n += got;
	}
	free(b);
	return -ENOMEM;
}

int replay_open(const char *path, struct replay_input *in, char *why, size_t wl)
{
	struct stat st;
	void *buf = NULL;
	size_t len = 0, i;
	bool mapped = false;
	int fd, err;

	memset(in, 0, sizeof(*in));
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	if (fd < 0) {
		err = -errno;
		snprintf(why, wl, "cannot open '%s': %s", path, strerror(-err));
		return err;
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		buf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		mapped = buf != MAP_FAILED;
		len = st.st_size;
	}
	if (!mapped) {
		err = read_all(fd, &buf, &len);
		if (err) {
			close(fd);
			snprintf(why, wl, "cannot read '%s': %s", path, strerror(-err));
			return err;
		}
	}
	close(fd);
	in->buf = buf;
	in->len = len;
	in->mapped = mapped;
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (!sources[i]->detect(buf, len))
			continue;
		in->format = sources[i]->name;
		err = sources[i]->open(in, why, wl);
		if (err)
			replay_close(in);
		return err;
	}
	snprintf(why, wl, "'%s' is neither a kmscope recording nor perf script or ftrace text "
		 "of kmem events", path);
	replay_close(in);
	return -EPROTO;
}

void replay_close(struct replay_input *in)
{
	if (in->close)
		in->close(in);
	ksyms__free(in->ksyms);
	if (in->mapped)
		munmap((void *)in->buf, in->len);
	else
		free((void *)in->buf);
	memset(in, 0, sizeof(*in));
}

struct ksyms *replay_ksyms_from_text(const char *text, size_t len)
{
	char path[64];
	struct ksyms *ks;
	int fd = memfd_create("kmscope-ksyms", MFD_CLOEXEC);

	/* the one kallsyms parser (kernel/ksyms.c) reads it, through a memory file */
	if (fd < 0)
		return NULL;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ks = ksyms__load(path);
	close(fd);
	return ks;
}
