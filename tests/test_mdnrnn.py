"""M: mixture NLL vs scipy, Keras loss == numpy, numpy M == Keras M, sampling statistics, I/O, training."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from worldmodels import mdnrnn
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights


def random_weights(cfg: RNNConfig, seed: int = 0, scale: float = 0.3) -> RNNWeights:
    rng = np.random.default_rng(seed)
    h4 = 4 * cfg.hidden_units

    def r(*shape):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    return RNNWeights(kernel=r(cfg.input_size, h4), recurrent=r(cfg.hidden_units, h4), bias=r(h4),
                      output_w=r(cfg.hidden_units, cfg.output_size), output_b=r(cfg.output_size))


# ----------------------------------------------------------------------------------------------
# mixture maths


def test_mdn_nll_matches_scipy_mixture_density():
    cfg = RNNConfig(z_size=3, action_size=1, hidden_units=4, num_mixtures=5)
    rng = np.random.default_rng(0)
    y = rng.standard_normal((2, 4, cfg.output_size)).astype(np.float64)
    out = mdnrnn.split_output(y, cfg)
    z_next = rng.standard_normal((2, 4, cfg.z_size))
    got = mdnrnn.mdn_nll(out, z_next)
    assert got.shape == (2, 4, cfg.z_size)
    # independent: p(z) = sum_k softmax(raw logits)_k N(z; mean_k, exp(logstd_k)), straight from the
    # raw output columns 15d..15d+14 = logits(5), mean(5), logstd(5)
    expected = np.zeros_like(got)
    for b in range(2):
        for t in range(4):
            for d in range(cfg.z_size):
                cols = y[b, t, 15 * d:15 * d + 15]
                logits, mean, logstd = cols[:5], cols[5:10], cols[10:]
                pi = np.exp(logits) / np.exp(logits).sum()
                p = np.sum(pi * stats.norm.pdf(z_next[b, t, d], loc=mean, scale=np.exp(logstd)))
                expected[b, t, d] = -np.log(p)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_mdn_nll_done_head_shifts_columns_and_stays_finite_far_out():
    cfg = RNNConfig(z_size=2, action_size=1, hidden_units=4, done_head=True)
    rng = np.random.default_rng(1)
    y = rng.standard_normal((3, cfg.output_size))
    out = mdnrnn.split_output(y, cfg)
    np.testing.assert_array_equal(out.done_logit, y[:, 0])
    np.testing.assert_array_equal(out.mean[:, 1], y[:, 1 + 15 + 5:1 + 15 + 10])
    # far out in the tails every pdf underflows to 0; the log-space NLL stays finite and exact
    far = mdnrnn.mdn_nll(out, np.full((3, 2), 400.0))
    y_mdn = y[:, 1:].reshape(3, 2, 15)
    logp = stats.norm.logpdf(400.0, loc=y_mdn[..., 5:10], scale=np.exp(y_mdn[..., 10:]))
    expected = -special.logsumexp(logp, b=special.softmax(y_mdn[..., :5], axis=-1), axis=-1)
    assert np.all(np.isfinite(far)) and np.all(far > 1000)
    np.testing.assert_allclose(far, expected, rtol=1e-10)


def _direct_weighted_ce(logit: np.ndarray, done: np.ndarray, w: float) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-logit))
    return -(w * done * np.log(s) + (1.0 - done) * np.log(1.0 - s))


@pytest.mark.parametrize("done_head,reward_head", [(False, False), (True, False), (True, True)])
def test_keras_loss_equals_numpy_nll_plus_weighted_ce(done_head, reward_head):
    from worldmodels.keras_mdnrnn import make_mdn_loss, target_size
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=8, done_head=done_head, reward_head=reward_head)
    rng = np.random.default_rng(2)
    b, t = 3, 6
    y_pred = rng.standard_normal((b, t, cfg.output_size)).astype(np.float32)
    z_next = rng.standard_normal((b, t, cfg.z_size)).astype(np.float32)
    parts = [z_next]
    done = (rng.random((b, t)) < 0.3).astype(np.float32)
    done[0, 0], done[0, 1] = 1.0, 0.0  # at least one of each
    if done_head:
        parts.append(done[..., None])
    reward = rng.standard_normal((b, t)).astype(np.float32)
    if reward_head:
        parts.append(reward[..., None])
    y_true = np.concatenate(parts, axis=-1)
    assert y_true.shape[-1] == target_size(cfg)
    got = np.asarray(make_mdn_loss(cfg)(y_true, y_pred))
    assert got.shape == (b, t)

    nll = mdnrnn.mdn_nll(mdnrnn.split_output(y_pred.astype(np.float64), cfg), z_next.astype(np.float64)).mean(-1)
    expected = nll
    if done_head:
        logit = y_pred[..., 0].astype(np.float64)
        expected = nll * (1.0 - done) + _direct_weighted_ce(logit, done, 10.0)
    if reward_head:
        expected = expected + (reward - y_pred[..., -1]) ** 2
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    if done_head:
        # z term masked where done = 1: changing z_next there changes nothing
        y_true2 = y_true.copy()
        y_true2[..., :cfg.z_size] += 5.0 * done[..., None]
        np.testing.assert_allclose(np.asarray(make_mdn_loss(cfg)(y_true2, y_pred)), got, rtol=1e-6)
        # positives weigh 10x: the CE of a positive is 10 x the plain log-loss
        np.testing.assert_allclose(
            _direct_weighted_ce(logit, np.ones_like(logit), 10.0), 10.0 * np.log1p(np.exp(-logit)), rtol=1e-10)


# ----------------------------------------------------------------------------------------------
# numpy M == Keras M


@pytest.mark.parametrize("use_restart,done_head", [(False, False), (True, True)])
def test_numpy_sequence_equals_keras(use_restart, done_head):
    from worldmodels import keras_mdnrnn
    cfg = RNNConfig(z_size=4, action_size=2, hidden_units=16, use_restart=use_restart, done_head=done_head)
    model = keras_mdnrnn.build_mdnrnn(cfg)
    keras_mdnrnn.set_weights(model, random_weights(cfg, seed=3))
    weights = keras_mdnrnn.get_weights(model)
    np_rnn = NumpyMDNRNN(weights, cfg)
    rng = np.random.default_rng(4)
    b, t, r = 3, 12, 5
    z = rng.standard_normal((b, t, cfg.z_size)).astype(np.float32)
    a = rng.uniform(-1, 1, (b, t, cfg.action_size)).astype(np.float32)
    restart = np.zeros((b, t), np.float32)
    restart[:, 0] = 1.0
    restart[:, r] = 1.0

    def keras_input(z, a, restart):
        parts = [z, a] + ([restart[..., None]] if use_restart else [])
        return np.concatenate(parts, axis=-1)

    y_k = np.asarray(model(keras_input(z, a, restart)))
    y_n, hs, cs = np_rnn.sequence(z, a, restart if use_restart else None)
    assert y_n.shape == (b, t, cfg.output_size) and hs.shape == cs.shape == (b, t, cfg.hidden_units)
    np.testing.assert_allclose(y_n, y_k, atol=1e-5)

    # a fresh sequence from step r
    y_fresh_k = np.asarray(model(keras_input(z[:, r:], a[:, r:], restart[:, r:])))
    y_fresh_n, _, _ = np_rnn.sequence(z[:, r:], a[:, r:], restart[:, r:] if use_restart else None)
    np.testing.assert_allclose(y_fresh_n, y_fresh_k, atol=1e-5)
    if use_restart:  # the state reset at r: what follows equals a fresh start there
        np.testing.assert_allclose(y_k[:, r:], y_fresh_k, atol=1e-5)
        np.testing.assert_allclose(y_n[:, r:], y_fresh_n, atol=1e-5)
        # and without the flag at r the state carries over (the reset is what makes them equal)
        no_reset = restart.copy()
        no_reset[:, r] = 0.0
        y_carry, _, _ = np_rnn.sequence(z, a, no_reset)
        assert np.abs(y_carry[:, r + 1:] - y_fresh_n[:, 1:]).max() > 1e-3
    else:  # without restart the state carries: outputs after r differ from a fresh start
        assert np.abs(y_n[:, r:] - y_fresh_n).max() > 1e-3


def test_numpy_lstm_step_matches_textbook_lstm():
    """NumpyMDNRNN.lstm vs a direct Keras-order LSTM (i, f, c, o; separate kernel / recurrent)."""
    cfg = RNNConfig(z_size=3, action_size=1, hidden_units=5)
    w = random_weights(cfg, seed=5, scale=0.5)
    rnn = NumpyMDNRNN(w, cfg)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, cfg.input_size)).astype(np.float32)
    h = rng.standard_normal((2, 5)).astype(np.float32)
    c = rng.standard_normal((2, 5)).astype(np.float32)
    h2, c2 = rnn.lstm(x, h, c)
    gates = x.astype(np.float64) @ w.kernel + h @ w.recurrent + w.bias
    i, f, g, o = gates[:, :5], gates[:, 5:10], gates[:, 10:15], gates[:, 15:]
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    c_ref = sig(f) * c + sig(i) * np.tanh(g)
    np.testing.assert_allclose(c2, c_ref, atol=1e-5)
    np.testing.assert_allclose(h2, sig(o) * np.tanh(c_ref), atol=1e-5)


# ----------------------------------------------------------------------------------------------
# temperature sampling


def _mixture(logits: list[float], mean: list[float], std: list[float], n: int) -> mdnrnn.MDNOutput:
    """n identical one-dimensional mixtures, built the way M's output is read (split_output)."""
    k = len(logits)
    cfg = RNNConfig(z_size=1, action_size=1, hidden_units=4, num_mixtures=k)
    y = np.concatenate([logits, mean, np.log(std)]).astype(np.float32)
    return mdnrnn.split_output(np.tile(y, (n, 1)), cfg)


