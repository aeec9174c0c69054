"""The original's JSON formats, read and written exactly [orig hardmaru/WorldModelsExperiments].

* ``vae.json`` / ``rnn.json``: a list with one entry per trainable variable in creation order,
  nested lists in the variable's shape, values ``round(w * 10000)`` as ints (load divides by 1e4),
  encoded by ``to_ints`` / ``from_ints`` here and laid out by their models (``vae.read_vae_json``,
  ``mdnrnn.read_rnn_json``), which import this module and never the other way round.
* ``initial_z.json``: ``[mu, logvar]``, each a list of per-episode lists, ints scaled by 1e4.
* controller ``best.json``: ``[params, best_eval_reward]``; the run's ``.json``: params.
"""

from __future__ import annotations

import math
import reprlib
from pathlib import Path

import numpy as np

from worldmodels.fileio import WorldModelsError, atomic_write_json, read_json

SCALE = 10000.0  # [orig] json weights are round(w * 10000)


def to_ints(a: np.ndarray) -> list:
    return np.round(np.asarray(a, np.float64) * SCALE).astype(np.int64).tolist()


def from_ints(x, what: str, path: Path) -> np.ndarray:
    try:
        return np.asarray(x, np.float64).astype(np.float32) / SCALE
    except (ValueError, TypeError) as err:
        raise WorldModelsError(f"{path}: {what} is not a rectangular list of numbers ({err})") from err


def write_initial_z(path: str | Path, mu: np.ndarray, logvar: np.ndarray) -> None:
    assert mu.shape == logvar.shape and mu.ndim == 2, (mu.shape, logvar.shape)
    atomic_write_json(path, [to_ints(mu), to_ints(logvar)])


def read_initial_z(path: str | Path, z_size: int, step_hint: str = "series.py") -> tuple[np.ndarray, np.ndarray]:
    """``[mu, logvar]`` as float32 (N, z); a single pair is accepted as N = 1."""
    path = Path(path)
    if not path.is_file():
        raise WorldModelsError(f"no initial_z.json at {path}: run {step_hint} first")
    data = read_json(path, "initial_z.json")
    if not isinstance(data, list) or len(data) != 2:
        raise WorldModelsError(f"{path}: expected [mu, logvar]")
    mu, logvar = (np.atleast_2d(from_ints(x, "initial_z", path)) for x in data)
    if mu.shape != logvar.shape or mu.shape[1] != z_size:
        raise WorldModelsError(f"{path}: mu {mu.shape} / logvar {logvar.shape}, expected (N, {z_size})")
    return mu, logvar


def _controller_params(path: Path) -> np.ndarray:
    """The flat parameters of a ``best.json`` ([params, reward]), a run's ``<prefix>.json`` (the current
    mean, [params] [orig train.py]) or a plain params ``.json``; an empty array when the file holds no
    list, a one-line error when its list holds anything but finite numbers."""
    data = read_json(path, "controller file")
    if isinstance(data, list) and len(data) in (1, 2) and isinstance(data[0], list):
        data = data[0]
    if not isinstance(data, list):
        return np.zeros(0)
    bad = [x for x in data if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x)]
    if bad:
        raise WorldModelsError(f"{path}: a controller's parameters are finite numbers, this file holds "
                               f"{reprlib.repr(bad[0])}; give a best.json or params .json that train.py wrote")
    return np.asarray(data, np.float64)


def controller_size(path: str | Path) -> int:
    """How many parameters a controller file holds (0 when it is not a flat list of numbers)."""
    params = _controller_params(Path(path))
    return params.size if params.ndim == 1 else 0


def read_controller(path: str | Path, num_params: int) -> np.ndarray:
    """Parameters from a ``best.json`` ([params, reward]) or a plain params ``.json``."""
    path = Path(path)
    params = _controller_params(path)
    if params.ndim != 1 or params.size != num_params:
        raise WorldModelsError(f"{path}: controller has {params.size} parameters, this environment's C needs "
                               f"{num_params}; is it a controller for another environment?")
    return params


def write_best(path: str | Path, params: np.ndarray, reward: float) -> None:
    atomic_write_json(path, [np.asarray(params, np.float64).tolist(), float(reward)])
