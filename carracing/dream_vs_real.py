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

import sys
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # --procs processes fill the cores

from carracing.config import BACKEND, EPISODE_STEPS, SPEC  # noqa: E402
from carracing.train import DEFAULTS, dream_rnn_path  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402


def real_game(args, max_steps: int):
    from worldmodels.envs.carracing import make
    return partial(make, backend=args.backend, max_steps=max_steps or EPISODE_STEPS)


def main(argv: list[str] | None = None) -> None:
    from worldmodels.pipeline.dream_vs_real import script_main
    prefix = SPEC.paths.path("log") / f"{SPEC.name}_dream.cma.{DEFAULTS.num_episode}.{DEFAULTS.num_worker}."
    script_main(__doc__, SPEC, prefix, dream_rnn_path(), real_game, "CarRacing: C trained in M's dream",
                partial(add_backend_argument, default=BACKEND), argv)


if __name__ == "__main__":
    cli_main(main)
