"""The training driver under mpiexec: resume after a limit and after SIGKILL, failing workers.

Each test starts ``python -m estool.toy_train`` in a subprocess (which re-launches itself through
the venv's mpiexec) with a timeout, so a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from estool import mpi
from estool.toy import ToyEvaluator, ToyProblem
from estool.train import TrainConfig, run

REPO = Path(__file__).resolve().parents[2]
MPIEXEC = Path(sys.executable).parent / "mpiexec"

pytestmark = pytest.mark.skipif(not MPIEXEC.is_file(), reason=f"no mpiexec next to {sys.executable}")

# popsize 7 over 2 worker processes: the population is not a multiple of the workers
COMMON = ["-n", "7", "-e", "3", "--eval_steps", "4", "--num_procs", "3", "--dim", "5", "--noise", "0.1"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in mpi._MPI_ENV_VARS}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def _toy_train(log_dir: Path, *args: str, timeout: float = 180, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "estool.toy_train", *COMMON, "--log_dir", str(log_dir), *args]
    return subprocess.run(cmd, check=False, cwd=REPO, env={**_env(), **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


def _hist(log_dir: Path) -> np.ndarray:
    return np.array(json.loads((log_dir / "toy_sphere.cma.3.7.hist.json").read_text()))


def _reference(tmp_path: Path, generations: int) -> np.ndarray:
    """The same run, uninterrupted, in this process (local evaluator, no MPI)."""
    cfg = TrainConfig(num_worker=7, num_episode=3, eval_steps=4, num_procs=1, max_generations=generations,
                      log_dir=str(tmp_path / "reference"))
    run(cfg, "toy_sphere", 5, lambda: ToyEvaluator(ToyProblem(noise=0.1)))
    return _hist(tmp_path / "reference")


def _ranks_alive(marker: str) -> list[int]:
    """Pids of processes whose command line mentions ``marker`` (our log dir)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(proc.name))
            except OSError:
                pass
    return pids


