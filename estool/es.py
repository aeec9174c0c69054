"""Evolution strategies behind one ask/tell API, all MAXIMISING fitness.

    es = make_optimizer("cma", num_params=867, popsize=64)
    while ...:
        solutions = es.ask()                 # [popsize, num_params] float64
        es.tell(fitness)                     # [popsize], higher is better
        es.result                            # ESResult(best_params, best_fitness, mean, sigma, generation)

Optimisers: ``CMAES`` (wraps pycma), ``SimpleGA``, ``OpenES`` (Salimans et al. 2017) and ``PEPG``
(Sehnke et al. 2010), written from the algorithms' descriptions. Every optimiser owns its random
generator, so it pickles (checkpoints) and a restored copy asks exactly what the original would.

The common API, shaping and decay live in ``estool.base``; OpenES and PEPG in ``estool.gradient_es``;
this module holds CMA-ES, the GA and the factory, and re-exports the rest. Sources: [orig] =
hardmaru/WorldModelsExperiments and its estool es.py.
"""

from __future__ import annotations

import numpy as np

from estool.base import (  # noqa: F401  (re-exported: estool.es is the public module)
    ESResult,
    Optimizer,
    apply_weight_decay,
    compute_centered_ranks,
    compute_ranks,
    compute_weight_decay,
)

# _Adam and _MeanSearch too: version-1 checkpoints pickled them as estool.es.*
from estool.gradient_es import PEPG, OpenES, _Adam, _MeanSearch  # noqa: F401

# ----------------------------------------------------------------------------- CMA-ES


class _Randn:
    """Picklable standard-normal source for pycma's ``randn`` option (replaces global np.random)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def __call__(self, *shape: int) -> np.ndarray:
        return self.rng.standard_normal(shape)


class CMAES(Optimizer):
    """CMA-ES (Hansen) through ``cma.CMAEvolutionStrategy``; pycma minimises, so fitness is negated."""

    def __init__(
        self,
        num_params: int,
        popsize: int = 64,  # [paper] population 64
        sigma_init: float = 0.1,  # [paper] / [orig train.py]
        weight_decay: float = 0.01,  # [orig es.py] CMAES default
        seed: int = 0,
        x0: np.ndarray | None = None,
        diagonal: bool = False,
    ):
        """``diagonal``: pycma's ``CMA_diagonal`` (separable CMA-ES, Ros & Hansen 2008): a diagonal
        covariance, time and memory linear in ``num_params``, for controllers too large for the full
        one (its num_params^2 covariance); off by default."""
        super().__init__(num_params, popsize, weight_decay, seed)
        import cma  # lazy: only CMA users pay for the import

        x0 = np.zeros(self.num_params) if x0 is None else self._check_mu(x0)
        opts = {"popsize": self.popsize, "randn": _Randn(self.rng), "verbose": -9, "verb_disp": 0, "verb_log": 0}
        self.diagonal = bool(diagonal)
        if self.diagonal:
            opts["CMA_diagonal"] = True
        self._es = cma.CMAEvolutionStrategy(x0, float(sigma_init), opts)

    def _sample(self) -> np.ndarray:
        return np.array(self._es.ask(), dtype=np.float64)

    def _update(self, solutions: np.ndarray, fitness: np.ndarray) -> None:
        shaped = apply_weight_decay(fitness, solutions, self.weight_decay)
        self._es.tell(list(solutions), (-shaped).tolist())

    def current_param(self) -> np.ndarray:
        return np.array(self._es.mean, dtype=np.float64)

    def set_mu(self, params: np.ndarray) -> None:
        self._es.mean = self._check_mu(params)

    def rms_stdev(self) -> float:
        stds = np.asarray(self._es.result.stds, dtype=np.float64)
        return float(np.sqrt(np.mean(stds * stds)))


# ----------------------------------------------------------------------------- Simple GA


class SimpleGA(Optimizer):
    """Elitist GA: children are uniform crossovers of two random elites plus Gaussian noise.

    ``forget_best=False`` keeps the previous elites in the selection pool (with their old
    fitness); ``True`` selects the elites from the current population only.
    """

    def __init__(
        self,
        num_params: int,
        popsize: int = 64,
        sigma_init: float = 0.1,
        sigma_decay: float = 0.999,
        sigma_limit: float = 0.01,
        elite_ratio: float = 0.1,  # [orig train.py]
        forget_best: bool = False,
        weight_decay: float = 0.01,
        seed: int = 0,
    ):
        super().__init__(num_params, popsize, weight_decay, seed)
        if not 0 < elite_ratio <= 1:
            raise ValueError(f"elite_ratio must be in (0, 1], got {elite_ratio}")
        self.sigma = float(sigma_init)
        self.sigma_decay, self.sigma_limit = float(sigma_decay), float(sigma_limit)
        self.forget_best = bool(forget_best)
        self.num_elites = max(1, int(self.popsize * elite_ratio))
        self.elite_params = np.zeros((self.num_elites, self.num_params))
        self.elite_fitness = np.full(self.num_elites, -np.inf)  # -inf: "no elites yet"

    def _sample(self) -> np.ndarray:
        parents = self.rng.integers(self.num_elites, size=(self.popsize, 2))
        take_first = self.rng.random((self.popsize, self.num_params)) < 0.5
        children = np.where(take_first, self.elite_params[parents[:, 0]], self.elite_params[parents[:, 1]])
        return children + self.sigma * self.rng.standard_normal((self.popsize, self.num_params))

    def _update(self, solutions: np.ndarray, fitness: np.ndarray) -> None:
        shaped = apply_weight_decay(fitness, solutions, self.weight_decay)
        if self.forget_best:
            pool_params, pool_fitness = solutions, shaped
        else:
            pool_params = np.concatenate([solutions, self.elite_params])
            pool_fitness = np.concatenate([shaped, self.elite_fitness])
        order = np.argsort(-pool_fitness, kind="stable")[: self.num_elites]
        self.elite_params = pool_params[order].copy()
        self.elite_fitness = pool_fitness[order].copy()
        if self.sigma > self.sigma_limit:
            self.sigma *= self.sigma_decay

    def current_param(self) -> np.ndarray:
        return self.elite_params[0].copy()

    def set_mu(self, params: np.ndarray) -> None:
        """Make every elite ``params``; they are parents once, then any new candidate replaces them."""
        self.elite_params = np.tile(self._check_mu(params), (self.num_elites, 1))
        self.elite_fitness = np.full(self.num_elites, -np.inf)

    def rms_stdev(self) -> float:
        return float(self.sigma)


# ----------------------------------------------------------------------------- factory

OPTIMIZER_NAMES = ("cma", "ga", "oes", "openes", "pepg", "ses")
"""Accepted names: ours ('cma', 'ga', 'oes', 'pepg') and the original's -o values ('openes', 'ses')."""


