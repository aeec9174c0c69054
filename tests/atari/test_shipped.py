"""The shipped Pong agent (atari/trained/pong/) loads through model.py's default paths and plays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from atari.config import TRAINED, shipped_games, spec_for
from worldmodels.fileio import read_json
from worldmodels.vae import load_weights

REPO = Path(__file__).resolve().parents[2]


def test_pong_is_shipped_small_and_sized_for_pong():
    assert "pong" in shipped_games()
    spec = spec_for("Pong")
    folder = TRAINED / "pong"
    assert sum(p.stat().st_size for p in folder.iterdir()) < 30e6  # the bound for V, M and C
    weights = load_weights(folder / "vae.npz", spec.vae)
    assert "mean_frame" in weights  # V was trained with the mean frame
    params, best = read_json(folder / "pong.best.json")
    assert len(params) == spec.controller.num_params and best > -20.7, best  # its training eval beat random


@pytest.mark.parametrize("where", ["real", "dream"])
def test_model_py_plays_the_shipped_agent_by_default(where):
    out = subprocess.run([sys.executable, "atari/model.py", where, "norender", "--episodes", "2", "--max_steps", "60"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "seed 0 average_reward" in out.stdout.splitlines()[-1], out.stdout[-500:]
