"""Online stochastic bin packing's rules: item distributions, the simulator and the heuristics.

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

The environment (``BinPackingEnv``), its picture and the extraction policy are in
``worldmodels.envs.binpacking``, which re-exports everything here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from worldmodels.fileio import WorldModelsError

BIG_NEG_REWARD = -100.0
"""Invalid-action penalty [awslabs/or-rl-benchmarks bin_packing_environment.py: BIG_NEG_REWARD = -100]."""

NEW_BAG = 0
"""Action 0 opens a new bag [awslabs/or-rl-benchmarks]."""

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
