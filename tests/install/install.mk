# Release artifacts and installing them as users do; included by the root Makefile,
# which exports CARGO_BUILD_TARGET, CARGO_TARGET_DIR and OC_SANDBOX_BIN and defines VENV.
#
#   make dist           release, stripped artifacts into dist/ (sizes printed):
#                         the abi3 wheel (pip install dist/*.whl, no Rust needed),
#                         the npm tarball with the prebuilt native module (npm install dist/*.tgz),
#                         the command line binary for this platform
#   make test-install   (in make test) installs them with cargo and rustc off PATH, and
#                       installs from the source folders: tests/install/run.sh

DIST := $(CURDIR)/dist
RELEASE_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/release
DIST_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
NODE_STAGE := $(CARGO_TARGET_DIR)/dist/node-package

.PHONY: dist test-install

# The wheel: maturin's release build, stripped. The Node module: the cdylib built the way
# `npm install` of the source folder builds it (bindings-node/install.js), stripped, in a
# staged copy of the package's `files`, packed by npm. The CLI: the release binary,
# stripped, from the same cargo invocation as the module (the Node crate links the CLI's
# library, so their dependencies' features agree and nothing is compiled twice).
dist: $(VENV)/.ready $(NODE_READY)
	rm -rf $(DIST) $(NODE_STAGE)
	mkdir -p $(DIST) $(NODE_STAGE)
	cd bindings-python && VIRTUAL_ENV=$(VENV) $(VENV)/bin/maturin build --release --strip --locked --quiet --out $(DIST)
	cargo build --release --locked -p open-connectors-node -p open-connectors-cli
	cd bindings-node && cp package.json README.md $$(node -p "require('./package.json').files.filter((f) => !f.includes('*')).join(' ')") $(NODE_STAGE)/
	strip --strip-unneeded -o $(NODE_STAGE)/open-connectors.$$(node -p "require('./bindings-node/platform.js').platformSuffix()").node \
	  $(RELEASE_DIR)/libopen_connectors_node.so
	cd $(NODE_STAGE) && npm pack --quiet --pack-destination $(DIST) >/dev/null
	strip --strip-unneeded -o $(DIST)/open-connectors-$(DIST_VERSION)-$(CARGO_BUILD_TARGET) $(RELEASE_DIR)/open-connectors
	@echo "dist/:"; cd $(DIST) && ls -l | awk 'NR > 1 { printf "  %-60s %6.1f MB\n", $$9, $$5 / 1e6 }'

test-install: dist sandbox
	tests/install/run.sh
TEST_EXTRA += test-install
