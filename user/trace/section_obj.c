// SPDX-License-Identifier: GPL-2.0
/* An opt-in section's BPF object beside the trace object (see trace/section_obj.h). */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/common.h"
#include "trace/section_obj.h"
#include "trace.skel.h"

int section_obj_load(struct bpf_object_skeleton *s, struct bpf_map *traced, const struct tracer *t,
		     const char *what)
{
	struct bpf_object *obj = *s->obj;
	static const char *const follow_progs[] = { "on_fork", "on_exit" };
	size_t i;
	int err;

	/* the trace object follows CMD's forks; this one reads the same map */
	for (i = 0; i < sizeof(follow_progs) / sizeof(follow_progs[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, follow_progs[i]);

		if (p)
			bpf_program__set_autoload(p, false);
	}
	err = bpf_map__reuse_fd(traced, bpf_map__fd(t->skel->maps.traced));
	if (!err) {
		struct bpf_map *ranges = bpf_object__find_map_by_name(obj, "ranges");

		if (ranges)
			err = bpf_map__reuse_fd(ranges, bpf_map__fd(t->skel->maps.ranges));
	}
	if (err) {
		km_error("cannot share trace's scope maps with the %s BPF object: %s", what,
			 strerror(-err));
		return err;
	}
	err = bpf_object__load_skeleton(s);
	if (err)
		km_error("this kernel rejected kmscope's %s BPF programs: %s (run with -v for the "
			 "verifier log)", what, strerror(-err));
	return err;
}

int section_obj_attach(struct bpf_object_skeleton *s, const char *tracepoints, int *exit_code)
{
	int err = bpf_object__attach_skeleton(s);

	if (err) {
		km_error("cannot attach to %s: %s (see `kmscope doctor`)", tracepoints,
			 strerror(-err));
		*exit_code = err == -EPERM ? KM_EXIT_FAILURE : KM_EXIT_NO_FEATURE;
	}
	return err;
}

__u64 section_obj_recursion_misses(struct bpf_object *obj)
{
	struct bpf_program *p;
	__u64 sum = 0;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_program__fd(p) >= 0 &&
		    !bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			sum += info.recursion_misses;
	}
	return sum;
}
