"""--threads N for the benchmarks: it must set the BLAS thread variables before numpy loads.

A benchmark imports this module and calls ``limit_threads_from_argv()`` before it imports numpy.
"""

from __future__ import annotations

import os
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads_from_argv(argv: list[str] | None = None) -> None:
    """Read --threads N (or --threads=N) from the command line and export it to the BLAS variables."""
    argv = sys.argv if argv is None else argv
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else (
            argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value:
            for var in THREAD_VARIABLES:
                os.environ[var] = value
