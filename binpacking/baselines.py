"""Score the classic online bin packing heuristics on the benchmark's distributions.

    python baselines.py                          # 100 episodes x 3 distributions (capacity 9)
    python baselines.py --episodes 10 --distributions perfect_pack_large linear_waste_large
    python baselines.py --markdown               # the table as in README.md

Policies: Best Fit (the fullest open bag the item fits in, else a new bag), Sum-of-Squares
[Csirik et al. 2006] (the valid action leaving the smallest sum of squared bag counts per level)
and random-valid play (a uniform valid action). Each is scored by the episode's total reward,
minus the wasted space; the table shows mean +- std over the episodes (population std).

Seeds: episode k draws its items from ``np.random.default_rng(seed + k)``, the same items for
every policy (so they are compared on identical sequences) and the same items as episode k of
``model.py binpacking norender ... seed`` (``BinPackingEnv.reset(seed=seed + k)``, gymnasium's
seeding), so the trained agent is scored on them too; random-valid play draws its choices from
``default_rng([seed + k, 1])``. Plain Python on the raw state: no images, no gymnasium.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.envs.binpacking import (  # noqa: E402
    SMALL,
    Bins,
    ItemDistribution,
    best_fit,
    parse_distribution,
    random_valid,
    sum_of_squares,
)
from worldmodels.fileio import cli_main  # noqa: E402

logger = logging.getLogger(__name__)

Policy = Callable[[Sequence[int], np.random.Generator], int]
POLICIES: dict[str, Policy] = {
    "best_fit": lambda state, rng: best_fit(state),
    "sum_of_squares": lambda state, rng: sum_of_squares(state),
    "random_valid": random_valid,
}


def play(dist: ItemDistribution, policy: Policy, seed: int, episode: int) -> float:
    """Total reward of one episode (= minus the waste: a heuristic never takes an invalid action)."""
    bins = Bins(dist)
    bins.reset(np.random.default_rng(seed + episode))  # = BinPackingEnv.reset(seed=seed + episode)
    rng = np.random.default_rng([seed + episode, 1])
    total = 0.0
    while not bins.done:
        reward, _, invalid, _ = bins.step(policy(bins.state, rng))
        assert not invalid, (bins.state, episode)
        total += reward
    assert total == -bins.waste, (total, bins.waste)
    return total


def score(dist: ItemDistribution, policy: Policy, seed: int, episodes: int) -> np.ndarray:
    return np.array([play(dist, policy, seed, k) for k in range(episodes)])


def table(results: dict[str, dict[str, np.ndarray]], markdown: bool) -> str:
    policies = list(next(iter(results.values())))
    rows = [["distribution"] + policies]
    for dist, by_policy in results.items():
        rows.append([dist] + [f"{r.mean():.1f} +- {r.std():.1f}" for r in by_policy.values()])
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)


def main(argv: list[str] | None = None) -> dict[str, dict[str, np.ndarray]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distributions", nargs="+", default=list(SMALL),
                        help="names or C:s1,s2:p1,p2 specs (default: the three capacity-9 ones)")
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    parser.add_argument("--episodes", type=int_in(1), default=100)
    parser.add_argument("--items", type=int_in(1), default=None, help="items per episode (default: the distribution's)")
    parser.add_argument("--seed", type=SEED, default=0)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    dists = [d for spec in args.distributions for d in parse_distribution(spec, args.items)]
    start = time.time()
    results = {d.name: {p: score(d, POLICIES[p], args.seed, args.episodes) for p in args.policies} for d in dists}
    print(f"total reward (= -waste), mean +- std over {args.episodes} episodes, seed {args.seed}; "
          f"items per episode: {', '.join(f'{d.name} {d.items}' for d in dists)}")
    print(table(results, args.markdown))
    logger.info("(%.1f s)", time.time() - start)
    return results


if __name__ == "__main__":
    cli_main(main)
