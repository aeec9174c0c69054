"""Watch C drive inside M's dream, seen through V's decoder (a window, or a video file).

    python dream_model.py [model.json] [seed]             # display: a window; else a video in videos/
    python dream_model.py --video dream.mp4               # always a video file
    python dream_model.py --keyboard                      # display: you drive the dream (arrow keys)
    python dream_model.py log/carracing.cma.16.64.best.json   # the original's line: your run, else the shipped C

Each frame is V's decoding of the z that M samples at temperature tau (0.7 [orig carracing/
dream_env.py]) given C's action; the dream ends after 1200 frames [orig] (config.WATCH_DREAM). An M
with reward and done heads (``--rnn tf_rnn/rnn_heads.npz``, fit_heads.py) also dreams the reward
and the crash that ends the episode (-100), as train.py --dream scores C; without heads there is
no reward. To score C over many dream episodes: python model.py carracingrnn norender ...
Defaults are the shipped agent in trained/ (README.md); a 99-parameter controller is the V-only
ablation's (C sees z alone), as in model.py.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from carracing.config import SHIPPED, SPEC, WATCH_DREAM, spec_for_controller  # noqa: E402
from worldmodels import original  # noqa: E402
from worldmodels.config import EnvSpec  # noqa: E402
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402
from worldmodels.play import has_display  # noqa: E402

WINDOW_SCALE = 6   # the 64x64 dream frame shown at 384x384
FPS = 50           # CarRacing's frame rate [gymnasium car_racing.py: FPS = 50]


def play_window(args: argparse.Namespace, spec: EnvSpec) -> None:
    """A pygame window: C (or you, with --keyboard: arrows steer / gas / brake) acts in the dream."""
    from worldmodels.controller import Controller, features
    from worldmodels.envs.carracing import keyboard_action
    from worldmodels.formats import read_controller
    from worldmodels.play import dream_window

    controller = None if args.keyboard else Controller(spec.controller,
                                                       read_controller(args.controller, spec.controller.num_params))
    agent, dream = evaluate.open_dream(args, spec)

    def drive(pygame, pressed) -> np.ndarray:
        if controller is not None:
            return controller.act(features(spec.controller, dream.z, dream.h, dream.c))[1]
        return keyboard_action(*(pressed[k] for k in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN)))

    dream_window(agent.vae.decode, dream, drive, FPS, "CarRacing dream (V decodes M's z)", scale=WINDOW_SCALE)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_dream_model_arguments(parser, SHIPPED, replace(SPEC, dream=WATCH_DREAM))
    parser.add_argument("--keyboard", action="store_true", help="drive the dream yourself (needs a display)")
    args = original.parse_play_args(parser, argv)
    args.controller = original.stand_in(args.controller, SHIPPED.controller)
    watch = replace(SPEC, dream=WATCH_DREAM)
    evaluate.dream_config(watch, args)  # a bad --temperature or --max_steps: one line, before anything else
    if args.keyboard and (args.video is not None or not has_display()):
        raise WorldModelsError("--keyboard needs a display ($DISPLAY is not set) and no --video; to watch C "
                               "in the dream headless instead: python dream_model.py --video dream.mp4")
    spec = replace(SPEC if args.keyboard else spec_for_controller(args.controller),  # V-only ablation: 99 params
                   dream=WATCH_DREAM)
    if args.video is None and has_display():
        play_window(args, spec)
        return
    args.video = args.video or SPEC.paths.path("videos") / f"dream_seed{args.seed}.mp4"
    args.where, args.mode, args.episodes = "dream", "render", 1
    evaluate.run(args, spec, None, ("carracing",), SPEC.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
