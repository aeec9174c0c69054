"""Pack this folder's finished run (tf_vae, tf_rnn, tf_initial_z and one controller per
distribution, log/<distribution>/) into trained/, what model.py plays by default.

    python ship.py                                       # the three capacity-9 distributions
    python ship.py --distributions linear_waste          # only some of them
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import SHIPPED_DISTRIBUTIONS, SPEC, TRAINED, shipped_prefix, train_log_prefix  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline.ship import ship_pipeline_run  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distributions", nargs="+", default=list(SHIPPED_DISTRIBUTIONS),
                        choices=SHIPPED_DISTRIBUTIONS)
    args = parser.parse_args(argv)
    prefixes = {shipped_prefix(d): train_log_prefix(d) for d in args.distributions}
    ship_pipeline_run(SPEC, prefixes, TRAINED)


if __name__ == "__main__":
    cli_main(main)
