"""DoomTakeCover as a ``gymnasium.Env`` over the scenario that ships with pip ``vizdoom``.

The agent strafes left or right to dodge fireballs; it gets +1 per frame survived and the
episode ends when it dies or after 2100 frames [paper, sec. 4.2]. The observation is the frame
V sees: the top ``keep_fraction`` of the rows (the original kept rows 0..399 of 480 to drop the
status bar [orig doomrnn]) area-resized to 64x64 RGB. ``render()`` gives the full frame.

vizdoom's own ``take_cover.cfg`` renders no HUD (``render_hud = false``), so the rows the crop
removes are floor, not a status bar; the crop is kept for the original's framing (see
doomrnn/README.md and doomrnn/frames/).

C acts with one continuous output a: ``thirds_to_discrete`` maps it to the game's three
actions [orig doomrnn], for C (``action_from_controller``, what ``ControllerConfig(action="doom")``
names) and for the extraction policy's recorded a (``action_to_env``) alike; M is fed a itself.
``RandomHoldPolicy`` is the extraction policy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any, cast, overload

import gymnasium as gym
import numpy as np
import vizdoom as vzd

from worldmodels.envs.base import OBS_SIZE, crop_and_resize
from worldmodels.fileio import WorldModelsError

NOOP, LEFT, RIGHT = 0, 1, 2
"""Discrete actions; 1 and 2 press the cfg's buttons in order [MOVE_LEFT, MOVE_RIGHT]."""

_BUTTONS: tuple[list[float], ...] = ([0.0, 0.0], [1.0, 0.0], [0.0, 1.0])


@dataclass(frozen=True)
class DoomConfig:
    """How the game is rendered and cut into episodes."""

    resolution: str = "160x120"
    """Screen "WxH", one of vizdoom's ScreenResolution values. The original used 640x480
    [orig]; 160x120 (same 4:3 frame, same crop ratio) is ~3x faster [design]."""
    keep_fraction: float = 5 / 6
    """Top fraction of the rows kept before resizing: 400 of 480 rows [orig doomrnn]."""
    obs_size: int = OBS_SIZE
    """Side of the square observation [paper: 64x64]."""
    max_steps: int = 2100
    """Truncate after this many steps [paper, sec. 4.2: DoomTakeCover cap 2100 frames]."""
    scenario: str = "take_cover.cfg"
    """Config file in ``vizdoom.scenarios_path`` (it sets doom_skill 4 and living_reward 1)."""

    def __post_init__(self) -> None:
        if not 0.0 < self.keep_fraction <= 1.0:
            raise WorldModelsError(f"keep_fraction must be in (0, 1], got {self.keep_fraction}")
        if self.max_steps < 1:
            raise WorldModelsError(f"max_steps must be >= 1, got {self.max_steps}")
        screen_resolution(self.resolution)  # validate early, with the list of valid values

    @property
    def width_height(self) -> tuple[int, int]:
        w, h = self.resolution.lower().split("x")
        return int(w), int(h)

    @property
    def keep_rows(self) -> int:
        return round(self.width_height[1] * self.keep_fraction)


def screen_resolution(resolution: str) -> vzd.ScreenResolution:
    """``"160x120"`` -> ``vizdoom.ScreenResolution.RES_160X120`` (one-line error if unknown)."""
    name = f"RES_{resolution.strip().upper()}"
    value = getattr(vzd.ScreenResolution, name, None)
    if not isinstance(value, vzd.ScreenResolution):
        known = sorted(n[4:].lower() for n in dir(vzd.ScreenResolution) if n.startswith("RES_"))
        raise WorldModelsError(f"unknown Doom resolution {resolution!r}; known: {', '.join(known)}")
    return value


