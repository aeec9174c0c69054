"""docs/adding_a_game.md, followed to the letter: the example game's three files (tests/toy_game/)
run extract -> V -> M -> C in the dream -> C in the real game, through the game's own run.py and
the generic ``python -m worldmodels.pipeline.game`` route, in well under a minute.

The steps up to train run in this process (TensorFlow loads once); the last two run as a user
types them, in fresh interpreters. What is checked is what each step wrote, not only that it ran.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from worldmodels.data import Series
from worldmodels.fileio import read_json
from worldmodels.formats import read_initial_z
from worldmodels.mdnrnn import RNNWeights
from worldmodels.threads import ONE_THREAD
from worldmodels.vae import load_weights

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
GUIDE = REPO / "docs" / "adding_a_game.md"
EPISODES = 12          # extracted episodes: ~330 frames (a random episode lasts 27 steps on average)
POPULATION, E = 8, 2   # CMA-ES: 8 candidates x 2 dream episodes, 2 generations
SCORE = re.compile(r"^seed 0 average_reward (-?\d+\.\d+) stdev (\d+\.\d+)$", re.M)


@pytest.fixture(scope="module")
def toy():
    """The example game's run.py, imported as ``python run.py`` would (the folder above it on sys.path)."""
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(TESTS))
    for name, value in ONE_THREAD.items():  # what run.py sets on import, undone after this module
        mp.setenv(name, os.environ.get(name, value))
    from toy_game import run
    yield run
    mp.undo()


def test_the_guide_names_the_example_files_and_shows_run_py_verbatim():
    guide = GUIDE.read_text()
    for name in ("toy.py", "config.py", "run.py"):
        assert f"tests/toy_game/{name}" in guide and (TESTS / "toy_game" / name).is_file(), name
    script = (TESTS / "toy_game" / "run.py").read_text()
    code = script[script.index("from __future__"):]  # the file less its docstring
    assert code in guide, "the guide's listing of run.py differs from tests/toy_game/run.py"


def test_the_example_game_passes_gymnasiums_checker(toy):
    from gymnasium.utils.env_checker import check_env
    from toy_game import toy as adapter
    env = adapter.make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning of the checker fails
        check_env(env, skip_render_check=False)
    obs, _ = env.reset(seed=3)
    assert obs.shape == (64, 64, 3) and obs.dtype == np.uint8
    assert (obs.reshape(-1, 3) == adapter.AGENT_RGB).all(axis=1).sum() == adapter.CELL ** 2  # one dot of each
    assert (obs.reshape(-1, 3) == adapter.TARGET_RGB).all(axis=1).sum() == adapter.CELL ** 2


def test_extract_v_m_c_in_the_dream_then_the_real_game(toy, tmp_path, capsys):
    spec = toy.GAME.spec
    work = ["--workdir", str(tmp_path)]

    toy.main([*work, "extract", "--num_episodes", str(EPISODES), "--no_progress"])
    records = sorted((tmp_path / "record").glob("*.npz"))
    assert len(records) == EPISODES
    lengths, caught = [], 0
    for path in records:
        with np.load(path) as ep:
            n = len(ep["obs"])
            assert ep["obs"].shape == (n, 64, 64, 3) and ep["obs"].dtype == np.uint8
            assert ep["action"].shape == (n, 5) and (ep["action"].sum(axis=1) == 1).all()  # one-hot, M's input
            assert ep["reward"].shape == ep["done"].shape == (n,)
            end = bool(ep["done"][-1])  # the catch (reward 0.1 + 1) ends an episode, else the 30-step cap
            assert end == (ep["reward"][-1] > 1.0) and (end or n == 30) and not ep["done"][:-1].any()
            lengths.append(n)
            caught += end

    toy.main([*work, "vae_train", "--epochs", "1", "--max_frames", "200", "--batch_size", "20"])
    vae = load_weights(tmp_path / "tf_vae" / "vae.npz", spec.vae)  # readable with the game's V sizes
    assert vae is not None and "V trained in" in capsys.readouterr().out

    toy.main([*work, "series"])
    series = Series.load(tmp_path / "series" / "series.npz")
    assert series.mu.shape == (sum(lengths), 8) and series.action.shape == (sum(lengths), 5)
    assert series.reward is not None and series.done is not None and series.done.sum() == caught
    mu, _ = read_initial_z(tmp_path / "tf_initial_z" / "initial_z.json", 8)
    assert mu.shape == (EPISODES, 8)

    toy.main([*work, "rnn_train", "--epochs", "2", "--steps_per_epoch", "2", "--batch_size", "8"])
    rnn = RNNWeights.load(tmp_path / "tf_rnn" / "rnn.npz", spec.rnn)  # z 8 + 5 actions + restart -> LSTM 16
    assert rnn is not None and "M trained in" in capsys.readouterr().out

    toy.main([*work, "train", "-n", str(POPULATION), "-e", str(E), "-g", "2", "--eval_steps", "2",
              "--num_eval", "8", "--num_procs", "1"])  # in M's dream, the game's default
    out = capsys.readouterr().out
    assert re.search(r"^dotchase_dream gen 2 avg -?\d", out, re.M), out
    prefix = tmp_path / "log" / f"dotchase_dream.cma.{E}.{POPULATION}."
    assert [row[0] for row in read_json(f"{prefix}hist.json")] == [1, 2]
    params, reward = read_json(f"{prefix}best.json")
    assert len(params) == spec.controller.num_params == 125 and np.isfinite(reward)

    # as a user types them: the game's script in the real game, the generic route in the dream
    real = subprocess.run([sys.executable, str(TESTS / "toy_game" / "run.py"), *work, "model", "real", "norender",
                           f"{prefix}best.json", "--episodes", "4", "--num_envs", "4"],
                          capture_output=True, text=True, timeout=120)
    assert real.returncode == 0, real.stderr[-2000:]
    assert len(re.findall(r"^episode \d seed \d reward -?\d", real.stdout, re.M)) == 4, real.stdout
    score = SCORE.search(real.stdout)
    # an episode scores 0.1 x (starting - final distance) + 1 if caught: within [-1.4, 2.4] on an 8 x 8 board
    assert score and -1.4 <= float(score.group(1)) <= 2.4, real.stdout
    dream = subprocess.run([sys.executable, "-m", "worldmodels.pipeline.game", "toy_game.config:GAME", *work, "model",
                            "dream", "norender", f"{prefix}best.json", "--episodes", "4"],
                           cwd=TESTS, capture_output=True, text=True, timeout=120)
    assert dream.returncode == 0, dream.stderr[-2000:]
    assert SCORE.search(dream.stdout), dream.stdout
