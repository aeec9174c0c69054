"""Optimisers of estool.es: shaping, weight decay, convergence, pickling, the ask/tell contract."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from estool.es import (
    CMAES,
    PEPG,
    ESResult,
    OpenES,
    SimpleGA,
    compute_centered_ranks,
    compute_ranks,
    compute_weight_decay,
    make_optimizer,
)
from estool.toy import rastrigin, sphere

NAMES = ("cma", "ga", "oes", "pepg", "ses")


def _reference_centered_ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks of ties, as scipy.stats.rankdata(method='average') - 1, scaled to [-0.5, 0.5]."""
    flat = x.ravel()
    less = (flat[None, :] < flat[:, None]).sum(axis=1)
    equal = (flat[None, :] == flat[:, None]).sum(axis=1)
    return ((less + (equal - 1) / 2) / (flat.size - 1) - 0.5).reshape(x.shape)


def test_compute_ranks_is_argsort_inverse():
    x = np.array([0.3, -1.0, 2.0, 0.0])
    np.testing.assert_array_equal(compute_ranks(x), [2, 0, 3, 1])


@pytest.mark.parametrize("shape", [(2,), (7,), (64,), (4, 5)])
def test_centered_ranks_match_reference(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    y = compute_centered_ranks(x)
    np.testing.assert_allclose(y, _reference_centered_ranks(x))
    assert y.shape == x.shape and y.min() == -0.5 and y.max() == 0.5


def test_centered_ranks_average_ties():
    x = np.array([5.0, 1.0, 5.0, 5.0, 0.0])
    np.testing.assert_allclose(compute_centered_ranks(x), _reference_centered_ranks(x))
    np.testing.assert_array_equal(compute_centered_ranks(np.ones(6)), np.zeros(6))


def test_weight_decay_penalises_large_weights():
    params = np.array([[0.0, 0.0], [1.0, -1.0], [3.0, 3.0]])
    decay = compute_weight_decay(0.01, params)
    np.testing.assert_allclose(decay, [0.0, -0.01, -0.09])
    assert np.all(decay <= 0) and decay[2] < decay[1] < decay[0]  # bigger weights, lower fitness


@pytest.mark.parametrize("name", NAMES)
def test_weight_decay_alone_shrinks_the_mean(name):
    es = make_optimizer(name, num_params=4, popsize=16, weight_decay=1.0, seed=0)
    es.set_mu(np.full(4, 2.0))
    start = np.linalg.norm(es.current_param())
    for _ in range(30):
        es.ask()
        es.tell(np.zeros(16))  # equal raw fitness: only the L2 penalty ranks the candidates
    assert np.linalg.norm(es.current_param()) < start - 0.1, (name, start, es.current_param())


def _run(es, objective, generations: int) -> float:
    for _ in range(generations):
        x = es.ask()
        es.tell(-objective(x - 0.5))
    return float(-objective(es.current_param()[None] - 0.5)[0])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("objective", [sphere, rastrigin], ids=["sphere", "rastrigin"])
def test_optimizer_improves(name, objective):
    dim, popsize = 6, 24
    es = make_optimizer(name, dim, popsize, sigma_init=0.1, weight_decay=0.0, antithetic=True, seed=1)
    start = float(-objective(np.full((1, dim), -0.5))[0])
    end = _run(es, objective, 120)
    assert end > start * 0.5, (name, start, end)  # fitness is negative: closer to 0 is better
    r = es.result
    assert r.generation == 120 and r.best_fitness > start


@pytest.mark.parametrize("name", NAMES)
def test_pickle_mid_run_gives_identical_asks(name):
    es = make_optimizer(name, 5, 8, seed=3, antithetic=True)
    _run(es, sphere, 4)
    clone = pickle.loads(pickle.dumps(es))
    np.random.seed(123)  # global numpy state must not matter
    for _ in range(4):
        a, b = es.ask(), clone.ask()
        np.testing.assert_array_equal(a, b)
        es.tell(-sphere(a))
        clone.tell(-sphere(b))
    np.testing.assert_array_equal(es.current_param(), clone.current_param())


@pytest.mark.parametrize("name", NAMES)
def test_result_and_api(name):
    es = make_optimizer(name, 3, 6, seed=0)
    x = es.ask()
    assert x.shape == (6, 3) and x.dtype == np.float64
    fitness = np.arange(6.0)
    es.tell(fitness)
    r = es.result
    assert isinstance(r, ESResult) and r.generation == 1 and r.best_fitness == 5.0
    np.testing.assert_array_equal(r.best_params, x[5])
    np.testing.assert_array_equal(es.best_param(), x[5])
    np.testing.assert_array_equal(r.mean, es.current_param())
    assert r.sigma == pytest.approx(es.rms_stdev()) and r.sigma > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.generation = 3  # type: ignore[misc]
    es.set_mu(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(es.current_param(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="expected 3"):
        es.set_mu(np.zeros(4))


def test_tell_checks_its_input():
    es = make_optimizer("oes", 3, 4)
    with pytest.raises(RuntimeError, match="without a preceding ask"):
        es.tell(np.zeros(4))
    es.ask()
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        es.tell(np.zeros(3))
    with pytest.raises(ValueError, match=r"candidates \[1\]"):
        es.tell(np.array([0.0, np.nan, 1.0, 2.0]))


def test_factory_names_and_aliases():
    assert isinstance(make_optimizer("cma", 3, 4), CMAES)
    assert isinstance(make_optimizer("ga", 3, 4), SimpleGA)
    assert isinstance(make_optimizer("openes", 3, 4), OpenES) and isinstance(make_optimizer("oes", 3, 4), OpenES)
    pepg, ses = make_optimizer("pepg", 3, 4), make_optimizer("ses", 3, 20)
    assert isinstance(pepg, PEPG) and pepg.num_elites == 0
    assert isinstance(ses, PEPG) and ses.num_elites == 2
    with pytest.raises(ValueError, match="unknown optimizer 'nes'"):
        make_optimizer("nes", 3, 4)
    with pytest.raises(ValueError, match="even popsize, got 5"):
        make_optimizer("pepg", 3, 5)


def test_cma_diagonal_improves_pickles_and_stays_linear_in_memory():
    """--cma_diagonal (pycma's CMA_diagonal): separable CMA-ES for controllers too large for a full
    covariance (bin packing at capacity 100: 32,100 params)."""
    es = make_optimizer("cma", 6, 24, sigma_init=0.1, weight_decay=0.0, seed=1, cma_diagonal=True)
    assert isinstance(es, CMAES) and es.diagonal and not make_optimizer("cma", 6, 24).diagonal
    start = float(-sphere(np.full((1, 6), -0.5))[0])
    assert _run(es, sphere, 120) > start * 0.5
    clone = pickle.loads(pickle.dumps(es))
    np.testing.assert_array_equal(es.ask(), clone.ask())
    n = 2000
    full = len(pickle.dumps(make_optimizer("cma", n, 8)))
    diagonal = len(pickle.dumps(make_optimizer("cma", n, 8, cma_diagonal=True)))
    assert full > n * n * 8 and diagonal < full / 5, (full, diagonal)  # no n x n matrix


@pytest.mark.parametrize("forget_best", [False, True])
def test_simple_ga_forget_best(forget_best):
    ga = SimpleGA(2, popsize=4, elite_ratio=0.5, sigma_init=0.01, forget_best=forget_best, weight_decay=0.0)
    first = ga.ask()
    ga.tell(np.array([10.0, 9.0, 0.0, 0.0]))
    np.testing.assert_array_equal(ga.elite_params, first[:2])
    second = ga.ask()
    ga.tell(np.array([1.0, 2.0, 1.0, 1.0]))
    if forget_best:  # elites come from the current generation only
        np.testing.assert_array_equal(ga.elite_params[0], second[1])
        np.testing.assert_array_equal(ga.elite_fitness, [2.0, 1.0])
    else:  # the historical elites (10, 9) beat every new candidate and survive
        np.testing.assert_array_equal(ga.elite_params, first[:2])
        np.testing.assert_array_equal(ga.elite_fitness, [10.0, 9.0])


def test_openes_antithetic_pairs_mirror():
    es = OpenES(4, popsize=6, antithetic=True, sigma_init=0.1)
    x = es.ask()
    np.testing.assert_allclose(x[:3] + x[3:], 2 * es.mu[None, :] * np.ones((3, 4)), atol=1e-12)


def test_pepg_adapts_sigma():
    es = make_optimizer("pepg", 6, 16, sigma_init=0.1, sigma_decay=1.0, weight_decay=0.0, seed=0)
    _run(es, sphere, 40)
    assert not np.allclose(es.sigma, 0.1) and np.all(es.sigma > 0)
