"""Episode extraction: record format, frame/action alignment, dropping, resuming, the Doom script."""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from worldmodels.data import list_episodes, load_episode
from worldmodels.envs import doom
from worldmodels.fileio import WorldModelsError
from worldmodels.pipeline.extract import ExtractConfig, run_extract

REPO = Path(__file__).resolve().parents[2]
KEYS = ("obs", "action", "reward", "done")


class CountingEnv(gym.Env):
    """obs[t] is filled with t; the episode ends after a seed-dependent 3..14 steps."""

    observation_space = gym.spaces.Box(0, 255, (64, 64, 3), np.uint8)
    action_space = gym.spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t, self.length = 0, int(self.np_random.integers(3, 15))
        self.received: list[int] = []
        return np.zeros((64, 64, 3), np.uint8), {}

    def step(self, action):
        assert self.action_space.contains(action), action
        self.received.append(action)
        self.t += 1
        terminated = self.t >= self.length
        return np.full((64, 64, 3), self.t, np.uint8), 1.0, terminated, False, {}


class UniformPolicy:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, obs: np.ndarray) -> float:
        return float(self.rng.uniform(-1, 1))


def extract(out_dir: Path, **kw) -> int:
    cfg = ExtractConfig(out_dir=out_dir, progress=False, **{"num_episodes": 3, "min_frames": 4, "max_frames": 10} | kw)
    return run_extract(cfg, CountingEnv, UniformPolicy, doom.action_to_env)


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.glob("*.npz"))}


def test_records_format_and_alignment(tmp_path):
    assert extract(tmp_path) == 3
    files = list_episodes(tmp_path)
    assert len(files) == 3
    for f in files:
        ep = load_episode(f, keys=KEYS)
        T = len(ep["obs"])
        assert 4 < T <= 10, (f.name, T)  # kept: longer than min_frames, at most max_frames
        assert ep["obs"].shape == (T, 64, 64, 3) and ep["obs"].dtype == np.uint8
        assert ep["action"].shape == (T, 1) and ep["action"].dtype == np.float32
        assert np.all(np.abs(ep["action"]) <= 1)
        np.testing.assert_array_equal(ep["obs"][:, 0, 0, 0], np.arange(T))  # obs[t]: frame action[t] saw
        np.testing.assert_array_equal(ep["reward"], np.ones(T))
        # done[-1] = 1 only if the game ended it (length < 10), not the max_frames cap
        assert ep["done"][:-1].sum() == 0 and ep["done"].dtype == np.float32
        if T < 10:
            assert ep["done"][-1] == 1, (f.name, ep["done"])


def test_short_episodes_dropped_and_names_unique_per_worker(tmp_path):
    extract(tmp_path, min_frames=8, num_episodes=2, seed=5, worker=1)
    extract(tmp_path, min_frames=8, num_episodes=2, seed=6, worker=2)
    names = sorted(p.name for p in tmp_path.glob("*.npz"))
    assert len(names) == 4, names
    assert {n.split("_")[0] for n in names} == {"1", "2"}
    for p in tmp_path.glob("*.npz"):
        assert len(load_episode(p)["obs"]) > 8
    with pytest.raises(WorldModelsError, match="min_frames"):
        extract(tmp_path / "none", min_frames=15, max_frames=20, max_attempts=5)


def test_rerun_resumes_and_is_reproducible(tmp_path):
    first = tmp_path / "a"
    extract(first)
    before = snapshot(first)
    assert extract(first) == 0  # nothing new: every episode is already there
    assert snapshot(first) == before  # and nothing was rewritten
    assert extract(first, num_episodes=4) == 1
    after = snapshot(first)
    assert set(before) < set(after) and all(after[k] == before[k] for k in before)

    fresh = tmp_path / "b"
    extract(fresh, num_episodes=4)
    assert sorted(p.name for p in fresh.glob("*.npz")) == sorted(after)
    for name in after:
        a, b = load_episode(first / name, keys=KEYS), load_episode(fresh / name, keys=KEYS)
        for k in KEYS:
            np.testing.assert_array_equal(a[k], b[k])


