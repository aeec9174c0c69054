"""Dopamine's Rainbow on bin packing: the fork's recording command, and the RL baseline it trains.

    python run_evaluation_dopamine.py --base_dir="test_results" --gin_files="test_configs/rainbow.gin"
    python run_evaluation_dopamine.py --base_dir=test_results/perfect_pack --gin_files=test_configs/rainbow.gin \\
        --distribution perfect_pack
    python run_evaluation_dopamine.py --base_dir=/tmp/smoke --gin_files=test_configs/rainbow.gin \\
        --gin_bindings="Runner.num_iterations=1" --gin_bindings="Runner.training_steps=2000"

The fork's line, as typed: Dopamine's runner (google/dopamine 4.1.2, ``run_experiment.Runner``)
trains its JAX Rainbow agent on the bin packing environment for the gin file's iterations, each a
training phase then an evaluation phase, logged and checkpointed in --base_dir (re-running the
line resumes after the last finished iteration). Every episode it plays is recorded in
<base_dir>/record/ in extract.py's format (the 64x64 pictures, the one-hot action executed, the
reward, the done flag), so ``BINPACKING_WORKDIR=<base_dir> python vae_train.py`` trains V on
them. Then the trained agent plays the episodes of baselines.py and model.py (episode k:
``env.reset(seed=S + k)``, S = --seed) and the script prints ``seed S average_reward X stdev Y``
(the total reward, minus the waste), also written to <base_dir>/evaluation.json.

Rainbow sees the benchmark's state, not V's picture: the open bags at levels 1..C-1,
log-scaled as V's bars are, and the item size (``features``). Its invalid moves are replaced by
the nearest valid one (the environment's action-mask variant, as C's are masked), since
Dopamine's agents take no action mask. Rewards are not clipped (the Runner's Atari default would
turn the waste into a count of moves).

Dopamine needs tensorflow, opencv-python and pygame, which clash with .venv's tensorflow-cpu,
opencv-python-headless and pygame-ce (one import name each), so it lives in its own virtualenv,
.venv-dopamine (``make dopamine``, pins in requirements-dopamine.txt); run with .venv's python,
this script re-launches itself there ($DOPAMINE_VENV names another).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()  # one math thread: the runner steps one game at a time

from binpacking.config import CAPACITY, DISTRIBUTION, check_distribution  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402

logger = logging.getLogger(__name__)

DOPAMINE_VERSION = "4.1.2"  # the version the fork's line ran [dopamine-rl on PyPI]; pinned in requirements-dopamine.txt
DOPAMINE_VENV = Path(os.environ.get("DOPAMINE_VENV", REPO / ".venv-dopamine"))
"""The virtualenv ``make dopamine`` builds; this script re-launches itself under its python."""
RELAUNCHED = "WORLDMODELS_IN_DOPAMINE_VENV"
"""Set in the re-launched process's environment, so it never re-launches again."""
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
"""XLA's CPU flags for one compute thread (JAX's own default uses every core)."""
COUNT_SCALE = 1000
"""Bag count that maps to feature 1: the items of a default episode, as V's bars [envs/binpacking.py]."""
EVAL_EPISODES = 100  # as model.py and baselines.py: the README's table
TRAINING_SEED = 2**31
"""Seeds the draw of the training episodes' seeds from [0, 2^31) (as train.py draws its own): a
300-episode run meets one of the scoring's seeds 0..99 with probability ~1e-5."""
IMPORT_NOISE = ("Gym has been unmaintained", "Please upgrade to Gymnasium", "See the migration guide at",
                "distutils Version classes are deprecated")
"""What Dopamine's import writes to stderr that no one here can act on, dropped unless -v: legacy gym
0.25's notice (Dopamine imports it, never uses it here) and tensorflow_probability's use of distutils
(a DeprecationWarning that setuptools' shim shows whatever the filters say)."""


def no_dopamine() -> WorldModelsError:
    return WorldModelsError(
        f"Dopamine is not installed in this python ({sys.executable}) and {DOPAMINE_VENV} does not exist: "
        f"run make dopamine from {REPO} (a separate virtualenv with dopamine-rl {DOPAMINE_VERSION}: it needs "
        f"tensorflow, opencv-python and pygame, which would replace .venv's tensorflow-cpu, "
        f"opencv-python-headless and pygame-ce)")


