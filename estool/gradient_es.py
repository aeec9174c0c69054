"""The gradient-estimating strategies: OpenAI-ES (Salimans et al. 2017) and PEPG (Sehnke et al.
2010), written from the algorithms' descriptions, both stepping the mean with Adam [orig estool es.py]."""

from __future__ import annotations

import numpy as np

from estool.base import Optimizer, apply_weight_decay, compute_centered_ranks


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
