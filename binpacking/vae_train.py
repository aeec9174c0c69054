"""Train V (the VAE, z = 32) on the pictures in binpacking/record/ -> binpacking/tf_vae/vae.npz.

    python vae_train.py                       # budget from config.py, resumes if interrupted
    python vae_train.py --epochs 1 --max_frames 2000   # a quick run
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import SPEC, VAE_EPOCHS, VAE_FRAMES_PER_EPOCH  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import vae_train  # noqa: E402

DEFAULTS = vae_train.defaults_for(SPEC, VAE_EPOCHS, VAE_FRAMES_PER_EPOCH)


def main(argv: list[str] | None = None) -> None:
    vae_train.script_main(__doc__, DEFAULTS, argv)


if __name__ == "__main__":
    cli_main(main)