@dataclass(frozen=True)
class DopamineRun:
    """One run of the fork's line: where it writes, its gin configuration, and the final scoring."""

    base_dir: Path
    """Dopamine's checkpoints/, logs/, metrics and our record/ and evaluation.json go here."""
    gin_files: tuple[Path, ...]
    gin_bindings: tuple[str, ...] = ()
    distribution: str | None = None
    """Overrides the gin file's ``create_binpacking_environment.distribution`` (None: keep it)."""
    episodes: int = EVAL_EPISODES
    """Episodes of the final scoring (0: none)."""
    seed: int = 0
    """Episode k of the final scoring plays env.reset(seed=seed + k), as model.py and baselines.py."""
    bindings: tuple[str, ...] = field(init=False, default=())
    """gin_bindings, then the binding of --distribution."""

    def __post_init__(self) -> None:
        if not self.gin_files:
            raise WorldModelsError("--gin_files is required (the fork's: --gin_files=test_configs/rainbow.gin)")
        for path in self.gin_files:
            if not Path(path).is_file():
                raise WorldModelsError(f"gin file {path} not found (the fork's: test_configs/rainbow.gin, "
                                       f"in {HERE})")
        if self.episodes < 0:
            raise WorldModelsError(f"--episodes must be >= 0, got {self.episodes}")
        if self.seed < 0:
            raise WorldModelsError(f"--seed must be >= 0, got {self.seed}")
        extra: tuple[str, ...] = ()
        if self.distribution is not None:
            check_distribution(self.distribution, capacities=(CAPACITY,))  # features() is capacity 9's
            extra = (f"create_binpacking_environment.distribution = {self.distribution!r}",)
        object.__setattr__(self, "bindings", tuple(self.gin_bindings) + extra)


def features(state: Any, capacity: int = CAPACITY, count_scale: int = COUNT_SCALE) -> Any:
    """The benchmark's state (counts at levels 0..C-1, then the item size) -> what Rainbow sees,
    float32 (C,): log(1 + n_k) / log(1 + count_scale) for levels k = 1..C-1 (log-scaled as V's bars,
    so 1 bag and 1000 bags both register), then the item size / C."""
    import numpy as np
    state = np.asarray(state, np.float64)
    counts = np.log1p(state[1:capacity]) / np.log1p(count_scale)
    return np.append(counts, state[capacity] / capacity).astype(np.float32)


class DopamineBinPacking:
    """The bin packing env as Dopamine's runner steps a game (its ``gym_lib.GymPreprocessing``
    interface): ``reset() -> obs``, ``step(a) -> (obs, reward, terminal, info)``, ``game_over``.
    Obs is ``features(state)``; the masked env replaces invalid moves. Each finished episode is
    written to ``record_dir`` (None: nowhere) as ``dopamine_<n>.npz`` in extract.py's format."""

    def __init__(self, distribution: str = DISTRIBUTION, items: int | None = None, record_dir: Path | None = None,
                 seed: int = TRAINING_SEED):
        import gymnasium as gym
        import numpy as np

        from worldmodels.envs.binpacking import make
        check_distribution(distribution, items, capacities=(CAPACITY,))
        self.env = make(distribution=distribution, items=items)  # action-mask variant: invalid -> nearest valid
        self.capacity = self.env.capacity
        self.observation_space = gym.spaces.Box(0.0, np.inf, (self.capacity,), np.float32)
        self.action_space = self.env.action_space
        self.reward_range = (-float(self.capacity), float(self.capacity))
        self.metadata = self.env.metadata
        self.game_over = True
        self.record_dir = None if record_dir is None else Path(record_dir)
        self._rng = np.random.default_rng(seed)  # draws each episode's seed where reset() is given none
        self._episode: dict[str, list] = {}
        self._count = 0
        if self.record_dir is not None:  # a resumed run numbers on
            self._count = len(list(self.record_dir.glob("dopamine_*.npz")))

    def reset(self, seed: int | None = None) -> Any:
        seed = int(self._rng.integers(2**31 - 1)) if seed is None else seed
        picture, info = self.env.reset(seed=seed)
        self.game_over = False
        self._episode = {"obs": [picture], "action": [], "reward": [], "done": []}
        return features(info["state"], self.capacity)

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        import numpy as np
        picture, reward, terminated, truncated, info = self.env.step(int(action))
        one_hot = np.zeros(self.capacity, np.float32)
        one_hot[info["action"]] = 1.0  # the move made (M is fed what happened)
        ep = self._episode
        ep["action"].append(one_hot)
        ep["reward"].append(reward)
        ep["done"].append(terminated)
        self.game_over = bool(terminated or truncated)
        if self.game_over:
            self._save()
        else:
            ep["obs"].append(picture)
        return features(info["state"], self.capacity), float(reward), self.game_over, info

    def _save(self) -> None:
        import numpy as np

        from worldmodels.data import save_episode
        if self.record_dir is None:
            return
        ep = self._episode
        path = self.record_dir / f"dopamine_{self._count:05d}.npz"
        save_episode(path, np.stack(ep["obs"]), np.stack(ep["action"]),
                     reward=np.asarray(ep["reward"], np.float32), done=np.asarray(ep["done"], np.float32))
        self._count += 1

    def close(self) -> None:
        self.env.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--base_dir", type=Path, required=True,
                        help="Dopamine's run folder: checkpoints, logs, record/, evaluation.json")
    parser.add_argument("--gin_files", type=Path, action="append", default=[],
                        help="gin configuration (repeatable; the fork's: test_configs/rainbow.gin)")
    parser.add_argument("--gin_bindings", action="append", default=[],
                        help="a gin binding overriding the files, e.g. \"Runner.num_iterations=2\" (repeatable)")
    parser.add_argument("--distribution", default=None,
                        help="item distribution (default: the gin file's, linear_waste in test_configs/rainbow.gin)")
    parser.add_argument("--episodes", type=int_in(0), default=EVAL_EPISODES,
                        help="episodes of the final scoring (default %(default)s; 0: none)")
    parser.add_argument("--seed", type=SEED, default=0, help="first seed of the final scoring (default %(default)s)")
    return parser


