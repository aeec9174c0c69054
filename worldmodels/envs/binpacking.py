"""Online stochastic bin packing (awslabs/or-rl-benchmarks) as a ``gymnasium.Env`` V can see.

The problem [awslabs/or-rl-benchmarks, "Bin Packing/src/bin_packing_environment.py"; Balaji et
al. 2019, "ORL: Reinforcement Learning Benchmarks for Online Stochastic Optimization Problems",
arXiv 1911.10641]: items of random integer size s arrive one at a time; each must go into a bag
of capacity C at once. The benchmark's state is the number of open bags at each fill level
0..C-1 (level 0 is always empty: a bag is opened with an item in it; a bag that reaches C is full
and leaves the state) followed by the current item's size. Actions (``Discrete(C)``):

* 0 opens a new bag for the item: reward -(C - s), the empty space it adds;
* k >= 1 puts the item into an open bag at level k: reward +s, the empty space it fills.

So an episode's rewards sum to minus the wasted space: the empty space left in every bag opened,
full or not (see ``Bins.waste``). An invalid action (no open bag at level k, or k + s > C):

* ``action_mask=False`` (the benchmark's ``BinPackingGymEnvironment``): reward
  -100 - w, where w is the previous step's waste increment (C - s' after opening a bag, -s'
  after filling one, 0 at the start) exactly as the benchmark computes ``BIG_NEG_REWARD -
  self.waste``; the episode ends.
* ``action_mask=True`` (the benchmark's ``BinPackingActionMaskGymEnvironment``): a masked agent
  never sends one; if one is sent anyway it is replaced by the nearest valid level, as the
  benchmark's ``BinPackingNearActionGymEnvironment`` does (ties to the lower level; a new bag only
  when no open bag fits). ``info["action_mask"]`` (both variants) says which actions are valid;
  ``action_mask(info)`` is the function for ``worldmodels.rollout.Agent.action_mask``.

The observation is V's 64x64x3 uint8 picture of the state (``render_state``):

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
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np

from worldmodels.envs.base import OBS_SIZE
from worldmodels.fileio import WorldModelsError

BIG_NEG_REWARD = -100.0
"""Invalid-action penalty [awslabs/or-rl-benchmarks bin_packing_environment.py: BIG_NEG_REWARD = -100]."""

NEW_BAG = 0
"""Action 0 opens a new bag [awslabs/or-rl-benchmarks]."""

ITEM_BAND_ROWS = 7
"""Rows 0..6 of the image hold the item band, row 7 is a black separator."""
CHART_TOP = ITEM_BAND_ROWS + 1
ITEM_COLOUR = (255, 64, 64)
FITS_COLOUR = (64, 255, 64)
NO_FIT_COLOUR = (64, 96, 255)


# ----------------------------------------------------------------------------- distributions


@dataclass(frozen=True)
class ItemDistribution:
    """Bag capacity, item sizes and their probabilities, and items per episode."""

    name: str
    capacity: int
    sizes: tuple[int, ...]
    probabilities: tuple[float, ...]
    items: int
    """Items per episode (the benchmark's ``time_horizon``)."""

    def __post_init__(self) -> None:
        if self.capacity < 2:
            raise WorldModelsError(f"distribution {self.name!r}: capacity must be >= 2, got {self.capacity}")
        if not self.sizes or len(self.sizes) != len(self.probabilities):
            raise WorldModelsError(f"distribution {self.name!r}: {len(self.sizes)} sizes {list(self.sizes)} but "
                                   f"{len(self.probabilities)} probabilities {list(self.probabilities)}")
        bad = [s for s in self.sizes if not 1 <= s <= self.capacity]
        if bad:
            raise WorldModelsError(f"distribution {self.name!r}: item sizes {bad} are outside 1..{self.capacity} "
                                   f"(the bag capacity)")
        if len(set(self.sizes)) != len(self.sizes):
            raise WorldModelsError(f"distribution {self.name!r}: repeated item sizes {list(self.sizes)}")
        if any(not math.isfinite(p) or p < 0 for p in self.probabilities):
            raise WorldModelsError(f"distribution {self.name!r}: probabilities must be >= 0, "
                                   f"got {list(self.probabilities)}")
        total = math.fsum(self.probabilities)
        if abs(total - 1.0) > 1e-6:
            raise WorldModelsError(f"distribution {self.name!r}: probabilities {list(self.probabilities)} sum to "
                                   f"{total:g}, not 1")
        if self.items < 1:
            raise WorldModelsError(f"distribution {self.name!r}: items per episode must be >= 1, got {self.items}")

    @property
    def p(self) -> np.ndarray:
        """Probabilities renormalised in float64 (they sum to 1 within 1e-6)."""
        p = np.asarray(self.probabilities, np.float64)
        return p / p.sum()


def _large(name: str, probabilities: tuple[float, ...]) -> ItemDistribution:
    # capacity 100, sizes 1..9, 10000 items: the benchmark's larger setting [awslabs/or-rl-benchmarks
    # bin_packing_environment.py __main__, baseline_best_fit.py, baseline_sum_of_squares.py]
    return ItemDistribution(name, 100, tuple(range(1, 10)), probabilities, 10_000)


DISTRIBUTIONS: dict[str, ItemDistribution] = {
    d.name: d for d in (
        # capacity 9, sizes {2, 3}, 1000 items [awslabs/or-rl-benchmarks bin_packing_environment.py
        # config_defaults: bag_capacity 9, item_sizes [2, 3], time_horizon 1000, and its comments]
        ItemDistribution("perfect_pack", 9, (2, 3), (0.75, 0.25), 1000),
        ItemDistribution("bounded_waste", 9, (2, 3), (0.5, 0.5), 1000),
        ItemDistribution("linear_waste", 9, (2, 3), (0.8, 0.2), 1000),
        # [awslabs/or-rl-benchmarks baseline_*.py comments: perfect pack, bounded waste, linear waste]
        _large("perfect_pack_large", (0.06, 0.11, 0.11, 0.22, 0.0, 0.11, 0.06, 0.0, 0.33)),
        _large("bounded_waste_large", (0.14, 0.10, 0.06, 0.13, 0.11, 0.13, 0.03, 0.11, 0.19)),
        _large("linear_waste_large", (0.0, 0.0, 0.0, 1 / 3, 0.0, 0.0, 0.0, 0.0, 2 / 3)),
    )
}
"""The benchmark's item distributions by name."""

SMALL = ("perfect_pack", "bounded_waste", "linear_waste")
"""The three capacity-9 distributions of the World Models experiment ("all")."""


def _numbers(text: str, kind: type, what: str, spec: str) -> tuple:
    try:
        return tuple(kind(x) for x in text.split(",") if x.strip())
    except ValueError as err:
        raise WorldModelsError(f"distribution {spec!r}: bad {what} ({err})") from err


def parse_distribution(spec: str, items: int | None = None) -> tuple[ItemDistribution, ...]:
    """Distributions from a command-line value; ``items`` overrides every one's items per episode.

    * a name of ``DISTRIBUTIONS`` (``linear_waste``, ``bounded_waste_large``, ...);
    * ``all``: the three capacity-9 ones;
    * a custom one, ``C:s1,s2,...:p1,p2,...`` (e.g. ``9:2,3:0.5,0.5``), 1000 items;
    * several joined by ``+`` (``perfect_pack+linear_waste``): each episode draws one uniformly.
      They must share the capacity (it fixes the action space).
    """
    parts = [p.strip() for p in spec.split("+") if p.strip()]
    if not parts:
        raise WorldModelsError(f"empty distribution {spec!r}; known: all, {', '.join(DISTRIBUTIONS)}")
    out: list[ItemDistribution] = []
    for part in parts:
        if part == "all":
            out.extend(DISTRIBUTIONS[n] for n in SMALL)
        elif part in DISTRIBUTIONS:
            out.append(DISTRIBUTIONS[part])
        elif part.count(":") == 2:
            cap, sizes, probs = part.split(":")
            try:
                capacity = int(cap)
            except ValueError as err:
                raise WorldModelsError(f"distribution {part!r}: bad capacity {cap!r}") from err
            out.append(ItemDistribution(part, capacity, _numbers(sizes, int, "sizes", part),
                                        _numbers(probs, float, "probabilities", part), 1000))
        else:
            raise WorldModelsError(f"unknown distribution {part!r}; known: all, {', '.join(DISTRIBUTIONS)}, "
                                   f"or a custom C:s1,s2:p1,p2 such as 9:2,3:0.5,0.5")
    if items is not None:
        if items < 1:
            raise WorldModelsError(f"items per episode must be >= 1, got {items}")
        out = [replace(d, items=items) for d in out]
    capacities = sorted({d.capacity for d in out})
    if len(capacities) > 1:
        raise WorldModelsError(f"distributions {spec!r} mix bag capacities {capacities}; "
                               f"one environment needs one capacity")
    return tuple(out)


# ----------------------------------------------------------------------------- the simulator


class Bins:
    """One episode of bin packing in plain Python (no image): what the env and baselines step.

    ``counts[k]`` = open bags at level k (0..C-1; counts[0] stays 0), ``item`` = current size.
    """

    def __init__(self, distribution: ItemDistribution):
        self.dist = distribution
        self.capacity = distribution.capacity
        self.items: list[int] = []
        self.reset(np.random.default_rng(0))

    def reset(self, rng: np.random.Generator) -> None:
        d = self.dist
        # all items drawn at once (i.i.d. like the benchmark's per-step np.random.choice)
        self.items = np.asarray(d.sizes)[rng.choice(len(d.sizes), size=d.items, p=d.p)].tolist()
        self.t = 0
        self.counts = [0] * self.capacity
        self.full = 0
        self.waste = 0  # empty space in all bags opened so far: -(sum of rewards) while valid
        self.last_waste = 0  # the benchmark's self.waste: the last step's waste increment
        self.done = False

    @property
    def item(self) -> int:
        """Current item (the last one again once the episode is over)."""
        return self.items[min(self.t, len(self.items) - 1)]

    @property
    def state(self) -> list[int]:
        """The benchmark's state: counts at levels 0..C-1, then the item size."""
        return self.counts + [self.item]

    def valid(self, action: int) -> bool:
        s = self.item
        if action == NEW_BAG:
            return True
        return 1 <= action <= self.capacity - s and self.counts[action] > 0

    def nearest_valid(self, action: int) -> int:
        """The benchmark's NearAction rule: nearest open level that fits (ties: lower), else a new bag."""
        fits = [k for k in range(1, self.capacity - self.item + 1) if self.counts[k] > 0]
        return min(fits, key=lambda k: abs(k - action)) if fits else NEW_BAG

    def step(self, action: int, on_invalid: Literal["end", "nearest"] = "end") -> tuple[float, bool, bool, int]:
        """Place the item: (reward, terminated, invalid, action executed).

        ``on_invalid``: "end" (penalty, episode over) or "nearest" (the nearest valid action).
        """
        assert on_invalid in ("end", "nearest"), on_invalid
        if self.done:
            raise WorldModelsError("bin packing step() after the episode ended; call reset() first")
        if not 0 <= action < self.capacity:
            raise WorldModelsError(f"action must be in 0..{self.capacity - 1}, got {action}")
        s, c = self.item, self.capacity
        invalid = not self.valid(action)
        if invalid and on_invalid == "end":
            reward = BIG_NEG_REWARD - self.last_waste  # [benchmark: BIG_NEG_REWARD - self.waste]
            self.t += 1
            self.done = True
            return reward, True, True, action
        if invalid:
            action = self.nearest_valid(action)
        if action == NEW_BAG:
            increment = c - s
            if s < c:
                self.counts[s] += 1
            else:
                self.full += 1
        else:
            increment = -s
            self.counts[action] -= 1
            if action + s == c:
                self.full += 1
            else:
                self.counts[action + s] += 1
        self.waste += increment
        self.last_waste = increment
        self.t += 1
        self.done = self.t >= len(self.items)
        return float(-increment), self.done, invalid, action

    @property
    def open_bags(self) -> int:
        return sum(self.counts)


def valid_mask(state: Sequence[int]) -> np.ndarray:
    """Boolean (C,) mask of the valid actions of a raw state (counts 0..C-1 + item)."""
    c, s = len(state) - 1, int(state[-1])
    mask = np.zeros(c, bool)
    mask[NEW_BAG] = True
    for k in range(1, c - s + 1):
        mask[k] = state[k] > 0
    return mask


# ----------------------------------------------------------------------------- heuristics


def best_fit(state: Sequence[int]) -> int:
    """Best Fit: the fullest open bag the item fits in (highest level k <= C - s), else a new bag."""
    c, s = len(state) - 1, int(state[-1])
    for k in range(c - s, 0, -1):
        if state[k] > 0:
            return k
    return NEW_BAG


def sum_of_squares_cost(state: Sequence[int], action: int) -> int:
    """Sum over levels 1..C-1 of (open bags at the level)^2 after taking ``action`` (must be valid).

    [Csirik, Johnson, Kenyon, Orlin, Shor, Weber 2006, "On the Sum-of-Squares algorithm for bin
    packing", J. ACM 53(1)]: N(h) counts bins with gap h; full bins do not count. Gaps and levels
    are the same partition, so the sum over levels is the same number.
    """
    c, s = len(state) - 1, int(state[-1])
    counts = list(state[:c])
    if action != NEW_BAG:
        counts[action] -= 1
    level = action + s
    if level < c:
        counts[level] += 1
    return sum(n * n for n in counts[1:])


def sum_of_squares(state: Sequence[int]) -> int:
    """Sum-of-Squares: the valid action with the smallest sum of squared counts afterwards.

    Ties go to the higher level (the fuller bag), so a new bag is taken only when strictly better.
    The cost changes by 2 (n[k+s] - n[k]) + 2 for an open bag (-2 n[k] + 1 when it fills it,
    2 n[s] + 1 for a new bag), so only those terms are compared.
    """
    c, s = len(state) - 1, int(state[-1])
    best, best_delta = NEW_BAG, (2 * state[s] + 1) if s < c else 0
    for k in range(1, c - s + 1):
        n = state[k]
        if n == 0:
            continue
        delta = 1 - 2 * n if k + s == c else 2 * (state[k + s] - n) + 2
        if delta <= best_delta:
            best, best_delta = k, delta
    return best


def random_valid(state: Sequence[int], rng: np.random.Generator) -> int:
    """A uniformly random valid action."""
    choices = np.flatnonzero(valid_mask(state))
    return int(choices[rng.integers(len(choices))])


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

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 10}

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
    """Registry factory: ``make_env("binpacking", distribution="bounded_waste", items=100)``."""
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
