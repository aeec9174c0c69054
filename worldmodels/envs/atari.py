"""Atari 2600 games (ale-py, ROMs bundled) under the evaluation protocol of Machado et al. 2018.

The settings of "Revisiting the Arcade Learning Environment" (Machado et al. 2018, JAIR 61), with
DQN's frame skip:

* sticky actions: at every emulator frame the previous action is repeated with probability 0.25
  (``repeat_action_probability``, drawn by ``StickyActions`` from each episode's seed), which
  replaces no-op starts as the source of stochasticity
  (so ``noop_max = 0``);
* no life-loss signal: an episode ends at game over only (``terminal_on_life_loss = False``);
* frame skip 4 with a max-pool over the last two frames of each skip (the DQN setting of Mnih et
  al. 2015, as gymnasium's ``AtariPreprocessing`` implements it);
* episodes capped at 18,000 emulator frames (5 minutes at 60 Hz) = 4,500 agent steps at skip 4.

V sees the pooled frame in grayscale (ALE's own luminance), area-resized (cv2 INTER_AREA) to
64x64: uint8 (64, 64, 1); RGB (64, 64, 3) is an option, and so is a maximum filter before the
resize (``dilate``) that keeps small objects bright. ``render()`` gives the full 210x160 RGB
screen. Actions are the game's minimal action set by default (6 for Pong) or the full 18
(``full_action_space``; see atari/README.md for the choice). C picks one by argmax and M is fed
it one-hot (``one_hot`` / ``action_to_env``); ``RandomHoldPolicy`` is the extraction policy.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, cast

import gymnasium as gym
import numpy as np

from worldmodels.envs.base import OBS_SIZE
from worldmodels.fileio import WorldModelsError

STICKY_ACTION_PROBABILITY = 0.25
"""Probability of repeating the previous action at each frame [Machado et al. 2018: sticky actions]."""
FRAME_SKIP = 4
"""Emulator frames per agent step; the last two are max-pooled [Mnih et al. 2015, DQN]."""
MAX_EPISODE_FRAMES = 18_000
"""Episode cap in emulator frames: 5 minutes at 60 Hz [Machado et al. 2018] = 4,500 steps at skip 4."""
FULL_ACTION_COUNT = 18
"""Size of the ALE's full (legal) action set: 9 joystick positions x fire or not [Bellemare et al. 2013]."""

_GAME_ID = re.compile(r"^(?:ALE/)?(?P<name>[A-Za-z0-9_]+?)(?:NoFrameskip|Deterministic)?(?:-v\d+)?$")


def _key(name: str) -> str:
    return name.replace("_", "").lower()


@functools.cache
def _rom_ids() -> dict[str, str]:
    from ale_py import roms
    return {_key(rom): rom for rom in roms.get_all_rom_ids()}


def known_games() -> list[str]:
    """Every game ale-py ships, by its ROM id (``space_invaders``)."""
    return sorted(_rom_ids().values())


def resolve_game(game: str) -> str:
    """``"ALE/Pong-v5"``, ``"Pong"``, ``"pong"``, ``"SpaceInvaders"`` -> the ROM id (``"pong"``).

    Only the game's name is taken from a gymnasium id: the protocol is always this module's.
    Unknown names raise a one-line ``WorldModelsError`` with the closest known names.
    """
    match = _GAME_ID.match(game.strip())
    rom = _rom_ids().get(_key(match.group("name"))) if match else None
    if rom is None:
        asked = _key(match.group("name") if match else game)
        close = difflib.get_close_matches(asked, list(_rom_ids()), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(_rom_ids()[c] for c in close)}? " if close else ""
        raise WorldModelsError(f"unknown Atari game {game!r}; {hint}({len(_rom_ids())} games are known: "
                               f"atari/env.py --list_games prints them)")
    return rom


def title(rom: str) -> str:
    """``space_invaders`` -> ``SpaceInvaders`` (the gymnasium spelling, for messages)."""
    return "".join(part[:1].upper() + part[1:] for part in rom.split("_"))