def test_config_rejects_bad_values(tmp_path):
    with pytest.raises(WorldModelsError, match="max_frames"):
        ExtractConfig(out_dir=tmp_path, min_frames=10, max_frames=10)
    with pytest.raises(WorldModelsError, match="-1"):
        ExtractConfig(out_dir=tmp_path, seed=-1)


def test_doom_episodes(tmp_path):
    cfg = ExtractConfig(num_episodes=2, seed=0, out_dir=tmp_path, min_frames=10, max_frames=50, progress=False)
    make = partial(doom.DoomTakeCoverEnv, doom.DoomConfig(max_steps=50))
    assert run_extract(cfg, make, doom.random_policy, doom.action_to_env) == 2
    for f in list_episodes(tmp_path):
        ep = load_episode(f, keys=KEYS)
        assert ep["obs"].shape == (50, 64, 64, 3) and ep["action"].shape == (50, 1), f.name
        assert ep["obs"].std() > 5 and ep["reward"].sum() == 50
        runs = np.diff(np.flatnonzero(np.diff(ep["action"][:, 0])))
        assert runs.size and runs.max() <= 10, runs  # actions held 1..10 frames


@pytest.mark.parametrize("cwd", [".", "doomrnn"])
def test_doom_script_runs_from_repo_root_and_its_folder(tmp_path, cwd):
    cmd = [sys.executable, "extract.py" if cwd == "doomrnn" else "doomrnn/extract.py", "--num_episodes", "1",
           "--min_frames", "5", "--max_frames", "20", "--out_dir", str(tmp_path), "--no_progress"]
    res = subprocess.run(cmd, cwd=REPO / cwd, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    assert [p.name for p in tmp_path.glob("*.npz")] == ["0_0_00000.npz"]
    bad = subprocess.run(cmd + ["--resolution", "1x1"], cwd=REPO / cwd, capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown Doom resolution"), bad.stderr


def test_a_game_with_invalid_moves_records_each_frames_mask(tmp_path, monkeypatch):
    """info["action_mask"] of the frame each action was taken on: extract.py's records carry it, and
    series.py's series (the mask head's targets, worldmodels.pipeline.fit_mask)."""
    from worldmodels.envs import binpacking
    from worldmodels.pipeline import series as series_module
    env = binpacking.make(distribution="bounded_waste", items=40)
    seen: list[np.ndarray] = []
    step, reset = env.step, env.reset

    def reset_and_see(**kw):
        obs, info = reset(**kw)
        seen.append(info["action_mask"])
        return obs, info

    def step_and_see(action):
        out = step(action)
        seen.append(out[-1]["action_mask"])
        return out

    monkeypatch.setattr(env, "reset", reset_and_see)
    monkeypatch.setattr(env, "step", step_and_see)
    cfg = ExtractConfig(num_episodes=1, out_dir=tmp_path / "record", max_frames=40, progress=False)
    run_extract(cfg, lambda: env, lambda rng: binpacking.ExtractionPolicy(lambda: env.bins.state, 9),
                binpacking.action_to_env)
    path = list_episodes(tmp_path / "record")[0]
    with np.load(path) as ep:
        mask, action = ep["mask"], ep["action"].argmax(axis=1)
    assert mask.shape == (40, 9) and mask.dtype == bool
    np.testing.assert_array_equal(mask, np.array(seen[:40]))  # the frame's own, not the next one's
    assert mask[np.arange(40), action].all() and mask.sum(axis=1).max() > 1

    class NoEncoder:  # series.py's per-episode step without a V: only the arrays that ride along matter
        pass

    monkeypatch.setattr(series_module, "encode_frames",
                        lambda model, obs, batch: (np.zeros((len(obs), 2)), np.zeros((len(obs), 2))))
    np.testing.assert_array_equal(series_module.encode_episode(NoEncoder(), path, 8)["mask"], mask)
