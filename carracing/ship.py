"""Pack this folder's finished run (tf_vae, tf_rnn, tf_initial_z, log) into trained/ as
carracing.{best,hist,log}.json next to V and M: what model.py plays by default.

    python ship.py                                        # log/carracing.cma.1.32.*
    python ship.py --log_prefix log/carracing.cma.16.64.  # a run with the original's budget
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import SHIPPED_PREFIX, SPEC, TRAINED  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline.ship import main_one_run  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    main_one_run(argv, SPEC, __doc__, "carracing.cma.1.32.", TRAINED, shipped_name=SHIPPED_PREFIX)


if __name__ == "__main__":
    cli_main(main)
