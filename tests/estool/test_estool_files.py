"""estool.files.atomic_path: a write killed part way (kill -9) leaves only a dot temp file, which the
next write of the same target deletes; a temp file of a process still running is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from estool.files import atomic_path, atomic_write_text, remove_stale_temps

REPO = Path(__file__).resolve().parents[2]

# writes half of the new text into atomic_path's temp file, says where, and waits to be killed
SLOW_WRITER = """
import sys, time
from estool.files import atomic_path
with atomic_path(sys.argv[1], suffix=sys.argv[2]) as tmp:
    tmp.write_text("half of the new")
    print(tmp, flush=True)
    time.sleep(600)
"""


def _killed_mid_write(target: Path, suffix: str = ".tmp") -> Path:
    """Run SLOW_WRITER on ``target``, SIGKILL it inside the write; the temp file it left."""
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target), suffix], cwd=REPO,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        tmp = Path(proc.stdout.readline().strip())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return tmp


def test_temp_files_name_their_target_and_process(tmp_path):
    with atomic_path(tmp_path / "es.pkl") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".es.pkl.{os.getpid()}.") and tmp.suffix == ".tmp"
        tmp.write_text("x")
    assert (tmp_path / "es.pkl").read_text() == "x" and not tmp.exists()


@pytest.mark.parametrize("suffix", [".tmp", ".weights.h5"])
def test_kill_9_mid_write_leaves_the_old_file_and_the_next_write_removes_the_temp(tmp_path, suffix):
    target = tmp_path / "log.json"
    atomic_write_text(target, "old")
    tmp = _killed_mid_write(target, suffix)
    assert tmp.is_file() and tmp.name.startswith(".log.json.") and target.read_text() == "old"
    with atomic_path(target, suffix=suffix) as new:
        new.write_text("new")
    assert target.read_text() == "new" and not tmp.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.json"]


def test_only_temps_of_dead_processes_and_of_this_target_are_removed(tmp_path):
    target = tmp_path / "a.npz"
    dead = _killed_mid_write(target, ".npz")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        live = tmp_path / f".a.npz.{sleeper.pid}.abcdefgh.npz"  # a write still in progress elsewhere
        mine = tmp_path / f".a.npz.{os.getpid()}.abcdefgh.npz"
        # pid 999999999 cannot exist (Linux pids stop at 2**22), but this is target "a.npz.999999999.npz"'s
        other_target = tmp_path / ".a.npz.999999999.npz.999999999.abcdefgh.npz"
        keep = [live, mine, other_target, tmp_path / ".a.npz.notapid.npz", tmp_path / "a.npz.1234.x.npz"]
        for p in keep:
            p.write_text("")
        assert remove_stale_temps(target, ".npz") == [dead]
        assert all(p.exists() for p in keep) and not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    time.sleep(0.1)
    assert remove_stale_temps(target, ".npz") == [live]  # its process is gone now
