"""CarRacingEnv with backend="envpool" (EnvPool's C++ CarRacing-v3): the same observation, actions,
truncation and seeding as the other backends; one line when envpool is missing."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from tests.envs.checks import rollout
from worldmodels.envs import make_env
from worldmodels.envs.base import crop_and_resize
from worldmodels.envs.carracing import CarRacingConfig, CarRacingEnv
from worldmodels.fileio import WorldModelsError

requires_envpool = pytest.mark.skipif(importlib.util.find_spec("envpool") is None, reason="envpool is not installed")
ACTIONS = np.tile([0.3, 0.5, 0.0], (60, 1))


@pytest.fixture(scope="module")
def env():
    e = make_env("carracing", backend="envpool", max_steps=1000, render_mode="rgb_array")
    yield e
    e.close()


@requires_envpool
def test_observation_is_the_cropped_resized_frame(env):
    from worldmodels.envs.envpool_carracing import EnvPoolCarRacing
    assert isinstance(env, CarRacingEnv) and type(env.game) is EnvPoolCarRacing
    obs, info = env.reset(seed=0)
    assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8 and info == {}
    for _ in range(40):
        obs, reward, terminated, truncated, info = env.step(np.array([0.0, 0.3, 0.0]))
    assert env.observation_space.contains(obs) and obs.shape == (64, 64, 3) and obs.dtype == np.uint8
    assert env.frame.shape == (96, 96, 3) and env.frame.dtype == np.uint8
    np.testing.assert_array_equal(obs, crop_and_resize(env.frame, 84, 64))
    assert obs.std() > 5, "blank frame"
    assert type(reward) is float and info["steps"] == 40 and not terminated and not truncated
    frame = env.render()  # EnvPool draws no 600x400 video frame: the 96x96 one, a copy
    np.testing.assert_array_equal(frame, env.frame)
    assert frame is not env.frame


@requires_envpool
def test_same_seed_same_episode_other_seed_other_track(env):
    obs1, rew1 = rollout(env, 42, ACTIONS)
    obs2, rew2 = rollout(env, 42, ACTIONS)
    np.testing.assert_array_equal(obs1, obs2)
    np.testing.assert_array_equal(rew1, rew2)
    assert rew1.dtype == np.float64 and len(rew1) == len(ACTIONS)
    other = CarRacingEnv(CarRacingConfig(backend="envpool"))  # another instance: the track is the seed's alone
    try:
        obs3, rew3 = rollout(other, 42, ACTIONS)
        np.testing.assert_array_equal(obs1, obs3)
        np.testing.assert_array_equal(rew1, rew3)
        obs4, _ = rollout(other, 43, ACTIONS)
        assert not np.array_equal(obs1, obs4), "seed has no effect"
    finally:
        other.close()


class EndsAtOnce:
    """A stand-in pool whose episode ends (off the playfield: -100) on the first step."""

    def __init__(self, reward: float):
        self.reward, self.steps = reward, 0

    def step(self, action, env_id):
        self.steps += 1
        return np.zeros((1, 96, 96, 3), np.uint8), np.float32([self.reward]), np.array([True]), np.array([False]), {}

    def close(self):
        pass


@requires_envpool
def test_the_pool_is_never_stepped_past_the_end_of_an_episode():
    """EnvPool would auto-reset there (another track); a lap or the playfield edge ends it as stock does."""
    from worldmodels.envs.envpool_carracing import EnvPoolCarRacing
    game = EnvPoolCarRacing()
    with pytest.raises(WorldModelsError, match="reset"):
        game.step(np.zeros(3))
    for reward, lap in ((-100.0, False), (9.5, True)):
        game.reset(seed=0)
        game.close()
        game.pool = pool = EndsAtOnce(reward)
        _, got, terminated, truncated, info = game.step(np.zeros(3))
        assert (got, terminated, truncated, info) == (reward, True, False, {"lap_finished": lap})
        with pytest.raises(WorldModelsError, match="reset"):
            game.step(np.zeros(3))
        assert pool.steps == 1
    game.close()


@requires_envpool
def test_out_of_range_actions_are_clipped_to_the_action_space(env):
    _, rew_wild = rollout(env, 5, np.tile([3.0, 1.5, -2.0], (30, 1)))
    _, rew_clipped = rollout(env, 5, np.tile([1.0, 1.0, 0.0], (30, 1)))
    np.testing.assert_array_equal(rew_wild, rew_clipped)


@requires_envpool
def test_progress_counts_tiles_from_the_rewards_and_has_no_speed():
    env = CarRacingEnv(CarRacingConfig(backend="envpool", max_steps=200))
    try:
        with pytest.raises(WorldModelsError, match="before reset"):
            env.progress()
        env.reset(seed=3)
        total = 0.0
        for _ in range(150):
            _, reward, *_ = env.step(np.array([0.0, 0.6, 0.0]))
            total += reward
        tiles, speed = env.progress()
        assert np.isnan(speed)
        assert 0.02 < tiles < 1.0 and total == pytest.approx(1000.0 * tiles - 0.1 * 150, abs=1e-6), (total, tiles)
    finally:
        env.close()


@requires_envpool
def test_bad_options_are_one_line():
    for kwargs, hint in (({"backend": "gpu"}, "'gpu'"), ({"backend": "envpool", "domain_randomize": True},
                                                         "domain_randomize")):
        with pytest.raises(WorldModelsError, match=hint) as err:
            make_env("carracing", **kwargs)
        assert "\n" not in str(err.value)
    with pytest.raises(WorldModelsError, match="no window") as err:
        make_env("carracing", backend="envpool", render_mode="human")
    assert "\n" not in str(err.value)


def test_missing_envpool_is_one_line_never_a_fallback(monkeypatch):
    monkeypatch.setitem(sys.modules, "envpool", None)  # makes `import envpool` raise ImportError
    with pytest.raises(WorldModelsError) as err:
        make_env("carracing", backend="envpool")
    assert str(err.value) == "EnvPool is not installed (pip install envpool); use --backend fast"


@requires_envpool
def test_vector_round_plays_the_single_env_episodes():
    from worldmodels.envs.envpool_carracing import EnvPoolCarRacingVector
    seeds, steps = [11, 4], 40
    vector = EnvPoolCarRacingVector(max_steps=30)
    try:
        first = vector.reset(seeds)
        assert first.shape == (2, 64, 64, 3) and first.dtype == np.uint8
        frames, rewards, ends = [first], [], []
        live = np.arange(2)
        for t in range(steps):
            obs, reward, ended = vector.step(ACTIONS[t % len(ACTIONS)][None].repeat(len(live), 0), live)
            frames.append(obs), rewards.append(reward), ends.append(ended)
            if ended.any():
                break
        assert ends[-1].all() and len(ends) == 30  # the cap, for both games at once
        with pytest.raises(WorldModelsError, match="ended"):
            vector.step(ACTIONS[:2], live)
        for k, seed in enumerate(seeds):  # game k is CarRacingEnv(envpool).reset(seed=seeds[k])'s episode
            env = CarRacingEnv(CarRacingConfig(backend="envpool", max_steps=30))
            try:
                obs, _ = env.reset(seed=seed)
                np.testing.assert_array_equal(obs, frames[0][k])
                for t in range(30):
                    obs, reward, terminated, truncated, _ = env.step(ACTIONS[t % len(ACTIONS)])
                    np.testing.assert_array_equal(obs, frames[t + 1][k])
                    assert reward == rewards[t][k]
                assert truncated
            finally:
                env.close()
        # only the games asked for are stepped, and their answers come back in the order asked
        vector.reset(seeds)
        obs, _, _ = vector.step(ACTIONS[:1], np.array([1]))
        np.testing.assert_array_equal(obs[0], frames[1][1])
    finally:
        vector.close()
