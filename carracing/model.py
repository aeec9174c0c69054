"""Play the CarRacing agent (V + M + C) in the real game.

    python model.py carracing norender [model.json] [seed]   # 100 episodes [paper: 100 trials]
    python model.py carracing render   [model.json] [seed]   # one episode: window, or a video file
    python model.py carracing norender log/carracing.cma.1.32.best.json 0 --episodes 20  # your own run
    python model.py carracing norender carracing.cma.16.64.best.json 0 \\
        --vae vae.json --rnn rnn.json                         # the original's published agent
    python model.py carracing norender log/carracing_z.cma.1.32.best.json  # a V-only C (99 params)
    python model.py norender log/carracing.cma.16.64.best.json   # as the original's README typed it
    python model.py carracingrnn norender log/carracing_dream.cma.16.64.best.json \
        --rnn tf_rnn/rnn_heads.npz                            # C in M's dream (train.py --dream's score)

Ends with ``seed S average_reward X stdev Y`` [orig model.py]; episode k uses seed S + k. The
defaults play the agent shipped in trained/ (V, M and C trained by this project's scripts;
README.md says how and what it scores). V, M and initial z follow the controller: the shipped
ones for a controller in trained/, your pipeline's (tf_vae/, tf_rnn/, tf_initial_z/) for any
other; --vae / --rnn / --initial_z override. Solved = average >= 900 over 100 random tracks
[paper sec. 3.4]. ``--backend envpool`` plays EnvPool's game (other tracks per seed: its scores are
not comparable, and ``render`` can only write a video of the 96x96 frames). The word ``carracing``
may be left out and options go anywhere; the original's log/carracing.cma.16.64.best.json, until
your own run writes it, plays the shipped controller (a warning line says so).
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

from carracing.config import BACKEND, EPISODE_STEPS, SHIPPED, spec_for_controller  # noqa: E402
from worldmodels import original  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument, warn_if_scores_not_comparable  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402

REAL = ("carracing",)  # [orig model.py's environment name]
DREAM = ("carracingrnn",)  # M's dream (config.SPEC.dream), named as doomrnn's [orig]


def make_env(render_mode: str | None = None, backend: str = BACKEND):
    from worldmodels.envs.carracing import make
    return make(render_mode=render_mode, backend=backend, max_steps=EPISODE_STEPS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_arguments(parser, SHIPPED, REAL, DREAM)
    add_backend_argument(parser, BACKEND)
    args = original.parse_play_args(parser, original.with_default_where(argv, REAL + DREAM, REAL[0]))
    args.controller = original.stand_in(args.controller, SHIPPED.controller)
    warn_if_scores_not_comparable(args.backend)
    spec = spec_for_controller(args.controller)  # a 99-parameter C is the V-only ablation's
    evaluate.run(args, spec, partial(make_env, backend=args.backend), REAL, spec.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
