"""Watch the bin packing controller inside M's dream: a video of V's decoding of M's z.

    python dream_model.py                                   # your run's C, M and V -> videos/
    python dream_model.py log/binpacking.cma.4.64.best.json 3 --video dream.gif --temperature 1.2

The dream starts from a recorded first frame (initial_z.json); each step C picks the argmax
action, M samples the next z at temperature tau and predicts the reward (reward head) and the end
of the episode (done head, or after 1000 items). M's dream has no action mask: C may pick an
action the real environment would forbid, and M only knows valid moves (extraction plays no
invalid ones), so dream scores are for watching, not for comparing with baselines.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import RUN_FILES, SPEC  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("controller", nargs="?", type=Path, default=RUN_FILES.controller)
    parser.add_argument("seed", nargs="?", type=int, default=0)
    parser.add_argument("--vae", type=Path, default=RUN_FILES.vae)
    parser.add_argument("--rnn", type=Path, default=RUN_FILES.rnn)
    parser.add_argument("--initial_z", type=Path, default=RUN_FILES.initial_z)
    parser.add_argument("--temperature", type=float, default=None, help=f"tau (default {SPEC.dream.temperature})")
    parser.add_argument("--video", type=Path, default=None, help="output .mp4/.gif (default videos/dream_seedS.mp4)")
    parser.add_argument("--max_steps", type=int, default=0, help="cap the episode (0: 1000 items)")
    args = parser.parse_args(argv)
    args.video = args.video or HERE / "videos" / f"dream_seed{args.seed}.mp4"
    args.where, args.mode, args.episodes, args.num_envs = "binpackingrnn", "render", 1, 1
    evaluate.run(args, SPEC, None, ("binpacking",), HERE / "videos")


if __name__ == "__main__":
    cli_main(main)
