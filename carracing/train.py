"""Evolve CarRacing's controller with CMA-ES in the real game (MPI-parallel) [paper sec. 3.3], or in M's dream.

    python train.py                        # population 64, 16 episodes per candidate [paper]
    python train.py -n 64 -t 1 -e 16 --num_procs 17      # 16 worker processes
    python train.py -g 300                 # stop after 300 generations (re-run to resume)
    python train.py -n 4 -e 2 -g 2 --max_steps 50          # a quick try
    python train.py --v_only -n 32 -e 1 --common_seeds     # the paper's V-only ablation (C sees z)
    python train.py --init_from trained/v_only/carracing_z.best.json   # start from the V-only C
    python train.py --v_hidden -n 32 -e 1 --common_seeds   # the paper's "V model with hidden layer" (40 tanh)
    python train.py --dream -g 200         # in M's dream: reward and ends from M's heads (fit_heads.py)

Each candidate C (867 params) drives V + M + C in ``-e`` real CarRacing episodes of up to 1000
frames (FastCarRacing: the same frames as gymnasium's, faster; ``--backend envpool``: EnvPool's
C++ CarRacing, ~3x faster again, other tracks per seed); its fitness is the mean reward.
Re-launches itself under the virtualenv's mpiexec; rank 0 coordinates, the others each play
their share of candidates x episodes, ``--num_envs`` games in lockstep so V encodes a batch of
frames per call. Logs go to carracing/log/ (carracing.cma.16.64.json, .hist.json, .best.json,
.log.json, .hist_best.json [orig]); re-running resumes from the last finished generation.
V and M are read from tf_vae/vae.npz and tf_rnn/rnn.npz (or pass --vae / --rnn, .json too).

``--dream`` (the paper trained CarRacing's C in the real game only; we also train it in the dream):
each candidate drives in M's dream (``worldmodels.dream``), with the reward and ends of the heads
that fit_heads.py gives M (tf_rnn/rnn_heads.npz by default), leaving the playfield scored -100,
1000-frame episodes, ``--temperature`` tau (config.SPEC.dream); no V, no game. Logs as
log/carracing_dream.* (a V-only C: carracing_z_dream.*). model.py plays its best.json in the real
game with tf_rnn/rnn.npz: the heads change nothing else of M (fit_heads.py copies every other weight).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # the MPI processes already fill the cores

import numpy as np  # noqa: E402

from carracing.config import BACKEND, EPISODE_STEPS, SPEC, V_HIDDEN_SPEC, V_ONLY_SPEC  # noqa: E402
from estool.train import TrainConfig, build_parser, config_from_args, launch  # noqa: E402
from worldmodels.config import EnvSpec, RolloutConfig  # noqa: E402
from worldmodels.envs.carracing import add_backend_argument  # noqa: E402
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402
from worldmodels.onnx_encoder import add_encoder_argument  # noqa: E402
from worldmodels.options import add_options, from_options  # noqa: E402

DEFAULTS = TrainConfig(num_worker=64, num_worker_trial=1, num_episode=16, eval_steps=25,
                       sigma_init=0.1, log_dir=str(SPEC.paths.path("log")))  # [paper sec. 3.3; orig carracing/train.py]


def main(argv: list[str] | None = None) -> None:
    parser = build_parser(DEFAULTS, description=__doc__.splitlines()[0])
    game = parser.add_argument_group("carracing")
    game.add_argument("--vae", type=Path, default=SPEC.paths.path("vae"), help="V weights (.npz or original .json)")
    game.add_argument("--rnn", type=Path, default=None,
                      help=f"M weights (.npz or original .json; default {SPEC.paths.path('rnn')}, with --dream "
                           f"{dream_rnn_path()})")
    add_options(game, RolloutConfig(), ("num_envs", "max_steps"))  # --max_steps 0: EPISODE_STEPS = 1000 [orig]
    add_encoder_argument(game)
    add_backend_argument(game, BACKEND)
    ablation = game.add_mutually_exclusive_group()
    ablation.add_argument("--v_hidden", action="store_true",
                          help="the paper's ablation: C sees z through a 40-unit tanh layer (1,443 params); logs "
                               "log/carracing_z_hidden.*")
    ablation.add_argument("--v_only", action="store_true",
                          help="the paper's ablation: C sees z alone (99 params); logs log/carracing_z.*")
    dream = parser.add_argument_group("dream (instead of the real game)")
    dream.add_argument("--dream", action="store_true", help="evaluate candidates in M's dream, not the game")
    add_options(dream, SPEC.dream, ("temperature",))
    dream.add_argument("--initial_z", type=Path, default=SPEC.paths.path("initial_z"),
                       help="where dream episodes start (series.py writes it)")
    ns = parser.parse_args(argv)
    cfg = config_from_args(ns, DEFAULTS)
    spec = V_ONLY_SPEC if ns.v_only else V_HIDDEN_SPEC if ns.v_hidden else SPEC
    rollout = from_options(ns, RolloutConfig())  # checks --num_envs and --max_steps
    max_steps = rollout.max_steps or EPISODE_STEPS
    if ns.dream:
        train_in_dream(ns, cfg, spec, replace(from_options(ns, SPEC.dream), max_steps=max_steps))
        return
    ns.rnn = ns.rnn or SPEC.paths.path("rnn")
    for path, step in ((ns.vae, "vae_train.py"), (ns.rnn, "rnn_train.py")):
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: run {step} first")
    from estool.mpi import under_mpi
    if not under_mpi():  # read the weights once before MPI starts: a wrong file is one line here
        from worldmodels.evaluators import load_agent
        load_agent(spec, ns.vae, ns.rnn, encoder=ns.encoder)

    def make_evaluator():
        from functools import partial

        from worldmodels.envs.carracing import make
        from worldmodels.evaluators import RealEvaluator
        make_env = partial(make, backend=ns.backend, max_steps=max_steps)
        make_vector = None
        if ns.backend == "envpool":  # EnvPool steps a round of games in one call (~25 % less per step)
            from worldmodels.envs.envpool_carracing import EnvPoolCarRacingVector
            make_vector = partial(EnvPoolCarRacingVector, max_steps=max_steps)
        return RealEvaluator(spec, make_env, ns.vae, ns.rnn, num_envs=rollout.num_envs, encoder=ns.encoder,
                             make_vector=make_vector)

    launch(cfg, spec.name, spec.controller.num_params, make_evaluator, start_mean(ns.init_from, spec))


def dream_rnn_path() -> Path:
    """The M with reward and done heads that fit_heads.py writes beside tf_rnn/rnn.npz."""
    return SPEC.paths.path("rnn").with_name("rnn_heads.npz")


def train_in_dream(ns, cfg, spec: EnvSpec, dream) -> None:
    """CMA-ES with every candidate scored in M's dream (``dream``: tau, episode cap, -100 ends)."""
    from worldmodels.mdnrnn import heads_config
    ns.rnn = ns.rnn or dream_rnn_path()
    for path, step in ((ns.rnn, "rnn_train.py, then fit_heads.py"), (ns.initial_z, "series.py")):
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: run {step} first")
    if not heads_config(spec.rnn, ns.rnn).reward_head:
        raise WorldModelsError(f"M at {ns.rnn} has no reward and done heads, which the dream scores C with: run "
                               f"python fit_heads.py --rnn {ns.rnn} (writes rnn_heads.npz beside it) and pass that")
    dream_spec = replace(spec, name=f"{spec.name}_dream", dream=dream)
    from estool.mpi import under_mpi
    if not under_mpi():  # read the files once before MPI starts: a wrong one is one line here
        from worldmodels.evaluators import DreamEvaluator
        DreamEvaluator(dream_spec, ns.rnn, ns.initial_z)

    def make_evaluator():
        from worldmodels.evaluators import DreamEvaluator
        return DreamEvaluator(dream_spec, ns.rnn, ns.initial_z)

    launch(cfg, dream_spec.name, spec.controller.num_params, make_evaluator, start_mean(ns.init_from, spec))


def start_mean(path: str | Path, spec: EnvSpec) -> np.ndarray | None:
    """The --init_from controller as a start mean for ``spec``'s C (None without --init_from): a
    V-only C's weights become the z part of a [z, h] C whose h weights are 0."""
    if not path:
        return None
    from carracing.config import spec_for_controller
    from estool.logs import load_params
    from worldmodels.controller import widen_params
    path = Path(path)
    source = spec_for_controller(path).controller   # reads the file: missing or corrupt is one line
    params = load_params(path, source.num_params)
    return params if source == spec.controller else widen_params(params, source, spec.controller)


if __name__ == "__main__":
    cli_main(main)
