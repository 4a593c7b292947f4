# Every target bootstraps .venv on first use, so a fresh clone needs only `make demo` or `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo sandbox test test-pg bench lint docs clean chaos bench-link test-link

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,embedded-broker]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lockwarden demo

# A live city until Ctrl+C (docs/sandbox.md). `make sandbox SANDBOX_DIR=/some/dir CUSTOMER_EVERY=60`.
SANDBOX_DIR ?= lockwarden-sandbox
CUSTOMER_EVERY ?= 120
sandbox: $(STAMP)
	$(BIN)/lockwarden sandbox --dir $(SANDBOX_DIR) --customer-every $(CUSTOMER_EVERY)

# Two workers halve the wall time on a 2-core machine: most tests wait on a broker, a subprocess or a
# browser rather than compute. Every test starts its own Mosquitto on a free port and works in its own
# tmp_path, so workers share nothing. `make test TEST_WORKERS=0` runs them in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	scripts/ensure_packages.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) tests

# Only the tests that run on the PostgreSQL backend (tests/pgcluster.py starts the session's own cluster;
# `make test` runs them too, beside their SQLite twins).
test-pg: $(STAMP)
	scripts/ensure_packages.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) tests -k postgresql

# Seeded fault runs (tests/faults/chaos.py): SIGKILL/SIGSTOP of the broker, hub, police export and kits
# while kits produce; prints lost/duplicated/corrupt totals and recovery times. `make chaos SEEDS=200`.
SEEDS ?= 20
CHAOS_DURATION ?= 12
chaos: $(STAMP)
	$(BIN)/python -m tests.faults.chaos --seeds $(SEEDS) --duration $(CHAOS_DURATION)

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check protocol edge hub lockwarden tests bench scripts
	$(BIN)/mypy protocol edge hub lockwarden
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_translations.py

docs: $(STAMP)
	$(BIN)/python -m lockwarden.docs_render

clean:
	rm -rf $(VENV) build *.egg-info

# A job's evidence over a shaped 4G uplink between two network namespaces (needs root; skips otherwise).
bench-link: $(STAMP)
	$(BIN)/python -m bench link

# The slow shaped-link upload test (a minute of video, loss and a 30 s outage): not in `make test`.
test-link: $(STAMP)
	LOCKWARDEN_LINK_SLOW=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/link
