// SPDX-License-Identifier: GPL-2.0
/*
 * empty_loader: load empty.bpf.o (no skeleton), attach every program in it,
 * print "attached" and wait for SIGINT/SIGTERM.  Used by scripts/bench.
 *
 * Usage: empty_loader PATH/empty.bpf.o
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0, err, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: empty_loader PATH/empty.bpf.o\n");
		return 2;
	}
	libbpf_set_print(quiet);
	/*
	 * Keep SIGINT/SIGTERM blocked except inside sigsuspend(): a signal that comes
	 * early (even before attach) is not lost, and the programs are always detached.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	obj = bpf_object__open_file(argv[1], NULL);
	err = libbpf_get_error(obj);
	if (err) {
		fprintf(stderr, "empty_loader: open %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "empty_loader: load: %s\n", strerror(-err));
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *l;

		if (n == MAX_LINKS) {
			fprintf(stderr, "empty_loader: too many programs\n");
			goto out;
		}
		l = bpf_program__attach(prog);
		err = libbpf_get_error(l);
		if (err) {
			fprintf(stderr, "empty_loader: attach %s: %s\n", bpf_program__name(prog),
				strerror(-err));
			goto out;
		}
		links[n++] = l;
	}
	printf("attached %d programs\n", n);
	fflush(stdout);
	while (!stop)
		sigsuspend(&orig);
	ret = 0;
out:
	while (n > 0)
		bpf_link__destroy(links[--n]);
	bpf_object__close(obj);
	return ret;
}
