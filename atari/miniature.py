"""The whole Atari pipeline on tiny data, every step through its real script, in a few minutes.

    python miniature.py [--workdir /tmp/atari_mini] [--game Pong]

extract (3 episodes capped at 60 steps) -> vae_train (1 short epoch, 1 channel) -> series ->
rnn_train (a few steps, reward and done heads) -> train (2 generations of CMA-ES in the real game,
population 4, episodes capped at 40 steps, under mpiexec) -> train --dream (2 generations of
40-step dreams without the done head, the evaluations in the real game) -> model.py norender
(real and dream) and render (a gif) -> dream_model.py (a gif of C in the dream) -> ship.py
(float16 V and M) -> model.py on the shipped files.
Outputs go to --workdir (ATARI_WORKDIR), never to atari/ itself. The test suite runs this; it
checks that the steps fit together, not that the agent is any good.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.fileio import cli_main  # noqa: E402


def steps(work: Path, game: str) -> list[list[str]]:
    from atari.config import variant
    name = variant(game)
    real_best = str(work / "log" / f"{name}.cma.2.4.best.json")
    dream_best = str(work / "log" / f"{name}_dream.cma.2.4.best.json")
    shipped = work / "trained" / name  # not atari/trained/: the real shipped agent stays untouched
    g = ["--game", game]
    es = ["-n", "4", "-e", "2", "-g", "2", "--eval_steps", "2", "--num_eval", "4", "--num_procs", "3",
          "--max_steps", "40", "--num_envs", "2"]
    return [
        ["extract.py", *g, "--num_episodes", "3", "--max_frames", "60", "--no_progress"],
        ["vae_train.py", *g, "--epochs", "1", "--max_frames", "100", "--batch_size", "20"],
        ["series.py", *g],
        ["rnn_train.py", *g, "--epochs", "2", "--steps_per_epoch", "2", "--batch_size", "4", "--seq_len", "20"],
        ["train.py", *g, *es],
        ["train.py", *g, *es, "--dream", "--eval_real", "--no_done_head"],  # dreams of --max_steps steps
        ["model.py", *g, "norender", real_best, "0", "--episodes", "2", "--max_steps", "40", "--num_envs", "2"],
        ["model.py", *g, "dream", "norender", dream_best, "0", "--episodes", "4", "--max_steps", "40"],
        ["model.py", *g, "render", real_best, "0", "--max_steps", "20", "--video", str(work / "real.gif")],
        ["dream_model.py", *g, dream_best, "0", "--max_steps", "20", "--video", str(work / "dream.gif")],
        ["ship.py", *g, "--log_prefix", real_best[:-len("best.json")], "--out_dir", str(shipped)],
        ["model.py", *g, "norender", str(shipped / f"{name}.best.json"), "0", "--episodes", "2", "--max_steps", "40",
         "--vae", str(shipped / "vae.npz"), "--rnn", str(shipped / "rnn.npz")],
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new temp folder")
    parser.add_argument("--game", default="Pong", help="default %(default)s")
    args = parser.parse_args(argv)
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="atari_mini_"))).resolve()
    from worldmodels.pipeline.miniature import run_steps
    run_steps(HERE, steps(work, args.game), "ATARI_WORKDIR", work)


if __name__ == "__main__":
    cli_main(main)
