"""Evolution strategies behind one ask/tell API, all MAXIMISING fitness.

    es = make_optimizer("cma", num_params=867, popsize=64)
    while ...:
        solutions = es.ask()                 # [popsize, num_params] float64
        es.tell(fitness)                     # [popsize], higher is better
        es.result                            # ESResult(best_params, best_fitness, mean, sigma, generation)

Optimisers: ``CMAES`` (wraps pycma), ``SimpleGA``, ``OpenES`` (Salimans et al. 2017) and ``PEPG``
(Sehnke et al. 2010), written from the algorithms' descriptions. Every optimiser owns its random
generator, so it pickles (checkpoints) and a restored copy asks exactly what the original would.

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


class _Adam:
    """Adam step for gradient ASCENT; beta1 0.99, beta2 0.999 as in [orig estool es.py]."""

    def __init__(self, num_params: int, beta1: float = 0.99, beta2: float = 0.999, eps: float = 1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros(num_params)
        self.v = np.zeros(num_params)
        self.t = 0

    def step(self, grad: np.ndarray, learning_rate: float) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        a = learning_rate * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        return a * self.m / (np.sqrt(self.v) + self.eps)


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
    ):
        super().__init__(num_params, popsize, weight_decay, seed)
        import cma  # lazy: only CMA users pay for the import

        x0 = np.zeros(self.num_params) if x0 is None else self._check_mu(x0)
        opts = {"popsize": self.popsize, "randn": _Randn(self.rng), "verbose": -9, "verb_disp": 0, "verb_log": 0}
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


# ----------------------------------------------------------------------------- OpenAI ES


class _MeanSearch(Optimizer):
    """An optimiser whose search distribution is centred on ``self.mu`` (OpenES, PEPG)."""

    mu: np.ndarray

    def current_param(self) -> np.ndarray:
        return self.mu.copy()

    def set_mu(self, params: np.ndarray) -> None:
        self.mu = self._check_mu(params)


class OpenES(_MeanSearch):
    """OpenAI-ES (Salimans et al. 2017): isotropic Gaussian around ``mu``; Adam on the estimated
    gradient of (rank-shaped, standardised) fitness; sigma and learning rate decay to a floor."""

    def __init__(
        self,
        num_params: int,
        popsize: int = 64,
        sigma_init: float = 0.1,
        sigma_decay: float = 0.999,
        sigma_limit: float = 0.01,
        learning_rate: float = 0.01,
        learning_rate_decay: float = 0.9999,
        learning_rate_limit: float = 0.001,
        antithetic: bool = False,
        weight_decay: float = 0.01,
        rank_fitness: bool = True,
        seed: int = 0,
    ):
        super().__init__(num_params, popsize, weight_decay, seed)
        if antithetic and self.popsize % 2:
            raise ValueError(f"antithetic sampling needs an even popsize, got {self.popsize}")
        self.antithetic, self.rank_fitness = bool(antithetic), bool(rank_fitness)
        self.sigma = float(sigma_init)
        self.sigma_decay, self.sigma_limit = float(sigma_decay), float(sigma_limit)
        self.learning_rate = float(learning_rate)
        self.learning_rate_decay, self.learning_rate_limit = float(learning_rate_decay), float(learning_rate_limit)
        self.mu = np.zeros(self.num_params)
        self.adam = _Adam(self.num_params)
        self._eps: np.ndarray | None = None

    def _sample(self) -> np.ndarray:
        if self.antithetic:  # pairs (i, i + popsize/2) are mirror images
            half = self.rng.standard_normal((self.popsize // 2, self.num_params))
            self._eps = np.concatenate([half, -half])
        else:
            self._eps = self.rng.standard_normal((self.popsize, self.num_params))
        return self.mu[None, :] + self.sigma * self._eps

    def _update(self, solutions: np.ndarray, fitness: np.ndarray) -> None:
        assert self._eps is not None
        shaped = compute_centered_ranks(fitness) if self.rank_fitness else fitness.copy()
        shaped = apply_weight_decay(shaped, solutions, self.weight_decay)
        std = shaped.std()
        if std > 0:
            z = (shaped - shaped.mean()) / std
            grad = self._eps.T @ z / (self.popsize * self.sigma)
            self.mu = self.mu + self.adam.step(grad, self.learning_rate)
        if self.sigma > self.sigma_limit:
            self.sigma *= self.sigma_decay
        if self.learning_rate > self.learning_rate_limit:
            self.learning_rate *= self.learning_rate_decay

    def rms_stdev(self) -> float:
        return float(self.sigma)


# ----------------------------------------------------------------------------- PEPG


class PEPG(_MeanSearch):
    """Parameter-exploring policy gradients (Sehnke et al. 2010) with symmetric sampling, an
    average-fitness baseline, per-parameter sigma adaptation (changes clipped to
    ``sigma_max_change`` of sigma) and Adam on the mean. With ``elite_ratio > 0`` the mean moves
    instead to the average perturbation of the best candidates (the original's 'ses')."""

    def __init__(
        self,
        num_params: int,
        popsize: int = 64,
        sigma_init: float = 0.1,
        sigma_alpha: float = 0.2,  # [orig train.py]
        sigma_decay: float = 0.999,
        sigma_limit: float = 0.01,
        sigma_max_change: float = 0.2,  # [orig es.py] sigma moves at most 20% per generation
        learning_rate: float = 0.01,
        learning_rate_decay: float = 0.9999,
        learning_rate_limit: float = 0.01,
        elite_ratio: float = 0.0,
        weight_decay: float = 0.01,
        rank_fitness: bool = True,
        seed: int = 0,
    ):
        super().__init__(num_params, popsize, weight_decay, seed)
        if self.popsize % 2:
            raise ValueError(f"PEPG samples symmetric pairs and needs an even popsize, got {self.popsize}")
        if not 0 <= elite_ratio <= 1:
            raise ValueError(f"elite_ratio must be in [0, 1], got {elite_ratio}")
        self.half = self.popsize // 2
        self.sigma = np.full(self.num_params, float(sigma_init))
        self.sigma_alpha, self.sigma_decay = float(sigma_alpha), float(sigma_decay)
        self.sigma_limit, self.sigma_max_change = float(sigma_limit), float(sigma_max_change)
        self.learning_rate = float(learning_rate)
        self.learning_rate_decay, self.learning_rate_limit = float(learning_rate_decay), float(learning_rate_limit)
        self.num_elites = int(self.popsize * elite_ratio)
        self.rank_fitness = bool(rank_fitness)
        self.mu = np.zeros(self.num_params)
        self.adam = _Adam(self.num_params)
        self._eps: np.ndarray | None = None  # [half, P], already scaled by sigma

    def _sample(self) -> np.ndarray:
        self._eps = self.rng.standard_normal((self.half, self.num_params)) * self.sigma[None, :]
        return self.mu[None, :] + np.concatenate([self._eps, -self._eps])

    def _update(self, solutions: np.ndarray, fitness: np.ndarray) -> None:
        assert self._eps is not None
        eps, h = self._eps, self.half
        shaped = compute_centered_ranks(fitness) if self.rank_fitness else fitness.copy()
        shaped = apply_weight_decay(shaped, solutions, self.weight_decay)
        r_plus, r_minus = shaped[:h], shaped[h:]
        baseline = shaped.mean()
        if self.num_elites > 0:
            best = np.argsort(-shaped, kind="stable")[: self.num_elites]
            self.mu = self.mu + np.concatenate([eps, -eps])[best].mean(axis=0)
        else:
            grad = eps.T @ (r_plus - r_minus) / (2 * h)  # symmetric-sampling gradient of the mean
            self.mu = self.mu + self.adam.step(grad, self.learning_rate)
        if self.sigma_alpha > 0:
            scale = 1.0 if self.rank_fitness else (shaped.std() or 1.0)
            s = (eps * eps - self.sigma**2) / self.sigma  # d log p / d sigma, per sample and parameter
            r_sigma = (r_plus + r_minus) / 2 - baseline
            change = self.sigma_alpha * (r_sigma @ s) / (2 * h * scale)
            limit = self.sigma_max_change * self.sigma
            self.sigma = self.sigma + np.clip(change, -limit, limit)
        if self.sigma_decay < 1:
            self.sigma = np.where(self.sigma > self.sigma_limit, self.sigma * self.sigma_decay, self.sigma)
        if self.learning_rate > self.learning_rate_limit:
            self.learning_rate *= self.learning_rate_decay

    def rms_stdev(self) -> float:
        return float(np.sqrt(np.mean(self.sigma * self.sigma)))


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
) -> Optimizer:
    """Build an optimiser by name with the original train.py's settings for each [orig train.py]."""
    name = name.lower()
    if name == "cma":
        return CMAES(num_params, popsize=popsize, sigma_init=sigma_init, weight_decay=weight_decay, seed=seed)
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
