"""Score a dream-trained C (train.py --dream) in the dream and in the real game; table and plot.

    python dream_vs_real.py                                  # log/carracing_dream.cma.16.64. now
    python dream_vs_real.py --plot dream_vs_real.png         # and draw the table so far
    for G in 10 20 30; do python train.py --dream -g $G && python dream_vs_real.py; done

Plays the run's current mean (``<prefix>json``) on ``--episodes`` episodes, seeds S..S+E-1
(``--seed``), in M's dream (its heads' reward and ends, ``--temperature``) and in the real game
(gymnasium's, FastCarRacing: the same frames), and appends [generation, dream mean, dream std, real
mean, real std, episodes] to ``<prefix>dream_vs_real.json``; a generation already there is skipped.
Pick the seeds apart from the ones you report a final score on (README.md uses 1000..1099).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # --procs processes fill the cores

from carracing.config import BACKEND, EPISODE_STEPS, SPEC  # noqa: E402
from carracing.train import DEFAULTS, dream_rnn_path  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.config import RolloutConfig  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.options import add_options, from_options  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_prefix = SPEC.paths.path("log") / f"{SPEC.name}_dream.cma.{DEFAULTS.num_episode}.{DEFAULTS.num_worker}."
    parser.add_argument("prefix", nargs="?", default=str(default_prefix), help="the dream run's log prefix")
    parser.add_argument("--episodes", type=int_in(1), default=16, help="episodes in each world (default 16)")
    parser.add_argument("--seed", type=SEED, default=2000, help="episode k plays seed S + k (default 2000)")
    parser.add_argument("--procs", type=int_in(1), default=2, help="processes the episodes are split over")
    parser.add_argument("--vae", type=Path, default=SPEC.paths.path("vae"))
    parser.add_argument("--rnn", type=Path, default=dream_rnn_path(), help="M with reward and done heads")
    parser.add_argument("--initial_z", type=Path, default=SPEC.paths.path("initial_z"))
    add_options(parser, SPEC.dream, ("temperature",))
    add_backend_argument(parser, BACKEND)
    add_options(parser, RolloutConfig(), ("max_steps",))  # 0: 1000 frames, the real game's episode
    parser.add_argument("--plot", type=Path, default=None, help="also draw the table into this PNG")
    args = parser.parse_args(argv)
    max_steps = from_options(args, RolloutConfig()).max_steps or EPISODE_STEPS
    dream_spec = replace(SPEC, dream=replace(from_options(args, SPEC.dream), max_steps=max_steps))

    from worldmodels.envs.carracing import make
    from worldmodels.evaluators import DreamEvaluator, RealEvaluator
    from worldmodels.pipeline.dream_vs_real import record, table_path
    make_dream = partial(DreamEvaluator, dream_spec, args.rnn, args.initial_z)
    make_real = partial(RealEvaluator, SPEC, partial(make, backend=args.backend, max_steps=max_steps),
                        args.vae, args.rnn)
    record(args.prefix, SPEC.controller.num_params, make_dream, make_real, args.episodes, args.seed, args.procs)
    if args.plot is not None:
        from worldmodels.plots import plot_dream_vs_real
        print(plot_dream_vs_real(table_path(args.prefix), args.plot, "CarRacing: C trained in M's dream"))


if __name__ == "__main__":
    cli_main(main)
