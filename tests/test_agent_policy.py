"""The agent as an extraction policy (iterative training's data, issue #27) on bin packing's shipped agent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from worldmodels.agent_policy import AgentPolicy
from worldmodels.fileio import WorldModelsError

REPO = Path(__file__).resolve().parents[1]
ITEMS = 120


def shipped_agent():
    from binpacking.config import SPEC, model_files
    from worldmodels.envs.binpacking import action_mask
    from worldmodels.evaluators import load_agent
    from worldmodels.formats import read_controller
    files = model_files("perfect_pack")
    agent = load_agent(SPEC, files.vae, files.rnn, action_mask=action_mask)
    return agent, read_controller(files.controller, SPEC.controller.num_params)


def play(policy, env, seed: int, rng: np.random.Generator) -> tuple[float, list[int], list[bool]]:
    policy.reset(rng)
    obs, info = env.reset(seed=seed)
    total, actions, valid, done = 0.0, [], [], False
    while not done:
        a = int(np.argmax(policy(obs)))
        actions.append(a)
        valid.append(bool(info["action_mask"][a]))
        obs, r, done, _, info = env.step(a)
        total += r
    return total, actions, valid


def test_without_exploration_it_plays_as_the_real_rollouts_do():
    """Same game seed, same z noise stream: the policy's episode is the evaluator's, to the last reward."""
    from worldmodels.envs.binpacking import make
    from worldmodels.rollout import Z_NOISE_STREAM, real_rollouts
    agent, params = shipped_agent()
    env = make(distribution="perfect_pack", items=ITEMS)
    policy = AgentPolicy(agent, params, 0.0, lambda: env_mask(env))
    for seed in (3, 4):
        total, _, valid = play(policy, env, seed, np.random.default_rng([seed, Z_NOISE_STREAM]))
        rewards, _, _ = real_rollouts(agent, lambda: make(distribution="perfect_pack", items=ITEMS),
                                      params[None], np.array([[seed]]), num_envs=1)
        assert all(valid) and total == rewards[0, 0], (seed, total, rewards)


def env_mask(env) -> np.ndarray:
    from worldmodels.envs.binpacking import valid_mask
    return valid_mask(env.unwrapped.bins.state)


def test_full_exploration_plays_random_valid_moves():
    from worldmodels.envs.binpacking import make
    agent, params = shipped_agent()
    env = make(distribution="perfect_pack", items=ITEMS)
    policy = AgentPolicy(agent, params, 1.0, lambda: env_mask(env))
    _, actions, valid = play(policy, env, 0, np.random.default_rng(0))
    greedy = AgentPolicy(agent, params, 0.0, lambda: env_mask(env))
    _, greedy_actions, _ = play(greedy, env, 0, np.random.default_rng(0))
    assert all(valid) and len(set(actions)) >= 4 and actions != greedy_actions


def test_exploration_outside_0_1_is_refused():
    agent, params = shipped_agent()
    with pytest.raises(WorldModelsError, match="probability"):
        AgentPolicy(agent, params, 1.5)


def test_extract_with_a_controller_records_its_play_with_masks(tmp_path):
    env = {**os.environ, "BINPACKING_WORKDIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "extract.py", "--controller", "trained/binpacking.perfect_pack.best.json", "--vae",
         "trained/vae.npz", "--rnn", "trained/rnn.npz", "--explore", "0", "--num_episodes", "2", "--items", "50",
         "--distribution", "perfect_pack", "--worker", "101", "--no_progress"],
        cwd=REPO / "binpacking", env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    files = sorted((tmp_path / "record").glob("101_*.npz"))
    assert len(files) == 2
    with np.load(files[0]) as ep:
        assert ep["mask"].shape == (50, 9) and ep["mask"].dtype == bool
        played = ep["action"].argmax(axis=1)
        assert ep["mask"][np.arange(50), played].all()  # every move C made was valid


def test_doom_extract_with_a_controller_records_its_play(tmp_path):
    """Doom's extract.py --controller (issue #26's iterative training): the shipped agent plays, and
    without exploration the record's actions are C's own, tanh of its linear output: in [-1, 1]
    and not the random policy's holds of 1..10 frames."""
    env = {**os.environ, "DOOMRNN_WORKDIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "extract.py", "--controller", "trained/doomrnn.cma.16.64.best.json", "--vae",
         "trained/vae.npz", "--rnn", "trained/rnn.npz", "--explore", "0", "--num_episodes", "1",
         "--min_frames", "0", "--max_frames", "40", "--worker", "201", "--seed", "201", "--no_progress"],
        cwd=REPO / "doomrnn", env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    files = sorted((tmp_path / "record").glob("201_201_*.npz"))
    assert len(files) == 1
    with np.load(files[0]) as ep:
        a = ep["action"][:, 0]
        assert ep["obs"].shape == (40, 64, 64, 3) and np.all(np.abs(a) <= 1.0)
        assert np.count_nonzero(np.diff(a[:15])) >= 12  # a new action on (nearly) every frame (later C may hold 1.0)
    missing = subprocess.run(
        [sys.executable, "extract.py", "--controller", str(tmp_path / "none.json"), "--num_episodes", "1"],
        cwd=REPO / "doomrnn", env=env, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "none.json" in missing.stderr
    assert not (tmp_path / "record" / "0_0_00000.npz").exists()
