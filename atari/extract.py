"""Collect random-policy episodes of an Atari game into atari/<game>/record/ (step 1 of the pipeline).

    python extract.py                                   # Pong, 200 episodes, worker 0
    python extract.py --game Breakout --num_episodes 50 --seed 1 --worker 1
    bash extract.bash -w 4 -e 800 -- --game SpaceInvaders   # four workers in parallel

Policy: a uniformly random action of the game's action set, held for a uniform 1..--max_hold
agent steps (default 4; --max_hold 1 is the plain random agent). Every step records the frame
the action was taken on (uint8 64x64x1), the one-hot action (float32, what M is fed), the reward
and the done flag. Episodes end at game over or at 4,500 steps = 18,000 frames [Machado et al.
2018]. Re-running the same command resumes: episodes already in record/ are skipped.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from atari.config import EPISODES_PER_WORKER, MAX_HOLD, env_options, parse
from estool.arguments import int_in  # noqa: E402
from worldmodels.config import EnvSpec
from worldmodels.fileio import cli_main
from worldmodels.pipeline.extract import ExtractConfig, add_extract_args, config_from_args, run_extract


def defaults(spec: EnvSpec) -> ExtractConfig:
    return ExtractConfig(
        num_episodes=EPISODES_PER_WORKER,  # [orig doomrnn/extract.py: 200 trials per worker]
        out_dir=spec.paths.path("record"),  # where vae_train.py looks for this game
        min_frames=0,  # keep every episode: a random agent never ends an Atari game within a few steps
        max_frames=spec.dream.max_steps,  # 4,500 steps = 18,000 frames [Machado et al. 2018]
    )


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_extract_args(parser, defaults(spec))
    parser.add_argument("--max_hold", type=int_in(1), default=MAX_HOLD,
                        help="hold each random action 1..N steps (default %(default)s; 1 = plain random agent)")
    parser.add_argument("--print_out_dir", action="store_true", help="print the record folder and exit")
    return parser


def main(argv: list[str] | None = None) -> None:
    args, spec = parse(argv, make_parser)
    if args.print_out_dir:
        print(args.out_dir)
        return
    cfg = config_from_args(args, defaults(spec))

    from worldmodels.envs.atari import RandomHoldPolicy, action_to_env, make_from_config

    game = env_options(args, max_steps=cfg.max_frames)  # the game itself truncates at the same cap
    policy = partial(RandomHoldPolicy, n_actions=spec.rnn.action_size, max_hold=args.max_hold)
    written = run_extract(cfg, partial(make_from_config, game), policy, action_to_env)
    print(f"worker {cfg.worker}: wrote {written} new {spec.name} episodes to {cfg.out_dir}")


if __name__ == "__main__":
    cli_main(main)
