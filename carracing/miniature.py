"""The whole CarRacing pipeline on tiny data, every step through its real script, in a few minutes.

    python miniature.py [--workdir /tmp/carracing_mini]

extract (2 episodes of 60 frames) -> vae_train (1 short epoch) -> series -> rnn_train (a few
steps) -> rnn_check -> train (2 generations of CMA-ES in the real game, population 4, 2 episodes of at most
30 frames, under mpiexec) -> model.py norender and render (a video) -> the V-only ablation
(train.py --v_only, one generation in one process, and model.py on its 99-parameter C) ->
dream_model.py (a video, of each C). Outputs go to --workdir (CARRACING_WORKDIR), never to
carracing/ itself. The test suite runs this; it checks that the steps fit together, not that the
agent is any good.
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
    own = ["--vae", str(work / "tf_vae/vae.npz"), "--rnn", str(work / "tf_rnn/rnn.npz"),
           "--initial_z", str(work / "tf_initial_z/initial_z.json")]
    best = str(work / "log" / "carracing.cma.2.4.best.json")
    best_v_only = str(work / "log" / "carracing_z.cma.1.4.best.json")
    return [
        ["extract.py", "--num_episodes", "2", "--max_frames", "60", "--no_progress"],
        ["vae_train.py", "--epochs", "1", "--max_frames", "100", "--batch_size", "20"],
        ["series.py"],
        ["rnn_train.py", "--epochs", "2", "--steps_per_epoch", "2", "--batch_size", "2", "--seq_len", "20"],
        ["rnn_check.py", "--episodes", "2"],
        ["train.py", "-n", "4", "-e", "2", "-g", "2", "--eval_steps", "2", "--num_eval", "2", "--num_procs", "3",
         "--max_steps", "30", "--num_envs", "2"],
        ["model.py", "carracing", "norender", best, "0", "--episodes", "2", "--max_steps", "30"] + own,
        ["train.py", "--v_only", "-n", "4", "-e", "1", "-g", "1", "--eval_steps", "1", "--num_eval", "1",
         "--num_procs", "1", "--max_steps", "20", "--num_envs", "2"],
        ["model.py", "carracing", "norender", best_v_only, "0", "--episodes", "1", "--max_steps", "20"] + own,
        ["model.py", "carracing", "render", best, "0", "--max_steps", "20", "--video", str(work / "real.gif")] + own,
        ["dream_model.py", best, "0", "--max_steps", "20", "--video", str(work / "dream.gif")] + own,
        ["dream_model.py", best_v_only, "0", "--max_steps", "10", "--video", str(work / "dream_z.gif")] + own,
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new temp folder")
    args = parser.parse_args(argv)
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="carracing_mini_"))).resolve()
    from worldmodels.pipeline.miniature import run_steps
    run_steps(HERE, steps(work), "CARRACING_WORKDIR", work)


if __name__ == "__main__":
    cli_main(main)
