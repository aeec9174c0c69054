"""fit_heads: reward and done heads fitted on a frozen M's h (issue #25, item 2)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.test_mdnrnn import random_weights
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
from worldmodels.pipeline import fit_heads as fh

CFG = RNNConfig(z_size=3, action_size=2, hidden_units=8, num_mixtures=2)
LENGTHS = [120, 90, 150, 60, 110, 130, 100, 80]


def synthetic(tmp_path, weights: RNNWeights, reward_w: np.ndarray | None = None, done: bool = True):
    """A series whose reward is linear in M's h (after each step) and whose ends are where a linear
    score of h is highest in each episode; M's weights at tmp_path/rnn.npz."""
    rng = np.random.default_rng(1)
    n = sum(LENGTHS)
    mu = rng.standard_normal((n, CFG.z_size)).astype(np.float16)
    action = rng.uniform(-1, 1, (n, CFG.action_size)).astype(np.float32)
    series = Series(mu=mu, logvar=np.full((n, CFG.z_size), -20.0, np.float16), action=action,
                    episode_lengths=np.array(LENGTHS))
    rnn = NumpyMDNRNN(weights, CFG)
    h = fh.hidden_after(rnn, mu.astype(np.float32), action, series.episode_starts, series.episode_lengths)
    w = np.random.default_rng(2).standard_normal(CFG.hidden_units) if reward_w is None else reward_w
    reward = (h @ w + 0.5).astype(np.float32)
    ends = np.zeros(n, np.float32)
    if done:
        ends[np.cumsum(LENGTHS)[::2] - 1] = 1.0  # every other episode ended by the game
    weights.save(tmp_path / "rnn.npz", CFG)
    replace(series, reward=reward, done=ends).save(tmp_path / "series.npz")
    return h, w, reward, ends


def test_hidden_after_matches_one_episode_at_a_time():
    rnn = NumpyMDNRNN(random_weights(CFG, seed=4), CFG)
    rng = np.random.default_rng(0)
    z, a = rng.standard_normal((30, 3)).astype(np.float32), rng.uniform(-1, 1, (30, 2)).astype(np.float32)
    got = fh.hidden_after(rnn, z, a, np.array([0, 10]), np.array([10, 20]), batch=2)
    for start, length in ((0, 10), (10, 20)):
        h, c = rnn.initial_state(1)
        for t in range(length):  # the row of step t is h after (z_t, a_t): what M's output reads
            h, c = rnn.advance(z[start + t:start + t + 1], a[start + t:start + t + 1], h, c)
            np.testing.assert_allclose(got[start + t], h[0], atol=1e-6)


