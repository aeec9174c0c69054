"""Collect bin packing episodes for V and M into binpacking/record/ (step 1 of the pipeline).

    python extract.py --num_episodes 200 --seed 0 --worker 0     # one worker
    bash extract.bash -w 2 -e 400                                # two in parallel
    python extract.py --num_episodes 4 --items 30                # short episodes (a quick run)
    python extract.py --controller log/dream/perfect_pack/binpacking.cma.16.64.best.json \
        --explore 0.1 --worker 101 --distribution perfect_pack    # iterative training: C's own play

Each episode draws one of the three capacity-9 distributions (--distribution, default all; a
capacity-100 one, e.g. perfect_pack_large+bounded_waste_large+linear_waste_large, records episodes
for the capacity-100 models, which the later steps then build: README.md, "Capacity 100") and one
policy of the mix in ``worldmodels.envs.binpacking.EXTRACTION_MIX``: random-valid play,
Best Fit, Sum-of-Squares, and the two heuristics with random valid moves mixed in (eps ~
U(0.05, 0.5) per episode), 20% each, so V and M see good and bad states. Only valid actions
are played (C is masked). With --controller the agent (that C with --vae and --rnn) plays instead,
a random valid move with probability --explore: the new data of iterative training [paper sec. 5]
(README.md, "C in the dream"). Each record holds the 64x64 pictures, the one-hot action M is fed
(T, C) float32 (C = 9 actions at capacity 9), the reward and the done flag. Re-running the same
command resumes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from binpacking.config import (  # noqa: E402
    EXTRACT_DISTRIBUTION,
    EXTRACT_EPISODES_PER_WORKER,
    ITEMS,
    SPEC,
    check_distribution,
    check_models,
    sizes_for,
)
from estool.arguments import int_in  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import extract  # noqa: E402

DEFAULTS = extract.ExtractConfig(
    num_episodes=EXTRACT_EPISODES_PER_WORKER,
    out_dir=SPEC.paths.path("record"),  # where vae_train.py looks
    min_frames=0,                       # every episode is kept (they all last --items steps)
    max_frames=ITEMS,                   # the episode ends with its last item [benchmark: time_horizon]
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    extract.add_extract_args(parser, DEFAULTS)
    parser.add_argument("--distribution", default=EXTRACT_DISTRIBUTION,
                        help="all (default), a name, or C:s1,s2:p1,p2; '+' joins several")
    parser.add_argument("--items", type=int_in(1), default=None,
                        help="items per episode (default: the distribution's, 1000 at capacity 9, 10000 at 100)")
    extract.add_agent_args(parser, vae=SPEC.paths.path("vae"), rnn=SPEC.paths.path("rnn"))
    # an episode lasts --items steps unless --max_frames cuts it; --num_episodes: the capacity's default
    parser.set_defaults(max_frames=None, num_episodes=None)
    for action in parser._actions:  # noqa: SLF001 - argparse keeps no public way to reword a help
        if action.dest == "num_episodes":
            action.help = (f"episodes to keep (default: {sizes_for(9).extract_episodes_per_worker} at capacity 9, "
                           f"{sizes_for(100).extract_episodes_per_worker} at capacity 100)")
    args = parser.parse_args(argv)
    spec = check_distribution(args.distribution, args.items)  # before any work
    capacity = spec.rnn.action_size
    from worldmodels.envs.binpacking import parse_distribution
    args.max_frames = args.max_frames or max(d.items for d in parse_distribution(args.distribution, args.items))
    if args.num_episodes is None:
        args.num_episodes = sizes_for(capacity).extract_episodes_per_worker
    cfg = extract.config_from_args(args, DEFAULTS)

    from worldmodels.envs import binpacking

    envs: list[binpacking.BinPackingEnv] = []

    def make_env() -> binpacking.BinPackingEnv:
        envs.append(binpacking.make(distribution=args.distribution, items=args.items))  # WorldModels/BinPacking-v0
        return envs[-1]

    def make_policy(rng):
        return binpacking.ExtractionPolicy(lambda: envs[-1].bins.state, capacity)

    if args.controller is not None:  # C plays, a random valid move with probability --explore
        check_models(spec, args.distribution, vae=args.vae, rnn=args.rnn)
        make_policy = extract.agent_policy_factory(spec, args, lambda: binpacking.valid_mask(envs[-1].bins.state))

    written = extract.run_extract(cfg, make_env, make_policy, binpacking.action_to_env)
    print(f"worker {cfg.worker}: wrote {written} new episodes to {cfg.out_dir}")


if __name__ == "__main__":
    cli_main(main)
