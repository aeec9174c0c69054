"""Online stochastic bin packing (awslabs/or-rl-benchmarks) as a ``gymnasium.Env`` V can see.

The rules (items, bags, rewards, invalid actions) are ``worldmodels.envs.binpacking_rules``,
re-exported here. The observation is V's 64x64x3 uint8 picture of the state (``render_state``):

* rows 0..6, the item band: red (255, 64, 64) from the left edge, width round(64 * s / s_max)
  pixels (s_max = the largest size of the configured distributions; for sizes {2, 3}: 43 or 64).
* row 7: black.
* rows 8..63, the bar chart of open bags per level 1..C-1, left to right, bars growing up from
  the bottom row. Level k's bar is round(H * log(1 + n_k) / log(1 + count_scale)) pixels high
  (at least 1 when n_k > 0, capped at H), log-scaled so 1 bag and 1000 bags both show. Bars of
  levels the current item fits (k + s <= C) are green (64, 255, 64), the others blue
  (64, 96, 255). C = 9: one panel of 8 bars, 8 pixels apart (7 wide + a 1-pixel gap), H = 56.
  When more than 64 levels must fit (C = 100) they are split into stacked panels of
  ceil((C - 1) / panels) levels each (C = 100: 2 panels of 50 one-pixel bars, H = 28 each).

The raw state is in ``info["state"]`` (int64, length C + 1, the benchmark's layout:
``state[k]`` = open bags at level k, ``state[C]`` = item size), with ``info["waste"]``,
``info["items_left"]``, ``info["distribution"]`` and ``info["invalid"]``.

The heuristics (``best_fit``, ``sum_of_squares``, ``random_valid``) work on that raw state in
plain Python, and ``Bins`` runs an episode without any image, so baselines are fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import gymnasium as gym
import numpy as np

from worldmodels.envs.base import OBS_SIZE
from worldmodels.envs.binpacking_rules import (  # noqa: F401  (re-exported: the public module)
    BIG_NEG_REWARD,
    DISTRIBUTIONS,
    NEW_BAG,
    SMALL,
    Bins,
    ItemDistribution,
    best_fit,
    parse_distribution,
    random_valid,
    sum_of_squares,
    sum_of_squares_cost,
    valid_mask,
)
from worldmodels.fileio import WorldModelsError

ITEM_BAND_ROWS = 7
"""Rows 0..6 of the image hold the item band, row 7 is a black separator."""
CHART_TOP = ITEM_BAND_ROWS + 1
ITEM_COLOUR = (255, 64, 64)
FITS_COLOUR = (64, 255, 64)
NO_FIT_COLOUR = (64, 96, 255)


# ----------------------------------------------------------------------------- the picture


@dataclass(frozen=True)
class _Layout:
    """Where each level's bar goes: panels of levels stacked below the item band."""

    capacity: int
    max_item: int
    count_scale: int
    size: int = OBS_SIZE

    @property
    def levels(self) -> int:
        return self.capacity - 1

    @property
    def panels(self) -> int:
        return max(1, math.ceil(self.levels / self.size))

    @property
    def per_panel(self) -> int:
        return math.ceil(self.levels / self.panels)

    @property
    def panel_height(self) -> int:
        return (self.size - CHART_TOP) // self.panels

    def bar(self, level: int) -> tuple[int, int, int]:
        """(bottom row + 1, first column, last column + 1) of ``level``'s bar."""
        i = level - 1
        panel, slot = divmod(i, self.per_panel)
        width = self.size // self.per_panel
        bottom = CHART_TOP + (panel + 1) * self.panel_height
        x0 = slot * width
        return bottom, x0, x0 + max(1, width - 1 if width > 2 else width)

    def height(self, count: int) -> int:
        if count <= 0:
            return 0
        h = round(self.panel_height * math.log1p(count) / math.log1p(self.count_scale))
        return min(self.panel_height, max(1, h))


