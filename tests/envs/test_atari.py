"""Atari adapter: gymnasium API, the Machado et al. 2018 protocol, seeding, game ids, other games."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from tests.envs.checks import rollout
from worldmodels.envs import make_env
from worldmodels.envs.atari import (
    AtariConfig,
    RandomHoldPolicy,
    StickyActions,
    action_count,
    action_for_buttons,
    action_meanings,
    action_to_env,
    make,
    one_hot,
    resolve_game,
)
from worldmodels.fileio import WorldModelsError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pong():
    env = make("Pong", render_mode="rgb_array")
    yield env
    env.close()


def test_observation_is_64x64_gray_uint8_and_render_is_the_full_screen(pong):
    obs, _ = pong.reset(seed=0)
    assert obs.shape == (64, 64, 1) and obs.dtype == np.uint8, (obs.shape, obs.dtype)
    assert pong.observation_space.contains(obs)
    assert obs.std() > 5, "blank frame"
    assert pong.render().shape == (210, 160, 3)
    obs, reward, terminated, truncated, _ = pong.step(0)
    assert obs.shape == (64, 64, 1) and reward == 0.0 and not terminated and not truncated


def test_rgb_option():
    env = make("Pong", grayscale=False)
    try:
        obs, _ = env.reset(seed=0)
        assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8
    finally:
        env.close()


def test_dilate_keeps_small_objects_bright_and_never_darkens():
    """AtariConfig.dilate: a max filter before the area resize, so each 64x64 pixel is >= the plain
    frame's (up to rounding) and the ball and paddle edges, diluted by the plain resize, get brighter."""
    frames = {}
    for k in (1, 3):
        env = make("Pong", dilate=k)
        try:
            assert env.observation_space.shape == (64, 64, 1)
            env.reset(seed=3)
            frames[k] = np.array([env.step(i % 6)[0] for i in range(120)], np.int16)  # same screens: same seed, actions
        finally:
            env.close()
    assert frames[3].shape == frames[1].shape == (120, 64, 64, 1)
    gain = frames[3] - frames[1]
    assert gain.min() >= -1, gain.min()
    assert gain.max() > 60, gain.max()
    assert 0 < (gain > 30).mean() < 0.2  # only around edges and small objects, not the whole court


@pytest.mark.parametrize("k", [0, 2, -1])
def test_dilate_must_be_odd_and_positive(k):
    with pytest.raises(WorldModelsError, match="dilate must be an odd number"):
        AtariConfig(dilate=k)


def test_protocol_of_machado_et_al(pong):
    cfg = AtariConfig()
    assert (cfg.repeat_action_probability, cfg.frame_skip, cfg.max_frames, cfg.max_steps) == (0.25, 4, 18_000, 4500)
    assert cfg.noop_max == 0 and not cfg.full_action_space and cfg.grayscale
    ale = pong.unwrapped.ale
    assert ale.getFloat("repeat_action_probability") == 0.0  # sticky actions are drawn by StickyActions
    assert isinstance(pong.env, StickyActions) and pong.env.p == pytest.approx(0.25)
    assert ale.getInt("max_num_frames_per_episode") == 18_000
    assert pong.unwrapped._frameskip == 1  # the wrapper skips, so stickiness applies to every frame
    assert pong.frame_skip == 4 and pong.noop_max == 0 and pong.terminal_on_life_loss is False
    _, info = pong.reset(seed=1)
    for t in range(1, 4):
        _, _, _, _, info = pong.step(0)
        assert info["episode_frame_number"] == 4 * t, info  # frame skip 4


def test_losing_a_life_does_not_end_the_episode():
    env = make("Breakout")
    try:
        _, info = env.reset(seed=0)
        lives, lost, terminated, truncated = info["lives"], 0, False, False
        rng = np.random.default_rng(0)
        while not (terminated or truncated):
            _, _, terminated, truncated, info = env.step(int(rng.integers(env.action_space.n)))
            if info["lives"] < lives and not terminated:
                lost += 1
            lives = info["lives"]
        assert lives == 0 and terminated and lost >= 1, (lives, lost, terminated, truncated)
    finally:
        env.close()


def test_episode_cap_truncates_at_exactly_max_steps():
    env = make("Pong", max_steps=7)
    try:
        env.reset(seed=0)
        for t in range(1, 8):
            _, _, terminated, truncated, _ = env.step(0)
            assert truncated == (t == 7) and not terminated, t
    finally:
        env.close()
    with pytest.raises(WorldModelsError, match="max_steps"):
        make("Pong", max_steps=0)


def test_same_seed_same_episode(pong):
    actions = np.random.default_rng(0).integers(0, 6, 200)
    obs1, rew1 = rollout(pong, 42, actions)
    obs2, rew2 = rollout(pong, 42, actions)
    np.testing.assert_array_equal(obs1, obs2)
    np.testing.assert_array_equal(rew1, rew2)
    obs3, _ = rollout(pong, 43, actions)
    assert not np.array_equal(obs1, obs3), "the seed has no effect (sticky actions are random)"


@pytest.mark.parametrize("game_id", ["ALE/Pong-v5", "Pong", "pong", "PongNoFrameskip-v4", " pong "])
def test_game_ids_resolve(game_id):
    assert resolve_game(game_id) == "pong"


def test_unknown_game_is_one_clear_error():
    with pytest.raises(WorldModelsError, match="unknown Atari game 'Pongg'; did you mean pong"):
        resolve_game("Pongg")
    with pytest.raises(WorldModelsError, match="unknown Atari game"):
        make("NoSuchGame")
    with pytest.raises(WorldModelsError, match="fields"):
        make("Pong", no_such_option=1)


