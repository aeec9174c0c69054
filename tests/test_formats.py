"""The original's JSON formats: the reference files, round trips, the LSTM layout conversion."""

from __future__ import annotations

import json

import numpy as np
import pytest

from worldmodels import formats, mdnrnn, vae
from worldmodels.config import ControllerConfig, DreamConfig, RNNConfig, VAEConfig
from worldmodels.dream import dream_rollouts
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights

CAR_RNN = RNNConfig(z_size=32, action_size=3, hidden_units=256)  # [paper A.1]
CAR_C = ControllerConfig()  # 288 -> 3, bias, zh, continuous: 867 params
DOOM_C = ControllerConfig(input_size=1088, output_size=1, use_bias=False, action="doom", features="zch")


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def original_basic_lstm_step(x, h, c, kernel, bias, forget_bias=1.0):
    """TF 1.x BasicLSTMCell, written from its definition: one kernel over concat(x, h), gates i, j, f, o."""
    gates = np.concatenate([x, h], axis=1) @ kernel + bias
    i, j, f, o = np.split(gates, 4, axis=1)
    c_new = c * _sig(f + forget_bias) + _sig(i) * np.tanh(j)
    h_new = np.tanh(c_new) * _sig(o)
    return h_new, c_new


@pytest.fixture
def car_rnn_raw(reference):
    """The reference CarRacing rnn.json and its four raw arrays (original layout, / 1e4)."""
    path = reference / "carracing" / "rnn.json"
    return path, [np.asarray(a, np.float64) / 1e4 for a in json.loads(path.read_text())]


# ----------------------------------------------------------------------------------------------
# the reference CarRacing M and C


def test_reference_rnn_json_gives_a_working_m(reference, car_rnn_raw):
    path, _ = car_rnn_raw
    w = mdnrnn.read_rnn_json(path, CAR_RNN)
    rnn = NumpyMDNRNN(w, CAR_RNN)
    mu, logvar = formats.read_initial_z(reference / "carracing" / "initial_z.json", 32)
    assert mu.shape == logvar.shape == (1, 32)
    h, c = rnn.initial_state(1)
    for _ in range(3):
        h, c, y = rnn.step(mu, np.zeros((1, 3)), h, c)
        out = mdnrnn.split_output(y, CAR_RNN)
        for a in (out.logmix, out.mean, out.logstd):
            assert a.shape == (1, 32, 5) and np.all(np.isfinite(a))
        np.testing.assert_allclose(np.exp(out.logmix).sum(-1), 1.0, rtol=1e-5)
    assert np.abs(h).max() > 1e-3  # the state moved
    # RNNWeights.load reads the same file through the .json suffix
    np.testing.assert_array_equal(RNNWeights.load(path, CAR_RNN).kernel, w.kernel)


def test_reference_controller_dreams_100_steps(reference, car_rnn_raw):
    path, _ = car_rnn_raw
    rnn = NumpyMDNRNN(mdnrnn.read_rnn_json(path, CAR_RNN), CAR_RNN)
    params = formats.read_controller(reference / "carracing" / "carracing.cma.16.64.best.json", 867)
    assert params.shape == (867,)
    mu, logvar = formats.read_initial_z(reference / "carracing" / "initial_z.json", 32)
    rewards, steps = dream_rollouts(rnn, CAR_C, params[None], mu, logvar,
                                    DreamConfig(temperature=1.0, max_steps=100, reward_per_step=1.0),
                                    seeds=np.array([[1, 2]]))
    np.testing.assert_array_equal(steps, [[100, 100]])  # no done head: every rollout runs to the cap
    np.testing.assert_allclose(rewards, [[100.0, 100.0]])


def test_gate_reorder_and_forget_bias_match_original_basic_lstm(car_rnn_raw):
    path, (out_w, out_b, kernel, bias) = car_rnn_raw
    rnn = NumpyMDNRNN(mdnrnn.read_rnn_json(path, CAR_RNN), CAR_RNN)
    rng = np.random.default_rng(0)
    h_ref = c_ref = np.zeros((2, 256))
    h, c = rnn.initial_state(2)
    for _ in range(6):
        z = rng.standard_normal((2, 32)).astype(np.float32)
        a = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
        h_ref, c_ref = original_basic_lstm_step(np.concatenate([z, a], 1), h_ref, c_ref, kernel, bias)
        h, c, y = rnn.step(z, a, h, c)
        np.testing.assert_allclose(h, h_ref, atol=1e-5)
        np.testing.assert_allclose(c, c_ref, atol=1e-5)
        np.testing.assert_allclose(y, h_ref @ out_w + out_b, atol=1e-4)
    # non-tautology: without the forget bias the original math gives another state
    h_nofb, _ = original_basic_lstm_step(np.concatenate([z, a], 1), h_ref, c_ref, kernel, bias, forget_bias=0.0)
    assert np.abs(h_nofb - original_basic_lstm_step(np.concatenate([z, a], 1), h_ref, c_ref, kernel, bias)[0]
                  ).max() > 1e-3


