"""Check V on recorded episodes: its mean reconstruction loss per frame (z = mu).

    python vae_check.py                                     # tf_vae/vae.npz on the last 10 episodes of record/
    python vae_check.py --vae trained/vae.npz --record_dir held_out/record_envpool --episodes 10

Compare renderers with held-out episodes of each backend (EXPERIMENTS.md, the V on both renderers).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import vae_check  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    vae_check.script_main(__doc__, SPEC.vae, SPEC.paths.path("vae"), SPEC.paths.path("record"), argv)


if __name__ == "__main__":
    cli_main(main)
