"""MPI plumbing: detect MPI, re-launch a script under the venv's ``mpiexec``, poll for messages,
and name a process of the job that died.

mpi4py is imported only inside functions, and only when the process really runs under MPI, so a
single-process run never initialises MPI.

A dead process cannot say that it died, and MPICH's launcher kills every other process of the job
a few milliseconds later (with SIGKILL, so no rank can say anything either; its own report names a
pid, and not always the right one). So the process that the user started stays: it runs
``mpiexec`` as its child (``ensure_mpi``) and listens on a Unix socket, on which every rank on this
machine says hello (rank, pid, host) when it starts (``hello_launcher``) and "bye" when it ends on
purpose (``tell_launcher``). A rank whose connection closes without a bye died; the first one to
close is the one that died (the launcher's kills follow 3-20 ms later: measured, issue #30), and
once the job has ended the launcher prints one line naming it and the command that resumes.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estool.files import UsageError

logger = logging.getLogger(__name__)

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""Environment of a worker process: one BLAS / OpenMP thread [orig train.py mpi_fork]; onnxruntime's
intra-op threads follow OMP_NUM_THREADS. ``worldmodels.threads`` uses the same for every script."""

IN_MPI_MARKER = "WORLDMODELS_IN_MPI"
"""Set in the environment of a re-launched job, so it never re-launches itself again."""

