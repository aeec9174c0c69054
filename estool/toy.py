"""A toy "environment" satisfying the ``Evaluator`` protocol, for tests and the ES demo.

Reward of an episode = -f(params - shift) + noise * N(0, 1), where f is the sphere or the
Rastrigin function and the noise is drawn from the episode's seed, so the same (params, seed)
always scores the same. Episode length depends on the seed and is cut at ``max_len``.

For tests of a dying or stalled MPI worker, the environment variables ``ESTOOL_TOY_DIE`` and
``ESTOOL_TOY_STALL`` ("RANK:CALL") make the evaluator of MPI rank RANK kill its own process
(SIGKILL, as the out-of-memory killer would) or sleep for good at its CALL-th evaluate() call
(``hooks_for_rank``); outside the environment, the re-run of the same command line resumes.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

import numpy as np

PROBLEMS = ("sphere", "rastrigin")


def sphere(x: np.ndarray) -> np.ndarray:
    """Sum of squares per row of [n, P]; minimum 0 at the origin."""
    return np.sum(x * x, axis=1)


def rastrigin(x: np.ndarray) -> np.ndarray:
    """Rastrigin per row of [n, P]: 10 P + sum(x^2 - 10 cos(2 pi x)); minimum 0 at the origin."""
    return 10.0 * x.shape[1] + np.sum(x * x - 10.0 * np.cos(2 * np.pi * x), axis=1)


@dataclass(frozen=True)
class ToyProblem:
    name: str = "sphere"
    """sphere or rastrigin."""
    shift: float = 0.5
    """Optimum at params = shift (every coordinate), so the all-zero start is not optimal."""
    noise: float = 0.0
    """Standard deviation of the per-episode reward noise."""
    episode_len: int = 100
    """Longest episode; a seed's episode lasts episode_len - seed % (episode_len // 2) steps."""
    sleep: float = 0.0
    """Seconds to sleep per evaluate() call (to make runs slow enough to interrupt in tests)."""
    fail: bool = False
    """Raise in evaluate() (tests of worker failure)."""
    nan: bool = False
    """Return NaN rewards (tests of the NaN check)."""
    die_at: int = 0
    """Kill this process with SIGKILL at this evaluate() call (1 = the first); 0 = never."""
    stall_at: int = 0
    """Sleep for good at this evaluate() call (1 = the first); 0 = never."""

    def __post_init__(self) -> None:
        if self.name not in PROBLEMS:
            raise ValueError(f"unknown toy problem {self.name!r}; choose one of {PROBLEMS}")
        if self.episode_len < 2:
            raise ValueError(f"episode_len must be >= 2, got {self.episode_len}")


HOOKS = {"die_at": "ESTOOL_TOY_DIE", "stall_at": "ESTOOL_TOY_STALL"}
"""ToyProblem's failure fields and the environment variables ("RANK:CALL") that set them."""


def hooks_for_rank(rank: int) -> dict[str, int]:
    """The failure fields of ``ToyProblem`` for MPI rank ``rank`` from the environment (``HOOKS``)."""
    hooks = {}
    for name, var in HOOKS.items():
        text = os.environ.get(var, "")
        if not text:
            continue
        who, _, call = text.partition(":")
        if not (who.isdigit() and call.isdigit() and int(call) >= 1):
            raise ValueError(f"{var} must be RANK:CALL (e.g. 2:3, CALL >= 1), got {text!r}")
        if int(who) == rank:
            hooks[name] = int(call)
    return hooks


class ToyEvaluator:
    def __init__(self, problem: ToyProblem = ToyProblem()):
        self.problem = problem
        self._f = sphere if problem.name == "sphere" else rastrigin
        self.calls = 0

    def evaluate(
        self, params: np.ndarray, seeds: np.ndarray, max_len: int, train_mode: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        p = self.problem
        params = np.asarray(params, dtype=np.float64)
        seeds = np.asarray(seeds, dtype=np.int64)
        assert params.ndim == 2 and seeds.ndim == 2 and len(params) == len(seeds), (params.shape, seeds.shape)
        if p.fail:
            raise RuntimeError("toy evaluator failed on purpose")
        self.calls += 1
        if self.calls == p.die_at:
            os.kill(os.getpid(), signal.SIGKILL)
        while self.calls == p.stall_at:
            time.sleep(60)
        if p.sleep:
            time.sleep(p.sleep)
        rewards = np.repeat(-self._f(params - p.shift)[:, None], seeds.shape[1], axis=1)
        if p.noise:
            noise = np.array([np.random.default_rng(int(s)).standard_normal() for s in seeds.ravel()])
            rewards = rewards + p.noise * noise.reshape(seeds.shape)
        steps = p.episode_len - seeds % (p.episode_len // 2)
        if max_len > 0:
            steps = np.minimum(steps, max_len)
        if p.nan:
            rewards = np.full(seeds.shape, np.nan)
        return rewards, steps