def make_optimizer(
    name: str,
    num_params: int,
    popsize: int,
    sigma_init: float = 0.1,
    sigma_decay: float = 0.999,
    weight_decay: float = 0.01,
    antithetic: bool = False,
    seed: int = 0,
    cma_diagonal: bool = False,
) -> Optimizer:
    """Build an optimiser by name with the original train.py's settings for each [orig train.py];
    ``cma_diagonal``: 'cma' with a diagonal covariance (``CMAES``'s ``diagonal``; the others ignore it)."""
    name = name.lower()
    if name == "cma":
        return CMAES(num_params, popsize=popsize, sigma_init=sigma_init, weight_decay=weight_decay, seed=seed,
                     diagonal=cma_diagonal)
    if name == "ga":
        return SimpleGA(num_params, popsize=popsize, sigma_init=sigma_init, sigma_decay=sigma_decay,
                        sigma_limit=0.02, elite_ratio=0.1, weight_decay=weight_decay, seed=seed)
    if name in ("oes", "openes"):
        return OpenES(num_params, popsize=popsize, sigma_init=sigma_init, sigma_decay=sigma_decay,
                      sigma_limit=0.02, learning_rate=0.01, learning_rate_decay=1.0, learning_rate_limit=0.01,
                      antithetic=antithetic, weight_decay=weight_decay, seed=seed)
    if name in ("pepg", "ses"):  # 'ses' = PEPG moving to the mean of the top 10% [orig train.py]
        return PEPG(num_params, popsize=popsize, sigma_init=sigma_init, sigma_decay=sigma_decay,
                    sigma_alpha=0.2, sigma_limit=0.02, learning_rate=0.01, learning_rate_decay=1.0,
                    learning_rate_limit=0.01, elite_ratio=0.1 if name == "ses" else 0.0,
                    weight_decay=weight_decay, seed=seed)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZER_NAMES)}")