_MPI_ENV_VARS = (IN_MPI_MARKER, "PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "HYDI_CONTROL_FD")

WATCH_ENV = "ESTOOL_MPI_WATCH"
"""The launcher's Unix socket, in the environment of a job that ``ensure_mpi`` started."""


def under_mpi() -> bool:
    """True when this process was started by an MPI launcher (or by ``ensure_mpi``)."""
    return any(os.environ.get(name) for name in _MPI_ENV_VARS)


def get_comm() -> Any | None:
    """``MPI.COMM_WORLD`` under MPI, else None (mpi4py not even imported)."""
    if not under_mpi():
        return None
    from mpi4py import MPI

    return MPI.COMM_WORLD


def rank() -> int:
    """This process's MPI rank; 0 outside MPI."""
    comm = get_comm()
    return 0 if comm is None else int(comm.Get_rank())


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def mpiexec_path() -> Path:
    """The ``mpiexec`` of this virtualenv (the ``mpich`` wheel puts it next to python)."""
    return Path(sys.executable).parent / "mpiexec"


def hostfile_slots(path: str | Path) -> int:
    """Total slots of an MPI hostfile: one ``host[:slots]`` per line (MPICH's format), '#' comments."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as err:
        raise UsageError(f"cannot read the hostfile {path} ({err.strerror}); give an existing file") from err
    total = 0
    for number, line in enumerate(lines, 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        host, _, slots = entry.partition(":")
        if not host or (slots and not (slots.isdigit() and int(slots) > 0)):
            raise UsageError(f"hostfile {path} line {number}: expected 'host' or 'host:slots', got {line!r}")
        total += int(slots) if slots else 1
    if total == 0:
        raise UsageError(f"hostfile {path} names no host")
    return total


def relaunch_command(num_procs: int, argv: list[str] | None = None, hostfile: str | Path = "") -> list[str]:
    """``mpiexec [-f hostfile] -n N python -u <script or -m module> <args>`` re-running the current
    program."""
    argv = sys.argv if argv is None else argv
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:  # started as ``python -m package.module``
        module = spec.name.removesuffix(".__main__")
        target = ["-m", module]
    else:
        target = [argv[0]]
    hosts = ["-f", str(Path(hostfile).resolve())] if hostfile else []
    return [str(mpiexec_path()), *hosts, "-n", str(num_procs), sys.executable, "-u", *target, *argv[1:]]


def resume_command(argv: list[str] | None = None) -> str:
    """The command line that re-runs this program as the user started it, less ``--fresh`` (which
    would move the run's checkpoint aside), from the folder it ran in: it resumes a training."""
    argv = sys.argv if argv is None else argv
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    target = ["-m", spec.name.removesuffix(".__main__")] if spec is not None and spec.name else [argv[0]]
    # argparse takes any unique prefix of an option: --fr, --fre, --fres name --fresh too
    args = [arg for arg in argv[1:] if not (len(arg) > 4 and "--fresh".startswith(arg))]
    return f"cd {shlex.quote(os.getcwd())} && {shlex.join([sys.executable, *target, *args])}"


def ensure_mpi(num_procs: int, hostfile: str | Path = "", resume_hint: Callable[[], str] | None = None) -> None:
    """Run this program under ``mpiexec -n num_procs`` (over the hosts of ``hostfile`` when given)
    unless already under MPI, and exit with mpiexec's status.

    Returns (and the caller carries on in this process) when ``num_procs <= 1``, when already
    under MPI, or when there is no ``mpiexec`` next to python (with a warning: one process).
    Otherwise it never returns: this process waits for the job (``supervise``) and, when one of
    its processes died, prints one line naming it, then ``resume_hint()`` (what is saved and the
    command that resumes).
    """
    if num_procs <= 1 or under_mpi():
        return
    mpiexec = mpiexec_path()
    if not mpiexec.is_file():
        logger.warning("%s not found (pip install mpich mpi4py); training in one process", mpiexec)
        return
    cmd = relaunch_command(num_procs, hostfile=hostfile)
    env = {**ONE_THREAD, **os.environ, IN_MPI_MARKER: "1"}  # one thread a worker unless set
    logger.info("launching: %s", " ".join(cmd))
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(supervise(cmd, env, num_procs, resume_hint))


@dataclass
class _Rank:
    """One connection to the launcher's socket: who (once it said hello) and whether it said bye."""

    rank: int = -1
    pid: int = 0
    host: str = ""
    bye: bool = False
    text: bytes = b""

    def name(self) -> str:
        who = "the coordinator (rank 0" if self.rank == 0 else f"worker rank {self.rank}"
        where = f"pid {self.pid} on {self.host}"
        return f"{who}, {where})" if self.rank == 0 else f"{who} ({where})"


@dataclass
class Watcher:
    """The launcher's side of the socket (see the module's docstring): who said hello, and which
    connection closed first without a bye."""

    server: socket.socket
    num_procs: int
    ranks: dict[socket.socket, _Rank] = field(default_factory=dict)
    dead: list[_Rank] = field(default_factory=list)
    """The ranks whose connections closed without a bye in the first batch of events that had any."""
    all_watched: bool = False
    """Every rank of the job had said hello when the first one died: ``dead`` is sure."""
    finished: bool = False
    """The coordinator finished the run: its results are written (``tell_launcher("done")``)."""
    aborted: bool = False
    """The coordinator reported a failure itself (``tell_launcher("abort")``): nothing to add."""

    def __post_init__(self) -> None:
        self.server.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.server, selectors.EVENT_READ)

    def step(self, timeout: float) -> bool:
        """Handle the events of the next ``timeout`` seconds; whether there were any."""
        events = self.selector.select(timeout)
        closed = []
        for key, _ in events:
            conn: socket.socket | None = key.data  # None: the listening socket
            if conn is None:
                with contextlib.suppress(BlockingIOError):
                    conn, _ = self.server.accept()
                    self.selector.register(conn, selectors.EVENT_READ, data=conn)
                    self.ranks[conn] = _Rank()
                continue
            rank = self.ranks[conn]
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            if data:
                self._read(rank, data)
                continue
            self.selector.unregister(conn)
            conn.close()
            if not rank.bye:
                closed.append(rank)
        if closed and not self.dead and not self.aborted:
            self.dead = closed
            self.all_watched = sum(r.rank >= 0 for r in self.ranks.values()) == self.num_procs
        return bool(events)

    def _read(self, rank: _Rank, data: bytes) -> None:
        rank.text += data
        *lines, rank.text = rank.text.split(b"\n")
        for line in lines:
            words = line.decode(errors="replace").split()
            if words[:1] == ["hello"] and len(words) == 4:
                rank.rank, rank.pid, rank.host = int(words[1]), int(words[2]), words[3]
            elif words == ["bye"]:
                rank.bye = True
            elif words == ["done"]:
                rank.bye = self.finished = True
            elif words == ["abort"]:
                rank.bye = self.aborted = True

    def coordinator_done(self) -> bool:
        """Rank 0 said done: the run ended as asked, its results written."""
        return self.finished and not self.aborted

    def death(self) -> str:
        """The line's first part: who died; "" when no rank died without a word."""
        if not self.dead or self.aborted:
            return ""
        if not self.all_watched:
            return ("a process of the MPI job died without a word (killed, out of memory, or a crash in native "
                    "code); ranks on other machines are watched by no one here: mpiexec's lines above may name it")
        names = " or ".join(rank.name() for rank in self.dead)
        return f"{names} died without a word (killed, out of memory, or a crash in native code)"


def supervise(cmd: list[str], env: dict[str, str], num_procs: int,
              resume_hint: Callable[[], str] | None = None) -> int:
    """Run the MPI job ``cmd`` as a child and wait for it; return its exit status (128 + N for a
    signal N). When a rank died (see ``Watcher``), log one error line naming it and
    ``resume_hint()``, and return non-zero."""
    with _listening() as (server, path):
        watcher = Watcher(server, num_procs) if server is not None else None
        proc = subprocess.Popen(cmd, env={**env, WATCH_ENV: path} if path else env,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        with _forwarding_signals(proc) as received:
            ending_since = math.inf  # when the job began to end: the coordinator aborted or finished, or a rank died
            finished_then_killed: list[_Rank] = []
            while proc.poll() is None:
                if watcher is None:
                    time.sleep(0.1)
                    continue
                watcher.step(0.1)
                if (watcher.aborted or watcher.dead or watcher.coordinator_done()) and ending_since == math.inf:
                    ending_since = time.monotonic()
                if time.monotonic() - ending_since > ENDING_GRACE_S:
                    if watcher.coordinator_done() and not (watcher.aborted or watcher.dead):
                        # the run's work is done and saved; a rank that does not end (stopped, wedged)
                        # would hold MPI_Finalize forever
                        finished_then_killed = [r for r in watcher.ranks.values() if r.rank >= 0 and not r.bye]
                    _kill_job(proc, watcher)
                    ending_since = math.inf  # once
            while watcher is not None and watcher.step(0):  # what arrived before the job ended
                pass
    if finished_then_killed:
        logger.warning("the run finished, but %s did not end within %.0f s of it: killed",
                       " and ".join(r.name() for r in finished_then_killed), ENDING_GRACE_S)
        return 0
    status = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    death = watcher.death() if watcher is not None else ""
    if proc.returncode < 0 and proc.returncode != -signal.SIGINT:  # then its ranks ended because it did
        death = f"mpiexec (pid {proc.pid}) was killed by signal {-proc.returncode}, and the job with it"
    if received:  # the job was told to stop: its ranks' ends are no deaths
        death = f"stopped by signal {received[0]} (sent to pid {os.getpid()}, passed on to the job)"
    if status != 0 and death:
        hint = resume_hint() if resume_hint is not None else f"resume with: {resume_command()}"
        (logger.warning if received else logger.error)("%s; %s", death, hint)
    return status


ENDING_GRACE_S = 10.0
"""Seconds the launcher gives an ending job (MPI_Abort, or a rank dead) before it kills what is left.
mpiexec ends the others with SIGTERM, which a stopped (SIGSTOP) or wedged rank never acts on, so
the job would hang forever (found by tests/faults: a worker frozen with SIGSTOP, issue #30)."""


def _kill_job(proc: subprocess.Popen, watcher: Watcher) -> None:
    """SIGKILL every rank this launcher knows (those on this machine) and mpiexec itself."""
    pids = [rank.pid for rank in watcher.ranks.values() if rank.pid > 0]
    logger.debug("the job did not end in %.0f s: killing ranks %s and mpiexec", ENDING_GRACE_S, pids)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _die_with_parent() -> None:
    """In mpiexec before it starts (Linux): SIGKILL when the launcher dies, so that killing the
    process the user started (kill -9) ends the job as it did when that process was mpiexec."""
    import ctypes

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


@contextlib.contextmanager
def _listening() -> Iterator[tuple[socket.socket | None, str]]:
    """A listening Unix socket in a new temporary folder, and its path; (None, "") where none can
    be made (then nobody is watched, and the job runs as before)."""
    with tempfile.TemporaryDirectory(prefix="estool-mpi-") as folder:
        path = os.path.join(folder, "watch")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(path)  # a path longer than ~107 bytes (a long TMPDIR) does not bind
            server.listen(1024)
        except OSError as err:
            logger.debug("no watch socket (%s): a rank that dies will not be named", err)
            server.close()
            yield None, ""
            return
        try:
            yield server, path
        finally:
            server.close()


@contextlib.contextmanager
def _forwarding_signals(proc: subprocess.Popen) -> Iterator[list[int]]:
    """While the job runs: SIGTERM and SIGHUP sent to this process go on to mpiexec (which passes them
    to the ranks), and are listed in the yielded list; Ctrl-C's SIGINT reaches mpiexec and the ranks
    from the terminal itself, so here it only must not end this process before them."""
    received: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signum)

    saved = {sig: signal.signal(sig, handler) for sig, handler in
             ((signal.SIGTERM, forward), (signal.SIGHUP, forward), (signal.SIGINT, lambda *_: None))}
    try:
        yield received
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


_launcher: socket.socket | None = None
"""This rank's connection to the launcher's socket (``hello_launcher``), kept open until it exits."""


def hello_launcher(rank: int) -> None:
    """Tell the launcher that started this job (``WATCH_ENV``, when it runs on this machine) that
    rank ``rank`` runs here, as this pid on this host. Nothing happens without one."""
    global _launcher
    path = os.environ.get(WATCH_ENV)
    if not path or _launcher is not None:
        return
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)  # fails on another machine (no such socket there): not watched
        conn.sendall(f"hello {rank} {os.getpid()} {socket.gethostname()}\n".encode())
    except OSError:
        conn.close()
        return
    _launcher = conn


def tell_launcher(word: str) -> None:
    """"bye": this rank ends on purpose; "done": the coordinator finished the run (a worker that then
    does not end is killed after ``ENDING_GRACE_S`` and the run counts as a success); "abort": the
    coordinator has reported a failure itself and ends the job (the launcher adds nothing). Nothing
    happens when this rank is not watched."""
    assert word in ("bye", "done", "abort"), word
    if _launcher is not None:
        with contextlib.suppress(OSError):
            _launcher.sendall(f"{word}\n".encode())


def poll_recv(comm: Any, source: int, tag: int, max_sleep: float = 0.02, deadline: float = math.inf
              ) -> tuple[Any, int] | None:
    """Receive one pickled message, sleeping between probes; None once ``time.monotonic()`` passes
    ``deadline`` with nothing received.

    MPICH's blocking ``recv`` busy-waits at 100% CPU; an idle coordinator or worker must not steal
    a core from the workers that are busy. Returns ``(message, source_rank)``.
    """
    from mpi4py import MPI

    status = MPI.Status()
    delay = 1e-4
    while not comm.Iprobe(source=source, tag=tag, status=status):
        if time.monotonic() > deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 2, max_sleep)
    src = status.Get_source()
    return comm.recv(source=src, tag=tag), src
