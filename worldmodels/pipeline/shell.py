"""The steps an environment folder runs unchanged, from a script of three lines.

A folder whose ``config.py`` holds a fixed ``SPEC`` (and the budgets ``VAE_EPOCHS``,
``VAE_FRAMES_PER_EPOCH``, ``RNN_EPOCHS`` and optionally ``RNN_STEPS_PER_EPOCH``) needs no body
of its own for V's and M's training, the series or M's check:

    # carracing/series.py: its docstring (the --help text), then under the main guard
    from worldmodels.pipeline.shell import run_step
    run_step("series", __file__, __doc__)

``run_step`` sets one math thread a process (before numpy loads), puts the repository root on the
path, loads ``<folder>.config`` (the folder the script lives in: the caller names it, the core
imports no environment on its own) and runs the step's ``script_main`` with the folder's budget,
through ``cli_main`` (``-q``/``-v``, one error line and exit 2). Scripts whose steps differ per
game (extract.py, train.py, model.py) keep their own bodies.

A folder whose models' sizes follow its data defines ``step_spec(step, argv) -> EnvSpec`` in its
config instead of relying on ``SPEC`` alone: the steps then use what it returns (binpacking: the bag
capacity of the recorded episodes).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

STEPS = ("vae_train", "series", "rnn_train", "rnn_check", "fit_heads", "fit_mask")


def _spec(config: ModuleType, step: str, argv: list[str]) -> Any:
    """The folder's EnvSpec for ``step``: ``config.step_spec(step, argv)`` where it has one, else ``config.SPEC``."""
    step_spec = getattr(config, "step_spec", None)
    return config.SPEC if step_spec is None else step_spec(step, argv)


def _vae_train(config: ModuleType, doc: str, argv: list[str]) -> Any:
    from worldmodels.pipeline import vae_train
    defaults = vae_train.defaults_for(_spec(config, "vae_train", argv), config.VAE_EPOCHS, config.VAE_FRAMES_PER_EPOCH)
    return vae_train.script_main(doc, defaults, argv)


def _series(config: ModuleType, doc: str, argv: list[str]) -> Any:
    from worldmodels.pipeline import series
    return series.script_main(doc, _spec(config, "series", argv), argv)


def _rnn_train(config: ModuleType, doc: str, argv: list[str]) -> Any:
    from worldmodels.pipeline import rnn_train
    defaults = rnn_train.defaults_for(_spec(config, "rnn_train", argv), config.RNN_EPOCHS,
                                      getattr(config, "RNN_STEPS_PER_EPOCH", None))
    return rnn_train.script_main(doc, defaults, argv)


def _rnn_check(config: ModuleType, doc: str, argv: list[str]) -> Any:
    from worldmodels.pipeline import rnn_check
    spec = _spec(config, "rnn_check", argv)
    return rnn_check.script_main(doc, spec.rnn, spec.paths.path("rnn"), spec.paths.path("series"), argv)


def _fit_heads(config: ModuleType, doc: str, argv: list[str]) -> Any:
    from worldmodels.pipeline import fit_heads
    spec = _spec(config, "fit_heads", argv)
    return fit_heads.script_main(doc, spec.rnn, spec.paths.path("rnn"), spec.paths.path("series"), argv)


def _fit_mask(config: ModuleType, doc: str, argv: list[str]) -> Any:
    from worldmodels.pipeline import fit_mask
    spec = _spec(config, "fit_mask", argv)
    return fit_mask.script_main(doc, spec.rnn, spec.paths.path("rnn"), spec.paths.path("series"), argv)


_RUNNERS: dict[str, Callable[[ModuleType, str, list[str]], Any]] = {
    "vae_train": _vae_train, "series": _series, "rnn_train": _rnn_train, "rnn_check": _rnn_check,
    "fit_heads": _fit_heads, "fit_mask": _fit_mask}


def run_step(step: str, script: str | Path, doc: str | None, argv: list[str] | None = None) -> None:
    """Run ``step`` for the environment folder ``script`` lives in (its ``config`` module)."""
    if step not in _RUNNERS:
        raise ValueError(f"unknown step {step!r}; one of {', '.join(STEPS)}")
    from worldmodels.threads import one_thread_per_process
    one_thread_per_process()  # before numpy loads; OMP_NUM_THREADS=N overrides
    folder = Path(script).resolve().parent
    if str(folder.parent) not in sys.path:
        sys.path.insert(0, str(folder.parent))  # the repository root: the folders are not installed
    config = importlib.import_module(f"{folder.name}.config")
    from worldmodels.fileio import cli_main
    cli_main(lambda args: _RUNNERS[step](config, doc or "", args), argv)
