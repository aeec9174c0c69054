"""BinPackingEnv: the benchmark's rules and rewards, invalid actions, the mask, heuristics, picture."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

from worldmodels.envs import make_env
from worldmodels.envs.binpacking import (
    BIG_NEG_REWARD,
    CHART_TOP,
    DISTRIBUTIONS,
    FITS_COLOUR,
    ITEM_BAND_ROWS,
    ITEM_COLOUR,
    NO_FIT_COLOUR,
    BinPackingEnv,
    Bins,
    ExtractionPolicy,
    action_mask,
    action_to_env,
    best_fit,
    parse_distribution,
    random_valid,
    render_state,
    sum_of_squares,
    sum_of_squares_cost,
    valid_mask,
)
from worldmodels.fileio import WorldModelsError


def state(counts: dict[int, int], item: int, capacity: int = 9) -> list[int]:
    """A raw state: counts per level 0..C-1, then the item size."""
    s = [0] * capacity
    for level, n in counts.items():
        s[level] = n
    return s + [item]


def set_state(env: BinPackingEnv, counts: dict[int, int], item: int) -> None:
    """Put a reset env into a hand-made state (the next item is ``item``)."""
    b = env.bins
    b.counts = state(counts, item, env.capacity)[:-1]
    b.items[b.t] = item


# ----------------------------------------------------------------------------- gymnasium API


def test_registry_and_spaces():
    env = make_env("binpacking", distribution="bounded_waste", items=5)
    assert env.action_space == gym.spaces.Discrete(9)
    obs, info = env.reset(seed=0)
    assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8 and env.observation_space.contains(obs)
    assert info["state"].shape == (10,) and info["state"][-1] in (2, 3) and info["items_left"] == 5
    with pytest.raises(WorldModelsError, match="bad bin packing option"):
        make_env("binpacking", capacity=9)


def test_step_after_end_and_out_of_range_actions_are_errors():
    env = BinPackingEnv("linear_waste", items=1)
    env.reset(seed=0)
    with pytest.raises(WorldModelsError, match="0..8, got 9"):
        env.step(9)
    _, _, terminated, truncated, _ = env.step(0)
    assert terminated and not truncated
    with pytest.raises(WorldModelsError, match="after the episode ended"):
        env.step(0)


# ----------------------------------------------------------------------------- rewards


def test_rewards_of_new_bag_existing_bag_and_full_bag():
    env = BinPackingEnv("bounded_waste", items=10)
    env.reset(seed=0)
    set_state(env, {}, 3)
    _, r, *_ , info = env.step(0)
    assert r == -(9 - 3) and info["state"][3] == 1 and info["waste"] == 6  # -(C - s) for a new bag
    set_state(env, {3: 1}, 2)
    _, r, *_, info = env.step(3)
    assert r == 2 and info["state"][3] == 0 and info["state"][5] == 1 and info["waste"] == 4  # +s
    set_state(env, {6: 1}, 3)
    _, r, *_, info = env.step(6)
    assert r == 3 and info["state"][:9].sum() == 0 and env.bins.full == 1  # a full bag leaves the state


@pytest.mark.parametrize("name", ["perfect_pack", "bounded_waste", "linear_waste", "perfect_pack_large"])
@pytest.mark.parametrize("mask", [True, False])
def test_episode_rewards_sum_to_minus_the_wasted_space(name, mask):
    items = 1000 if DISTRIBUTIONS[name].capacity == 9 else 300
    env = BinPackingEnv(name, items=items, action_mask=mask)
    rng = np.random.default_rng(1)
    _, info = env.reset(seed=3)
    total, steps, terminated = 0.0, 0, False
    while not terminated:
        _, r, terminated, _, info = env.step(random_valid(info["state"], rng))
        total += r
        steps += 1
    b = env.bins
    bags = b.open_bags + b.full
    waste = bags * b.capacity - sum(b.items)  # empty space of every bag opened, full or not
    levels = sum(k * n for k, n in enumerate(b.counts)) + b.full * b.capacity
    assert levels == sum(b.items)  # every item is in a bag
    assert steps == items and total == -waste == -info["waste"]


# ----------------------------------------------------------------------------- invalid actions


def test_invalid_action_without_mask_ends_the_episode_with_the_benchmark_penalty():
    env = BinPackingEnv("bounded_waste", items=10, action_mask=False)
    env.reset(seed=0)
    _, _, terminated, _, info = env.step(4)  # no bag at level 4; last waste increment 0 at the start
    assert terminated and info["invalid"]
    env.reset(seed=0)
    set_state(env, {}, 3)
    _, r, *_ = env.step(0)  # waste increment 6
    set_state(env, {7: 1, 3: 1}, 3)
    before = env.state.copy()
    _, r, terminated, _, info = env.step(7)  # 7 + 3 > 9: does not fit
    assert terminated and info["invalid"] and r == BIG_NEG_REWARD - 6  # [benchmark: -100 - self.waste]
    np.testing.assert_array_equal(info["state"][:9], before[:9])
    env.reset(seed=0)
    set_state(env, {3: 2}, 2)
    env.step(3)  # waste increment -2
    set_state(env, {5: 1}, 2)
    _, r, terminated, _, _ = env.step(1)  # no bag at level 1
    assert terminated and r == BIG_NEG_REWARD + 2


def test_invalid_action_with_mask_plays_the_nearest_valid_one():
    env = BinPackingEnv("bounded_waste", items=10, action_mask=True)
    env.reset(seed=0)
    set_state(env, {2: 1, 6: 1, 7: 1}, 2)
    _, r, terminated, _, info = env.step(4)  # 2 and 6 are equally near: the lower one
    assert not terminated and info["invalid"] and info["action"] == 2 and r == 2
    set_state(env, {8: 1}, 2)
    _, r, terminated, _, info = env.step(8)  # nothing fits: a new bag
    assert not terminated and info["action"] == 0 and r == -7
    set_state(env, {5: 1}, 3)
    _, r, _, _, info = env.step(5)
    assert not info["invalid"] and info["action"] == 5 and r == 3


# ----------------------------------------------------------------------------- the mask


def test_mask_matches_the_rules_on_every_small_state():
    bins = Bins(parse_distribution("bounded_waste", items=1)[0])
    for counts in itertools.product([0, 1], repeat=8):
        for item in (2, 3):
            s = [0, *counts, item]
            mask = valid_mask(s)
            expected = [True] + [counts[k - 1] > 0 and k + item <= 9 for k in range(1, 9)]
            assert mask.tolist() == expected, (s, mask)
            bins.counts, bins.items[0] = s[:9], item
            assert [bins.valid(a) for a in range(9)] == expected


def test_info_mask_and_action_mask_function():
    env = BinPackingEnv("linear_waste", items=50)
    rng = np.random.default_rng(0)
    _, info = env.reset(seed=2)
    for _ in range(50):
        mask = action_mask(info)
        assert mask.dtype == bool and mask.tolist() == valid_mask(info["state"]).tolist()
        _, _, terminated, _, info = env.step(random_valid(info["state"], rng))
        assert not info["invalid"]
        if terminated:
            break
    with pytest.raises(WorldModelsError, match="no action_mask"):
        action_mask({"state": 0})


# ----------------------------------------------------------------------------- heuristics


def test_best_fit_picks_the_highest_level_that_fits():
    assert best_fit(state({2: 1, 5: 3, 7: 1}, 2)) == 7
    assert best_fit(state({2: 1, 5: 3, 7: 1}, 3)) == 5  # 7 + 3 > 9
    assert best_fit(state({6: 2, 8: 1}, 3)) == 6  # fills the bag exactly
    assert best_fit(state({8: 4}, 2)) == 0  # nothing fits: a new bag
    assert best_fit(state({}, 3)) == 0


def test_sum_of_squares_minimises_the_sum_of_squared_counts():
    # n = {2: 3, 4: 1, 5: 1}, item 2: to 2 -> {2:2, 4:2, 5:1} = 9; to 4 -> {2:3, 5:1, 6:1} = 11;
    # to 5 -> {2:3, 4:1, 7:1} = 11; new bag -> {2:4, 4:1, 5:1} = 18. SS takes level 2, Best Fit 5.
    s = state({2: 3, 4: 1, 5: 1}, 2)
    assert [sum_of_squares_cost(s, a) for a in (0, 2, 4, 5)] == [18, 9, 11, 11]
    assert sum_of_squares(s) == 2 and best_fit(s) == 5
    assert sum_of_squares(state({6: 1}, 3)) == 6  # a full bag leaves the sum
    rng = np.random.default_rng(0)
    for _ in range(500):  # brute force: the valid action of least cost, ties to the higher level
        s = state({k: int(rng.integers(0, 4)) for k in range(1, 9)}, int(rng.choice([2, 3])))
        valid = np.flatnonzero(valid_mask(s))
        costs = {int(a): sum_of_squares_cost(s, int(a)) for a in valid}
        best = min(costs.values())
        assert sum_of_squares(s) == max(a for a, c in costs.items() if c == best), s


def test_random_valid_is_valid_and_uniform():
    s = state({3: 1, 6: 1, 7: 2}, 3)
    rng = np.random.default_rng(0)
    picks = [random_valid(s, rng) for _ in range(3000)]
    assert set(picks) == {0, 3, 6}
    assert all(abs(picks.count(a) / 3000 - 1 / 3) < 0.05 for a in (0, 3, 6))


def test_extraction_policy_plays_valid_one_hot_actions():
    env = BinPackingEnv("all", items=200)
    policy = ExtractionPolicy(lambda: env.bins.state, 9)
    modes = set()
    for seed in range(12):
        rng = np.random.default_rng(seed)
        policy.reset(rng)
        modes.add(policy.mode)
        obs, info = env.reset(seed=seed)
        terminated = False
        while not terminated:
            a = policy(obs)
            assert a.shape == (9,) and a.dtype == np.float32 and a.sum() == 1.0
            assert valid_mask(info["state"])[action_to_env(a)]
            obs, _, terminated, _, info = env.step(action_to_env(a))
            assert not info["invalid"]
    assert len(modes) >= 3, modes


# ----------------------------------------------------------------------------- seeds


def test_same_seed_same_episode_other_seed_other_items():
    def run(seed: int) -> tuple[np.ndarray, list]:
        env = BinPackingEnv("all", items=100)
        obs, info = env.reset(seed=seed)
        frames, states = [obs], [info["state"]]
        terminated = False
        while not terminated:
            obs, _, terminated, _, info = env.step(best_fit(info["state"]))
            frames.append(obs), states.append(info["state"])
        return np.stack(frames), [info["distribution"]] + states

    (f1, s1), (f2, s2), (_, s3) = run(5), run(5), run(6)
    np.testing.assert_array_equal(f1, f2)
    assert all(np.array_equal(a, b) for a, b in zip(s1[1:], s2[1:])) and s1[0] == s2[0]
    assert not all(np.array_equal(a, b) for a, b in zip(s1[1:], s3[1:]))


def test_items_follow_the_distribution():
    bins = Bins(parse_distribution("linear_waste", items=20_000)[0])
    bins.reset(np.random.default_rng(0))
    assert abs(np.mean(np.asarray(bins.items) == 2) - 0.8) < 0.01


# ----------------------------------------------------------------------------- distributions


def test_distributions_of_the_benchmark():
    assert {n: (d.capacity, d.sizes, d.probabilities, d.items) for n, d in DISTRIBUTIONS.items()
            if d.capacity == 9} == {
        "perfect_pack": (9, (2, 3), (0.75, 0.25), 1000),
        "bounded_waste": (9, (2, 3), (0.5, 0.5), 1000),
        "linear_waste": (9, (2, 3), (0.8, 0.2), 1000)}
    large = DISTRIBUTIONS["bounded_waste_large"]
    assert large.capacity == 100 and large.sizes == tuple(range(1, 10)) and large.items == 10_000
    assert [d.name for d in parse_distribution("all")] == ["perfect_pack", "bounded_waste", "linear_waste"]
    custom = parse_distribution("9:2,3:0.6,0.4")[0]
    assert custom.sizes == (2, 3) and custom.probabilities == (0.6, 0.4)
    assert parse_distribution("linear_waste", items=7)[0].items == 7


@pytest.mark.parametrize("spec,message", [
    ("9:2,3:0.5,0.6", "sum to 1.1, not 1"),
    ("9:2,10:0.5,0.5", r"item sizes \[10\] are outside 1..9"),
    ("9:2,3:0.5", "2 sizes"),
    ("9:2,3:1.5,-0.5", ">= 0"),
    ("9:2,x:0.5,0.5", "bad sizes"),
    ("1:1:1", "capacity must be >= 2"),
    ("nonsense", "unknown distribution 'nonsense'"),
    ("linear_waste+linear_waste_large", r"mix bag capacities \[9, 100\]"),
    ("", "empty distribution"),
])
def test_bad_distributions_are_one_line_errors(spec, message):
    with pytest.raises(WorldModelsError, match=message):
        BinPackingEnv(spec)


# ----------------------------------------------------------------------------- the picture


def test_picture_encodes_item_and_log_scaled_counts():
    img = render_state(state({1: 1, 4: 10, 7: 1000}, 3), max_item=3)
    assert img.shape == (64, 64, 3) and img.dtype == np.uint8
    assert (img[:ITEM_BAND_ROWS, :64] == ITEM_COLOUR).all()  # item 3 of at most 3: full width
    assert not img[ITEM_BAND_ROWS].any()
    img2 = render_state(state({}, 2), max_item=3)
    assert (img2[:ITEM_BAND_ROWS, :43] == ITEM_COLOUR).all() and not img2[:ITEM_BAND_ROWS, 43:].any()
    assert not img2[CHART_TOP:].any()  # no open bag: an empty chart

    chart_height = 64 - CHART_TOP

    def bar(level: int) -> np.ndarray:  # level k: columns 8(k-1) .. 8(k-1)+6, column 8k-1 is the gap
        x = 8 * (level - 1)
        assert not img[CHART_TOP:, x + 7].any()
        return img[CHART_TOP:, x:x + 7]

    def height(level: int) -> int:
        return int(bar(level).any(axis=(1, 2)).sum())

    expected = {k: round(chart_height * np.log1p(n) / np.log1p(1000)) for k, n in ((1, 1), (4, 10), (7, 1000))}
    assert {k: height(k) for k in (1, 4, 7)} == expected
    assert height(7) == chart_height and all(height(k) == 0 for k in (2, 3, 5, 6, 8))
    assert (bar(4)[-1] == FITS_COLOUR).all()  # 4 + 3 <= 9
    assert (bar(7)[-1] == NO_FIT_COLOUR).all()  # 7 + 3 > 9
    assert (bar(1)[-height(1):] != 0).all() and not bar(1)[:-height(1)].any()  # bars grow up from the bottom


def test_picture_of_capacity_100_uses_two_panels_of_50_levels():
    s = [0] * 100 + [9]
    s[1], s[50], s[51], s[99] = 1, 1, 1, 1
    img = render_state(s, max_item=9)
    assert (img[:ITEM_BAND_ROWS, :64] == ITEM_COLOUR).all()
    top = img[CHART_TOP:CHART_TOP + 28]
    bottom = img[CHART_TOP + 28:]
    assert top[:, 0].any() and top[:, 49].any() and not top[:, 50:].any()  # levels 1 and 50
    assert bottom[:, 0].any() and bottom[:, 48].any()  # levels 51 and 99
    assert (top[-1, 0] == FITS_COLOUR).all() and (bottom[-1, 48] == NO_FIT_COLOUR).all()  # 99 + 9 > 100


def test_observation_is_the_picture_of_the_state():
    env = BinPackingEnv("bounded_waste", items=30, render_mode="rgb_array")
    obs, info = env.reset(seed=0)
    for _ in range(10):
        np.testing.assert_array_equal(obs, render_state(info["state"], max_item=3))
        np.testing.assert_array_equal(env.render(), obs)
        obs, _, _, _, info = env.step(best_fit(info["state"]))
