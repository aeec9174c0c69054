"""doomrnn/dream_vs_real.py: a dream run's mean scored in the dream and in vizdoom, once per generation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAINED = REPO / "doomrnn" / "trained"


def run(script: str, *args: str, workdir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOOMRNN_WORKDIR": str(workdir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(REPO / "doomrnn" / script), *args], env=env, cwd=workdir,
                          capture_output=True, text=True, timeout=600)


def test_one_generation_scored_in_both_worlds(tmp_path):
    files = ("--rnn", str(TRAINED / "rnn.npz"), "--initial_z", str(TRAINED / "initial_z.json"))
    trained = run("train.py", "-n", "4", "-e", "1", "-g", "1", "--num_procs", "1", "--eval_steps", "0", *files,
                  workdir=tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    scored = run("dream_vs_real.py", "log/doomrnn.cma.1.4.", "--episodes", "2", "--procs", "1", "--max_steps", "40",
                 "--vae", str(TRAINED / "vae.npz"), *files, "--plot", str(tmp_path / "gap.png"), workdir=tmp_path)
    assert scored.returncode == 0, scored.stderr[-3000:]
    rows = json.loads((tmp_path / "log/doomrnn.cma.1.4.dream_vs_real.json").read_text())
    assert len(rows) == 1 and rows[0][0] == 1 and rows[0][5] == 2
    assert 0 < rows[0][1] <= 40 and 0 < rows[0][3] <= 40  # +1 a step survived, at most the cap
    assert (tmp_path / "gap.png").stat().st_size > 1000
