"""Watch the bin packing controller inside M's dream: a video of V's decoding of M's z.

    python dream_model.py                                   # the shipped C, M and V -> videos/
    python dream_model.py --distribution bounded_waste      # the C shipped for that distribution
    python dream_model.py --distribution perfect_pack_large # capacity 100's (once trained/capacity100/ exists)
    python dream_model.py log/linear_waste/binpacking.cma.2.64.best.json 3 --video dream.gif \
        --temperature 1.2                                   # your own run, with your tf_vae/ and tf_rnn/

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

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from binpacking.config import (  # noqa: E402
    DISTRIBUTION,
    SPEC,
    check_distribution,
    check_models,
    model_files,
    shipped_distributions,
)
from worldmodels import original  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.pipeline import evaluate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_dream_model_arguments(parser, model_files(), SPEC)
    parser.set_defaults(controller=None)  # the shipped controller of --distribution
    parser.add_argument("--distribution", default=DISTRIBUTION, choices=shipped_distributions(),
                        help="whose shipped controller plays, with the models of its capacity (default %(default)s)")
    args = original.parse_play_args(parser, argv)
    spec = check_distribution(args.distribution)
    args.shipped_files = model_files(args.distribution)
    shipped = args.shipped_files.controller
    args.controller = original.stand_in(args.controller, shipped) or shipped
    evaluate.fill_model_files(args, spec)
    check_models(spec, args.distribution, vae=args.vae, rnn=args.rnn)
    args.video = args.video or spec.paths.path("videos") / f"dream_seed{args.seed}.mp4"
    args.where, args.mode, args.episodes = "binpackingrnn", "render", 1
    evaluate.run(args, spec, None, ("binpacking",), spec.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
