"""fit_mask: M's mask head fitted on real transitions, M frozen (issue #27)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.test_mdnrnn import random_weights
from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError
from worldmodels.mask_head import MaskHead
from worldmodels.mdnrnn import NumpyMDNRNN
from worldmodels.pipeline import fit_mask as fm

CFG = RNNConfig(z_size=4, action_size=3, hidden_units=8, use_restart=True)
LENGTHS = [60, 40, 80, 50, 70, 90, 30, 60, 40, 50]


def synthetic(tmp_path, seed: int = 0, lengths=LENGTHS) -> Series:
    """Episodes whose mask is a rule of z alone: action 0 always, action k where z[k] > 0."""
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    mu = rng.standard_normal((n, CFG.z_size)).astype(np.float16)
    mask = np.concatenate([np.ones((n, 1), bool), mu[:, 1:3] > 0], axis=1)
    action = np.eye(CFG.action_size, dtype=np.float32)[rng.integers(0, CFG.action_size, n)]
    return Series(mu=mu, logvar=np.full((n, CFG.z_size), -20.0, np.float16), action=action,
                  episode_lengths=np.array(lengths), mask=mask)


def test_features_are_z_and_h_before_the_step(tmp_path):
    series = synthetic(tmp_path)
    rnn = NumpyMDNRNN(random_weights(CFG, seed=1), CFG)
    x, y = fm.mask_features(rnn, series, np.array([0, 1]), True, 0, "series")
    np.testing.assert_array_equal(y, series.mask[:100])
    h, c = rnn.initial_state(1)
    z = series.mu.astype(np.float32)
    for t in range(60):  # episode 0: h_t before step t, zero on the first frame
        np.testing.assert_allclose(x[t, CFG.z_size:], h[0], atol=1e-6)
        np.testing.assert_array_equal(x[t, :CFG.z_size], z[t])
        h, c = rnn.advance(z[t:t + 1], series.action[t:t + 1], h, c)
    np.testing.assert_array_equal(x[60, CFG.z_size:], 0.0)  # episode 1 starts from a zero state


def test_fits_a_rule_and_scores_held_out_episodes(tmp_path, capsys):
    random_weights(CFG, seed=2).save(tmp_path / "rnn.npz", CFG)
    synthetic(tmp_path).save(tmp_path / "series.npz")
    synthetic(tmp_path, seed=5, lengths=[50, 50, 50]).save(tmp_path / "held.npz")
    out, report, held = fm.script_main("fit", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz",
                                       ["--z_mean", "--held_out", str(tmp_path / "held.npz"),
                                        "--json", str(tmp_path / "report.json")])
    assert out == tmp_path / "mask.npz"  # beside M
    assert report.episodes == 1 and report.steps == LENGTHS[-1]
    assert held is not None and held.episodes == 3 and held.steps == 150
    for r in (report, held):
        assert r.accuracy > 0.97 and r.per_action[0] == 1.0, r
        assert r.false_allow < 0.05 and r.false_forbid < 0.05, r
    head = MaskHead.load(out, CFG)
    assert head.valid(np.zeros((1, 4), np.float32) + [0, 1, -1, 0], np.zeros((1, 8), np.float32)).tolist() == [
        [True, True, False]]
    printed = capsys.readouterr().out
    assert "held out" in printed and "of the masks exact" in printed
    assert (tmp_path / "report.json").is_file()


def test_a_series_without_masks_is_one_line(tmp_path):
    random_weights(CFG, seed=2).save(tmp_path / "rnn.npz", CFG)
    replace(synthetic(tmp_path), mask=None).save(tmp_path / "series.npz")
    with pytest.raises(WorldModelsError, match="has no action masks: re-run extract.py"):
        fm.script_main("fit", CFG, tmp_path / "rnn.npz", tmp_path / "series.npz", [])
    assert not (tmp_path / "mask.npz").exists()


def test_evaluate_mask_counts():
    valid = np.array([[1, 0], [1, 1], [0, 0]], bool)
    predicted = np.array([[1, 1], [1, 0], [0, 0]], bool)
    accuracy, exact, false_allow, false_forbid, per_action = fm.evaluate_mask(valid, predicted)
    assert (accuracy, exact) == (4 / 6, 1 / 3)
    assert false_allow == 1 / 3 and false_forbid == 1 / 3 and per_action == [1.0, 1 / 3]
