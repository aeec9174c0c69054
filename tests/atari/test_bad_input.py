"""Atari scripts answer bad input with one line naming the problem (exit 2), and lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from atari.config import spec_for
from worldmodels.data import list_episodes, load_episode
from worldmodels.fileio import cli_main

REPO = Path(__file__).resolve().parents[2]


def run_main(module: str, argv: list[str], capsys) -> tuple[int, str]:
    """Run a script's main() in this process through cli_main: (exit code, last stderr line).

    What it printed to stdout is kept in ``run_main.out``."""
    import importlib
    main = importlib.import_module(f"atari.{module}").main
    code = 0
    try:
        cli_main(main, argv)
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    run_main.out = captured.out
    err = captured.err.strip().splitlines()
    return code, err[-1] if err else ""


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty ATARI_WORKDIR and no shipped agents (else model.py would play the shipped Pong)."""
    import atari.config
    import atari.model
    monkeypatch.setenv("ATARI_WORKDIR", str(tmp_path))
    for module in (atari.config, atari.model):
        monkeypatch.setattr(module, "TRAINED", tmp_path / "no_trained")
    return tmp_path


@pytest.mark.parametrize("module,argv,hint", [
    ("vae_train", [], "run extract.py"),
    ("series", [], "run extract.py"),
    ("rnn_train", [], "run series.py"),
    ("train", ["-g", "1"], "run rnn_train.py"),
    ("train", ["-g", "1", "--dream"], "run rnn_train.py"),
    ("train", ["-g", "1", "--no_done_head"], "--no_done_head only makes sense with --dream"),
    ("model", ["norender"], "train one with train.py"),
    ("dream_model", [], "run vae_train.py"),
    ("extract", ["--game", "Pongg"], "unknown Atari game 'Pongg'; did you mean pong"),
    ("model", ["norender", "--game", "ALE/NoSuchGame-v5"], "unknown Atari game"),
])
def test_missing_inputs_and_unknown_games(work, capsys, module, argv, hint):
    code, last = run_main(module, argv, capsys)
    assert code == 2 and last.startswith("error:") and hint in last, (code, last)


def test_controller_and_m_of_another_game(work, capsys, fake_rnn):
    seaquest = spec_for("Seaquest")
    path = work / "seaquest.json"
    path.write_text(json.dumps([[0.0] * seaquest.controller.num_params, 1.0]))
    code, last = run_main("model", ["norender", str(path)], capsys)
    assert code == 2 and "chooses among 18 actions, but pong (6 actions)" in last, last
    pong = spec_for("Pong")
    rnn = pong.paths.path("rnn")
    rnn.parent.mkdir(parents=True)
    fake_rnn(rnn, spec_for("Breakout"))
    for name in ("vae", "initial_z"):
        pong.paths.path(name).parent.mkdir(parents=True, exist_ok=True)
        pong.paths.path(name).write_text("placeholder")
    code, last = run_main("train", ["-g", "1", "--dream"], capsys)
    assert code == 2 and "takes 4 actions, but pong (6 actions)" in last, last
    fake_rnn(rnn, spec_for("Pong", heads=False))
    code, last = run_main("train", ["-g", "1", "--dream"], capsys)
    assert code == 2 and "no reward/done heads" in last, last
    assert rnn.is_file()  # nothing lost


def test_extract_writes_one_hot_actions_rewards_and_dones_then_resumes(work, capsys):
    argv = ["--num_episodes", "2", "--max_frames", "30", "--no_progress"]
    code, _ = run_main("extract", argv, capsys)
    assert code == 0
    files = list_episodes(spec_for("Pong").paths.path("record"))
    assert len(files) == 2
    ep = load_episode(files[0], keys=("obs", "action", "reward", "done"))
    assert ep["obs"].shape == (30, 64, 64, 1) and ep["obs"].dtype == np.uint8
    assert ep["action"].shape == (30, 6) and ep["action"].dtype == np.float32
    assert np.all(ep["action"].sum(axis=1) == 1.0) and ep["reward"].shape == (30,) and ep["done"].sum() == 0
    before = [f.stat().st_mtime_ns for f in files]
    assert run_main("extract", argv, capsys)[0] == 0 and "wrote 0 new" in run_main.out
    assert [f.stat().st_mtime_ns for f in files] == before  # resumed: nothing rewritten


@pytest.mark.parametrize("game,n", [("Breakout", 4), ("SpaceInvaders", 6), ("Seaquest", 18)])
def test_extract_other_games(work, capsys, game, n):
    code, _ = run_main("extract", ["--game", game, "--num_episodes", "1", "--max_frames", "12", "--no_progress"],
                       capsys)
    assert code == 0
    (path,) = list_episodes(spec_for(game).paths.path("record"))
    ep = load_episode(path)
    assert ep["obs"].shape == (12, 64, 64, 1) and ep["action"].shape == (12, n)


def test_scripts_exit_2_with_one_line(tmp_path):
    env = {**os.environ, "ATARI_WORKDIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    res = subprocess.run([sys.executable, str(REPO / "atari" / "train.py"), "--game", "Pongg"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [res.stderr.strip().splitlines()[-1]], res.stderr
    assert res.stderr.startswith("error: unknown Atari game 'Pongg'")
    res = subprocess.run(["bash", str(REPO / "atari" / "extract.bash"), "-w", "1", "-e", "1", "--", "--game", "Pongg"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "unknown Atari game" in res.stderr and not (tmp_path / "pongg").exists()


def test_a_v_for_other_frames_is_refused(work, capsys, fake_rnn):
    """A V trained with --dilate 3, given by path to a run without it, is one line, not a silent mismatch."""
    from worldmodels import vae
    dilated, pong = spec_for("Pong", dilate=3), spec_for("Pong")
    weights = {name: (np.full(k, 0.5 if name == vae.MEAN_FRAME else 0.0, np.float32), np.zeros(b, np.float32))
               for name, (k, b) in vae.weight_shapes(dilated.vae).items()}
    v = work / "vae_dilate3.npz"
    vae.save_weights(v, weights, dilated.vae)
    rnn, controller = work / "rnn.npz", work / "pong.json"
    fake_rnn(rnn, pong)
    controller.write_text(json.dumps([[0.0] * pong.controller.num_params, 1.0]))
    files = ["--vae", str(v), "--rnn", str(rnn)]
    code, last = run_main("model", ["norender", str(controller), *files, "--episodes", "1", "--max_steps", "5"], capsys)
    assert code == 2 and "trained on 'atari pong_dilate3' frames, but this run makes 'atari pong' frames" in last, last
    code, last = run_main("model", ["norender", str(controller), *files, "--episodes", "1", "--max_steps", "5",
                                    "--dilate", "3"], capsys)
    assert code == 0, last
