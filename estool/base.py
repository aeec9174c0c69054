"""The optimisers' common ask/tell API, fitness shaping and weight decay (see ``estool.es``).

Fitness shaping (centred ranks) and weight decay are small module functions. Each optimiser applies
weight decay itself in ``tell`` (callers pass raw fitness); ``result.best_fitness`` is the best RAW
fitness seen. Sources: [orig] = hardmaru/WorldModelsExperiments and its estool es.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ----------------------------------------------------------------------------- shaping & decay


def compute_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks of a 1-D array in [0, len(x)) (0 = smallest); ties broken by position."""
    x = np.asarray(x)
    assert x.ndim == 1, x.shape
    ranks = np.empty(len(x), dtype=np.int64)
    ranks[np.argsort(x, kind="stable")] = np.arange(len(x))
    return ranks


def compute_centered_ranks(x: np.ndarray) -> np.ndarray:
    """Fitness shaping: ranks scaled to [-0.5, 0.5] (any shape; ranked over all elements).

    Tied values share their average rank (like ``scipy.stats.rankdata``), so equal fitness gets
    equal weight; the original broke ties by position, which biases the update when many
    candidates tie (e.g. equal survival times in Doom's dream).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size < 2:
        return np.zeros(x.shape)
    _, inverse, counts = np.unique(x.ravel(), return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts  # rank of each distinct value's first occurrence
    ranks = (first + (counts - 1) / 2.0)[inverse]
    return (ranks / (x.size - 1) - 0.5).reshape(x.shape)


def compute_weight_decay(weight_decay: float, params: np.ndarray) -> np.ndarray:
    """The L2 term to ADD to fitness: ``-weight_decay * mean(params**2, axis=1)`` (<= 0).

    Large weights lower fitness. (The original's CMAES wrapper got this sign wrong.)
    """
    params = np.asarray(params, dtype=np.float64)
    assert params.ndim == 2, params.shape
    return -float(weight_decay) * np.mean(params * params, axis=1)


def apply_weight_decay(fitness: np.ndarray, params: np.ndarray, weight_decay: float) -> np.ndarray:
    """``fitness + compute_weight_decay(...)``; a no-op for ``weight_decay == 0``."""
    fitness = np.asarray(fitness, dtype=np.float64)
    if weight_decay == 0:
        return fitness.copy()
    return fitness + compute_weight_decay(weight_decay, params)


# ----------------------------------------------------------------------------- common API


@dataclass(frozen=True)
class ESResult:
    best_params: np.ndarray
    """Candidate with the best raw fitness seen so far (the mean before the first tell)."""
    best_fitness: float
    """Its raw fitness (-inf before the first tell)."""
    mean: np.ndarray
    """Centre of the search distribution: what ``current_param()`` returns."""
    sigma: float
    """RMS of the per-parameter standard deviations (``rms_stdev()``)."""
    generation: int
    """Number of completed ``tell`` calls."""


class Optimizer:
    """Shared ask/tell bookkeeping; subclasses implement ``_sample``, ``_update`` and the getters."""

    def __init__(self, num_params: int, popsize: int, weight_decay: float, seed: int):
        if num_params < 1:
            raise ValueError(f"num_params must be >= 1, got {num_params}")
        if popsize < 2:
            raise ValueError(f"popsize must be >= 2, got {popsize}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.num_params = int(num_params)
        self.popsize = int(popsize)
        self.weight_decay = float(weight_decay)
        self.rng = np.random.default_rng(seed)
        self.generation = 0
        self._solutions: np.ndarray | None = None
        self._best_params: np.ndarray | None = None
        self._best_fitness = -np.inf

    # -- subclass hooks
    def _sample(self) -> np.ndarray:
        raise NotImplementedError

    def _update(self, solutions: np.ndarray, fitness: np.ndarray) -> None:
        raise NotImplementedError

    def current_param(self) -> np.ndarray:
        raise NotImplementedError

    def set_mu(self, params: np.ndarray) -> None:
        raise NotImplementedError

    def rms_stdev(self) -> float:
        raise NotImplementedError

    # -- public API
    def ask(self) -> np.ndarray:
        """Sample a population: ``[popsize, num_params]`` float64 (a copy; safe to modify)."""
        solutions = np.asarray(self._sample(), dtype=np.float64)
        assert solutions.shape == (self.popsize, self.num_params), solutions.shape
        self._solutions = solutions
        return solutions.copy()

    def tell(self, fitness: np.ndarray) -> None:
        """Report the raw fitness (higher is better) of the population from the last ``ask``."""
        if self._solutions is None:
            raise RuntimeError("tell() called without a preceding ask()")
        fitness = np.asarray(fitness, dtype=np.float64).reshape(-1)
        if fitness.shape != (self.popsize,):
            raise ValueError(f"fitness has shape {fitness.shape}, expected ({self.popsize},)")
        if not np.all(np.isfinite(fitness)):
            bad = np.flatnonzero(~np.isfinite(fitness))
            raise ValueError(f"fitness not finite for candidates {bad.tolist()}: {fitness[bad].tolist()}")
        i = int(np.argmax(fitness))
        if fitness[i] > self._best_fitness:
            self._best_fitness = float(fitness[i])
            self._best_params = self._solutions[i].copy()
        self._update(self._solutions, fitness)
        self._solutions = None
        self.generation += 1

    def best_param(self) -> np.ndarray:
        """Best candidate seen (raw fitness); the mean before the first ``tell``."""
        return (self._best_params if self._best_params is not None else self.current_param()).copy()

    @property
    def result(self) -> ESResult:
        return ESResult(
            best_params=self.best_param(),
            best_fitness=self._best_fitness,
            mean=self.current_param(),
            sigma=self.rms_stdev(),
            generation=self.generation,
        )

    def _check_mu(self, params: np.ndarray) -> np.ndarray:
        mu = np.array(params, dtype=np.float64).reshape(-1)
        if mu.shape != (self.num_params,):
            raise ValueError(f"set_mu: got {mu.shape[0]} params, expected {self.num_params}")
        return mu
