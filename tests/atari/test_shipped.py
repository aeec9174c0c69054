"""The shipped agents (atari/trained/<game>/) load through model.py's default paths and play."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from atari.config import TRAINED, shipped_games, spec_for
from worldmodels.fileio import read_json
from worldmodels.vae import load_weights

REPO = Path(__file__).resolve().parents[2]


# The random agent's mean over 100 episodes, seeds 0..99 (`python env.py --random 100 --game G`; README.md):
# every shipped C's training evaluation must beat it.
RANDOM_SCORE = {"pong": -20.31, "breakout": 1.36, "space_invaders": 156.45, "seaquest": 84.80}


def test_pong_and_the_issue_28_games_are_shipped():
    assert set(shipped_games()) >= {"pong", "breakout", "space_invaders", "seaquest"}


@pytest.mark.parametrize("game", shipped_games())
def test_shipped_agent_is_small_sized_for_its_game_and_beat_random(game):
    spec = spec_for(game)
    folder = TRAINED / game
    assert sum(p.stat().st_size for p in folder.iterdir()) < 30e6  # the issue's bound for V, M and C
    weights = load_weights(folder / "vae.npz", spec.vae)
    assert "mean_frame" in weights  # V was trained with the mean frame
    params, best = read_json(folder / f"{game}.best.json")
    assert len(params) == spec.controller.num_params
    assert best > RANDOM_SCORE[game], (game, best)  # its training evaluation beat random


@pytest.mark.parametrize("game", shipped_games())
@pytest.mark.parametrize("where", ["real", "dream"])
def test_model_py_plays_the_shipped_agent_by_default(where, game):
    out = subprocess.run([sys.executable, "atari/model.py", where, "norender", "--episodes", "2", "--max_steps", "60",
                          "--game", game], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "seed 0 average_reward" in out.stdout.splitlines()[-1], out.stdout[-500:]
