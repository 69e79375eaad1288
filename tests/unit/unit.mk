# SPDX-License-Identifier: GPL-2.0
# Host unit tests (tests/unit/), included by the top-level Makefile, which provides OUTPUT, CC,
# CFLAGS, INCLUDES, OBJS and HDRS. No BPF and no root needed: they run on any build host.
#   make test-unit        .output/unit-tests, linked with the plain-C objects, run from the top
#   make test-unit-asan   the same tests and src/*.c modules compiled by clang with ASan and UBSan
#   make test-unit UNIT_FILTER=json/    only the test/subtest names containing json/
# Both run the built ./pinaudit for the command-line cases (test_env.c).

UNIT_DIR := tests/unit
UNIT_SRCS := $(wildcard $(UNIT_DIR)/*.c)
UNIT_HDRS := $(wildcard $(UNIT_DIR)/*.h)
# The modules the tests exercise. All plain C: main.c, hooks.c, kfeatures.c, kconsts.c and run.c
# (libbpf, the skeleton, fork/exec of the workload) stay out. test_plan.c alone opens the BPF
# object (the skeleton, never loaded) to find the programs a plan names: hence -lbpf.
UNIT_MODULES := model json_writer report_json report_text report_ktap report_live report_util \
		symbolize ksyms kcode env preempt plan hooktab snapshot owners report_snapshot
UNIT_OBJS := $(patsubst %,$(OUTPUT)/%.o,$(UNIT_MODULES))
UNIT_MODULE_SRCS := $(patsubst %,src/%.c,$(UNIT_MODULES))
UNIT_CFLAGS := -Wall -Wextra -Werror -I$(UNIT_DIR)
UNIT_LIBS := -lbpf -lelf -lz
UNIT_FILTER ?=

UNIT_ASAN_CC ?= clang
UNIT_ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -Wno-format-truncation is gcc's; clang -Werror refuses unknown warning options
UNIT_ASAN_CFLAGS := $(filter-out -Wno-format-truncation,$(CFLAGS)) $(UNIT_ASAN_FLAGS) \
		    -DUNIT_SANITIZED=1

$(OUTPUT)/unit-tests: $(UNIT_SRCS) $(UNIT_HDRS) $(UNIT_OBJS) $(OUTPUT)/pinaudit.skel.h | $(OUTPUT)
	$(CC) $(UNIT_CFLAGS) $(CFLAGS) $(INCLUDES) $(UNIT_SRCS) $(UNIT_OBJS) $(UNIT_LIBS) -o $@

$(OUTPUT)/unit-tests-asan: $(UNIT_SRCS) $(UNIT_HDRS) $(UNIT_MODULE_SRCS) $(HDRS) \
			   $(OUTPUT)/pinaudit.skel.h $(OUTPUT)/version.h | $(OUTPUT)
	$(UNIT_ASAN_CC) $(UNIT_CFLAGS) $(UNIT_ASAN_CFLAGS) $(INCLUDES) $(UNIT_SRCS) \
		$(UNIT_MODULE_SRCS) $(UNIT_LIBS) -o $@

.PHONY: test-unit test-unit-asan
test-unit: pinaudit $(OUTPUT)/unit-tests
	cd $(CURDIR) && PINAUDIT=./pinaudit $(OUTPUT)/unit-tests $(UNIT_FILTER)

test-unit-asan: pinaudit $(OUTPUT)/unit-tests-asan
	cd $(CURDIR) && PINAUDIT=./pinaudit ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1 $(OUTPUT)/unit-tests-asan $(UNIT_FILTER)
