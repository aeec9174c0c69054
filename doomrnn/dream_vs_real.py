"""Score a dream-trained C (train.py) in M's dream and in the real game, generation by generation.

    python dream_vs_real.py                                  # log/doomrnn.cma.16.64. now
    python dream_vs_real.py log/tau1.15/doomrnn.cma.16.64. --temperature 1.15 --plot gap.png
    for G in 10 20 30; do python train.py -g $G && python dream_vs_real.py; done

Plays the run's current mean (``<prefix>json``) on ``--episodes`` episodes, seeds S..S+E-1
(``--seed``), in M's dream (``--temperature``) and in vizdoom, and appends [generation, dream mean,
dream std, real mean, real std, episodes] to ``<prefix>dream_vs_real.json``; a generation already
there is skipped. Pick the seeds apart from the ones you report a final score on (1000..1099 in README.md).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # --procs processes fill the cores

from doomrnn.config import SPEC  # noqa: E402
from doomrnn.train import DEFAULTS  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402


def real_game(args, max_steps: int):
    from worldmodels.envs.doom import make
    return partial(make, **({"max_steps": max_steps} if max_steps else {}))


def main(argv: list[str] | None = None) -> None:
    from worldmodels.pipeline.dream_vs_real import script_main
    prefix = SPEC.paths.path("log") / f"{SPEC.name}.cma.{DEFAULTS.num_episode}.{DEFAULTS.num_worker}."
    script_main(__doc__, SPEC, prefix, SPEC.paths.path("rnn"), real_game, "DoomTakeCover: C trained in M's dream",
                None, argv)


if __name__ == "__main__":
    cli_main(main)
