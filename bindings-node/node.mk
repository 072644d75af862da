# The Node package (bindings-node/, npm `open-connectors`), included by the root
# Makefile, which exports CARGO_BUILD_TARGET (the host triple, so cargo and napi share
# target/<triple>/), CARGO_TARGET_DIR and OC_SANDBOX_BIN.
#
#   make node-build   npm ci (once per package-lock.json) + debug `napi build`
#   make test-node    tsc --noEmit, then node --test: the shared cases + Node checks
#   make demo-node    the TypeScript quickstart against a fresh sandbox
NODE_DIR := bindings-node
NODE_READY := $(NODE_DIR)/node_modules/.ready
NODE_TSC := node node_modules/typescript/bin/tsc

.PHONY: node-build test-node demo-node

# npm ci: exactly the committed package-lock.json, which stays untouched. The package's
# own `install` script (install.js: compile the native module when it is missing) is
# skipped here: the tests build the debug module below. An EBADENGINE warning (a
# dependency that wants a newer Node than this machine's) fails the install: the lock
# file pins versions that run on the Node the package declares (`overrides` in package.json).
$(NODE_READY): $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json
	mkdir -p $(CARGO_TARGET_DIR)
	cd $(NODE_DIR) && OPEN_CONNECTORS_NO_NATIVE_BUILD=1 npm ci --no-audit --no-fund 2>&1 | tee $(CARGO_TARGET_DIR)/npm-ci.log
	! grep -q EBADENGINE $(CARGO_TARGET_DIR)/npm-ci.log || { echo "npm ci: EBADENGINE (above)"; exit 1; }
	touch $@

# Debug build: napi passes --target $(CARGO_BUILD_TARGET), so it reuses the artifacts
# of cargo test/clippy. Writes native.d.ts (committed: `make test` fails when it
# changes) and open-connectors.<platform>.node; native.js is the hand-written loader.
node-build: $(NODE_READY)
	cd $(NODE_DIR) && npm run build:debug

test-node: sandbox node-build
	cd $(NODE_DIR) && $(NODE_TSC) --noEmit -p tsconfig.json
	cd $(NODE_DIR) && node --test --test-reporter=spec __test__/*.test.mjs

demo-node: sandbox node-build
	cd $(NODE_DIR) && $(NODE_TSC) -p tsconfig.examples.json
	tests/with-sandbox.sh node $(NODE_DIR)/build/examples/quickstart.js
	tests/with-sandbox.sh node $(NODE_DIR)/examples/lifecycle.mjs
	tests/with-sandbox.sh node $(NODE_DIR)/examples/hub.mjs

TEST_BINDINGS += test-node
DEMO_BINDINGS += demo-node
