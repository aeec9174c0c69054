"""The WorldModels/ gymnasium ids: gym.make and gymnasium's env checker on every one, with every
warning accounted for; make_vec; idempotent registration; our factories build through gym.make."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from worldmodels.config import ControllerConfig, DreamConfig, EnvSpec, RNNConfig, VAEConfig
from worldmodels.envs import make_env
from worldmodels.envs.registration import (
    ATARI,
    BINPACKING,
    CARRACING,
    CARRACING_ENVPOOL,
    DOOM,
    DREAM,
    SPECS,
    make_registered,
    register_envs,
)
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights

REPO = Path(__file__).resolve().parents[2]

# a tiny random Doom-like M for the dream: z 3, h 8, restart flag and done head
TINY_RNN = RNNConfig(z_size=3, action_size=1, hidden_units=8, use_restart=True, done_head=True)
TINY_C = ControllerConfig(input_size=3 + 2 * 8, output_size=1, use_bias=False, action="doom", features="zch")


def tiny_dream_kwargs() -> dict[str, Any]:
    rnn = NumpyMDNRNN(RNNWeights.random(TINY_RNN, np.random.default_rng(0), scale=0.4), TINY_RNN)
    mu = np.random.default_rng(1).standard_normal((4, TINY_RNN.z_size)).astype(np.float32)
    return {"rnn": rnn, "initial_z": (mu, np.full_like(mu, -2.0)), "controller": TINY_C,
            "dream": DreamConfig(max_steps=5)}


# kwargs that keep each check short (check_env resets and steps a few times, and builds the id again
# once per declared render mode and once for its close check)
CASES: list[tuple[str, dict[str, Any]]] = [
    (CARRACING, {"max_steps": 50}),
    (CARRACING, {"backend": "stock", "max_steps": 50}),
    (CARRACING_ENVPOOL, {"max_steps": 50}),
    (DOOM, {"max_steps": 50}),
    (ATARI, {"game": "Pong", "max_steps": 50}),
    (BINPACKING, {"items": 20}),
    (BINPACKING, {"items": 20, "action_mask": False}),
    (DREAM, tiny_dream_kwargs()),
]

EXPECTED_WARNINGS: dict[str, dict[str, str]] = {
    DREAM: {
        "observation space minimum value is -infinity": "C's features are unbounded: z is drawn from M's Gaussian "
                                                        "mixture and c is the LSTM's cell state",
        "observation space maximum value is infinity": "the same features, bounded above by nothing either",
    },
}
"""id -> {text of a warning check_env gives on it: why it is right}; any other warning fails the test."""

ATARI_STACK_WARNINGS = {
    "different from the unwrapped version": "the agent's Atari game is gymnasium's AtariPreprocessing over our "
                                            "StickyActions over ale-py's AtariEnv: wrappers by design",
}
"""What check_env says on the whole Atari stack (its unwrapped AtariEnv is checked in CASES)."""

needs = {CARRACING_ENVPOOL: importlib.util.find_spec("envpool") is None}


def checked(env: gym.Env, expected: dict[str, str], **kwargs: Any) -> list[str]:
    """check_env on ``env``; fails on a warning not in ``expected`` and on an expected one not given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, **kwargs)
    messages = [str(w.message) for w in caught]
    unexpected = [m for m in messages if not any(text in m for text in expected)]
    assert not unexpected, unexpected
    stale = [text for text in expected if not any(text in m for m in messages)]
    assert not stale, f"EXPECTED_WARNINGS lists warnings check_env no longer gives: {stale}"
    return messages


