"""extract.bash (worldmodels/scripts/extract_workers.bash, shared by every environment) under Ctrl-C and
SIGTERM: every worker stops, no episode is left half-written, the exit status says so, and the same
command then resumes. Bin packing's extract.py: the quickest game to start."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from worldmodels.data import load_episode

REPO = Path(__file__).resolve().parents[2]
# 2 workers x 80 episodes of 1000 items: ~0.2 s an episode, so the workers are still busy when the
# signal comes (after each wrote its first episode), with margin for a worker that starts late on a
# loaded machine, and a full re-run takes seconds. (The fresh-clone failures once blamed on load were
# the inherited SIG_IGN that _default_signals clears.)
EPISODES = 160
COMMAND = ["bash", str(REPO / "binpacking" / "extract.bash"), "-w", "2", "-e", str(EPISODES), "--",
           "--items", "1000", "--no_progress"]


def _default_signals() -> None:
    """In the child: SIGINT and SIGTERM as a terminal's job has them. A signal ignored when bash starts
    cannot be trapped, and dispositions are inherited: an earlier test in this pytest process that
    ran code ignoring SIGINT (estool's exit path after a Ctrl-C) made extract.bash deaf to it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _start(tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "BINPACKING_WORKDIR": str(tmp_path), "OMP_NUM_THREADS": "1"}
    # a session of its own, as a terminal's foreground job: Ctrl-C reaches its whole process group
    return subprocess.Popen(COMMAND, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_signals)


def _wait_for_workers(proc: subprocess.Popen, record: Path) -> list[psutil.Process]:
    """The worker processes, once each has written an episode (so each is past its start-up)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if {p.name.split("_")[0] for p in record.glob("*.npz")} == {"0", "1"}:
            workers = psutil.Process(proc.pid).children()
            assert len(workers) == 2 and all(w.status() != psutil.STATUS_ZOMBIE for w in workers), workers
            return workers
        time.sleep(0.05)
    raise AssertionError("the workers wrote nothing in 120 s")


def _gone(worker: psutil.Process) -> bool:
    try:
        return worker.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("how, status", [("ctrl-c", 130), ("sigterm", 143)])
def test_a_signal_stops_every_worker_and_the_same_command_resumes(tmp_path, how, status):
    record = tmp_path / "record"
    proc = _start(tmp_path)
    try:
        workers = _wait_for_workers(proc, record)
        if how == "ctrl-c":  # the terminal sends SIGINT to the foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        else:  # kill PID: the script alone
            os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == status, (out, err)
    assert all(_gone(w) for w in workers), [w.pid for w in workers if not _gone(w)]
    assert "interrupted; stopping 2 workers" in err and "re-run the same command to resume" in err, err
    assert [p.name for p in record.iterdir() if p.name.startswith(".")] == []  # no half-written episode
    kept = {p.name: p.stat().st_mtime_ns for p in record.glob("*.npz")}
    assert 2 <= len(kept) < EPISODES, kept
    for name in kept:
        load_episode(record / name)

    rerun = subprocess.run(COMMAND, env={**os.environ, "BINPACKING_WORKDIR": str(tmp_path), "OMP_NUM_THREADS": "1"},
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{EPISODES} episodes in {record}" in rerun.stdout
    assert {name: (record / name).stat().st_mtime_ns for name in kept} == kept  # resumed: nothing rewritten
    assert len(list(record.glob("*.npz"))) == EPISODES
