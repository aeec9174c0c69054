"""The whole Doom pipeline on tiny data, every step through its real script, in a few minutes.

    python miniature.py [--workdir /tmp/doom_mini]

extract (4 short episodes) -> vae_train (1 short epoch) -> series -> rnn_train (a few steps)
-> train (3 generations of CMA-ES in the dream, under mpiexec) -> model.py in the dream and in
the real game. Outputs go to --workdir (DOOMRNN_WORKDIR), never to doomrnn/ itself. The test
suite runs this; it checks that the steps fit together, not that the agent is any good.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.fileio import cli_main  # noqa: E402


def steps(work: Path) -> list[list[str]]:
    log = work / "log"
    own = ["--vae", str(work / "tf_vae/vae.npz"), "--rnn", str(work / "tf_rnn/rnn.npz"),
           "--initial_z", str(work / "tf_initial_z/initial_z.json")]
    best = str(log / "doomrnn.cma.2.4.best.json")
    return [
        ["extract.py", "--num_episodes", "4", "--min_frames", "10", "--max_frames", "60", "--no_progress"],
        ["vae_train.py", "--epochs", "1", "--max_frames", "100", "--batch_size", "20"],
        ["series.py"],
        ["rnn_train.py", "--epochs", "2", "--steps_per_epoch", "2", "--batch_size", "4", "--seq_len", "20"],
        ["train.py", "-n", "4", "-e", "2", "-g", "3", "--eval_steps", "2", "--num_eval", "4", "--num_procs", "3"],
        ["model.py", "doomrnn", "norender", best, "0", "--episodes", "4", "--max_steps", "100"] + own,
        ["model.py", "doomreal", "norender", best, "0", "--episodes", "2", "--max_steps", "50"] + own,
        ["model.py", "doomrnn", "render", best, "0", "--max_steps", "30", "--video", str(work / "dream.gif")] + own,
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new temp folder")
    args = parser.parse_args(argv)
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="doom_mini_"))).resolve()
    from worldmodels.pipeline.miniature import run_steps
    run_steps(HERE, steps(work), "DOOMRNN_WORKDIR", work)


if __name__ == "__main__":
    cli_main(main)