def relaunch_in_dopamine_venv(argv: list[str]) -> None:
    """Re-run this script under .venv-dopamine's python when this one lacks Dopamine."""
    import importlib.util
    if importlib.util.find_spec("dopamine") is not None:
        return
    python = DOPAMINE_VENV / "bin" / "python"
    if os.environ.get(RELAUNCHED) or not python.is_file():
        raise no_dopamine()
    level = logging.getLogger(__name__).getEffectiveLevel()
    flag = ["-q"] if level > logging.INFO else ["-v"] if level < logging.INFO else []
    logger.info("Dopamine lives in %s: re-launching there", DOPAMINE_VENV)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(str(python), [str(python), str(Path(__file__).resolve()), *argv, *flag],
              {**os.environ, RELAUNCHED: "1"})


def import_dopamine() -> types.ModuleType:
    """Dopamine's runner module, after the two fixes version 4.1.2 needs here:

    - jax before tensorflow: TF 2.21 then jaxlib 0.4.35 register the same XLA protos and abort the
      process ("File already exists in database: xla/xla_data.proto"); the other order works.
    - ``dopamine.discrete_domains.atari_lib`` imports OpenAI ``baselines`` for its Atari wrappers,
      a package Dopamine does not declare (google/dopamine issue 227); its Atari games are never
      built here, so an empty stand-in module satisfies the import (and shadows nothing of ours:
      binpacking/baselines.py is imported as binpacking.baselines).
    """
    os.environ.setdefault("XLA_FLAGS", XLA_ONE_THREAD)
    import jax  # noqa: F401  (first: see above)
    try:
        import baselines.common.atari_wrappers  # noqa: F401
    except ImportError:
        for name in ("baselines", "baselines.common", "baselines.common.atari_wrappers"):
            sys.modules[name] = types.ModuleType(name, "stand-in: Dopamine's Atari wrappers are not used")
        sys.modules["baselines"].common = sys.modules["baselines.common"]  # type: ignore[attr-defined]
        sys.modules["baselines.common"].atari_wrappers = sys.modules["baselines.common.atari_wrappers"]  # type: ignore[attr-defined]
    from worldmodels.logs import tensorflow_startup_hidden
    caught = io.StringIO()
    with tensorflow_startup_hidden(), contextlib.redirect_stderr(caught), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from dopamine.discrete_domains import run_experiment
    sys.stderr.write(without_import_noise(caught.getvalue()))
    return run_experiment


def without_import_noise(text: str) -> str:
    """``text`` (what Dopamine's import wrote to stderr) less the lines of ``IMPORT_NOISE`` and the
    source line a warning shows under its own; all of it with -v."""
    if logger.getEffectiveLevel() <= logging.DEBUG:
        return text
    kept: list[str] = []
    skip_source = False
    for line in text.splitlines(keepends=True):
        if skip_source and line.startswith(" "):
            skip_source = False
            continue
        skip_source = False
        if any(noise in line for noise in IMPORT_NOISE):
            skip_source = "Warning: " in line
            continue
        kept.append(line)
    return "".join(kept)


