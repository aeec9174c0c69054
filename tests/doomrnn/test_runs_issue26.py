"""doomrnn/runs/issue26/iterate.bash on a tiny work folder: round 0 (C in M's dream) and one round of
iterative training (C's own episodes, M further on old + new, C again), each into the gap table; then
table2.bash (C per temperature) on round 0's M."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOOM = REPO / "doomrnn"


def step(workdir: Path, script: str, *args: str) -> None:
    env = {**os.environ, "DOOMRNN_WORKDIR": str(workdir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, script, *args, "--no_progress"] if script == "extract.py" else
                          [sys.executable, script, *args], cwd=DOOM, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """What run.bash leaves, in miniature: random episodes, held-out ones, their series, M (1 epoch)."""
    w = tmp_path / "w"
    (w / "tf_vae").mkdir(parents=True)
    shutil.copy(DOOM / "trained" / "vae.npz", w / "tf_vae" / "vae.npz")
    step(w, "extract.py", "--num_episodes", "3", "--min_frames", "0", "--max_frames", "60")
    step(w / "held", "extract.py", "--num_episodes", "2", "--min_frames", "0", "--max_frames", "60", "--seed", "99",
         "--worker", "99")
    step(w, "series.py")
    step(w / "held", "series.py", "--vae", str(w / "tf_vae" / "vae.npz"))
    step(w, "rnn_train.py", "--epochs", "1", "--init_from", "trained/rnn.npz", "--seq_len", "50", "--batch_size", "4",
         "--held_out", str(w / "held" / "series" / "series.npz"), "--held_out_episodes", "2")
    return w


def test_iterate_runs_round_0_and_one_round_and_resumes(workdir):
    env = {**os.environ, "WORKDIR": str(workdir), "GENERATIONS": "1", "ROUND_EPISODES": "2", "ROUND_EPOCHS": "1",
           "EPISODES": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = ["bash", str(DOOM / "runs" / "issue26" / "iterate.bash"), "1", "-n", "4", "-e", "1", "--eval_steps", "1",
           "--num_procs", "1"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line.split("\t") for line in (workdir / "gap.tsv").read_text().splitlines()]
    assert [r[0] for r in rows] == ["round 0 (tau 1.15)", "round 1 (tau 1.15)"]
    assert all(len(r) == 8 and float(r[6]) > 0 for r in rows)  # dream 1.00, 1.15 and real: mean, std
    assert len(list((workdir / "iter" / "1" / "record").glob("20[23]_*.npz"))) == 2  # C's own episodes
    assert (workdir / "iter" / "1" / "m_epochs").read_text().strip() == "2"  # M: one epoch more, on old + new
    before = (workdir / "iter" / "1" / "rnn.npz").read_bytes()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)  # everything is done: kept
    assert again.returncode == 0 and (workdir / "iter" / "1" / "rnn.npz").read_bytes() == before
    assert "launching" not in again.stdout + again.stderr
    table2 = subprocess.run(["bash", str(DOOM / "runs" / "issue26" / "table2.bash"), *cmd[3:]],
                            env={**env, "TAUS": "0.50 1.15"}, capture_output=True, text=True, timeout=900)
    assert table2.returncode == 0, table2.stderr[-3000:]
    rows = [line.split("\t") for line in (workdir / "table2.tsv").read_text().splitlines()]
    assert [r[0] for r in rows] == ["0.50", "1.15"] and all(len(r) == 7 for r in rows)
    assert (workdir / "table2" / "tau0.50" / "done").is_file()
    assert not (workdir / "table2" / "tau1.15").exists()  # round 0 of iterate.bash is that run


def test_iterate_without_run_bash_says_what_to_run(tmp_path):
    done = subprocess.run(["bash", str(DOOM / "runs" / "issue26" / "iterate.bash"), "1"],
                          env={**os.environ, "WORKDIR": str(tmp_path)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "run.bash" in done.stderr


def test_run_bash_starts_m_from_the_kept_stage1_m():
    """run.bash rebuilds M0 from the M shipped until 2026-12-06, kept in state/, not from trained/rnn.npz
    (that is M0 itself since it shipped: a rebuild from it would not give M0)."""
    from doomrnn.config import SPEC
    from worldmodels.mdnrnn import RNNWeights

    text = (DOOM / "runs" / "issue26" / "run.bash").read_text()
    assert 'INIT_FROM="${INIT_FROM-$HERE/state/stage1_rnn.npz}"' in text
    stage1 = DOOM / "runs" / "issue26" / "state" / "stage1_rnn.npz"
    RNNWeights.load(stage1, SPEC.rnn)  # an M of Doom's sizes
    assert stage1.read_bytes() != (DOOM / "trained" / "rnn.npz").read_bytes()
