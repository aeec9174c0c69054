"""Play an Atari agent (V + M + C) in the real game or in M's dream.

    python model.py norender [model.json] [seed]          # 100 real Pong episodes [Machado et al. 2018]
    python model.py render [model.json] [seed]            # one episode: window, or a video file
    python model.py dream norender [model.json] [seed]    # 100 episodes inside M's dream
    python model.py norender log/breakout.cma.16.64.best.json 0 --game Breakout --episodes 20
    python model.py norender log/carracing.cma.16.64.best.json   # the fork's README: the shipped agent

``real`` (the default) or ``dream`` may come first. Ends with ``seed S average_reward X stdev Y``;
episode k uses seed S + k. The default agent is the shipped one in trained/<game>/ (Pong), else
your own run's log/<game>.cma.16.64.best.json. V, M and initial z default to the controller's
own: trained/<game>/ for the shipped controller, atari/<game>/ (your pipeline) for any other.
Options go anywhere on the line; log/carracing.cma.16.64.best.json, the name the fork's README kept
from the original, plays the default agent (a warning line says so).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread a process; OMP_NUM_THREADS=N overrides

from atari.config import TRAINED, check_controller, env_factory, parse, spec_matching_rnn
from worldmodels import original
from worldmodels.config import EnvSpec, RolloutConfig
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.options import from_options
from worldmodels.pipeline import evaluate

REAL, DREAM = ("real",), ("dream",)


def own_files(spec: EnvSpec) -> evaluate.ModelFiles:
    """This game's own pipeline (tf_vae, tf_rnn, tf_initial_z) and training run at the paper's budget."""
    return evaluate.pipeline_files(spec, spec.paths.path("log") / f"{spec.name}.cma.16.64.best.json")


def shipped_files(spec: EnvSpec) -> evaluate.ModelFiles | None:
    """The agent shipped in trained/<game>/ by ship.py, if this game variant has one."""
    shipped = evaluate.ModelFiles.in_folder(TRAINED / spec.name, f"{spec.name}.best.json")
    return shipped if shipped.controller.is_file() else None


def files(spec: EnvSpec) -> evaluate.ModelFiles:
    """The default agent: the shipped one where there is one (Pong), else your own run's."""
    return shipped_files(spec) or own_files(spec)


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_arguments(parser, files(spec), REAL, DREAM)
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = original.with_default_where(argv, REAL + DREAM, REAL[0])  # ``render|norender ...``: the real game
    args, spec = parse(argv, make_parser, parse_args=original.parse_play_args)
    args.controller = original.stand_in(args.controller, files(spec).controller)
    evaluate.fill_model_files(args, spec)  # V and M from the controller's folder
    check_controller(args.controller, spec)
    spec = spec_matching_rnn(spec, args.rnn)
    if args.where in DREAM and not spec.rnn.reward_head and args.rnn.is_file():
        raise WorldModelsError(f"M {args.rnn} has no reward/done heads: its dream has no score or end; "
                               f"play in the real game instead")
    max_steps = from_options(args, RolloutConfig()).max_steps or None  # checks --max_steps; 0: the game's own
    evaluate.run(args, spec, env_factory(args, max_steps=max_steps), REAL, spec.paths.path("videos"))


if __name__ == "__main__":
    cli_main(main)
