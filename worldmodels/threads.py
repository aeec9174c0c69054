"""One math thread per process, the default of every script that plays, trains or extracts.

Rollout workers already fill the cores (one process per core, MPI or ``--procs``); a second BLAS
or onnxruntime thread per process only competes with the other workers for a core (measured in
benchmarks/README.md, "Threads"). ``one_thread_per_process()`` sets the thread variables to 1
unless they are already set, so ``OMP_NUM_THREADS=2 python model.py ...`` overrides it. It must
run before numpy is imported (OpenBLAS reads them once), so the scripts call it first thing;
this module imports nothing that would load numpy.
"""

from __future__ import annotations

import os

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""Environment of a worker process: one BLAS / OpenMP thread [orig train.py mpi_fork]; onnxruntime's
intra-op threads follow OMP_NUM_THREADS (worldmodels.onnx_encoder)."""


def one_thread_per_process() -> None:
    """Set each of ``ONE_THREAD``'s variables that is not set already (call before importing numpy)."""
    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)
