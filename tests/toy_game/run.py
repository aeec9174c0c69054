"""DotChase's pipeline, every step (docs/adding_a_game.md's file 3: the same lines for any game).

    python run.py extract                  # 200 random-policy episodes -> record/
    python run.py vae_train                # then series, rnn_train
    python run.py train -g 50              # C in M's dream (--real: in the game)
    python run.py model real norender      # 100 real episodes of train's log/dotchase_dream.cma.16.16.best.json
    python run.py --workdir /tmp/dot STEP  # outputs under /tmp/dot instead of this folder
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)  # the folder that holds toy_game/
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; MPI's workers already fill the cores

from toy_game.config import GAME  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline.game import run  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    run(GAME, argv)


if __name__ == "__main__":
    cli_main(main)
