"""Encode doomrnn/record/ with V -> doomrnn/series/series.npz and tf_initial_z/initial_z.json.

    python series.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from doomrnn.config import SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import series  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    series.script_main(__doc__, SPEC, argv)


if __name__ == "__main__":
    cli_main(main)
