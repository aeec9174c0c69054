"""Train M (MDN-RNN, LSTM 256, one-hot actions, reward and done heads) -> atari/<game>/tf_rnn/rnn.npz.

    python rnn_train.py                     # Pong, 20 epochs [paper A.2], resumes if interrupted
    python rnn_train.py --no_heads          # M predicts z only (C can then train in the real game only)
    python rnn_train.py --epochs 1 --steps_per_epoch 2 --batch_size 4 --seq_len 50   # quick

Episodes are laid end to end in parallel streams cut into sequences of 500 steps, and the LSTM
state resets at every episode start [orig doomrnn]. The heads predict the reward of each step
(squared error) and the game's end (sigmoid cross-entropy, positives x10 [orig doomrnn]).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from atari.config import RNN_EPOCHS, parse, spec_matching_rnn
from worldmodels.config import EnvSpec
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.pipeline import rnn_train


def defaults(spec: EnvSpec) -> rnn_train.RNNTrainConfig:
    return rnn_train.defaults_for(spec, RNN_EPOCHS)


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    rnn_train.add_arguments(parser, defaults(spec))
    parser.add_argument("--no_heads", action="store_true", help="no reward and done heads (no dream training)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser)
    heads = not args.no_heads
    spec = replace(spec, rnn=replace(spec.rnn, done_head=heads, reward_head=heads))
    cfg = rnn_train.config_from_args(args, defaults(spec))
    existing = cfg.out_dir / "rnn.npz"
    if not cfg.fresh and (cfg.out_dir / "checkpoint.json").is_file():
        if spec_matching_rnn(spec, existing).rnn.reward_head != heads:  # the checkpoint would not load
            raise WorldModelsError(f"M in {cfg.out_dir} was trained {'without' if heads else 'with'} reward/done "
                                   f"heads; pass --fresh to start over{'' if heads else ' without them'}")
    rnn_train.train(cfg)


if __name__ == "__main__":
    cli_main(main)
