"""ship(): a run's V, M (float16), initial z and controllers copied into trained/, old files kept."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from worldmodels import vae
from worldmodels.config import ControllerConfig, EnvSpec, Paths, RNNConfig, VAEConfig
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import RNNWeights
from worldmodels.pipeline.ship import ship

SPEC = EnvSpec(name="toy", vae=VAEConfig(z_size=4), rnn=RNNConfig(z_size=4, action_size=2, hidden_units=8),
               controller=ControllerConfig(input_size=12, output_size=2))


def _run(tmp_path):
    rng = np.random.default_rng(0)
    weights = {name: (rng.standard_normal(k).astype(np.float32), rng.standard_normal(b).astype(np.float32))
               for name, (k, b) in vae.weight_shapes(SPEC.vae).items()}
    vae.save_weights(tmp_path / "vae.npz", weights, SPEC.vae)
    rnn = RNNWeights.random(SPEC.rnn, rng, scale=1.0)
    rnn.save(tmp_path / "rnn.npz", SPEC.rnn)
    (tmp_path / "initial_z.json").write_text("[[0, 0, 0, 0], [0, 0, 0, 0]]")
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        (tmp_path / run / "toy.cma.1.4.best.json").write_text(json.dumps([[0.5] * 26, -1.0 if run == "a" else -2.0]))
        (tmp_path / run / "toy.cma.1.4.hist.json").write_text("[]")
    return weights, rnn


def test_ship_several_controllers_and_keep_the_previous_files(tmp_path):
    weights, rnn = _run(tmp_path)
    out = tmp_path / "trained"
    args = (SPEC, tmp_path / "vae.npz", tmp_path / "rnn.npz", tmp_path / "initial_z.json")
    written = ship(*args, {"toy.a.": tmp_path / "a" / "toy.cma.1.4.", "toy.b.": tmp_path / "b" / "toy.cma.1.4."}, out)
    names = sorted(p.name for p in written)
    assert names == ["initial_z.json", "rnn.npz", "toy.a.best.json", "toy.a.hist.json", "toy.b.best.json",
                     "toy.b.hist.json", "vae.npz"], names  # no log.json in the runs: none shipped
    assert json.loads((out / "toy.b.best.json").read_text())[1] == -2.0
    back = vae.load_weights(out / "vae.npz", SPEC.vae)
    np.testing.assert_allclose(back["enc_conv1"][0], weights["enc_conv1"][0].astype(np.float16), rtol=0)
    with np.load(out / "vae.npz") as stored:
        assert {stored[key].dtype for key in stored.files if stored[key].dtype.kind == "f"} == {np.dtype(np.float16)}
    np.testing.assert_allclose(RNNWeights.load(out / "rnn.npz", SPEC.rnn).kernel, rnn.kernel, rtol=1e-3, atol=1e-3)

    # shipping again (one controller, the original's single-prefix form) moves the old files aside
    ship(*args, tmp_path / "a" / "toy.cma.1.4.", out)
    assert (out / "toy.cma.1.4.best.json").is_file() and not (out / "toy.a.best.json").exists()
    (previous,) = (out / "previous").iterdir()
    assert sorted(p.name for p in previous.iterdir()) == names

    with pytest.raises(WorldModelsError, match="missing.best.json not found"):
        ship(*args, {"toy.c.": tmp_path / "missing."}, out)
    assert (out / "toy.cma.1.4.best.json").is_file()  # nothing moved when the input is incomplete


def test_ship_command_renames_the_run_for_model_py(tmp_path, capsys):
    from worldmodels.pipeline.ship import main_one_run
    _run(tmp_path)
    spec = replace(SPEC, paths=Paths(root=tmp_path, vae="vae.npz", rnn="rnn.npz", initial_z="initial_z.json"))
    out = tmp_path / "trained"
    main_one_run(["--log_prefix", str(tmp_path / "a" / "toy.cma.1.4.")], spec, "Ship.\n", "unused.", out,
                 shipped_name="toy.")
    assert (out / "toy.best.json").read_text() == (tmp_path / "a" / "toy.cma.1.4.best.json").read_text()
    assert not list(out.glob("toy.cma.*"))
    assert "shipped " in capsys.readouterr().out