def test_rnn_from_original_on_random_weights_matches_basic_lstm():
    cfg = RNNConfig(z_size=3, action_size=2, hidden_units=4, use_restart=True, done_head=True)
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((cfg.input_size + 4, 16)) * 0.5
    bias = rng.standard_normal(16) * 0.5
    out_w, out_b = rng.standard_normal((4, cfg.output_size)), rng.standard_normal(cfg.output_size)
    rnn = NumpyMDNRNN(mdnrnn.rnn_from_original(out_w, out_b, kernel, bias, cfg), cfg)
    x = rng.standard_normal((5, cfg.input_size)).astype(np.float32)
    x[:, -1] = 0.0  # no restart
    h0 = rng.standard_normal((5, 4)).astype(np.float32)
    c0 = rng.standard_normal((5, 4)).astype(np.float32)
    h, c = rnn.lstm(x, h0, c0)
    h_ref, c_ref = original_basic_lstm_step(x, h0, c0, kernel, bias)
    np.testing.assert_allclose(h, h_ref, atol=1e-5)
    np.testing.assert_allclose(c, c_ref, atol=1e-5)


def test_write_read_rnn_json_round_trip(tmp_path):
    cfg = RNNConfig(z_size=4, action_size=1, hidden_units=8, use_restart=True, done_head=True)
    rng = np.random.default_rng(2)
    h4 = 32
    w = RNNWeights(kernel=rng.uniform(-2, 2, (6, h4)).astype(np.float32),
                   recurrent=rng.uniform(-2, 2, (8, h4)).astype(np.float32),
                   bias=rng.uniform(-2, 2, h4).astype(np.float32),
                   output_w=rng.uniform(-2, 2, (8, cfg.output_size)).astype(np.float32),
                   output_b=rng.uniform(-2, 2, cfg.output_size).astype(np.float32))
    mdnrnn.write_rnn_json(tmp_path / "rnn.json", w, cfg)
    raw = json.loads((tmp_path / "rnn.json").read_text())
    assert [np.shape(a) for a in raw] == [(8, cfg.output_size), (cfg.output_size,), (6 + 8, h4), (h4,)]
    assert all(isinstance(v, int) for v in np.ravel(raw[3]).tolist())  # ints x 1e4, as the original
    back = mdnrnn.read_rnn_json(tmp_path / "rnn.json", cfg)
    for name in ("kernel", "recurrent", "bias", "output_w", "output_b"):
        np.testing.assert_allclose(getattr(back, name), getattr(w, name), atol=1e-4, err_msg=name)
    # in the file the forget gate (original block 2) carries bias - 1
    np.testing.assert_allclose(np.asarray(raw[3][16:24]) / 1e4, w.bias[8:16] - 1.0, atol=1e-4)
    np.testing.assert_allclose(np.asarray(raw[3][8:16]) / 1e4, w.bias[16:24], atol=1e-4)  # j = Keras c
    with pytest.raises(WorldModelsError, match="another environment"):
        mdnrnn.read_rnn_json(tmp_path / "rnn.json", RNNConfig(z_size=4, action_size=1, hidden_units=8))


# ----------------------------------------------------------------------------------------------
# vae.json, initial_z.json, controllers


def test_vae_json_round_trip(tmp_path):
    cfg = VAEConfig(z_size=32, channels=3)
    rng = np.random.default_rng(3)
    weights = {name: (rng.uniform(-1, 1, k).astype(np.float32), rng.uniform(-1, 1, b).astype(np.float32))
               for name, (k, b) in vae.weight_shapes(cfg).items()}
    vae.write_vae_json(tmp_path / "vae.json", weights, cfg)
    back = vae.load_weights(tmp_path / "vae.json", cfg)  # through the .json suffix
    for name in vae.LAYER_ORDER:
        np.testing.assert_allclose(back[name][0], weights[name][0], atol=5.1e-5, err_msg=name)
        np.testing.assert_allclose(back[name][1], weights[name][1], atol=5.1e-5, err_msg=name)
    with pytest.raises(WorldModelsError, match="another environment"):
        vae.read_vae_json(tmp_path / "vae.json", VAEConfig(z_size=64))
    (tmp_path / "short.json").write_text("[[1], [2]]")
    with pytest.raises(WorldModelsError, match="expected 22 variables"):
        vae.read_vae_json(tmp_path / "short.json", cfg)


