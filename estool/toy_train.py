"""Train on a toy problem with the full ES driver (MPI, logs, checkpoints): a demo and a test.

    python -m estool.toy_train --problem rastrigin --dim 10 -n 8 -e 4 -g 50 --log_dir /tmp/toylog

Every option of ``estool.train`` applies; the toy adds --problem, --dim, --noise, --sleep and,
for tests, --fail_rank R (the evaluator of MPI rank R raises) and --nan.
"""

from __future__ import annotations

from collections.abc import Sequence

from estool import mpi
from estool.arguments import float_in, int_in
from estool.cli import cli_main
from estool.toy import PROBLEMS, ToyEvaluator, ToyProblem, hooks_for_rank
from estool.train import TrainConfig, build_parser, config_from_args, launch

DEFAULTS = TrainConfig(num_worker=8, num_episode=4, eval_steps=10)
"""Small enough for a laptop: population 8, 4 episodes per candidate."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser(DEFAULTS, description=__doc__.splitlines()[0])
    toy = parser.add_argument_group("toy problem")
    toy.add_argument("--problem", default="sphere", choices=PROBLEMS)
    toy.add_argument("--dim", type=int_in(1), default=10, help="number of parameters")
    toy.add_argument("--noise", type=float_in(0), default=0.0, help="stdev of the per-episode reward noise")
    toy.add_argument("--sleep", type=float_in(0), default=0.0, help="seconds per evaluate() call")
    toy.add_argument("--fail_rank", type=int_in(-1), default=-1,
                     help="the evaluator of this MPI rank raises (-1: none)")
    toy.add_argument("--nan", action="store_true", help="every reward is NaN")
    ns = parser.parse_args(None if argv is None else list(argv))
    cfg = config_from_args(ns, DEFAULTS)

    def make_evaluator() -> ToyEvaluator:
        fail = ns.fail_rank >= 0 and mpi.rank() == ns.fail_rank
        return ToyEvaluator(ToyProblem(name=ns.problem, noise=ns.noise, sleep=ns.sleep, fail=fail, nan=ns.nan,
                                       **hooks_for_rank(mpi.rank())))  # ESTOOL_TOY_DIE / _STALL: tests

    launch(cfg, f"toy_{ns.problem}", ns.dim, make_evaluator)


if __name__ == "__main__":
    cli_main(main)
