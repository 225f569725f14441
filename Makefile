# SimBatch developer commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check-workflows pytest bench screenshots demo clean bundle test-bundle torture

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/simbatch

lint: $(STAMP)
	$(BIN)/ruff check desktop tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# The GitHub Actions workflows (actionlint, with shellcheck on their bash steps) and the shell
# scripts they and CI run.
check-workflows: $(STAMP)
	$(BIN)/actionlint -shellcheck $(BIN)/shellcheck .github/workflows/*.yml
	$(BIN)/shellcheck .ci/run packaging/*.sh packaging/*/*.sh

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test: lint typecheck check-workflows pytest

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py

# A PNG of each screen (demo workbook, a finished live and batch run against a loopback fake).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py artifacts/screenshots

# The full torture suite: 20 SIGKILLs per kill test and every combination of faults (CI runs a short form).
torture: $(STAMP)
	SIMBATCH_TORTURE_KILLS=20 SIMBATCH_TORTURE_FULL=1 QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest tests/torture tests/security --timeout=3600

demo: $(STAMP)
	$(BIN)/python scripts/make_demo_workbook.py resources/demo/scenarios.xlsx

$(VENV)/.bundle-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bundle]'
	@touch $@

# The Linux one-folder app (dist/simbatch/) and its .deb; prints the size and the start-up time.
bundle: $(VENV)/.bundle-installed
	PYTHON=$(abspath $(BIN)/python) packaging/build_bundle.sh
	PYTHON=$(abspath $(BIN)/python) packaging/make_deb.sh
	@echo "Start-up check from the bundle (target: main window shown in under 2 s):"
	QT_QPA_PLATFORM=offscreen dist/simbatch/simbatch --self-test

# Build, unpack the .deb into a scratch root and run the installed program there.
test-bundle: bundle
	packaging/test_bundle.sh

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
