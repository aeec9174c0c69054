"""Evolve an Atari controller with CMA-ES, in the real game (default) or in M's dream (MPI-parallel).

    python train.py                          # Pong, real game: population 64, 16 episodes each [paper]
    python train.py --game Breakout -n 16 -e 4 --num_procs 3
    python train.py --dream                  # inside M's dream (needs M's reward/done heads), tau 1.15
    python train.py --dream --eval_real      # dream training, evaluations of the mean in the real game
    python train.py --dream --no_done_head --max_steps 1000   # dreams of 1000 steps, M's done head ignored
    python train.py -g 300                   # stop after 300 generations (re-run to resume)

C sees [z, h] and picks the argmax over the game's actions; M is fed the one-hot action. Real
episodes follow Machado et al. 2018 (sticky actions 0.25, no life-loss signal, frame skip 4,
4,500-step cap; --max_steps lowers the cap). Re-launches itself under the virtualenv's mpiexec;
logs go to atari/log/<game>.cma.16.64.* (dream runs: <game>_dream.*); re-running resumes.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # the MPI processes already fill the cores

from atari.config import env_factory, parse, spec_matching_rnn
from estool.train import TrainConfig, build_parser, config_from_args, launch
from worldmodels.config import EnvSpec, RolloutConfig
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.onnx_encoder import add_encoder_argument  # noqa: E402
from worldmodels.options import add_options, from_options

DEFAULTS = TrainConfig(num_worker=64, num_worker_trial=1, num_episode=16, eval_steps=25,
                       sigma_init=0.1)  # [paper sec. 3.3 / A.1; orig train.py]


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = build_parser(DEFAULTS, description=__doc__.splitlines()[0])
    parser.set_defaults(log_dir=str(spec.paths.path("log")))
    group = parser.add_argument_group("agent")
    group.add_argument("--dream", action="store_true", help="train C inside M's dream instead of the real game")
    group.add_argument("--eval_real", action="store_true",
                       help="with --dream: score the evaluations of the mean in the real game")
    add_options(group, spec.dream, ("temperature",))
    group.add_argument("--no_done_head", action="store_true",
                       help="with --dream: ignore M's done head, so a dream lasts --max_steps steps and C cannot "
                            "end it early to stop losing points (Pong: EXPERIMENTS.md, 2026-12-07)")
    group.add_argument("--vae", type=Path, default=spec.paths.path("vae"))
    group.add_argument("--rnn", type=Path, default=spec.paths.path("rnn"))
    group.add_argument("--initial_z", type=Path, default=spec.paths.path("initial_z"))
    add_options(group, RolloutConfig(), ("num_envs", "max_steps"))  # --max_steps 0: 4,500 steps = 18,000 frames
    add_encoder_argument(group)
    return parser


class DreamThenReal:
    """Candidates scored in the dream; evaluations of the mean (train_mode False) in the real game."""

    def __init__(self, dream, make_real):
        self.dream, self.make_real, self.real = dream, make_real, None

    def evaluate(self, params, seeds, max_len: int = 0, train_mode: bool = True):
        if train_mode:
            return self.dream.evaluate(params, seeds, max_len, train_mode)
        if self.real is None:
            self.real = self.make_real()
        return self.real.evaluate(params, seeds, max_len, train_mode)


def main(argv: list[str] | None = None) -> None:
    ns, spec = parse(argv, make_parser)
    cfg = config_from_args(ns, DEFAULTS)
    rollout = from_options(ns, RolloutConfig())  # checks --num_envs and --max_steps
    dream = from_options(ns, spec.dream)  # checks --temperature
    if ns.eval_real and not ns.dream:
        raise WorldModelsError("--eval_real only makes sense with --dream (real training is scored in the real game)")
    if ns.no_done_head and not ns.dream:
        raise WorldModelsError("--no_done_head only makes sense with --dream (the real game ends by its own rules)")
    if ns.no_done_head:
        dream = replace(dream, use_done_head=False)
    needed = [(ns.rnn, "rnn_train.py")]
    if ns.dream:
        needed.append((ns.initial_z, "series.py"))
    if not ns.dream or ns.eval_real:
        needed.append((ns.vae, "vae_train.py"))
    for path, step in needed:
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: run {step} first")
    spec = spec_matching_rnn(spec, ns.rnn)  # M with or without heads; a wrong action count is an error
    if ns.dream and not spec.rnn.reward_head:
        raise WorldModelsError(f"M {ns.rnn} has no reward/done heads, so its dream has no score: retrain it "
                               f"with rnn_train.py (without --no_heads) or train in the real game (drop --dream)")
    spec = replace(spec, dream=replace(dream, max_steps=rollout.max_steps or dream.max_steps))
    make_env = env_factory(ns, max_steps=rollout.max_steps or None)  # 0: the game's own 18,000 frames

    def make_real():
        from worldmodels.evaluators import RealEvaluator
        return RealEvaluator(spec, make_env, ns.vae, ns.rnn, num_envs=rollout.num_envs, encoder=ns.encoder)

    def make_evaluator():
        if not ns.dream:
            return make_real()
        from worldmodels.evaluators import DreamEvaluator
        dream = DreamEvaluator(spec, ns.rnn, ns.initial_z)
        return DreamThenReal(dream, make_real) if ns.eval_real else dream

    launch(cfg, spec.name + ("_dream" if ns.dream else ""), spec.controller.num_params, make_evaluator)


if __name__ == "__main__":
    cli_main(main)
