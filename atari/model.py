"""Play an Atari agent (V + M + C) in the real game or in M's dream.

    python model.py norender [model.json] [seed]          # 100 real Pong episodes [Machado et al. 2018]
    python model.py render [model.json] [seed]            # one episode: window, or a video file
    python model.py dream norender [model.json] [seed]    # 100 episodes inside M's dream
    python model.py norender log/breakout.cma.16.64.best.json 0 --game Breakout --episodes 20

``real`` (the default) or ``dream`` may come first. Ends with ``seed S average_reward X stdev Y``;
episode k uses seed S + k. The default controller is your own training run's
log/<game>.cma.16.64.best.json with V and M from atari/<game>/: no trained Atari agent is shipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from atari.config import check_controller, env_factory, parse, spec_matching_rnn, workdir
from worldmodels.config import EnvSpec
from worldmodels.fileio import WorldModelsError, cli_main
from worldmodels.pipeline import evaluate

REAL, DREAM = ("real",), ("dream",)
MODES = ("render", "norender")


def files(spec: EnvSpec) -> evaluate.ModelFiles:
    """This game's own V, M, initial z and (real-game) training run's best controller."""
    p = spec.paths
    return evaluate.ModelFiles(vae=p.path("vae"), rnn=p.path("rnn"), initial_z=p.path("initial_z"),
                               controller=p.path("log") / f"{spec.name}.cma.16.64.best.json")


def make_parser(spec: EnvSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    evaluate.add_arguments(parser, files(spec), REAL, DREAM)
    return parser


def with_default_where(argv: list[str]) -> list[str]:
    """``render|norender ...`` means ``real render|norender ...``."""
    if any(a in REAL + DREAM for a in argv):
        return argv
    for i, a in enumerate(argv):
        if a in MODES:
            return argv[:i] + [REAL[0]] + argv[i:]
    return argv


def main(argv: list[str] | None = None) -> None:
    argv = with_default_where(list(sys.argv[1:] if argv is None else argv))
    args, spec = parse(argv, make_parser)
    check_controller(args.controller, spec)
    spec = spec_matching_rnn(spec, args.rnn)
    if args.where in DREAM and not spec.rnn.reward_head and args.rnn.is_file():
        raise WorldModelsError(f"M {args.rnn} has no reward/done heads: its dream has no score or end; "
                               f"play in the real game instead")
    max_steps = args.max_steps or None
    evaluate.run(args, spec, env_factory(args, max_steps=max_steps), REAL, workdir() / "videos")


if __name__ == "__main__":
    cli_main(main)