@functools.cache
def action_meanings(game: str, full_action_space: bool = False) -> tuple[str, ...]:
    """Names of the actions C chooses from ("NOOP", "FIRE", "RIGHT", ...), in the env's order."""
    rom = resolve_game(game)
    import ale_py
    from ale_py import roms
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)  # no ROM banner on stderr
    ale = ale_py.ALEInterface()
    rom_path = roms.get_rom_path(rom)
    assert rom_path is not None, f"ale-py has no valid ROM for {rom!r}"  # resolve_game checked the name
    ale.loadROM(rom_path)
    actions = ale.getLegalActionSet() if full_action_space else ale.getMinimalActionSet()
    return tuple(a.name for a in actions)


def action_count(game: str, full_action_space: bool = False) -> int:
    """Number of actions C chooses from: 18 for the full set, else the game's minimal set (Pong 6)."""
    return len(action_meanings(game, full_action_space))


_BUTTONS = re.compile("UP|DOWN|LEFT|RIGHT|FIRE")


def action_for_buttons(meanings: tuple[str, ...] | list[str], buttons: set[str]) -> int:
    """The action that presses exactly ``buttons`` (of UP, DOWN, LEFT, RIGHT, FIRE), for keyboard play.

    Buttons the game has no action for are dropped one by one (FIRE first); nothing left is NOOP.
    """
    pressed = {b for b in buttons if b in ("UP", "DOWN", "LEFT", "RIGHT", "FIRE")}
    table = {frozenset(_BUTTONS.findall(m)): i for i, m in enumerate(meanings)}
    for drop in ((), ("FIRE",), ("UP", "DOWN"), ("LEFT", "RIGHT"), ("UP", "DOWN", "FIRE"), ("LEFT", "RIGHT", "FIRE")):
        key = frozenset(pressed - set(drop))
        if key in table:
            return table[key]
    return table.get(frozenset(), 0)


