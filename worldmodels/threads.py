"""One math thread per process, the default of every script that plays, trains or extracts.

Rollout workers already fill the cores (one process per core, MPI or ``--procs``); a second BLAS
or onnxruntime thread per process only competes with the other workers for a core (measured in
benchmarks/README.md, "Threads"). ``one_thread_per_process()`` sets the thread variables to 1
unless they are already set, so ``OMP_NUM_THREADS=2 python model.py ...`` overrides it. It must
run before numpy is imported (OpenBLAS reads them once), so the scripts call it first thing;
this module (and estool.mpi, where ONE_THREAD lives) imports nothing that would load numpy.
"""

from __future__ import annotations

import os

from estool.mpi import ONE_THREAD  # noqa: F401  (one BLAS / OpenMP thread [orig train.py mpi_fork])


def one_thread_per_process() -> None:
    """Set each of ``ONE_THREAD``'s variables that is not set already (call before importing numpy)."""
    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)