@pytest.mark.parametrize("tau", [0.5, 1.0, 1.5])
def test_sample_z_one_dominant_mixture_mean_and_std(tau):
    n = 200_000
    # one component; the others have weight ~e^-30/tau and sit far away
    out = _mixture([30.0, 0.0, 0.0, 0.0, 0.0], [1.5, -9.0, 9.0, 20.0, -20.0], [0.7, 1.0, 1.0, 1.0, 1.0], n)
    z = mdnrnn.sample_z(out, tau, np.random.default_rng(7))
    assert z.shape == (n, 1) and z.dtype == np.float32
    std = 0.7 * np.sqrt(tau)
    assert abs(z.mean() - 1.5) < 5 * std / np.sqrt(n)
    assert abs(z.std() - std) < 5 * std / np.sqrt(2 * n)


@pytest.mark.parametrize("tau", [0.5, 1.0, 1.5])
def test_sample_z_mixture_frequencies_follow_softmax_over_tau(tau):
    n = 100_000
    l1, l2 = 0.8, -0.4
    out = _mixture([l1, l2], [-10.0, 10.0], [0.1, 0.1], n)
    z = mdnrnn.sample_z(out, tau, np.random.default_rng(8))
    freq1 = np.mean(z < 0)
    p1 = np.exp(l1 / tau) / (np.exp(l1 / tau) + np.exp(l2 / tau))
    assert abs(freq1 - p1) < 5 * np.sqrt(p1 * (1 - p1) / n), (tau, freq1, p1)
    if tau != 1.0:  # the temperature matters: far from the tau = 1 mixture weights
        p_plain = np.exp(l1) / (np.exp(l1) + np.exp(l2))
        assert abs(freq1 - p_plain) > 10 * np.sqrt(p1 * (1 - p1) / n), (tau, freq1, p_plain)
    # the picked component's spread: sqrt(tau) x its std
    left = z[z < 0]
    assert abs(left.std() - 0.1 * np.sqrt(tau)) < 5 * 0.1 * np.sqrt(tau) / np.sqrt(2 * len(left))


