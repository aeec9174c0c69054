"""V's encoder through onnxruntime: the same mu and logvar as numpy and Keras, and one-line errors."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from worldmodels import onnx_encoder, vae
from worldmodels.config import VAEConfig
from worldmodels.fileio import WorldModelsError


def _weights(cfg: VAEConfig, seed: int = 0) -> vae.VAEWeights:
    rng = np.random.default_rng(seed)
    weights = vae.random_weights(cfg, rng)
    # non-zero biases, so a bias in the wrong place shows
    return {name: (k, rng.normal(0, 0.1, b.shape).astype(np.float32)) for name, (k, b) in weights.items()}


@pytest.mark.parametrize("z,channels,mean_frame", [(32, 3, False), (64, 3, False), (16, 1, True), (32, 3, True)])
@pytest.mark.parametrize("batch", [1, 5, 8])
def test_onnx_encoder_equals_numpy(z, channels, mean_frame, batch):
    cfg = VAEConfig(z_size=z, channels=channels, mean_frame=mean_frame)
    weights = _weights(cfg)
    plain, fast = vae.NumpyVAE(weights, cfg), vae.NumpyVAE(weights, cfg, encoder="onnx")
    frames = np.random.default_rng(batch).integers(0, 256, (batch, 64, 64, channels), dtype=np.uint8)
    mu_n, logvar_n = plain.encode_mu_logvar(frames)
    mu_o, logvar_o = fast.encode_mu_logvar(frames)
    assert mu_o.shape == (batch, z) and logvar_o.shape == (batch, z) and mu_o.dtype == np.float32
    np.testing.assert_allclose(mu_o, mu_n, atol=1e-5)
    np.testing.assert_allclose(logvar_o, logvar_n, atol=1e-5)
    assert np.abs(mu_n).max() > 0.1  # the comparison is not between two near-zero arrays


def test_onnx_encoder_equals_keras_to_1e4():
    from worldmodels import keras_vae
    cfg = VAEConfig(z_size=32, channels=3)
    _, encoder, decoder = keras_vae.build_vae(cfg, seed=3)
    fast = vae.NumpyVAE(keras_vae.get_weights(encoder, decoder), cfg, encoder="onnx")
    frames = np.random.default_rng(0).integers(0, 256, (8, 64, 64, 3), dtype=np.uint8)
    mu_k, logvar_k = encoder(frames.astype(np.float32) / 255.0)
    mu_o, logvar_o = fast.encode_mu_logvar(frames)
    np.testing.assert_allclose(mu_o, np.asarray(mu_k), atol=1e-4)
    np.testing.assert_allclose(logvar_o, np.asarray(logvar_k), atol=1e-4)


def test_float_frames_take_the_numpy_path_and_agree():
    cfg = VAEConfig(z_size=8, channels=3)
    fast = vae.NumpyVAE(_weights(cfg), cfg, encoder="onnx")
    frames = np.random.default_rng(1).integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)
    np.testing.assert_allclose(fast.encode_mu_logvar(frames.astype(np.float32) / 255.0)[0],
                               fast.encode_mu_logvar(frames)[0], atol=1e-5)


def test_cache_works_over_the_onnx_encoder():
    cfg = VAEConfig(z_size=8, channels=3)
    cached = vae.NumpyVAE(_weights(cfg), cfg, cache_entries=4, encoder="onnx")
    frames = np.random.default_rng(2).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    first = cached.encode_mu_logvar(frames)[0]
    again = cached.encode_mu_logvar(frames)[0]
    np.testing.assert_array_equal(first, again)
    assert (cached.cache_hits, cached.cache_misses) == (3, 3)


def test_missing_onnxruntime_is_one_line_naming_the_fallback(monkeypatch):
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name.split(".")[0] == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    cfg = VAEConfig(z_size=8, channels=3)
    with pytest.raises(WorldModelsError, match="--encoder numpy") as err:
        vae.NumpyVAE(_weights(cfg), cfg, encoder="onnx")
    assert "\n" not in str(err.value)
    vae.NumpyVAE(_weights(cfg), cfg, encoder="numpy")  # the fallback needs nothing more


def test_bad_encoder_name_and_thread_variable(monkeypatch):
    cfg = VAEConfig(z_size=8, channels=3)
    with pytest.raises(WorldModelsError, match="'tpu'"):
        vae.NumpyVAE(_weights(cfg), cfg, encoder="tpu")
    monkeypatch.setenv("OMP_NUM_THREADS", "two")
    with pytest.raises(WorldModelsError, match="OMP_NUM_THREADS='two'"):
        onnx_encoder.intra_op_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert onnx_encoder.intra_op_threads() == 2
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert onnx_encoder.intra_op_threads() == 1
