"""CarRacing's C trained inside M's dream (issue #25, item 5): train.py --dream, model.py carracingrnn."""

from __future__ import annotations

import json

import numpy as np

from tests.carracing.test_scripts import one_error_line, run, save_rnn, save_vae
from worldmodels.pipeline.fit_heads import with_heads


def save_heads_rnn(path, spec, done_bias: float = -3.0):
    """A random M with reward and done heads as fit_heads.py writes them: the reward head pays 0.5 a
    step plus a little of h, the done head fires where h's first unit is large."""
    from worldmodels.mdnrnn import RNNWeights
    weights = RNNWeights.random(spec.rnn, np.random.default_rng(1))
    hidden = spec.rnn.hidden_units
    reward_wb = np.concatenate([np.full(hidden, 0.01), [0.5]])
    done_wb = np.concatenate([[6.0], np.zeros(hidden - 1), [done_bias]])
    heads, cfg = with_heads(weights, spec.rnn, reward_wb, done_wb)
    heads.save(path, cfg)
    return path


def save_initial_z(path, z_size: int):
    from worldmodels.formats import write_initial_z
    rng = np.random.default_rng(0)
    write_initial_z(path, rng.standard_normal((4, z_size)).astype(np.float32), np.full((4, z_size), -3.0, np.float32))
    return path


def test_train_dream_evolves_c_in_the_dream_and_model_py_scores_it(tmp_path):
    from carracing.config import SPEC
    (tmp_path / "tf_rnn").mkdir()
    (tmp_path / "tf_initial_z").mkdir()
    (tmp_path / "tf_vae").mkdir()
    save_vae(tmp_path / "tf_vae/vae.npz", SPEC.vae.z_size)  # model.py loads V even for the dream
    save_heads_rnn(tmp_path / "tf_rnn/rnn_heads.npz", SPEC)
    save_initial_z(tmp_path / "tf_initial_z/initial_z.json", SPEC.rnn.z_size)
    result = run("train.py", "--dream", "-n", "4", "-e", "2", "-g", "2", "--eval_steps", "2", "--num_eval", "2",
                 "--num_procs", "1", "--max_steps", "40", workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "carracing_dream gen 2" in result.stdout, result.stdout
    best = tmp_path / "log/carracing_dream.cma.2.4.best.json"
    hist = json.loads((tmp_path / "log/carracing_dream.cma.2.4.hist.json").read_text())
    assert len(hist) == 2 and hist[-1][8] <= 40  # max steps <= the cap
    # the dream's reward is the heads': 0.5 + a little of h a step (the done head stays off here;
    # its -100: tests/test_dream.py)
    played = run("model.py", "carracingrnn", "norender", str(best), "0", "--episodes", "3", "--rnn",
                 str(tmp_path / "tf_rnn/rnn_heads.npz"), "--max_steps", "40", workdir=tmp_path)
    assert played.returncode == 0, played.stderr[-3000:]
    lines = [ln.split() for ln in played.stdout.splitlines() if ln.startswith("episode")]
    assert len(lines) == 3
    for ln in lines:
        assert int(ln[7]) == 40 and abs(float(ln[5]) - 40 * 0.5) < 2.0, ln


    # the mean of generation 2 in the dream and in the real game, once; a plot of the table
    table = tmp_path / "log/carracing_dream.cma.2.4.dream_vs_real.json"
    args = ("log/carracing_dream.cma.2.4.", "--episodes", "2", "--procs", "1", "--max_steps", "25", "--vae",
            str(tmp_path / "tf_vae/vae.npz"), "--plot", str(tmp_path / "dvr.png"))
    scored = run("dream_vs_real.py", *args, workdir=tmp_path)
    assert scored.returncode == 0, scored.stderr[-3000:]
    rows = json.loads(table.read_text())
    assert len(rows) == 1 and rows[0][0] == 2 and rows[0][5] == 2
    assert abs(rows[0][1] - 25 * 0.5) < 2.0   # the dream's reward, as model.py carracingrnn scores it
    assert (tmp_path / "dvr.png").stat().st_size > 1000
    kept = json.loads((tmp_path / "log/carracing_dream.cma.2.4.gen0002.best.json").read_text())
    assert kept[0] == json.loads((tmp_path / "log/carracing_dream.cma.2.4.json").read_text())[0]
    assert kept[1] == rows[0][3]  # the real score it got
    again = run("dream_vs_real.py", *args, workdir=tmp_path)
    assert again.returncode == 0 and json.loads(table.read_text()) == rows  # generation 2 is not played twice


def test_dream_vs_real_refuses_what_is_not_a_run(tmp_path):
    line = one_error_line(run("dream_vs_real.py", "log/nothing.", workdir=tmp_path))
    assert "not found" in line and "log/nothing.hist.json" in line


def test_train_dream_needs_heads(tmp_path):
    from carracing.config import SPEC
    save_rnn(tmp_path / "plain.npz", SPEC)
    save_initial_z(tmp_path / "z.json", SPEC.rnn.z_size)
    line = one_error_line(run("train.py", "--dream", "-g", "1", "--rnn", str(tmp_path / "plain.npz"),
                              "--initial_z", str(tmp_path / "z.json"), workdir=tmp_path))
    assert "has no reward and done heads" in line and "fit_heads.py" in line
    line = one_error_line(run("train.py", "--dream", "-g", "1", workdir=tmp_path))
    assert "rnn_heads.npz not found" in line and "fit_heads.py" in line


def test_real_game_plays_an_m_with_heads_like_its_plain_self(tmp_path):
    """model.py with the heads M: the same h, so the same drive as with the M the heads were fitted to."""
    from carracing.config import SPEC
    from worldmodels.formats import write_best
    from worldmodels.mdnrnn import RNNWeights
    heads = save_heads_rnn(tmp_path / "heads.npz", SPEC)
    plain = tmp_path / "plain.npz"
    RNNWeights.random(SPEC.rnn, np.random.default_rng(1)).save(plain, SPEC.rnn)
    save_vae(tmp_path / "vae.npz", SPEC.vae.z_size)
    write_best(tmp_path / "c.json", np.random.default_rng(3).standard_normal(867) * 0.1, 0.0)
    scores = []
    for rnn in (plain, heads):
        played = run("model.py", "carracing", "norender", str(tmp_path / "c.json"), "0", "--episodes", "1",
                     "--max_steps", "30", "--vae", str(tmp_path / "vae.npz"), "--rnn", str(rnn), workdir=tmp_path)
        assert played.returncode == 0, played.stderr[-3000:]
        scores.append(played.stdout.strip().splitlines()[-1])
    assert scores[0] == scores[1]
