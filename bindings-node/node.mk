# The Node package (bindings-node/, npm `open-connectors`), included by the root
# Makefile, which exports CARGO_BUILD_TARGET (the host triple, so cargo and napi share
# target/<triple>/), CARGO_TARGET_DIR and OC_SANDBOX_BIN.
#
#   make node-build   npm install (once per package-lock.json) + debug `napi build`
#   make test-node    tsc --noEmit, then node --test: the shared cases + Node checks
#   make demo-node    the TypeScript quickstart against a fresh sandbox
NODE_DIR := bindings-node
NODE_READY := $(NODE_DIR)/node_modules/.ready
NODE_TSC := node node_modules/typescript/bin/tsc

.PHONY: node-build test-node demo-node

# npm install, not npm ci: ci refuses the lock file on a fresh clone (build notes, pitfall 1).
$(NODE_READY): $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json
	cd $(NODE_DIR) && npm install --no-audit --no-fund
	touch $@

# Debug build: napi passes --target $(CARGO_BUILD_TARGET), so it reuses the artifacts
# of cargo test/clippy. Writes native.js, native.d.ts and open-connectors.<platform>.node.
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
