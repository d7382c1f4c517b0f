# SPDX-License-Identifier: GPL-2.0
# kmscope: BPF objects -> skeletons -> one binary; tests run by prove.
OUTPUT ?= build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/kmscope
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')

ifeq ($(SANITIZE),1)
CC := clang
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS := $(wildcard user/*/*.c)
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
LIB := $(OUTPUT)/libkmscope.a
UNIT_TESTS := $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/*.c))
LIVE_TESTS := $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(wildcard tests/live/*.c))
VMHOST_TESTS := $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(wildcard tests/vmhost/*.c))
LIBS := -lbpf -lelf -lz
INCLUDES := -D_GNU_SOURCE -Iinclude -Iuser -I$(OUTPUT)

.DELETE_ON_ERROR:
# Keep .bpf.o and skeletons between builds.
.SECONDARY:
.PHONY: all clean test test-unit test-live check check-kasan install uninstall man vmtest tests compile-test fuzz

all: $(OUTPUT)/kmscope

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests/unit $(OUTPUT)/tests/live $(OUTPUT)/tests/vmhost:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)BPFTOOL=$(BPFTOOL) scripts/gen-vmlinux-h $(VMLINUX_BTF) > $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/lib/*.h include/*.h) $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARNINGS) -Wno-unused-parameter \
		-Iinclude -I$(OUTPUT) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) $(INCLUDES) -MMD -MP -c $< -o $@

# The HTML report's CSS and JS as C arrays (html_<file>_<ext>), embedded by report/html.c.
HTML_ASSETS := $(wildcard user/report/html/*)
$(OUTPUT)/html_assets.h: $(HTML_ASSETS) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)set -e; for f in $(HTML_ASSETS); do \
		xxd -i -n html_$$(basename $$f | tr . _) $$f; done > $@
$(OUTPUT)/user/report/html.o: $(OUTPUT)/html_assets.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/kmscope: $(OUTPUT)/user/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/%.c $(wildcard tests/*.h tests/live/*.h tests/vm/*.h user/*/*.h include/*.h) $(LIB) | $(OUTPUT)/tests/unit $(OUTPUT)/tests/live $(OUTPUT)/tests/vmhost
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARNINGS) $(INCLUDES) -Itests $< $(LIB) $(LDFLAGS) $(LIBS) -o $@

tests: $(UNIT_TESTS) $(LIVE_TESTS) $(OUTPUT)/kmscope man

test-unit: $(UNIT_TESTS) $(OUTPUT)/kmscope man
	KMSCOPE=$(abspath $(OUTPUT)/kmscope) prove --exec '' $(UNIT_TESTS)

# Live tests need root and the running kernel's tracepoints; they find the binary via KMSCOPE.
test-live: $(LIVE_TESTS) $(OUTPUT)/kmscope
	KMSCOPE=$(abspath $(OUTPUT)/kmscope) prove --exec '' $(LIVE_TESTS)

test: tests
	KMSCOPE=$(abspath $(OUTPUT)/kmscope) prove --exec '' $(UNIT_TESTS) $(LIVE_TESTS)

# The kernel matrix under qemu (scripts/vm/build-kernel --list): tests/vm/*.c (the test
# driver, injection: what the host kernel lacks) and the live tests, in every kernel;
# then tests/vmhost/ on the host, which drive scripts/vm themselves (vm/sweep's reboots).
vmtest: $(OUTPUT)/kmscope $(LIVE_TESTS) $(VMHOST_TESTS)
	KMSCOPE=$(abspath $(OUTPUT)/kmscope) scripts/vm/test $(abspath $(LIVE_TESTS)) $(wildcard tests/vm/*.c); \
	rc=$$?; KMSCOPE=$(abspath $(OUTPUT)/kmscope) prove --exec '' $(VMHOST_TESTS) || rc=1; exit $$rc

# The KASAN sweep, a CI job of its own beside check (docs/sweep.md, "KASAN"): building
# test-6.12-kasan alone takes longer than check's 60 minutes on a fresh 2-core machine.
check-kasan: $(OUTPUT)/kmscope
	KMSCOPE=$(abspath $(OUTPUT)/kmscope) scripts/vm/test --kernel test-6.12-kasan tests/vm/test_sweep_kasan.c

# The BPF objects against every kernel's BTF we can get (scripts/compile-test says which),
# and the binary built from Debian 6.1's BTF running the live trace tests here.
compile-test:
	scripts/compile-test $(OUTPUT)/compile-test

# The whole suite: normal build, then again under ASan+UBSan, then the VM tier, then the
# compile test (after vmtest, so the VM kernels' vmlinux are there to compile against).
check: test
	$(MAKE) SANITIZE=1 OUTPUT=$(OUTPUT)/asan test
	$(MAKE) fuzz
	$(MAKE) vmtest
	$(MAKE) COMPILE_TEST_VM=1 compile-test

# libFuzzer targets (tests/fuzz/fuzz_*.c: the perf and ftrace text importers, the
# recording reader) with ASan+UBSan, built from the sources they fuzz; each runs
# FUZZ_TIME seconds from its seeds in tests/fuzz/corpus/<target>/ (new inputs go to
# $(OUTPUT)/fuzz/corpus-<target>, not the checkout).
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,$(OUTPUT)/fuzz/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRCS := user/replay/import_text.c user/replay/import_perf.c user/replay/import_ftrace.c \
	user/replay/site_syms.c user/replay/strmap.c user/replay/cache_names.c user/replay/htab.c \
	user/replay/recfile.c user/replay/recfile_codec.c \
	user/replay/detect.c user/replay/import_notes.c user/kernel/gfp.c user/kernel/ksyms.c \
	user/kernel/vmlinux_btf.c
FUZZ_TIME ?= 20
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h user/*/*.h) $(FUZZ_SRCS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $(WARNINGS) $(INCLUDES) -Itests $< $(FUZZ_SRCS) $(LIBS) -o $@

fuzz: $(FUZZ_TARGETS)
	$(Q)for t in $(FUZZ_TARGETS); do name=$${t##*/fuzz_}; mkdir -p $(OUTPUT)/fuzz/corpus-$$name; \
		$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -artifact_prefix=$(OUTPUT)/fuzz/$$name- $(OUTPUT)/fuzz/corpus-$$name \
			tests/fuzz/corpus/$$name 2>$(OUTPUT)/fuzz/$$name.log || \
			{ tail -40 $(OUTPUT)/fuzz/$$name.log; exit 1; }; \
		printf '  FUZZ     %s: %s\n' $$name "$$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' $(OUTPUT)/fuzz/$$name.log)"; \
	done

# The man pages: each command's from its option table (scripts/gen-man), for DOCDIR.
man: $(OUTPUT)/kmscope
	$(call msg,GEN,$(OUTPUT)/man)
	$(Q)scripts/gen-man $(OUTPUT)/kmscope docs/man $(OUTPUT)/man $(DOCDIR)

$(OUTPUT)/kmscope.bash: $(OUTPUT)/kmscope
	$(call msg,GEN,$@)
	$(Q)$(OUTPUT)/kmscope completion bash > $@

# tests/unit/test_install.c installs into a temporary DESTDIR and checks every file.
DOCS := README.md $(wildcard docs/*.md)
install: $(OUTPUT)/kmscope man $(OUTPUT)/kmscope.bash
	install -D -m 0755 $(OUTPUT)/kmscope $(DESTDIR)$(BINDIR)/kmscope
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)
	install -m 0644 $(OUTPUT)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -D -m 0644 $(OUTPUT)/kmscope.bash $(DESTDIR)$(BASHCOMPDIR)/kmscope
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kmscope $(DESTDIR)$(BASHCOMPDIR)/kmscope
	rm -f $(DESTDIR)$(MANDIR)/man1/kmscope.1 $(DESTDIR)$(MANDIR)/man1/kmscope-*.1
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	-rmdir $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/user/*.d $(OUTPUT)/user/*/*.d)
