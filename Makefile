# incept — top-level build. See README.md.
#   make deps            install build/test dependencies (apt-get, Debian 12)
#   make [all]           build/incept, build/incept-vmm, build/incept-agent, build/initrd.cpio, build/vmlinux
#   make test            every suite (unit, kernel config, fuzz smoke, bats, VM boots)
#   make SAN=1 test-host ASan+UBSan host binaries and their unit/host-side tests (build/san/)
#   make format | lint | install PREFIX=/usr/local | clean

SHELL := /bin/bash
PREFIX ?= /usr/local
DESTDIR ?=
SAN ?= 0
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

# The guest-side artefacts (agent, initrd, kernel) are never sanitized and always live in build/.
B := build
ifeq ($(SAN),1)
O := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT := -O1 -g
FORTIFY :=
else
O := build
SANFLAGS :=
OPT := -O2 -g
FORTIFY := -D_FORTIFY_SOURCE=2
endif

CC ?= cc
WARN := -Wall -Wextra -Wshadow -Wvla -Wformat=2 -Werror
CPPFLAGS_ALL := -I. -Icommon -DINCEPT_VERSION='"$(VERSION)"' -DINCEPT_COMMIT='"$(COMMIT)"'
CFLAGS_ALL := -std=gnu11 $(OPT) $(WARN) $(FORTIFY) -fstack-protector-strong -MMD -MP $(SANFLAGS) $(EXTRA_CFLAGS)
JSONC_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
# The runtime compiles seccomp filters (runtime/seccomp.c); the static agent never links it.
SECCOMP_LIBS := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)

