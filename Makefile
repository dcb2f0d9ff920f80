# stsui: `make demo` to try it, `make test` to check it. Both create .venv and install from PyPI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: test demo lint screenshots bench clean

$(VENV)/.ok-%: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "stsui needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$*]'
	@touch $@

lint: $(VENV)/.ok-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	@# bytecode up front: the suite starts stsui ~1,000 times, and where PYTHONDONTWRITEBYTECODE is set each
	@# start would compile every module again
	$(BIN)/python -m compileall -q stsui
	@# 4 workers on 2 cores: many tests wait on a subprocess, a socket or a terminal, not on the CPU
	$(BIN)/pytest -n 4 -p no:cacheprovider

demo: $(VENV)/.ok-demo
	$(BIN)/stsui demo

screenshots: $(VENV)/.ok-test
	$(BIN)/python scripts/export_screenshots.py

bench: $(VENV)/.ok-test
	@# stsui is measured as installed: bench.py builds it from this tree into benchmarks/.work/venv-stsui
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
