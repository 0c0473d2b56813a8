# Two commands matter: `make mock` and `make test`. Both set themselves up (a virtualenv in .venv from
# requirements.lock), so a fresh clone needs nothing but python3.11, make and (for lint) node/npm.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 4010
SPEC ?= spec/openapi.yaml

.PHONY: mock test check lint conformance bench fuzz diff setup clean browser generators install-check

setup: $(STAMP)

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

mock: $(STAMP)
	$(PY) -m mockserver serve --spec $(SPEC) --port $(PORT)

test: $(STAMP) browser generators check
	$(PY) -m pytest

# Lint and types first: a style or type error fails the run before the tests spend minutes.
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# SDK generators for tests/spec/test_generators.py: openapi-python-client in its own venv (its pins are not ours),
# openapi-typescript and tsc from tests/frontend/package-lock.json.
OPC := .tools/opc/bin/openapi-python-client
FRONTEND := tests/frontend/node_modules/.installed
generators: $(OPC) $(FRONTEND)

$(OPC):
	$(PYTHON) -m venv .tools/opc
	.tools/opc/bin/pip install --quiet --disable-pip-version-check openapi-python-client==0.29.1

$(FRONTEND): tests/frontend/package-lock.json
	npm ci --prefix tests/frontend --no-audit --no-fund --silent
	touch $@

# The wheel installs on the newest supported Python and its tools work from any directory (part of make test too).
install-check: $(STAMP)
	$(PY) -m pytest tests/test_packaging.py -q

# Headless Chromium and its driver from Debian for the browser tests (no browser download); skipped when present.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  echo "installing chromium and chromium-driver (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

lint: $(STAMP)
	$(PY) -m conformance.lint $(SPEC)

conformance: $(STAMP)
	$(PY) -m conformance run --against-mock --spec $(SPEC) --report conformance-report.md --junit-xml conformance-junit.xml

fuzz: $(STAMP)
	$(PY) -m conformance fuzz --spec $(SPEC)

bench: $(STAMP)
	$(PY) bench/run.py

diff: $(STAMP)
	$(PY) -m conformance diff $(OLD) $(NEW)

clean:
	rm -rf $(VENV) .tools
