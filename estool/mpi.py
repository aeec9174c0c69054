"""MPI plumbing: detect MPI, re-launch a script under the venv's ``mpiexec``, poll for messages.

mpi4py is imported only inside functions, and only when the process really runs under MPI, so a
single-process run never initialises MPI.
"""

from __future__ import annotations

import logging
import os
import sys
import time
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


def ensure_mpi(num_procs: int, hostfile: str | Path = "") -> None:
    """Re-exec this program under ``mpiexec -n num_procs`` (over the hosts of ``hostfile`` when
    given) unless already under MPI.

    Returns (and the caller carries on in this process) when ``num_procs <= 1``, when already
    under MPI, or when there is no ``mpiexec`` next to python (with a warning: one process).
    Otherwise this process is replaced and never returns; the exit status is mpiexec's.
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
    os.execve(str(mpiexec), cmd, env)


def poll_recv(comm: Any, source: int, tag: int, max_sleep: float = 0.02) -> tuple[Any, int]:
    """Receive one pickled message, sleeping between probes.

    MPICH's blocking ``recv`` busy-waits at 100% CPU; an idle coordinator or worker must not steal
    a core from the workers that are busy. Returns ``(message, source_rank)``.
    """
    from mpi4py import MPI

    status = MPI.Status()
    delay = 1e-4
    while not comm.Iprobe(source=source, tag=tag, status=status):
        time.sleep(delay)
        delay = min(delay * 2, max_sleep)
    src = status.Get_source()
    return comm.recv(source=src, tag=tag), src
