"""CarRacingEnv: gymnasium API, crop and resize, seeding, episode ends, actions, the random driver,
and the original's published controller and M running through our loaders in the real game."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.envs.checks import rollout
from worldmodels.envs import make_env
from worldmodels.envs.base import crop_and_resize
from worldmodels.envs.carracing import (
    CarRacingConfig,
    CarRacingEnv,
    RandomDrivePolicy,
    action_from_controller,
    action_to_env,
    random_policy,
)
from worldmodels.fileio import WorldModelsError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def env():
    e = CarRacingEnv(render_mode="rgb_array")
    yield e
    e.close()


def test_observation_is_the_cropped_resized_frame(env):
    obs, _ = env.reset(seed=0)
    for _ in range(60):  # past the opening zoom
        obs, reward, terminated, truncated, info = env.step(np.array([0.0, 0.3, 0.0]))
    assert env.observation_space.contains(obs) and obs.shape == (64, 64, 3)
    assert env.frame.shape == (96, 96, 3)
    np.testing.assert_array_equal(obs, crop_and_resize(env.frame, 84, 64))  # rows 0..83 [orig]
    assert env.frame[84:].mean() < 60, "the bottom rows are the (mostly black) indicator bar"
    assert obs.std() > 5, "blank frame"
    assert env.render().shape == (400, 600, 3)  # gymnasium's video frame
    assert info["steps"] == 60 and not terminated and not truncated


def test_same_seed_same_actions_same_episode(env):
    actions = np.tile([0.3, 0.5, 0.0], (80, 1))
    obs1, rew1 = rollout(env, 42, actions)
    obs2, rew2 = rollout(env, 42, actions)
    np.testing.assert_array_equal(obs1, obs2)
    np.testing.assert_array_equal(rew1, rew2)
    obs3, _ = rollout(env, 43, actions)
    assert not np.array_equal(obs1, obs3), "seed has no effect"


def test_progress_counts_tiles_and_speed():
    from worldmodels.envs.carracing import CarRacingConfig, CarRacingEnv
    from worldmodels.fileio import WorldModelsError
    env = CarRacingEnv(CarRacingConfig(max_steps=200))
    with pytest.raises(WorldModelsError, match="before reset"):
        env.progress()
    env.reset(seed=3)
    game = env.game.unwrapped
    start_tiles, start_speed = env.progress()
    # the car stands at the start: reset's own physics step visits the tiles under it
    assert 0.0 < start_tiles < 0.02 and start_speed == 0.0, (start_tiles, start_speed)
    total = 0.0
    for _ in range(150):
        _, reward, *_ = env.step(np.array([0.0, 0.6, 0.0]))
        total += reward
    tiles, speed = env.progress()
    # the reward so far: +1000/N per tile visited (the start's too) and -0.1 per frame [gymnasium car_racing.py]
    assert total == pytest.approx(1000.0 * tiles - 0.1 * 150, abs=1e-6), (total, tiles)
    assert tiles == game.tile_visited_count / len(game.track) > start_tiles and speed > 10.0, (tiles, speed)
    env.close()


@pytest.mark.parametrize("backend", ["fast", pytest.param("envpool", marks=pytest.mark.skipif(
    importlib.util.find_spec("envpool") is None, reason="envpool is not installed"))])
def test_truncated_at_cap_then_step_refused(backend):
    env = CarRacingEnv(CarRacingConfig(backend=backend, max_steps=15))
    try:
        env.reset(seed=1)
        for _ in range(15):
            _, _, terminated, truncated, info = env.step(np.zeros(3))
        assert truncated and not terminated and info["steps"] == 15
        with pytest.raises(WorldModelsError, match="reset"):
            env.step(np.zeros(3))
        env.reset()
        with pytest.raises(WorldModelsError, match="steer, gas, brake"):
            env.step(np.zeros(2))
        with pytest.raises(WorldModelsError, match="steer, gas, brake"):
            env.step(np.array([np.nan, 0.0, 0.0]))
    finally:
        env.close()
        env.close()  # closing twice is allowed


def test_config_defaults_and_validation():
    cfg = CarRacingConfig()
    assert (cfg.backend, cfg.max_steps, cfg.keep_rows, cfg.obs_size) == ("fast", 1000, 84, 64)
    for bad in ({"max_steps": 0}, {"keep_rows": 97}, {"keep_rows": 0}):
        with pytest.raises(WorldModelsError):
            CarRacingConfig(**bad)
    with pytest.raises(WorldModelsError, match="'gpu'") as err:
        CarRacingConfig(backend="gpu")
    assert "\n" not in str(err.value) and "fast, stock, envpool" in str(err.value)


def test_controller_outputs_become_steer_gas_brake_for_the_game_and_m():
    a = np.array([[-0.5, -1.0, -0.3], [0.7, 0.0, 0.4], [1.0, 1.0, 1.0]], np.float32)
    game, m = action_from_controller(a)
    np.testing.assert_allclose(game, [[-0.5, 0.0, 0.0], [0.7, 0.5, 0.4], [1.0, 1.0, 1.0]], atol=1e-7)
    assert m is game and game.dtype == np.float32  # M is fed the game action [orig carracing/model.py]
    from worldmodels.config import ControllerConfig
    from worldmodels.controller import Controller
    cfg = ControllerConfig(input_size=5, output_size=3, use_bias=True, action="carracing", features="zh")
    rng = np.random.default_rng(0)
    params = rng.standard_normal(cfg.num_params).astype(np.float32)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    y = np.tanh(x @ params[3:].reshape(5, 3) + params[:3])
    env_a, m_a = Controller(cfg, params).act(x)
    np.testing.assert_allclose(env_a, action_from_controller(y)[0], atol=1e-6)
    assert m_a is env_a


def test_recorded_actions_are_game_actions_as_m_is_fed():
    env_actions = np.array([[0.1, 0.0, 0.0], [-1.0, 0.25, 0.8], [1.0, 1.0, 0.0]], np.float32)
    np.testing.assert_allclose([action_to_env(x) for x in env_actions], env_actions, atol=0)
    with pytest.raises(AssertionError):
        action_to_env(np.zeros(2))


def test_random_driver_varies_and_is_reproducible():
    policy = random_policy(np.random.default_rng(0))
    assert isinstance(policy, RandomDrivePolicy)
    styles, actions = [], []
    for ep in range(20):
        policy.reset(np.random.default_rng([0, ep]))
        styles.append(policy.style)
        actions.append(np.array([policy(None) for _ in range(300)]))
    a = np.concatenate(actions)
    assert a.dtype == np.float32 and a.shape[1] == 3
    assert np.all(np.abs(a) <= 1.0) and np.all(a[:, 2] >= 0.0)  # game actions: steer in [-1, 1], brake >= 0
    env_a = np.array([action_to_env(x) for x in a[::7]])
    assert np.all((env_a[:, 1] >= 0) & (env_a[:, 1] <= 1))
    assert a[:, 0].std() > 0.2 and a[:, 1].std() > 0.1, "steering and gas vary"
    assert 0.0 < (a[:, 2] > 0).mean() < 0.2, "brakes now and then"
    assert len({s.hold_max for s in styles}) > 5, "episodes differ in style"
    policy.reset(np.random.default_rng([0, 3]))
    np.testing.assert_array_equal(actions[3], [policy(None) for _ in range(300)])


def test_registry_is_lazy_and_builds_both_games():
    code = ("import sys, worldmodels.envs; "
            "bad = [m for m in ('Box2D', 'pygame', 'numpy', 'gymnasium') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    from gymnasium.envs.box2d.car_racing import CarRacing

    from worldmodels.envs.fast_carracing import FastCarRacing
    for backend, cls in (("fast", FastCarRacing), ("stock", CarRacing)):
        env = make_env("carracing", backend=backend, max_steps=5)
        try:
            assert isinstance(env, CarRacingEnv) and type(env.game) is cls and env.config.max_steps == 5
        finally:
            env.close()
    with pytest.raises(WorldModelsError, match="max_steps"):
        make_env("carracing", no_such_option=1)


def test_env_script_headless(tmp_path):
    script = REPO / "carracing" / "env.py"
    env_vars = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if sys.platform.startswith("linux"):
        res = subprocess.run([sys.executable, str(script)], env=env_vars, capture_output=True, text=True, check=False)
        assert res.returncode == 2 and "--random" in res.stderr, (res.returncode, res.stderr)
        assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    res = subprocess.run([sys.executable, str(script), "--random", "60", "--frames", str(tmp_path)], env=env_vars,
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert "random policy:" in res.stdout, res.stdout
    assert len(list(tmp_path.glob("*.png"))) == 4  # raw + processed at steps 0 and 50


# ----------------------------------------------------------------------------- the original agent


def random_vae(path: Path, z_size: int = 32) -> Path:
    from worldmodels import vae
    from worldmodels.config import VAEConfig
    cfg = VAEConfig(z_size=z_size)
    vae.save_weights(path, vae.random_weights(cfg, np.random.default_rng(0)), cfg)
    return path


def test_original_controller_and_rnn_json_drive_the_real_game(reference, tmp_path):
    """The published C (867 params) and M (rnn.json) load through our code paths and play."""
    from carracing.config import SPEC
    from worldmodels.evaluators import RealEvaluator
    from worldmodels.formats import read_controller
    from worldmodels.mdnrnn import RNNWeights

    best = reference / "carracing" / "carracing.cma.16.64.best.json"
    rnn_json = reference / "carracing" / "rnn.json"
    params = read_controller(best, SPEC.controller.num_params)
    assert params.shape == (867,)
    weights = RNNWeights.load(rnn_json, SPEC.rnn)
    assert weights.kernel.shape == (35, 1024) and weights.output_w.shape == (256, 480)
    evaluator = RealEvaluator(SPEC, lambda: make_env("carracing", max_steps=1000), random_vae(tmp_path / "vae.npz"),
                              rnn_json, num_envs=2)
    try:
        rewards, steps = evaluator.evaluate(np.stack([params, params]), np.array([[0], [1]]), max_len=8)
    finally:
        evaluator.close()
    np.testing.assert_array_equal(steps, [[8], [8]])
    assert np.all(np.isfinite(rewards))


def test_backend_argument_and_its_stock_env_alias(capsys):
    import argparse

    from worldmodels.envs.carracing import BACKENDS, add_backend_argument
    parser = argparse.ArgumentParser()
    add_backend_argument(parser.add_argument_group("game"), "fast")
    assert parser.parse_args([]).backend == "fast"
    assert parser.parse_args(["--stock_env"]).backend == "stock"
    for name in BACKENDS:
        assert parser.parse_args(["--backend", name]).backend == name
        CarRacingConfig(backend=name)  # every choice is a valid config
    for bad in (["--backend", "gpu"], ["--stock_env", "--backend", "envpool"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    assert "not allowed with" in capsys.readouterr().err
