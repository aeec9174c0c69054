"""Play DoomTakeCover yourself, or watch the random policy's score where there is no display.

    python env.py                      # keyboard: left/right arrows (or a/d) strafe; needs a display
    python env.py --random 2000        # headless: 2000 steps of the extraction policy, print scores
    python env.py --random 300 --frames frames   # also save raw / processed frames as PNGs

The keyboard game is vizdoom's own window in SPECTATOR mode at 640x480; the episode ends when
you die or after 2100 frames [paper, sec. 4.2]. Your score is the frames you survived.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from estool.arguments import SEED, int_in
from worldmodels.fileio import cli_main
from worldmodels.play import has_display, no_display


def play_keyboard(resolution: str, episodes: int) -> None:
    import vizdoom as vzd

    from worldmodels.envs.doom import DoomConfig, make_game

    cfg = DoomConfig(resolution=resolution)
    game = make_game(cfg, visible=True, mode=vzd.Mode.SPECTATOR)
    bindings = (("leftarrow", "+moveleft"), ("rightarrow", "+moveright"), ("a", "+moveleft"), ("d", "+moveright"))
    for key, command in bindings:
        game.send_game_command(f"bind {key} {command}")
    try:
        for ep in range(episodes):
            game.new_episode()
            steps = 0
            while not game.is_episode_finished() and steps < cfg.max_steps:
                game.advance_action()
                steps += 1
            print(f"episode {ep}: score {steps}")
    finally:
        game.close()


def play_random(steps: int, resolution: str, seed: int, frames_dir: Path | None) -> None:
    import numpy as np

    from worldmodels.envs.doom import action_to_env, make, random_policy
    from worldmodels.play import play_random_steps

    env = make(resolution=resolution, render_mode="rgb_array")  # gymnasium.make of WorldModels/DoomTakeCover-v0
    rng = np.random.default_rng(seed)
    play_random_steps(env, random_policy(rng), action_to_env, rng, steps, seed, frames_dir, env.render,
                      (resolution, resolution))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int_in(1), metavar="N",
                        help="play N steps with the random policy (no display needed)")
    parser.add_argument("--episodes", type=int_in(1), default=1, help="keyboard episodes (default %(default)s)")
    parser.add_argument("--resolution", default=None, help="screen WxH (default 640x480 keyboard, 160x120 random)")
    parser.add_argument("--seed", type=SEED, default=0, help="seed of --random (default %(default)s)")
    parser.add_argument("--frames", type=Path, help="with --random: save raw and processed frames (PNG) here")
    args = parser.parse_args(argv)
    if args.random is not None:
        play_random(args.random, args.resolution or "160x120", args.seed, args.frames)
    elif not has_display():
        raise no_display("playing by keyboard", "python model.py doomreal render (writes "
                         "videos/doomrnn_doomreal_seed0.mp4); the random policy: python env.py --random 2000")
    else:
        play_keyboard(args.resolution or "640x480", args.episodes)


if __name__ == "__main__":
    cli_main(main)
