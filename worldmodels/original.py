"""The original's command lines, as its READMEs typed them, on our scripts.

The original (hardmaru/WorldModelsExperiments) and the forks that copied its README (Atari, bin
packing) play their agents with lines such as

    python model.py norender log/carracing.cma.16.64.best.json      # carracing/ [orig README.md]
    python model.py doomrnn norender log/doomrnn.cma.16.64.best.json   # doomrnn/ [orig README.md]
    python model.py binpacking norender --distribution perfect_pack 7   # options before the seed

Every ``model.py`` and ``dream_model.py`` takes them through this module:

- ``with_default_where``: the environment word (``carracing``, ``doomreal``...) is optional where
  the folder implies it; ``render`` / ``norender`` first means the real game.
- ``parse_play_args``: options anywhere on the line, and a lone number where the controller goes
  is the seed.
- ``stand_in``: the original's published controllers (``ORIGINAL_CONTROLLERS``) lived in its
  log/; ours holds your own runs only, so such a name that is not there plays the shipped
  controller, with one warning line on stderr naming it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from estool.arguments import Number

logger = logging.getLogger(__name__)

MODES = ("render", "norender")

ORIGINAL_CONTROLLERS = ("carracing.cma.16.64.best.json", "doomrnn.cma.16.64.best.json")
"""The controllers the original's READMEs play as ``log/<name>`` [orig carracing/README.md,
doomrnn/README.md: its CMA-ES run of 16 episodes x population 64]; the Atari and bin-packing forks
kept the CarRacing name in theirs."""


def with_default_where(argv: Sequence[str] | None, names: Sequence[str], default: str) -> list[str]:
    """``[opts] render|norender ...`` means ``default render|norender ...`` unless a word of ``names``
    (the script's real and dream words) is on the line already. ``None``: ``sys.argv[1:]``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in names for a in argv):
        return argv
    for i, a in enumerate(argv):
        if a in MODES:
            return [*argv[:i], default, *argv[i:]]
    return argv


def parse_play_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser`` (with positionals ``[controller] [seed]``) on ``argv``, options anywhere on the line.

    With options between the positionals, argparse would give a lone trailing number to the
    controller: ``model.py binpacking norender --distribution perfect_pack 7`` means seed 7, as in
    the forks' READMEs. So a controller that is an integer and not a file, with no seed after it,
    is the seed.
    """
    seed_default = parser.get_default("seed")
    parser.set_defaults(seed=None)
    args = parser.parse_intermixed_args(None if argv is None else list(argv))
    parser.set_defaults(seed=seed_default)
    text = "" if args.controller is None else str(args.controller)
    if args.seed is None and text.lstrip("-").isdigit() and not Path(text).exists():
        args.controller, args.seed = parser.get_default("controller"), _seed(parser, text)
    if args.seed is None:
        args.seed = seed_default
    return args


def _seed(parser: argparse.ArgumentParser, text: str) -> int:
    """``text`` through the seed option's own ``type`` (its range check), refused as argparse would."""
    parse = next(a.type for a in parser._actions if a.dest == "seed")
    try:
        return int(parse(text)) if isinstance(parse, Number) else int(text)
    except argparse.ArgumentTypeError as err:
        parser.error(f"argument seed: {err}")


def shown(path: Path) -> str:
    """``path`` relative to the working folder where it lies under it, for messages."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def stand_in(controller: Path | None, shipped: Path) -> Path | None:
    """``controller``, or the shipped one where ``controller`` is one of the original's published
    names (``log/carracing.cma.16.64.best.json``...) and no such file exists; a warning line names
    the stand-in. Your own run of that name, once it exists, plays as given."""
    if controller is None or Path(controller).name not in ORIGINAL_CONTROLLERS or Path(controller).exists():
        return controller
    if not Path(shipped).is_file():
        return controller  # nothing to stand in: the usual "not found" error follows
    logger.warning("%s (the original's published agent) is not here; playing the shipped controller %s "
                   "in its place", controller, shown(shipped))
    return Path(shipped)
