# The Python package (bindings-python/), included by the root Makefile, which exports
# CARGO_BUILD_TARGET, CARGO_TARGET_DIR and OC_SANDBOX_BIN and defines PYTHON and VENV.
#
#   make python-build   debug build of the package, installed (editable) into .venv
#   make test-python    pytest (shared cases, sync + async, and the package's own tests), then mypy
#   make demo-python    the examples against a fresh sandbox

PY_DIR := $(CURDIR)/bindings-python
VENV_PY := $(VENV)/bin/python

.PHONY: python-build test-python demo-python

# The project-local virtualenv with the pinned build and test tools.
$(VENV)/.ready: $(PY_DIR)/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --disable-pip-version-check --quiet -r $(PY_DIR)/requirements-dev.txt
	touch $@

# maturin builds with cargo's `dev` profile into the shared artifact tree: it honours
# CARGO_BUILD_TARGET (its --target) and CARGO_TARGET_DIR, so the core and its
# dependencies are compiled once and reused. (It sets PYO3_* variables of its own, so
# pyo3 itself is recompiled, a few seconds, after a plain cargo build and back.)
python-build: $(VENV)/.ready
	cd $(PY_DIR) && VIRTUAL_ENV=$(VENV) $(VENV)/bin/maturin develop --profile dev

test-python: sandbox python-build
	cd $(PY_DIR) && $(VENV_PY) -m pytest -q
	cd $(PY_DIR) && $(VENV)/bin/mypy examples python/open_connectors tests

demo-python: sandbox python-build
	tests/with-sandbox.sh $(VENV_PY) $(PY_DIR)/examples/quickstart.py
	tests/with-sandbox.sh $(VENV_PY) $(PY_DIR)/examples/async_quickstart.py
	tests/with-sandbox.sh $(VENV_PY) $(PY_DIR)/examples/lifecycle.py
	tests/with-sandbox.sh $(VENV_PY) $(PY_DIR)/examples/hub.py

TEST_BINDINGS += test-python
DEMO_BINDINGS += demo-python
