"""Collect random-policy CarRacing episodes into carracing/record/ (step 1 of the pipeline).

    python extract.py --num_episodes 200 --seed 0 --worker 0     # one worker
    bash extract.bash -w 4 -e 2000                               # four in parallel

Headless: the game renders off-screen (no X server, no display). The policy drives randomly
with a per-episode style (worldmodels/envs/carracing.py, RandomDrivePolicy); the record keeps
its game action [steer, gas, brake], the kind of action C feeds M in a rollout.
Episodes are 1000 frames [orig carracing/extract.py MAX_FRAMES]. Re-running the same command
resumes: episodes already in record/ are skipped. ``--backend envpool`` records EnvPool's C++
CarRacing (~3x faster; the same kind of game, other tracks and slightly different frames).
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

from carracing.config import BACKEND, EPISODE_STEPS, SPEC  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import extract  # noqa: E402

DEFAULTS = extract.ExtractConfig(
    num_episodes=200,  # [orig carracing/extract.py: MAX_TRIALS = 200 per worker]
    out_dir=SPEC.paths.path("record"),  # carracing/record, where vae_train.py looks
    min_frames=0,  # keep every episode (the original kept all)
    max_frames=EPISODE_STEPS,  # [orig carracing/extract.py: MAX_FRAMES = 1000]
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    extract.add_extract_args(parser, DEFAULTS)
    add_backend_argument(parser, BACKEND)
    args = parser.parse_args(argv)
    cfg = extract.config_from_args(args, DEFAULTS)

    # imports box2d and pygame: after parsing, so --help stays fast
    from worldmodels.envs import carracing

    make_env = partial(carracing.make, backend=args.backend, max_steps=cfg.max_frames)
    written = extract.run_extract(cfg, make_env, carracing.random_policy, carracing.action_to_env)
    print(f"worker {cfg.worker}: wrote {written} new episodes to {cfg.out_dir}")


if __name__ == "__main__":
    cli_main(main)
