"""CarRacing as the ``gymnasium.Env`` V sees: gymnasium ``CarRacing-v3`` frames cropped and resized.

The game is gymnasium's ``CarRacing`` (the ``CarRacing-v3`` dynamics, track and reward: -0.1 per
frame, +1000/N per new track tile, -100 and the end for leaving the playfield). The observation
is its 96x96 frame with the bottom indicator bar cut off (rows 0..83 kept [orig carracing/env.py:
``frame[0:84]``]) and area-resized to 64x64 RGB [design]. Episodes are truncated after
``max_steps`` = 1000 steps [orig carracing/extract.py: MAX_FRAMES = 1000; gymnasium registers
CarRacing-v3 with max_episode_steps=1000]. ``render()`` gives gymnasium's 600x400 video frame.

``backend`` picks the game: ``"fast"`` (the default) plays ``fast_carracing.FastCarRacing``, the
same game with a faster renderer whose frames are bit-identical to stock's
(tests/envs/test_carracing_fast.py); ``"stock"`` plays gymnasium's own ``CarRacing``;
``"envpool"`` plays EnvPool's C++ ``CarRacing-v3`` (``envpool_carracing.EnvPoolCarRacing``), ~3x
faster than fast but NOT the same game per seed (another track for the same seed, frames drawn
differently): for extraction and training only, never for the scored benchmark. With it,
``render()`` gives the 96x96 frame, ``render_mode="human"`` is refused and ``progress()`` gives the
tiles derived from the rewards and speed NaN (EnvPool exposes neither).

Actions: C's three tanh outputs a map to [steer, gas, brake] = [a0, (a1 + 1) / 2, clip(a2, 0, 1)]
(``action_from_controller`` [orig carracing/model.py], which ``ControllerConfig(action="carracing")``
names), and M is fed that game action, as the original did. The extraction policy
(``RandomDrivePolicy``) acts in game actions, so a record keeps exactly what M is fed.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, replace
from typing import Any, cast

import gymnasium as gym
import numpy as np

from worldmodels.envs.base import OBS_SIZE, crop_and_resize
from worldmodels.envs.envpool_carracing import EnvPoolCarRacing, import_envpool
from worldmodels.fileio import WorldModelsError

STATE_SIZE = 96
"""gymnasium CarRacing's observation is 96x96 RGB [car_racing.py: STATE_W = STATE_H = 96]."""
BACKENDS = ("fast", "stock", "envpool")
"""Which CarRacing implementation plays (``CarRacingConfig.backend``, scripts' ``--backend``)."""
ENVPOOL_SCORES_WARNING = ("warning: --backend envpool plays EnvPool's CarRacing, whose tracks differ from "
                          "gymnasium's for the same seed: these scores are not comparable to the reported ones "
                          "(use --backend fast)")


