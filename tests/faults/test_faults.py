"""The short version of the fault injection (tests/faults/inject.py --quick): bin packing's series and
train steps killed with SIGKILL at one seeded point each and re-run, and one MPI worker rank killed
with the printed resume command run; every end result must be the uninterrupted run's.
The full version (every environment, step and fault) is ``python -m tests.faults.inject``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.faults import inject

MPIEXEC = Path(sys.executable).parent / "mpiexec"


@pytest.mark.skipif(not MPIEXEC.is_file() or not Path("/proc").is_dir() or shutil.which("nice") is None,
                    reason="needs mpiexec next to python, /proc and nice")
def test_killed_steps_end_as_an_uninterrupted_run(tmp_path):
    envs, steps, faults = inject.QUICK
    report, _ = inject.run(list(envs), list(steps), list(faults), trials=1, seed=0, workdir=tmp_path)
    table = report.table(list(faults))
    assert len(report.cells) == 3, table  # series x SIGKILL, train x SIGKILL, train x worker_kill
    assert not report.bad(), table


def test_comparison_ignores_times_and_sees_a_changed_array(tmp_path):
    import json

    import numpy as np

    a, b = tmp_path / "a", tmp_path / "b"
    for d, t, x in ((a, 1.5, 0.0), (b, 9.25, 0.0)):
        d.mkdir()
        (d / "run.hist.json").write_text(json.dumps([[1, t, -3.0, 2.0]]))
        (d / "state.json").write_text(json.dumps({"elapsed": t, "epochs_done": 1}))
        np.savez(d / "w.npz", w=np.array([1.0, x]))
    assert inject._same_file("run.hist.json", a / "run.hist.json", b / "run.hist.json") is None
    assert inject._same_file("state.json", a / "state.json", b / "state.json") is None
    assert inject._same_file("w.npz", a / "w.npz", b / "w.npz") is None
    np.savez(b / "w.npz", w=np.array([1.0, 1e-7]))
    assert inject._same_file("w.npz", a / "w.npz", b / "w.npz") == "w.npz[w] (max abs diff 1e-07)"
