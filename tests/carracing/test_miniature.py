"""The whole CarRacing pipeline on tiny data through the real scripts (carracing/miniature.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from worldmodels.data import Series, load_episode
from worldmodels.fileio import read_json

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_miniature_pipeline_runs_every_step(tmp_path):
    # ~3 min on an idle 2-core machine; far longer when it is busy with a training job
    result = subprocess.run([sys.executable, str(REPO / "carracing" / "miniature.py"), "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = sorted((tmp_path / "record").glob("*.npz"))
    assert len(records) == 2
    episode = load_episode(records[0])
    assert episode["obs"].shape == (60, 64, 64, 3) and episode["action"].shape == (60, 3)
    series = Series.load(tmp_path / "series" / "series.npz")
    assert series.mu.shape == (120, 32) and len(series.episode_lengths) == 2
    hist = read_json(tmp_path / "log" / "carracing.cma.2.4.hist.json")
    assert [row[0] for row in hist] == [1, 2]
    assert max(row[8] for row in hist) <= 30  # episodes capped by --max_steps
    params, reward = read_json(tmp_path / "log" / "carracing.cma.2.4.best.json")
    assert len(params) == 867
    assert "seed 0 average_reward" in result.stdout  # every model.py step (any failing step fails the run)
    v_only, _ = read_json(tmp_path / "log" / "carracing_z.cma.1.4.best.json")
    assert len(v_only) == 99  # 3 x 32 + 3 [paper sec. 3.4, V model only]
    for video in ("real.gif", "dream.gif", "dream_z.gif"):  # dream_z: the V-only C in the dream
        assert (tmp_path / video).stat().st_size > 0, video
