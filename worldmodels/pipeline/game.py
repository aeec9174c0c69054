"""Every pipeline step for a new game's ``worldmodels.game.Game``, so its folder copies no script.

    python -m worldmodels.pipeline.game mygame.config:GAME extract --num_episodes 50
    python -m worldmodels.pipeline.game mygame.config:GAME vae_train        # then series, rnn_train
    python -m worldmodels.pipeline.game mygame.config:GAME train -g 100     # C in M's dream (--real: the game)
    python -m worldmodels.pipeline.game mygame.config:GAME model real norender   # score C in the real game

(run from the folder that holds ``mygame/``), or the game's own five-line script, ``python run.py
STEP ...`` (docs/adding_a_game.md). ``--workdir DIR``, before the step, puts every output under DIR
instead of the game's ``spec.paths``. Each step is the code the four shipped folders' scripts run
(``worldmodels.pipeline.*``, ``estool.train``), with the game's budgets as defaults; ``STEP --help``
lists a step's options.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from estool.files import check_writable_folder
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.game import Game

REAL, DREAM = ("real",), ("dream",)  # model's first word: the real game or M's dream


def _parser(prog: str, step: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=f"{prog} {step}", description=STEP_HELP[step])


def extract(game: Game, argv: list[str], prog: str) -> None:
    from worldmodels.pipeline.extract import ExtractConfig, add_extract_args, config_from_args, run_extract
    b = game.budget
    defaults = ExtractConfig(num_episodes=b.extract_episodes, out_dir=game.spec.paths.path("record"),
                             min_frames=b.min_frames, max_frames=b.max_frames)
    parser = _parser(prog, "extract")
    add_extract_args(parser, defaults)
    cfg = config_from_args(parser.parse_args(argv), defaults)
    written = run_extract(cfg, game.make_env, game.make_policy, game.action_to_env)
    print(f"worker {cfg.worker}: wrote {written} new {game.spec.name} episodes to {cfg.out_dir}")


def vae_train(game: Game, argv: list[str], prog: str) -> None:
    from worldmodels.pipeline import vae_train as step
    defaults = step.defaults_for(game.spec, game.budget.vae_epochs, game.budget.vae_frames_per_epoch)
    parser = _parser(prog, "vae_train")
    step.add_arguments(parser, defaults)
    step.train(step.config_from_args(parser.parse_args(argv), defaults))


def series(game: Game, argv: list[str], prog: str) -> None:
    from worldmodels.pipeline import series as step
    parser = _parser(prog, "series")
    step.add_arguments(parser, game.spec)
    step.run(step.config_from_args(parser.parse_args(argv), game.spec))


def rnn_train(game: Game, argv: list[str], prog: str) -> None:
    from worldmodels.pipeline import rnn_train as step
    defaults = step.defaults_for(game.spec, game.budget.rnn_epochs)
    parser = _parser(prog, "rnn_train")
    step.add_arguments(parser, defaults)
    step.train(step.config_from_args(parser.parse_args(argv), defaults))


def train(game: Game, argv: list[str], prog: str) -> None:
    from estool.train import TrainConfig, build_parser, config_from_args, launch
    from worldmodels.config import RolloutConfig
    from worldmodels.onnx_encoder import add_encoder_argument
    from worldmodels.options import add_options, from_options
    spec, b = game.spec, game.budget
    defaults = TrainConfig(num_worker=b.population, num_worker_trial=1, num_episode=b.episodes,
                           eval_steps=b.eval_steps, num_eval=b.num_eval, sigma_init=b.sigma_init,
                           log_dir=str(spec.paths.path("log")))
    parser = build_parser(defaults, description=STEP_HELP["train"])
    parser.prog = f"{prog} train"
    where = parser.add_argument_group("where C plays").add_mutually_exclusive_group()
    where.add_argument("--dream", dest="dream", action="store_true", default=game.train_in_dream,
                       help="in M's dream" + (" (the default)" if game.train_in_dream else ""))
    where.add_argument("--real", dest="dream", action="store_false",
                       help="in the real game (V + M + C)" + ("" if game.train_in_dream else " (the default)"))
    models = parser.add_argument_group("models")
    add_options(models, spec.dream, ("temperature",))
    models.add_argument("--vae", type=Path, default=spec.paths.path("vae"))
    models.add_argument("--rnn", type=Path, default=spec.paths.path("rnn"))
    models.add_argument("--initial_z", type=Path, default=spec.paths.path("initial_z"))
    add_options(models, RolloutConfig(), ("num_envs",))
    add_encoder_argument(models)
    ns = parser.parse_args(argv)
    cfg = config_from_args(ns, defaults)
    rollout = from_options(ns, RolloutConfig())  # checks --num_envs
    needed = [(ns.rnn, "rnn_train"), (ns.initial_z, "series")] if ns.dream else [(ns.rnn, "rnn_train"),
                                                                                  (ns.vae, "vae_train")]
    for path, step in needed:
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: run {step} first")
    spec = replace(spec, dream=from_options(ns, spec.dream))

    def make_evaluator():  # once per worker process
        if ns.dream:
            from worldmodels.evaluators import DreamEvaluator
            return DreamEvaluator(spec, ns.rnn, ns.initial_z)
        from worldmodels.evaluators import RealEvaluator
        return RealEvaluator(spec, game.make_env, ns.vae, ns.rnn, num_envs=rollout.num_envs,
                             action_mask=game.action_mask, encoder=ns.encoder)

    launch(cfg, game.run_name(ns.dream), spec.controller.num_params, make_evaluator)


def model(game: Game, argv: list[str], prog: str) -> None:
    from worldmodels.pipeline import evaluate
    best = Path(f"{game.log_prefix(game.train_in_dream)}best.json")  # train's run at the game's budget
    parser = _parser(prog, "model")
    evaluate.add_arguments(parser, evaluate.pipeline_files(game.spec, best), REAL, DREAM)
    args = parser.parse_args(argv)
    if not Path(args.controller).is_file():
        raise WorldModelsError(f"no controller at {args.controller}: run train first (or name a best.json)")
    evaluate.run(args, game.spec, game.make_env, REAL, game.spec.paths.path("videos"),
                 action_mask=game.action_mask)


STEPS: dict[str, Callable[[Game, list[str], str], None]] = {
    "extract": extract, "vae_train": vae_train, "series": series, "rnn_train": rnn_train, "train": train,
    "model": model}
STEP_HELP = {
    "extract": "Collect episodes of the extraction policy into record/ (step 1).",
    "vae_train": "Train V on record/ -> tf_vae/vae.npz.",
    "series": "Encode record/ with V -> series/series.npz and tf_initial_z/initial_z.json.",
    "rnn_train": "Train M on series/ -> tf_rnn/rnn.npz.",
    "train": "Evolve C with CMA-ES in M's dream or the real game (re-launches itself under mpiexec).",
    "model": "Play C (with V and M) in the real game or M's dream; ends with 'seed S average_reward X stdev Y'.",
}


def run(game: Game, argv: list[str] | None = None, prog: str | None = None) -> None:
    """A game's command line: ``[--workdir DIR] STEP [the step's options]``."""
    prog = prog or Path(sys.argv[0]).name
    steps = "\n".join(f"  {name:<10} {text}" for name, text in STEP_HELP.items())
    parser = argparse.ArgumentParser(prog=prog, description=f"The World Models pipeline of {game.spec.name}.",
                                     epilog=f"steps, in order:\n{steps}", formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=None,
                        help=f"where every output goes (default {game.spec.paths.root})")
    parser.add_argument("step", choices=STEPS, metavar="STEP", help="one of the steps below")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the step's options (STEP --help lists them)")
    ns = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if ns.workdir:
        check_writable_folder(ns.workdir, "--workdir")
    STEPS[ns.step](game.with_root(ns.workdir) if ns.workdir else game, ns.options, prog)


def load_game(target: str) -> Game:
    """The ``Game`` named ``module:NAME`` (e.g. ``mygame.config:GAME``)."""
    module, _, name = target.partition(":")
    if not module or not name:
        raise WorldModelsError(f"expected module:NAME of a Game (e.g. mygame.config:GAME), got {target!r}")
    try:
        game = getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as err:
        raise WorldModelsError(f"cannot import {module} ({err}): run from the folder that holds it") from err
    if not isinstance(game, Game):
        raise WorldModelsError(f"{target} is not a worldmodels.game.Game (got {type(game).__name__})")
    return game


def main(argv: list[str] | None = None) -> None:
    """``python -m worldmodels.pipeline.game module:NAME [--workdir DIR] STEP [options]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m worldmodels.pipeline.game", description=__doc__.splitlines()[0])
    parser.add_argument("game", help="module:NAME of the game's worldmodels.game.Game, e.g. mygame.config:GAME")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="[--workdir DIR] STEP [options]; STEP is one of "
                                                               + ", ".join(STEPS))
    ns = parser.parse_args(argv)
    run(load_game(ns.game), ns.rest, prog=f"{parser.prog} {ns.game}")


if __name__ == "__main__":
    cli_main(main)
