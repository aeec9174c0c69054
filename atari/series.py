"""Encode atari/<game>/record/ with V -> <game>/series/series.npz and <game>/tf_initial_z/initial_z.json.

    python series.py                 # Pong
    python series.py --game Breakout
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from atari.config import parse
from worldmodels.config import EnvSpec
from worldmodels.fileio import cli_main
from worldmodels.pipeline import series


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    series.add_arguments(parser, spec)
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser)
    series.run(series.config_from_args(args, spec))


if __name__ == "__main__":
    cli_main(main)
