"""The whole Doom pipeline on tiny data through the real scripts (doomrnn/miniature.py)."""

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
    result = subprocess.run([sys.executable, str(REPO / "doomrnn" / "miniature.py"), "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert len(list((tmp_path / "record").glob("*.npz"))) == 4
    series = Series.load(tmp_path / "series" / "series.npz")
    assert series.mu.shape[1] == 64 and len(series.episode_lengths) == 4
    hist = read_json(tmp_path / "log" / "doomrnn.cma.2.4.hist.json")
    assert [row[0] for row in hist] == [1, 2, 3]
    params, reward = read_json(tmp_path / "log" / "doomrnn.cma.2.4.best.json")
    assert len(params) == 1088 and reward > 0
    assert "seed 0 average_reward" in result.stdout
    assert (tmp_path / "dream.gif").stat().st_size > 0
