"""Play an Atari game yourself, or score the random agent where there is no display.

    python env.py                              # keyboard (needs a display): w a s d move, space fires
    python env.py --game Breakout              # any ALE game
    python env.py --random 10                  # headless: 10 episodes of the uniformly random agent
    python env.py --random 3 --frames frames   # also save raw and processed frames as PNGs
    python env.py --list_games                 # every game ale-py ships

You play under the agent's protocol [Machado et al. 2018]: sticky actions (25% of frames repeat
the previous action), frame skip 4, game over ends the episode, 18,000 frames at most. --random
prints each episode's score, their mean and the game's speed in agent steps per second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from atari.config import add_game_arguments, env_options, variant
from estool.arguments import SEED, int_in
from worldmodels.config import RolloutConfig
from worldmodels.fileio import cli_main
from worldmodels.options import add_options, from_options
from worldmodels.play import FRAME_EVERY, FRAMES_SAVED, has_display, no_display, save_frame_pair

FPS = 15          # 60 Hz emulator / frame skip 4


def max_steps(args: argparse.Namespace) -> int | None:
    """--max_steps, checked (>= 0); None for 0: the game's own cap (4,500 agent steps)."""
    return from_options(args, RolloutConfig()).max_steps or None


def play_keyboard(args: argparse.Namespace) -> None:
    from gymnasium.utils.play import play

    from worldmodels.envs.atari import make_from_config

    env = make_from_config(env_options(args, max_steps(args)), render_mode="rgb_array")
    score = [0.0, 0]

    def callback(obs, next_obs, action, reward, terminated, truncated, info):
        score[0] += reward
        if terminated or truncated:
            score[1] += 1
            print(f"episode {score[1] - 1}: score {score[0]:.0f}", flush=True)
            score[0] = 0.0

    try:
        play(env, fps=FPS, zoom=3, callback=callback, seed=args.seed)
    finally:
        env.close()


def play_random(args: argparse.Namespace) -> None:
    import numpy as np

    from worldmodels.envs.atari import RandomHoldPolicy, action_to_env, make_from_config

    cfg = env_options(args, max_steps(args))
    env = make_from_config(cfg, render_mode="rgb_array")
    rng = np.random.default_rng(args.seed)
    policy = RandomHoldPolicy(rng, int(env.action_space.n), max_hold=args.max_hold)
    scores, lengths = [], []
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        for episode in range(args.random):
            obs, _ = env.reset(seed=args.seed + episode)
            policy.reset(rng)
            score, steps, done = 0.0, 0, False
            while not done:
                saving = args.frames is not None and episode == 0 and steps < FRAME_EVERY * FRAMES_SAVED
                if saving and steps % FRAME_EVERY == 0:
                    save_frame_pair(args.frames, steps, env.render(), obs, args.game, f"{obs.shape[0]}x{obs.shape[1]}")
                obs, reward, terminated, truncated, _ = env.step(action_to_env(policy(obs)))
                score += reward
                steps += 1
                done = terminated or truncated
            scores.append(score)
            lengths.append(steps)
            print(f"episode {episode} seed {args.seed + episode}: score {score:.0f} in {steps} steps"
                  + (" (capped)" if truncated else ""), flush=True)
    finally:
        env.close()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"random agent (actions held 1..{args.max_hold} steps) on {args.game}: {len(scores)} episodes, "
          f"score {np.mean(scores):.2f} +- {np.std(scores):.2f}, {np.mean(lengths):.0f} steps per episode, "
          f"{sum(lengths) / seconds:.0f} steps/s ({cfg.frame_skip * sum(lengths) / seconds:.0f} frames/s; "
          f"{sum(lengths) / max(cpu_seconds, 1e-9):.0f} steps per CPU second)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_game_arguments(parser)
    parser.add_argument("--random", type=int_in(1), metavar="N",
                        help="play N episodes with the random agent (no display)")
    parser.add_argument("--max_hold", type=int_in(1), default=1,
                        help="--random: hold each action 1..N steps (default 1)")
    parser.add_argument("--seed", type=SEED, default=0, help="episode k uses seed + k (default %(default)s)")
    add_options(parser, RolloutConfig(), ("max_steps",))  # 0: the game's own 4,500 steps
    parser.add_argument("--frames", type=Path, help="with --random: save raw and processed frames (PNG) here")
    parser.add_argument("--list_games", action="store_true", help="print every game ale-py ships and exit")
    args = parser.parse_args(argv)
    if args.list_games:
        from worldmodels.envs.atari import known_games, title
        print(" ".join(title(g) for g in known_games()))
        return
    env_options(args, max_steps(args))  # an unknown game or a bad cap: one clear line, before anything else
    if args.random is not None:
        play_random(args)
    elif not has_display():
        name = variant(args.game, args.full_action_space, args.rgb, args.dilate)
        raise no_display("playing by keyboard", f"python model.py render --game {args.game} (writes "
                         f"videos/{name}_real_seed0.mp4); the random agent: python env.py --random 10")
    else:
        play_keyboard(args)


if __name__ == "__main__":
    cli_main(main)
