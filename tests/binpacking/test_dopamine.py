"""The fork's recording command, ``python run_evaluation_dopamine.py --base_dir=... --gin_files=...``.

Without Dopamine (.venv has none: it lives in .venv-dopamine, ``make dopamine``) the line is one
error naming ``make dopamine``; what Rainbow sees and what is recorded are checked here with
.venv's packages; the command itself, on a tiny budget, runs where .venv-dopamine exists (or
Dopamine is importable) and is skipped with the reason otherwise (about 30 s).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "binpacking"
AS_TYPED = ["run_evaluation_dopamine.py", "--base_dir=test_results", "--gin_files=test_configs/rainbow.gin"]
TINY = ["--gin_bindings=Runner.num_iterations=1", "--gin_bindings=Runner.training_steps=400",
        "--gin_bindings=Runner.evaluation_steps=100", "--gin_bindings=create_binpacking_environment.items=50",
        "--gin_bindings=JaxRainbowAgent.min_replay_history=100", "--episodes", "3"]
"""One iteration of 400 training steps (8 episodes of 50 items, learning after 100) and 100 evaluation steps."""


def dopamine_venv() -> Path:
    return Path(os.environ.get("DOPAMINE_VENV", REPO / ".venv-dopamine"))


def has_dopamine() -> bool:
    return importlib.util.find_spec("dopamine") is not None or (dopamine_venv() / "bin" / "python").is_file()


def run(args: list[str], base_dir: Path, **env: str) -> subprocess.CompletedProcess:
    words = [w.replace("test_results", str(base_dir)) for w in args]
    return subprocess.run([sys.executable, *words], cwd=FOLDER, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env})


def test_without_dopamine_the_line_is_one_error_naming_make_dopamine(tmp_path):
    if importlib.util.find_spec("dopamine") is not None:
        pytest.skip("Dopamine is importable in this python: there is nothing to re-launch into")
    result = run(AS_TYPED, tmp_path / "out", DOPAMINE_VENV=str(tmp_path / "no_venv"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: Dopamine is not installed") and "make dopamine" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args,hint", [
    (["run_evaluation_dopamine.py", "--base_dir=x", "--gin_files=test_configs/missing.gin"], "missing.gin not found"),
    (["run_evaluation_dopamine.py", "--base_dir=x"], "--gin_files is required"),
    ([*AS_TYPED, "--distribution", "linear_waste_large"], "sized for bag capacity 9"),
    ([*AS_TYPED, "--episodes", "-1"], "argument --episodes: must be an integer >= 0, got '-1'"),
    ([*AS_TYPED, "--seed", "-3"], "argument --seed: must be an integer in [0, "),
])
def test_bad_input_is_one_line_before_anything_runs(tmp_path, args, hint):
    result = run(args, tmp_path / "out", DOPAMINE_VENV=str(tmp_path / "no_venv"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and hint in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_rainbow_sees_the_log_scaled_counts_and_the_item():
    from binpacking.run_evaluation_dopamine import features
    state = [0, 0, 1, 0, 0, 0, 0, 0, 1000, 3]  # one bag at level 2, 1000 at level 8, item 3
    want = np.array([0, np.log(2) / np.log(1001), 0, 0, 0, 0, 0, 1, 3 / 9], np.float32)
    np.testing.assert_allclose(features(state), want, rtol=1e-6)
    assert features(state).dtype == np.float32 and features(state).shape == (9,)


def test_the_game_dopamine_plays_records_extract_format(tmp_path):
    from binpacking.run_evaluation_dopamine import DopamineBinPacking, features
    from worldmodels.data import list_episodes, load_episode
    from worldmodels.envs.binpacking import BinPackingEnv
    game = DopamineBinPacking("bounded_waste", items=30, record_dir=tmp_path / "record")
    totals = []
    for seed in (3, 4):
        obs, total, terminal = game.reset(seed=seed), 0.0, False
        want = BinPackingEnv("bounded_waste", items=30)
        _, info = want.reset(seed=seed)
        np.testing.assert_array_equal(obs, features(info["state"]))
        while not terminal:
            assert not game.game_over
            obs, reward, terminal, info = game.step(8)  # level 8 never fits: the nearest valid move is made
            total += reward
        assert game.game_over and total == -info["waste"]
        totals.append(total)
    files = list_episodes(tmp_path / "record")
    assert [f.name for f in files] == ["dopamine_00000.npz", "dopamine_00001.npz"]
    episode = load_episode(files[0], ("obs", "action", "reward", "done"))
    assert episode["obs"].shape == (30, 64, 64, 3) and episode["action"].shape == (30, 9)
    assert episode["action"].sum(1).tolist() == [1.0] * 30 and episode["action"][0, 0] == 1  # the first: a new bag
    assert episode["reward"].sum() == totals[0] and episode["done"].tolist() == [0.0] * 29 + [1.0]
    assert DopamineBinPacking("bounded_waste", 30, tmp_path / "record")._count == 2  # a resumed run numbers on


@pytest.mark.skipif(not has_dopamine(), reason="Dopamine is not installed: make dopamine builds .venv-dopamine "
                                                "(requirements-dopamine.txt)")
def test_the_fork_line_trains_records_scores_and_resumes(tmp_path):
    base = tmp_path / "results"
    first = run(AS_TYPED + TINY, base)
    assert first.returncode == 0, first.stderr[-3000:]
    last = first.stdout.strip().splitlines()[-1]
    assert last.startswith("seed 0 average_reward "), first.stdout[-2000:]
    result = json.loads((base / "evaluation.json").read_text())
    assert result["distribution"] == "linear_waste" and result["episodes"] == 3 and len(result["rewards"]) == 3
    assert f"average_reward {result['average_reward']:.2f}" in last
    records = sorted((base / "record").glob("dopamine_*.npz"))
    assert len(records) == 10  # 8 training episodes of 50 items, then 2 of evaluation (100 steps)
    with np.load(records[0]) as episode:
        assert episode["obs"].shape == (50, 64, 64, 3) and episode["action"].shape == (50, 9)
    assert any((base / "checkpoints").iterdir())
    again = run(AS_TYPED + TINY, base)  # the iteration is done: nothing more is played, the same agent is scored
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.strip().splitlines()[-1] == last
    assert len(list((base / "record").glob("dopamine_*.npz"))) == 10
