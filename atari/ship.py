"""Pack this game's finished run (tf_vae, tf_rnn, tf_initial_z and a training run's log files)
into trained/<game>/ as <game>.{best,hist,log}.json next to V and M: what model.py plays by default.

    python ship.py --log_prefix log/pong.cma.2.32.     # the shipped Pong run (README.md)
    python ship.py --game Breakout                     # log/breakout.cma.16.64.* (the paper's budget)

Files already in trained/<game>/ are moved to trained/<game>/previous/<time>/, never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from atari.config import TRAINED, parse
from worldmodels.config import EnvSpec
from worldmodels.fileio import cli_main
from worldmodels.pipeline.ship import ship_pipeline_run


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log_prefix", type=Path, default=spec.paths.path("log") / f"{spec.name}.cma.16.64.",
                        help="the training run's files without best.json/hist.json/log.json (default %(default)s)")
    parser.add_argument("--out_dir", type=Path, default=TRAINED / spec.name,
                        help="where the agent goes (default %(default)s, where model.py looks)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser)
    ship_pipeline_run(spec, {f"{spec.name}.": args.log_prefix}, args.out_dir)


if __name__ == "__main__":
    cli_main(main)