def test_sample_z_is_reproducible_with_the_same_generator():
    cfg = RNNConfig(z_size=6, action_size=1, hidden_units=4)
    out = mdnrnn.split_output(np.random.default_rng(9).standard_normal((4, cfg.output_size)), cfg)
    a = mdnrnn.sample_z(out, 1.15, np.random.default_rng(10))
    np.testing.assert_array_equal(a, mdnrnn.sample_z(out, 1.15, np.random.default_rng(10)))
    assert not np.array_equal(a, mdnrnn.sample_z(out, 1.15, np.random.default_rng(11)))


@pytest.mark.parametrize("done_head,reward_head", [(False, False), (True, False), (True, True)])
def test_sample_next_equals_sample_z_of_the_step_output(done_head, reward_head):
    """The dream's fast path (grouped output layout) draws the same z and heads as split_output."""
    cfg = RNNConfig(z_size=7, action_size=2, hidden_units=6, num_mixtures=3, done_head=done_head,
                    reward_head=reward_head)
    rnn = NumpyMDNRNN(random_weights(cfg, seed=12, scale=0.8), cfg)
    h = np.random.default_rng(13).standard_normal((9, 6)).astype(np.float32)
    out = mdnrnn.split_output(h @ rnn.output_w + rnn.output_b, cfg)
    z_ref = mdnrnn.sample_z(out, 1.15, np.random.default_rng(14))
    z, done_logit, reward = rnn.sample_next(h, 1.15, np.random.default_rng(14))
    np.testing.assert_allclose(z, z_ref, atol=1e-5)
    for got, ref in ((done_logit, out.done_logit), (reward, out.reward)):
        assert (got is None) == (ref is None)
        if ref is not None:
            np.testing.assert_allclose(got, ref, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# weights I/O


def test_rnn_weights_round_trip_and_wrong_shape(tmp_path):
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=8, use_restart=True, done_head=True)
    w = random_weights(cfg, seed=12)
    w.save(tmp_path / "rnn.npz", cfg)
    back = RNNWeights.load(tmp_path / "rnn.npz", cfg)
    for name in ("kernel", "recurrent", "bias", "output_w", "output_b"):
        np.testing.assert_array_equal(getattr(back, name), getattr(w, name))
    other = RNNConfig(z_size=4, action_size=1, hidden_units=8)  # no restart input, no done head
    with pytest.raises(WorldModelsError, match=r"kernel has shape \(6, 32\), expected \(5, 32\).*another environment"):
        RNNWeights.load(tmp_path / "rnn.npz", other)
    with pytest.raises(WorldModelsError, match="run rnn_train.py first"):
        RNNWeights.load(tmp_path / "missing.npz", cfg)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(WorldModelsError, match="corrupt"):
        RNNWeights.load(tmp_path / "bad.npz", cfg)


