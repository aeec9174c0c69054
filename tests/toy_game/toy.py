"""DotChase, the adapter of docs/adding_a_game.md's example game: steer a red dot onto a green one.

The board is 8 x 8 cells drawn as V's 64 x 64 RGB picture (8 pixels a cell). Actions: 0 stay,
1 up, 2 down, 3 left, 4 right. Reward: 0.1 per cell the dot comes closer to the target (-0.1 per
cell away), +1 for reaching it, which ends the episode; after ``max_steps`` steps it is cut.
A random player reaches the target in 16% of its episodes and scores 0.21 +- 0.56 (2000 episodes,
seeds 0..1999); the shortest path scores 1.0 + 0.1 x the starting distance, 1.5 on average.

What every adapter provides (the guide's file 1): the ``gymnasium.Env``, its id registered with
gymnasium, ``make(render_mode=None, **options)``, the extraction policy and ``action_to_env``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from worldmodels.envs.base import OBS_SIZE
from worldmodels.fileio import WorldModelsError

ID = "WorldModelsExample/DotChase-v0"
"""The gymnasium id; a game inside worldmodels/envs/ adds its line to registration.SPECS instead."""

GRID = 8                     # cells per side: 8 pixels a cell in V's 64 x 64 picture
CELL = OBS_SIZE // GRID
MOVES = np.array([[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]])  # (row, column) steps: stay, up, down, left, right
N_ACTIONS = len(MOVES)
MAX_STEPS = 30               # the farthest target is 14 moves away (Manhattan, 8 x 8); 30 leaves room to wander
CLOSER_REWARD = 0.1          # per cell nearer the target: a dense signal for M's reward head
CATCH_REWARD = 1.0
AGENT_RGB, TARGET_RGB = (230, 40, 40), (40, 200, 40)


class DotChaseEnv(gym.Env):
    """The game itself: observation = the 64 x 64 x 3 uint8 picture V sees, action = Discrete(5)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, render_mode: str | None = None, max_steps: int = MAX_STEPS):
        if render_mode not in (None, "rgb_array"):
            raise WorldModelsError(f"DotChase renders only 'rgb_array', got {render_mode!r}")
        if max_steps < 1:
            raise WorldModelsError(f"max_steps must be >= 1, got {max_steps}")
        self.render_mode, self.max_steps = render_mode, max_steps
        self.observation_space = gym.spaces.Box(0, 255, (OBS_SIZE, OBS_SIZE, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(N_ACTIONS)
        self.agent = self.target = np.zeros(2, np.int64)
        self.steps = -1  # -1: not reset yet

    def _frame(self) -> np.ndarray:
        frame = np.zeros((OBS_SIZE, OBS_SIZE, 3), np.uint8)
        for (row, col), rgb in ((self.target, TARGET_RGB), (self.agent, AGENT_RGB)):
            frame[row * CELL:(row + 1) * CELL, col * CELL:(col + 1) * CELL] = rgb
        return frame

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        cells = self.np_random.choice(GRID * GRID, size=2, replace=False)  # two different cells
        self.agent, self.target = np.array(divmod(int(cells[0]), GRID)), np.array(divmod(int(cells[1]), GRID))
        self.steps = 0
        return self._frame(), {}

    def step(self, action):
        if self.steps < 0:
            raise WorldModelsError("DotChase: call reset() before step()")
        if not self.action_space.contains(int(action)):
            raise WorldModelsError(f"DotChase: action must be 0..{N_ACTIONS - 1}, got {action!r}")
        before = int(np.abs(self.agent - self.target).sum())
        self.agent = np.clip(self.agent + MOVES[int(action)], 0, GRID - 1)
        after = int(np.abs(self.agent - self.target).sum())
        self.steps += 1
        caught = after == 0
        reward = CLOSER_REWARD * (before - after) + (CATCH_REWARD if caught else 0.0)
        return self._frame(), float(reward), caught, not caught and self.steps >= self.max_steps, {}

    def render(self) -> np.ndarray | None:
        return self._frame() if self.render_mode == "rgb_array" else None


def build(**options: Any) -> DotChaseEnv:
    """The id's entry point."""
    return DotChaseEnv(**options)


if ID not in gym.registry:  # on import, as gymnasium's "module:id" form expects
    gym.register(ID, entry_point=build, max_episode_steps=None, order_enforce=False)


def make(render_mode: str | None = None, **options: Any) -> gym.Env:
    """``gymnasium.make`` of the id without the env checker: the game itself, as the pipeline wants it."""
    return gym.make(ID, render_mode=render_mode, disable_env_checker=True, **options)


class RandomPolicy:
    """Extraction: a uniformly random move each step, returned one-hot (what M is fed)."""

    def __init__(self, rng: np.random.Generator):
        self.reset(rng)

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return np.eye(N_ACTIONS, dtype=np.float32)[self.rng.integers(N_ACTIONS)]


def action_to_env(action: np.ndarray) -> int:
    """M's (one-hot) action -> the game's action index."""
    return int(np.argmax(action))
