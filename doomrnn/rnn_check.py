"""Check M on recorded episodes before dream training: does its done head fire where the game ends?

    python rnn_check.py                  # the last 60 episodes of series/, tf_rnn/rnn.npz
    python rnn_check.py --rnn trained/rnn.npz --episodes 200
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from doomrnn.config import SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import rnn_check  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    rnn_check.script_main(__doc__, SPEC.rnn, SPEC.paths.path("rnn"), SPEC.paths.path("series"), argv)


if __name__ == "__main__":
    cli_main(main)
