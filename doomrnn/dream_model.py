"""Play inside M's dream: by keyboard where there is a display, else a video of C dreaming.

    python dream_model.py                       # display: you dodge (left/right arrows), V draws M's dream
    python dream_model.py --video dream.mp4     # no display: the shipped controller in the dream

What you see is V's decoding of the z that M samples at temperature tau [paper sec. 4.4]; the
episode ends when M predicts death or after 2100 frames.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from doomrnn.config import SHIPPED, SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402
from worldmodels.play import has_display  # noqa: E402

FPS = 35  # Doom's 35 tics per second


def play_by_keyboard(args: argparse.Namespace) -> None:
    """A pygame window: left/right arrows give a = -1 / +1, nothing pressed a = 0."""
    from worldmodels.dream import VectorDream
    from worldmodels.evaluators import load_agent
    from worldmodels.formats import read_initial_z
    from worldmodels.play import dream_window

    agent = load_agent(SPEC, args.vae, args.rnn)
    mu, logvar = read_initial_z(args.initial_z, SPEC.rnn.z_size)
    dream_cfg = SPEC.dream if args.temperature is None else replace(SPEC.dream, temperature=args.temperature)
    dream = VectorDream(agent.rnn, mu, logvar, dream_cfg, np.random.default_rng(args.seed))

    def dodge(pygame, pressed) -> np.ndarray:
        return np.array([-1.0 if pressed[pygame.K_LEFT] else (1.0 if pressed[pygame.K_RIGHT] else 0.0)])

    dream_window(agent.vae.decode, dream, dodge, FPS, "DoomTakeCover dream (V decodes M's z)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("controller", nargs="?", type=Path, default=SHIPPED.controller)
    parser.add_argument("seed", nargs="?", type=int, default=0)
    parser.add_argument("--vae", type=Path, default=SHIPPED.vae)
    parser.add_argument("--rnn", type=Path, default=SHIPPED.rnn)
    parser.add_argument("--initial_z", type=Path, default=SHIPPED.initial_z)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--video", type=Path, default=None, help="write the controller's dream to this file")
    parser.add_argument("--max_steps", type=int, default=0)
    args = parser.parse_args(argv)
    if args.video is None and has_display():
        play_by_keyboard(args)
        return
    args.video = args.video or HERE / "videos" / f"dream_seed{args.seed}.mp4"
    args.where, args.mode, args.episodes, args.num_envs = "doomrnn", "render", 1, 1
    evaluate.run(args, SPEC, None, ("doomreal",), HERE / "videos")


if __name__ == "__main__":
    cli_main(main)
