// SPDX-License-Identifier: GPL-2.0
/*
 * The state file on disk: each record is built whole in memory, written with one
 * write() loop and fsynced before the engine goes on, so a panic loses at most the
 * record being written (a last line without its newline, which resume drops).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/common.h"
#include "sweep/state.h"
#include "sweep/state_codec.h"

struct sweep_state {
	int fd;
	char *path;
};

static struct sweep_state *state_new(int fd, const char *path)
{
	struct sweep_state *st = calloc(1, sizeof(*st));

	if (!st || !(st->path = strdup(path))) {
		free(st);
		return NULL;
	}
	st->fd = fd;
	return st;
}

void sweep_state_close(struct sweep_state *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	free(st->path);
	free(st);
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return fsync(fd) ? -errno : 0;
}

/* The directory entry of a new file survives a crash only once its directory is synced. */
static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* a filesystem that cannot sync a directory says EINVAL or ENOTSUP: nothing to do */
	if (fd < 0 || (fsync(fd) && errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

enum record { REC_HEADER, REC_START, REC_STOPPED, REC_DONE };

static int state_write(struct sweep_state *st, enum record what, const void *obj)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f) {
		km_error("cannot write state file '%s': %s", st->path, strerror(errno));
		return -ENOMEM;
	}
	if (what == REC_HEADER)
		state_encode_header(f, obj);
	else if (what == REC_START)
		state_encode_start(f, obj);
	else if (what == REC_STOPPED)
		state_encode_stopped(f, obj);
	else
		state_encode_done(f, obj);
	err = fclose(f) ? -ENOMEM : write_all(st->fd, buf, len);
	free(buf);
	if (err)
		km_error("cannot write state file '%s': %s", st->path, strerror(-err));
	return err;
}

int sweep_state_create(struct sweep_state **st, const char *path, const struct sweep_report *r)
{
	int fd, err;

	*st = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		if (err == -EEXIST)
			km_error("state file '%s' exists: continue it with --resume, or remove it",
				 path);
		else
			km_error("cannot create state file '%s': %s", path, strerror(-err));
		return err;
	}
	*st = state_new(fd, path);
	if (!*st) {
		close(fd);
		km_error("cannot create state file '%s': %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = state_write(*st, REC_HEADER, r);
	if (!err) {
		err = sync_dir(path);
		if (err)
			km_error("cannot sync the directory of state file '%s': %s", path,
				 strerror(-err));
	}
	if (err) {
		sweep_state_close(*st);
		*st = NULL;
	}
	return err;
}

int sweep_state_point_start(struct sweep_state *st, const struct sweep_point *p)
{
	return state_write(st, REC_START, p);
}

int sweep_state_point_stopped(struct sweep_state *st, const struct sweep_point *p)
{
	return state_write(st, REC_STOPPED, p);
}

int sweep_state_point_done(struct sweep_state *st, const struct sweep_point *p)
{
	return state_write(st, REC_DONE, p);
}

static char *read_file(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1), *grown;
	ssize_t got;

	while (buf) {
		if (n == cap) {
			grown = realloc(buf, 2 * cap + 1);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if (!got) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += got;
	}
	free(buf);
	return NULL;
}

/*
 * Every complete line into d; *good is the length of the file up to the last of them.
 * A last line without its newline is the write a crash cut short: dropped, with a warning.
 */
static int decode_file(struct state_decoder *d, const char *path, char *buf, size_t len,
		       size_t *good)
{
	char *line = buf, *nl;
	int lineno = 0;

	*good = 0;
	while (line < buf + len) {
		lineno++;
		nl = memchr(line, '\n', buf + len - line);
		if (!nl) {
			km_warn("state file '%s' line %d: cut short (the run stopped while writing it): ignored",
				path, lineno);
			break;
		}
		*nl = '\0';
		if (memchr(line, '\0', nl - line) || state_decode_line(d, line)) {
			km_error("state file '%s' line %d: %s", path, lineno,
				 d->why[0] ? d->why : "a NUL byte in the line");
			return -EINVAL;
		}
		line = nl + 1;
		*good = line - buf;
	}
	if (d->phase != STATE_RECORDS) {
		km_error("state file '%s' ends before its list of points is complete: the sweep stopped before its first point; remove it to start again",
			 path);
		return -EINVAL;
	}
	return 0;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What makes two sweeps the same sweep: the points of one mean nothing to the other. */
static int check_request(const char *path, const struct sweep_report *file,
			 const struct sweep_report *r)
{
	const struct {
		const char *name, *theirs, *ours;
	} asked[] = {
		{ "command", file->command, r->command },    { "setup", file->setup, r->setup },
		{ "teardown", file->teardown, r->teardown }, { "scope", file->scope, r->scope },
		{ "rule", file->rule, r->rule },	     { "mode", file->mode, r->mode },
	};
	size_t i;

	for (i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		if (same(asked[i].theirs, asked[i].ours))
			continue;
		km_error("state file '%s' is another sweep's: its %s is '%s', this one's '%s'", path,
			 asked[i].name, asked[i].theirs ? asked[i].theirs : "(none)",
			 asked[i].ours ? asked[i].ours : "(none)");
		return -EINVAL;
	}
	if (file->kernel && r->kernel && strcmp(file->kernel, r->kernel))
		km_warn("state file '%s' began on kernel '%s', this is '%s'", path, file->kernel,
			r->kernel);
	return 0;
}

/* The file's baseline and points into r; r keeps its own request and fail_on. */
static void take_results(struct sweep_report *r, struct sweep_report *file)
{
	int i;

	for (i = 0; i < r->nr_points; i++)
		sweep_point_free(&r->points[i]);
	free(r->points);
	r->points = file->points;
	r->nr_points = file->nr_points;
	file->points = NULL;
	file->nr_points = 0;
	if (!r->backend) {
		r->backend = file->backend;
		file->backend = NULL;
	}
	if (!r->kernel) {
		r->kernel = file->kernel;
		file->kernel = NULL;
	}
	r->baseline_matched = file->baseline_matched;
	r->baseline_lost = file->baseline_lost;
	r->baseline_status = file->baseline_status;
	r->baseline_seconds = file->baseline_seconds;
	r->seconds = r->baseline_seconds;
	for (i = 0; i < r->nr_points; i++)
		r->seconds += r->points[i].seconds;
}

int sweep_state_resume(struct sweep_state **st, const char *path, struct sweep_report *r)
{
	struct sweep_report file = { 0 };
	struct state_decoder d = { .r = &file };
	size_t len = 0, good;
	char *buf = NULL;
	int fd, err;

	*st = NULL;
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		km_error("cannot open state file '%s': %s", path, strerror(-err));
		return err;
	}
	buf = read_file(fd, &len);
	if (!buf) {
		err = -errno;
		km_error("cannot read state file '%s': %s", path, strerror(-err));
		goto out_close;
	}
	err = decode_file(&d, path, buf, len, &good);
	if (!err)
		err = check_request(path, &file, r);
	/* what follows must start on a line of its own */
	if (!err && good < len && ftruncate(fd, good)) {
		err = -errno;
		km_error("cannot cut the last line off state file '%s': %s", path, strerror(-err));
	}
	if (err)
		goto out_free;
	*st = state_new(fd, path);
	if (!*st) {
		err = -ENOMEM;
		km_error("cannot resume state file '%s': %s", path, strerror(ENOMEM));
		goto out_free;
	}
	take_results(r, &file);
	fd = -1;
out_free:
	sweep_report_free(&file);
	free(buf);
out_close:
	if (fd >= 0)
		close(fd);
	return err;
}