COMMON_SRC := $(wildcard common/*.c)
OCI_SRC := $(wildcard oci/*.c)
RT_SRC := $(filter-out runtime/main.c,$(wildcard runtime/*.c))
VMM_SRC := $(filter-out vmm/main.c vmm/fuse/host_main.c,$(wildcard vmm/*.c vmm/virtio/*.c vmm/fuse/*.c))
AGENT_SRC := $(filter-out agent/main.c,$(wildcard agent/*.c))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
OCI_OBJ := $(call obj,$(OCI_SRC))
RT_OBJ := $(call obj,$(RT_SRC))
VMM_OBJ := $(call obj,$(VMM_SRC))
AGENT_HOST_OBJ := $(call obj,$(AGENT_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

HOST_BINS := $(O)/incept $(if $(wildcard vmm/main.c),$(O)/incept-vmm) \
	     $(if $(wildcard vmm/fuse/host_main.c),$(O)/incept-fuse-host)
GUEST := $(if $(wildcard agent/main.c),$(B)/incept-agent $(B)/initrd.cpio) \
	 $(if $(wildcard guest-kernel/build.sh),$(B)/vmlinux)

.PHONY: all host guest demo deps test test-host unit fuzz bats format lint install clean FORCE
all: host guest
host: $(HOST_BINS) $(UNIT_BIN)
guest: $(GUEST)

deps:
	bash scripts/install-deps.sh

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(JSONC_CFLAGS) -c $< -o $@

# The files that print or key on INCEPT_COMMIT are rebuilt when HEAD moves (a stamp rewritten
# only then), so --version, features and the seccomp cache key never name an older commit.
COMMIT_USERS := runtime/help.c runtime/features.c runtime/seccomp_cache.c
$(B)/commit.stamp: FORCE
	@mkdir -p $(B); echo '$(COMMIT)' | cmp -s - $@ 2>/dev/null || echo '$(COMMIT)' >$@
$(call obj,$(COMMIT_USERS)): $(B)/commit.stamp

$(O)/incept: $(call obj,runtime/main.c) $(RT_OBJ) $(OCI_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(JSONC_LIBS) $(SECCOMP_LIBS) -lm $(LDLIBS)

$(O)/incept-vmm: $(call obj,vmm/main.c) $(VMM_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lpthread

# The FUSE server on the host's /dev/fuse (its test mode; see docs/virtio-fs.md).
FUSE_OBJ := $(call obj,$(filter vmm/fuse/%,$(VMM_SRC)))
$(O)/incept-fuse-host: $(call obj,vmm/fuse/host_main.c) $(FUSE_OBJ) $(COMMON_OBJ)
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lpthread

# Objects named only as prerequisites of pattern rules: keep make from skipping those rules.
.SECONDARY: $(AGENT_HOST_OBJ) $(VMM_OBJ) $(RT_OBJ) $(OCI_OBJ) $(COMMON_OBJ)

# Unit tests: test_vmm_* link the VMM objects, test_agent_* the agent's (built for the host),
# everything else the runtime + oci objects. All link common/.
$(O)/tests/test_vmm_%: tests/unit/test_vmm_%.c $(VMM_OBJ) $(COMMON_OBJ) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(VMM_OBJ) $(COMMON_OBJ) -lpthread
$(O)/tests/test_agent_%: tests/unit/test_agent_%.c $(AGENT_HOST_OBJ) $(COMMON_OBJ) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(AGENT_HOST_OBJ) $(COMMON_OBJ)
$(O)/tests/test_%: tests/unit/test_%.c $(RT_OBJ) $(OCI_OBJ) $(COMMON_OBJ) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(JSONC_CFLAGS) -o $@ $< $(RT_OBJ) $(OCI_OBJ) $(COMMON_OBJ) $(JSONC_LIBS) \
		$(SECCOMP_LIBS) -lm

# Guest agent: static, musl when available, never sanitized.
MUSL_CC := $(shell command -v musl-gcc 2>/dev/null)
AGENT_CC := $(if $(MUSL_CC),$(MUSL_CC),$(CC))
AGENT_CFLAGS := -std=gnu11 -Os $(WARN) -I. -Icommon -static -DINCEPT_VERSION='"$(VERSION)"' \
		-ffunction-sections -fdata-sections -Wl,--gc-sections -Wl,-z,noseparate-code -s
$(B)/incept-agent: agent/main.c $(AGENT_SRC) $(COMMON_SRC) $(wildcard agent/*.h common/*.h)
	@mkdir -p $(dir $@)
	$(AGENT_CC) $(AGENT_CFLAGS) -o $@ agent/main.c $(AGENT_SRC) $(COMMON_SRC)

$(B)/initrd.cpio: $(B)/incept-agent scripts/mkinitrd.sh
	bash scripts/mkinitrd.sh $(B)/incept-agent $@

# The kernel: build.sh keeps its own cache keyed by its inputs, so this is cheap when nothing changed.
$(B)/vmlinux: FORCE
	bash guest-kernel/build.sh $@

# Fuzz targets (clang + libFuzzer + ASan/UBSan); fuzz_vmm_* link VMM sources, others oci + common.
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icommon
$(B)/fuzz/fuzz_vmm_%: tests/fuzz/fuzz_vmm_%.c $(VMM_SRC) $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(VMM_SRC) $(COMMON_SRC) -lpthread
$(B)/fuzz/fuzz_agent_%: tests/fuzz/fuzz_agent_%.c $(AGENT_SRC) $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(AGENT_SRC) $(COMMON_SRC)
# the runtime's parsers of what other programs send it (D-Bus replies from systemd)
$(B)/fuzz/fuzz_rt_dbus: tests/fuzz/fuzz_rt_dbus.c runtime/dbus.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< runtime/dbus.c $(COMMON_SRC)
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(OCI_SRC) $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) $(JSONC_CFLAGS) -o $@ $< $(OCI_SRC) $(COMMON_SRC) $(JSONC_LIBS)
fuzz: $(FUZZ_BIN)

# Every suite, with wall times and one summary line at the end.
test: all fuzz
	@bash tests/run.sh --bin $(O) all
# Unit + host-side suites only (what `make SAN=1 test-host` runs under ASan/UBSan).
test-host: host
	@bash tests/run.sh --bin $(O) host

# What the README's first command shows: the CLI and a microVM booting our kernel + agent.
demo: all
	@d=$$(mktemp -d) && mkdir -p $$d/rootfs/bin && set -x && \
	$(B)/incept --version && \
	cp /bin/busybox $$d/rootfs/bin/ && \
	for a in $$(/bin/busybox --list); do [ $$a = busybox ] || ln -s busybox $$d/rootfs/bin/$$a; done && \
	$(B)/incept spec --bundle $$d && \
	jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from $$(uname -n), a microVM running Linux $$(uname -r); echo I am PID $$$$"]' \
		$$d/config.json > $$d/c.json && mv $$d/c.json $$d/config.json && \
	printf '{"snapshot_dir": "%s/$(B)/snapshots"}\n' "$(CURDIR)" > $$d/incept.json && \
	INCEPT_CONFIG=$$d/incept.json $(B)/incept prepare && \
	time INCEPT_CONFIG=$$d/incept.json $(B)/incept --root $$d/state run --bundle $$d demo; \
	rc=$$?; rm -rf $$d; exit $$rc

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)
lint:
	clang-format --dry-run --Werror $(FORMAT_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -I common -I . $(filter %.c,$(FORMAT_FILES))

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/incept
	install -m 0755 $(B)/incept $(DESTDIR)$(PREFIX)/bin/incept
	$(if $(wildcard $(B)/incept-vmm),install -m 0755 $(B)/incept-vmm $(DESTDIR)$(PREFIX)/lib/incept/)
	$(if $(wildcard $(B)/incept-agent),install -m 0755 $(B)/incept-agent $(DESTDIR)$(PREFIX)/lib/incept/)
	$(if $(wildcard $(B)/initrd.cpio),install -m 0644 $(B)/initrd.cpio $(DESTDIR)$(PREFIX)/lib/incept/)
	$(if $(wildcard $(B)/vmlinux),install -m 0644 $(B)/vmlinux $(DESTDIR)$(PREFIX)/lib/incept/)
	install -d $(DESTDIR)/etc/incept
	[ -e $(DESTDIR)/etc/incept/config.json ] || \
		sed 's#@LIBDIR@#$(PREFIX)/lib/incept#g' config.example.json > $(DESTDIR)/etc/incept/config.json
	@# Build the snapshot every container starts from now, not at the first create.
	@if [ -z "$(DESTDIR)" ] && [ -c /dev/kvm ]; then $(PREFIX)/bin/incept prepare; \
	else echo "install: run 'incept prepare' on the target host to build the guest snapshot"; fi

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