def render_state(state: Sequence[int], max_item: int, count_scale: int = 1000) -> np.ndarray:
    """The (64, 64, 3) uint8 picture of a raw state (see the module docstring for the encoding)."""
    c, s = len(state) - 1, int(state[-1])
    assert c >= 2 and 1 <= s <= max_item, (c, s, max_item)
    layout = _Layout(c, max_item, count_scale)
    img = np.zeros((layout.size, layout.size, 3), np.uint8)
    img[:ITEM_BAND_ROWS, : round(layout.size * s / max_item)] = ITEM_COLOUR
    for k in range(1, c):
        h = layout.height(int(state[k]))
        if h:
            bottom, x0, x1 = layout.bar(k)
            img[bottom - h:bottom, x0:x1] = FITS_COLOUR if k + s <= c else NO_FIT_COLOUR
    return img


# ----------------------------------------------------------------------------- the environment


class BinPackingEnv(gym.Env):
    """The benchmark as a gymnasium env; obs is V's 64x64x3 picture, ``info["state"]`` the raw state."""

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, distribution: str | Sequence[ItemDistribution] = "linear_waste", items: int | None = None,
                 action_mask: bool = True, count_scale: int = 1000, render_mode: str | None = None):
        """``distribution``: see ``parse_distribution``; ``items``: items per episode (default: the
        distribution's); ``action_mask``: the benchmark's action-mask variant (else invalid actions
        end the episode); ``count_scale``: bag count drawn at full bar height (1000: the items of a
        default episode, so a bar never clips there)."""
        if isinstance(distribution, str):
            self.distributions = parse_distribution(distribution, items)
        else:
            self.distributions = tuple(d if items is None else replace(d, items=items) for d in distribution)
            if not self.distributions or len({d.capacity for d in self.distributions}) != 1:
                raise WorldModelsError(f"need distributions of one capacity, got {list(self.distributions)}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise WorldModelsError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if count_scale < 1:
            raise WorldModelsError(f"count_scale must be >= 1, got {count_scale}")
        self.render_mode = render_mode
        self.mask_invalid = bool(action_mask)
        self.count_scale = count_scale
        self.capacity = self.distributions[0].capacity
        self.max_item = max(max(d.sizes) for d in self.distributions)
        self.observation_space = gym.spaces.Box(0, 255, (OBS_SIZE, OBS_SIZE, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(self.capacity)
        self._bins = Bins(self.distributions[0])
        self._bins.done = True

    @property
    def state(self) -> np.ndarray:
        """Raw state (int64, C + 1): open bags at levels 0..C-1, then the item size."""
        return np.asarray(self._bins.state, np.int64)

    @property
    def bins(self) -> Bins:
        return self._bins

    def _obs(self) -> np.ndarray:
        return render_state(self._bins.state, self.max_item, self.count_scale)

    def _info(self, invalid: bool = False) -> dict[str, Any]:
        b = self._bins
        return {"state": self.state, "action_mask": valid_mask(b.state), "waste": b.waste,
                "items_left": len(b.items) - b.t, "distribution": b.dist.name, "invalid": invalid}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        k = int(self.np_random.integers(len(self.distributions))) if len(self.distributions) > 1 else 0
        self._bins = Bins(self.distributions[k])
        self._bins.reset(self.np_random)
        return self._obs(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self._bins.done:
            raise WorldModelsError("BinPackingEnv.step() after the episode ended; call reset() first")
        a = int(action)
        reward, terminated, invalid, executed = self._bins.step(a, "nearest" if self.mask_invalid else "end")
        info = self._info(invalid)
        info["action"] = executed
        return self._obs(), reward, terminated, False, info

    def render(self) -> np.ndarray | None:
        if self.render_mode == "rgb_array":
            return self._obs()
        return None


def make(render_mode: str | None = None, **options: Any) -> BinPackingEnv:
    """Registry factory: ``make_env("binpacking", distribution="bounded_waste", items=100)``. Built by
    ``gymnasium.make`` of ``WorldModels/BinPacking-v0`` without the env checker: the env itself, with its ``spec``."""
    from worldmodels.envs.registration import BINPACKING, make_registered

    return cast(BinPackingEnv, make_registered(BINPACKING, render_mode=render_mode, **options))


def build(render_mode: str | None = None, **options: Any) -> BinPackingEnv:
    """``WorldModels/BinPacking-v0``'s entry point; keywords are ``BinPackingEnv``'s."""
    try:
        return BinPackingEnv(render_mode=render_mode, **options)
    except TypeError as err:
        raise WorldModelsError(f"bad bin packing option ({err}); options: distribution, items, action_mask, "
                               f"count_scale") from err


def action_mask(info: dict) -> np.ndarray:
    """``info`` -> boolean mask of valid actions (for ``worldmodels.rollout.Agent.action_mask``)."""
    mask = info.get("action_mask")
    if mask is None:
        raise WorldModelsError(f"info has no action_mask (keys {sorted(info)}); is this the bin packing env?")
    return np.asarray(mask, bool)


def action_to_env(a: np.ndarray) -> int:
    """A recorded one-hot action (C,) -> the env's action index."""
    arr = np.asarray(a).reshape(-1)
    assert arr.size >= 2, f"bin packing records one-hot actions, got shape {np.shape(a)}"
    return int(np.argmax(arr))


def describe(state: Sequence[int]) -> str:
    """A few lines of text for a person: bags per level, the item, the valid actions."""
    c, s = len(state) - 1, int(state[-1])
    levels = "  ".join(f"{k}:{state[k]}" for k in range(1, c) if state[k] > 0) or "none"
    valid = [int(k) for k in np.flatnonzero(valid_mask(state))]
    return (f"open bags by level (level:count): {levels}\n"
            f"item size {s} (capacity {c}); valid actions: {valid} (0 = new bag, k = bag at level k)")


# ----------------------------------------------------------------------------- extraction policy


EXTRACTION_MIX: tuple[tuple[str, float], ...] = (
    ("random_valid", 0.2),
    ("best_fit", 0.2),
    ("sum_of_squares", 0.2),
    ("noisy_best_fit", 0.2),
    ("noisy_sum_of_squares", 0.2),
)
"""Per-episode policy of the extraction and its probability. Random-valid play fills many levels
(big counts, wasteful states), the heuristics show the good states C should reach, and the noisy
heuristics (a random valid action with probability eps ~ U(0.05, 0.5), drawn per episode) show the
states in between and the effect of single bad moves. Our choice: V and M must see good and bad
states, and the heuristics' states are where a trained C will be."""

NOISE_RANGE = (0.05, 0.5)
"""eps of the noisy heuristics, drawn uniformly per episode (our choice)."""

_HEURISTICS: dict[str, Callable[[Sequence[int]], int]] = {"best_fit": best_fit, "sum_of_squares": sum_of_squares}


class ExtractionPolicy:
    """The extraction mix (``EXTRACTION_MIX``); reads the raw state through ``state_fn``.

    Returns the one-hot action (C,) float32 that is recorded and fed to M; only valid actions.
    """

    def __init__(self, state_fn: Callable[[], Sequence[int]], capacity: int):
        self.state_fn, self.capacity = state_fn, capacity
        self.mode, self.eps = "random_valid", 0.0
        self.rng = np.random.default_rng(0)

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        names, probs = zip(*EXTRACTION_MIX)
        self.mode = names[int(rng.choice(len(names), p=np.asarray(probs) / sum(probs)))]
        self.eps = float(rng.uniform(*NOISE_RANGE)) if self.mode.startswith("noisy") else 0.0

    def choose(self, state: Sequence[int]) -> int:
        if self.mode == "random_valid" or (self.eps and self.rng.random() < self.eps):
            return random_valid(state, self.rng)
        return _HEURISTICS[self.mode.removeprefix("noisy_")](state)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        one_hot = np.zeros(self.capacity, np.float32)
        one_hot[self.choose(self.state_fn())] = 1.0
        return one_hot
