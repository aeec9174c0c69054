"""The whole bin packing pipeline on tiny data through the real scripts (binpacking/miniature.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from worldmodels.data import Series, load_episode
from worldmodels.fileio import read_json

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_miniature_pipeline_runs_every_step(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "binpacking" / "miniature.py"), "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = sorted((tmp_path / "record").glob("*.npz"))
    assert len(records) == 4
    with np.load(records[0]) as ep:
        assert ep["obs"].shape == (30, 64, 64, 3) and ep["action"].shape == (30, 9)
        assert ep["action"].dtype == np.float32 and (ep["action"].sum(axis=1) == 1).all()
        assert ep["reward"].shape == (30,) and ep["done"].tolist() == [0.0] * 29 + [1.0]
    assert load_episode(records[0])["obs"].dtype == np.uint8
    series = Series.load(tmp_path / "series" / "series.npz")
    assert series.mu.shape == (120, 32) and series.action.shape == (120, 9)
    assert series.reward is not None and series.done is not None
    hist = read_json(tmp_path / "log" / "linear_waste" / "binpacking.cma.2.4.hist.json")
    assert [row[0] for row in hist] == [1, 2]
    params, reward = read_json(tmp_path / "log" / "linear_waste" / "binpacking.cma.2.4.best.json")
    assert len(params) == 2601 and reward < 0  # waste is never negative
    assert result.stdout.count("seed 0 average_reward") == 3  # model.py real, model.py dream, dream_model.py
    assert (tmp_path / "dream.gif").stat().st_size > 0


@pytest.mark.slow
def test_miniature_pipeline_at_capacity_100(tmp_path):
    """The same steps with --distribution perfect_pack_large (README.md, "Capacity 100"): 100 actions,
    V with z = 64 (vae_train.py and series.py take the capacity from the records, rnn_train.py and
    fit_mask.py from the series), C of 32,100 params evolved by CMA-ES with a diagonal covariance."""
    result = subprocess.run([sys.executable, str(REPO / "binpacking" / "miniature.py"), "--workdir", str(tmp_path),
                             "--distribution", "perfect_pack_large"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = sorted((tmp_path / "record").glob("*.npz"))
    assert len(records) == 4
    with np.load(records[0]) as ep:
        assert ep["obs"].shape == (30, 64, 64, 3) and ep["action"].shape == (30, 100) and ep["mask"].shape == (30, 100)
    with np.load(tmp_path / "tf_vae" / "vae.npz") as vae:
        assert vae["enc_fc_mu/kernel"].shape == (1024, 64)
    series = Series.load(tmp_path / "series" / "series.npz")
    assert series.mu.shape == (120, 64) and series.action.shape == (120, 100)
    with np.load(tmp_path / "tf_rnn" / "mask.npz") as mask:
        assert mask["mask_w"].shape == (64 + 256, 100)
    for log in ("perfect_pack_large", "dream/perfect_pack_large"):
        params, _ = read_json(tmp_path / "log" / log / "binpacking.cma.2.4.best.json")
        assert len(params) == (64 + 256) * 100 + 100
    assert (result.stdout + result.stderr).count("training binpacking: cma (diagonal covariance), popsize 4") == 2
    assert result.stdout.count("seed 0 average_reward") == 3  # model.py real, model.py dream, dream_model.py
    assert (tmp_path / "dream.gif").stat().st_size > 0
