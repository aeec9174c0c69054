"""FastCarRacing gives bit-identical frames, rewards and terminations to gymnasium's CarRacing."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
from gymnasium.envs.box2d.car_racing import CarRacing  # noqa: E402

from worldmodels.envs.fast_carracing import FastCarRacing, vectorised_transform_is_exact  # noqa: E402


def held_actions(seed: int, n: int, hold: int = 10, gas: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Random [steer, gas, brake] held ``hold`` steps: turns, spins, stops, the car off the road."""
    rng = np.random.default_rng(seed)
    k = n // hold + 1
    held = np.stack([rng.uniform(-1, 1, k), rng.uniform(*gas, k), rng.uniform(0, 1, k) * (rng.uniform(size=k) < 0.2)],
                    axis=1)
    return np.repeat(held, hold, axis=0)[:n]


def play(cls: type, seed: int, actions: np.ndarray, **kwargs) -> dict[str, list]:
    env = cls(**kwargs)
    try:
        obs, _ = env.reset(seed=seed)
        out: dict[str, list] = {"obs": [obs], "reward": [], "terminated": [], "truncated": [], "info": []}
        for a in actions:
            obs, reward, terminated, truncated, info = env.step(a)
            for key, value in zip(out, (obs, reward, terminated, truncated, info)):
                out[key].append(value)
            if terminated or truncated:
                break
        return out
    finally:
        env.close()


def assert_identical(stock: dict[str, list], fast: dict[str, list]) -> None:
    assert len(stock["obs"]) == len(fast["obs"])
    for t, (a, b) in enumerate(zip(stock["obs"], fast["obs"])):
        assert a.dtype == b.dtype == np.uint8 and a.shape == b.shape == (96, 96, 3)
        if not np.array_equal(a, b):
            diff = np.abs(a.astype(int) - b.astype(int))
            pytest.fail(f"frame {t} differs: {np.count_nonzero(diff)} values, max {diff.max()}")
    for key in ("reward", "terminated", "truncated", "info"):
        assert stock[key] == fast[key], key


def test_pygame_rotation_is_reproduced_exactly():
    assert vectorised_transform_is_exact()


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_random_driving_is_identical(seed):
    """Opening zoom (first second), turns, grass, braking, tile colours changing on contact."""
    actions = held_actions(seed, 200)
    stock, fast = play(CarRacing, seed, actions), play(FastCarRacing, seed, actions)
    assert_identical(stock, fast)
    assert sum(r > 0 for r in stock["reward"]) > 3, "the car visited some tiles"


def test_leaving_the_playfield_is_identical():
    """Straight ahead off the curving track to the playfield edge (~260 steps), where the
    background square no longer covers the view and stock terminates with -100."""
    actions = np.tile([0.0, 0.6, 0.0], (400, 1))
    stock, fast = play(CarRacing, 3, actions), play(FastCarRacing, 3, actions)
    assert_identical(stock, fast)
    assert stock["terminated"][-1] and stock["reward"][-1] == -100, "drove off the playfield"


def test_domain_randomized_colours_are_identical():
    actions = held_actions(1, 80)
    assert_identical(play(CarRacing, 5, actions, domain_randomize=True),
                     play(FastCarRacing, 5, actions, domain_randomize=True))


def test_discrete_actions_and_a_second_episode_are_identical():
    rng = np.random.default_rng(2)
    actions = rng.integers(0, 5, 120)
    stock, fast = (play(cls, 11, actions, continuous=False) for cls in (CarRacing, FastCarRacing))
    assert_identical(stock, fast)
    # the same game object over two episodes (the track arrays are rebuilt on reset)
    outs = []
    for cls in (CarRacing, FastCarRacing):
        env = cls()
        frames = []
        for seed in (21, 22):
            frames.append(env.reset(seed=seed)[0])
            for a in held_actions(seed, 70):
                frames.append(env.step(a)[0])
        env.close()
        outs.append(np.stack(frames))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_video_frames_are_identical():
    """render() in rgb_array mode (600x400 with the skid marks) uses stock code over our road."""
    frames = []
    for cls in (CarRacing, FastCarRacing):
        env = cls(render_mode="rgb_array")
        env.reset(seed=4)
        shots = []
        for t, a in enumerate(held_actions(4, 90, gas=(0.5, 1.0))):
            env.step(a)
            if t % 30 == 29:
                shots.append(env.render())
        env.close()
        frames.append(np.stack(shots))
    assert frames[0].shape == (3, 400, 600, 3)
    np.testing.assert_array_equal(frames[0], frames[1])


def test_fast_path_draws_far_fewer_polygons(monkeypatch):
    """What makes it fast: polygons that cannot touch the screen are never transformed one by one
    nor drawn (counted through the gfxdraw calls)."""
    from pygame import gfxdraw
    calls = {"n": 0}
    real = gfxdraw.filled_polygon

    def counting(*args):
        calls["n"] += 1
        return real(*args)

    counts = {}
    actions = held_actions(0, 60)
    for cls in (CarRacing, FastCarRacing):
        monkeypatch.setattr(gfxdraw, "filled_polygon", counting)  # the module both games call into
        calls["n"] = 0
        play(cls, 0, actions)
        counts[cls.__name__] = calls["n"]
    assert counts["FastCarRacing"] < 0.7 * counts["CarRacing"], counts
