"""The whole Atari pipeline on tiny Pong data through the real scripts (atari/miniature.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from worldmodels.data import Series
from worldmodels.fileio import read_json

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_miniature_pipeline_runs_every_step(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "atari" / "miniature.py"), "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert len(list((tmp_path / "pong" / "record").glob("*.npz"))) == 3
    series = Series.load(tmp_path / "pong" / "series" / "series.npz")
    assert series.mu.shape[1] == 32 and series.action.shape[1] == 6 and len(series.episode_lengths) == 3
    assert series.reward is not None and series.done is not None
    for name in ("pong", "pong_dream"):
        hist = read_json(tmp_path / "log" / f"{name}.cma.2.4.hist.json")
        assert [row[0] for row in hist] == [1, 2], name
        params, _ = read_json(tmp_path / "log" / f"{name}.cma.2.4.best.json")
        assert len(params) == (32 + 256) * 6 + 6, name
    assert result.stdout.count("seed 0 average_reward") == 5  # the last: the shipped copy
    shipped = tmp_path / "trained" / "pong"
    assert sorted(p.name for p in shipped.iterdir()) == [
        "initial_z.json", "pong.best.json", "pong.hist.json", "pong.log.json", "rnn.npz", "vae.npz"]
    assert (tmp_path / "real.gif").stat().st_size > 0 and (tmp_path / "dream.gif").stat().st_size > 0
