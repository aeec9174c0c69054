"""Atari experiments: one EnvSpec per game, built from the game's action count, plus budgets.

Every atari script takes ``--game`` (Pong by default; any ALE game by ROM or gymnasium id,
e.g. "Breakout", "space_invaders", "ALE/Seaquest-v5"), ``--full_action_space`` and ``--rgb``, and
reads its defaults from ``spec_for(...)``. A game variant keeps its own data and weights in
``<ATARI_WORKDIR>/<variant>/`` (``pong/``, ``pong_full/``, ``pong_rgb/``), so runs of different games
never mix; all training logs go to ``<ATARI_WORKDIR>/log/<variant>.<optimizer>.<E>.<popsize>.*``.

Sizes follow the paper's CarRacing models (z 32, LSTM 256 [paper A.1]); M gets Doom's episode
handling (restart flag, streams of 500 steps [orig doomrnn]) and by default a done head and a
reward head, so C can also be trained in M's dream (train.py --dream).
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, Paths, RNNConfig, VAEConfig
from worldmodels.fileio import WorldModelsError

HERE = Path(__file__).resolve().parent
DEFAULT_GAME = "Pong"

Z_SIZE = 32            # [paper A.1: CarRacing's z; Atari frames are as simple]
HIDDEN = 256           # [paper A.1: CarRacing's LSTM 256]
NUM_MIXTURES = 5       # [orig rnn.py: 5 Gaussians per z dimension]

# Budgets: the shipped Pong agent was trained with these (README.md, "Pong at full size"); V's
# cost per image is Doom's (same network, one input channel instead of three).
FOREGROUND_WEIGHT = 20.0  # measured (EXPERIMENTS.md): with the mean frame, from the first step, V draws both
                          # paddles and the ball within 750 steps; without it, only the opponent's paddle
VAE_FRAMES_PER_EPOCH = 100_000   # a random 100k-frame subset per epoch, as doomrnn/config.py
VAE_EPOCHS = 3                   # as doomrnn/config.py (the original ran 10 [orig vae_train.py])
RNN_EPOCHS = 20                  # the paper's 20 epochs of M [paper A.2]
EPISODES_PER_WORKER = 200        # [orig doomrnn/extract.py: 200 trials per worker]
MAX_HOLD = 4                     # extraction: an action is held 1..4 steps (4..16 frames); ours


TRAINED = HERE / "trained"
"""Shipped agents, one folder per game variant: trained/pong/ holds vae.npz, rnn.npz, initial_z.json
and pong.{best,hist,log}.json, written by ship.py (README.md says how they were trained)."""


def shipped_games() -> list[str]:
    """Game variants with an agent in trained/ (e.g. ["pong"])."""
    return sorted(p.name for p in TRAINED.glob("*") if (p / f"{p.name}.best.json").is_file())


def workdir() -> Path:
    """Where game folders and log/ go: $ATARI_WORKDIR, else this folder (read at call time)."""
    return Path(os.environ.get("ATARI_WORKDIR") or HERE)


def variant(game: str, full_action_space: bool = False, rgb: bool = False, dilate: int = 1) -> str:
    """Folder and run name of a game variant: ROM id + "_full" + "_rgb" + "_dilate<k>"
    (``space_invaders_full``, ``pong_dilate3``). A bad game or ``dilate``: one ``WorldModelsError``."""
    from worldmodels.envs.atari import AtariConfig, resolve_game
    AtariConfig(game=game, dilate=dilate)  # checks both
    return (resolve_game(game) + ("_full" if full_action_space else "") + ("_rgb" if rgb else "")
            + (f"_dilate{dilate}" if dilate != 1 else ""))


def spec_for(game: str = DEFAULT_GAME, full_action_space: bool = False, rgb: bool = False,
             heads: bool = True, dilate: int = 1) -> EnvSpec:
    """The EnvSpec of ``game``: C and M are sized by its action count (6 for Pong's minimal set).

    ``heads``: M also predicts reward and episode end (needed to train C in the dream).
    An unknown game raises a one-line ``WorldModelsError``.
    """
    from worldmodels.envs.atari import FRAME_SKIP, MAX_EPISODE_FRAMES, action_count

    n_actions = action_count(game, full_action_space)
    name = variant(game, full_action_space, rgb, dilate)
    return EnvSpec(
        name=name,
        vae=VAEConfig(z_size=Z_SIZE, channels=3 if rgb else 1,  # grayscale by default [design]
                      mean_frame=True,        # else a Pong V stays on a plateau where z carries nothing
                                              # (EXPERIMENTS.md)
                      foreground_weight=FOREGROUND_WEIGHT,
                      learning_rate=1e-3,     # measured: at 1e-4 a Pong V still ignored z after 400 steps
                      frames=f"atari {name}"),  # a V for another game or preprocessing is refused on load
        rnn=RNNConfig(
            z_size=Z_SIZE,
            action_size=n_actions,        # M is fed the one-hot action [design]
            hidden_units=HIDDEN,
            num_mixtures=NUM_MIXTURES,
            use_restart=True,             # state resets at episode starts [orig doomrnn.py]
            done_head=heads,              # game over, positives weighted x10 [orig doomrnn.py]
            reward_head=heads,            # the game's score change per step (ours)
            seq_len=500,                  # [orig doomrnn.py: max_seq_len 500]
            batch_size=100,               # [orig doomrnn.py]
            learning_rate=1e-3,
            min_learning_rate=1e-5,       # [orig doomrnn.py]
            decay_rate=0.99999,           # [orig doomrnn.py]
            episode_aligned=False,        # episodes of any length laid end to end [orig doomrnn]
        ),
        controller=ControllerConfig(
            input_size=Z_SIZE + HIDDEN,   # [z, h] = 288, as CarRacing [paper A.1]
            output_size=n_actions, use_bias=True,
            action="argmax", features="zh"),  # argmax over the game's actions [design]
        dream=DreamConfig(
            temperature=1.15,             # [paper tab. 2: Doom's best tau]; untuned for Atari
            max_steps=MAX_EPISODE_FRAMES // FRAME_SKIP,  # 18,000 frames = 4,500 steps [Machado et al. 2018]
            reward_per_step=0.0),         # unused: M's reward head gives the reward
        paths=Paths(root=workdir(), record=f"{name}/record", series=f"{name}/series/series.npz",
                    vae=f"{name}/tf_vae/vae.npz", rnn=f"{name}/tf_rnn/rnn.npz",
                    initial_z=f"{name}/tf_initial_z/initial_z.json", log="log"),
    )


def env_options(args: argparse.Namespace, max_steps: int | None = None):
    """The ``AtariConfig`` of the game the command line names (``max_steps``: cap in agent steps)."""
    from worldmodels.envs.atari import AtariConfig
    cfg = AtariConfig(game=args.game, full_action_space=args.full_action_space, grayscale=not args.rgb,
                      dilate=args.dilate)
    if max_steps:
        if max_steps < 1:
            raise WorldModelsError(f"--max_steps must be >= 1, got {max_steps}")
        cfg = replace(cfg, max_frames=max_steps * cfg.frame_skip)
    return cfg


def env_factory(args: argparse.Namespace, max_steps: int | None = None) -> Callable[..., object]:
    """``make_env(render_mode=None)`` for the game the command line names."""
    return functools.partial(_make_env, env_options(args, max_steps))  # picklable: model.py --procs N


def _make_env(cfg, render_mode: str | None = None):
    from worldmodels.envs.atari import make_from_config
    return make_from_config(cfg, render_mode=render_mode)


# ----------------------------------------------------------------------------- command line


def add_game_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("game")
    group.add_argument("--game", default=DEFAULT_GAME,
                       help="ALE game: ROM or gymnasium id, e.g. Pong, Breakout, SpaceInvaders, ALE/Seaquest-v5 "
                            "(default %(default)s)")
    group.add_argument("--full_action_space", action="store_true",
                       help="all 18 actions instead of the game's minimal set [Machado et al. 2018 recommend 18]")
    group.add_argument("--rgb", action="store_true", help="V sees RGB frames instead of grayscale")
    group.add_argument("--dilate", type=int, default=1, metavar="K",
                       help="before the resize to 64x64, a K x K maximum filter over the screen (odd K; 1: off), "
                            "so that small objects (Pong's ball) stay bright; its own folder <game>_dilate<K>")


def parse(argv: list[str] | None, make_parser: Callable[[EnvSpec], argparse.ArgumentParser],
          heads: bool = True, parse_args: Callable[..., argparse.Namespace] | None = None
          ) -> tuple[argparse.Namespace, EnvSpec]:
    """Parse a script's command line whose defaults depend on the game.

    The game options are read first, the game's spec is built (one clear error for an unknown
    game), then ``make_parser(spec)`` gives the script's parser with per-game defaults, which
    ``parse_args(parser, argv)`` applies (model.py: ``worldmodels.original.parse_play_args``).
    """
    pre = argparse.ArgumentParser(add_help=False)
    add_game_arguments(pre)
    known, _ = pre.parse_known_args(argv)
    spec = spec_for(known.game, known.full_action_space, known.rgb, heads=heads, dilate=known.dilate)
    parser = make_parser(spec)
    add_game_arguments(parser)
    return (parser.parse_args(argv) if parse_args is None else parse_args(parser, argv)), spec


def describe(spec: EnvSpec) -> str:
    """"pong (6 actions)" for messages."""
    return f"{spec.name} ({spec.rnn.action_size} actions)"


# ----------------------------------------------------------------------------- checks of loaded files


def spec_matching_rnn(spec: EnvSpec, rnn_path: Path) -> EnvSpec:
    """``spec`` with M's reward/done heads set as the weights at ``rnn_path`` have them.

    Raises a one-line error when the weights were trained for another action count (another
    game or action set) or are not an Atari M. A missing or unreadable file is left to
    ``RNNWeights.load``, which names the step to run.
    """
    path = Path(rnn_path)
    if path.suffix != ".npz" or not path.is_file():
        return spec
    try:
        with np.load(path) as data:
            inputs, outputs = int(data["kernel"].shape[0]), int(data["output_b"].shape[0])
    except (OSError, ValueError, EOFError, KeyError):
        return spec
    cfg = spec.rnn
    actions = inputs - cfg.z_size - 1  # input = z + one-hot action + restart flag
    if actions != cfg.action_size:
        raise WorldModelsError(
            f"M {path} takes {actions} actions, but {describe(spec)} needs {cfg.action_size}: it was trained "
            f"for another game or action set (--full_action_space); train M for this game (rnn_train.py --game ...)")
    plain = cfg.z_size * 3 * cfg.num_mixtures
    if outputs not in (plain, plain + 2):
        raise WorldModelsError(f"M {path} has {outputs} outputs, expected {plain} or {plain + 2} "
                               f"(with reward and done heads): is it an Atari M?")
    heads = outputs == plain + 2
    return replace(spec, rnn=replace(cfg, done_head=heads, reward_head=heads))


def check_controller(path: Path, spec: EnvSpec) -> None:
    """One line when the controller at ``path`` is missing or sized for another action count."""
    from worldmodels.fileio import read_json
    path = Path(path)
    if not path.is_file():
        raise WorldModelsError(f"no controller at {path}: train one with train.py and the same game options "
                               f"(trained agents are shipped for: {', '.join(shipped_games()) or 'none'})")
    data = read_json(path, "controller file")
    params = data[0] if isinstance(data, list) and len(data) == 2 and isinstance(data[0], list) else data
    n = len(params) if isinstance(params, list) else 0
    c = spec.controller
    if n != c.num_params:
        per_action = c.input_size + (1 if c.use_bias else 0)
        chooses = f"chooses among {n // per_action} actions" if n and n % per_action == 0 else f"has {n} parameters"
        raise WorldModelsError(f"controller {path} {chooses}, but {describe(spec)} needs {c.num_params} parameters; "
                               f"is it a controller for another game or action set?")
