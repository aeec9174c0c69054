"""EnvPool's C++ ``CarRacing-v3`` as the game ``CarRacingEnv`` plays with ``backend="envpool"``.

EnvPool (https://github.com/sail-sg/envpool) re-implements CarRacing in C++ and plays it about
3x faster than ``FastCarRacing``, with the same dynamics, track generator and reward rules
(+1000/N per new tile, -0.1 per frame, -100 and the end for leaving the playfield, the end for
a finished lap) but NOT the same game per seed: its own random generator draws another track for
the same seed, and its frames are drawn differently (no anti-aliasing, skid marks drawn into the
frame, another indicator bar). So it serves training (V, M and C learn the same kind of game), never the scored
benchmark: scores on it are not comparable to gymnasium's (model.py and drive_stats.py say so).

``EnvPoolCarRacing`` is a ``gymnasium.Env`` with stock ``CarRacing``'s interface (96x96 frames,
``info["lap_finished"]`` at a termination, no time limit of its own), so ``CarRacingEnv``
crops, resizes, validates actions and truncates it exactly as the other backends. Each
``reset`` builds a fresh one-env pool whose ``env_seed`` is drawn from this env's ``np_random``,
so ``reset(seed=s)`` gives a track that depends on s alone (EnvPool's track depends only on the
env_seed). The pool is never stepped past an episode's end: EnvPool would auto-reset it there.

What EnvPool does not expose: the tiles and the car's speed (``progress()`` derives the visited
fraction from the rewards and gives speed NaN) and gymnasium's 600x400 video frame (``render()``
in ``"rgb_array"`` mode returns the 96x96 frame; ``"human"`` has no window and is refused).
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np

from worldmodels.envs.base import crop_and_resize
from worldmodels.fileio import WorldModelsError

FRAME_SIZE = 96
"""EnvPool's CarRacing frame is 96x96 RGB, as gymnasium's [envpool car_racing.h: obs (96, 96, 3)]."""
NO_TIME_LIMIT = 10**9
"""EnvPool's own episode cap, out of reach: CarRacingEnv truncates at its max_steps (a lap finished
on the last step stays a termination, as with the other backends)."""
STEP_PENALTY = 0.1
"""-0.1 per frame [gymnasium car_racing.py; envpool car_racing_env.cc]."""
OFF_PLAYFIELD_REWARD = -100.0
"""The step reward for leaving the playfield, which also ends the episode [same sources]."""
ACTION_LOW = np.array([-1.0, 0.0, 0.0], np.float32)
ACTION_HIGH = np.ones(3, np.float32)
"""gymnasium's CarRacing action space [car_racing.py]; EnvPool asserts these bounds in C++, so actions
are clipped to them."""
MISSING = "EnvPool is not installed (pip install envpool); use --backend fast"


def make_pool(envpool: ModuleType, env_seeds: list[int], lap_complete_percent: float) -> Any:
    """One EnvPool CarRacing-v3 pool of len(env_seeds) games, game i seeded ``env_seeds[i]``, with no
    time limit of its own and one worker thread."""
    with warnings.catch_warnings():  # EnvPool's float64 Box bounds cast to float32: harmless
        warnings.filterwarnings("ignore", message=".*precision lowered by casting.*")
        return envpool.make("CarRacing-v3", env_type="gymnasium", num_envs=len(env_seeds), num_threads=1,
                            env_seed=list(env_seeds), max_episode_steps=NO_TIME_LIMIT,
                            lap_complete_percent=lap_complete_percent)


def import_envpool() -> ModuleType:
    """The ``envpool`` module, or one line saying how to install it (never a silent fallback)."""
    try:
        import envpool
    except ImportError as err:
        raise WorldModelsError(MISSING) from err
    return envpool


class EnvPoolCarRacing(gym.Env):
    """One EnvPool CarRacing-v3 game with stock CarRacing's single-env interface (obs 96x96x3 uint8)."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 50}
    action_space: gym.spaces.Box

    def __init__(self, render_mode: str | None = None, lap_complete_percent: float = 0.95,
                 domain_randomize: bool = False):
        if render_mode not in (None, "rgb_array"):
            raise WorldModelsError(f"EnvPool's CarRacing has no window (render_mode={render_mode!r}); "
                                   "write a video instead or use --backend fast")
        if domain_randomize:
            raise WorldModelsError("EnvPool's CarRacing has no domain_randomize; use --backend fast or stock")
        self.envpool = import_envpool()
        self.render_mode = render_mode
        self.lap_complete_percent = float(lap_complete_percent)
        self.observation_space = gym.spaces.Box(0, 255, (FRAME_SIZE, FRAME_SIZE, 3), np.uint8)
        self.action_space = gym.spaces.Box(ACTION_LOW, ACTION_HIGH, dtype=np.float32)
        self.frame = np.zeros((FRAME_SIZE, FRAME_SIZE, 3), np.uint8)
        self.pool: Any = None
        self._env_id = np.zeros(1, np.int32)
        self._done = True
        self._steps = 0
        self._reward_sum = 0.0  # step rewards of the episode so far, the -100 of leaving the playfield excluded

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.close()
        # a fresh pool per episode: its track depends on its env_seed alone (make + reset ~ 4 ms)
        self.pool = make_pool(self.envpool, [int(self.np_random.integers(2**31 - 1))], self.lap_complete_percent)
        obs, _ = self.pool.reset()
        self.frame = obs[0]
        self._done, self._steps, self._reward_sum = False, 0, 0.0
        return self.frame, {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._done:
            raise WorldModelsError("EnvPoolCarRacing.step() after the episode ended (EnvPool would start "
                                   "another track); call reset() first")
        a = np.asarray(action, dtype=np.float32).reshape(1, 3)
        a = np.clip(a, self.action_space.low, self.action_space.high)
        obs, reward, terminated, truncated, _ = self.pool.step(a, self._env_id)
        self.frame = obs[0]
        reward, terminated = float(reward[0]), bool(terminated[0])
        self._steps += 1
        self._done = terminated or bool(truncated[0])
        info: dict[str, Any] = {}
        if terminated:  # a finished lap, or leaving the playfield (its step reward is exactly -100)
            info["lap_finished"] = reward != OFF_PLAYFIELD_REWARD
        if not (terminated and reward == OFF_PLAYFIELD_REWARD):
            self._reward_sum += reward
        return self.frame, reward, terminated, bool(truncated[0]), info

    def progress(self) -> tuple[float, float]:
        """(fraction of the tiles visited, NaN): EnvPool exposes neither the tiles nor the speed.

        The fraction comes from the rewards, +1000/N per new tile and -0.1 per frame [car_racing.py],
        so it is exact up to float32 rounding, except that the tiles of a step that left the
        playfield (its reward is -100 whatever they were) are not counted.
        """
        if self.pool is None:
            raise WorldModelsError("CarRacingEnv.progress() before reset(): there is no track yet")
        return (self._reward_sum + STEP_PENALTY * self._steps) / 1000.0, float("nan")

    def render(self) -> np.ndarray | None:
        """The last 96x96 frame (EnvPool draws no 600x400 video frame) in ``"rgb_array"`` mode."""
        return self.frame.copy() if self.render_mode == "rgb_array" else None

    def close(self) -> None:
        pool, self.pool = getattr(self, "pool", None), None
        if pool is not None:
            pool.close()


def derive_seed(seed: int) -> int:
    """The game seed ``CarRacingEnv.reset(seed=s)`` hands its game, and the EnvPool game its pool:
    the first draw of gymnasium's generator seeded with s."""
    rng, _ = gym.utils.seeding.np_random(int(seed))
    return int(rng.integers(2**31 - 1))


def pool_seed(episode_seed: int) -> int:
    """EnvPool's ``env_seed`` of the episode ``CarRacingEnv(backend="envpool").reset(seed=s)`` plays
    (drawn twice: by CarRacingEnv, then by EnvPoolCarRacing)."""
    return derive_seed(derive_seed(episode_seed))


class EnvPoolCarRacingVector:
    """A round of EnvPool CarRacing episodes stepped as one batch (``worldmodels.rollout.VectorGame``).

    ``reset(seeds)`` builds one pool of len(seeds) games, game i with ``pool_seed(seeds[i])``: the
    same track ``CarRacingEnv(backend="envpool").reset(seed=seeds[i])`` gives, with the same frames,
    rewards and ends (tests/envs/test_carracing_envpool.py). Stepping the round's games in one call
    costs ~600 us a game step against ~780 us one game at a time (measured, one core: EnvPool hands
    each call to its worker thread). Frames are cropped and resized as ``CarRacingEnv`` does;
    episodes end at a termination or after ``max_steps`` steps; an ended game is never stepped again.
    Built directly, not by ``gymnasium.make``: it is no ``gymnasium.Env`` (nor a gymnasium ``VectorEnv``:
    its games are never auto-reset, and ``step`` takes the ids of the games it moves).
    """

    def __init__(self, max_steps: int = 1000, keep_rows: int = 84, obs_size: int = 64,
                 lap_complete_percent: float = 0.95):
        if max_steps < 1:
            raise WorldModelsError(f"max_steps must be >= 1, got {max_steps}")
        self.envpool = import_envpool()
        self.max_steps, self.keep_rows, self.obs_size = max_steps, keep_rows, obs_size
        self.lap_complete_percent = float(lap_complete_percent)
        self.pool: Any = None
        self.steps = np.zeros(0, np.int64)
        self.ended = np.zeros(0, bool)

    def _observe(self, frames: np.ndarray) -> np.ndarray:
        return np.stack([crop_and_resize(frame, self.keep_rows, self.obs_size) for frame in frames])

    def reset(self, seeds: list[int]) -> np.ndarray:
        self.close()
        self.pool = make_pool(self.envpool, [pool_seed(s) for s in seeds], self.lap_complete_percent)
        obs, _ = self.pool.reset()
        self.steps = np.zeros(len(seeds), np.int64)
        self.ended = np.zeros(len(seeds), bool)
        return self._observe(obs)

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids = np.asarray(ids, np.int32)
        if self.pool is None or np.any(self.ended[ids]):
            raise WorldModelsError(f"EnvPoolCarRacingVector.step() on games {ids[self.ended[ids]].tolist()} whose "
                                   f"episodes ended (or before reset); reset() starts the next round")
        actions = np.clip(np.asarray(actions, np.float32).reshape(len(ids), 3), ACTION_LOW, ACTION_HIGH)
        if not np.all(np.isfinite(actions)):
            raise WorldModelsError(f"CarRacing takes finite actions [steer, gas, brake], got {actions.tolist()}")
        obs, reward, terminated, truncated, info = self.pool.step(actions, ids)
        order = np.asarray(info["env_id"])  # EnvPool answers in its own order: put it back in ids' order
        if not np.array_equal(order, ids):
            where = {int(env): j for j, env in enumerate(order)}
            pick = np.array([where[int(env)] for env in ids])
            obs, reward, terminated, truncated = obs[pick], reward[pick], terminated[pick], truncated[pick]
        self.steps[ids] += 1
        ended = np.asarray(terminated, bool) | np.asarray(truncated, bool) | (self.steps[ids] >= self.max_steps)
        self.ended[ids] = ended
        return self._observe(obs), np.asarray(reward, np.float64), ended

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()
