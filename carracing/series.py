"""Encode carracing/record/ with V -> carracing/series/series.npz and tf_initial_z/initial_z.json.

    python series.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import series  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max_episodes", type=int, default=None)
    parser.add_argument("--record_dir", type=Path, default=SPEC.paths.path("record"))
    parser.add_argument("--vae", type=Path, default=SPEC.paths.path("vae"), help="vae.npz, or an original vae.json")
    args = parser.parse_args(argv)
    series.run(series.SeriesConfig(vae=SPEC.vae, record_dir=args.record_dir, vae_path=args.vae,
                                   series_path=SPEC.paths.path("series"),
                                   initial_z_path=SPEC.paths.path("initial_z"), max_episodes=args.max_episodes))


if __name__ == "__main__":
    cli_main(main)
