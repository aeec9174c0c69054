"""Issue #30: the same seed gives the same training, to the last bit, for any number of MPI workers:
train.py with --num_procs 1 (no MPI), 2 (one worker) and 3 (two workers, an uneven split of the
population), in Doom's dream and in a real game (bin packing, the cheapest), with the shipped V
and M. The per-batch pieces are tested in tests/test_dream.py and tests/test_rowwise.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.blas_platform import ROWWISE_NEEDS_AVX512

REPO = Path(__file__).resolve().parents[1]
MPIEXEC = Path(sys.executable).parent / "mpiexec"

# population 5 (split 3 + 2 over two workers), 2 episodes each, two generations, the mean evaluated
# at generation 2 on 10 more episodes
SMALL = ["-n", "5", "-e", "2", "-g", "2", "--eval_steps", "2"]
RUNS = {
    "doomrnn": (["--rnn", "trained/rnn.npz", "--initial_z", "trained/initial_z.json"], "doomrnn.cma.2.5"),
    "binpacking": (["--real", "--vae", "trained/vae.npz", "--rnn", "trained/rnn.npz", "--items", "40"],
                   "binpacking.cma.2.5"),
}


def _train(folder: str, procs: int, log_dir: Path) -> tuple[np.ndarray, list]:
    args, prefix = RUNS[folder]
    env = {k: v for k, v in os.environ.items() if k not in ("WORLDMODELS_IN_MPI", "PMI_RANK", "PMI_SIZE")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    cmd = [sys.executable, "train.py", *SMALL, *args, "--num_procs", str(procs), "--log_dir", str(log_dir)]
    result = subprocess.run(cmd, cwd=REPO / folder, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{max(procs - 1, 1)} worker process(es)" in result.stderr, result.stderr[-2000:]
    hist = np.array(json.loads((log_dir / f"{prefix}.hist.json").read_text()))
    evals = json.loads((log_dir / f"{prefix}.hist_best.json").read_text())
    return hist, evals


@ROWWISE_NEEDS_AVX512
@pytest.mark.skipif(not MPIEXEC.is_file(), reason=f"no mpiexec next to {sys.executable}")
@pytest.mark.parametrize("folder", sorted(RUNS))
def test_same_hist_rows_for_one_two_and_three_processes(tmp_path, folder):
    runs = {procs: _train(folder, procs, tmp_path / f"procs{procs}") for procs in (1, 2, 3)}
    hist, evals = runs[1]
    assert hist.shape[0] == 2 and len(evals) == 1
    for procs in (2, 3):
        other_hist, other_evals = runs[procs]
        # column 1 is the wall-clock time; every other column (the rewards' avg, min, max, std, sigma,
        # the episodes' lengths) must match exactly
        np.testing.assert_array_equal(np.delete(other_hist, 1, axis=1), np.delete(hist, 1, axis=1), err_msg=f"{procs}")
        assert [row[2:] for row in other_evals] == [row[2:] for row in evals], procs
