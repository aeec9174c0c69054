"""Steps per second of gymnasium's CarRacing and of FastCarRacing, measured in one run.

    python benchmarks/bench_carracing.py [--quick] [--steps 200] [--rounds 3] [--seed 0]

Both games play the same track (seed) with the same random actions, in alternating rounds of
``--steps`` steps each, so a machine that is busy with something else slows both alike and the
ratio stays meaningful. Wall-clock and CPU (process) time are both reported: on a machine shared
with other jobs the CPU-time figures are the steadier ones. Also checks that the two returned the
same frames and rewards (exit 1 if not); it never judges the times.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root

from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int_in(1), default=200, help="steps per round and game (default %(default)s)")
    parser.add_argument("--rounds", type=int_in(1), default=3, help="alternating rounds (default %(default)s)")
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 50 steps (rough figures)")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.rounds = 50, 2

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import numpy as np

    from worldmodels.envs.carracing import game_class

    games = {"stock": game_class("stock")(), "fast": game_class("fast")()}
    rng = np.random.default_rng(args.seed)
    n = args.steps * args.rounds
    # actions held for 10 steps: steer anywhere, some gas, a little brake now and then
    held = np.stack([rng.uniform(-1, 1, n // 10 + 1), rng.uniform(0, 1, n // 10 + 1),
                     rng.uniform(0, 0.3, n // 10 + 1) * (rng.uniform(size=n // 10 + 1) < 0.2)], axis=1)
    actions = np.repeat(held, 10, axis=0)[:n]
    seconds = dict.fromkeys(games, 0.0)
    cpu = dict.fromkeys(games, 0.0)
    frames: dict[str, list] = {name: [] for name in games}
    rewards: dict[str, list] = {name: [] for name in games}
    for name, game in games.items():
        obs, _ = game.reset(seed=args.seed)
        frames[name].append(obs)
    for r in range(args.rounds):
        for name, game in games.items():
            t, c = time.perf_counter(), time.process_time()
            for a in actions[r * args.steps:(r + 1) * args.steps]:
                obs, reward, terminated, truncated, _ = game.step(a)
                frames[name].append(obs)
                rewards[name].append(reward)
                if terminated or truncated:
                    obs, _ = game.reset(seed=args.seed + len(rewards[name]))
            seconds[name] += time.perf_counter() - t
            cpu[name] += time.process_time() - c
    for game in games.values():
        game.close()

    speed = {name: n / s for name, s in seconds.items()}
    cpu_speed = {name: n / max(s, 1e-9) for name, s in cpu.items()}
    same_frames = all(np.array_equal(a, b) for a, b in zip(frames["stock"], frames["fast"]))
    same_rewards = rewards["stock"] == rewards["fast"]
    for name, label in (("stock", "gymnasium CarRacing"), ("fast", "FastCarRacing      ")):
        print(f"{label}: {speed[name]:6.1f} steps/s wall, {cpu_speed[name]:6.1f} steps/s of CPU time ({n} steps)")
    ratio, cpu_ratio = speed["fast"] / speed["stock"], cpu_speed["fast"] / cpu_speed["stock"]
    print(f"speed-up: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU time")
    print(f"identical frames: {same_frames}; identical rewards: {same_rewards}")
    if not (same_frames and same_rewards):
        sys.exit("FastCarRacing differs from gymnasium's CarRacing")


if __name__ == "__main__":
    cli_main(main)
