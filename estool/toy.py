"""A toy "environment" satisfying the ``Evaluator`` protocol, for tests and the ES demo.

Reward of an episode = -f(params - shift) + noise * N(0, 1), where f is the sphere or the
Rastrigin function and the noise is drawn from the episode's seed, so the same (params, seed)
always scores the same. Episode length depends on the seed and is cut at ``max_len``.
"""

from __future__ import annotations

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

    def __post_init__(self) -> None:
        if self.name not in PROBLEMS:
            raise ValueError(f"unknown toy problem {self.name!r}; choose one of {PROBLEMS}")
        if self.episode_len < 2:
            raise ValueError(f"episode_len must be >= 2, got {self.episode_len}")


class ToyEvaluator:
    def __init__(self, problem: ToyProblem = ToyProblem()):
        self.problem = problem
        self._f = sphere if problem.name == "sphere" else rastrigin

    def evaluate(
        self, params: np.ndarray, seeds: np.ndarray, max_len: int, train_mode: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        p = self.problem
        params = np.asarray(params, dtype=np.float64)
        seeds = np.asarray(seeds, dtype=np.int64)
        assert params.ndim == 2 and seeds.ndim == 2 and len(params) == len(seeds), (params.shape, seeds.shape)
        if p.fail:
            raise RuntimeError("toy evaluator failed on purpose")
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
