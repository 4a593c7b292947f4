# Every target bootstraps .venv on first use, so a fresh clone needs only `make demo` or `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,embedded-broker]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lockwarden demo

test: $(STAMP)
	scripts/ensure_packages.sh
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

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
