"""Fault injection: kill each pipeline step part way, re-run it, and check it ends as an uninterrupted run.

    python -m tests.faults.inject [--env all|carracing,doomrnn,atari,binpacking] [--steps extract,series,...]
                                  [--faults SIGINT,SIGKILL,worker_kill,worker_stall] [--trials N] [--seed S]
                                  [--quick] [--workdir DIR]

For each environment the miniature pipeline's steps (``<env>/miniature.py``: a few episodes, a few
frames, one short epoch, two generations) run once, uninterrupted, in a temp folder (the
environment's WORKDIR); the folder is copied before each step, so every trial of a step starts from
the same inputs, and that run of the step is the reference (its duration is measured). Then, for
each fault:

- SIGINT / SIGKILL: the step's command starts in a fresh copy of its inputs, in a process group of
  its own; after a delay drawn from the seeded RNG within the reference's duration the whole group
  gets the signal (a SIGINT that has not ended the step in 60 s is followed by SIGKILL); then the
  same command runs again to completion.
- worker_kill / worker_stall (train steps only, which run under mpiexec with ``--num_procs 3``):
  once the MPI ranks are up, after a seeded delay, rank 2 gets SIGKILL (as the out-of-memory killer)
  or rank 1 gets SIGSTOP (a stalled worker; the command carries ``--worker_timeout 3``). The run
  must end non-zero with one ``error:`` line naming the rank and ``resume with: <command>``; that
  printed command is run, and must finish the run.

The end result is then compared with the reference: the same set of files (tensorboard event files
and ViZDoom's _vizdoom.ini left out) and equal contents. Arrays (.npz, Keras .h5 weights) must be
exactly equal: training on
the CPU with a fixed seed and OMP_NUM_THREADS=1 is repeatable here (the ``none`` fault, a plain
second run, measures that). JSON files are compared ignoring wall-time fields (a training log's
second column, the seconds of a generation); the checkpoint pickle by the state it holds, less
times; the stdout of model.py less its timing ("in 0.1 s"). Outcomes: ``identical``, ``differs:
<what>``, ``resume failed: <one line>``, ``leftover temp files: <names>``, ``no kill (finished
first)`` (the step ended before the drawn delay: allowed), ``no report: <...>`` (a worker fault
without the one-line report). A markdown table (step x fault -> outcome) is printed at the end; the
exit status is 1 when any cell is neither identical nor an allowed outcome.

``--quick`` is the test suite's subset (tests/faults/test_faults.py): bin packing's series and
train steps with SIGKILL at one seeded point each, and one worker killed under MPI.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from estool.arguments import SEED, int_in  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
ENVS = ("binpacking", "doomrnn", "atari", "carracing")
WORKDIR_VAR = {"carracing": "CARRACING_WORKDIR", "doomrnn": "DOOMRNN_WORKDIR", "atari": "ATARI_WORKDIR",
               "binpacking": "BINPACKING_WORKDIR"}
SIGNAL_FAULTS = ("SIGINT", "SIGKILL")
WORKER_FAULTS = ("worker_kill", "worker_stall")
FAULTS = ("none", *SIGNAL_FAULTS, *WORKER_FAULTS)
STEP_ORDER = ("extract", "vae_train", "series", "rnn_train", "fit_mask", "train_real", "train_dream", "model_real",
              "model_dream")
QUICK = (("binpacking",), ("series", "train_real"), ("SIGKILL", "worker_kill"))
"""The test suite's subset. rnn_train is left out: a kill after its first epoch's checkpoint resumes to
weights that differ from an uninterrupted run's (README.md, "Fault injection")."""
ALLOWED = ("identical", "no kill (finished first)", "-")
WORKER_TIMEOUT = "3"  # --worker_timeout of the stalled-worker trial, seconds
STEP_TIMEOUT = 600.0  # a step that runs longer than this is a hang
TEMP_NAMES = re.compile(r"(\.tmp|\.partial|\.part|~)$|^\.tmp|\.tmp\.|\.partial/")
WITH = re.compile(r"(?:resume|start again) with: ")
TIME_KEYS = re.compile(r"time|seconds|elapsed|wall|date|duration|_s$", re.IGNORECASE)
TIMING_TEXT = re.compile(r"\b(in|took) [0-9.]+ ?(s|ms|min)\b|[0-9.]+ ?(s|ms)/(step|episode|generation)|"
                         r"\([0-9.]+ s\)|[0-9.]+ (steps|frames)/s")


