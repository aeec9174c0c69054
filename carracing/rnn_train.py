"""Train M (MDN-RNN, LSTM 256, one sequence per episode) on carracing/series/ -> tf_rnn/rnn.npz.

    python rnn_train.py                  # 4000 steps of 100 x 999 [orig], resumes if interrupted
    python rnn_train.py --epochs 1 --steps_per_epoch 2 --batch_size 4 --seq_len 50   # quick

The 4000 steps are counted as 40 epochs of 100 batches (config.py), whatever the data size.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import RNN_EPOCHS, RNN_STEPS_PER_EPOCH, SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import rnn_train  # noqa: E402

DEFAULTS = rnn_train.defaults_for(SPEC, RNN_EPOCHS, RNN_STEPS_PER_EPOCH)


def main(argv: list[str] | None = None) -> None:
    rnn_train.script_main(__doc__, DEFAULTS, argv)


if __name__ == "__main__":
    cli_main(main)
