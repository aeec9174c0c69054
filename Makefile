# Two commands for a fresh machine (pip only, no root, no display):
#   make demo   set up .venv, play the shipped Doom agent in the real game, write a video
#   make test   set up .venv, lint (ruff) and type-check (mypy) the code, then run the test suite
# Both are safe to run twice: the venv is rebuilt only when pyproject.toml or requirements.txt changes.
# pyproject.toml declares the dependencies; requirements.txt pins the versions tested together.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck bench clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) doomrnn/model.py doomreal norender --episodes 8
	$(PY) doomrnn/model.py doomreal render --video doomrnn/videos/demo_real_seed0.mp4

# ruff and mypy first (seconds), then two processes: the core, then the environments (each pytest
# run prints its own summary)
test: $(STAMP) lint typecheck
	$(PY) -m pytest -q tests/estool tests/pipeline tests/envs tests/faults $(wildcard tests/test_*.py)
	$(PY) -m pytest -q tests/doomrnn tests/carracing tests/atari tests/binpacking

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# mypy over worldmodels/ and estool/ as pyproject.toml's [tool.mypy] sets it
typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean-venv:
	rm -rf $(VENV)

# Dopamine (binpacking/run_evaluation_dopamine.py, the bin-packing fork's Rainbow baseline) in a virtualenv
# of its own: it needs tensorflow, opencv-python and pygame, which would replace .venv's tensorflow-cpu,
# opencv-python-headless and pygame-ce. requirements-dopamine.txt pins it (about a minute to install).
DOPAMINE_VENV := .venv-dopamine
DOPAMINE_STAMP := $(DOPAMINE_VENV)/.installed
.PHONY: dopamine

dopamine: $(DOPAMINE_STAMP)

$(DOPAMINE_STAMP): requirements-dopamine.txt
	test -x $(DOPAMINE_VENV)/bin/python || $(PYTHON) -m venv $(DOPAMINE_VENV)
	$(DOPAMINE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DOPAMINE_VENV)/bin/python -m pip install --quiet -r requirements-dopamine.txt
	touch $(DOPAMINE_STAMP)

# The Atari fork's targets (its README: make observations GAME=CarRacing-v0, then vae, z-values,
# mdnrnn, controller, play), run on this project's scripts in the folder GAME names
# (worldmodels/make_targets.py: CarRacing-v0 -> carracing/, DoomTakeCover-v0 -> doomrnn/, Pong,
# PongNoFrameskip-v4, ALE/Pong-v5 -> atari/ --game ...). Nothing is downloaded.
ORIGINAL_STEPS := observations vae z-values mdnrnn controller play
GAME ?=
.PHONY: $(ORIGINAL_STEPS)

$(ORIGINAL_STEPS): setup
	$(PY) -m worldmodels.make_targets $@ "$(GAME)"
