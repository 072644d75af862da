# Fuzzing (fuzz/, cargo-fuzz with libFuzzer, on the nightly toolchain), included by the
# root Makefile. cargo-fuzz is installed into target/tools; corpora and crash artifacts
# go to target/fuzz-corpus and target/fuzz-artifacts, so the tree stays clean.
#
#   make fuzz-smoke     every target for FUZZ_SMOKE_SECONDS (10) each: part of `make test`
#   make fuzz           every target for FUZZ_SECONDS (300) each
#
# A crash is saved under target/fuzz-artifacts/<target>/ and fails the run; turn it into
# a regular test (core's unit tests) before fixing it.

FUZZ_TARGETS := decode status_error inputs text
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TOOLS := $(CARGO_TARGET_DIR)/tools
CARGO_FUZZ := $(FUZZ_TOOLS)/bin/cargo-fuzz
FUZZ_DIR := $(CARGO_TARGET_DIR)/fuzz

.PHONY: fuzz fuzz-smoke fuzz-build

$(CARGO_FUZZ):
	cargo install cargo-fuzz --version 0.13.2 --locked --root $(FUZZ_TOOLS)

# cargo-fuzz passes its own --target: the exported CARGO_BUILD_TARGET is not for it.
fuzz-build: $(CARGO_FUZZ)
	env -u CARGO_BUILD_TARGET PATH="$(FUZZ_TOOLS)/bin:$$PATH" cargo +nightly fuzz build --target-dir $(FUZZ_DIR) -O

define fuzz_run
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(CARGO_TARGET_DIR)/fuzz-corpus/$$t $(CARGO_TARGET_DIR)/fuzz-artifacts/$$t; \
	  echo "fuzz: $$t for $(1) s"; \
	  env -u CARGO_BUILD_TARGET PATH="$(FUZZ_TOOLS)/bin:$$PATH" cargo +nightly fuzz run --target-dir $(FUZZ_DIR) -O $$t \
	    $(CARGO_TARGET_DIR)/fuzz-corpus/$$t fuzz/seeds/$$t -- \
	    -max_total_time=$(1) -artifact_prefix=$(CARGO_TARGET_DIR)/fuzz-artifacts/$$t/ -print_final_stats=1 2>&1 \
	    | grep -E '^(stat::number_of_executed_units|Done|==[0-9]+==|SUMMARY|.*panicked)' || exit 1; \
	done
endef

fuzz-smoke: fuzz-build
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))

TEST_EXTRA += fuzz-smoke
