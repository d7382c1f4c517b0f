// SPDX-License-Identifier: GPL-2.0
/*
 * kmscope inject --backend debugfs: arm the kernel's own failslab / fail_page_alloc
 * knobs (Documentation/fault-injection/fault-injection.rst) instead of BPF.
 *
 * Unlike a BPF link, a knob stays armed when kmscope dies. So every knob (and every
 * make-it-fail) is saved to a state file before the first write, restored on every
 * exit path, and a state file whose owner is dead is restored by the next
 * `kmscope inject` or `kmscope doctor`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/child.h"
#include "core/common.h"
#include "core/session.h"
#include "inject.h"
#include "inject/debugfs.h"
#include "inject/injector.h"
#include "cmd/inject_opts.h"
#include "report/json.h"
#include "kernel/kmsg.h"
#include "kernel/ksyms.h"
#include "kernel/modules.h"
#include "module_scope.h"

#define DEBUGFS "/sys/kernel/debug"
#define MAX_KNOBS 32
#define VAL_LEN 40
#define TIMES_UNLIMITED 2147483647 /* INT_MAX, not -1: what is left tells how many failed */
#define STATE_MAGIC "kmscope-inject-debugfs 1"

struct knob {
	char path[96];
	char saved[VAL_LEN];
	char want[VAL_LEN];
	int fd; /* opened before arming: restoring must not need an allocation that may fail */
};

/* A task whose make-it-fail we set; starttime tells a reused pid apart. */
struct task_mark {
	char path[96];
	unsigned long long starttime;
	char saved[8];
};

struct debugfs_run {
	struct inject_opts *o;
	struct knob knobs[MAX_KNOBS];
	int nr_knobs;
	struct task_mark *tasks; /* every thread marked, none capped */
	int nr_tasks, cap_tasks;
	bool slab, page; /* armed */
	unsigned long range_start, range_end;
	bool state_saved;
	struct km_kmsg kmsg; /* the kernel's FAULT_INJECTION lines */
	struct km_inject_log log;
	int lock_fd; /* INJECT_DEBUGFS_LOCK, held (flock) for the whole run */
	double started;
	unsigned long long logged[2]; /* FAULT_INJECTION lines in the kernel log: slab, page */
	unsigned long long logged_unknown;
	long long failures[2];	      /* from what is left of 'times' */
};

/* ---- which rules the knobs can honour ---- */

static bool slab_kinds(const struct inject_opts *o)
{
	return o->kinds & ((1U << KM_INJECT_KMALLOC) | (1U << KM_INJECT_CACHE));
}

static bool page_kind(const struct inject_opts *o)
{
	return o->kinds & (1U << KM_INJECT_PAGE);
}

#define WHY(...) (snprintf(why, len, __VA_ARGS__), -EINVAL)