def test_truncated_rnn_npz_gives_one_line_error(tmp_path):
    """CORE BUG (reported, fails until fixed): a truncated rnn.npz (an interrupted copy) makes
    np.load raise zipfile.BadZipFile, which RNNWeights.load does not catch, so the user gets a
    traceback instead of the one-line "corrupt" error. Fix: add zipfile.BadZipFile to the caught
    exceptions in mdnrnn.RNNWeights.load (as data.load_episode already does)."""
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=8)
    random_weights(cfg, seed=12).save(tmp_path / "rnn.npz", cfg)
    raw = (tmp_path / "rnn.npz").read_bytes()
    (tmp_path / "rnn.npz").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(WorldModelsError, match="corrupt"):
        RNNWeights.load(tmp_path / "rnn.npz", cfg)


# ----------------------------------------------------------------------------------------------
# training and resuming (tiny M on a synthetic series)


def _synthetic_series(n_episodes: int = 12, length: int = 31, z: int = 4) -> Series:
    rng = np.random.default_rng(13)
    mus, actions = [], []
    for _ in range(n_episodes):
        phase = rng.uniform(0, 2 * np.pi, z)
        t = np.arange(length)[:, None]
        mus.append(np.sin(0.4 * t + phase))
        actions.append(rng.uniform(-1, 1, (length, 1)))
    mu = np.concatenate(mus).astype(np.float32)
    return Series(mu=mu, logvar=np.full_like(mu, -8.0), action=np.concatenate(actions).astype(np.float32),
                  episode_lengths=np.full(n_episodes, length, np.int64))


def _numpy_nll(rnn_path: Path, cfg: RNNConfig, series: Series) -> float:
    """Mean next-z NLL of the exported weights on every episode (z = mu), by the numpy M."""
    rnn = NumpyMDNRNN(RNNWeights.load(rnn_path, cfg), cfg)
    n, t = len(series.episode_lengths), int(series.episode_lengths[0])
    mu = series.mu.astype(np.float32).reshape(n, t, -1)
    act = series.action.reshape(n, t, -1)
    y, _, _ = rnn.sequence(mu[:, :-1], act[:, :-1])
    return float(mdnrnn.mdn_nll(mdnrnn.split_output(y, cfg), mu[:, 1:]).mean())


