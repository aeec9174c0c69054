"""Evolve Doom's controller with CMA-ES inside M's dream (MPI-parallel) [paper sec. 4.3].

    python train.py                        # population 64, 16 dream episodes each, tau 1.15
    python train.py -n 64 -e 16 --temperature 1.25 --num_procs 3   # the original code's tau
    python train.py -g 300                 # stop after 300 generations (re-run to resume)
    python train.py --real -n 32 -e 8      # train C in the real game instead (V + M + C in vizdoom)

Re-launches itself under the virtualenv's mpiexec; rank 0 coordinates, the others each play
their share of candidates x episodes as one vectorised dream batch. Logs go to doomrnn/log/
(doomrnn.cma.16.64.*); re-running resumes from the last finished generation.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # the MPI processes already fill the cores

from doomrnn.config import SPEC  # noqa: E402
from estool.train import TrainConfig, build_parser, config_from_args, launch  # noqa: E402
from worldmodels.config import RolloutConfig  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.onnx_encoder import add_encoder_argument  # noqa: E402
from worldmodels.options import add_options, from_options  # noqa: E402

DEFAULTS = TrainConfig(num_worker=64, num_worker_trial=1, num_episode=16, eval_steps=25,
                       sigma_init=0.1, log_dir=str(SPEC.paths.path("log")))  # [paper sec. 4.3; orig doomrnn]


def main(argv: list[str] | None = None) -> None:
    parser = build_parser(DEFAULTS, description=__doc__.splitlines()[0])
    dream = parser.add_argument_group("dream")
    add_options(dream, SPEC.dream, ("temperature",))
    dream.add_argument("--rnn", type=Path, default=SPEC.paths.path("rnn"))
    dream.add_argument("--initial_z", type=Path, default=SPEC.paths.path("initial_z"))
    real = parser.add_argument_group("real game (instead of the dream)")
    real.add_argument("--real", action="store_true", help="evaluate candidates in the real game, not the dream")
    real.add_argument("--vae", type=Path, default=SPEC.paths.path("vae"))
    add_options(real, RolloutConfig(), ("num_envs",))
    add_encoder_argument(real)
    ns = parser.parse_args(argv)
    cfg = config_from_args(ns, DEFAULTS)
    spec = replace(SPEC, dream=from_options(ns, SPEC.dream))  # checks --temperature
    rollout = from_options(ns, RolloutConfig())  # checks --num_envs
    needed = ((ns.rnn, "rnn_train.py"), (ns.vae, "vae_train.py")) if ns.real else \
        ((ns.rnn, "rnn_train.py"), (ns.initial_z, "series.py"))
    for path, step in needed:
        if not path.is_file():
            from worldmodels.fileio import WorldModelsError
            raise WorldModelsError(f"{path} not found: run {step} first")

    def make_evaluator():
        if ns.real:
            from worldmodels.envs.doom import make
            from worldmodels.evaluators import RealEvaluator
            return RealEvaluator(SPEC, make, ns.vae, ns.rnn, num_envs=rollout.num_envs, encoder=ns.encoder)
        from worldmodels.evaluators import DreamEvaluator
        return DreamEvaluator(spec, ns.rnn, ns.initial_z)

    # the real game's runs are logged as doomreal.* so they never mix with the dream's
    launch(cfg, "doomreal" if ns.real else SPEC.name, SPEC.controller.num_params, make_evaluator)


if __name__ == "__main__":
    cli_main(main)
