"""The whole bin packing pipeline on tiny data, every step through its real script.

    python miniature.py [--workdir /tmp/binpacking_mini]
    python miniature.py --distribution perfect_pack_large    # the same at bag capacity 100

extract (4 episodes of 30 items) -> vae_train (1 short epoch) -> series -> rnn_train (a few
steps) -> fit_mask (M's mask head) -> train (2 generations of CMA-ES, population 4, under mpiexec)
in the real environment and in M's dream -> model.py norender in the real environment and in the
dream -> dream_model.py (a gif).
With --distribution every step that takes one plays it (extract.py, train.py, model.py,
dream_model.py); the others follow the capacity of the recorded episodes (README.md, "Capacity 100").
Outputs go to --workdir (BINPACKING_WORKDIR), never to binpacking/ itself. The test suite runs
this; it checks that the steps fit together, not that the agent is any good.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import shipped_distributions  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402

ITEMS = "30"  # items per episode: short episodes keep every step to seconds


def steps(work: Path, distribution: str | None = None) -> list[list[str]]:
    """The steps; ``distribution``: the one every step with --distribution plays (None: their defaults,
    extract.py's three capacity-9 ones and train.py's linear_waste)."""
    files = ["--vae", str(work / "tf_vae" / "vae.npz"), "--rnn", str(work / "tf_rnn" / "rnn.npz"),
             "--initial_z", str(work / "tf_initial_z" / "initial_z.json")]
    best = str(work / "log" / (distribution or "linear_waste") / "binpacking.cma.2.4.best.json")
    dist = ["--distribution", distribution] if distribution else []
    return [
        ["extract.py", "--num_episodes", "4", "--items", ITEMS, "--no_progress", *dist],
        ["vae_train.py", "--epochs", "1", "--max_frames", "100", "--batch_size", "20"],
        ["series.py"],
        ["rnn_train.py", "--epochs", "2", "--steps_per_epoch", "2", "--batch_size", "4", "--seq_len", "20"],
        ["fit_mask.py"],
        ["train.py", "--real", "-n", "4", "-e", "2", "-g", "2", "--eval_steps", "2", "--num_eval", "4",
         "--num_procs", "3", "--items", ITEMS, "--num_envs", "2", *dist],
        ["train.py", "-n", "4", "-e", "2", "-g", "2", "--eval_steps", "2", "--num_eval", "4", "--num_procs", "2",
         "--items", ITEMS, *dist],
        ["model.py", "binpacking", "norender", best, "0", "--episodes", "3", "--items", ITEMS, *files, *dist],
        ["model.py", "binpackingrnn", "norender", best, "0", "--episodes", "3", "--max_steps", ITEMS, *files, *dist],
        ["dream_model.py", best, "0", "--max_steps", "20", "--video", str(work / "dream.gif"), *files, *dist],
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new temp folder")
    parser.add_argument("--distribution", default=None, choices=shipped_distributions(),
                        help="play this one in every step that takes --distribution (perfect_pack_large: "
                             "capacity 100); default: the steps' own defaults")
    args = parser.parse_args(argv)
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="binpacking_mini_"))).resolve()
    from worldmodels.pipeline.miniature import run_steps
    run_steps(HERE, steps(work, args.distribution), "BINPACKING_WORKDIR", work)


if __name__ == "__main__":
    cli_main(main)
