# Benchmarks (benches/), included by the root Makefile, which exports CARGO_BUILD_TARGET,
# CARGO_TARGET_DIR and OC_SANDBOX_BIN and defines PYTHON, VENV and DEBUG_DIR; the Python
# and Node makefiles (included before this one) define $(VENV)/.ready and $(NODE_READY).
#
#   make bench           release builds of everything, every client, both workloads (create,
#                        page), ~15 min: writes BENCHMARKS.md
#   make bench QUICK=1   the same builds, a few hundred calls and 20,000 records per client:
#                        writes target/bench/BENCHMARKS.quick.md (BENCH_OUT=... to choose)
#   make bench BENCH_ARGS="--workloads page"   one workload only (run.py's flags)
#   make bench-floor     the hand-off floor of each binding: calls that do nothing (seconds)
#   make bench-report    rewrites BENCHMARKS.md from the last full run's figures (after
#                        editing benches/PROFILE.md), running nothing
#   make bench-smoke     the smallest mode on the debug builds of `make test`, report to a
#                        temporary file: proves every program still runs (no timed checks)
#   make bench-gate      (in `make test`) callgrind instructions per call of four workloads on
#                        the release builds of `make dist`, against benches/instructions-baseline.json:
#                        fails when one grew by more than 10 % (about a minute)
#   make bench-baseline  rewrites that baseline on purpose (commit it, saying so)
#
# The release Python package is installed from its wheel into target/bench/py-site (put
# first on PYTHONPATH of the benchmark processes) and the release Node module is built
# into target/bench/node-build and staged as target/bench/node-stage/node_modules/open-connectors,
# so the debug builds that `make test` installs in .venv and bindings-node/ stay untouched.

BENCH_DIR := $(CARGO_TARGET_DIR)/bench
BENCH_RELEASE := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/release
BENCH_PYTHON := $(VENV)/bin/python
BENCH_PEERS := $(VENV)/.bench-peers
BENCH_STAGE := $(BENCH_DIR)/node-stage/node_modules/open-connectors
BENCH_MODE := $(if $(QUICK),quick,full)
BENCH_OUT ?= $(if $(QUICK),$(BENCH_DIR)/BENCHMARKS.quick.md,$(CURDIR)/BENCHMARKS.md)
BENCH_ARGS ?=

.PHONY: bench bench-build bench-peers bench-smoke bench-floor bench-report bench-gate bench-baseline bench-gate-build valgrind

# The Python peers (requests, httpx, aiohttp, httpr, pycurl, pyreqwest, orjson) in the project's .venv.
$(BENCH_PEERS): benches/requirements-bench.txt $(VENV)/.ready
	$(BENCH_PYTHON) -m pip install --disable-pip-version-check --quiet -r benches/requirements-bench.txt
	touch $@

# The Node peers (axios, undici) are devDependencies of bindings-node: $(NODE_READY) installs them.
bench-peers: $(BENCH_PEERS) $(NODE_READY)

