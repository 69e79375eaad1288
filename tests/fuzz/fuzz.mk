# SPDX-License-Identifier: GPL-2.0
# libFuzzer targets (clang -fsanitize=fuzzer, Debian's libclang-rt-14-dev), with ASan and UBSan:
#   make fuzz                    builds them and runs each for FUZZ_SECONDS (default 10)
#   .output/fuzz/fuzz_env CORPUS  runs one by hand (libFuzzer's own options apply)
# Included by the top-level Makefile (OUTPUT, INCLUDES, CFLAGS). The corpus of each target is
# seeded from tests/fuzz/corpus/TARGET and grows in .output/fuzz/corpus-TARGET.

FUZZ_DIR := tests/fuzz
FUZZ_OUT := $(OUTPUT)/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 10
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	      -Wall -Werror -std=gnu11 $(INCLUDES)
FUZZ_TARGETS := fuzz_env fuzz_ksyms fuzz_report
FUZZ_SRCS_fuzz_env := src/env.c
FUZZ_SRCS_fuzz_ksyms := src/ksyms.c src/symbolize.c
FUZZ_SRCS_fuzz_report := src/model.c src/json_writer.c src/report_json.c src/report_text.c \
			 src/report_ktap.c src/report_live.c src/report_util.c src/symbolize.c \
			 src/ksyms.c src/report_snapshot.c src/snapshot.c

$(FUZZ_OUT):
	mkdir -p $@

$(FUZZ_OUT)/%: $(FUZZ_DIR)/%.c $(HDRS) $(wildcard src/*.c) tests/unit/utf8_strict.h | $(FUZZ_OUT)
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_SRCS_$*) -o $@

.PHONY: fuzz fuzz-build
fuzz-build: $(patsubst %,$(FUZZ_OUT)/%,$(FUZZ_TARGETS))

# each target: FUZZ_SECONDS, its seeds, one summary line; a crash fails it (and keeps the input)
fuzz: fuzz-build
	@pass=0; fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_OUT)/corpus-$$t; \
		if $(FUZZ_OUT)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -close_fd_mask=3 \
			-artifact_prefix=$(FUZZ_OUT)/$$t- $(FUZZ_OUT)/corpus-$$t \
			$(FUZZ_DIR)/corpus/$$t >$(FUZZ_OUT)/$$t.log 2>&1; then \
			echo "ok - fuzz $$t: $$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' $(FUZZ_OUT)/$$t.log | tail -n1)s, corpus $$(ls $(FUZZ_OUT)/corpus-$$t | wc -l) inputs"; \
			pass=$$((pass + 1)); \
		else \
			echo "not ok - fuzz $$t:"; tail -n 30 $(FUZZ_OUT)/$$t.log; fail=$$((fail + 1)); \
		fi; \
	done; echo "$$pass passed, $$fail failed"; [ $$fail = 0 ]
