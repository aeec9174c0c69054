# Two commands for a fresh machine (pip only, no root, no display):
#   make demo   set up .venv, play the shipped Doom agent in the real game, write a video
#   make test   set up .venv and run the test suite
# Both are safe to run twice: the venv is rebuilt only when pyproject.toml or requirements.txt changes.
# pyproject.toml declares the dependencies; requirements.txt pins the versions tested together.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) doomrnn/model.py doomreal norender --episodes 8
	$(PY) doomrnn/model.py doomreal render --video doomrnn/videos/demo_real_seed0.mp4

# two processes: the core, then the environments (each pytest run prints its own summary)
test: $(STAMP)
	$(PY) -m pytest -q tests/estool tests/pipeline tests/envs $(wildcard tests/test_*.py)
	$(PY) -m pytest -q tests/doomrnn tests/carracing tests/atari tests/binpacking

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean-venv:
	rm -rf $(VENV)
