"""Doom scripts answer missing or corrupt inputs with one line naming the step to run first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def run(script: str, *args: str, workdir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOOMRNN_WORKDIR": str(workdir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(REPO / "doomrnn" / script), *args], env=env, cwd=workdir,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("script,args,hint", [
    ("vae_train.py", (), "extract"),
    ("series.py", (), "extract"),
    ("rnn_train.py", (), "series.py"),
    ("train.py", ("-g", "1"), "rnn_train.py"),
    ("model.py", ("doomreal", "norender", "missing.json"), "not found"),
])
def test_missing_inputs_name_the_step(tmp_path, script, args, hint):
    result = run(script, *args, workdir=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and hint in last, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_series_needs_v_and_skips_corrupt_episodes(tmp_path):
    record = tmp_path / "record"
    record.mkdir()
    result = run("series.py", workdir=tmp_path)
    assert result.returncode == 2 and "extract" in result.stderr
    from worldmodels.data import save_episode
    save_episode(record / "a.npz", np.zeros((5, 64, 64, 3), np.uint8), np.zeros((5, 1), np.float32))
    result = run("series.py", workdir=tmp_path)
    assert result.returncode == 2 and "vae_train.py" in result.stderr.splitlines()[-1]


def test_wrong_environment_weights_and_corrupt_controller(tmp_path):
    from worldmodels import vae
    from worldmodels.config import VAEConfig
    cfg = VAEConfig(z_size=32)  # CarRacing-sized V given to Doom
    weights = {n: (np.zeros(k, np.float32), np.zeros(b, np.float32)) for n, (k, b) in vae.weight_shapes(cfg).items()}
    vae.save_weights(tmp_path / "vae.npz", weights, cfg)
    from worldmodels.data import save_episode
    save_episode(tmp_path / "record" / "a.npz", np.zeros((5, 64, 64, 3), np.uint8), np.zeros((5, 1), np.float32))
    result = run("series.py", "--vae", str(tmp_path / "vae.npz"), workdir=tmp_path)
    assert result.returncode == 2
    assert "expected" in result.stderr.splitlines()[-1] and "another environment" in result.stderr
    (tmp_path / "c.json").write_text(json.dumps([[0.0] * 867, 1.0])[:-5])  # truncated
    result = run("model.py", "doomreal", "norender", str(tmp_path / "c.json"), workdir=tmp_path)
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    (tmp_path / "c.json").write_text(json.dumps([[0.0] * 867, 1.0]))  # CarRacing's 867 params
    result = run("model.py", "doomreal", "norender", str(tmp_path / "c.json"), workdir=tmp_path)
    assert result.returncode == 2 and "1088" in result.stderr


@pytest.mark.parametrize("value", ["0", "-1"])
@pytest.mark.parametrize("script,args", [
    ("model.py", ("doomreal", "norender")),
    ("model.py", ("doomrnn", "norender")),
    ("train.py", ("-g", "1", "--real")),
    ("train.py", ("-g", "1")),
])
def test_num_envs_below_one_is_one_line_naming_the_option(tmp_path, script, args, value):
    """--num_envs comes from RolloutConfig: checked once, the same line in every script."""
    result = run(script, *args, "--num_envs", value, workdir=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [f"error: --num_envs (games in lockstep) must be >= 1, got {value}"]


def test_doomrnn_py_takes_its_temperature_through_the_dream_config(tmp_path):
    """doomrnn.py's --temperature is DreamConfig's option (it was once a separate one, ignored)."""
    result = run("doomrnn.py", "--episodes", "1", "--temperature", "0", workdir=REPO / "doomrnn")
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == "error: --temperature (tau) must be a finite number > 0, got 0.0"
