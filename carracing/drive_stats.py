"""Where an agent's CarRacing points go: per episode, the tiles it visited, how it ended, its speed and actions.

    python drive_stats.py [model.json] [seed] [--episodes 100]   # default: the shipped agent

A CarRacing-v3 episode pays 1000 x (tiles visited / tiles) - 0.1 per frame, and -100 for leaving
the playfield [gymnasium car_racing.py]. It ends when the lap is finished (>= 95 % of the tiles
visited, then back over the start), when the car leaves the playfield, or after 1000 frames
[orig]. So 900 (solved) needs the lap finished within ~1000 frames on nearly every track: a car
that is a little too slow stops at ~850-880 with the lap unfinished, and one that spins off the
road loses whole stretches of tiles. One line per episode (``episode k seed s reward R steps n
tiles f end lap|playfield|time speed v gas g brake b steer s``), then a summary. Episode k plays
seed S + k, as in ``model.py carracing norender`` (same V, M and controller files, same rewards).
``--backend envpool`` (other tracks: scores not comparable) knows no speed (nan) and counts the
tiles from the rewards.
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

from carracing.config import BACKEND, EPISODE_STEPS, SHIPPED, spec_for_controller  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.config import RolloutConfig  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument, warn_if_scores_not_comparable  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.onnx_encoder import add_encoder_argument  # noqa: E402
from worldmodels.options import add_options, from_options  # noqa: E402

LOW = 600.0
"""Episodes under this reward are counted apart in the summary: the car lost much of the lap."""


def recording_env(rows: dict[int, dict], backend: str, max_steps: int):
    """A CarRacing game that writes each episode's record into ``rows[seed]``."""
    import gymnasium as gym

    from worldmodels.envs.carracing import make

    class Recorder(gym.Wrapper):
        def reset(self, *, seed=None, options=None):
            out = self.env.reset(seed=seed, options=options)
            self.row = rows[int(seed)] = {"speed": [], "action": [], "tiles": 0.0, "end": "?"}
            return out

        def step(self, action):
            obs, reward, terminated, truncated, info = self.env.step(action)
            tiles, speed = self.env.unwrapped.progress()
            self.row["speed"].append(speed)
            self.row["action"].append(np.asarray(action, np.float64))
            if terminated or truncated:
                self.row["tiles"] = tiles
                self.row["end"] = "lap" if info.get("lap_finished") else "playfield" if terminated else "time"
            return obs, reward, terminated, truncated, info

    return Recorder(make(backend=backend, max_steps=max_steps))


def episode_line(k: int, seed: int, reward: float, steps: int, row: dict) -> str:
    action = np.stack(row["action"])
    return (f"episode {k} seed {seed} reward {reward:.2f} steps {steps} tiles {row['tiles']:.3f} "
            f"end {row['end']} speed {np.mean(row['speed']):.1f} gas {action[:, 1].mean():.2f} "
            f"brake {np.mean(action[:, 2] > 0):.2f} steer {np.abs(action[:, 0]).mean():.2f}")


def summary(rewards: np.ndarray, rows: list[dict]) -> str:
    ends = [row["end"] for row in rows]
    tiles = np.array([row["tiles"] for row in rows])
    return (f"{len(rows)} episodes: laps finished {ends.count('lap')}, left the playfield {ends.count('playfield')}, "
            f"stopped at the frame limit {ends.count('time')}; tiles visited mean {tiles.mean():.3f} "
            f"(median {np.median(tiles):.3f}); reward mean {rewards.mean():.2f} stdev {rewards.std():.2f}, "
            f"median {np.median(rewards):.2f}, under {LOW:.0f} in {int(np.sum(rewards < LOW))}, "
            f"mean of the others {rewards[rewards >= LOW].mean() if np.any(rewards >= LOW) else float('nan'):.2f}")


def main(argv: list[str] | None = None) -> None:
    from worldmodels.evaluators import load_agent
    from worldmodels.formats import read_controller
    from worldmodels.pipeline import evaluate
    from worldmodels.rollout import real_rollouts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("controller", nargs="?", type=Path, default=SHIPPED.controller,
                        help="best.json or params .json (default: the shipped controller)")
    parser.add_argument("seed", nargs="?", type=SEED, default=0, help="episode k plays seed S + k (default 0)")
    parser.add_argument("--episodes", type=int_in(1), default=100)
    add_options(parser, RolloutConfig(), ("num_envs", "max_steps"))  # --max_steps 0: EPISODE_STEPS = 1000 [orig]
    add_encoder_argument(parser)
    add_backend_argument(parser, BACKEND)
    evaluate.add_model_file_arguments(parser, SHIPPED)
    args = parser.parse_args(argv)
    warn_if_scores_not_comparable(args.backend)
    rollout = from_options(args, RolloutConfig())  # checks --num_envs and --max_steps
    max_steps = rollout.max_steps or EPISODE_STEPS
    spec = spec_for_controller(args.controller)
    evaluate.fill_model_files(args, spec)
    params = read_controller(args.controller, spec.controller.num_params)
    agent = load_agent(spec, args.vae, args.rnn, encoder=args.encoder)
    seeds = args.seed + np.arange(args.episodes, dtype=np.int64)
    rows: dict[int, dict] = {}
    rewards, steps, _ = real_rollouts(agent, lambda: recording_env(rows, args.backend, max_steps),
                                      params[None], seeds[None], num_envs=rollout.num_envs)
    for k, seed in enumerate(seeds):
        print(episode_line(k, int(seed), rewards[0, k], int(steps[0, k]), rows[int(seed)]))
    print(summary(rewards[0], [rows[int(s)] for s in seeds]))
    print(evaluate.summary_line(args.seed, rewards[0]))


if __name__ == "__main__":
    cli_main(main)
