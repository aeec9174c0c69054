"""Episodes split over spawned processes come back in order and equal a one-process run."""

from __future__ import annotations

import os
from functools import partial

import numpy as np
import pytest

from worldmodels.fileio import WorldModelsError
from worldmodels.parallel import ONE_BLAS_THREAD, child_environment, evaluate_in_processes


class SeedEvaluator:
    """reward = sum(params) + seed; steps = the worker's pid (to see the split)."""

    def __init__(self, offset: float):
        self.offset = offset
        assert os.environ.get("OMP_NUM_THREADS") == "1" or os.getpid() == PARENT, "workers get one BLAS thread"

    def evaluate(self, params, seeds, max_len, train_mode):
        assert not train_mode and max_len == 7, (train_mode, max_len)
        rewards = params.sum(axis=1, keepdims=True) + seeds + self.offset
        return rewards, np.full(seeds.shape, os.getpid(), np.int64)


PARENT = os.getpid()


def test_episodes_are_split_in_order():
    params = np.array([[1.0, 2.0], [10.0, 20.0]])
    seeds = np.arange(10).reshape(2, 5) * 100
    expected = params.sum(axis=1, keepdims=True) + seeds + 0.5
    one, pids_one = evaluate_in_processes(partial(SeedEvaluator, 0.5), params, seeds, 7, 1)
    np.testing.assert_array_equal(one, expected)
    assert (pids_one == PARENT).all()
    three, pids = evaluate_in_processes(partial(SeedEvaluator, 0.5), params, seeds, 7, 3)
    np.testing.assert_array_equal(three, expected)
    assert len(np.unique(pids)) == 3 and PARENT not in pids, pids
    # more processes than episodes: one per episode
    _, pids = evaluate_in_processes(partial(SeedEvaluator, 0.5), params[:1], seeds[:1, :2], 7, 4)
    assert len(np.unique(pids)) == 2, pids


def test_bad_procs_and_environment_restored():
    with pytest.raises(WorldModelsError, match="--procs must be >= 1, got 0"):
        evaluate_in_processes(partial(SeedEvaluator, 0.0), np.zeros((1, 2)), np.zeros((1, 3), np.int64), 7, 0)
    before = {name: os.environ.get(name) for name in ONE_BLAS_THREAD}
    with child_environment(ONE_BLAS_THREAD):
        assert all(os.environ[name] == "1" for name in ONE_BLAS_THREAD)
    assert {name: os.environ.get(name) for name in ONE_BLAS_THREAD} == before
