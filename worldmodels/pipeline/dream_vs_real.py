"""How a C trained in M's dream does in the dream and in the real game, generation by generation.

A run of ``train.py --dream`` keeps its current mean in ``<prefix>json`` and one ``<prefix>hist.json``
row per finished generation. ``record`` scores that mean on the same seeds in the dream and in the
real game and appends ``[generation, dream mean, dream std, real mean, real std, episodes]`` to
``<prefix>dream_vs_real.json`` (a generation already there is skipped, so a loop of ``train.py -g G``
and this step resumes where it stopped), and keeps that mean as ``<prefix>gen<G>.best.json`` (its
real score as the reward) so that a generation can be picked by its real score afterwards;
``worldmodels.plots.plot_dream_vs_real`` draws the table.
The gap between the two curves is how far C exploits M [paper sec. 4.5: the dream's "cheating"].
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from estool.arguments import SEED, int_in
from estool.logs import load_params
from worldmodels.config import EnvSpec, RolloutConfig
from worldmodels.fileio import WorldModelsError, atomic_write_json, read_json
from worldmodels.formats import write_best
from worldmodels.options import add_options, from_options
from worldmodels.parallel import Evaluator, evaluate_in_processes

logger = logging.getLogger(__name__)

TABLE_SUFFIX = "dream_vs_real.json"
COLUMNS = ("generation", "dream_mean", "dream_std", "real_mean", "real_std", "episodes")


def table_path(prefix: str | Path) -> Path:
    return Path(f"{prefix}{TABLE_SUFFIX}")


def mean_path(prefix: str | Path, generation: int) -> Path:
    """Where ``record`` keeps the mean it scored at ``generation`` (a best.json: [params, real mean])."""
    return Path(f"{prefix}gen{generation:04d}.best.json")


def run_generation(prefix: str | Path) -> int:
    """Finished generations of the run at ``prefix`` (rows of its hist.json)."""
    hist = Path(f"{prefix}hist.json")
    rows = read_json(hist, "training history")  # missing or corrupt: one line naming train.py's file
    if not isinstance(rows, list):
        raise WorldModelsError(f"{hist} is not a list of generations; is {prefix} a train.py log prefix?")
    return len(rows)


def read_table(path: str | os.PathLike) -> list[list[float]]:
    """The rows so far ([] when the file does not exist yet)."""
    path = Path(path)
    if not path.exists():
        return []
    rows = read_json(path, "dream-vs-real table")
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == len(COLUMNS) for r in rows):
        raise WorldModelsError(f"{path} is not a table of rows {list(COLUMNS)}: move it aside and re-run")
    return rows


def record(prefix: str | Path, num_params: int, make_dream: Callable[[], Evaluator],
           make_real: Callable[[], Evaluator], episodes: int, seed: int, procs: int) -> list[Any] | None:
    """Score the run's current mean on ``episodes`` episodes (seeds seed..seed+episodes-1) in the
    dream and in the real game and append the row; None (nothing played) when the run's generation
    already has one."""
    if episodes < 1:
        raise WorldModelsError(f"--episodes must be >= 1, got {episodes}")
    generation = run_generation(prefix)
    if generation == 0:
        raise WorldModelsError(f"the run {prefix} has no finished generation yet: run train.py --dream -g 1 first")
    out = table_path(prefix)
    rows = read_table(out)
    if any(int(r[0]) == generation for r in rows):
        logger.info("generation %d is already in %s", generation, out)
        return None
    params = load_params(Path(f"{prefix}json"), num_params)[None]
    seeds = (seed + np.arange(episodes, dtype=np.int64))[None]
    dream, _ = evaluate_in_processes(make_dream, params, seeds, 0, procs)
    real, _ = evaluate_in_processes(make_real, params, seeds, 0, procs)
    row = [generation, float(dream.mean()), float(dream.std()), float(real.mean()), float(real.std()), episodes]
    write_best(mean_path(prefix, generation), params[0], row[3])  # the C of this row: pick one by its real score
    atomic_write_json(out, sorted(rows + [row], key=lambda r: r[0]))
    print(f"generation {generation}: dream {row[1]:.2f} +- {row[2]:.2f}, real {row[3]:.2f} +- {row[4]:.2f} "
          f"({episodes} episodes, seeds {seed}..{seed + episodes - 1}) -> {out}", flush=True)
    return row


def script_main(description: str, spec: EnvSpec, default_prefix: Path, default_rnn: Path,
                make_env: Callable[[argparse.Namespace, int], Callable[..., Any]], title: str,
                add_game_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
                argv: list[str] | None = None) -> list[Any] | None:
    """An environment's dream_vs_real.py. ``make_env(args, max_steps)`` gives the real game's
    (picklable) factory, ``max_steps`` 0 for the game's own limit; ``add_game_arguments`` adds the
    game's own options (CarRacing's --backend)."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("prefix", nargs="?", default=str(default_prefix), help="the dream run's log prefix")
    parser.add_argument("--episodes", type=int_in(1), default=16, help="episodes in each world (default 16)")
    parser.add_argument("--seed", type=SEED, default=2000, help="episode k plays seed S + k (default 2000)")
    parser.add_argument("--procs", type=int_in(1), default=2, help="processes the episodes are split over")
    parser.add_argument("--vae", type=Path, default=spec.paths.path("vae"))
    parser.add_argument("--rnn", type=Path, default=default_rnn, help="M (with the heads the dream scores with)")
    parser.add_argument("--initial_z", type=Path, default=spec.paths.path("initial_z"))
    add_options(parser, spec.dream, ("temperature",))
    add_options(parser, RolloutConfig(), ("max_steps",))  # 0: the game's and the dream's own caps
    if add_game_arguments is not None:
        add_game_arguments(parser)
    parser.add_argument("--plot", type=Path, default=None, help="also draw the table into this PNG")
    args = parser.parse_args(argv)
    max_steps = from_options(args, RolloutConfig()).max_steps
    dream = from_options(args, spec.dream)
    dream_spec = replace(spec, dream=replace(dream, max_steps=max_steps or dream.max_steps))

    from worldmodels.evaluators import DreamEvaluator, RealEvaluator
    make_dream = partial(DreamEvaluator, dream_spec, args.rnn, args.initial_z)
    make_real = partial(RealEvaluator, spec, make_env(args, max_steps), args.vae, args.rnn)
    row = record(args.prefix, spec.controller.num_params, make_dream, make_real, args.episodes, args.seed, args.procs)
    if args.plot is not None:
        from worldmodels.plots import plot_dream_vs_real
        print(plot_dream_vs_real(read_table(table_path(args.prefix)), args.plot, title, f"{args.prefix}hist.json"))
    return row