@dataclass(frozen=True)
class CarRacingConfig:
    """Which CarRacing, how its frames are cut and how long an episode may run."""

    backend: str = "fast"
    """``"fast"``: ``FastCarRacing`` (same frames, rewards and ends as stock, 2-4x faster);
    ``"stock"``: gymnasium's ``CarRacing``; ``"envpool"``: EnvPool's C++ game (another ~3x faster,
    other tracks per seed: training only)."""
    max_steps: int = 1000
    """Truncate after this many steps [orig carracing/extract.py MAX_FRAMES = 1000; gymnasium's
    CarRacing-v3 max_episode_steps = 1000]. Lower it for quick runs (the miniature pipeline)."""
    keep_rows: int = 84
    """Rows of the 96x96 frame kept above the indicator bar [orig carracing/env.py: frame[0:84]]."""
    obs_size: int = OBS_SIZE
    """Side of the square observation [paper: 64x64]."""
    lap_complete_percent: float = 0.95
    """Fraction of tiles to visit for a lap to count [gymnasium CarRacing default]."""
    domain_randomize: bool = False
    """gymnasium's random colours (off: the paper's fixed colours)."""

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise WorldModelsError(f"CarRacing backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.max_steps < 1:
            raise WorldModelsError(f"max_steps must be >= 1, got {self.max_steps}")
        if not 0 < self.keep_rows <= STATE_SIZE:
            raise WorldModelsError(f"keep_rows must be in 1..{STATE_SIZE}, got {self.keep_rows}")
        if self.obs_size < 1:
            raise WorldModelsError(f"obs_size must be >= 1, got {self.obs_size}")


def game_class(backend: str) -> type:
    """The game class of a backend: our ``FastCarRacing``, gymnasium's ``CarRacing`` (both import box2d
    and pygame) or ``EnvPoolCarRacing`` (one line if envpool is not installed)."""
    if backend not in BACKENDS:
        raise WorldModelsError(f"CarRacing backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "envpool":
        import_envpool()
        return EnvPoolCarRacing
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # pygame-ce greets on import otherwise
    if backend == "fast":
        from worldmodels.envs.fast_carracing import FastCarRacing
        return FastCarRacing
    from gymnasium.envs.box2d.car_racing import CarRacing
    return CarRacing


def add_backend_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup, default: str) -> None:
    """``--backend {fast,stock,envpool}`` (dest ``backend``), and ``--stock_env`` as the old alias of
    ``--backend stock``: the one way every carracing script takes the choice."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--backend", choices=BACKENDS, default=default,
                       help="fast: FastCarRacing (gymnasium's frames, faster); stock: gymnasium's CarRacing; "
                            "envpool: EnvPool's C++ CarRacing (~3x faster, other tracks per seed: for "
                            "extraction and training only) (default %(default)s)")
    group.add_argument("--stock_env", dest="backend", action="store_const", const="stock",
                       help="the same as --backend stock")


def warn_if_scores_not_comparable(backend: str) -> None:
    """One warning line on stderr when a scoring script plays EnvPool's game."""
    if backend == "envpool":
        print(ENVPOOL_SCORES_WARNING, file=sys.stderr, flush=True)


class CarRacingEnv(gym.Env):
    """CarRacing for World Models: obs uint8 (64, 64, 3); action [steer, gas, brake] as gymnasium's."""

    # render_fps: CarRacing's FPS = 50 [gymnasium car_racing.py]
    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 50}

    def __init__(self, config: CarRacingConfig | None = None, render_mode: str | None = None):
        self.config = config = config or CarRacingConfig()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise WorldModelsError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.game = game_class(config.backend)(render_mode=render_mode,
                                               lap_complete_percent=config.lap_complete_percent,
                                               domain_randomize=config.domain_randomize)
        if config.backend == "envpool":  # no window: "human" is refused, so not declared either
            self.metadata = {**self.metadata, "render_modes": ["rgb_array"]}
        size = config.obs_size
        self.observation_space = gym.spaces.Box(0, 255, (size, size, 3), np.uint8)
        self.action_space = self.game.action_space  # Box([-1, 0, 0], [1, 1, 1]) [car_racing.py]
        self.frame = np.zeros((STATE_SIZE, STATE_SIZE, 3), np.uint8)
        """The last full 96x96 frame (with the indicator bar)."""
        self._steps = 0
        self._finished = True

    def _observe(self, frame: np.ndarray) -> np.ndarray:
        self.frame = frame
        return crop_and_resize(frame, self.config.keep_rows, self.config.obs_size)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        # The game's track comes from its own np_random; seeding it from ours makes one
        # reset(seed=s) fix the whole sequence of episodes that follows, as gymnasium expects.
        frame, info = self.game.reset(seed=int(self.np_random.integers(2**31 - 1)), options=options)
        self._steps = 0
        self._finished = False
        return self._observe(frame), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._finished:
            raise WorldModelsError("CarRacingEnv.step() after the episode ended; call reset() first")
        a = np.asarray(action, dtype=np.float64)
        if a.shape != (3,) or not np.all(np.isfinite(a)):
            raise WorldModelsError(f"CarRacing takes a finite action [steer, gas, brake], got {action!r}")
        frame, reward, terminated, truncated, info = self.game.step(a)
        self._steps += 1
        truncated = bool(truncated) or (not terminated and self._steps >= self.config.max_steps)
        self._finished = bool(terminated) or truncated
        info = {**info, "steps": self._steps}
        return self._observe(frame), float(reward), bool(terminated), truncated, info

    def progress(self) -> tuple[float, float]:
        """(fraction of the track's tiles visited, the car's speed in the game's units per second)
        now: where an episode's reward comes from [gymnasium car_racing.py: +1000/N per new tile]."""
        game = self.game.unwrapped
        if isinstance(game, EnvPoolCarRacing):
            return game.progress()  # tiles from the rewards, speed NaN: EnvPool exposes neither
        if game.car is None:
            raise WorldModelsError("CarRacingEnv.progress() before reset(): there is no track yet")
        vx, vy = game.car.hull.linearVelocity
        return game.tile_visited_count / len(game.track), float(np.hypot(vx, vy))

    def render(self) -> np.ndarray | None:
        """rgb_array: gymnasium's 600x400 video frame (envpool: the 96x96 frame)."""
        if self.render_mode == "rgb_array":
            return self.game.render()
        return None  # "human": the game draws its window on every step itself

    def close(self) -> None:
        game = getattr(self, "game", None)
        if game is not None:
            game.close()


def make(render_mode: str | None = None, **config: Any) -> CarRacingEnv:
    """Registry factory: ``make_env("carracing", backend="fast", max_steps=1000)``; keywords are CarRacingConfig
    fields. Built by ``gymnasium.make`` of ``WorldModels/CarRacing-v0`` (``WorldModels/CarRacingEnvPool-v0`` for
    ``backend="envpool"``), without the env checker: the game itself, with its ``spec``."""
    from worldmodels.envs.registration import CARRACING, CARRACING_ENVPOOL, make_registered

    return cast(CarRacingEnv, make_registered(CARRACING_ENVPOOL if config.get("backend") == "envpool" else CARRACING,
                                              render_mode=render_mode, **config))