@dataclass(frozen=True)
class AtariConfig:
    """One game under the protocol; every default is Machado et al. 2018's or V's input size."""

    game: str = "Pong"
    """ROM id or gymnasium id ("pong", "Pong", "ALE/Pong-v5")."""
    repeat_action_probability: float = STICKY_ACTION_PROBABILITY
    frame_skip: int = FRAME_SKIP
    max_frames: int = MAX_EPISODE_FRAMES
    """Truncate an episode after this many emulator frames (the ALE counts them)."""
    full_action_space: bool = False
    """True: all 18 joystick actions; False: the game's minimal set (smaller C and M)."""
    grayscale: bool = True
    """True: (64, 64, 1) luminance; False: (64, 64, 3) RGB."""
    obs_size: int = OBS_SIZE
    """Side of the square observation [World Models paper: 64x64]."""
    noop_max: int = 0
    """Random no-ops at reset: 0, as sticky actions replace them [Machado et al. 2018]."""
    dilate: int = 1
    """Before the resize, each screen pixel takes the brightest value within ``dilate`` x ``dilate``
    (odd; 1: off), so that an object smaller than one cell of the 64x64 frame (2.5 x 3.3 screen
    pixels) keeps its full brightness there: Pong's ball is 2 x 4 screen pixels, a faint smear after
    the area resize (atari/EXPERIMENTS.md). Bright objects grow by (dilate - 1) / 2 pixels on each side."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.repeat_action_probability < 1.0:
            raise WorldModelsError(f"repeat_action_probability must be in [0, 1), got {self.repeat_action_probability}")
        if self.frame_skip < 1:
            raise WorldModelsError(f"frame_skip must be >= 1, got {self.frame_skip}")
        if self.max_frames < self.frame_skip:
            raise WorldModelsError(f"max_frames must be >= frame_skip ({self.frame_skip}), got {self.max_frames}")
        if self.noop_max < 0:
            raise WorldModelsError(f"noop_max must be >= 0, got {self.noop_max}")
        if self.dilate < 1 or self.dilate % 2 == 0:
            raise WorldModelsError(f"dilate must be an odd number >= 1 (1: off), got {self.dilate}")
        resolve_game(self.game)  # one clear line for an unknown game, before any ROM is loaded

    @property
    def rom(self) -> str:
        return resolve_game(self.game)

    @property
    def max_steps(self) -> int:
        """The cap in agent steps: 18,000 frames / 4 = 4,500."""
        return self.max_frames // self.frame_skip

    @property
    def channels(self) -> int:
        return 1 if self.grayscale else 3


def make(game: str = "Pong", render_mode: str | None = None, max_steps: int | None = None,
         **config: Any) -> gym.Env:
    """Registry factory: ``make_env("atari", game="Breakout", max_steps=100)``.

    Keywords are ``AtariConfig`` fields; ``max_steps`` (agent steps) sets ``max_frames`` to
    ``max_steps * frame_skip``. Returns gymnasium's ``AtariPreprocessing`` over ``StickyActions``
    over ale-py's ``AtariEnv`` with emulator frame skip 1 (so stickiness applies at every frame),
    built by ``gymnasium.make`` of ``WorldModels/Atari-v0`` without the env checker.
    """
    from worldmodels.envs.registration import ATARI, make_registered

    return make_registered(ATARI, game=game, render_mode=render_mode, max_steps=max_steps, **config)


def make_from_config(cfg: AtariConfig, render_mode: str | None = None) -> gym.Env:
    """``make`` of a whole ``AtariConfig`` (the atari scripts' way)."""
    return make(render_mode=render_mode, **asdict(cfg))


def build(game: str = "Pong", render_mode: str | None = None, max_steps: int | None = None,
          **config: Any) -> gym.Env:
    """``WorldModels/Atari-v0``'s entry point; keywords as ``make``'s."""
    try:
        cfg = replace(AtariConfig(game=game), **config)
    except TypeError as err:
        raise WorldModelsError(f"bad Atari option ({err}); fields: {list(AtariConfig.__dataclass_fields__)}") from err
    if max_steps is not None:
        if max_steps < 1:
            raise WorldModelsError(f"max_steps must be >= 1, got {max_steps}")
        cfg = replace(cfg, max_frames=max_steps * cfg.frame_skip)
    return _build(cfg, render_mode=render_mode)


def _build(cfg: AtariConfig, render_mode: str | None = None) -> gym.Env:
    import ale_py
    from ale_py.env import AtariEnv
    from gymnasium.wrappers import AtariPreprocessing

    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)  # no ROM banner on stderr

    if render_mode not in (None, "rgb_array", "human"):
        raise WorldModelsError(f"render_mode must be None, 'rgb_array' or 'human', got {render_mode!r}")
    base = AtariEnv(
        game=cfg.rom,
        obs_type="grayscale" if cfg.grayscale else "rgb",  # the wrapper reads the screen itself
        frameskip=1,  # AtariPreprocessing skips (and max-pools); StickyActions acts per frame
        repeat_action_probability=0.0,  # StickyActions draws them, from the episode's seed
        full_action_space=cfg.full_action_space,
        max_num_frames_per_episode=cfg.max_frames,
        render_mode=cast(Literal["human", "rgb_array"] | None, render_mode),  # checked above
    )
    sticky = StickyActions(base, cfg.repeat_action_probability)
    screen = base.observation_space.shape
    assert screen is not None  # ale-py's Box: (210, 160) or (210, 160, 3)
    screen_h, screen_w = screen[:2]
    # dilated frames are resized by Dilate, after the dilation: the wrapper below keeps the screen's size
    size = cfg.obs_size if cfg.dilate == 1 else (screen_w, screen_h)
    env: gym.Env = AtariPreprocessing(sticky, noop_max=cfg.noop_max, frame_skip=cfg.frame_skip, screen_size=size,
                                      terminal_on_life_loss=False, grayscale_obs=cfg.grayscale,
                                      grayscale_newaxis=True, scale_obs=False)
    return env if cfg.dilate == 1 else Dilate(env, cfg.dilate, cfg.obs_size)


