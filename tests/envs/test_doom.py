"""DoomTakeCoverEnv: gymnasium API, observation, seeding, episode end, action mapping, policy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.envs.checks import rollout
from worldmodels.envs import make_env
from worldmodels.envs.doom import (
    LEFT,
    NOOP,
    RIGHT,
    DoomConfig,
    DoomTakeCoverEnv,
    RandomHoldPolicy,
    action_from_controller,
    action_to_env,
    make_game,
    random_policy,
    thirds_to_discrete,
)
from worldmodels.fileio import WorldModelsError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def env():
    e = DoomTakeCoverEnv(render_mode="rgb_array")
    yield e
    e.close()


def test_observation_render_and_reward(env):
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs), (obs.shape, obs.dtype)
    assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8
    assert obs.std() > 5, "blank frame"
    assert env.render().shape == (120, 160, 3)  # full frame at the default 160x120
    for a in (NOOP, LEFT, RIGHT):
        obs, reward, terminated, truncated, _ = env.step(a)
        assert reward == 1.0 and not terminated and not truncated  # living_reward 1 per tic


def test_crop_keeps_top_five_sixths():
    assert DoomConfig().keep_rows == 100
    assert DoomConfig(resolution="640x480").keep_rows == 400  # [orig: rows 0..399]
    with pytest.raises(WorldModelsError, match="keep_fraction"):
        DoomConfig(keep_fraction=0.0)
    with pytest.raises(WorldModelsError, match="160x120"):
        DoomConfig(resolution="10x10")


def test_same_seed_same_actions_same_episode(env):
    actions = list(np.random.default_rng(0).integers(0, 3, 150))
    obs1, rew1 = rollout(env, 42, actions)
    obs2, rew2 = rollout(env, 42, actions)
    np.testing.assert_array_equal(obs1, obs2)
    np.testing.assert_array_equal(rew1, rew2)
    obs3, _ = rollout(env, 43, actions)
    assert obs3.shape != obs1.shape or not np.array_equal(obs1, obs3), "seed has no effect"


def test_truncated_at_cap_then_step_refused():
    env = DoomTakeCoverEnv(DoomConfig(max_steps=20))
    try:
        env.reset(seed=1)
        for _ in range(20):
            _, _, terminated, truncated, info = env.step(NOOP)
        assert truncated and not terminated and info["steps"] == 20
        with pytest.raises(WorldModelsError, match="reset"):
            env.step(NOOP)
    finally:
        env.close()
        env.close()  # closing twice is allowed


def test_terminated_when_the_player_dies(env):
    env.reset(seed=3)
    total, steps, terminated, truncated = 0.0, 0, False, False
    while not (terminated or truncated):
        obs, reward, terminated, truncated, _ = env.step(NOOP)
        total += reward
        steps += 1
    assert terminated and not truncated, steps  # standing still dies well before 2100 frames
    assert total == steps and obs.shape == (64, 64, 3)


def test_default_cap_is_2100():
    assert DoomConfig().max_steps == 2100


def test_thirds_to_discrete():
    assert thirds_to_discrete(-0.9) == LEFT == 1
    assert thirds_to_discrete(0.9) == RIGHT == 2
    assert thirds_to_discrete(0.0) == NOOP == 0
    assert thirds_to_discrete(-1 / 3) == NOOP and thirds_to_discrete(1 / 3) == NOOP  # strict inequalities
    assert isinstance(thirds_to_discrete(0.5), int)
    out = thirds_to_discrete(np.array([-1.0, -0.34, -0.3, 0.3, 0.34, 1.0]))
    np.testing.assert_array_equal(out, [1, 1, 0, 0, 2, 2])
    assert action_to_env(np.array([0.5], np.float32)) == RIGHT


def test_thirds_boundaries_in_the_precision_of_a():
    eps = 1e-6
    a = np.array([-1.0, -1 / 3 - eps, -1 / 3, -1 / 3 + eps, 0.0, 1 / 3 - eps, 1 / 3, 1 / 3 + eps, 1.0])
    want = [LEFT, LEFT, NOOP, NOOP, NOOP, NOOP, NOOP, RIGHT, RIGHT]
    np.testing.assert_array_equal(thirds_to_discrete(a), want)
    np.testing.assert_array_equal(thirds_to_discrete(a.astype(np.float32)), want)
    # float32(-1/3) is a little below -1/3: C's float32 output there is a no-op, as it always was;
    # the same number recorded as float64 goes left
    edge = np.float32(-1 / 3)
    assert thirds_to_discrete(np.array([edge]))[0] == NOOP and thirds_to_discrete(float(edge)) == LEFT


def test_the_controller_plays_thirds_and_feeds_m_the_continuous_value():
    from worldmodels.config import ControllerConfig
    from worldmodels.controller import Controller
    cfg = ControllerConfig(input_size=2, output_size=1, use_bias=False, action="doom", features="z")
    params = np.array([1.0, 0.0], np.float32)  # a = tanh(x0)
    x = np.array([[-2.0, 5.0], [0.1, -5.0], [2.0, 0.0]], np.float32)
    env_a, m_a = Controller(cfg, params).act(x)
    np.testing.assert_array_equal(env_a, [LEFT, NOOP, RIGHT])
    np.testing.assert_allclose(m_a[:, 0], np.tanh(x[:, 0]), atol=1e-6)
    game, m = action_from_controller(m_a)
    np.testing.assert_array_equal(game, env_a)
    assert m is m_a and game.dtype == np.int64


def test_random_policy_holds_1_to_10_frames():
    policy = random_policy(np.random.default_rng(0))
    actions = np.array([policy(None) for _ in range(5000)])
    assert np.all((actions >= -1) & (actions < 1)), (actions.min(), actions.max())
    change = np.flatnonzero(np.diff(actions)) + 1
    runs = np.diff(np.concatenate([[0], change]))  # complete runs (the last one may be cut)
    assert runs.min() == 1 and runs.max() == 10, (runs.min(), runs.max())
    assert 4.5 < runs.mean() < 6.5, runs.mean()  # uniform 1..10 has mean 5.5
    policy.reset(np.random.default_rng(0))
    again = np.array([policy(None) for _ in range(5000)])
    np.testing.assert_array_equal(actions, again)
    assert isinstance(policy, RandomHoldPolicy)


def test_registry_is_lazy_and_names_known_envs():
    code = ("import sys, worldmodels.envs; "
            "bad = [m for m in ('vizdoom', 'numpy', 'gymnasium') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    with pytest.raises(WorldModelsError, match="doom"):
        make_env("no-such-env")
    env = make_env("doom", max_steps=5)
    try:
        assert isinstance(env, DoomTakeCoverEnv) and env.config.max_steps == 5
    finally:
        env.close()
    with pytest.raises(WorldModelsError, match="resolution"):
        make_env("doom", no_such_option=1)


def test_env_script_headless():
    script = REPO / "doomrnn" / "env.py"
    env_vars = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if sys.platform.startswith("linux"):
        res = subprocess.run([sys.executable, str(script)], env=env_vars, capture_output=True, text=True, check=False)
        assert res.returncode == 2 and "--random" in res.stderr, (res.returncode, res.stderr)
    res = subprocess.run([sys.executable, str(script), "--random", "300"], env=env_vars,
                         capture_output=True, text=True, check=False, cwd=REPO / "doomrnn")
    assert res.returncode == 0, res.stderr
    assert "random policy:" in res.stdout, res.stdout


def test_the_game_finds_its_vizdoom_folder_made_before_it_starts(tmp_path, monkeypatch):
    """ViZDoom's init creates ./_vizdoom/ and segfaults a second process starting in the same folder
    when that one loses the race to create it ("Failed to create ./_vizdoom/ directory: File exists",
    extract.bash's two workers on a fresh clone): make_game makes the folder before the game starts."""
    import vizdoom as vzd

    seen: list[bool] = []

    class Game(vzd.DoomGame):  # type: ignore[misc]
        def init(self) -> None:
            seen.append(os.path.isdir("_vizdoom"))
            super().init()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(vzd, "DoomGame", Game)
    make_game(DoomConfig()).close()
    assert seen == [True]
