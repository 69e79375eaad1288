# SPDX-License-Identifier: GPL-2.0
# pinaudit: built the libbpf-tools way (clang -target bpf, bpftool gen skeleton, Debian's libbpf).
#   make              the pinaudit binary (dynamic)
#   make STATIC=1     a fully static binary (libbpf.a, libelf.a, libz.a, glibc)
#   make deps         Debian packages, virtme-ng + virtiofsd, the kernel matrix (cache: PINAUDIT_CACHE)
#   make test         the VM matrix on every kernel, and beside it host unit tests (plain,
#                     ASan+UBSan) and the fuzzers for 10 s each
#   make fuzz         the libFuzzer targets (FUZZ_SECONDS each)
#   make demo         boots 6.12 and runs pinaudit --census -- fio on ext4, xfs and btrfs over brd
#   make vmlinux      regenerates bpf/vmlinux.h from a matrix kernel's BTF (VMLINUX_KVER, default 6.12)
#   make kmod         the fault-injection module for every kernel (scripts/kbuild), and its driver
#   make stress       10 minutes of mixed load with injected bugs, in 6.12 and 6.1 guests at once,
#                     then make xfstests with STRESS_XFSTESTS on ext4, xfs and btrfs
#   make census       docs/census.md: the census's pinning paths measured on every kernel
#   make xfstests     xfstests' direct-I/O subset (XFSTESTS) on ext4 and xfs, every kernel
#   make bench        overhead (fio on null_blk: untraced / empty hooks / pinaudit) and the 1 GiB
#                     scale case, one guest per kernel in turn (BENCH_KVERS, default 6.12 6.1),
#                     in instruction-counted time (tests/vm/run -i) on one vCPU: 6.1 does not
#                     bring a second vCPU up under -icount (it stops at "Booting SMP configuration");
#                     BENCH_ROUNDS, BENCH_SECS (3 and 3); BENCH_BEFORE=PATH: another build of
#                     pinaudit benched beside this one in every round, with its own empty
#                     hooks (bench/guest.sh); bench/report fails on a guest that did not
#                     finish. docs/bench/ keeps the BENCH lines of docs/performance.md's run

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := x86
VMLINUX_KVER ?= 6.12
KVERS ?= 5.10 6.1 6.12 7
BENCH_KVERS ?= 6.12 6.1
BENCH_ROUNDS ?= 3
BENCH_SECS ?= 3
PREFIX ?= /usr/local

CFLAGS ?= -g -O2
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Werror -std=gnu11
INCLUDES := -I$(OUTPUT) -Iinclude -Isrc
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -Ibpf -Iinclude

LDFLAGS += -pthread
ifeq ($(STATIC),1)
LDFLAGS += -static
LIBS := -Wl,-Bstatic -lbpf -lelf -lz -lzstd
else
LIBS := -lbpf -lelf -lz
endif

SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(SRCS))
BPF_SRCS := bpf/pinaudit.bpf.c
HDRS := $(wildcard include/*.h src/*.h)

.PHONY: all clean deps test test-vm census demo vmlinux kmod install static bench stress xfstests
all: pinaudit

$(OUTPUT):
	mkdir -p $@

$(OUTPUT)/pinaudit.bpf.o: $(BPF_SRCS) $(wildcard bpf/*.h) $(HDRS) | $(OUTPUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/pinaudit.skel.h: $(OUTPUT)/pinaudit.bpf.o
	$(BPFTOOL) gen skeleton $< name pinaudit_bpf > $@

# the snapshot's walk of the memmap: an object of its own, loaded without the audit's hooks
$(OUTPUT)/snapshot.bpf.o: bpf/snapshot.bpf.c bpf/folio.bpf.h $(HDRS) | $(OUTPUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/snapshot.skel.h: $(OUTPUT)/snapshot.bpf.o
	$(BPFTOOL) gen skeleton $< name snapshot_bpf > $@

$(OUTPUT)/%.o: src/%.c $(HDRS) $(OUTPUT)/pinaudit.skel.h $(OUTPUT)/snapshot.skel.h \
		$(OUTPUT)/version.h | $(OUTPUT)
	$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

# the version (scripts/version; a package build passes its own): .output/version.h changes
# only when the version does, so that a build from the same commit is not redone
PA_VERSION ?= $(shell scripts/version)
$(shell mkdir -p $(OUTPUT); v='#define PA_VERSION "$(PA_VERSION)"'; \
	[ "$$(cat $(OUTPUT)/version.h 2>/dev/null)" = "$$v" ] || echo "$$v" > $(OUTPUT)/version.h)

# relink when switching between static and dynamic builds: the file changes only then. It is
# rewritten only where pinaudit is built: a make of another target in the other mode (make
# kmod, make fuzz, while make test's guests run ./pinaudit) leaves the binary as it is. A
# relink renames the new binary into place: a guest that runs ./pinaudit meanwhile runs the
# old one or the new one, never half of one.
LINK_MODE := $(if $(filter 1,$(STATIC)),static,dynamic)
$(shell mkdir -p $(OUTPUT); [ -f $(OUTPUT)/link-mode ] || echo $(LINK_MODE) > $(OUTPUT)/link-mode)

$(OUTPUT)/link-mode: FORCE
	@[ "$$(cat $@ 2>/dev/null)" = $(LINK_MODE) ] || echo $(LINK_MODE) > $@

pinaudit: $(OBJS) $(OUTPUT)/link-mode
	$(CC) $(CFLAGS) $(LDFLAGS) $(OBJS) $(LIBS) -o $(OUTPUT)/pinaudit.new
	mv -f $(OUTPUT)/pinaudit.new $@

.PHONY: FORCE
FORCE:

deps:
	scripts/deps

# a workload the VM tests run: pins through io_uring, O_DIRECT, vmsplice
$(OUTPUT)/pinhold: tests/vm/progs/pinhold.c | $(OUTPUT)
	$(CC) $(CFLAGS) -static $< -o $@

# the census's paths: MSG_ZEROCOPY, kTLS, udmabuf, splice, O_DIRECT, io_uring, RDS, sockmap
# (tests/vm/t_census.sh)
$(OUTPUT)/census: tests/vm/progs/census.c | $(OUTPUT)
	$(CC) $(CFLAGS) -static $< -luring -o $@

# a minimal ublk server for the census's ublk path (tests/vm/t_census.sh)
$(OUTPUT)/ublksrv: tests/vm/progs/ublksrv.c | $(OUTPUT)
	$(CC) $(CFLAGS) -static $< -luring -lpthread -o $@

static:
	$(MAKE) STATIC=1 pinaudit

# The README's test command: everything from a fresh Debian 12 machine (as root).
test: deps
	$(MAKE) STATIC=1 pinaudit $(OUTPUT)/pinhold $(OUTPUT)/census $(OUTPUT)/ublksrv
	$(MAKE) kmod
	tests/run

# docs/census.md: the census's paths on every kernel of the matrix (tests/vm/t_census.sh)
census: deps
	$(MAKE) STATIC=1 pinaudit $(OUTPUT)/pinhold $(OUTPUT)/census $(OUTPUT)/ublksrv
	PINAUDIT_TESTS=census tests/vm/matrix
	scripts/census >docs/census.md.new && mv docs/census.md.new docs/census.md

test-vm: deps
	$(MAKE) STATIC=1 pinaudit $(OUTPUT)/pinhold $(OUTPUT)/census $(OUTPUT)/ublksrv
	$(MAKE) kmod
	tests/vm/matrix

# Benchmarks: one guest at a time (they would compete for the host's cores), then the tables.
bench: deps
	$(MAKE) STATIC=1 pinaudit $(OUTPUT)/pinhold
	rm -f $(OUTPUT)/bench-*.log
	for k in $(BENCH_KVERS); do \
		tests/vm/run -i -c 1 -t 3600 -m 3G $$k -- env KLABEL=$$k \
			BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_SECS=$(BENCH_SECS) \
			BENCH_BEFORE=$(BENCH_BEFORE) bench/guest.sh \
			| tee $(OUTPUT)/bench-$$k.log || exit 1; \
	done
	bench/report $(OUTPUT)/bench-*.log

# xfstests' direct-I/O subset (built by make deps) on every kernel, each test audited on its own
XFSTESTS ?= generic/208 generic/207 generic/647
XFSTESTS_FS ?= ext4 xfs
xfstests: deps
	$(MAKE) STATIC=1 pinaudit $(OUTPUT)/pinhold
	PINAUDIT_TESTS=xfstests PINAUDIT_XFSTESTS="$(XFSTESTS)" \
		PINAUDIT_XFSTESTS_FS="$(XFSTESTS_FS)" PINAUDIT_VM_TIMEOUT=5400 tests/vm/matrix

# make stress's xfstests: the longer direct-I/O, AIO, mmap-against-DIO and splice tests, btrfs too
STRESS_XFSTESTS ?= generic/113 generic/130 generic/198 generic/207 generic/208 generic/210 \
	generic/239 generic/240 generic/323 generic/591 generic/647

STRESS_SECS ?= 600
stress: deps
	$(MAKE) STATIC=1 pinaudit $(OUTPUT)/pinhold
	$(MAKE) kmod
	for k in 6.12 6.1; do \
		tests/vm/run -t $$(($(STRESS_SECS) + 600)) -m 3G $$k -- env KLABEL=$$k \
			tests/vm/stress.sh $(STRESS_SECS) >$(OUTPUT)/stress-$$k.log 2>&1 & \
		sleep 10; \
	done; wait; cat $(OUTPUT)/stress-*.log | grep -E '^(ok|not ok|STRESS|[0-9]+ passed)'; \
	! grep -q '^not ok' $(OUTPUT)/stress-*.log && grep -q '^[0-9]* passed, 0 failed' $(OUTPUT)/stress-6.12.log \
		&& grep -q '^[0-9]* passed, 0 failed' $(OUTPUT)/stress-6.1.log
	$(MAKE) xfstests XFSTESTS="$(STRESS_XFSTESTS)" XFSTESTS_FS="ext4 xfs btrfs"

# The README's first command: pinaudit's main job end to end, in a 6.12 guest.
demo: deps
	$(MAKE) STATIC=1 pinaudit
	tests/vm/run 6.12 -- tests/vm/demo.sh

-include tests/unit/unit.mk
-include tests/fuzz/fuzz.mk

vmlinux:
	tests/vm/run $(VMLINUX_KVER) -- bpftool btf dump file /sys/kernel/btf/vmlinux format c > $(OUTPUT)/vmlinux.h.new
	grep -q '__VMLINUX_H__' $(OUTPUT)/vmlinux.h.new && mv $(OUTPUT)/vmlinux.h.new bpf/vmlinux.h

kmod:
	$(MAKE) -C tests/kmod

install: pinaudit
	install -D -m 0755 pinaudit $(DESTDIR)$(PREFIX)/sbin/pinaudit
	install -D -m 0644 docs/pinaudit.8 $(DESTDIR)$(PREFIX)/share/man/man8/pinaudit.8
	install -D -m 0644 completions/pinaudit \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pinaudit
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/pinaudit/examples examples/*.fio
	install -D -m 0644 docs/pinaudit.schema.json \
		$(DESTDIR)$(PREFIX)/share/pinaudit/pinaudit.schema.json

clean:
	rm -rf $(OUTPUT) pinaudit
	$(MAKE) -C tests/kmod clean

.SECONDARY:
.DELETE_ON_ERROR:
