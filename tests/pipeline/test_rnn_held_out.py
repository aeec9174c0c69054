"""rnn_train's held-out NLL per epoch (--held_out) and its stop once that NLL is flat (--until_flat,
issue #26: "under 1 % better over the last fifth of the run"). Tiny M, the checkpoint tests' data."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from tests.pipeline.test_checkpoints import tcfg  # noqa: F401  (the fixture)
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
from worldmodels.pipeline import rnn_train
from worldmodels.pipeline.rnn_check import check_rnn


@pytest.mark.parametrize("nll,stops", [
    ([1.0] * 9, False),                                   # fewer than 10 epochs: never
    (list(np.linspace(1.0, 0.5, 10)), False),             # still falling fast
    ([1.0] * 8 + [0.995, 0.994], True),                   # 0.6 % over the last two epochs
    ([1.0] * 8 + [0.995, 0.98], False),                   # 1.5 %
    ([-2.0] * 8 + [-2.01, -2.015], True),                 # a negative NLL: relative to its size
    ([1.0] * 20 + [0.995] * 3 + [0.992], True),           # 24 epochs: 0.8 % since epoch 20
])
def test_flat(nll, stops):
    assert rnn_train.flat(nll) is stops


def test_held_out_nll_per_epoch_and_resume(tcfg):  # noqa: F811
    cfg = replace(tcfg, held_out=tcfg.series_path, held_out_episodes=2, epochs=2)
    rnn_train.train(cfg)
    rows = json.loads((cfg.out_dir / "held_out.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2] and [r["steps"] for r in rows] == [2, 4]
    from worldmodels.data import Series
    m = NumpyMDNRNN(RNNWeights.load(cfg.out_dir / "rnn.npz", cfg.rnn), cfg.rnn)
    assert rows[-1]["held_out_nll"] == pytest.approx(check_rnn(m, Series.load(cfg.series_path), 2).z_nll, rel=1e-6)
    rnn_train.train(replace(cfg, epochs=3))  # resumed: epoch 3 appended, 1 and 2 kept
    assert [r["epoch"] for r in json.loads((cfg.out_dir / "held_out.json").read_text())] == [1, 2, 3]


def test_until_flat_stops_and_needs_held_out(tcfg, monkeypatch):  # noqa: F811
    monkeypatch.setattr(rnn_train, "flat", lambda nll: len(nll) >= 2)  # "flat" after the second epoch
    cfg = replace(tcfg, held_out=tcfg.series_path, held_out_episodes=2, epochs=5, until_flat=True)
    rnn_train.train(cfg)
    assert json.loads((cfg.out_dir / "checkpoint.json").read_text())["epochs_done"] == 2
    before = (cfg.out_dir / "rnn.npz").read_bytes()
    rnn_train.train(cfg)  # the same command again: M is already flat, so it is left as it is
    assert json.loads((cfg.out_dir / "checkpoint.json").read_text())["epochs_done"] == 2
    assert (cfg.out_dir / "rnn.npz").read_bytes() == before
    rnn_train.train(replace(cfg, until_flat=False, epochs=3))  # without --until_flat it trains on
    assert json.loads((cfg.out_dir / "checkpoint.json").read_text())["epochs_done"] == 3
    with pytest.raises(WorldModelsError, match="--until_flat needs --held_out"):
        rnn_train.script_main("x", replace(tcfg, out_dir=tcfg.out_dir), ["--until_flat"])


def test_init_from_starts_a_new_run_only(tcfg, monkeypatch, tmp_path):  # noqa: F811
    from worldmodels import keras_mdnrnn
    start = RNNWeights.random(tcfg.rnn, np.random.default_rng(5))
    start.save(tmp_path / "start.npz", tcfg.rnn)
    set_to = []
    real_set = keras_mdnrnn.set_weights
    monkeypatch.setattr(keras_mdnrnn, "set_weights", lambda model, w: (set_to.append(w), real_set(model, w)))
    cfg = replace(tcfg, epochs=1, init_from=tmp_path / "start.npz")
    rnn_train.train(cfg)
    assert len(set_to) == 1 and np.array_equal(set_to[0].kernel, start.kernel)
    trained = RNNWeights.load(cfg.out_dir / "rnn.npz", cfg.rnn)  # one epoch on from there: near, not equal
    assert not np.array_equal(trained.kernel, start.kernel)
    assert np.abs(trained.kernel - start.kernel).max() < 0.05
    rnn_train.train(replace(cfg, epochs=2))  # resumed from its checkpoint: the start file plays no part
    assert len(set_to) == 1
    with pytest.raises(WorldModelsError, match="no RNN weights"):
        rnn_train.train(replace(cfg, out_dir=tmp_path / "other", init_from=tmp_path / "missing.npz"))


def test_add_series_trains_on_both_and_refuses_another_v(tcfg, caplog, tmp_path):  # noqa: F811
    import logging

    from worldmodels.data import Series
    caplog.set_level(logging.INFO, logger="worldmodels.pipeline.rnn_train")
    base = Series.load(tcfg.series_path)
    more = Series(mu=base.mu[:22], logvar=base.logvar[:22], action=base.action[:22], episode_lengths=np.full(2, 11))
    more.save(tmp_path / "more.npz")
    rnn_train.train(replace(tcfg, add_series=(tmp_path / "more.npz",)))
    assert "M: 6 episodes, 66 frames" in caplog.text
    other_v = replace(more, mu=np.zeros((22, 7), np.float32), logvar=np.zeros((22, 7), np.float32))
    other_v.save(tmp_path / "other.npz")
    with pytest.raises(WorldModelsError, match=r"other.npz.*different z / action widths"):
        rnn_train.train(replace(tcfg, out_dir=tmp_path / "x", add_series=(tmp_path / "other.npz",)))
    with pytest.raises(WorldModelsError, match="no series at .*missing.npz"):
        rnn_train.train(replace(tcfg, out_dir=tmp_path / "y", add_series=(tmp_path / "missing.npz",)))


def test_held_out_steps_count_on_when_an_epoch_grows(tcfg):  # noqa: F811
    """Iterative training adds data, so a resumed run's epochs have more batches: the log's steps are
    the batches really trained, not epoch x the current batches per epoch."""
    cfg = replace(tcfg, held_out=tcfg.series_path, held_out_episodes=2, epochs=1, steps_per_epoch=2)
    rnn_train.train(cfg)
    rnn_train.train(replace(cfg, epochs=2, steps_per_epoch=3))
    rows = json.loads((cfg.out_dir / "held_out.json").read_text())
    assert [r["steps"] for r in rows] == [2, 5]
