"""Play the Doom agent (V + M + C) in the real game or in M's dream.

    python model.py doomreal norender                    # 100 real episodes, shipped agent
    python model.py doomreal render [model.json] [seed]  # one episode: window, or a video file
    python model.py doomrnn norender --temperature 1.15  # 100 episodes inside the dream
    python model.py doomreal norender log/doomrnn.cma.16.64.best.json 0 --episodes 20  # your own run
    python model.py norender --episodes 20                # no word: the real game

Ends with ``seed S average_reward X stdev Y``; episode k uses seed S + k. Defaults load the
shipped weights in doomrnn/trained/. V, M and initial z follow the controller: the shipped ones
(or files of the same name beside it, as trained/real/rnn.npz) for a controller under trained/,
your pipeline's (tf_vae/, tf_rnn/, tf_initial_z/) for any other; --vae / --rnn / --initial_z override.
Options go anywhere on the line. The original README's log/doomrnn.cma.16.64.best.json, until your
own run writes it, plays the shipped controller (a warning line says so).
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

from doomrnn.config import SHIPPED, SPEC  # noqa: E402
from worldmodels import original  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402

REAL, DREAM = ("doomreal",), ("doomrnn",)  # [orig model.py's environment names]


def make_env(render_mode: str | None = None, resolution: str = "160x120"):
    from worldmodels.envs.doom import make
    return make(render_mode=render_mode, resolution=resolution)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_arguments(parser, SHIPPED, REAL, DREAM)
    parser.add_argument("--resolution", default="160x120", help="real game screen (V saw 160x120 frames)")
    args = original.parse_play_args(parser, original.with_default_where(argv, REAL + DREAM, REAL[0]))
    args.controller = original.stand_in(args.controller, SHIPPED.controller)
    evaluate.run(args, SPEC, partial(make_env, resolution=args.resolution), REAL, SPEC.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