@pytest.mark.parametrize("game,n_actions", [("Breakout", 4), ("SpaceInvaders", 6), ("ALE/Seaquest-v5", 18)])
def test_other_games_smoke(game, n_actions):
    assert action_count(game) == n_actions and action_count(game, full_action_space=True) == 18
    env = make(game, max_steps=50)
    try:
        assert env.action_space.n == n_actions
        obs, _ = env.reset(seed=0)
        rng = np.random.default_rng(0)
        for _ in range(10):
            obs, reward, terminated, truncated, _ = env.step(int(rng.integers(n_actions)))
            assert obs.shape == (64, 64, 1) and obs.dtype == np.uint8 and np.isfinite(reward)
        assert obs.std() > 1, f"{game}: blank frame"
    finally:
        env.close()


def test_full_action_space():
    env = make("Pong", full_action_space=True)
    try:
        assert env.action_space.n == 18 and action_meanings("Pong", True)[:2] == ("NOOP", "FIRE")
    finally:
        env.close()


def test_one_hot_actions_and_random_hold_policy():
    assert action_to_env(one_hot(4, 6)) == 4 and one_hot(4, 6).dtype == np.float32
    policy = RandomHoldPolicy(np.random.default_rng(0), n_actions=6, max_hold=4)
    actions = np.stack([policy(None) for _ in range(4000)])
    assert actions.shape == (4000, 6) and np.all(actions.sum(axis=1) == 1.0)
    idx = actions.argmax(axis=1)
    assert set(idx) == set(range(6))
    policy.reset(np.random.default_rng(0))
    again = np.stack([policy(None) for _ in range(4000)])
    np.testing.assert_array_equal(actions, again)
    plain = RandomHoldPolicy(np.random.default_rng(1), n_actions=6, max_hold=1)
    idx1 = np.array([action_to_env(plain(None)) for _ in range(6000)])
    counts = np.bincount(idx1, minlength=6)
    assert counts.min() > 850, counts  # uniform: ~1000 each


def test_keyboard_buttons_to_actions():
    pong = action_meanings("Pong")
    assert pong == ("NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE")
    assert action_for_buttons(pong, {"LEFT"}) == 3
    assert action_for_buttons(pong, {"LEFT", "FIRE"}) == 5
    assert action_for_buttons(pong, set()) == 0
    assert action_for_buttons(pong, {"UP"}) == 0  # Pong has no UP action: NOOP
    assert action_for_buttons(pong, {"UP", "RIGHT"}) == 2
    seaquest = action_meanings("Seaquest")
    assert seaquest[action_for_buttons(seaquest, {"UP", "LEFT", "FIRE"})] == "UPLEFTFIRE"


def test_registry_is_lazy_and_builds_atari():
    code = ("import sys, worldmodels.envs; "
            "bad = [m for m in ('ale_py', 'numpy', 'gymnasium') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    env = make_env("atari", game="Breakout", max_steps=5)
    try:
        assert env.action_space.n == 4 and env.unwrapped.ale.getInt("max_num_frames_per_episode") == 20
    finally:
        env.close()


def test_env_script_headless(tmp_path):
    script = REPO / "atari" / "env.py"
    env_vars = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if sys.platform.startswith("linux"):
        res = subprocess.run([sys.executable, str(script)], env=env_vars, capture_output=True, text=True)
        assert res.returncode == 2 and "--random" in res.stderr.strip().splitlines()[-1], res.stderr
    res = subprocess.run([sys.executable, str(script), "--random", "2", "--max_steps", "60", "--frames",
                          str(tmp_path)], env=env_vars, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "random agent" in res.stdout and "steps/s" in res.stdout, res.stdout
    assert (tmp_path / "raw_Pong_0000.png").is_file() and (tmp_path / "obs_64x64_0050.png").is_file()
    res = subprocess.run([sys.executable, str(script), "--game", "Pongg"], env=env_vars, capture_output=True, text=True)
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1].startswith("error: unknown Atari game")


def test_sticky_actions_repeat_at_their_rate_and_a_seeded_reset_is_a_fresh_episode(pong):
    class Recorder(gym.Env):  # stands in for the ALE: records the action of every frame
        observation_space = gym.spaces.Discrete(1)
        action_space = gym.spaces.Discrete(10**6)

        def reset(self, *, seed=None, options=None):
            self.taken = []
            return 0, {}

        def step(self, action):
            self.taken.append(action)
            return 0, 0.0, False, False, {}

    sticky = StickyActions(Recorder(), 0.25)
    sticky.reset(seed=3)
    for frame in range(1, 4001):
        sticky.step(frame)  # a new action asked for at every frame
    taken = np.array(sticky.env.taken)
    assert taken[0] in (0, 1)  # NOOP (index 0) is the previous action after a reset
    repeated = np.mean(taken[1:] == taken[:-1])
    assert abs(repeated - 0.25) < 0.03, repeated  # Machado et al.: repeat with probability 0.25
    assert np.all(np.diff(taken) >= 0)  # the previous action or the one asked for, never another

    def episode(env, seed):
        obs, _ = env.reset(seed=seed)
        frames, actions = [obs], np.random.default_rng(7).integers(0, 6, 200)
        for a in actions:
            obs, *_ = env.step(int(a))
            frames.append(obs)
        return np.stack(frames)

    first = episode(pong, 5)
    episode(pong, 9)  # another episode in between changes nothing
    np.testing.assert_array_equal(episode(pong, 5), first)
    other_env = make("Pong")
    try:
        np.testing.assert_array_equal(episode(other_env, 5), first)
    finally:
        other_env.close()
    assert not np.array_equal(episode(pong, 6), first)  # another seed, other sticky frames