class DoomTakeCoverEnv(gym.Env):
    """Headless DoomTakeCover: obs uint8 (64, 64, 3); actions 0 no-op, 1 left, 2 right."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 35}  # Doom runs 35 tics/s

    def __init__(self, config: DoomConfig | None = None, render_mode: str | None = None):
        self.config = config = config or DoomConfig()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise WorldModelsError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        size = config.obs_size
        self.observation_space = gym.spaces.Box(0, 255, (size, size, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(3)
        # "human": vizdoom's own window; None once closed
        self._game: vzd.DoomGame | None = make_game(config, visible=render_mode == "human")
        w, h = config.width_height
        self._frame = np.zeros((h, w, 3), np.uint8)  # last full-resolution frame
        self._obs = np.zeros((size, size, 3), np.uint8)
        self._steps = 0
        self._finished = True

    def _open_game(self) -> vzd.DoomGame:
        assert self._game is not None, "DoomTakeCoverEnv used after close()"
        return self._game

    def _observe(self) -> None:
        state = self._open_game().get_state()
        if state is not None:  # None once the episode has ended: keep the last frame
            self._frame = state.screen_buffer
            self._obs = crop_and_resize(self._frame, self.config.keep_rows, self.config.obs_size)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        # Every episode's game seed comes from self.np_random, so one reset(seed=s) fixes the
        # whole sequence of episodes that follows, as gymnasium expects.
        game = self._open_game()
        game.set_seed(int(self.np_random.integers(2**31 - 1)))
        game.new_episode()
        self._steps = 0
        self._finished = False
        self._observe()
        return self._obs.copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._finished:
            raise WorldModelsError("DoomTakeCoverEnv.step() after the episode ended; call reset() first")
        a = int(action)
        if not 0 <= a < 3:
            raise WorldModelsError(f"Doom action must be 0 (no-op), 1 (left) or 2 (right), got {action!r}")
        game = self._open_game()
        reward = float(game.make_action(_BUTTONS[a]))  # living_reward 1 per tic [cfg]
        self._steps += 1
        terminated = bool(game.is_episode_finished())
        truncated = not terminated and self._steps >= self.config.max_steps
        self._finished = terminated or truncated
        self._observe()
        return self._obs.copy(), reward, terminated, truncated, {"steps": self._steps}

    def render(self) -> np.ndarray | None:
        if self.render_mode in ("rgb_array", "human"):
            return self._frame.copy()
        return None

    def close(self) -> None:
        game = getattr(self, "_game", None)
        if game is not None:
            game.close()
            self._game = None


def make_game(config: DoomConfig, visible: bool = False, mode: vzd.Mode = vzd.Mode.PLAYER) -> vzd.DoomGame:
    """An initialised ``DoomGame`` for ``config``: RGB24 screen, window shown only if ``visible``."""
    game = vzd.DoomGame()
    cfg_path = os.path.join(vzd.scenarios_path, config.scenario)
    if not os.path.isfile(cfg_path):
        raise WorldModelsError(f"vizdoom scenario not found: {cfg_path}")
    game.load_config(cfg_path)
    game.set_window_visible(visible)
    game.set_screen_format(vzd.ScreenFormat.RGB24)
    game.set_screen_resolution(screen_resolution(config.resolution))
    game.set_mode(mode)
    # ViZDoom writes ./_vizdoom/ on init and crashes (segfault) when a second process starting in the
    # same folder creates it between its check and its own mkdir ("Failed to create ./_vizdoom/
    # directory: File exists", seen with extract.bash's two workers on a fresh clone): make it first.
    os.makedirs("_vizdoom", exist_ok=True)
    game.init()
    buttons = game.get_available_buttons()
    expected = [vzd.Button.MOVE_LEFT, vzd.Button.MOVE_RIGHT]
    if buttons != expected:
        game.close()
        raise WorldModelsError(f"{cfg_path}: buttons {buttons}, expected {expected}")
    return game


def make(render_mode: str | None = None, **config: Any) -> DoomTakeCoverEnv:
    """Registry factory: ``make_env("doom", resolution="640x480")``; keywords are DoomConfig fields. Built by
    ``gymnasium.make`` of ``WorldModels/DoomTakeCover-v0`` without the env checker: the game itself, with its
    ``spec``."""
    from worldmodels.envs.registration import DOOM, make_registered

    return cast(DoomTakeCoverEnv, make_registered(DOOM, render_mode=render_mode, **config))


def build(render_mode: str | None = None, **config: Any) -> DoomTakeCoverEnv:
    """``WorldModels/DoomTakeCover-v0``'s entry point; keywords are DoomConfig fields."""
    try:
        cfg = replace(DoomConfig(), **config)
    except TypeError as err:
        raise WorldModelsError(f"bad Doom option ({err}); fields: {list(DoomConfig.__dataclass_fields__)}") from err
    return DoomTakeCoverEnv(cfg, render_mode=render_mode)


@overload
def thirds_to_discrete(a: float) -> int: ...


@overload
def thirds_to_discrete(a: np.ndarray) -> int | np.ndarray: ...


def thirds_to_discrete(a: float | np.ndarray) -> int | np.ndarray:
    """C's continuous a -> action: a < -1/3 left (1), a > 1/3 right (2), else no-op (0) [orig doomrnn].

    a is compared in its own precision: C's float32 output against float32(-1/3), a recorded
    float64 a against the float64 -1/3 (the two differ at a = float32(-1/3), no-op in float32)."""
    arr = np.asarray(a)
    out = np.where(arr < -1.0 / 3.0, LEFT, np.where(arr > 1.0 / 3.0, RIGHT, NOOP)).astype(np.int64)
    return int(out) if out.ndim == 0 else out


def action_from_controller(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """C's tanh output a (B, 1) -> (the game's actions (B,) by thirds, M's action: a itself)
    [orig doomrnn/model.py]."""
    return np.asarray(thirds_to_discrete(a[:, 0])), a


def action_to_env(a: np.ndarray) -> int:
    """A recorded action (one continuous value, shape (1,) or scalar) -> the game's discrete action."""
    arr = np.asarray(a, dtype=np.float64).reshape(-1)
    assert arr.size == 1, f"Doom takes one continuous action, got shape {np.shape(a)}"
    return thirds_to_discrete(float(arr[0]))


class RandomHoldPolicy:
    """Extraction policy: a ~ U(-1, 1) held for a uniform 1..10 frames, then redrawn [design; orig doomrnn]."""

    def __init__(self, rng: np.random.Generator, min_hold: int = 1, max_hold: int = 10):
        assert 1 <= min_hold <= max_hold, (min_hold, max_hold)
        self.min_hold, self.max_hold = min_hold, max_hold
        self.reset(rng)

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.action = 0.0
        self.left = 0  # frames the current action is still held

    def __call__(self, obs: np.ndarray) -> float:
        if self.left == 0:
            self.action = float(self.rng.uniform(-1.0, 1.0))
            self.left = int(self.rng.integers(self.min_hold, self.max_hold + 1))
        self.left -= 1
        return self.action


def random_policy(rng: np.random.Generator) -> RandomHoldPolicy:
    """The Doom extraction policy (a ``make_policy`` factory for ``pipeline.extract``)."""
    return RandomHoldPolicy(rng)
