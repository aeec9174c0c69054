"""The Atari fork's Make targets, run on this project's pipeline (the top Makefile calls this).

    make observations GAME=CarRacing-v0   # bash extract.bash        random episodes -> record/
    make vae GAME=CarRacing-v0            # python vae_train.py      V
    make z-values GAME=CarRacing-v0       # python series.py         z of every frame
    make mdnrnn GAME=CarRacing-v0         # python rnn_train.py      M
    make controller GAME=CarRacing-v0     # python train.py          C (CMA-ES)
    make play GAME=CarRacing-v0           # python model.py ... render: one episode, a window or a video

    python -m worldmodels.make_targets play PongNoFrameskip-v4 --dry_run   # print the command only

GAME names the environment folder the step runs in: CarRacing-v0..v3 -> carracing/,
DoomTakeCover-v0 -> doomrnn/, BinPacking-v0 -> binpacking/, and any ALE game (Pong,
PongNoFrameskip-v4, ALE/Pong-v5, Breakout...) -> atari/ with ``--game GAME``. Each step is the
folder's own script with its defaults (the original's sizes: hours to days on a CPU; the folders'
READMEs give smaller budgets). ``play`` plays your run of ``controller`` (the original's log name)
where there is one, else the shipped agent. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import logging
import re
import subprocess
import sys
from pathlib import Path

from worldmodels.fileio import WorldModelsError, cli_main

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]

SCRIPTS = {"observations": "extract.bash", "vae": "vae_train.py", "z-values": "series.py",
           "mdnrnn": "rnn_train.py", "controller": "train.py", "play": "model.py"}
"""The fork's targets, in pipeline order, and the script each runs."""

FOLDERS = {
    "carracing": re.compile(r"((worldmodels|gym)/)?car_?racing(envpool)?(-v\d+)?", re.IGNORECASE),
    "doomrnn": re.compile(r"((worldmodels|ppaquette)/)?(vizdoom)?doom_?take_?cover(-v\d+)?|doom(rnn)?", re.IGNORECASE),
    "binpacking": re.compile(r"((worldmodels|or-rl-benchmarks)/)?bin_?packing(-v\d+)?", re.IGNORECASE),
}
"""GAME ids of the non-Atari folders (gymnasium's, ours as WorldModels/..., and the older ones)."""

PLAY = {"carracing": ["carracing", "render", "log/carracing.cma.16.64.best.json"],
        "doomrnn": ["doomreal", "render", "log/doomrnn.cma.16.64.best.json"],
        "binpacking": ["binpacking", "render"],
        "atari": ["render"]}
"""model.py's words for ``play``: the original's log names (train.py's default run, else the
shipped agent stands in), atari's default (shipped Pong, else log/<game>.cma.16.64.best.json)."""

ACCEPTED = ("CarRacing-v0..v3 (carracing/), DoomTakeCover-v0 (doomrnn/), BinPacking-v0 (binpacking/), or an "
            "ALE game such as Pong, PongNoFrameskip-v4, ALE/Pong-v5 (atari/; python atari/env.py --list_games)")


def folder_for(game: str) -> str:
    """The environment folder of a GAME id; a one-line error listing what is accepted otherwise."""
    if not game.strip():
        raise WorldModelsError(f"GAME is not set: e.g. make observations GAME=CarRacing-v0; accepted: {ACCEPTED}")
    for folder, pattern in FOLDERS.items():
        if pattern.fullmatch(game.strip()):
            return folder
    from worldmodels.envs.atari import resolve_game
    try:
        resolve_game(game)
    except WorldModelsError:
        raise WorldModelsError(f"unknown GAME {game!r}; accepted: {ACCEPTED}") from None
    return "atari"


def command(step: str, game: str) -> tuple[str, list[str]]:
    """(folder, the command run in it) of a Make target for GAME."""
    folder = folder_for(game)
    game_options = ["--game", game.strip()] if folder == "atari" else []
    script = SCRIPTS[step]
    if step == "observations":
        return folder, ["bash", script, *(["--", *game_options] if game_options else [])]
    words = PLAY[folder] if step == "play" else []
    return folder, [sys.executable, script, *words, *game_options]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=list(SCRIPTS), help="the Make target")
    parser.add_argument("game", help="GAME=: a gymnasium or ALE id (CarRacing-v0, DoomTakeCover-v0, Pong...)")
    parser.add_argument("--dry_run", action="store_true", help="print the folder and command, run nothing")
    args = parser.parse_args(argv)
    folder, cmd = command(args.step, args.game)
    shown = " ".join(["python" if c == sys.executable else c for c in cmd])
    if args.dry_run:
        print(f"cd {folder} && {shown}")
        return
    logger.info("make %s GAME=%s: cd %s && %s", args.step, args.game, folder, shown)
    sys.exit(subprocess.run(cmd, cwd=REPO / folder).returncode)


if __name__ == "__main__":
    cli_main(main)
