"""Play inside M's dream: by keyboard where there is a display, else a video of C dreaming.

    python dream_model.py                       # display: you dodge (left/right arrows), V draws M's dream
    python dream_model.py --video dream.mp4     # no display: the shipped controller in the dream

What you see is V's decoding of the z that M samples at temperature tau [paper sec. 4.4]; the
episode ends when M predicts death or after 2100 frames.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from doomrnn.config import SHIPPED, SPEC  # noqa: E402
from worldmodels import original  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402
from worldmodels.play import has_display  # noqa: E402

FPS = 35  # Doom's 35 tics per second


def play_by_keyboard(args: argparse.Namespace) -> None:
    """A pygame window: left/right arrows give a = -1 / +1, nothing pressed a = 0."""
    from worldmodels.play import dream_window

    agent, dream = evaluate.open_dream(args, SPEC)

    def dodge(pygame, pressed) -> np.ndarray:
        return np.array([-1.0 if pressed[pygame.K_LEFT] else (1.0 if pressed[pygame.K_RIGHT] else 0.0)])

    dream_window(agent.vae.decode, dream, dodge, FPS, "DoomTakeCover dream (V decodes M's z)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_dream_model_arguments(parser, SHIPPED, SPEC)
    args = original.parse_play_args(parser, argv)
    args.controller = original.stand_in(args.controller, SHIPPED.controller)
    if args.video is None and has_display():
        play_by_keyboard(args)
        return
    args.video = args.video or SPEC.paths.path("videos") / f"dream_seed{args.seed}.mp4"
    args.where, args.mode, args.episodes = "doomrnn", "render", 1
    evaluate.run(args, SPEC, None, ("doomreal",), SPEC.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