def create_binpacking_environment(distribution: str = DISTRIBUTION, items: int | None = None,
                                  record_dir: str | None = None, seed: int = TRAINING_SEED) -> DopamineBinPacking:
    """The game Dopamine's runner plays (``Runner.create_environment_fn`` in the gin file). main()
    binds ``record_dir`` to <base_dir>/record; bind it to None to record nothing."""
    return DopamineBinPacking(distribution, items, None if record_dir is None else Path(record_dir), seed)


def quiet_dopamine_logs() -> None:
    """Dopamine's progress lines (absl's logger, a standard one named "absl") at our level; Orbax's
    checkpoint chatter, a dozen lines per iteration, only with -v."""
    debugging = logger.getEffectiveLevel() <= logging.DEBUG
    quiet = logger.getEffectiveLevel() > logging.INFO
    logging.getLogger("absl").setLevel(logging.WARNING if quiet else logging.INFO)
    if not debugging:  # and the deprecation of the logger its resuming needs (test_configs/rainbow.gin)
        logging.getLogger("absl").addFilter(
            lambda record: "orbax" not in record.pathname and "Logger is being deprecated" not in record.getMessage())


def register_gin() -> None:
    """What test_configs/rainbow.gin refers to: ``create_binpacking_environment`` and the shape and
    type of Rainbow's input (``binpacking.OBSERVATION_SHAPE``, ``binpacking.OBSERVATION_DTYPE``)."""
    import gin
    import jax.numpy as jnp

    gin.external_configurable(create_binpacking_environment, "create_binpacking_environment")
    gin.constant("binpacking.OBSERVATION_SHAPE", (CAPACITY, 1))  # Dopamine stacks frames on the last axis: 1
    gin.constant("binpacking.OBSERVATION_DTYPE", jnp.float32)


def bound(name: str, default: Any) -> Any:
    """A gin parameter's value once the configuration is parsed; ``default`` where it is not bound."""
    import gin
    try:
        return gin.query_parameter(name)
    except ValueError:
        return default


def score(agent: Any, run: DopamineRun, distribution: str, items: int | None) -> list[float]:
    """The trained agent as Dopamine's evaluation phase plays it (epsilon_eval: 0 in
    test_configs/rainbow.gin, greedy), on the episodes of seeds seed + k, recording none."""
    game = DopamineBinPacking(distribution, items)
    agent.eval_mode = True
    totals = []
    for k in range(run.episodes):
        obs = game.reset(seed=run.seed + k)
        action, total = agent.begin_episode(obs), 0.0
        while True:
            obs, reward, terminal, _ = game.step(action)
            total += reward
            if terminal:
                break
            action = agent.step(reward, obs)
        agent.end_episode(reward, True)
        totals.append(total)
        logger.debug("episode %d (seed %d): total reward %.0f", k, run.seed + k, total)
    return totals


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    run = DopamineRun(base_dir=args.base_dir, gin_files=tuple(args.gin_files), gin_bindings=tuple(args.gin_bindings),
                      distribution=args.distribution, episodes=args.episodes, seed=args.seed)
    relaunch_in_dopamine_venv(argv)
    run_experiment = import_dopamine()
    import numpy as np
    quiet_dopamine_logs()

    register_gin()
    record = f"create_binpacking_environment.record_dir = {str(Path(run.base_dir) / 'record')!r}"
    try:  # the record folder first, so a --gin_bindings can unset it
        run_experiment.load_gin_configs([str(p) for p in run.gin_files], [record, *run.bindings])
    except (ValueError, KeyError, TypeError, ImportError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WorldModelsError(f"gin configuration {[str(p) for p in run.gin_files]} + {list(run.bindings)}: "
                               f"{first}") from err
    distribution = bound("create_binpacking_environment.distribution", DISTRIBUTION)
    items = bound("create_binpacking_environment.items", None)
    check_distribution(distribution, items, capacities=(CAPACITY,))
    Path(run.base_dir).mkdir(parents=True, exist_ok=True)
    runner = run_experiment.create_runner(str(run.base_dir))
    runner.run_experiment()
    if not run.episodes:
        return
    totals = np.asarray(score(runner._agent, run, distribution, items))
    result = {"distribution": distribution, "items": items, "seed": run.seed, "episodes": run.episodes,
              "average_reward": float(totals.mean()), "stdev": float(totals.std()), "rewards": totals.tolist(),
              "training_steps": int(runner._agent.training_steps)}
    (Path(run.base_dir) / "evaluation.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"seed {run.seed} average_reward {totals.mean():.2f} stdev {totals.std():.2f}")


if __name__ == "__main__":
    cli_main(main)
