"""rnn_check: done-head hit rates and z NLL of M teacher-forced on recorded episodes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.test_mdnrnn import random_weights
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import NumpyMDNRNN, mdn_nll, split_output
from worldmodels.pipeline.rnn_check import check_rnn, script_main

CFG = RNNConfig(z_size=2, action_size=1, hidden_units=4, use_restart=True, done_head=True)
LENGTHS = [5, 3, 7]


def make_series(done_at_end=(1.0, 0.0, 1.0)) -> Series:
    rng = np.random.default_rng(0)
    n = sum(LENGTHS)
    done = np.zeros(n, np.float32)
    done[np.cumsum(LENGTHS) - 1] = done_at_end  # the second episode hit a step cap: not a death
    return Series(mu=rng.standard_normal((n, 2)).astype(np.float16), logvar=np.zeros((n, 2), np.float16),
                  action=rng.uniform(-1, 1, (n, 1)).astype(np.float32),
                  episode_lengths=np.array(LENGTHS), done=done)


def rnn_with_done_bias(bias: float) -> NumpyMDNRNN:
    w = random_weights(CFG)
    w.output_w[:, 0] = 0.0
    w.output_b[0] = bias
    return NumpyMDNRNN(w, CFG)


@pytest.mark.parametrize("bias, hit, alarms", [(2.0, 2, 1.0), (-2.0, 0, 0.0)])
def test_counts_deaths_and_false_alarms(bias, hit, alarms):
    got = check_rnn(rnn_with_done_bias(bias), make_series(), episodes=3)
    assert (got.episodes, got.frames, got.deaths) == (3, 15, 2)
    assert got.deaths_hit == hit
    assert got.false_alarm_rate == alarms


def test_last_episodes_only_and_nll_matches_per_episode_reference():
    rnn = NumpyMDNRNN(random_weights(CFG, seed=3), CFG)
    series = make_series()
    got = check_rnn(rnn, series, episodes=2)
    assert (got.frames, got.deaths) == (10, 1)
    total, count = 0.0, 0
    for start, length in zip(series.episode_starts[1:], LENGTHS[1:]):
        z = series.mu[start:start + length].astype(np.float32)[None]
        a = series.action[start:start + length][None]
        restart = np.zeros((1, length), np.float32)
        restart[0, 0] = 1.0
        y, _, _ = rnn.sequence(z, a, restart)
        nll = mdn_nll(split_output(y[0, :-1], CFG), z[0, 1:])
        total, count = total + nll.sum(), count + nll.size
    assert got.z_nll == pytest.approx(total / count, rel=1e-5)


def test_m_without_done_head_gets_z_nll_only(capsys):
    no_head = replace(CFG, done_head=False)
    weights = random_weights(no_head, seed=3)
    with_head = replace(weights,   # the same M plus a done column in front
                        output_w=np.concatenate([np.zeros((4, 1), np.float32), weights.output_w], axis=1),
                        output_b=np.concatenate([[0.0], weights.output_b]).astype(np.float32))
    got = check_rnn(NumpyMDNRNN(weights, no_head), make_series(), episodes=2)
    ref = check_rnn(NumpyMDNRNN(with_head, CFG), make_series(), episodes=2)
    assert (got.done_head, got.deaths, got.deaths_hit, got.false_alarm_rate) == (False, 0, 0, 0.0)
    assert got.z_nll == pytest.approx(ref.z_nll, rel=1e-6)
    assert "done logit" not in got.summary() and "z NLL" in got.summary()


def test_bad_input_is_one_clear_error(tmp_path):
    with pytest.raises(WorldModelsError, match="holds 3 episodes"):
        check_rnn(rnn_with_done_bias(0.0), make_series(), episodes=4)
    with pytest.raises(WorldModelsError, match="rnn_train.py"):
        script_main("x", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz", [])


def test_script_prints_summary(tmp_path, capsys):
    random_weights(CFG).save(tmp_path / "rnn.npz", CFG)
    make_series().save(tmp_path / "series.npz")
    got = script_main("x", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz", ["--episodes", "3"])
    assert got.frames == 15
    assert "on the last 3 recorded episodes (15 frames)" in capsys.readouterr().out
