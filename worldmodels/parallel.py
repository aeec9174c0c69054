"""Score many episodes on several local processes (``model.py ... norender --procs N``).

Episodes are split over the processes by seed; an episode's track and noise depend only on its
seed, and its sums not on the batch it is played in (worldmodels.rollout), so every ``procs`` plays
the same episodes with the same rewards.
Processes are spawned (not forked: no inherited TensorFlow or display state) with one BLAS
thread each, since N processes already fill N cores (unless OMP_NUM_THREADS etc. are set).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Protocol

import numpy as np

from worldmodels.fileio import WorldModelsError
from worldmodels.threads import ONE_THREAD

ONE_BLAS_THREAD = ONE_THREAD
"""Environment of a worker process: one BLAS thread [orig train.py mpi_fork] (worldmodels.threads)."""


@contextmanager
def child_environment(extra: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``extra`` while child processes are started; restored afterwards."""
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Evaluator(Protocol):
    """What ``make_evaluator`` builds: ``evaluate(params (n, P), seeds (n, E), max_len, train_mode)``
    -> (rewards (n, E), steps (n, E)), as ``estool.pool.Evaluator``; ``close()`` is optional."""

    def evaluate(self, params: np.ndarray, seeds: np.ndarray, max_len: int, train_mode: bool, /
                 ) -> tuple[np.ndarray, np.ndarray]: ...


def _evaluate_share(make_evaluator: Callable[[], Evaluator], params: np.ndarray, seeds: np.ndarray,
                    max_len: int) -> tuple[np.ndarray, np.ndarray]:
    evaluator = make_evaluator()
    try:
        return evaluator.evaluate(params, seeds, max_len, False)
    finally:
        close = getattr(evaluator, "close", None)
        if close is not None:
            close()


def evaluate_in_processes(make_evaluator: Callable[[], Evaluator], params: np.ndarray, seeds: np.ndarray,
                          max_len: int, procs: int) -> tuple[np.ndarray, np.ndarray]:
    """``make_evaluator()``'s ``evaluate(params (n, P), seeds (n, E), max_len)`` with the E episodes
    split over ``procs`` processes; returns rewards (n, E) and steps (n, E).

    ``make_evaluator`` must pickle (e.g. a ``functools.partial`` of a module-level class).
    """
    if procs < 1:
        raise WorldModelsError(f"--procs must be >= 1, got {procs}")
    params, seeds = np.atleast_2d(params), np.atleast_2d(seeds)
    assert params.shape[0] == seeds.shape[0], (params.shape, seeds.shape)
    shares = [cols for cols in np.array_split(np.arange(seeds.shape[1]), procs) if len(cols)]
    if len(shares) == 1:
        return _evaluate_share(make_evaluator, params, seeds, max_len)
    with child_environment({name: os.environ.get(name, one) for name, one in ONE_BLAS_THREAD.items()}), \
            ProcessPoolExecutor(len(shares), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_evaluate_share, make_evaluator, params, seeds[:, cols], max_len) for cols in shares]
        results = [future.result() for future in futures]
    rewards = np.concatenate([r for r, _ in results], axis=1)
    steps = np.concatenate([s for _, s in results], axis=1)
    return rewards, steps
