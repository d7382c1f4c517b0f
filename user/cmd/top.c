// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope top: trace's tracer and session, a frame of report/top.c each interval. On a
 * terminal: the alternate screen, redrawn in place (cursor home, lines each cleared to
 * their end, then the rest cleared: one write, no flicker), keys read raw; the terminal
 * is restored on every way out. Otherwise: plain snapshots, as top -b.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "cmd/commands.h"
#include "cmd/top_opts.h"
#include "core/common.h"

/* Lines above the table: at most 5 of header, and the column titles. */
#define TOP_HEADER_LINES 6

struct top_screen {
	struct top_opts *o;
	bool tty;	   /* drawing on a terminal */
	bool keys;	   /* stdin is a terminal in raw mode */
	struct termios saved;
	int width, height;
	unsigned long frames;
	bool quit;	   /* q, or --iterations reached: the view ended the session */
	int saved_stderr;  /* stderr a terminal: kept here while warnings go to ... */
	FILE *held_stderr; /* ... this file, shown once the screen is restored */
	bool have_models;  /* the last frame's models, kept to redraw on a key */
	struct report_model delta, total;
	struct report_window win;
	double total_seconds;
};

static volatile sig_atomic_t resized;

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

/*
 * Ctrl-Z (SIGTSTP): the shell's screen and line mode back before stopping, raw mode and
 * the view again on SIGCONT. Done in the handlers (write, tcsetattr, raise are
 * async-signal-safe), from copies of the view's terminal settings.
 */
static const char screen_enter[] = "\033[?1049h\033[?25l\033[H\033[2J";
static const char screen_leave[] = "\033[?25h\033[?1049l";
static struct termios tstp_saved, tstp_raw;
static volatile sig_atomic_t tstp_keys, tstp_away;

static void on_cont(int sig);

/* In a handler a failed write has no one to tell. */
static void signal_write(const char *buf, size_t len)
{
	ssize_t n = write(STDOUT_FILENO, buf, len);

	(void)n;
}

static void on_tstp(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, self = { .sa_handler = on_tstp };
	int saved_errno = errno;
	sigset_t set;

	(void)sig;
	signal_write(screen_leave, sizeof(screen_leave) - 1);
	if (tstp_keys)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tstp_saved);
	tstp_away = 1;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGTSTP); /* stopped here; SIGCONT's handler has run when this returns */
	sigemptyset(&self.sa_mask);
	sigaction(SIGTSTP, &self, NULL);
	/* not stopped (an orphaned process group discards it): the view goes on */
	if (tstp_away)
		on_cont(SIGCONT);
	errno = saved_errno;
}

static void on_cont(int sig)
{
	int saved_errno = errno;

	(void)sig;
	if (!tstp_away)
		return; /* not stopped by us (SIGSTOP, or a stray SIGCONT): nothing to undo */
	tstp_away = 0;
	if (tstp_keys)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tstp_raw);
	signal_write(screen_enter, sizeof(screen_enter) - 1);
	resized = 1; /* the loop redraws the whole frame */
	errno = saved_errno;
}

static void screen_size(struct top_screen *s)
{
	struct winsize ws;

	s->width = 80;
	s->height = 24;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col && ws.ws_row) {
		s->width = ws.ws_col;
		s->height = ws.ws_row;
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The frame's lines as one buffer: home, each line then clear-to-end-of-line, clear below. */
static int draw(struct top_screen *s, const char *text, size_t len)
{
	char *frame = NULL;
	size_t flen = 0;
	const char *p = text, *end = text + len;
	FILE *f = open_memstream(&frame, &flen);
	int lines = 0, err;

	if (!f)
		return -errno;
	fputs("\033[H", f);
	while (p < end && lines < s->height) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		/* no newline after the last row: the screen must not scroll */
		fprintf(f, "%s%.*s\033[K", lines ? "\r\n" : "", (int)n, p);
		lines++;
		p = nl ? nl + 1 : end;
	}
	fputs("\033[J", f);
	err = fclose(f) ? -errno : 0;
	if (!err)
		err = write_all(STDOUT_FILENO, frame, flen);
	free(frame);
	return err;
}

static int render(struct top_screen *s)
{
	struct top_opts *o = s->o;
	struct top_view_opts v = {
		.group = o->group, .sort = o->sort, .batch = !s->tty,
		.outstanding = o->trace.outstanding, .index = s->win.interval,
		.seconds = s->win.seconds, .total_seconds = s->total_seconds,
	};
	char scope[256], *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	km_scope_describe(&o->trace.scope, scope, sizeof(scope));
	v.scope = scope;
	if (s->tty) {
		v.width = s->width;
		v.max_rows = s->height > TOP_HEADER_LINES ? s->height - TOP_HEADER_LINES : 1;
		if (o->rows > 0 && o->rows < v.max_rows)
			v.max_rows = o->rows;
	} else {
		v.max_rows = o->rows >= 0 ? o->rows : 20;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	err = top_print(f, &s->delta, &s->total, &v);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && s->tty)
		err = draw(s, text, len);
	else if (!err && (fwrite(text, 1, len, stdout) != len || fflush(stdout)))
		err = -errno;
	free(text);
	if (err)
		km_error("cannot draw kmscope top's view: %s", strerror(-err));
	return err;
}

static void drop_models(struct top_screen *s)
{
	if (!s->have_models)
		return;
	report_model_free(&s->delta);
	report_model_free(&s->total);
	s->have_models = false;
}