def build(render_mode: str | None = None, **config: Any) -> CarRacingEnv:
    """``WorldModels/CarRacing-v0``'s entry point: gymnasium's game per seed (backend "fast" or "stock")."""
    if config.get("backend") == "envpool":
        raise WorldModelsError("WorldModels/CarRacing-v0 plays gymnasium's tracks, got backend='envpool'; "
                               "EnvPool's game is WorldModels/CarRacingEnvPool-v0")
    return CarRacingEnv(_config(config), render_mode=render_mode)


def build_envpool(render_mode: str | None = None, **config: Any) -> CarRacingEnv:
    """``WorldModels/CarRacingEnvPool-v0``'s entry point: EnvPool's game (other tracks per seed: training only)."""
    backend = config.pop("backend", "envpool")
    if backend != "envpool":
        raise WorldModelsError(f"WorldModels/CarRacingEnvPool-v0 plays EnvPool's game, got backend={backend!r}; "
                               "gymnasium's is WorldModels/CarRacing-v0")
    return CarRacingEnv(_config({**config, "backend": "envpool"}), render_mode=render_mode)


def _config(config: dict[str, Any]) -> CarRacingConfig:
    try:
        return replace(CarRacingConfig(), **config)
    except TypeError as err:
        raise WorldModelsError(f"bad CarRacing option ({err}); fields: {list(CarRacingConfig.__dataclass_fields__)}"
                               ) from err


def keyboard_action(left: bool, right: bool, up: bool, down: bool) -> np.ndarray:
    """[steer, gas, brake] for arrow keys as gymnasium's own keyboard demo: the down arrow brakes
    at 0.8 [gymnasium car_racing.py]."""
    return np.array([-1.0 if left else (1.0 if right else 0.0), 1.0 if up else 0.0, 0.8 if down else 0.0],
                    np.float32)


def action_from_controller(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """C's tanh outputs a (B, 3) -> [steer, gas, brake] = [a0, (a1 + 1) / 2, clip(a2, 0, 1)] (B, 3),
    for the game and for M: the original converts a in place before ``rnn_next_state``, so its
    rnn.json expects the game action [orig carracing/model.py]."""
    a = np.asarray(a, np.float32)
    game = np.stack([a[..., 0], (a[..., 1] + 1.0) / 2.0, np.clip(a[..., 2], 0.0, 1.0)], axis=-1)
    return game, game


def action_to_env(a: np.ndarray) -> np.ndarray:
    """A recorded action (the game's [steer, gas, brake]) as the float64 array the game takes."""
    arr = np.asarray(a, dtype=np.float64).reshape(-1)
    assert arr.shape == (3,), f"CarRacing takes three action values, got shape {np.shape(a)}"
    return arr


@dataclass(frozen=True)
class DriveStyle:
    """One episode's character of the random driver (drawn per episode)."""

    hold_max: int
    """Each action is held 1..hold_max frames (uniform)."""
    steer_std: float
    """Standard deviation of the steering draws (clipped to [-1, 1])."""
    gas: float
    """Mean gas in [0, 1]."""
    brake_prob: float
    """Probability that a draw brakes (brake ~ U(0, 1)); otherwise brake 0."""


class RandomDrivePolicy:
    """Extraction policy: random actions held for a few frames, with a per-episode driving style.

    The original drew a random linear controller per episode (tiny Cauchy weights, scale
    ~ U(0, 0.01), over a randomly initialised V and M [orig carracing/extract.py, model.py]), which
    mostly drives straight ahead at half gas. To show V and M more kinds of frames (turns, spins,
    the car leaving the road and the grass beyond, standing still) we draw per episode a style:
    hold 1..hold_max frames (hold_max ~ U{1..20}), steering ~ N(0, steer_std), steer_std ~
    U(0.2, 1), gas around a mean ~ U(0.1, 0.7) (+- 0.2), braking with probability ~ U(0, 0.15).

    Actions are game actions [steer, gas, brake]: the record keeps them and M is trained on them,
    the kind of action C feeds M in a rollout (``Controller.act``) [orig carracing/model.py].
    """

    def __init__(self, rng: np.random.Generator):
        self.reset(rng)

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.style = DriveStyle(hold_max=int(rng.integers(1, 21)), steer_std=float(rng.uniform(0.2, 1.0)),
                                gas=float(rng.uniform(0.1, 0.7)), brake_prob=float(rng.uniform(0.0, 0.15)))
        self.action = np.zeros(3, np.float32)
        self.left = 0  # frames the current action is still held

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        if self.left == 0:
            s, rng = self.style, self.rng
            steer = float(np.clip(rng.normal(0.0, s.steer_std), -1.0, 1.0))
            gas = float(np.clip(s.gas + rng.uniform(-0.2, 0.2), 0.0, 1.0))
            brake = float(rng.uniform(0.0, 1.0)) if rng.uniform() < s.brake_prob else 0.0
            self.action = np.array([steer, gas, brake], np.float32)
            self.left = int(rng.integers(1, s.hold_max + 1))
        self.left -= 1
        return self.action.copy()


def random_policy(rng: np.random.Generator) -> RandomDrivePolicy:
    """The CarRacing extraction policy (a ``make_policy`` factory for ``pipeline.extract``)."""
    return RandomDrivePolicy(rng)
