# shellcheck shell=bash
# What scripts/vm/test, run-test and guest-test share about a test file:
# where its source and binary are, the lines it declares, how its driver and
# binary are built. Sourced, with $repo set to the repository.
#
# A test declares, in a comment line of its source:
#   vm-args: ARGS                  more options for scripts/vm/run (--mem 5G)
#   vm-kernels: NAME... [-- WHY]   the kernels it runs in (default: every one);
#                                  elsewhere it is "1..0 # SKIP WHY"
#   vm-link: libkmscope [-- WHY]   built by the Makefile, linked with kmscope's library

# tests/vm/NAME.c, or the tests/live/NAME.c of a live test binary.
vm_test_source() {
	case $1 in
	*.c) echo "$1" ;;
	*) echo "$repo/tests/live/$(basename "$1").c" ;;
	esac
}

vm_test_binary() {
	case $1 in
	*.c) echo "$repo/tests/vm/build/$(basename "$1" .c)" ;;
	*) echo "$1" ;;
	esac
}

# The value of a "KEY:" line of the test's source (empty if none).
vm_test_decl() {
	local src
	src=$(vm_test_source "$1")
	[[ -f $src ]] || return 0
	sed -n "s/^.*$2:[[:space:]]*//p" "$src" | head -n1
}

# Succeeds if the test runs in kernel $2; otherwise prints why not.
vm_test_wants() {
	local decl names why k
	decl=$(vm_test_decl "$1" vm-kernels)
	[[ -z $decl ]] && return 0
	names=${decl%%--*}
	why=
	[[ $decl == *--* ]] && why=${decl#*--}
	why=${why# }
	for k in $names; do
		[[ $k == "$2" ]] && return 0
	done
	echo "not run in $2 (runs in: ${names% })${why:+: $why}"
	return 1
}

# Builds the test modules for kernel $1 against build tree $2 into
# tests/kmod/build/$1 and prints that directory.
vm_build_kmod() {
	local out=$repo/tests/kmod/build/$1
	mkdir -p "${out%/*}" || return 1
	# Two VM runs for one kernel at once (a test and a sweep) would build in one
	# directory together: one at a time, the second finds the modules made.
	(
		flock 8 || exit 1
		make -s -C "$repo/tests/kmod" KDIR="$2" OUT="$out" >&2
	) 8>"$out.lock" || return 1
	echo "$out"
}

# Compiles tests/vm/NAME.c when it or a test header changed.
vm_build_test() {
	local bin
	bin=$(vm_test_binary "$1")
	[[ $1 == *.c ]] || return 0
	mkdir -p "$repo/tests/vm/build"
	# "vm-link: libkmscope": it calls kmscope's own API, so the Makefile links it
	if [[ -n $(vm_test_decl "$1" vm-link) ]]; then
		make -s -C "$repo" "build/tests/vm/$(basename "$1" .c)" >&2 &&
			cp "$repo/build/tests/vm/$(basename "$1" .c)" "$bin"
		return
	fi
	if [[ ! -x $bin || $1 -nt $bin || -n $(find "$repo/tests" -name '*.h' -newer "$bin") ]]; then
		cc -Wall -Wextra -Werror -O2 -g -I"$repo/tests" -o "$bin" "$1" >&2 || return 1
	fi
}

# Exports what guest tests know of the kernel from build-kernel's output $1:
# KMSCOPE_VM_KERNEL_CONFIG (its .config) and KMSCOPE_VM_MODULES_DIR (its
# in-tree modules, lib/modules/RELEASE; unset for a kernel without any).
vm_export_kernel() {
	local mods
	export KMSCOPE_VM_KERNEL_CONFIG
	KMSCOPE_VM_KERNEL_CONFIG=$(sed -n 's/^config=//p' <<<"$1")
	mods=$(sed -n 's/^modules=//p' <<<"$1")
	if [[ -n $mods ]]; then
		export KMSCOPE_VM_MODULES_DIR=$mods
	else
		unset KMSCOPE_VM_MODULES_DIR
	fi
}