/* Ends the session as Ctrl-C would: the loop checks km_exiting after every wake. */
static void stop_session(struct top_screen *s)
{
	s->quit = true;
	km_exiting = SIGINT;
}

static int view_frame(void *ctx, struct report_model *delta, struct report_model *total,
		      const struct report_window *win, double total_seconds, bool final)
{
	struct top_screen *s = ctx;
	int err = 0;

	drop_models(s);
	s->delta = *delta;
	s->total = *total;
	s->have_models = true;
	s->win = *win;
	s->total_seconds = total_seconds;
	/* at the end: the last part-interval in batch mode, so the snapshots add up */
	if (final && (s->tty || s->quit))
		return 0;
	err = render(s);
	if (!final && s->o->iterations && ++s->frames >= s->o->iterations)
		stop_session(s);
	return err;
}

static int view_input(void *ctx)
{
	struct top_screen *s = ctx;
	char keys[64];
	bool redraw = false;
	ssize_t n, i;

	if (resized && s->tty) {
		resized = 0;
		screen_size(s);
		redraw = true;
	}
	while (s->keys) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

		if (poll(&pfd, 1, 0) <= 0)
			break;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			stop_session(s); /* the terminal hung up */
			return 0;
		}
		n = read(STDIN_FILENO, keys, sizeof(keys));
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			switch (keys[i]) {
			case 'q':
			case 'Q':
				stop_session(s);
				return 0;
			case 'c':
				s->o->group = TOP_BY_SITE;
				break;
			case 'k':
				s->o->group = TOP_BY_CACHE;
				break;
			case 'm':
				s->o->group = TOP_BY_MODULE;
				break;
			case 's':
				do
					s->o->sort = (s->o->sort + 1) % TOP_SORT_NR;
				while (s->o->sort == TOP_SORT_OUTSTANDING && !s->o->trace.outstanding);
				break;
			case '\f': /* Ctrl-L */
				break;
			default:
				continue;
			}
			redraw = true;
		}
	}
	return redraw && s->have_models ? render(s) : 0;
}

/*
 * Warnings and errors while the view is up would be drawn over (or scrolled into) the
 * alternate screen and lost with it: they wait in a file and follow the restored screen.
 */
static void hold_stderr(struct top_screen *s)
{
	s->saved_stderr = -1;
	if (!isatty(STDERR_FILENO))
		return;
	s->held_stderr = tmpfile();
	if (!s->held_stderr)
		return;
	fflush(stderr);
	s->saved_stderr = dup(STDERR_FILENO);
	if (s->saved_stderr < 0 || dup2(fileno(s->held_stderr), STDERR_FILENO) < 0) {
		if (s->saved_stderr >= 0)
			close(s->saved_stderr);
		s->saved_stderr = -1;
		fclose(s->held_stderr);
		s->held_stderr = NULL;
	}
}

static void release_stderr(struct top_screen *s)
{
	char buf[4096];
	size_t n;

	if (!s->held_stderr)
		return;
	fflush(stderr);
	dup2(s->saved_stderr, STDERR_FILENO);
	close(s->saved_stderr);
	rewind(s->held_stderr);
	while ((n = fread(buf, 1, sizeof(buf), s->held_stderr)) > 0)
		if (write_all(STDERR_FILENO, buf, n))
			break;
	fclose(s->held_stderr);
	s->held_stderr = NULL;
}

static int view_start(void *ctx, int *input_fd)
{
	struct top_screen *s = ctx;
	struct sigaction sa = { .sa_handler = on_winch };
	struct termios raw;

	*input_fd = -1;
	if (!s->tty)
		return 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL); /* no SA_RESTART: poll wakes to redraw */
	screen_size(s);
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &s->saved)) {
		raw = s->saved;
		raw.c_lflag &= ~(ICANON | ECHO); /* ISIG stays: Ctrl-C is SIGINT */
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (!tcsetattr(STDIN_FILENO, TCSANOW, &raw)) {
			s->keys = true;
			*input_fd = STDIN_FILENO;
		}
	}
	if (write_all(STDOUT_FILENO, screen_enter, sizeof(screen_enter) - 1)) {
		if (s->keys)
			tcsetattr(STDIN_FILENO, TCSANOW, &s->saved);
		s->keys = false;
		km_error("cannot draw on the terminal: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	hold_stderr(s);
	tstp_saved = s->saved;
	tstp_raw = raw;
	tstp_keys = s->keys;
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
	sa.sa_handler = on_cont;
	sigaction(SIGCONT, &sa, NULL);
	return 0;
}

static void view_stop(void *ctx)
{
	struct top_screen *s = ctx;

	drop_models(s);
	if (!s->tty)
		return;
	signal(SIGWINCH, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	write_all(STDOUT_FILENO, screen_leave, sizeof(screen_leave) - 1);
	if (s->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &s->saved);
	s->keys = false;
	release_stderr(s);
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = {};
	struct top_screen s = { .o = &o };
	struct trace_view view = { .start = view_start, .frame = view_frame,
				   .input = view_input, .stop = view_stop, .ctx = &s };
	int err = top_opts_parse(&o, argc, argv), ret;

	if (err)
		return err > 0 ? KM_EXIT_OK : KM_EXIT_USAGE;
	s.tty = !o.batch && isatty(STDOUT_FILENO);
	o.trace.view = &view;
	ret = trace_main(&o.trace);
	/* CMD ended by our own stop (q, --iterations) is not CMD failing */
	if (s.quit && ret == 128 + SIGINT)
		ret = KM_EXIT_OK;
	return ret;
}
