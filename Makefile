# careersim: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test baseline calibrate bench docs examples clean clean-cache

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -e '.[dev]'  # -qq: errors only (setuptools' note on editable installs is not ours)
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/careersim run scenarios/baseline.yaml --out reports/baseline

test: $(STAMP)
	$(BIN)/ruff check careersim tests benchmarks
	$(BIN)/ruff format --check careersim tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 tests

# fix what ruff can fix and format the code (then `make test`)
format: $(STAMP)
	$(BIN)/ruff check --fix careersim tests benchmarks
	$(BIN)/ruff format careersim tests benchmarks

# refresh tests/baseline.json, which `make test` checks: only when results are meant to change
# (say in the commit message what moved and why)
baseline: $(STAMP)
	$(BIN)/python -m tests.baseline --update

# calibrate the worked example (scenarios/calibration/targets.yaml) by ABC-SMC: at most 30 minutes on
# two cores, with progress and a time estimate per generation; run it again to continue after Ctrl-C or
# the time limit. Writes reports/calibration/ and installs the posterior, atomically, as
# scenarios/calibration/posterior.parquet, where a scenario names it ('calibration: {posterior: ...}')
CALIBRATION_MINUTES ?= 28
calibrate: $(STAMP)
	$(BIN)/careersim calibrate scenarios/calibration/targets.yaml --time-limit $(CALIBRATION_MINUTES) \
	  --out reports/calibration --install scenarios/calibration/posterior.parquet

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

docs: $(STAMP)
	$(BIN)/python -m careersim.reporting.reference

examples: $(STAMP)
	$(BIN)/python -m careersim.reporting.examples

# compiled code is cached per hash of the sources it depends on (careersim/core/compiled.py),
# so it is never stale; this only frees the space (bytecode and compiled code)
clean-cache:
	find careersim tests -name '__pycache__' -type d -prune -exec rm -rf {} +

clean: clean-cache
	rm -rf $(VENV) .pytest_cache build *.egg-info