@pytest.fixture
def quiet_sdl(monkeypatch):
    """The checker also builds each declared render mode, "human" too: no window, no sound device."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")


def test_cases_cover_every_id():
    assert {env_id for env_id, _ in CASES} == set(SPECS)
    assert set(EXPECTED_WARNINGS) <= set(SPECS)


@pytest.mark.parametrize(("env_id", "kwargs"), CASES, ids=[f"{n}-{env_id.split('/')[1]}" for n, (env_id, _) in
                                                          enumerate(CASES)])
def test_make_and_env_checker(env_id, kwargs, quiet_sdl):
    if needs.get(env_id):
        pytest.skip("envpool is not installed")
    env = gym.make(env_id, **kwargs)
    try:
        assert isinstance(env, gym.wrappers.PassiveEnvChecker) and env.spec.id == env_id
        checked(env.unwrapped, EXPECTED_WARNINGS.get(env_id, {}))
    finally:
        env.close()


def test_atari_stack_passes_the_checker(quiet_sdl):
    env = make_env("atari", game="Pong", max_steps=50, render_mode="rgb_array")
    try:
        checked(env, ATARI_STACK_WARNINGS)
    finally:
        env.close()


def test_our_factories_build_through_gym_make_and_add_no_wrapper():
    from worldmodels.envs.atari import StickyActions
    from worldmodels.envs.binpacking import BinPackingEnv
    from worldmodels.envs.carracing import CarRacingEnv
    from worldmodels.envs.doom import DoomTakeCoverEnv

    built = [(make_env("carracing", max_steps=5), CARRACING, CarRacingEnv),
             (make_env("doom", max_steps=5), DOOM, DoomTakeCoverEnv),
             (make_env("binpacking", items=5), BINPACKING, BinPackingEnv),
             (make_env("atari", game="Pong", max_steps=5), ATARI, gym.wrappers.AtariPreprocessing)]
    if not needs[CARRACING_ENVPOOL]:
        built.append((make_env("carracing", backend="envpool", max_steps=5), CARRACING_ENVPOOL, CarRacingEnv))
    for env, env_id, cls in built:
        try:
            # no checker, no OrderEnforcing, no TimeLimit: the game the entry point built, with a spec
            assert type(env) is cls and env.spec.id == env_id, (type(env), env.spec)
            assert env.spec.max_episode_steps is None and not env.spec.order_enforce
        finally:
            env.close()
    assert type(built[3][0].env) is StickyActions


def test_ids_refuse_the_other_carracing_game():
    with pytest.raises(WorldModelsError, match="CarRacingEnvPool-v0") as err:
        gym.make(CARRACING, backend="envpool")
    assert "\n" not in str(err.value)
    with pytest.raises(WorldModelsError, match="'fast'"):
        gym.make(CARRACING_ENVPOOL, backend="fast")
    with pytest.raises(WorldModelsError, match="Nope"):
        make_registered("WorldModels/Nope-v0")


def test_registration_is_idempotent():
    register_envs()
    before = {env_id: gym.spec(env_id) for env_id in SPECS}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        register_envs()
        register_envs()
    assert not caught, [str(w.message) for w in caught]  # gymnasium warns when an id is overridden
    assert all(gym.spec(env_id) is spec for env_id, spec in before.items())


def test_module_colon_id_form_registers_in_a_fresh_interpreter():
    code = ("import gymnasium as gym; import worldmodels.envs; "
            "assert 'WorldModels/BinPacking-v0' not in gym.registry; "  # importing the package registers nothing
            "env = gym.make('worldmodels.envs.registration:WorldModels/BinPacking-v0', items=3); "
            "obs, _ = env.reset(seed=0); print(env.spec.id, obs.shape)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["WorldModels/BinPacking-v0", "(64,", "64,", "3)"]


def test_make_vec_steps_the_same_games_as_make():
    vec = gym.make_vec(BINPACKING, num_envs=2, vectorization_mode="sync", items=8)
    single = [gym.make(BINPACKING, items=8) for _ in range(2)]
    try:
        obs, info = vec.reset(seed=5)
        firsts = [env.reset(seed=5 + i) for i, env in enumerate(single)]  # SyncVectorEnv seeds env i with seed + i
        np.testing.assert_array_equal(obs, np.stack([o for o, _ in firsts]))
        for _ in range(3):
            actions = np.array([0, 0])
            obs, reward, terminated, truncated, _ = vec.step(actions)
            steps = [env.step(a) for env, a in zip(single, actions)]
            np.testing.assert_array_equal(obs, np.stack([s[0] for s in steps]))
            np.testing.assert_array_equal(reward, [s[1] for s in steps])
    finally:
        vec.close()
        for env in single:
            env.close()


def test_dream_id_reads_m_and_initial_z_from_files(tmp_path):
    from worldmodels.formats import write_initial_z

    kwargs = tiny_dream_kwargs()
    spec = EnvSpec(name="tiny", vae=VAEConfig(z_size=3), rnn=TINY_RNN, controller=TINY_C,
                   dream=DreamConfig(max_steps=5))
    RNNWeights.random(TINY_RNN, np.random.default_rng(0), scale=0.4).save(tmp_path / "rnn.npz", TINY_RNN)
    write_initial_z(tmp_path / "initial_z.json", *kwargs["initial_z"])
    from_files = gym.make(DREAM, rnn=tmp_path / "rnn.npz", initial_z=tmp_path / "initial_z.json", spec=spec).unwrapped
    from_objects = gym.make(DREAM, **kwargs).unwrapped
    np.testing.assert_array_equal(from_files.rnn.kernel, from_objects.rnn.kernel)
    for got, want in zip(from_files.initial, kwargs["initial_z"]):
        np.testing.assert_allclose(got, want, atol=1e-4)  # initial_z.json keeps 4 decimals [formats.SCALE]
    assert from_files.controller_cfg == TINY_C and from_files.dream_cfg == spec.dream
    with pytest.raises(WorldModelsError, match="missing: rnn, initial_z"):
        gym.make(DREAM)
    with pytest.raises(WorldModelsError, match="spec="):
        gym.make(DREAM, rnn=tmp_path / "rnn.npz", initial_z=kwargs["initial_z"])