int inject_debugfs_expressible(const struct inject_opts *o, char *why, size_t len)
{
	unsigned int slab_bits = o->kinds & ((1U << KM_INJECT_KMALLOC) | (1U << KM_INJECT_CACHE));
	double pct = o->probability * 100, off = pct - (long)(pct + 0.5);

	if (o->dry_run)
		return WHY("--dry-run: the debugfs knobs cannot count without failing (use --backend bpf)");
	if (o->scope.cgroup)
		return WHY("--cgroup: the debugfs knobs have no cgroup filter");
	if (o->scope.all)
		return WHY("--all: the debugfs knobs cannot spare kmscope itself; give --pid, "
			   "'-- CMD' or --module/--caller with --stack");
	if ((o->scope.module || o->scope.caller) && !o->scope.stack)
		return WHY("--%s: the debugfs knobs match any stack frame, not the call site: "
			   "add --stack", o->scope.module ? "module" : "caller");
	if (o->scope.module && o->scope.caller)
		return WHY("--module with --caller: the debugfs knobs take one stack range");
	if (o->size_min || o->size_max != UINT32_MAX)
		return WHY("--size: the debugfs knobs have no size filter ('space' is a budget, "
			   "not a filter)");
	if (slab_bits && slab_bits != ((1U << KM_INJECT_KMALLOC) | (1U << KM_INJECT_CACHE)))
		return WHY("--allocator %s alone: failslab cannot tell kmalloc from "
			   "kmem_cache_alloc; use kmalloc,cache",
			   slab_bits & (1U << KM_INJECT_KMALLOC) ? "kmalloc" : "cache");
	if (page_kind(o) && o->order_max != INJECT_ORDER_MAX)
		return WHY("--order with a maximum: fail_page_alloc has min-order only; give "
			   "--order %u- (%u and above)", o->order_min, o->order_min);
	if (o->gfp_dma)
		return WHY("--gfp dma: the debugfs knobs have no zone filter");
	if (o->gfp_classes && o->gfp_classes != (INJECT_GFP_ATOMIC | INJECT_GFP_NOWAIT) &&
	    o->gfp_classes != (INJECT_GFP_SLEEPING | INJECT_GFP_ATOMIC | INJECT_GFP_NOWAIT))
		return WHY("--gfp: ignore-gfp-wait can only leave sleeping allocations out; use "
			   "atomic,nowait, or every class");
	if (o->seed_given)
		return WHY("--seed: the kernel draws --probability from its own random generator");
	if (o->has_probability && (off > 1e-9 || off < -1e-9))
		return WHY("--probability %g: the probability knob takes whole percents", o->probability);
	if (o->after)
		return WHY("--after: the debugfs knobs cannot skip matches");
	if (o->nth && !o->scope.cmd)
		return WHY("--nth: /proc/PID/fail-nth counts one task's fault-injection points, "
			   "so it needs '-- CMD'");
	if (o->nth && o->has_probability)
		return WHY("--nth with --probability: fail-nth has no probability");
	if (slab_kinds(o) && page_kind(o) && (o->every || o->times))
		return WHY("--%s: failslab and fail_page_alloc count separately; choose "
			   "--allocator kmalloc,cache or --allocator page", o->every ? "every" : "times");
	return 0;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int inject_debugfs_available(const struct inject_opts *o, char *why, size_t len)
{
	char miss[256] = "";
	size_t n = 0;

#define MISS(cfg) (n += snprintf(miss + n, n < sizeof(miss) ? sizeof(miss) - n : 0, "%s%s", \
				  n ? ", " : "", cfg))
	if (slab_kinds(o) && !exists(DEBUGFS "/failslab"))
		MISS("CONFIG_FAILSLAB");
	if (page_kind(o) && !exists(DEBUGFS "/fail_page_alloc"))
		MISS("CONFIG_FAIL_PAGE_ALLOC");
	if (n && !exists(DEBUGFS "/failslab") && !exists(DEBUGFS "/fail_page_alloc"))
		MISS("CONFIG_FAULT_INJECTION_DEBUG_FS");
	if ((o->scope.module || o->scope.caller) &&
	    !exists(DEBUGFS "/failslab/require-start") && !exists(DEBUGFS "/fail_page_alloc/require-start"))
		MISS("CONFIG_FAULT_INJECTION_STACKTRACE_FILTER");
	if ((o->scope.pid || o->scope.cmd) && !exists("/proc/self/make-it-fail"))
		MISS("CONFIG_FAULT_INJECTION");
#undef MISS
	if (!n)
		return 0;
	snprintf(why, len, "this kernel has no debugfs fault-injection knobs for this rule (it "
		 "needs %s; is debugfs mounted on " DEBUGFS "?)", miss);
	return -ENOTSUP;
}

/* ---- small file helpers ---- */

