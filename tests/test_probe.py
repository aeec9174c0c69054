"""Linear probes: exact on linear data, nothing from noise, h as C sees it."""

from __future__ import annotations

import numpy as np

from worldmodels.config import RNNConfig
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
from worldmodels.probe import fit_ridge, hidden_states, probe, r2


def test_ridge_recovers_a_linear_map_and_r2_is_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 4))
    y = x @ np.array([[1.0], [-2.0], [0.5], [0.0]]) + 3.0
    w, b = fit_ridge(x, y, ridge=0.0)
    np.testing.assert_allclose(w[:, 0], [1.0, -2.0, 0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(b, [3.0], atol=1e-9)
    assert r2(y, x @ w + b) == 1.0


def test_information_only_in_h_shows_only_with_h():
    rng = np.random.default_rng(1)
    z, h = rng.normal(size=(2000, 3)), rng.normal(size=(2000, 5))
    y = h[:, :1] * 2.0 + 0.1 * rng.normal(size=(2000, 1))
    split = 1500
    res = {r.features: r for r in probe({"z": (z[:split], z[split:]),
                                         "zh": (np.hstack([z, h])[:split], np.hstack([z, h])[split:])},
                                        {"y": (y[:split], y[split:])})}
    assert res["z"].test_r2 < 0.02 and res["zh"].test_r2 > 0.99


def test_hidden_states_are_what_c_sees():
    cfg = RNNConfig(z_size=3, action_size=2, hidden_units=8)
    rnn = NumpyMDNRNN(RNNWeights.random(cfg, np.random.default_rng(2)), cfg)
    rng = np.random.default_rng(3)
    z, a = rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=(6, 2)).astype(np.float32)
    hs = hidden_states(rnn, z, a)
    _, after, _ = rnn.sequence(z[None], a[None])  # h after each step, from a zero state
    np.testing.assert_array_equal(hs[0], 0.0)
    np.testing.assert_allclose(hs[1:], after[0, :-1], atol=1e-6)


def test_the_penalty_is_chosen_on_training_rows_and_tames_noise():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(400, 200)), rng.normal(size=(400, 1))  # nothing to learn, many features
    res = probe({"x": (x[:300], x[300:])}, {"y": (y[:300], y[300:])})[0]
    assert res.ridge >= 1.0 and res.test_r2 > -0.1  # an unpenalised fit would score far below 0
