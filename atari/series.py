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

from atari.config import parse
from worldmodels.config import EnvSpec
from worldmodels.fileio import cli_main
from worldmodels.pipeline import series


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max_episodes", type=int, default=None)
    parser.add_argument("--record_dir", type=Path, default=spec.paths.path("record"))
    parser.add_argument("--vae", type=Path, default=spec.paths.path("vae"))
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser)
    series.run(series.SeriesConfig(vae=spec.vae, record_dir=args.record_dir, vae_path=args.vae,
                                   series_path=spec.paths.path("series"),
                                   initial_z_path=spec.paths.path("initial_z"), max_episodes=args.max_episodes))


if __name__ == "__main__":
    cli_main(main)