def test_initial_z_round_trip_and_errors(tmp_path):
    rng = np.random.default_rng(4)
    mu = rng.standard_normal((7, 5)).astype(np.float32)
    logvar = rng.standard_normal((7, 5)).astype(np.float32)
    formats.write_initial_z(tmp_path / "initial_z.json", mu, logvar)
    m2, l2 = formats.read_initial_z(tmp_path / "initial_z.json", 5)
    np.testing.assert_allclose(m2, mu, atol=5.1e-5)
    np.testing.assert_allclose(l2, logvar, atol=5.1e-5)
    assert m2.dtype == np.float32
    with pytest.raises(WorldModelsError, match=r"expected \(N, 6\)"):
        formats.read_initial_z(tmp_path / "initial_z.json", 6)
    with pytest.raises(WorldModelsError, match="run series.py first"):
        formats.read_initial_z(tmp_path / "none.json", 5)
    # a single [mu, logvar] pair is N = 1
    (tmp_path / "one.json").write_text(json.dumps([[1, 2], [3, 4]]))
    m1, l1 = formats.read_initial_z(tmp_path / "one.json", 2)
    np.testing.assert_allclose(m1, [[1e-4, 2e-4]])
    np.testing.assert_allclose(l1, [[3e-4, 4e-4]])


def test_doom_reference_initial_z(reference):
    path = reference / "doomrnn" / "initial_z.json"
    mu, logvar = formats.read_initial_z(path, 64)
    assert mu.shape == logvar.shape == (1000, 64)
    raw = json.loads(path.read_text())
    np.testing.assert_allclose(mu[17, 5], raw[0][17][5] / 1e4, rtol=1e-6)
    np.testing.assert_allclose(logvar[999, 63], raw[1][999][63] / 1e4, rtol=1e-6)
    assert np.all(logvar < 1.0) and mu.std() > 0.05  # plausible posteriors, not all zero


def test_reference_controllers_and_parameter_count_errors(reference, tmp_path):
    car = reference / "carracing" / "carracing.cma.16.64.best.json"
    doom = reference / "doomrnn" / "doomrnn.cma.16.64.best.json"
    p_car = formats.read_controller(car, CAR_C.num_params)
    p_doom = formats.read_controller(doom, DOOM_C.num_params)
    assert p_car.shape == (867,) and p_doom.shape == (1088,)
    np.testing.assert_array_equal(p_car, json.loads(car.read_text())[0])
    with pytest.raises(WorldModelsError, match="1088 parameters.*needs 867"):
        formats.read_controller(doom, 867)
    with pytest.raises(WorldModelsError, match="867 parameters.*needs 1088"):
        formats.read_controller(car, 1088)
    # our best.json is readable the same way, and a plain params list too
    formats.write_best(tmp_path / "best.json", p_car, 900.5)
    data = json.loads((tmp_path / "best.json").read_text())
    assert data[1] == 900.5
    np.testing.assert_array_equal(formats.read_controller(tmp_path / "best.json", 867), p_car)
    (tmp_path / "plain.json").write_text(json.dumps(p_doom.tolist()))
    np.testing.assert_array_equal(formats.read_controller(tmp_path / "plain.json", 1088), p_doom)


@pytest.mark.parametrize("reader", ["rnn", "vae", "initial_z", "controller"])
def test_truncated_json_gives_worldmodels_error(tmp_path, reader):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([[1, 2, 3], [4, 5, 6]])[:-5])
    call = {"rnn": lambda: mdnrnn.read_rnn_json(path, CAR_RNN),
            "vae": lambda: vae.read_vae_json(path, VAEConfig()),
            "initial_z": lambda: formats.read_initial_z(path, 3),
            "controller": lambda: formats.read_controller(path, 6)}[reader]
    with pytest.raises(WorldModelsError, match="not valid JSON"):
        call()


def test_ragged_json_gives_worldmodels_error(tmp_path):
    (tmp_path / "ragged.json").write_text(json.dumps([[[1, 2], [3]], [1, 2], [[1]], [1]]))
    with pytest.raises(WorldModelsError, match="rectangular"):
        mdnrnn.read_rnn_json(tmp_path / "ragged.json", CAR_RNN)


def test_truncated_vae_npz_gives_one_line_error(tmp_path):
    """CORE BUG (reported, fails until fixed): a truncated vae.npz makes np.load raise
    zipfile.BadZipFile, which vae.load_weights does not catch (it catches OSError, ValueError,
    EOFError, KeyError), so the user sees a traceback. Fix: add zipfile.BadZipFile to the caught
    exceptions in vae.load_weights."""
    cfg = VAEConfig(z_size=32)
    weights = {name: (np.zeros(k, np.float32), np.zeros(b, np.float32))
               for name, (k, b) in vae.weight_shapes(cfg).items()}
    vae.save_weights(tmp_path / "vae.npz", weights, cfg)
    raw = (tmp_path / "vae.npz").read_bytes()
    (tmp_path / "vae.npz").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(WorldModelsError, match="corrupt"):
        vae.load_weights(tmp_path / "vae.npz", cfg)


def test_controller_size_counts_best_json_and_plain_lists(tmp_path):
    formats.write_best(tmp_path / "best.json", np.zeros(99), 1.0)
    (tmp_path / "plain.json").write_text(json.dumps([0.5] * 5))
    (tmp_path / "other.json").write_text(json.dumps({"w": [1, 2]}))
    sizes = [formats.controller_size(tmp_path / name) for name in ("best.json", "plain.json", "other.json")]
    assert sizes == [99, 5, 0], sizes