def test_recovers_linear_heads_and_keeps_every_other_weight(tmp_path):
    weights = random_weights(CFG, seed=3)
    h, w, reward, ends = synthetic(tmp_path, weights)
    out, _ = fh.script_main("fit", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz",
                            ["--z_mean", "--out", str(tmp_path / "heads.npz"), "--fit_ends"])
    heads_cfg = fh.heads_config(CFG, out)
    assert heads_cfg.done_head and heads_cfg.reward_head
    got = RNNWeights.load(out, heads_cfg)
    for name in ("kernel", "recurrent", "bias"):
        assert np.array_equal(getattr(got, name), getattr(weights, name))
    assert np.array_equal(got.output_w[:, 1:-1], weights.output_w)
    assert np.array_equal(got.output_b[1:-1], weights.output_b)
    np.testing.assert_allclose(got.output_w[:, -1], w, atol=2e-2)
    assert got.output_b[-1] == pytest.approx(0.5, abs=2e-2)
    m = NumpyMDNRNN(got, heads_cfg)
    _, logit, pred = m.sample_next(h, 1.0, np.random.default_rng(0))
    np.testing.assert_allclose(pred, reward, atol=2e-2)
    assert logit is not None
    assert fh._auc(logit, ends) > 0.9
    # the z prediction is M's own: same samples from the same draws
    z_plain, _, _ = NumpyMDNRNN(weights, CFG).sample_next(h, 1.0, np.random.default_rng(5))
    z_heads, _, _ = m.sample_next(h, 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(z_plain, z_heads)


def test_keras_builder_loads_it(tmp_path):
    keras_mdnrnn = pytest.importorskip("worldmodels.keras_mdnrnn")
    synthetic(tmp_path, random_weights(CFG, seed=3))
    out, _ = fh.script_main("fit", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz", [])
    cfg = fh.heads_config(CFG, out)
    model = keras_mdnrnn.build_mdnrnn(cfg)
    keras_mdnrnn.set_weights(model, RNNWeights.load(out, cfg))
    assert np.array_equal(keras_mdnrnn.get_weights(model).output_w, RNNWeights.load(out, cfg).output_w)


def test_done_logistic_weights_positives():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4000, 3)).astype(np.float32)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ [2.0, -1.0, 0.5] - 4.0)))).astype(np.float32)
    plain, _ = fh.fit_done(x, y, 1.0, l2=0.0)
    weighted, _ = fh.fit_done(x, y, 10.0, l2=0.0)
    np.testing.assert_allclose(plain[:3], [2.0, -1.0, 0.5], atol=0.35)
    assert weighted[-1] - plain[-1] == pytest.approx(np.log(10.0), abs=0.35)  # weighting shifts the intercept


def test_evaluate_counts_ends_and_windows():
    lengths = np.array([3, 2])
    reward = np.array([1.0, 2.0, -100.0, 0.5, 0.5])
    done = np.array([0, 0, 1, 0, 0.0])
    report = fh.evaluate_heads(reward, done, reward.copy(), np.array([-1, 1, 2, -1, -1.0]), lengths, -100.0)
    assert (report.ends, report.ends_flagged, report.false_alarms) == (1, 1, 1)
    assert report.done_auc == 1.0 and report.done_accuracy == pytest.approx(0.8)
    assert report.reward_r2_no_ends == 1.0


def run(argv):
    with pytest.raises(SystemExit) as info:
        cli_main(lambda args: fh.script_main("fit", CFG, argv[0], argv[1], args), argv[2:])
    return info.value.code


def test_bad_input_is_one_line(tmp_path, capsys):
    synthetic(tmp_path, random_weights(CFG, seed=3))
    rnn, series = tmp_path / "rnn.npz", tmp_path / "series.npz"
    assert run([tmp_path / "none.npz", series]) == 2
    assert "not found" in capsys.readouterr().err
    Series(**{k: getattr(Series.load(series), k) for k in ("mu", "logvar", "action", "episode_lengths")}).save(
        tmp_path / "plain.npz")
    assert run([rnn, tmp_path / "plain.npz"]) == 2
    err = capsys.readouterr().err
    assert "no reward array" in err and len(err.strip().splitlines()) == 1
    out, _ = fh.script_main("fit", CFG, rnn, series, [])
    assert run([out, series, "--out", str(tmp_path / "x.npz")]) == 2
    assert "--refit" in capsys.readouterr().err
    again, _ = fh.script_main("fit", CFG, out, series, ["--refit", "--out", str(tmp_path / "again.npz")])
    assert np.array_equal(RNNWeights.load(again, fh.heads_config(CFG, again)).output_w,
                          RNNWeights.load(out, fh.heads_config(CFG, out)).output_w)
    assert run([rnn, series, "--episodes", "99"]) == 2
    assert "holds 8 episodes" in capsys.readouterr().err
    assert run([rnn, series, "--out", str(rnn)]) == 2
    assert run([rnn, series, "--done_weight", "0"]) == 2


def test_no_done_step_is_one_line(tmp_path):
    synthetic(tmp_path, random_weights(CFG, seed=3), done=False)
    with pytest.raises(WorldModelsError, match="no done step"):
        fh.script_main("fit", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz", [])
