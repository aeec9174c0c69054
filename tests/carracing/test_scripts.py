"""CarRacing scripts: bad input is one line and exit 2; the original agent's files run through model.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def run(script: str, *args: str, workdir: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "CARRACING_WORKDIR": str(workdir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, str(REPO / "carracing" / script), *args], env=env, cwd=workdir,
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:"), result.stderr[-2000:]
    return last


def save_vae(path: Path, z_size: int) -> Path:
    from worldmodels import vae
    from worldmodels.config import VAEConfig
    cfg = VAEConfig(z_size=z_size)
    vae.save_weights(path, vae.random_weights(cfg, np.random.default_rng(0)), cfg)
    return path


def save_rnn(path: Path, spec) -> Path:
    from worldmodels.mdnrnn import RNNWeights
    RNNWeights.random(spec.rnn, np.random.default_rng(1)).save(path, spec.rnn)
    return path


MAX_STEPS_ERROR = "--max_steps (steps per episode, 0: the environment's own limit) must be >= 0, got -1"


@pytest.mark.parametrize("script,args,hint", [
    ("vae_train.py", (), "extract"),
    ("series.py", (), "extract"),
    ("rnn_train.py", (), "series.py"),
    ("train.py", ("-g", "1"), "vae_train.py"),
    ("model.py", ("carracing", "norender", "missing.json"), "not found"),
    ("dream_model.py", ("missing.json",), "not found"),
    ("drive_stats.py", ("missing.json",), "not found"),
    ("drive_stats.py", ("--episodes", "0"), "--episodes"),
    ("extract.py", ("--max_frames", "0"), "max_frames"),
    ("model.py", ("carracing", "norender", "--num_envs", "0"), "--num_envs (games in lockstep) must be >= 1, got 0"),
    ("train.py", ("-g", "1", "--num_envs", "-1"), "--num_envs (games in lockstep) must be >= 1, got -1"),
    ("drive_stats.py", ("--num_envs", "0"), "--num_envs (games in lockstep) must be >= 1, got 0"),
    ("model.py", ("carracing", "norender", "--max_steps", "-1"), MAX_STEPS_ERROR),
    ("train.py", ("-g", "1", "--max_steps", "-1"), MAX_STEPS_ERROR),
    ("dream_model.py", ("--max_steps", "-1"), MAX_STEPS_ERROR),
    ("drive_stats.py", ("--max_steps", "-1"), MAX_STEPS_ERROR),
])
def test_missing_inputs_name_the_step(tmp_path, script, args, hint):
    assert hint in one_error_line(run(script, *args, workdir=tmp_path))


def test_doom_weights_and_controllers_are_refused(tmp_path):
    from carracing.config import SPEC
    from doomrnn.config import SPEC as DOOM
    doom_vae = save_vae(tmp_path / "doom_vae.npz", z_size=64)
    vae = save_vae(tmp_path / "vae.npz", z_size=32)
    rnn = save_rnn(tmp_path / "rnn.npz", SPEC)
    doom_rnn = save_rnn(tmp_path / "doom_rnn.npz", DOOM)
    good = tmp_path / "c.json"
    good.write_text(json.dumps([[0.0] * 867, 1.0]))
    doom_c = tmp_path / "doom_c.json"
    doom_c.write_text(json.dumps([[0.0] * 1088, 1.0]))
    (tmp_path / "corrupt.npz").write_bytes(b"not a zip file")
    (tmp_path / "corrupt.json").write_text(json.dumps([[0.0] * 867, 1.0])[:-5])

    base = ["carracing", "norender"]
    line = one_error_line(run("model.py", *base, str(doom_c), "--vae", str(vae), "--rnn", str(rnn), workdir=tmp_path))
    assert "1088" in line and "867" in line
    line = one_error_line(run("model.py", *base, str(good), "--vae", str(doom_vae), "--rnn", str(rnn),
                              workdir=tmp_path))
    assert "another environment" in line
    line = one_error_line(run("model.py", *base, str(good), "--vae", str(vae), "--rnn", str(doom_rnn),
                              workdir=tmp_path))
    assert "another environment" in line
    line = one_error_line(run("model.py", *base, str(good), "--vae", str(tmp_path / "corrupt.npz"), "--rnn", str(rnn),
                              workdir=tmp_path))
    assert "corrupt" in line
    line = one_error_line(run("model.py", *base, str(tmp_path / "corrupt.json"), workdir=tmp_path))
    assert "not valid JSON" in line
    line = one_error_line(run("train.py", "-g", "1", "--vae", str(doom_vae), "--rnn", str(rnn), workdir=tmp_path))
    assert "another environment" in line


def test_original_agent_files_run_through_model_py(reference, tmp_path):
    """The published controller and rnn.json, with a V of random weights (vae.json is not available)."""
    vae = save_vae(tmp_path / "vae.npz", z_size=32)
    result = run("model.py", "carracing", "norender", str(reference / "carracing" / "carracing.cma.16.64.best.json"),
                 "3", "--episodes", "2", "--max_steps", "5", "--vae", str(vae),
                 "--rnn", str(reference / "carracing" / "rnn.json"), workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("seed 3 average_reward ") and " stdev " in lines[-1], lines
    assert "episode 1 seed 4 reward" in result.stdout


def test_a_99_parameter_controller_is_the_v_only_ablation(tmp_path):
    from carracing.config import SPEC, V_ONLY_SPEC, spec_for_controller
    from worldmodels.formats import write_best
    write_best(tmp_path / "z.json", np.zeros(99), 1.0)
    write_best(tmp_path / "zh.json", np.zeros(867), 1.0)
    assert V_ONLY_SPEC.controller.num_params == 99 and V_ONLY_SPEC.controller.features == "z"
    assert spec_for_controller(tmp_path / "z.json") is V_ONLY_SPEC
    assert spec_for_controller(tmp_path / "zh.json") is SPEC


def test_v_hidden_trains_and_plays_the_papers_hidden_layer_ablation(tmp_path):
    from carracing.config import V_HIDDEN_SPEC, spec_for_controller
    from worldmodels.formats import write_best
    assert V_HIDDEN_SPEC.controller.num_params == 1443 and V_HIDDEN_SPEC.controller.hidden_units == 40
    write_best(tmp_path / "zhid.json", np.zeros(1443), 1.0)
    assert spec_for_controller(tmp_path / "zhid.json") is V_HIDDEN_SPEC
    vae, rnn = save_vae(tmp_path / "vae.npz", 32), save_rnn(tmp_path / "rnn.npz", V_HIDDEN_SPEC)
    files = ("--vae", str(vae), "--rnn", str(rnn))
    trained = run("train.py", "--v_hidden", "-n", "4", "-e", "1", "-g", "1", "--eval_steps", "1", "--num_eval", "1",
                  "--num_procs", "1", "--max_steps", "15", "--num_envs", "2", *files, workdir=tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    best = tmp_path / "log/carracing_z_hidden.cma.1.4.best.json"
    assert len(json.loads(best.read_text())[0]) == 1443
    played = run("model.py", "carracing", "norender", str(best), "0", "--episodes", "1", "--max_steps", "15", *files,
                 workdir=tmp_path)
    assert played.returncode == 0 and "average_reward" in played.stdout, played.stderr[-3000:]
    assert "--v_hidden" in one_error_line(run("train.py", "--v_hidden", "--v_only", "-g", "1", workdir=tmp_path))


def test_init_from_widens_a_v_only_controller(tmp_path):
    from carracing.config import SPEC, V_ONLY_SPEC
    from carracing.train import start_mean
    from worldmodels.formats import write_best
    params = np.arange(99) / 100.0
    write_best(tmp_path / "z.best.json", params, 700.0)
    write_best(tmp_path / "zh.best.json", np.ones(867), 800.0)
    got = start_mean(tmp_path / "z.best.json", SPEC)
    np.testing.assert_allclose(got[:99], params)
    assert got.shape == (867,) and not got[99:].any()
    np.testing.assert_allclose(start_mean(tmp_path / "zh.best.json", SPEC), np.ones(867))
    np.testing.assert_allclose(start_mean(tmp_path / "z.best.json", V_ONLY_SPEC), params)
    assert start_mean("", SPEC) is None


@pytest.mark.parametrize("args,hint", [
    (("--init_from", "missing.json"), "not found"),
    (("--init_from", "zh.best.json", "--v_only"), "cannot widen"),
])
def test_bad_init_from_is_one_line(tmp_path, args, hint):
    from worldmodels.formats import write_best
    write_best(tmp_path / "zh.best.json", np.ones(867), 800.0)
    save_vae(tmp_path / "vae.npz", 32)
    from carracing.config import SPEC
    save_rnn(tmp_path / "rnn.npz", SPEC)
    result = run("train.py", "-g", "1", "--num_procs", "1", "--vae", "vae.npz", "--rnn", "rnn.npz", *args,
                 workdir=tmp_path)
    assert hint in one_error_line(result)
    assert not (tmp_path / "log").exists() or not any((tmp_path / "log").iterdir())


def test_drive_stats_tells_where_model_py_rewards_come_from(tmp_path):
    """Same episodes and rewards as model.py; every episode gets its tiles, ending and actions."""
    from carracing.config import SPEC
    from worldmodels.formats import write_best
    vae, rnn = save_vae(tmp_path / "vae.npz", 32), save_rnn(tmp_path / "rnn.npz", SPEC)
    params = np.zeros(867)
    params[1] = 1.0  # gas bias: tanh(1) -> gas 0.88, so the car moves and visits tiles
    write_best(tmp_path / "c.json", params, 1.0)
    files = ("--vae", str(vae), "--rnn", str(rnn))
    stats = run("drive_stats.py", "c.json", "5", "--episodes", "2", "--max_steps", "60", *files, workdir=tmp_path)
    model = run("model.py", "carracing", "norender", "c.json", "5", "--episodes", "2", "--max_steps", "60", *files,
                workdir=tmp_path)
    assert stats.returncode == 0 and model.returncode == 0, (stats.stderr[-2000:], model.stderr[-2000:])
    rows = [line.split() for line in stats.stdout.splitlines() if line.startswith("episode ")]
    model_rows = [line.split() for line in model.stdout.splitlines() if line.startswith("episode ")]
    assert [r[:6] for r in rows] == [r[:6] for r in model_rows], (stats.stdout, model.stdout)  # seed and reward
    assert stats.stdout.strip().splitlines()[-1] == model.stdout.strip().splitlines()[-1]
    for r in rows:
        fields = dict(zip(r[::2], r[1::2]))
        assert fields["end"] == "time" and fields["steps"] == "60", r
        assert 0.0 < float(fields["tiles"]) < 0.2 and float(fields["speed"]) > 0.0, r
        assert float(fields["gas"]) == pytest.approx(0.88, abs=0.01) and float(fields["brake"]) == 0.0, r
    assert "2 episodes: laps finished 0, left the playfield 0, stopped at the frame limit 2" in stats.stdout


def test_extract_records_envpool_episodes(tmp_path):
    pytest.importorskip("envpool")
    from worldmodels.data import load_episode
    result = run("extract.py", "--backend", "envpool", "--num_episodes", "1", "--max_frames", "20", "--out_dir",
                 str(tmp_path / "record"), "--no_progress", workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    files = sorted((tmp_path / "record").glob("*.npz"))
    assert [f.name for f in files] == ["0_0_00000.npz"]
    ep = load_episode(files[0], keys=("obs", "action", "reward", "done"))
    assert ep["obs"].shape == (20, 64, 64, 3) and ep["obs"].dtype == np.uint8 and ep["action"].shape == (20, 3)
    assert ep["obs"].std() > 5 and not ep["done"].any()


@pytest.mark.parametrize("script,args,hint", [
    ("train.py", ("-g", "1"), "vae_train.py"),
    ("model.py", ("carracing", "norender", "missing.json"), "not found"),
])
def test_train_and_model_take_backend_envpool(tmp_path, script, args, hint):
    """Parsed (the run stops at the missing input after it); model.py warns that the scores differ."""
    result = run(script, *args, "--backend", "envpool", workdir=tmp_path)
    assert hint in one_error_line(result)
    warned = "not comparable to the reported" in result.stderr
    assert warned == (script == "model.py"), result.stderr
    assert "invalid choice: 'gpu'" in run(script, *args, "--backend", "gpu", workdir=tmp_path).stderr
    assert hint in one_error_line(run(script, *args, "--stock_env", workdir=tmp_path))  # the old flag still works


def test_drive_stats_on_envpool_warns_and_has_no_speed(tmp_path):
    pytest.importorskip("envpool")
    from carracing.config import SPEC
    from worldmodels.formats import write_best
    params = np.zeros(867)
    params[1] = 1.0  # gas
    write_best(tmp_path / "c.json", params, 1.0)
    result = run("drive_stats.py", "c.json", "--episodes", "1", "--max_steps", "30", "--backend", "envpool",
                 "--vae", str(save_vae(tmp_path / "vae.npz", 32)), "--rnn", str(save_rnn(tmp_path / "rnn.npz", SPEC)),
                 workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count("not comparable to the reported") == 1, result.stderr
    row = dict(zip(*[iter(result.stdout.splitlines()[0].split())] * 2))
    assert row["end"] == "time" and row["steps"] == "30" and row["speed"] == "nan", row
    assert 0.0 < float(row["tiles"]) < 0.2, row


def test_h_probe_on_the_shipped_v_and_m(tmp_path):
    """h_probe.py plays, encodes, runs M and scores 3 targets x 3 feature sets; bad input is one line."""
    out = run("h_probe.py", "--episodes", "2", "--max_steps", "40", "--json", str(tmp_path / "p.json"),
              workdir=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    table = json.loads((tmp_path / "p.json").read_text())
    assert {(r["target"], r["features"]) for r in table} == {
        (t, f) for t in ("reward", "speed", "next z") for f in ("z", "h", "zh")}
    assert all(r["train_steps"] == 40 and r["test_steps"] == 40 for r in table)
    assert all(r["train_r2"] <= 1.0 + 1e-9 for r in table)
    assert "speed from h" in out.stdout
    bad = one_error_line(run("h_probe.py", "--episodes", "1", workdir=tmp_path))
    assert "--episodes: must be an integer >= 2" in bad
    assert "not found" in one_error_line(run("h_probe.py", "--rnn", "missing.npz", workdir=tmp_path))
