// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "core/common.h"
#include "report/json.h"

bool km_json_output;
FILE *km_json_out;
bool km_verbose;
volatile sig_atomic_t km_exiting;
volatile sig_atomic_t km_signals;

static void on_signal(int sig)
{
	km_exiting = sig;
	km_signals++;
}

/*
 * SA_RESTART, so that a write blocked on a full stdout pipe goes on instead of failing
 * with EINTR (stdio would drop its buffer: a torn or lost report). The loops still
 * wake: poll(), epoll_wait() and nanosleep() return EINTR whatever the flag (signal(7)).
 */
void km_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

double km_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *capture;
static size_t capture_len;

void km_error_capture(char *buf, size_t len)
{
	capture = buf;
	capture_len = len;
	if (buf && len)
		buf[0] = '\0';
}

void km_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (capture) {
		if (!capture[0])
			snprintf(capture, capture_len, "%s", msg);
		return;
	}
	if (km_json_output) {
		FILE *out = km_json_out ? km_json_out : stdout;
		struct json_writer *jw = jw_new(out, false);

		if (jw) {
			jw_object_start(jw);
			jw_kv_string(jw, "error", msg);
			jw_object_end(jw);
			jw_newline(jw);
			jw_free(jw);
			fflush(out);
		}
	}
	fprintf(stderr, "kmscope: error: %s\n", msg);
}

void km_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmscope: warning: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

int km_preflight(void)
{
	if (!getenv("KMSCOPE_BTF") && access("/sys/kernel/btf/vmlinux", R_OK)) {
		km_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): kmscope needs "
			 "CONFIG_DEBUG_INFO_BTF=y, or KMSCOPE_BTF=FILE naming its BTF");
		return KM_EXIT_NO_FEATURE;
	}
	return km_check_caps();
}

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* This process's effective capabilities, from capget (not the uid: root may lack them). */
static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

int km_check_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &h, d)) {
		km_error("cannot read this process's capabilities: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	if (has_cap(d, CAP_SYS_ADMIN) || (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON)))
		return 0;
	km_error("permission denied: kmscope needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN "
		 "(this process has %s): run it as root",
		 has_cap(d, CAP_BPF) ? "CAP_BPF only" : has_cap(d, CAP_PERFMON) ?
		 "CAP_PERFMON only" : "none of them");
	return KM_EXIT_FAILURE;
}

/* Decimal digits, with one '.' when dot: no blanks, signs, hex, exponents or words. */
static bool decimal(const char *s, bool dot)
{
	bool digit = false;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digit = true;
		else if (*s == '.' && dot)
			dot = false;
		else
			return false;
	}
	return digit;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !decimal(s, false))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !decimal(s, true))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || !isfinite(v))
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

const char *human_bytes(uint64_t v, char *buf, int len)
{
	static const char units[] = "KMGTP";
	double d = v;
	int i = -1;

	if (v < 10000) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return buf;
	}
	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%c", d, units[i]);
	return buf;
}

void *km_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *grown;

	if (n < *cap)
		return v;
	if (want <= n || want > SIZE_MAX / size)
		return NULL;
	grown = realloc(v, want * size);
	if (grown)
		*cap = want;
	return grown;
}

char *km_read_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re"), *mem;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	if (mem)
		fclose(mem);
	fclose(f);
	return buf;
}
