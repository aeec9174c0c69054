"""Check M on recorded episodes: its mean -log p(z_{t+1}) per z dimension, teacher-forced.

    python rnn_check.py                        # the last 60 episodes of series/, tf_rnn/rnn.npz
    python rnn_check.py --rnn trained/rnn.npz --series held_out/series/series.npz --episodes 100

For a held-out figure, extract and encode episodes M was not trained on in a second workdir:
    CARRACING_WORKDIR=held_out python extract.py --seed 99 --worker 99 --num_episodes 100
    CARRACING_WORKDIR=held_out python series.py --vae tf_vae/vae.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import rnn_check  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    rnn_check.script_main(__doc__, SPEC.rnn, SPEC.paths.path("rnn"), SPEC.paths.path("series"), argv)


if __name__ == "__main__":
    cli_main(main)
