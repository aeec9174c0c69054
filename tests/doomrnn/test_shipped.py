"""The shipped Doom agents load through model.py's defaults and play a few short dream episodes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAINED = REPO / "doomrnn" / "trained"


def play_dream(*args: str) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, str(REPO / "doomrnn" / "model.py"), "doomrnn", "norender", *args,
                             "--episodes", "4", "--max_steps", "60"], env=env, cwd=REPO / "doomrnn",
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_default_agent_is_the_dream_trained_one_and_plays():
    from doomrnn.config import SHIPPED
    assert SHIPPED.controller.name == "doomrnn.cma.16.64.best.json"
    last = play_dream()
    assert last.startswith("seed 0 average_reward "), last
    reward = float(last.split()[3])
    assert 0 < reward <= 60, last


def test_real_trained_agent_plays_with_its_own_m():
    real = TRAINED / "real"
    last = play_dream(str(real / "doomreal.cma.8.24.best.json"), "3", "--rnn", str(real / "rnn.npz"))
    assert last.startswith("seed 3 average_reward "), last
