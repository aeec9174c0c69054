"""A training run's files and resumable state.

Files in ``log_dir``, prefix ``<env>.<optimizer>.<num_episode>.<popsize>.`` [orig train.py]:

- ``json``           ``[mean_params]``: the current mean (wrapped in a list as the original did,
                     so ``data[0]`` is the parameter list for this file and for ``best.json``)
- ``hist.json``      one row per generation: [gen, seconds, avg, min, max, std, rms_sigma,
                     mean_steps, max_steps]; gen counts from 1, seconds of training so far
- ``best.json``      ``[params, best_eval_reward]``: the best mean found by the evaluations
- ``log.json``       one row per evaluation: [gen, eval_reward, best_eval_reward]
- ``hist_best.json`` one row per evaluation in the original's layout: [gen, seconds,
                     "improvement", x, "curr", eval_reward, "prev", previous_best, "best", best]
- ``es.pkl``         the checkpoint: a pickled ``TrainState`` (optimiser, logs, best so far)

The checkpoint is the source of truth: on resume the JSON logs are rewritten from it, so a run
killed between two writes never shows a generation twice.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from estool.es import Optimizer
from worldmodels.fileio import WorldModelsError, atomic_path, atomic_write_json, read_json

CHECKPOINT_VERSION = 1

_SUFFIXES = {
    "json": "json",
    "hist": "hist.json",
    "best": "best.json",
    "log": "log.json",
    "hist_best": "hist_best.json",
    "checkpoint": "es.pkl",
}


@dataclass(frozen=True)
class RunFiles:
    prefix: str
    """Path prefix ending in '.', e.g. 'log/carracing.cma.16.64.'."""

    @classmethod
    def for_run(cls, log_dir: str | Path, env_name: str, optimizer: str, num_episode: int, popsize: int) -> RunFiles:
        return cls(str(Path(log_dir) / f"{env_name}.{optimizer}.{num_episode}.{popsize}."))

    def path(self, key: str) -> Path:
        return Path(self.prefix + _SUFFIXES[key])

    @property
    def checkpoint(self) -> Path:
        return self.path("checkpoint")

    def existing(self) -> list[Path]:
        return [self.path(k) for k in _SUFFIXES if self.path(k).exists()]

    def backup(self) -> list[Path]:
        """Move every existing file of this run to ``<name>.bak-<timestamp>``; never deletes."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = []
        for p in self.existing():
            target = p.with_name(f"{p.name}.bak-{stamp}")
            n = 1
            while target.exists():
                target, n = p.with_name(f"{p.name}.bak-{stamp}-{n}"), n + 1
            p.rename(target)
            moved.append(target)
        return moved


@dataclass
class TrainState:
    """Everything needed to continue a run after the last completed generation."""

    es: Optimizer
    num_params: int
    popsize: int
    optimizer: str
    generation: int = 0
    """Completed generations."""
    elapsed: float = 0.0
    """Seconds of training up to the end of ``generation`` (time between sessions not counted)."""
    prev_mean_steps: float = 0.0
    """Mean episode length of the last generation (for --cap_time)."""
    history: list[list[Any]] = field(default_factory=list)
    eval_log: list[list[Any]] = field(default_factory=list)
    hist_best: list[list[Any]] = field(default_factory=list)
    best_eval_reward: float | None = None
    best_eval_params: list[float] | None = None
    version: int = CHECKPOINT_VERSION


def save_checkpoint(path: Path, state: TrainState) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))


def load_checkpoint(path: Path) -> TrainState:
    try:
        state = pickle.loads(Path(path).read_bytes())
    except Exception as err:  # any unpickling failure means the same to the user
        raise WorldModelsError(f"checkpoint {path} is unreadable ({type(err).__name__}: {err}); "
                               "re-run with --fresh to start over") from err
    if not isinstance(state, TrainState) or state.version != CHECKPOINT_VERSION:
        raise WorldModelsError(f"checkpoint {path} is not a version {CHECKPOINT_VERSION} training state; "
                               "re-run with --fresh to start over")
    return state


def write_logs(files: RunFiles, state: TrainState) -> None:
    """(Re)write every JSON log from ``state``, each atomically."""
    atomic_write_json(files.path("json"), [_floats(state.es.current_param())])
    atomic_write_json(files.path("hist"), state.history)
    if state.best_eval_params is not None:
        atomic_write_json(files.path("best"), [state.best_eval_params, state.best_eval_reward])
    if state.eval_log:
        atomic_write_json(files.path("log"), state.eval_log)
        atomic_write_json(files.path("hist_best"), state.hist_best)


def load_params(path: str | Path, num_params: int | None = None) -> np.ndarray:
    """Parameters from a flat list, ``[params]`` (``json``) or ``[params, reward]`` (``best.json``)."""
    data = read_json(path, "parameter file")
    if isinstance(data, list) and data and isinstance(data[0], list):
        data = data[0]
    try:
        params = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise WorldModelsError(f"{path} does not hold a list of parameters ({err})") from err
    if params.ndim != 1 or not np.all(np.isfinite(params)):
        raise WorldModelsError(f"{path} does not hold a flat list of finite parameters (shape {params.shape})")
    if num_params is not None and params.size != num_params:
        raise WorldModelsError(f"{path} holds {params.size} parameters, expected {num_params}")
    return params


def _floats(x: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def hist_row(generation: int, seconds: float, fitness: np.ndarray, rms_sigma: float, steps: np.ndarray) -> list[Any]:
    """One ``hist.json`` row: [gen, seconds, avg, min, max, std, rms_sigma, mean_steps, max_steps]."""
    return [
        int(generation),
        round(float(seconds), 2),
        float(np.mean(fitness)),
        float(np.min(fitness)),
        float(np.max(fitness)),
        float(np.std(fitness)),
        float(rms_sigma),
        float(np.mean(steps)),
        int(np.max(steps)),
    ]