class Dilate(gym.ObservationWrapper):
    """``AtariConfig.dilate``: a k x k maximum filter over the pooled screen, then the area resize
    to ``size`` x ``size`` that AtariPreprocessing does otherwise (cv2 INTER_AREA)."""

    def __init__(self, env: gym.Env, k: int, size: int):
        super().__init__(env)
        self.kernel = np.ones((k, k), np.uint8)
        self.size = size
        shape = env.observation_space.shape
        assert shape is not None  # AtariPreprocessing's Box (210, 160, channels)
        channels = shape[-1]
        self.observation_space = gym.spaces.Box(0, 255, (size, size, channels), np.uint8)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        import cv2
        frame = cv2.resize(cv2.dilate(observation, self.kernel), (self.size, self.size), interpolation=cv2.INTER_AREA)
        return frame.reshape(self.observation_space.shape)  # cv2 drops a single channel's axis


STICKY_STREAM = 2
"""An episode of seed s draws its sticky actions from ``np.random.default_rng([s, STICKY_STREAM])``."""


class StickyActions(gym.Wrapper):
    """Sticky actions [Machado et al. 2018] drawn in Python, so that a seeded reset is cheap.

    At every emulator frame the previous frame's action is repeated with probability ``p``, else
    the new one is taken; after a reset the previous action is NOOP (index 0), as the ALE does
    [ALE StellaEnvironment::act, reset]. ale-py does the same in C++, but re-seeding its generator
    means reloading the ROM on every ``reset(seed=...)`` (measured: 87 ms a reset, ~20 % of the time
    of a 500-step Pong episode; issue #24). Here the ROM is loaded once (the ALE itself runs with
    probability 0, which is deterministic given the actions) and ``reset(seed=s)`` only seeds this
    wrapper's generator with [s, STICKY_STREAM] and resets the game: an episode still depends on its
    seed alone (tests/envs/test_atari.py checks it).
    """

    def __init__(self, env: gym.Env, p: float):
        super().__init__(env)
        self.p = float(p)
        self.rng = np.random.default_rng()
        self.previous = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self.rng = np.random.default_rng([seed, STICKY_STREAM])
            gym.Env.reset(self.unwrapped, seed=seed)  # its np_random, as gymnasium expects (unused here)
        self.previous = 0
        obs, info = self.env.reset(options=options)  # the ROM stays loaded: ale.reset_game() only
        return obs, self._episode_info(info)

    def step(self, action: Any):
        if self.p == 0.0 or self.rng.random() >= self.p:
            self.previous = action
        obs, reward, terminated, truncated, info = self.env.step(self.previous)
        return obs, reward, terminated, truncated, self._episode_info(info)

    @staticmethod
    def _episode_info(info: dict[str, Any]) -> dict[str, Any]:
        """ale-py's info without ``frame_number`` (frames since the ROM was loaded, which is now once
        per env, not once per seeded episode): what is left depends on the episode alone."""
        info.pop("frame_number", None)
        return info


def one_hot(action: int, n_actions: int) -> np.ndarray:
    """Action index -> float32 one-hot (n_actions,), what M is fed."""
    assert 0 <= action < n_actions, (action, n_actions)
    out = np.zeros(n_actions, np.float32)
    out[action] = 1.0
    return out


def action_to_env(a: np.ndarray) -> int:
    """A recorded (one-hot) action -> the game's action index (argmax)."""
    arr = np.asarray(a).reshape(-1)
    assert arr.size > 0, np.shape(a)
    return int(np.argmax(arr))


class RandomHoldPolicy:
    """Extraction policy: a uniformly random action held for a uniform 1..max_hold steps.

    Returns the one-hot action. ``max_hold = 1`` is the uniformly random agent of the ALE
    literature [Machado et al. 2018]; longer holds move a paddle or a ship across the screen.
    """

    def __init__(self, rng: np.random.Generator, n_actions: int, max_hold: int = 4):
        assert n_actions >= 1 and max_hold >= 1, (n_actions, max_hold)
        self.n_actions, self.max_hold = n_actions, max_hold
        self.reset(rng)

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.action = 0
        self.left = 0  # steps the current action is still held

    def __call__(self, obs: np.ndarray | None) -> np.ndarray:
        if self.left == 0:
            self.action = int(self.rng.integers(self.n_actions))
            self.left = int(self.rng.integers(1, self.max_hold + 1))
        self.left -= 1
        return one_hot(self.action, self.n_actions)