def test_training_lowers_the_loss_and_resumes_from_the_checkpoint(tmp_path, capsys, caplog):
    from worldmodels.pipeline.rnn_train import RNNTrainConfig, train
    caplog.set_level(logging.INFO, logger="worldmodels")  # the notes on resuming are info lines (stderr)
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=16, seq_len=30, batch_size=4, learning_rate=1e-2,
                    min_learning_rate=1e-2, episode_aligned=True)
    series = _synthetic_series()
    series.save(tmp_path / "series.npz")
    out_dir = tmp_path / "rnn"
    tcfg = RNNTrainConfig(rnn=cfg, series_path=tmp_path / "series.npz", out_dir=out_dir, epochs=1,
                          steps_per_epoch=2, tensorboard=False)
    path = train(tcfg)
    assert path == out_dir / "rnn.npz"
    state1 = json.loads((out_dir / "checkpoint.json").read_text())
    assert state1["epochs_done"] == 1
    nll1 = _numpy_nll(path, cfg, series)
    capsys.readouterr()
    caplog.clear()

    from dataclasses import replace
    train(replace(tcfg, epochs=6))
    printed = capsys.readouterr().out
    assert "resuming" in caplog.text and "after epoch 1" in caplog.text
    assert "epochs 2..6" in caplog.text
    assert "Epoch 1/6" not in printed and "Epoch 6/6" in printed  # no retraining from zero
    state2 = json.loads((out_dir / "checkpoint.json").read_text())
    assert state2["epochs_done"] == 6
    import h5py  # the optimiser's step counter (its first variable) continued: 6 epochs x 2 steps,

    from worldmodels.pipeline.training import read_checkpoint
    with h5py.File(read_checkpoint(out_dir)[1], "r") as f:  # so lr decay picks up where it was
        assert int(f["optimizer/vars/0"][()]) == 12
    nll2 = _numpy_nll(path, cfg, series)
    assert nll2 < nll1 - 0.2, (nll1, nll2)
    assert state2["loss"] < state1["loss"], (state1, state2)

    # asking for no more epochs than done does nothing
    caplog.clear()
    train(replace(tcfg, epochs=6))
    assert "already trained for 6 epochs" in caplog.text


def test_training_rejects_a_series_of_another_width(tmp_path):
    from worldmodels.pipeline.rnn_train import RNNTrainConfig, train
    _synthetic_series(z=4).save(tmp_path / "series.npz")
    cfg = RNNConfig(z_size=8, action_size=1, hidden_units=16, seq_len=30, batch_size=4)
    with pytest.raises(WorldModelsError, match="another V"):
        train(RNNTrainConfig(rnn=cfg, series_path=tmp_path / "series.npz", out_dir=tmp_path / "rnn", epochs=1,
                             tensorboard=False))
    with pytest.raises(WorldModelsError, match="series.py"):
        train(RNNTrainConfig(rnn=cfg, series_path=tmp_path / "none.npz", out_dir=tmp_path / "rnn", epochs=1,
                             tensorboard=False))


def test_advance_is_step_without_the_head():
    from worldmodels.config import RNNConfig
    from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
    cfg = RNNConfig(z_size=4, action_size=2, hidden_units=8, use_restart=True, done_head=True)
    rnn = NumpyMDNRNN(RNNWeights.random(cfg, np.random.default_rng(0), scale=0.5), cfg)
    rng = np.random.default_rng(1)
    z, a = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 2)).astype(np.float32)
    h, c = (rng.standard_normal((3, 8)).astype(np.float32) for _ in range(2))
    restart = np.array([0.0, 1.0, 0.0], np.float32)
    h_step, c_step, _ = rnn.step(z, a, h, c, restart)
    h_adv, c_adv = rnn.advance(z, a, h, c, restart)
    np.testing.assert_array_equal(h_adv, h_step)
    np.testing.assert_array_equal(c_adv, c_step)


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    """Issue #30: 3 epochs straight vs 1 epoch, stop, resume to 3: the same rnn.npz to the bit
    (training epoch e draws its batches and z noise from its own generator; Adam's moments and
    step counter come back from the checkpoint)."""
    from dataclasses import replace

    from worldmodels.pipeline.rnn_train import RNNTrainConfig, train
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=16, seq_len=30, batch_size=4, learning_rate=1e-2,
                    min_learning_rate=1e-2, episode_aligned=False)
    _synthetic_series().save(tmp_path / "series.npz")
    straight = RNNTrainConfig(rnn=cfg, series_path=tmp_path / "series.npz", out_dir=tmp_path / "straight",
                              epochs=3, steps_per_epoch=3, tensorboard=False)
    train(straight)
    interrupted = replace(straight, out_dir=tmp_path / "resumed", epochs=1)
    train(interrupted)
    train(replace(interrupted, epochs=3))
    with np.load(tmp_path / "straight" / "rnn.npz") as a, np.load(tmp_path / "resumed" / "rnn.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