# Release builds, each once: the sandbox, the Rust bench program, the wheel, the .node.
bench-build: bench-peers
	cargo build --release -p open-connectors-sandbox --bin oc-sandbox
	cargo build --release -p open-connectors --example bench_rust
	rm -rf $(BENCH_DIR)/wheels $(BENCH_DIR)/py-site $(BENCH_DIR)/node-build $(BENCH_DIR)/node-stage
	cd bindings-python && $(VENV)/bin/maturin build --release --interpreter $(BENCH_PYTHON) --out $(BENCH_DIR)/wheels
	$(BENCH_PYTHON) -m pip install --disable-pip-version-check --quiet --no-deps \
	  --target $(BENCH_DIR)/py-site $(BENCH_DIR)/wheels/*.whl
	cd bindings-node && npm run build -- --output-dir $(BENCH_DIR)/node-build
	mkdir -p $(BENCH_STAGE)
	cp bindings-node/package.json bindings-node/index.js bindings-node/runtime.js bindings-node/index.mjs \
	  bindings-node/native.js bindings-node/platform.js \
	  bindings-node/index.d.ts bindings-node/index.d.mts $(BENCH_DIR)/node-build/* $(BENCH_STAGE)/

bench: bench-build
	@uptime
	$(BENCH_PYTHON) benches/run.py --mode $(BENCH_MODE) --out $(BENCH_OUT) \
	  --json $(BENCH_DIR)/results-$(BENCH_MODE).json \
	  --sandbox $(BENCH_RELEASE)/oc-sandbox --rust-bin $(BENCH_RELEASE)/examples/bench_rust \
	  --python $(BENCH_PYTHON) --py-path $(BENCH_DIR)/py-site \
	  --node-root $(BENCH_DIR)/node-stage \
	  --wheel "$$(ls $(BENCH_DIR)/wheels/*.whl)" --py-so $(BENCH_DIR)/py-site/open_connectors/_native.abi3.so \
	  --node-binary "$$(ls $(BENCH_STAGE)/*.node)" $(BENCH_ARGS)
	@echo "bench: wrote $(BENCH_OUT)"

# The floor of each binding's hand-off: calls that do nothing, in turn (benches/floor.py;
# a few seconds). Its table is quoted in benches/PROFILE.md.
bench-floor: bench-build
	$(BENCH_PYTHON) benches/floor.py --python $(BENCH_PYTHON) --py-path $(BENCH_DIR)/py-site \
	  --node-root $(BENCH_DIR)/node-stage

# Rewrites BENCHMARKS.md from the figures of the last full run (after editing PROFILE.md).
bench-report:
	$(BENCH_PYTHON) benches/run.py --from-json $(BENCH_DIR)/results-full.json --out $(CURDIR)/BENCHMARKS.md

# The debug builds of `make test`: the .venv's editable package, bindings-node itself.
bench-smoke: sandbox python-build node-build $(BENCH_PEERS)
	cargo build -q -p open-connectors --example bench_rust
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	mkdir -p "$$tmp/node_modules" && ln -s "$(CURDIR)/bindings-node" "$$tmp/node_modules/open-connectors"; \
	$(BENCH_PYTHON) benches/run.py --mode smoke --out "$$tmp/BENCHMARKS.md" \
	  --sandbox $(OC_SANDBOX_BIN) --rust-bin $(DEBUG_DIR)/examples/bench_rust \
	  --python $(BENCH_PYTHON) --node-root "$$tmp"
	@echo "bench-smoke: every benchmark program ran"

TEST_EXTRA += bench-smoke

# The performance gate: user-space instructions per call (valgrind's callgrind, exact where
# wall-clock figures move by 2x on a shared host) of the Rust SDK's create_instance and
# pages of 200, Python's Client.create_instance and Node's createInstance, compared with
# the committed baseline; fails when one grew by more than 10 %. It measures the release
# artifacts `make dist` builds in every `make test` (DIST and NODE_STAGE: tests/install/install.mk):
# the wheel installed into target/gate/py-site, the staged Node package linked from
# target/gate/node, and the release bench_rust (which shares dist's release dependencies).
# Everything it writes is under target/gate, but for bench-baseline's baseline.
GATE_DIR := $(CARGO_TARGET_DIR)/gate
GATE_BASELINE := $(CURDIR)/benches/instructions-baseline.json
GATE_ARGS ?=
GATE_RUN = $(BENCH_PYTHON) benches/gate.py --sandbox $(OC_SANDBOX_BIN) --rust-bin $(BENCH_RELEASE)/examples/bench_rust \
  --python $(BENCH_PYTHON) --py-path $(GATE_DIR)/py-site --node-root $(GATE_DIR)/node --baseline $(GATE_BASELINE)
VALGRIND := /usr/bin/valgrind
# apt-get needs root: sudo only when we are not.
GATE_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian's valgrind, installed when missing (as `make chromium` installs the browser).
valgrind:
	@if command -v valgrind >/dev/null; then echo "valgrind: $$(valgrind --version)"; else \
	  echo "valgrind: installing Debian's valgrind package"; \
	  $(GATE_SUDO) apt-get update -qq && \
	  $(GATE_SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind && \
	  $(VALGRIND) --version; fi

bench-gate-build: dist sandbox valgrind
	cargo build -q --release -p open-connectors --example bench_rust
	rm -rf $(GATE_DIR)/py-site $(GATE_DIR)/node
	$(BENCH_PYTHON) -m pip install --disable-pip-version-check --quiet --no-deps --target $(GATE_DIR)/py-site $(DIST)/*.whl
	mkdir -p $(GATE_DIR)/node/node_modules
	ln -s $(NODE_STAGE) $(GATE_DIR)/node/node_modules/open-connectors

bench-gate: bench-gate-build
	@start=$$(date +%s); $(GATE_RUN) --json $(GATE_DIR)/results.json $(GATE_ARGS); \
	  echo "bench-gate: passed in $$(( $$(date +%s) - start )) s"

bench-baseline: bench-gate-build
	$(GATE_RUN) --write-baseline --repeat 3 --json $(GATE_DIR)/baseline-run.json $(GATE_ARGS)

TEST_EXTRA += bench-gate