def test_mpi_run_resumes_after_max_generations(tmp_path):
    log_dir = tmp_path / "log"
    first = _toy_train(log_dir, "-g", "5")
    assert first.returncode == 0, first.stderr
    assert "launching:" in first.stderr and "2 worker process(es)" in first.stderr  # diagnostics: stderr
    assert "toy_sphere gen 5 avg" in first.stdout  # the results: stdout
    second = _toy_train(log_dir, "-g", "9")
    assert second.returncode == 0, second.stderr
    assert "resuming from generation 5" in second.stderr
    hist = _hist(log_dir)
    np.testing.assert_array_equal(hist[:, 0], np.arange(1, 10))
    # MPI workers, a restart in the middle: the same numbers as one uninterrupted local run
    np.testing.assert_array_equal(hist[:, 2:], _reference(tmp_path, 9)[:, 2:])


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to wait for the killed ranks")
def test_mpi_run_resumes_after_sigkill(tmp_path):
    log_dir = tmp_path / "log"
    cmd = [sys.executable, "-m", "estool.toy_train", *COMMON, "--log_dir", str(log_dir), "--sleep", "0.1"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 150  # generous: a loaded CI box; a hang still fails
        while time.monotonic() < deadline:
            try:
                if len(_hist(log_dir)) >= 4:
                    break
            except (FileNotFoundError, json.JSONDecodeError):
                pass
            time.sleep(0.1)
        else:
            pytest.fail("the run did not reach generation 4 in 150 s")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # mpiexec; its proxy then kills the ranks
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _ranks_alive(str(log_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _ranks_alive(str(log_dir)), "MPI ranks outlived the killed mpiexec"

    done = len(_hist(log_dir))
    resumed = _toy_train(log_dir, "-g", str(done + 3))
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from generation" in resumed.stderr
    hist = _hist(log_dir)
    np.testing.assert_array_equal(hist[:, 0], np.arange(1, done + 4))  # consecutive, no duplicates
    np.testing.assert_array_equal(hist[:, 2:], _reference(tmp_path, done + 3)[:, 2:])


def test_failing_worker_aborts_with_its_name(tmp_path):
    t = time.monotonic()
    result = _toy_train(tmp_path / "log", "-g", "3", "--fail_rank", "2", timeout=120)
    assert result.returncode != 0
    assert "error: worker rank 2 failed: RuntimeError: toy evaluator failed on purpose" in result.stderr
    assert time.monotonic() - t < 120


def test_nan_reward_under_mpi_is_a_clear_error(tmp_path):
    result = _toy_train(tmp_path / "log", "-g", "3", "--nan", timeout=120)
    assert result.returncode == 2, result.stderr
    assert "error: worker rank 1: evaluate() returned reward nan for candidate 0" in result.stderr


def test_hostfile_spreads_the_workers_like_several_machines(tmp_path):
    """Through a hostfile of 'localhost:2' (two slots on one host, as a second machine would be
    listed), the run gives the numbers of one uninterrupted local run."""
    hostfile = tmp_path / "hosts"
    hostfile.write_text("# one line per machine: host[:slots]\nlocalhost:2\n")
    log_dir = tmp_path / "log"
    i = COMMON.index("--num_procs")
    cmd = [sys.executable, "-m", "estool.toy_train", *COMMON[:i], *COMMON[i + 2:],
           "--hostfile", str(hostfile), "--log_dir", str(log_dir), "-g", "4"]
    out = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert f"-f {hostfile}" in out.stdout + out.stderr  # handed to mpiexec
    assert "2 worker process(es)" in out.stdout + out.stderr  # 1 + the file's 2 slots
    np.testing.assert_array_equal(_hist(log_dir)[:, 2:], _reference(tmp_path, 4)[:, 2:])


@pytest.mark.parametrize(("text", "slots"), [("a:4\nb\n", 5), ("# c\n\nlocalhost:2 # two\n", 2)])
def test_hostfile_slots(tmp_path, text, slots):
    (tmp_path / "h").write_text(text)
    assert mpi.hostfile_slots(tmp_path / "h") == slots
    assert TrainConfig(num_worker=64, hostfile=str(tmp_path / "h")).procs() == 1 + slots


@pytest.mark.parametrize("text", ["", "# nothing\n", "a:0\n", "a:x\n", ":3\n"])
def test_bad_hostfile_is_one_line(tmp_path, text):
    from worldmodels.fileio import WorldModelsError

    (tmp_path / "h").write_text(text)
    with pytest.raises(WorldModelsError, match="hostfile"):
        TrainConfig(hostfile=str(tmp_path / "h")).validate()
    with pytest.raises(WorldModelsError, match="cannot read the hostfile"):
        TrainConfig(hostfile=str(tmp_path / "missing")).validate()


# ----------------------------------------------------------------------------- a worker that dies or stalls


def _resumes_from_the_printed_command(tmp_path: Path, line: str, log_dir: Path, *args: str) -> None:
    """``line`` ends with 'generation 2 is saved in <checkpoint>: resume with: <command>': the checkpoint
    holds generation 2, the command is this run's, and re-running it (without the failure) resumes
    and gives the numbers of one uninterrupted run."""
    from estool.logs import load_checkpoint

    checkpoint = log_dir / "toy_sphere.cma.3.7.es.pkl"
    assert f"; generation 2 is saved in {checkpoint}: resume with: " in line, line
    assert load_checkpoint(checkpoint).generation == 2 and len(_hist(log_dir)) == 2  # intact
    command = line.split(": resume with: ", 1)[1]
    expected = [sys.executable, "-m", "estool.toy_train", *COMMON, "--log_dir", str(log_dir), *args]
    assert command == f"cd {shlex.quote(str(REPO))} && {shlex.join(expected)}"
    resumed = subprocess.run(command, shell=True, cwd=tmp_path, env=_env(), capture_output=True, text=True,
                             timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from generation 2" in resumed.stderr
    np.testing.assert_array_equal(_hist(log_dir)[:, 2:], _reference(tmp_path, 4)[:, 2:])


def test_dead_worker_is_named_with_the_command_that_resumes(tmp_path):
    """Worker rank 2 kills itself (SIGKILL, as the out-of-memory killer would) in generation 3: one
    error line names it and the command that resumes; the exit status is not 0; the checkpoint of
    generation 2 stays, and that command resumes from it."""
    log_dir = tmp_path / "log"
    t = time.monotonic()
    result = _toy_train(log_dir, "-g", "4", env={"ESTOOL_TOY_DIE": "2:3"}, timeout=120)  # its third evaluate()
    assert result.returncode != 0, result.stderr
    assert time.monotonic() - t < 120
    last = result.stderr.strip().splitlines()[-1]
    # Rank 2 is named; on a loaded machine the launcher's kills of the others can close their
    # sockets within the same poll, and then the line names each of them as a candidate ("or").
    assert re.match(r"error: (\S.* or )?worker rank 2 \(pid \d+ on \S+\)( or .*)? died without a word \(", last), \
        result.stderr
    _resumes_from_the_printed_command(tmp_path, last, log_dir, "-g", "4")


def test_stalled_worker_times_out_with_the_command_that_resumes(tmp_path):
    """Worker rank 1 stops answering in generation 3: after --worker_timeout the coordinator names
    it and the command that resumes, and the job ends (no rank left behind)."""
    log_dir = tmp_path / "log"
    t = time.monotonic()
    result = _toy_train(log_dir, "-g", "4", "--worker_timeout", "2", env={"ESTOOL_TOY_STALL": "1:3"}, timeout=120)
    assert result.returncode != 0, result.stderr
    assert time.monotonic() - t < 120
    line = next(line for line in result.stderr.splitlines() if line.startswith("error:"))
    assert re.match(r"error: worker rank 1 \(pid \d+ on \S+\) has not answered in 2 s \(--worker_timeout", line), line
    assert not _ranks_alive(str(log_dir)) or not Path("/proc").is_dir()
    _resumes_from_the_printed_command(tmp_path, line, log_dir, "-g", "4", "--worker_timeout", "2")
