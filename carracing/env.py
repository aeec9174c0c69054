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
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from carracing.config import EPISODE_STEPS, FAST_ENV  # noqa: E402
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402

FRAME_EVERY = 50   # --frames: save a raw/processed pair every this many steps (at most 4 pairs)
BRAKE = 0.8        # the down arrow's brake [gymnasium car_racing.py: a[2] = +0.8]


def has_display() -> bool:
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def play_keyboard(episodes: int, fast: bool) -> None:
    import numpy as np
    import pygame

    from worldmodels.envs.carracing import make

    env = make(render_mode="human", fast=fast, max_steps=EPISODE_STEPS)
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
                steer = -1.0 if keys[pygame.K_LEFT] else (1.0 if keys[pygame.K_RIGHT] else 0.0)
                action = np.array([steer, 1.0 if keys[pygame.K_UP] else 0.0, BRAKE if keys[pygame.K_DOWN] else 0.0])
                _, reward, terminated, truncated, _ = env.step(action)
                score += reward
                steps += 1
                done = terminated or truncated or restart
            print(f"episode {ep}: score {score:.1f} after {steps} steps")
    finally:
        env.close()


def play_random(steps: int, seed: int, frames_dir: Path | None, fast: bool) -> None:
    import cv2
    import numpy as np

    from worldmodels.envs.carracing import action_to_env, make, random_policy

    env = make(fast=fast, max_steps=EPISODE_STEPS)
    rng = np.random.default_rng(seed)
    policy = random_policy(rng)
    scores: list[float] = []
    score, saved = 0.0, 0
    obs, _ = env.reset(seed=seed)
    try:
        for t in range(steps):
            if frames_dir is not None and t % FRAME_EVERY == 0 and saved < 4:
                frames_dir.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(frames_dir / f"raw_96x96_{t:04d}.png"), env.frame[:, :, ::-1])
                cv2.imwrite(str(frames_dir / f"obs_64x64_{t:04d}.png"), obs[:, :, ::-1])
                saved += 1
            obs, reward, terminated, truncated, _ = env.step(action_to_env(policy(obs)))
            score += reward
            if terminated or truncated:
                scores.append(score)
                print(f"episode {len(scores) - 1}: score {score:.1f}")
                score = 0.0
                policy.reset(rng)
                obs, _ = env.reset()
    finally:
        env.close()
    if scores:
        print(f"random policy: {len(scores)} episodes, mean score {np.mean(scores):.1f} +- {np.std(scores):.1f}")
    else:
        print(f"random policy: no episode ended within {steps} steps (score so far {score:.1f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, metavar="N",
                        help="play N steps with the random policy (no display needed)")
    parser.add_argument("--episodes", type=int, default=1, help="keyboard episodes (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --random (default %(default)s)")
    parser.add_argument("--frames", type=Path, help="with --random: save raw and processed frames (PNG) here")
    parser.add_argument("--stock_env", action="store_true", default=not FAST_ENV,
                        help="play gymnasium's CarRacing instead of FastCarRacing (same frames, slower)")
    args = parser.parse_args(argv)
    if args.random is not None:
        if args.random < 1:
            raise WorldModelsError(f"--random needs a positive number of steps, got {args.random}")
        play_random(args.random, args.seed, args.frames, fast=not args.stock_env)
    elif not has_display():
        raise WorldModelsError("no display ($DISPLAY is not set) to drive by keyboard; try --random 2000")
    else:
        play_keyboard(args.episodes, fast=not args.stock_env)


if __name__ == "__main__":
    cli_main(main)
