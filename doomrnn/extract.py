"""Collect random-policy DoomTakeCover episodes into doomrnn/record/ (step 1 of the pipeline).

    python extract.py --num_episodes 200 --seed 0 --worker 0     # one worker
    bash extract.bash -w 4 -e 2000                               # four in parallel
    python extract.py --controller log/doomrnn.cma.16.64.best.json --explore 0.1 --worker 201 --seed 201
                                                  # iterative training: C's own play (V and M: --vae, --rnn)

The policy holds a ~ U(-1, 1) for 1..10 frames [orig doomrnn]; the game gets the thirds
mapping of a (left / no-op / right) and the record keeps a itself, as M is fed a. Episodes of
100 frames or fewer are dropped [orig doomrnn]; episodes stop at 2100 frames [paper]. With
--controller the agent (that C with --vae and --rnn) plays instead, a ~ U(-1, 1) on a frame with
probability --explore: the new data of iterative training [paper sec. 5]. Re-running the same
command resumes: episodes already in record/ are skipped.
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

from doomrnn.config import SPEC
from worldmodels.fileio import cli_main
from worldmodels.pipeline import extract  # noqa: E402

DEFAULTS = extract.ExtractConfig(
    num_episodes=200,  # [orig doomrnn/extract.py: MAX_TRIALS = 200 per worker]
    out_dir=SPEC.paths.path("record"),  # doomrnn/record, where vae_train.py looks
    min_frames=100,  # keep episodes longer than 100 frames [orig doomrnn/extract.py: MIN_LENGTH]
    max_frames=2100,  # DoomTakeCover's cap [paper, sec. 4.2; orig MAX_FRAMES]
)
RESOLUTION = "160x120"  # same frame and crop ratio as the original 640x480 [orig], ~7x faster (measured)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    extract.add_extract_args(parser, DEFAULTS)
    parser.add_argument("--resolution", default=RESOLUTION, help="screen WxH (default %(default)s; original 640x480)")
    extract.add_agent_args(parser, vae=SPEC.paths.path("vae"), rnn=SPEC.paths.path("rnn"))
    args = parser.parse_args(argv)
    cfg = extract.config_from_args(args, DEFAULTS)
    make_policy = None if args.controller is None else extract.agent_policy_factory(SPEC, args)

    # imports vizdoom: after parsing, so --help stays fast
    from worldmodels.envs import doom

    doom_cfg = doom.DoomConfig(resolution=args.resolution, max_steps=cfg.max_frames)
    written = extract.run_extract(cfg, partial(doom.DoomTakeCoverEnv, doom_cfg), make_policy or doom.random_policy,
                                  doom.action_to_env)
    print(f"worker {cfg.worker}: wrote {written} new episodes to {cfg.out_dir}")


if __name__ == "__main__":
    cli_main(main)
