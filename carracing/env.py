"""Drive CarRacing yourself, or watch the random extraction policy where there is no display.

    python env.py                      # keyboard: arrows steer / gas / brake, Enter restarts; needs a display
    python env.py --random 2000        # headless: 2000 steps of the extraction policy, print scores
    python env.py --random 300 --frames frames   # also save raw 96x96 / processed 64x64 frames as PNGs

The keyboard game is gymnasium's own 1000x800 window; an episode ends when every tile is
visited, when you leave the playfield, or after 1000 frames [orig]. Score: +1000/N per new
tile, -0.1 per frame [gymnasium CarRacing].
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import BACKEND, EPISODE_STEPS  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument  # noqa: E402
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402
from worldmodels.play import has_display, no_display  # noqa: E402


def play_keyboard(episodes: int, backend: str) -> None:
    import pygame

    from worldmodels.envs.carracing import keyboard_action, make

    env = make(render_mode="human", backend=backend, max_steps=EPISODE_STEPS)
    try:
        for ep in range(episodes):
            env.reset()
            score, steps, done = 0.0, 0, False
            while not done:
                restart = False
                for event in pygame.event.get():
                    if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                        print(f"episode {ep}: score {score:.1f} after {steps} steps (quit)")
                        return
                    if event.type == pygame.KEYDOWN and event.key == pygame.K_RETURN:
                        restart = True
                keys = pygame.key.get_pressed()
                arrows = (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN)
                action = keyboard_action(*(keys[k] for k in arrows))
                _, reward, terminated, truncated, _ = env.step(action)
                score += reward
                steps += 1
                done = terminated or truncated or restart
            print(f"episode {ep}: score {score:.1f} after {steps} steps")
    finally:
        env.close()


def play_random(steps: int, seed: int, frames_dir: Path | None, backend: str) -> None:
    import numpy as np

    from worldmodels.envs.carracing import action_to_env, make, random_policy
    from worldmodels.play import play_random_steps

    env = make(backend=backend, max_steps=EPISODE_STEPS)
    rng = np.random.default_rng(seed)
    play_random_steps(env, random_policy(rng), action_to_env, rng, steps, seed, frames_dir, lambda: env.frame,
                      ("96x96", "64x64"), score_digits=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int_in(1), metavar="N",
                        help="play N steps with the random policy (no display needed)")
    parser.add_argument("--episodes", type=int_in(1), default=1, help="keyboard episodes (default %(default)s)")
    parser.add_argument("--seed", type=SEED, default=0, help="seed of --random (default %(default)s)")
    parser.add_argument("--frames", type=Path, help="with --random: save raw and processed frames (PNG) here")
    add_backend_argument(parser, BACKEND)
    args = parser.parse_args(argv)
    if args.random is not None:
        play_random(args.random, args.seed, args.frames, backend=args.backend)
    elif args.backend == "envpool":
        raise WorldModelsError("EnvPool's CarRacing has no window to drive by keyboard: use --backend fast "
                               "(or --random)")
    elif not has_display():
        raise no_display("driving by keyboard", "python model.py carracing render (writes "
                         "videos/carracing_carracing_seed0.mp4); the random policy: python env.py --random 2000")
    else:
        play_keyboard(args.episodes, backend=args.backend)


if __name__ == "__main__":
    cli_main(main)
