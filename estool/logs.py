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
- ``es.pkl``         the checkpoint: one JSON header line naming the format and the library
                     versions that wrote it, then a pickled ``TrainState`` (optimiser, logs, best)

The checkpoint is the source of truth: on resume the JSON logs are rewritten from it, so a run
killed between two writes never shows a generation twice.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import pickle
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from estool.es import Optimizer
from estool.files import UsageError, atomic_path, atomic_write_json, read_json

logger = logging.getLogger(__name__)

CHECKPOINT_VERSION = 2
"""2: a JSON header line (format, library versions) before the pickle; 1: the bare pickle."""
_MAGIC = "estool-checkpoint"
_PICKLED_LIBRARIES = ("cma", "numpy")
"""Libraries whose objects live inside the pickle (pycma's optimiser, numpy arrays and generators):
another version of them may fail to unpickle it or restore a different state."""

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
    env_name: str = ""
    """The environment the run trains for (``<env>`` of the file names): a checkpoint copied to another
    environment's run is refused by name. "" in checkpoints written before it was recorded."""


def library_versions() -> dict[str, str]:
    """The versions that matter to a pickled ``TrainState``: Python and the pickled libraries."""
    versions = {"python": platform.python_version()}
    for name in _PICKLED_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def save_checkpoint(path: Path, state: TrainState) -> None:
    """Write ``state`` atomically: a JSON header line, then the pickle."""
    header = {"format": _MAGIC, "version": CHECKPOINT_VERSION, "libraries": library_versions()}
    with atomic_path(path) as tmp:
        tmp.write_bytes(json.dumps(header).encode() + b"\n" + pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))


def read_checkpoint_header(path: str | Path) -> dict[str, Any] | None:
    """The header of a version-2 checkpoint, or None for a version-1 (bare pickle) file."""
    with open(path, "rb") as f:
        first = f.readline(4096)
    if not first.startswith(b"{"):
        return None
    try:
        header = json.loads(first)
    except ValueError as err:
        raise UsageError(f"checkpoint {path} has a corrupt header ({err}); "
                               "re-run with --fresh to start over") from err
    if not isinstance(header, dict) or header.get("format") != _MAGIC:
        raise UsageError(f"{path} is not an estool checkpoint; re-run with --fresh to start over")
    return header


def load_checkpoint(path: Path) -> TrainState:
    """The ``TrainState`` in ``path``; one clear error naming the versions when it cannot be used."""
    try:
        header = read_checkpoint_header(path)
        data = Path(path).read_bytes()
    except OSError as err:
        raise UsageError(f"checkpoint {path} is unreadable ({err}); re-run with --fresh to start over") from err
    fresh = "re-run with --fresh to start over (the old files are moved aside, not deleted)"
    version: object  # what the header says: checked just below
    if header is None:
        written, version, payload = {}, 1, data
    else:
        written, version = header.get("libraries", {}), header.get("version")
        payload = data[data.index(b"\n") + 1:]
    if version not in (1, CHECKPOINT_VERSION):
        raise UsageError(f"checkpoint {path} has format version {version}; this estool reads versions 1 and "
                               f"{CHECKPOINT_VERSION}: use the estool that wrote it, or {fresh}")
    here = library_versions()
    differ = {k: (v, here.get(k)) for k, v in written.items() if here.get(k) != v}
    try:
        state = pickle.loads(payload)
    except Exception as err:  # any unpickling failure means the same to the user
        if differ:
            pins = " ".join(f"'{k}=={v}'" for k, (v, _) in differ.items() if k != "python")
            raise UsageError(
                f"checkpoint {path} was written with {_versions_text(written)} and cannot be read with "
                f"{_versions_text(here)} ({type(err).__name__}: {err}); install the versions that wrote it "
                f"(pip install {pins}) to resume, or {fresh}") from err
        raise UsageError(f"checkpoint {path} is unreadable ({type(err).__name__}: {err}); {fresh}") from err
    if not isinstance(state, TrainState) or state.version not in (1, CHECKPOINT_VERSION):
        raise UsageError(f"checkpoint {path} is not an estool training state; {fresh}")
    if differ:
        logger.warning("checkpoint %s was written with %s; resuming with %s", path, _versions_text(written),
                       _versions_text(here))
    return state


def _versions_text(versions: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))


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
        raise UsageError(f"{path} does not hold a list of parameters ({err})") from err
    if params.ndim != 1 or not np.all(np.isfinite(params)):
        raise UsageError(f"{path} does not hold a flat list of finite parameters (shape {params.shape})")
    if num_params is not None and params.size != num_params:
        raise UsageError(f"{path} holds {params.size} parameters, expected {num_params}")
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
