# The "connect" example web app (examples/connect/), included by the root Makefile,
# which exports OC_SANDBOX_BIN and defines VENV; python.mk defines python-build.
#
#   make test-connect   mypy on the app, then a headless-Chromium test of it against a sandbox (part of `make test`)
#   make demo-connect   the app against a fresh sandbox, for a person with a browser (CONNECT_PORT=8000)
#
# The browser is Debian's Chromium (/usr/bin/chromium), installed by `make chromium`
# when missing; Playwright (playwright-core, pinned in package-lock.json) only drives
# it and never downloads a browser of its own.

CONNECT_DIR := examples/connect
CONNECT_READY := $(CONNECT_DIR)/node_modules/.ready
CHROMIUM := /usr/bin/chromium
# apt-get needs root: sudo only when we are not.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: chromium test-connect demo-connect

chromium:
	@if [ -x $(CHROMIUM) ]; then echo "chromium: $$($(CHROMIUM) --version 2>/dev/null)"; else \
	  echo "chromium: installing Debian's chromium package"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium && \
	  $(CHROMIUM) --version 2>/dev/null; fi

# npm install, not npm ci (as bindings-node/node.mk): playwright-core has no install
# script and downloads nothing.
$(CONNECT_READY): $(CONNECT_DIR)/package-lock.json $(CONNECT_DIR)/package.json
	cd $(CONNECT_DIR) && npm install --no-audit --no-fund
	touch $@

test-connect: sandbox python-build chromium $(CONNECT_READY)
	cd $(PY_DIR) && $(VENV)/bin/mypy $(CURDIR)/$(CONNECT_DIR)/app.py
	CONNECT_PYTHON=$(VENV)/bin/python CHROMIUM=$(CHROMIUM) \
	  tests/with-sandbox.sh node --test --test-reporter=spec --test-timeout=120000 $(CONNECT_DIR)/browser.test.mjs

CONNECT_PORT ?= 8000
demo-connect: sandbox python-build
	tests/with-sandbox.sh $(VENV)/bin/python $(CONNECT_DIR)/app.py --port $(CONNECT_PORT)

TEST_EXTRA += test-connect
