# open-connectors: one Rust core, three packages. `make demo` and `make test` are the
# two commands a newcomer needs; everything they need is installed by them, into
# project-local places (target/, .venv/, bindings-node/node_modules/).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# One artifact tree for cargo, maturin and napi (napi always passes --target).
export CARGO_BUILD_TARGET ?= $(shell rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never
DEBUG_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/debug
# The sandbox binary every test runner starts.
export OC_SANDBOX_BIN := $(DEBUG_DIR)/oc-sandbox
PYTHON ?= python3
VENV := $(CURDIR)/.venv

.PHONY: help demo test lint test-rust sandbox demo-rust test-examples clean gen gen-check contract

help:
	@echo "make demo   start the sandbox and create instances through Rust, Python and Node"
	@echo "make test   every check: generated files, fmt, clippy, unit tests, doctests, the shared cases in all three languages"
	@echo "make gen    rewrite the generated files from the core's tables"

sandbox:
	cargo build -p open-connectors-sandbox --bin oc-sandbox

# The generated files of the bindings and docs/openapi.yaml, from the core's tables
# (settings, operations, models, errors): `make gen` writes them; `make test` fails
# when they are stale (gen-check writes nothing).
gen:
	cargo run -q -p open-connectors-gen

gen-check:
	cargo run -q -p open-connectors-gen -- --check

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: sandbox
	cargo test --workspace

demo-rust: sandbox
	cargo build -p open-connectors --example demo --example lifecycle --example hub
	tests/with-sandbox.sh cargo run -q -p open-connectors --example demo
	tests/with-sandbox.sh cargo run -q -p open-connectors --example lifecycle
	tests/with-sandbox.sh cargo run -q -p open-connectors --example hub
	cargo build -q -p open-connectors-cli
	tests/with-sandbox.sh bash -c '$(CLI_DEMO)'

# The command line (cli/) against a fresh sandbox: a few everyday commands.
OC_CLI := cargo run -q -p open-connectors-cli --
CLI_DEMO := set -e; \
  id=$$($(OC_CLI) instances create insightly --name "CLI demo" --tag cli --config username=claudeelements --config password=password | sed -n "s/^  \"id\": \([0-9]*\),/\1/p"); \
  echo "created instance $$id"; \
  $(OC_CLI) instances list --tag cli --all -o table; \
  $(OC_CLI) instances update "$$id" --name "CLI demo (EU)" --tag cli --tag eu -o table; \
  $(OC_CLI) elements configuration insightly -o table; \
  OPEN_CONNECTORS_API_SECRET=demo-secret $(OC_CLI) oauth url sfdc --api-key demo-key --callback-url https://app.example/cb -o table; \
  $(OC_CLI) --dry-run instances delete "$$id"; \
  $(OC_CLI) instances delete "$$id" -o table; \
  $(OC_CLI) instances get "$$id" || echo "instances get after delete: exit status $$? (5: not found)"

# The hub examples (an instance's contacts paged with OCNQL, a webhook received and
# verified) in all three languages, as part of `make test`: they assert what they print.
test-examples: sandbox python-build node-build
	cargo build -q -p open-connectors --example hub
	tests/with-sandbox.sh cargo run -q -p open-connectors --example hub
	tests/with-sandbox.sh $(VENV)/bin/python bindings-python/examples/hub.py
	tests/with-sandbox.sh node bindings-node/examples/hub.mjs
TEST_EXTRA += test-examples

clean:
	rm -rf target .venv bindings-node/node_modules dist

-include bindings-python/python.mk
-include bindings-node/node.mk
-include benches/bench.mk
-include fuzz/fuzz.mk
-include examples/connect/connect.mk
-include tests/install/install.mk

test: tree-snapshot gen-check lint test-rust contract $(TEST_BINDINGS) $(TEST_EXTRA) tree-unchanged
	@echo "make test: all checks passed"

# `make test` must leave the working tree as it found it: installs come from the lock
# files, generated files (native.d.ts too) are committed up to date, and nothing the
# tests write lands outside the ignored places (target/, .venv/, node_modules/, dist/).
# Compares `git status` before and after (so work in progress does not fail it).
TREE_BEFORE := $(CARGO_TARGET_DIR)/git-status-before-test.txt
.PHONY: tree-snapshot tree-unchanged
tree-snapshot:
	mkdir -p $(CARGO_TARGET_DIR)
	git status --porcelain --untracked-files=all >$(TREE_BEFORE) 2>/dev/null || : >$(TREE_BEFORE)
tree-unchanged:
	if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git status --porcelain --untracked-files=all | diff -u --label before $(TREE_BEFORE) --label after - \
	  || { echo "make test changed the working tree (diff of git status above): commit regenerated files, ignore new outputs"; exit 1; }; \
	fi

demo: demo-rust $(DEMO_BINDINGS)

# The emulator and the OpenAPI document generated from the operation table must agree:
# schemathesis (into .venv) runs a bounded, deterministic set of examples per route
# against a fresh sandbox (about 350 requests, a few seconds). Settings and the
# reasons for the checks it leaves out: tests/schemathesis.toml.
CONTRACT_READY := $(VENV)/.contract-ready
$(CONTRACT_READY): tests/requirements-contract.txt $(VENV)/.ready
	$(VENV)/bin/python -m pip install --disable-pip-version-check --quiet -r tests/requirements-contract.txt
	touch $@

# Run from target/contract: schemathesis keeps its cache in ./.schemathesis.
contract: sandbox $(CONTRACT_READY)
	mkdir -p $(CARGO_TARGET_DIR)/contract
	cd $(CARGO_TARGET_DIR)/contract && $(CURDIR)/tests/with-sandbox.sh bash -c '$(VENV)/bin/st --config-file $(CURDIR)/tests/schemathesis.toml run $(CURDIR)/docs/openapi.yaml \
	  --url "$$OPEN_CONNECTORS_BASE_URL" \
	  -H "Authorization: User $$OPEN_CONNECTORS_USER_SECRET, Organization $$OPEN_CONNECTORS_ORGANIZATION_SECRET" \
	  --max-examples 20 --generation-deterministic --no-shrink'

# Mutation testing of the core (cargo-mutants, into target/tools; settings in
# .cargo/mutants.toml): every mutant of core/src is built and tested with the core's
# and the generator's tests in a copy of the tree. Not part of `make test`: the whole core
# is about 1,030 mutants, some 2 hours on 2 cores with `-j 2`; `MUTANTS_ARGS=--iterate`
# re-tests only the mutants that are new or survived the last run in target/mutants
# (the figure below then counts that run only). Fails when fewer than
# MUTANTS_MIN_PERCENT of the viable mutants are caught; the survivors are listed in
# target/mutants/mutants.out/missed.txt.
# `make mutants MUTANTS_ARGS="-f core/src/redact.rs"` runs a part.
MUTANTS_BIN := $(CARGO_TARGET_DIR)/tools/bin/cargo-mutants
MUTANTS_MIN_PERCENT ?= 95
MUTANTS_ARGS ?=
.PHONY: mutants
$(MUTANTS_BIN):
	cargo install cargo-mutants --version 27.1.0 --locked --root $(CARGO_TARGET_DIR)/tools

mutants: $(MUTANTS_BIN)
	env -u CARGO_TARGET_DIR PATH="$(CARGO_TARGET_DIR)/tools/bin:$$PATH" \
	  cargo mutants --output $(CARGO_TARGET_DIR)/mutants $(MUTANTS_ARGS) || true
	@out=$(CARGO_TARGET_DIR)/mutants/mutants.out; \
	  caught=$$(wc -l < $$out/caught.txt); missed=$$(wc -l < $$out/missed.txt); \
	  timeout=$$(wc -l < $$out/timeout.txt); unviable=$$(wc -l < $$out/unviable.txt); \
	  viable=$$((caught + missed + timeout)); \
	  echo "mutants: $$caught caught, $$timeout timed out, $$missed missed of $$viable viable ($$unviable unviable)"; \
	  [ "$$viable" -gt 0 ] || { echo "mutants: nothing was tested"; exit 1; }; \
	  pct=$$(( (caught + timeout) * 100 / viable )); echo "mutants: $$pct% caught"; \
	  [ "$$missed" -eq 0 ] || { echo "missed:"; sed 's/^/  /' $$out/missed.txt; }; \
	  [ "$$pct" -ge $(MUTANTS_MIN_PERCENT) ] || { echo "mutants: below $(MUTANTS_MIN_PERCENT)%"; exit 1; }
