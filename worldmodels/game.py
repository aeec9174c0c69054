"""What a new game declares to run the whole pipeline: its ``EnvSpec``, its adapter's functions
and its budgets, in one ``Game`` (docs/adding_a_game.md walks through it).

``worldmodels.pipeline.game`` runs every step (extract, vae_train, series, rnn_train, train, model)
for a ``Game``, so a new game's folder needs no copies of the step scripts. This module imports
no numpy, gymnasium or TensorFlow: a game's config.py may import it freely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from worldmodels.config import EnvSpec


@dataclass(frozen=True)
class Budget:
    """How much of each step a full run does; every number is also a command-line option."""

    extract_episodes: int = 200
    """Episodes one extraction worker keeps [orig doomrnn/extract.py: 200 trials per worker]."""
    min_frames: int = 0
    """Extraction drops episodes of this many frames or fewer (Doom: 100 [orig doomrnn])."""
    max_frames: int = 1000
    """Extraction's frame cap per episode (CarRacing 1000 [orig]; Doom 2100 [paper])."""
    vae_epochs: int = 10
    """V's epochs [orig vae_train.py: NUM_EPOCH = 10]."""
    vae_frames_per_epoch: int | None = None
    """Frames V sees per epoch (None: every recorded frame); a subset bounds V's cost on a CPU."""
    rnn_epochs: int = 20
    """M's epochs [paper A.2]."""
    population: int = 64
    """CMA-ES population [paper sec. 4.3; orig train.py: 64 workers x 1 trial]."""
    episodes: int = 16
    """Episodes per candidate; its fitness is their mean [paper; orig train.py]."""
    eval_steps: int = 25
    """Evaluate the mean every this many generations [orig train.py]."""
    num_eval: int = 0
    """Episodes per evaluation of the mean (0: population x episodes [orig])."""
    sigma_init: float = 0.1
    """CMA-ES's initial step size [paper; orig]."""


@dataclass(frozen=True)
class Game:
    """A game as the pipeline sees it.

    The callables are the adapter's (a module with a ``gymnasium.Env`` whose observation is V's
    64x64 uint8 frame); they must be module-level functions or classes, so MPI workers and
    ``model.py --procs N`` can rebuild them.
    """

    spec: EnvSpec
    """The models' sizes, C's action mode, the dream and the paths (``worldmodels.config``)."""
    make_env: Callable[..., Any]
    """``make_env(render_mode=None) -> gymnasium.Env``: the real game."""
    make_policy: Callable[[Any], Any]
    """``make_policy(rng) -> worldmodels.envs.base.Policy``: extraction's policy, redrawn per episode
    by ``reset(rng)``; it returns the action M is fed (one-hot for a discrete game)."""
    action_to_env: Callable[[Any], Any]
    """The recorded (M's) action -> the game's own action (e.g. argmax of a one-hot)."""
    action_mask: Callable[[dict], Any] | None = None
    """For a discrete game with invalid moves: the step's info dict -> a boolean mask (C plays
    argmax over the valid actions); None: every action is always valid."""
    budget: Budget = field(default_factory=Budget)
    train_in_dream: bool = True
    """train's default: C evolves in M's dream (``--real``: in the real game). The dream needs M's
    reward head, or ``spec.dream.reward_per_step`` as the reward (Doom's +1 per step survived)."""

    def with_root(self, root: str | Path) -> Game:
        """This game with every output under ``root`` (record/, series/, tf_vae/, ..., log/)."""
        return replace(self, spec=replace(self.spec, paths=self.spec.paths.with_root(root)))

    def run_name(self, dream: bool) -> str:
        """A training run's log name: ``<name>_dream`` or ``<name>_real``, so the two never mix."""
        return f"{self.spec.name}_{'dream' if dream else 'real'}"

    def log_prefix(self, dream: bool) -> Path:
        """Where a training run at this budget logs: ``log/<run name>.cma.<episodes>.<population>.``"""
        b = self.budget
        return self.spec.paths.path("log") / f"{self.run_name(dream)}.cma.{b.episodes}.{b.population}."