@dataclass
class Step:
    env: str
    name: str  # one of STEP_ORDER
    script: str  # e.g. "train.py"
    args: list[str]  # built for the base folder: BASE is replaced by the trial's folder

    def command(self, work: Path, base: Path, extra: tuple[str, ...] = ()) -> list[str]:
        args = [a.replace(str(base), str(work)) for a in self.args]
        return [PYTHON, str(REPO / self.env / self.script), *args, *extra]


@dataclass
class Reference:
    before: Path  # the folder as the step found it
    after: Path  # the folder as the step left it
    stdout: str
    seconds: float


@dataclass
class Report:
    cells: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)

    def add(self, env: str, step: str, fault: str, outcome: str) -> None:
        self.cells.setdefault((env, step, fault), []).append(outcome)
        print(f"  {env:10s} {step:12s} {fault:12s} -> {outcome}", flush=True)

    def bad(self) -> list[tuple[tuple[str, str, str], str]]:
        return [(k, o) for k, outs in self.cells.items() for o in outs if o not in ALLOWED]

    def table(self, faults: list[str]) -> str:
        rows = sorted({(e, s) for e, s, _ in self.cells}, key=lambda r: (ENVS.index(r[0]), STEP_ORDER.index(r[1])))
        lines = ["| env | step | " + " | ".join(faults) + " |", "|---|---|" + "---|" * len(faults)]
        for env, step in rows:
            cells = []
            for f in faults:
                outs = self.cells.get((env, step, f), ["-"])
                distinct = sorted(set(outs), key=outs.index)
                cells.append("; ".join(f"{o} ({outs.count(o)}/{len(outs)})" if len(outs) > 1 else o
                                       for o in distinct))
            lines.append(f"| {env} | {step} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- the steps


def _miniature_steps(env: str, work: Path) -> list[list[str]]:
    spec = importlib.util.spec_from_file_location(f"_miniature_{env}", REPO / env / "miniature.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.steps(work, "Pong") if env == "atari" else module.steps(work)  # Atari's miniature: Pong


def _is_dream(env: str, args: list[str]) -> bool:
    return "--dream" in args or "dream" in args or (env == "doomrnn" and "--real" not in args) \
        or any(a in ("doomrnn", "binpackingrnn", "carracingrnn") for a in args)


def pipeline(env: str, work: Path) -> list[Step]:
    """The miniature's steps this script injects faults into, in the miniature's order, named.
    Renders, videos, checks and ship.py are left out; Doom's real-game training is added at the end
    (the miniature trains in the dream only), so it changes nothing the other steps read."""
    steps: list[Step] = []
    for script, *args in _miniature_steps(env, work):
        name = script.removesuffix(".py")
        if name in ("extract", "vae_train", "series", "rnn_train", "fit_mask"):
            pass
        elif name == "train" and "--v_only" not in args:
            # bin packing's train.py trains in the dream unless --real, as Doom's
            dream = _is_dream(env, args) or (env == "binpacking" and "--real" not in args)
            name = "train_dream" if dream else "train_real"
        elif name == "model" and "norender" in args and "render" not in args:
            name = "model_dream" if _is_dream(env, args) else "model_real"
        else:
            continue
        if any(s.name == name for s in steps):
            continue
        steps.append(Step(env, name, script, list(args)))
    if env == "doomrnn":
        train = next(s for s in steps if s.name == "train_dream")
        real = [a for a in train.args]
        real[real.index("-g") + 1] = "2"
        steps.append(Step(env, "train_real", "train.py", [*real, "--real", "--log_dir", str(work / "log_real")]))
    return steps


def _env_vars(env: str, work: Path) -> dict[str, str]:
    drop = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "HYDI_CONTROL_FD", "ESTOOL_UNDER_MPI")
    out = {k: v for k, v in os.environ.items() if k not in drop}
    out.update({WORKDIR_VAR[env]: str(work), "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                "SDL_VIDEODRIVER": "dummy", "PYTHONHASHSEED": "0"})
    return out


def _start(cmd: list[str], env: str, work: Path) -> subprocess.Popen:
    return subprocess.Popen(["nice", "-n", "10", *cmd], cwd=work, env=_env_vars(env, work), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _finish(proc: subprocess.Popen, timeout: float = STEP_TIMEOUT) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc, signal.SIGKILL)
        out, err = proc.communicate()
        return -999, out, err + f"\nhung: no exit in {timeout:.0f} s"
    return proc.returncode, out, err


def _run(cmd: list[str], env: str, work: Path) -> tuple[int, str, str]:
    return _finish(_start(cmd, env, work))


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _last_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or ["(no output)"])[-1][:300]


# ----------------------------------------------------------------------------- processes under MPI


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(p.name))
    return kids


def _descendants(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def _ranks(pid: int) -> dict[int, int]:
    """{MPI rank: pid} of the python processes mpiexec started below ``pid``."""
    ranks = {}
    for p in _descendants(pid):
        try:
            environ = Path(f"/proc/{p}/environ").read_bytes().split(b"\0")
            exe = os.readlink(f"/proc/{p}/exe")
        except OSError:
            continue
        if "python" not in Path(exe).name:
            continue
        for var in environ:
            if var.startswith(b"PMI_RANK="):
                ranks[int(var.split(b"=", 1)[1])] = p
    return ranks


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# ----------------------------------------------------------------------------- comparing two end results


NOT_RESULTS = ("_vizdoom.ini",)
"""Files a step leaves that are not its results: ViZDoom writes its settings file (with machine
paths and defaults) into the current folder whenever it starts."""


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*"))
            if p.is_file() and "tensorboard" not in p.parts and not p.name.startswith("events.out.tfevents")
            and p.name not in NOT_RESULTS}


def _strip_times(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return {k: _strip_times(v, name) for k, v in value.items() if not TIME_KEYS.search(str(k))}
    if isinstance(value, list) and "hist" in name and value and all(isinstance(r, list) for r in value):
        return [r[:1] + r[2:] for r in value]  # [generation, seconds, ...]: the seconds vary
    if isinstance(value, list):
        return [_strip_times(v, name) for v in value]
    return value


def _diff(a: Any, b: Any, where: str = "") -> str | None:
    """None when ``a`` equals ``b`` (arrays exactly, NaN equal to NaN), else where they first differ."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        same = a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        return None if same else where or "array"
    if isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator):
        return _diff(a.bit_generator.state, b.bit_generator.state, where)
    if isinstance(a, np.random.RandomState) and isinstance(b, np.random.RandomState):
        return _diff(a.get_state(legacy=False), b.get_state(legacy=False), where)
    functions = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, types.BuiltinMethodType)
    if isinstance(a, functions) and isinstance(b, functions):  # equal if the same function of equal objects
        if getattr(a, "__qualname__", None) != getattr(b, "__qualname__", None):
            return where
        return _diff(getattr(a, "__self__", None), getattr(b, "__self__", None), where)
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{where} keys"
        return next((d for k in a if (d := _diff(a[k], b[k], f"{where}.{k}")) is not None), None)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if type(a) is not type(b) or len(a) != len(b):
            return f"{where} length"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _diff(x, y, f"{where}[{i}]")) is not None),
                    None)
    if hasattr(a, "__dict__") and type(a) is type(b) and not isinstance(a, type):
        if where.count(".") > 12:  # a cycle of references (pycma's objects point at each other)
            return None
        return _diff(_state(a), _state(b), where)
    try:
        same = bool(a == b) or (a != a and b != b)
    except Exception:
        same = False
    return None if same else where or repr(a)[:40]


def _equal(a: Any, b: Any) -> bool:
    return _diff(a, b) is None


def _state(obj: Any) -> dict:
    """An object's attributes less times and pycma's logger (file names under the run's folder)."""
    return {k: v for k, v in vars(obj).items() if not TIME_KEYS.search(k) and k != "logger"}


def _same_file(rel: str, a: Path, b: Path) -> str | None:
    """None when equal, else what differs."""
    if a.read_bytes() == b.read_bytes():
        return None
    suffix = a.suffix
    try:
        if suffix == ".npz":
            with np.load(a, allow_pickle=False) as x, np.load(b, allow_pickle=False) as y:
                if sorted(x.files) != sorted(y.files):
                    return f"{rel}: arrays {sorted(x.files)} vs {sorted(y.files)}"
                for k in x.files:
                    if not _equal(x[k], y[k]):
                        diff = np.abs(x[k].astype(np.float64) - y[k].astype(np.float64)).max() \
                            if x[k].shape == y[k].shape and x[k].dtype.kind in "fiu" else "shape/dtype"
                        return f"{rel}[{k}] (max abs diff {diff})"
            return None
        if suffix == ".h5":
            import h5py

            def datasets(path: Path) -> dict[str, np.ndarray]:
                out: dict[str, np.ndarray] = {}
                with h5py.File(path, "r") as f:
                    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
                return out
            x, y = datasets(a), datasets(b)
            bad = [k for k in x.keys() | y.keys() if k not in x or k not in y or not _equal(x[k], y[k])]
            return f"{rel}: {sorted(bad)[:3]}" if bad else None
        if suffix == ".json":
            x, y = (_strip_times(json.loads(p.read_text()), a.name) for p in (a, b))
            if "checkpoint" in a.name and isinstance(x, dict) and isinstance(y, dict):
                x.pop("sha256", None), y.pop("sha256", None)  # of the .h5, compared by its arrays
            return None if _equal(x, y) else f"{rel} (json)"
        if suffix == ".pkl":
            from estool.logs import load_checkpoint
            x, y = ({k: _strip_times(v, "hist" if k in ("history", "hist_best") else k)
                     for k, v in _state(load_checkpoint(p)).items()} for p in (a, b))
            where = _diff(x, y)
            return f"{rel} (checkpoint state: {where})" if where else None
    except Exception as e:  # unreadable: report it as a difference
        return f"{rel}: unreadable ({type(e).__name__}: {e})"[:200]
    return f"{rel} (bytes)"


def _clean_stdout(text: str) -> list[str]:
    return [TIMING_TEXT.sub("<t>", line) for line in text.splitlines()
            if line.strip() and not line.startswith(("launching", "training ")) and "/tmp" not in line]


def compare(ref: Reference, work: Path, stdout: str, step: Step) -> str:
    want, got = _files(ref.after), _files(work)
    extra = sorted(set(got) - set(want))
    if extra:
        temps = [r for r in extra if TEMP_NAMES.search(r)]
        if temps:
            return "leftover temp files: " + ", ".join(temps[:3])
    missing = sorted(set(want) - set(got))
    if missing or extra:
        return "differs: " + "; ".join(filter(None, [
            "missing " + ", ".join(missing[:3]) if missing else "", "extra " + ", ".join(extra[:3]) if extra else ""]))
    diffs = [d for r in want if (d := _same_file(r, want[r], got[r])) is not None]
    if diffs:
        return "differs: " + "; ".join(diffs[:3]) + (f" (+{len(diffs) - 3} files)" if len(diffs) > 3 else "")
    if step.name.startswith("model") and _clean_stdout(stdout) != _clean_stdout(ref.stdout):
        return f"differs: stdout {_clean_stdout(stdout)[-1:]} vs {_clean_stdout(ref.stdout)[-1:]}"
    return "identical"


# ----------------------------------------------------------------------------- the trials


def _fresh(ref: Reference, root: Path, label: str) -> Path:
    work = root / label
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(ref.before, work, symlinks=True)
    return work


def _relocated(text: str, work: Path, base: Path) -> str:
    return text.replace(str(work), str(base))


def signal_trial(step: Step, ref: Reference, base: Path, root: Path, fault: str, rng: random.Random) -> str:
    work = _fresh(ref, root, f"{step.env}_{step.name}_{fault}")
    cmd = step.command(work, base)
    if fault != "none":
        delay = rng.uniform(0.05, 0.95) * ref.seconds
        proc = _start(cmd, step.env, work)
        try:
            proc.wait(timeout=delay)
            proc.communicate()
            return "no kill (finished first)"
        except subprocess.TimeoutExpired:
            pass
        _kill_group(proc, getattr(signal, fault))
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            _kill_group(proc, signal.SIGKILL)
            proc.communicate()
            if fault == "SIGINT":
                return "resume failed: SIGINT did not stop the step in 60 s"
        _wait_group_gone(proc.pid)
    rc, out, err = _run(cmd, step.env, work)
    if rc != 0:
        return f"resume failed: exit {rc}: {_last_line(err)}"
    return compare(ref, work, _relocated(out, work, base), step)


def _wait_group_gone(pgid: int, timeout: float = 20) -> None:
    """Wait until no process of the killed group is left (mpiexec's ranks go a moment later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = []
        for p in Path("/proc").iterdir():
            if p.name.isdigit():
                try:
                    fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == pgid and fields[0] != "Z":
                    left.append(p.name)
        if not left:
            return
        time.sleep(0.1)


def worker_trial(step: Step, ref: Reference, base: Path, root: Path, fault: str, rng: random.Random) -> str:
    work = _fresh(ref, root, f"{step.env}_{step.name}_{fault}")
    # only the stall needs a short timeout; a killed worker is seen at once, and a 3 s timeout carried
    # into the printed resume command would abort a slow-starting real game under load
    extra = ("--worker_timeout", WORKER_TIMEOUT) if fault == "worker_stall" else ()
    cmd = step.command(work, base, extra)
    rank, sig = (2, signal.SIGKILL) if fault == "worker_kill" else (1, signal.SIGSTOP)
    proc = _start(cmd, step.env, work)
    t0 = time.monotonic()
    ranks: dict[int, int] = {}
    while proc.poll() is None and time.monotonic() - t0 < STEP_TIMEOUT:
        ranks = _ranks(proc.pid)
        if rank in ranks:
            break
        time.sleep(0.05)
    if rank not in ranks:
        _finish(proc)
        return f"no kill (rank {rank} never seen)"
    # the ranks import their libraries first: the delay lands in the rest of the reference's time
    left = max(ref.seconds - (time.monotonic() - t0), 0.5)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=rng.uniform(0.2, 0.9) * left)
        proc.communicate()
        return "no kill (finished first)"
    victim = ranks[rank]
    os.kill(victim, sig)
    rc, _, err = _finish(proc, timeout=120)
    if _alive(victim):  # our own stopped rank, if the job left it behind
        os.kill(victim, signal.SIGKILL)
        left_behind = True
    else:
        left_behind = False
    _wait_group_gone(proc.pid)
    if rc == 0:
        # the rank was killed after its last piece of work: the run is complete without it
        return compare(ref, work, "", step)
    # 'resume with: <command>' once a generation is saved, 'start again with: <command>' before
    line = next((li for li in err.splitlines() if li.startswith("error:") and WITH.search(li)), "")
    if not line:
        return f"no report: exit {rc}: {_last_line(err)}"
    if f"rank {rank} " not in line:
        return f"differs: the report names another rank: {line[:160]}"
    if left_behind:
        return f"differs: stalled rank {rank} was left running"
    command = WITH.split(line, 1)[1]
    resumed = subprocess.run(["nice", "-n", "10", "bash", "-c", command], env=_env_vars(step.env, work),
                             capture_output=True, text=True, timeout=STEP_TIMEOUT, start_new_session=True)
    if resumed.returncode != 0:
        return f"resume failed: exit {resumed.returncode}: {_last_line(resumed.stderr)}"
    return compare(ref, work, "", step)


# ----------------------------------------------------------------------------- main


def references(env: str, root: Path, names: list[str]) -> tuple[Path, list[tuple[Step, Reference]]]:
    """Run the environment's steps once, uninterrupted, keeping the folder before and after each."""
    base = root / f"{env}_base"
    base.mkdir(parents=True)
    steps = pipeline(env, base)
    last = max((i for i, s in enumerate(steps) if s.name in names), default=-1)
    out = []
    for i, step in enumerate(steps[:last + 1]):
        before = root / f"{env}_{i:02d}_{step.name}_before"
        shutil.copytree(base, before, symlinks=True)
        t = time.monotonic()
        rc, stdout, err = _run(step.command(base, base), env, base)
        seconds = time.monotonic() - t
        if rc != 0:
            raise SystemExit(f"error: {env} {step.name}: the uninterrupted run failed (exit {rc}): {_last_line(err)}")
        print(f"{env} {step.name}: reference run {seconds:.1f} s", flush=True)
        after = root / f"{env}_{i:02d}_{step.name}_after"
        shutil.copytree(base, after, symlinks=True)
        out.append((step, Reference(before, after, stdout, seconds)))
    return base, [(s, r) for s, r in out if s.name in names]


def run(envs: list[str], steps: list[str], faults: list[str], trials: int, seed: int, workdir: Path | None,
        keep: bool = False) -> tuple[Report, float]:
    rng = random.Random(seed)
    report = Report()
    root = Path(tempfile.mkdtemp(prefix="faults_", dir=workdir))
    start = time.monotonic()
    try:
        for env in envs:
            t = time.monotonic()
            base, refs = references(env, root, steps)
            for step, ref in refs:
                for fault in faults:
                    if fault in WORKER_FAULTS:
                        if not step.name.startswith("train"):
                            continue
                        for _ in range(trials):
                            report.add(env, step.name, fault, worker_trial(step, ref, base, root, fault, rng))
                    else:
                        for _ in range(1 if fault == "none" else trials):
                            report.add(env, step.name, fault, signal_trial(step, ref, base, root, fault, rng))
            print(f"{env}: {time.monotonic() - t:.0f} s", flush=True)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept {root}")
    return report, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="all", help="all, or a comma-separated list of " + ", ".join(ENVS))
    parser.add_argument("--steps", default="all", help="all, or a comma-separated list of " + ", ".join(STEP_ORDER))
    parser.add_argument("--faults", default="all", help="all, or a comma-separated list of " + ", ".join(FAULTS))
    parser.add_argument("--trials", type=int_in(1), default=1, help="kills per step and fault, each at its own point")
    parser.add_argument("--seed", type=SEED, default=0, help="seeds the kill points")
    parser.add_argument("--quick", action="store_true", help="the test suite's subset (bin packing, SIGKILL)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temp folders go (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folders")
    args = parser.parse_args(argv)

    def pick(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
        chosen = list(allowed) if value == "all" else value.split(",")
        bad = [c for c in chosen if c not in allowed]
        if bad:
            parser.error(f"--{what}: unknown {', '.join(bad)}; choose from {', '.join(allowed)}")
        return chosen

    if args.quick:
        envs, steps, faults = list(QUICK[0]), list(QUICK[1]), list(QUICK[2])
    else:
        envs, steps, faults = pick(args.env, ENVS, "env"), pick(args.steps, STEP_ORDER, "steps"), \
            pick(args.faults, FAULTS, "faults")
    report, seconds = run(envs, steps, faults, args.trials, args.seed, args.workdir, args.keep)
    print()
    print(report.table(faults))
    print(f"\n{len(report.cells)} cells in {seconds:.0f} s (seed {args.seed}, {args.trials} trial(s) per cell)")
    bad = report.bad()
    for (env, step, fault), outcome in bad:
        print(f"NOT IDENTICAL: {env} {step} {fault}: {outcome}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
