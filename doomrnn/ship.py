"""Pack this folder's finished run (tf_vae, tf_rnn, tf_initial_z, log) into trained/.

    python ship.py [--log_prefix log/doomrnn.cma.16.64.]     # a dream-trained controller
    python ship.py --log_prefix log/doomreal.cma.8.24.       # one trained in the real game
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from doomrnn.config import SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline.ship import main_one_run  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    main_one_run(argv, SPEC, __doc__, "doomrnn.cma.16.64.", HERE / "trained")


if __name__ == "__main__":
    cli_main(main)