static int read_value(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* debugfs attribute files are not seekable (no pwrite); each write() sets the value anew. */
static int write_fd(int fd, const char *val)
{
	size_t n = strlen(val);

	if (write(fd, val, n) != (ssize_t)n)
		return -errno;
	return 0;
}

static int write_value(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = write_fd(fd, val);
	close(fd);
	return err;
}

/* Field 22 of /proc/PID[/task/TID]/stat: when the task started, in clock ticks. */
static unsigned long long starttime_of(const char *proc_dir)
{
	char path[96], buf[1024], *p;
	unsigned long long t = 0;
	int i;

	snprintf(path, sizeof(path), "%s/stat", proc_dir);
	if (read_value(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

/* ---- the lock and the state file: one run at a time, and what to put back ---- */

/* Two runs would each save the other's armed values as the ones to restore. */
static int take_lock(struct debugfs_run *r)
{
	if (mkdir("/run/kmscope", 0700) && errno != EEXIST) {
		km_error("cannot create /run/kmscope: %s", strerror(errno));
		return KM_EXIT_FAILURE;
	}
	r->lock_fd = open(INJECT_DEBUGFS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (r->lock_fd < 0) {
		km_error("cannot open '%s': %s", INJECT_DEBUGFS_LOCK, strerror(errno));
		return KM_EXIT_FAILURE;
	}
	if (flock(r->lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			km_error("another kmscope inject is using the fault-injection knobs (it holds "
				 "'%s'); wait for it to end", INJECT_DEBUGFS_LOCK);
		else
			km_error("cannot lock '%s': %s", INJECT_DEBUGFS_LOCK, strerror(errno));
		return KM_EXIT_FAILURE;
	}
	return 0;
}

static int state_write(const struct debugfs_run *r)
{
	char tmp[] = INJECT_DEBUGFS_STATE ".XXXXXX", self[32];
	FILE *f;
	int fd, i, err = 0;

	if (mkdir("/run/kmscope", 0700) && errno != EEXIST)
		return -errno;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	snprintf(self, sizeof(self), "/proc/%d", getpid());
	fprintf(f, "%s\nowner %d %llu\n", STATE_MAGIC, getpid(), starttime_of(self));
	/* probability first: restoring disarms before it touches the filters */
	for (i = 0; i < r->nr_knobs; i++)
		fprintf(f, "knob %s %s\n", r->knobs[i].path, r->knobs[i].saved);
	for (i = 0; i < r->nr_tasks; i++)
		fprintf(f, "task %s %llu %s\n", r->tasks[i].path, r->tasks[i].starttime,
			r->tasks[i].saved);
	if (fflush(f) || fsync(fd))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	/* link(), not rename(): whole and exclusive, never over another run's saved values */
	if (!err && link(tmp, INJECT_DEBUGFS_STATE))
		err = -errno;
	unlink(tmp);
	return err;
}

/* The task's make-it-fail, only if it is still the task we marked. */
static void task_restore(const char *path, unsigned long long starttime, const char *val)
{
	char dir[96];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (starttime_of(dir) == starttime)
		write_value(path, val);
}

/*
 * Puts back everything a state file lists; 1 done, 0 when its owner lives, -errno.
 * Knob writes come first, probability leading, so the system is disarmed at once.
 */
static int state_restore(const char *state_path, bool only_dead, pid_t *owner)
{
	char line[256], a[128], b[64], c[64];
	unsigned long long start;
	int pid, err = 0;
	FILE *f = fopen(state_path, "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (!fgets(line, sizeof(line), f) || strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)) ||
	    !fgets(line, sizeof(line), f) || sscanf(line, "owner %d %llu", &pid, &start) != 2) {
		fclose(f);
		return -EBADMSG;
	}
	*owner = pid;
	if (only_dead && pid > 0) {
		char dir[32];

		snprintf(dir, sizeof(dir), "/proc/%d", pid);
		if (kill(pid, 0) == 0 && starttime_of(dir) == start) {
			fclose(f);
			return 0;
		}
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "knob %127s %63s", a, b) == 2) {
			int e = write_value(a, b);

			if (e && e != -ENOENT && !err)
				err = e;
		} else if (sscanf(line, "task %127s %63s %63s", a, b, c) == 3) {
			task_restore(a, strtoull(b, NULL, 10), c);
		}
	}
	fclose(f);
	if (err)
		return err;
	return unlink(state_path) ? -errno : 1;
}

int inject_debugfs_recover(const char *state_path)
{
	pid_t owner = 0;
	int ret = state_restore(state_path, true, &owner);

	if (ret == 1)
		fprintf(stderr, "kmscope: restored the fault-injection knobs left armed by kmscope "
			"inject (pid %d), which did not exit cleanly\n", owner);
	else if (ret < 0)
		km_warn("cannot restore the fault-injection knobs saved in '%s': %s", state_path,
			strerror(-ret));
	return ret;
}

/* ---- the plan: which knob gets which value ---- */

static void knob_add(struct debugfs_run *r, const char *dir, const char *name, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

static void knob_add(struct debugfs_run *r, const char *dir, const char *name, const char *fmt, ...)
{
	struct knob *k;
	va_list ap;

	if (r->nr_knobs == MAX_KNOBS)
		return;
	k = &r->knobs[r->nr_knobs];
	snprintf(k->path, sizeof(k->path), DEBUGFS "/%s/%s", dir, name);
	if (!exists(k->path))
		return; /* stack filter knobs without CONFIG_FAULT_INJECTION_STACKTRACE_FILTER */
	va_start(ap, fmt);
	vsnprintf(k->want, sizeof(k->want), fmt, ap);
	va_end(ap);
	k->fd = -1;
	r->nr_knobs++;
}

static void plan_dir(struct debugfs_run *r, const char *dir, bool page)
{
	const struct inject_opts *o = r->o;
	bool ignore_wait = o->gfp_classes == (INJECT_GFP_ATOMIC | INJECT_GFP_NOWAIT);
	long pct = o->nth ? 0 : o->has_probability ? (long)(o->probability * 100 + 0.5) : 100;

	/* first, so restoring (which follows this order) disarms before anything else */
	knob_add(r, dir, "probability", "%ld", pct);
	knob_add(r, dir, "interval", "%llu", o->every ? (unsigned long long)o->every : 1ULL);
	knob_add(r, dir, "times", "%lld", o->times ? (long long)o->times : (long long)TIMES_UNLIMITED);
	knob_add(r, dir, "space", "0");
	knob_add(r, dir, "verbose", "1");
	knob_add(r, dir, "task-filter", "%s", o->scope.pid || o->scope.cmd ? "Y" : "N");
	knob_add(r, dir, "stacktrace-depth", "32");
	knob_add(r, dir, "require-start", "%#lx", r->range_start);
	knob_add(r, dir, "require-end", "%#lx", r->range_end);
	knob_add(r, dir, "reject-start", "0");
	knob_add(r, dir, "reject-end", "0");
	knob_add(r, dir, "ignore-gfp-wait", "%s", ignore_wait ? "Y" : "N");
	if (page) {
		knob_add(r, dir, "ignore-gfp-highmem", "N");
		knob_add(r, dir, "min-order", "%u", o->order_min);
	} else {
		knob_add(r, dir, "cache-filter", "N");
	}
}

/* The knobs take one stack range: the module's core text, or the function itself. */
static int scope_range(struct debugfs_run *r)
{
	const struct km_scope *s = &r->o->scope;

	r->range_start = 0;
	r->range_end = ULONG_MAX;
	if (s->module)
		return km_scope_module_core(s, &r->range_start, &r->range_end);
	if (s->caller) {
		r->range_start = s->caller_ranges[0].start;
		r->range_end = s->caller_ranges[0].end;
	}
	return 0;
}

/* Room for one more task mark: every thread is marked (and saved), none left out. */
static struct task_mark *task_new(struct debugfs_run *r)
{
	if (r->nr_tasks == r->cap_tasks) {
		int cap = r->cap_tasks ? 2 * r->cap_tasks : 64;
		struct task_mark *t = realloc(r->tasks, cap * sizeof(*t));

		if (!t)
			return NULL;
		r->tasks = t;
		r->cap_tasks = cap;
	}
	memset(&r->tasks[r->nr_tasks], 0, sizeof(r->tasks[0]));
	return &r->tasks[r->nr_tasks];
}

/* One task's make-it-fail, saved; 0, or -errno (the task is gone: -ENOENT). */
static int mark_task(struct debugfs_run *r, pid_t tgid, const char *tid)
{
	struct task_mark *t = task_new(r);
	char tdir[48];
	int err;

	if (!t)
		return -ENOMEM;
	snprintf(tdir, sizeof(tdir), "/proc/%d/task/%.16s", tgid, tid);
	snprintf(t->path, sizeof(t->path), "%s/make-it-fail", tdir);
	t->starttime = starttime_of(tdir);
	err = read_value(t->path, t->saved, sizeof(t->saved));
	if (!err)
		r->nr_tasks++;
	return err;
}

/* Every thread of --pid's process (make-it-fail is per task), or the one thread it named. */
static int mark_pid(struct debugfs_run *r, const struct km_scope *s)
{
	char dir[64], tid[16];
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (s->tid) {
		snprintf(tid, sizeof(tid), "%d", s->tid);
		return mark_task(r, s->tgid, tid);
	}
	snprintf(dir, sizeof(dir), "/proc/%d/task", s->tgid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		err = mark_task(r, s->tgid, de->d_name);
		if (err == -ENOENT)
			err = 0; /* a thread that exited meanwhile */
	}
	closedir(d);
	return err;
}

/* Opens and reads every knob, writes the state file: nothing is changed before this. */
static int save(struct debugfs_run *r)
{
	int i, err;

	for (i = 0; i < r->nr_knobs; i++) {
		struct knob *k = &r->knobs[i];

		err = read_value(k->path, k->saved, sizeof(k->saved));
		if (!err) {
			k->fd = open(k->path, O_WRONLY | O_CLOEXEC);
			err = k->fd < 0 ? -errno : 0;
		}
		if (err) {
			km_error("cannot open '%s': %s", k->path, strerror(-err));
			return KM_EXIT_FAILURE;
		}
	}
	err = state_write(r);
	if (err) {
		km_error("cannot save the knobs to '%s': %s", INJECT_DEBUGFS_STATE, strerror(-err));
		return KM_EXIT_FAILURE;
	}
	r->state_saved = true;
	return 0;
}

/* Filters first, probability last: the knobs are armed only once fully set. */
static int arm(struct debugfs_run *r)
{
	int i, err;

	for (i = r->nr_knobs - 1; i >= 0; i--) {
		err = write_fd(r->knobs[i].fd, r->knobs[i].want);
		if (err) {
			km_error("cannot write '%s' to '%s': %s", r->knobs[i].want, r->knobs[i].path,
				 strerror(-err));
			return KM_EXIT_FAILURE;
		}
	}
	return 0;
}

static int restore(struct debugfs_run *r)
{
	int i, err, ret = 0;

	if (!r->state_saved)
		return 0;
	for (i = 0; i < r->nr_knobs; i++) {
		err = r->knobs[i].fd >= 0 ? write_fd(r->knobs[i].fd, r->knobs[i].saved) : -EBADF;
		if (err) {
			km_error("cannot restore '%s' to '%s': %s (saved in %s)", r->knobs[i].path,
				 r->knobs[i].saved, strerror(-err), INJECT_DEBUGFS_STATE);
			ret = -EIO;
		}
	}
	for (i = 0; i < r->nr_tasks; i++)
		task_restore(r->tasks[i].path, r->tasks[i].starttime, r->tasks[i].saved);
	if (!ret) {
		unlink(INJECT_DEBUGFS_STATE);
		r->state_saved = false;
	}
	return ret;
}

/* ---- the log: the kernel's FAULT_INJECTION lines (verbose=1) ---- */

static void kmsg_drain(struct debugfs_run *r)
{
	struct km_kmsg_record rec;
	bool pending = false;

	if (r->kmsg.fd < 0)
		return;
	while (km_kmsg_read(&r->kmsg, &rec) == 1) {
		const char *name;
		int which = -1;

		/* "name failslab, ..." follows in the same record or the next one */
		if (km_kmsg_match(&rec, "FAULT_INJECTION: forcing a failure")) {
			if (pending)
				r->logged_unknown++;
			pending = true;
		}
		name = strstr(rec.text, "name ");
		if (pending && name) {
			if (!strncmp(name + 5, "failslab", 8))
				which = 0;
			else if (!strncmp(name + 5, "fail_page_alloc", 15))
				which = 1;
		}
		if (which < 0)
			continue;
		pending = false;
		r->logged[which]++;
		if (r->log.fn) {
			struct km_injection ev = {
				.time = km_now() - r->started,
				.injected = true,
				.failure = r->logged[0] + r->logged[1],
				.allocator = which ? "page" : "slab",
				.knob = which ? "fail_page_alloc" : "failslab",
				.order = -1, /* the kernel log does not say */
			};

			r->log.fn(r->log.ctx, &ev);
		}
	}
	if (pending)
		r->logged_unknown++;
}

/* Failures so far: what the 'times' budget lost. */
static void count_failures(struct debugfs_run *r)
{
	static const char *const dirs[] = { "failslab", "fail_page_alloc" };
	long long start = r->o->times ? (long long)r->o->times : TIMES_UNLIMITED;
	char path[96], val[VAL_LEN];
	int i;

	for (i = 0; i < 2; i++) {
		r->failures[i] = -1;
		if (!(i ? r->page : r->slab))
			continue;
		snprintf(path, sizeof(path), DEBUGFS "/%s/times", dirs[i]);
		if (!read_value(path, val, sizeof(val)))
			r->failures[i] = start - strtoll(val, NULL, 10);
	}
}

static const char *knobs_desc(const struct debugfs_run *r)
{
	return r->slab && r->page ? "failslab and fail_page_alloc knobs" :
	       r->slab		  ? "failslab knobs" :
				    "fail_page_alloc knobs";
}

static void fill_summary(struct debugfs_run *r, double seconds, struct km_inject_summary *sum)
{
	uint64_t total = 0, logged = r->logged[0] + r->logged[1];
	int i;

	for (i = 0; i < 2; i++)
		total += r->failures[i] > 0 ? r->failures[i] : 0;
	sum->backend = "debugfs";
	snprintf(sum->hooks, sizeof(sum->hooks), "debugfs (%s, restored)", knobs_desc(r));
	sum->seconds = seconds;
	sum->matched = KM_INJECT_UNKNOWN; /* the knobs count failures only */
	sum->failures = total;
	sum->failslab = r->slab ? (uint64_t)(r->failures[0] > 0 ? r->failures[0] : 0) :
				  KM_INJECT_UNKNOWN;
	sum->fail_page_alloc = r->page ? (uint64_t)(r->failures[1] > 0 ? r->failures[1] : 0) :
					 KM_INJECT_UNKNOWN;
	sum->logged = logged;
	if (r->kmsg.dropped)
		km_warn("%llu kernel-log records were overwritten before kmscope read them: "
			"failures among them are counted, not logged", (unsigned long long)r->kmsg.dropped);
	sum->lost_events = total > logged ? total - logged : 0;
	sum->has_seed = false;
	sum->other_sites = 0;
}

/* ---- run ---- */

static int on_input(void *ctx)
{
	kmsg_drain(ctx);
	return 0;
}

static void announce(const struct debugfs_run *r)
{
	const struct inject_opts *o = r->o;
	char scope[256], rule[256];

	km_scope_describe(&o->scope, scope, sizeof(scope));
	inject_describe_rule(o, rule, sizeof(rule));
	fprintf(stderr, "kmscope: injecting into %s: %s (backend debugfs: %s, saved to %s); %s\n",
		scope, rule, knobs_desc(r), INJECT_DEBUGFS_STATE,
		o->scope.cmd ? "the summary follows when it exits" : "Ctrl-C to stop");
	fflush(stderr);
}

/* Marks CMD (blocked before exec) or --pid's threads; saved in the state file already. */
static int mark_tasks(struct debugfs_run *r, pid_t child)
{
	char path[64], val[16];
	int i, err;

	for (i = 0; i < r->nr_tasks; i++) {
		err = write_value(r->tasks[i].path, "1");
		if (err) {
			km_error("cannot write '%s': %s", r->tasks[i].path, strerror(-err));
			return KM_EXIT_FAILURE;
		}
	}
	if (child && r->o->nth) {
		/* fail-nth is cleared at fork: it is CMD's own N-th, not its children's */
		snprintf(path, sizeof(path), "/proc/%d/fail-nth", child);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)r->o->nth);
		err = write_value(path, val);
		if (err) {
			km_error("cannot write '%s': %s", path, strerror(-err));
			return KM_EXIT_FAILURE;
		}
	}
	return 0;
}

int inject_debugfs_run(struct inject_opts *o, const struct km_inject_log *log,
		       struct km_inject_summary *sum)
{
	struct debugfs_run *r = calloc(1, sizeof(*r));
	struct km_child c = KM_CHILD_INIT;
	struct km_session session = {};
	int ret, err = 0, i, cmd_status = 0;
	char tid[16];
	pid_t owner = 0;
	double t0;

	if (!r) {
		km_error("out of memory");
		return KM_EXIT_FAILURE;
	}
	r->o = o;
	if (log)
		r->log = *log;
	r->kmsg.fd = -1;
	r->lock_fd = -1;
	ret = take_lock(r);
	if (ret)
		goto out;
	r->slab = slab_kinds(o);
	r->page = page_kind(o);
	if (state_restore(INJECT_DEBUGFS_STATE, true, &owner) == 0 && owner) {
		km_error("kmscope inject (pid %d) is using the fault-injection knobs", owner);
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	ret = km_scope_resolve(&o->scope, NULL, 1, 0);
	if (!ret)
		ret = scope_range(r);
	if (ret)
		goto out;
	if (o->scope.cmd) {
		ret = km_child__start(&c, o->scope.cmd);
		if (ret)
			goto out;
		/* blocked before exec: what it forks inherits make-it-fail */
		snprintf(tid, sizeof(tid), "%d", c.pid);
		err = mark_task(r, c.pid, tid);
	} else if (o->scope.pid) {
		err = mark_pid(r, &o->scope);
	}
	if (err) {
		km_error("cannot read the make-it-fail of %s: %s", o->scope.cmd ? o->scope.cmd[0] :
			 "--pid's threads", strerror(-err));
		ret = KM_EXIT_FAILURE;
		goto out;
	}
	if (r->slab)
		plan_dir(r, "failslab", false);
	if (r->page)
		plan_dir(r, "fail_page_alloc", true);
	err = km_kmsg_open(&r->kmsg);
	if (err)
		km_warn("cannot read /dev/kmsg (%s): failures are counted, not logged one by one",
			strerror(-err));
	err = 0;
	/* from here on every exit restores: SIGINT, SIGTERM, SIGHUP end the loop */
	km_catch_signals();
	signal(SIGPIPE, SIG_IGN);
	ret = save(r);
	if (!ret)
		ret = mark_tasks(r, c.pid);
	if (!ret)
		ret = arm(r);
	if (ret)
		goto out;
	r->started = km_now();
	t0 = r->started;
	announce(r);
	if (c.pid) {
		ret = km_child__go(&c, o->scope.cmd[0]);
		if (ret)
			goto out;
	}
	session.duration = o->duration;
	session.child = c.pid ? &c : NULL;
	session.tgid = o->scope.tgid;
	session.tid = o->scope.tid;
	if (r->kmsg.fd >= 0)
		session.fds[session.nr_fds++] = r->kmsg.fd;
	session.on_input = on_input;
	session.ctx = r;
	err = km_session_run(&session);
	/* disarm first, so 'times' (the failure count) stops moving before it is read */
	for (i = 0; i < r->nr_knobs; i++)
		if (strstr(r->knobs[i].path, "/probability"))
			write_fd(r->knobs[i].fd, "0");
	count_failures(r);
	/* after this nothing fails; then log what the kernel printed meanwhile */
	if (restore(r))
		err = -EIO;
	cmd_status = km_session_end_child(&session);
	kmsg_drain(r);
	if (err) {
		km_error("injection stopped: %s", strerror(-err));
	} else {
		fill_summary(r, km_now() - t0, sum);
		sum->stopped = km_session_stop_name(&session);
	}
	ret = err ? KM_EXIT_FAILURE : cmd_status;
out:
	if (restore(r) && !ret)
		ret = KM_EXIT_FAILURE;
	km_child__cleanup(&c);
	km_kmsg_close(&r->kmsg);
	if (r->lock_fd >= 0)
		close(r->lock_fd); /* after restore(): the next run finds the knobs as they were */
	for (i = 0; i < r->nr_knobs; i++)
		if (r->knobs[i].fd >= 0)
			close(r->knobs[i].fd);
	km_scope_free(&o->scope);
	free(r->tasks);
	free(r);
	return ret;
}
