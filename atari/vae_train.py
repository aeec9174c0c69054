"""Train V (the VAE, z = 32, one grayscale channel) on atari/<game>/record/ -> <game>/tf_vae/vae.npz.

    python vae_train.py                                  # Pong; budget from config.py; resumes
    python vae_train.py --game Breakout --epochs 1 --max_frames 2000   # a quick run
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from atari.config import VAE_EPOCHS, VAE_FRAMES_PER_EPOCH, parse
from worldmodels.config import EnvSpec
from worldmodels.fileio import cli_main
from worldmodels.pipeline import vae_train


def defaults(spec: EnvSpec) -> vae_train.VAETrainConfig:
    return vae_train.defaults_for(spec, VAE_EPOCHS, VAE_FRAMES_PER_EPOCH)


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    vae_train.add_arguments(parser, defaults(spec))
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser)
    vae_train.train(vae_train.config_from_args(args, defaults(spec)))


if __name__ == "__main__":
    cli_main(main)
