"""Train M (MDN-RNN, LSTM 512, done head, state reset) on doomrnn/series/ -> tf_rnn/rnn.npz.

    python rnn_train.py                  # 20 epochs [paper A.2], resumes if interrupted
    python rnn_train.py --epochs 1 --steps_per_epoch 2 --batch_size 4 --seq_len 50   # quick
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from doomrnn.config import RNN_EPOCHS, SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import rnn_train  # noqa: E402

DEFAULTS = rnn_train.defaults_for(SPEC, RNN_EPOCHS)


def main(argv: list[str] | None = None) -> None:
    rnn_train.script_main(__doc__, DEFAULTS, argv)


if __name__ == "__main__":
    cli_main(main)
