"""Play inside M's dream of an Atari game: by keyboard where there is a display, else a video of C.

    python dream_model.py                        # display: you play (arrows move, space fires)
    python dream_model.py --video dream.mp4      # no display: your controller inside the dream
    python dream_model.py log/pong_dream.cma.16.64.best.json 0 --game Pong --temperature 1.0

What you see is V's decoding of the z that M samples at temperature tau [paper sec. 4.4]; M's
reward head scores each step and its done head ends the episode (or 4,500 steps). Needs an M
trained with its heads (rnn_train.py without --no_heads).
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

from atari.config import check_controller, parse, spec_matching_rnn
from atari.model import files
from worldmodels import original
from worldmodels.config import EnvSpec
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.pipeline import evaluate
from worldmodels.play import has_display

FPS = 15  # 60 Hz emulator / frame skip 4 [Machado et al. 2018]


def play_by_keyboard(args: argparse.Namespace, spec: EnvSpec) -> None:
    """A pygame window: arrows give UP/DOWN/LEFT/RIGHT, space FIRE; the game's nearest action is taken."""
    from worldmodels.envs.atari import action_for_buttons, action_meanings, one_hot
    from worldmodels.play import dream_window

    meanings = action_meanings(args.game, args.full_action_space)
    agent, dream = evaluate.open_dream(args, spec)

    def buttons(pygame, pressed) -> np.ndarray:
        keys = {"UP": pygame.K_UP, "DOWN": pygame.K_DOWN, "LEFT": pygame.K_LEFT, "RIGHT": pygame.K_RIGHT,
                "FIRE": pygame.K_SPACE}
        action = action_for_buttons(meanings, {name for name, key in keys.items() if pressed[key]})
        return one_hot(action, spec.rnn.action_size)

    dream_window(agent.vae.decode, dream, buttons, FPS, f"{args.game} dream (V decodes M's z)")


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_dream_model_arguments(parser, files(spec), spec)
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser, parse_args=original.parse_play_args)
    args.controller = original.stand_in(args.controller, files(spec).controller)
    evaluate.fill_model_files(args, spec)  # V and M from the controller's folder
    for path, step in ((args.vae, "vae_train.py"), (args.rnn, "rnn_train.py"), (args.initial_z, "series.py")):
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: run {step} first")
    spec = spec_matching_rnn(spec, args.rnn)
    if not spec.rnn.reward_head:
        raise WorldModelsError(f"M {args.rnn} has no reward/done heads: its dream has no score or end; "
                               f"retrain it with rnn_train.py (without --no_heads)")
    if args.video is None and has_display():
        play_by_keyboard(args, spec)
        return
    check_controller(args.controller, spec)
    args.video = args.video or spec.paths.path("videos") / f"{spec.name}_dream_seed{args.seed}.mp4"
    args.where, args.mode, args.episodes = "dream", "render", 1
    evaluate.run(args, spec, None, ("real",), spec.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
