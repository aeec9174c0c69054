"""Play the bin packing agent (V + M + C) in the real environment or in M's dream.

    python model.py binpacking norender                        # 100 episodes, the shipped agent
    python model.py binpacking norender --distribution bounded_waste   # that distribution's C
    python model.py binpacking render [model.json] [seed]      # one episode as a video file
    python model.py binpacking norender log/linear_waste/binpacking.cma.2.64.best.json 0  # your own run
    python model.py binpackingrnn norender                     # 100 episodes inside M's dream
    python model.py binpacking norender --distribution perfect_pack 7   # options anywhere: seed 7

Ends with ``seed S average_reward X stdev Y``; episode k uses seed S + k. The score is the total
reward, minus the wasted space (compare with baselines.py). C plays argmax over the valid actions
(the environment's action mask), as in train.py. The defaults are the shipped files in trained/,
with the controller trained on --distribution (README.md); a capacity-100 distribution plays the
capacity-100 models (trained/capacity100/; README.md, "Capacity 100"). Your own controller plays with your
pipeline's V, M and initial z (tf_vae/, tf_rnn/, tf_initial_z/) unless --vae / --rnn / --initial_z say otherwise.
The word ``binpacking`` may be left out; log/carracing.cma.16.64.best.json, the name the fork's README
kept from the original, plays the shipped controller of --distribution (a warning line says so).
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

from binpacking.config import DISTRIBUTION, check_distribution, check_models, model_files  # noqa: E402
from estool.arguments import int_in  # noqa: E402
from worldmodels import original  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402

REAL, DREAM = ("binpacking",), ("binpackingrnn",)  # real game / M's dream, as doomreal / doomrnn [orig]


def make_env(render_mode: str | None = None, distribution: str = DISTRIBUTION, items: int | None = None):
    from worldmodels.envs.binpacking import make
    return make(render_mode=render_mode, distribution=distribution, items=items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_arguments(parser, model_files(), REAL, DREAM)
    parser.set_defaults(controller=None)  # the shipped controller of --distribution
    parser.add_argument("--distribution", default=DISTRIBUTION,
                        help="real: item distribution; also picks the shipped controller (default %(default)s)")
    parser.add_argument("--items", type=int_in(1), default=None,
                        help="real: items per episode (default: the distribution's)")
    args = original.parse_play_args(parser, original.with_default_where(argv, REAL + DREAM, REAL[0]))
    spec = check_distribution(args.distribution, args.items)  # the models of its capacity
    args.shipped_files = model_files(args.distribution)  # V, M and initial z of the capacity's shipped agent
    shipped = args.shipped_files.controller
    args.controller = original.stand_in(args.controller, shipped) or shipped
    evaluate.fill_model_files(args, spec)
    check_models(spec, args.distribution, vae=args.vae, rnn=args.rnn)
    from worldmodels.envs.binpacking import action_mask

    # C masks invalid actions exactly as in train.py
    evaluate.run(args, spec, partial(make_env, distribution=args.distribution, items=args.items), REAL,
                 spec.paths.path("videos"), action_mask=action_mask)


if __name__ == "__main__":
    cli_main(main)
