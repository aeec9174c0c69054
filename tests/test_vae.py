"""V: parameter counts, numpy forward == Keras, the loss against a numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from worldmodels import vae
from worldmodels.config import VAEConfig
from worldmodels.fileio import WorldModelsError


@pytest.mark.parametrize("z,channels,expected", [(32, 3, 4_348_547), (64, 3, 4_446_915)])
def test_param_counts_match_design(z, channels, expected):
    assert vae.num_params(VAEConfig(z_size=z, channels=channels)) == expected


@pytest.fixture(scope="module")
def keras_models():
    from worldmodels import keras_vae
    cfg = VAEConfig(z_size=32, channels=1)
    model, enc, dec = keras_vae.build_vae(cfg, seed=0)
    return cfg, model, enc, dec


def test_keras_count_and_numpy_equivalence(keras_models):
    from worldmodels import keras_vae
    cfg, model, enc, dec = keras_models
    assert model.count_params() == vae.num_params(cfg)
    weights = keras_vae.get_weights(enc, dec)
    np_vae = vae.NumpyVAE(weights, cfg)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (5, 64, 64, 1), dtype=np.uint8)
    mu_k, logvar_k = enc(frames.astype(np.float32) / 255.0)
    mu_n, logvar_n = np_vae.encode_mu_logvar(frames)
    np.testing.assert_allclose(mu_n, np.asarray(mu_k), atol=1e-5)
    np.testing.assert_allclose(logvar_n, np.asarray(logvar_k), atol=1e-5)
    z = rng.standard_normal((3, 32)).astype(np.float32)
    np.testing.assert_allclose(np_vae.decode(z), np.asarray(dec(z)), atol=1e-5)
    # spatial sizes of the decoder [design: 5, 13, 30, 64]
    assert [dec.get_layer(n).output.shape[1] for n in ("dec_deconv1", "dec_deconv2", "dec_deconv3", "dec_deconv4")] \
        == [5, 13, 30, 64]


def test_deconv_of_a_point_is_keras_deconv_and_reads_its_checkpoints(tmp_path):
    """V's first deconv (1 x 1 input) runs as one matmul: the same output as Keras' Conv2DTranspose,
    the same variables, and a checkpoint of a V built with Keras' layer loads into ours."""
    from keras import layers

    from worldmodels import keras_vae
    rng = np.random.default_rng(0)
    for shape, filters, k in (((3, 1, 1, 64), 16, 5), ((3, 5, 5, 16), 8, 5)):  # the fast path, then Keras'
        ours = keras_vae.Conv2DTranspose(filters, k, strides=2, padding="valid", activation="relu")
        theirs = layers.Conv2DTranspose(filters, k, strides=2, padding="valid", activation="relu")
        for layer in (ours, theirs):
            layer.build((None, *shape[1:]))
        theirs.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in theirs.get_weights()])
        ours.set_weights(theirs.get_weights())
        x = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), atol=1e-4)
        assert np.asarray(ours(x)).shape == (3, (shape[1] - 1) * 2 + k, (shape[1] - 1) * 2 + k, filters)
    cfg = VAEConfig(z_size=8, channels=1)
    _, _, dec = keras_vae.build_vae(cfg, seed=1)
    assert type(dec.get_layer("dec_deconv1")).__name__ == "Conv2DTranspose"  # the checkpoint paths follow it
    _, _, stock = keras_vae.build_vae(cfg, seed=2, deconv=layers.Conv2DTranspose)
    stock.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in stock.get_weights()])
    saved = tmp_path / "stock.weights.h5"
    stock.save_weights(saved)
    dec.load_weights(saved)
    z = rng.standard_normal((4, 8)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(dec(z)), np.asarray(stock(z)), atol=1e-4)


def test_keras_loss_matches_numpy_reference_and_kl_floor(keras_models):
    from worldmodels import keras_vae
    cfg, *_ = keras_models
    rng = np.random.default_rng(1)
    n_pix = 64 * 64 * cfg.channels
    x = rng.random((4, 64, 64, cfg.channels)).astype(np.float32)
    y = rng.random((4, n_pix)).astype(np.float32)
    for scale in (0.01, 3.0):  # tiny KL (floored) and large KL (not floored)
        mu = (rng.standard_normal((4, cfg.z_size)) * scale).astype(np.float32)
        logvar = (rng.standard_normal((4, cfg.z_size)) * scale).astype(np.float32)
        packed = np.concatenate([y, mu, logvar], axis=1)
        keras_loss = float(np.mean(np.asarray(keras_vae.make_vae_loss(cfg)(x, packed))))
        total, r, kl = vae.vae_loss_numpy(x, y.reshape(x.shape), mu, logvar, cfg.kl_tolerance)
        assert keras_loss == pytest.approx(total, rel=1e-5)
        if scale < 0.1:
            assert kl == pytest.approx(cfg.kl_tolerance * cfg.z_size)  # the floor holds
        else:
            assert kl > cfg.kl_tolerance * cfg.z_size


def test_logged_metrics_are_the_unweighted_error_and_the_kl_before_its_floor():
    from worldmodels import keras_vae
    cfg = VAEConfig(z_size=4, channels=1, foreground_weight=20.0, kl_tolerance=0.5)
    rng = np.random.default_rng(4)
    x = rng.random((5, 64, 64, 1)).astype(np.float32)
    y = rng.random((5, 64 * 64)).astype(np.float32)
    mu, logvar = (rng.standard_normal((2, 5, 4)) * 0.01).astype(np.float32)  # KL far under the floor of 2
    packed = np.concatenate([y, mu, logvar], axis=1)
    r_loss, kl = (np.asarray(metric(x, packed)) for metric in keras_vae.make_vae_metrics(cfg))
    assert [m.__name__ for m in keras_vae.make_vae_metrics(cfg)] == ["r_loss", "kl"]  # the names fit() logs
    np.testing.assert_allclose(r_loss, np.square(x.reshape(5, -1) - y).sum(axis=1), rtol=1e-5)
    expected_kl = -0.5 * np.sum(1.0 + logvar - np.square(mu) - np.exp(logvar), axis=1)
    np.testing.assert_allclose(kl, expected_kl, rtol=1e-4, atol=1e-7)
    assert kl.max() < 0.01 < cfg.kl_tolerance * cfg.z_size  # reported as is, not floored


def test_foreground_weight_keras_matches_numpy_and_weights_moving_pixels():
    from worldmodels import keras_vae
    cfg = VAEConfig(z_size=4, channels=1, foreground_weight=20.0)
    rng = np.random.default_rng(3)
    x = rng.random((5, 64, 64, 1)).astype(np.float32)
    y = rng.random((5, 64 * 64)).astype(np.float32)
    mu, logvar = rng.standard_normal((2, 5, 4)).astype(np.float32)
    packed = np.concatenate([y, mu, logvar], axis=1)
    keras_loss = float(np.mean(np.asarray(keras_vae.make_vae_loss(cfg)(x, packed))))
    total, _, _ = vae.vae_loss_numpy(x, y.reshape(x.shape), mu, logvar, cfg.kl_tolerance, cfg.foreground_weight)
    assert keras_loss == pytest.approx(total, rel=1e-5)
    # a static background (the same in every frame) keeps weight 1; an object pixel of contrast 0.4
    # in one frame of four differs from the batch mean by 0.3, so it is weighted 1 + 20 * 0.3 = 7
    x = np.full((4, 64, 64, 1), 0.3, np.float32)
    x[0, 10, 10] = 0.7
    y = np.full_like(x, 0.3)
    zeros = np.zeros((4, 4), np.float32)
    _, r_plain, _ = vae.vae_loss_numpy(x, y, zeros, zeros, 0.5)
    _, r_fg, _ = vae.vae_loss_numpy(x, y, zeros, zeros, 0.5, 20.0)
    assert r_plain == pytest.approx(0.4 ** 2 / 4)
    assert r_fg == pytest.approx(7.0 * 0.4 ** 2 / 4)


def test_numpy_kl_against_scipy_gaussians():
    from scipy import stats
    rng = np.random.default_rng(2)
    mu, logvar = rng.standard_normal((1, 3)), rng.standard_normal((1, 3))
    _, _, kl = vae.vae_loss_numpy(np.zeros((1, 2)), np.zeros((1, 2)), mu, logvar, kl_tolerance=0.0)
    # KL(N(mu, s^2) || N(0,1)) by numerical integration, summed over dimensions
    xs = np.linspace(-12, 12, 200_001)
    expected = 0.0
    for m, lv in zip(mu[0], logvar[0]):
        p = stats.norm.pdf(xs, m, np.exp(lv / 2))
        expected += np.trapezoid(p * (np.log(p + 1e-300) - stats.norm.logpdf(xs)), xs)
    assert kl == pytest.approx(expected, rel=1e-4)


def test_weights_round_trip_and_wrong_shapes(tmp_path):
    cfg = VAEConfig(z_size=32)
    rng = np.random.default_rng(3)
    weights = {name: (rng.standard_normal(k).astype(np.float32), rng.standard_normal(b).astype(np.float32))
               for name, (k, b) in vae.weight_shapes(cfg).items()}
    vae.save_weights(tmp_path / "vae.npz", weights, cfg)
    back = vae.load_weights(tmp_path / "vae.npz", cfg)
    for name in vae.LAYER_ORDER:
        np.testing.assert_array_equal(back[name][0], weights[name][0])
    with pytest.raises(WorldModelsError, match="another environment"):
        vae.load_weights(tmp_path / "vae.npz", VAEConfig(z_size=64))
    with pytest.raises(WorldModelsError, match="run vae_train.py first"):
        vae.load_weights(tmp_path / "missing.npz", cfg)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(WorldModelsError, match="corrupt"):
        vae.load_weights(tmp_path / "bad.npz", cfg)


def test_frames_are_written_and_a_v_for_other_frames_is_refused(tmp_path):
    from dataclasses import replace
    cfg = VAEConfig(z_size=32, channels=1, frames="atari pong_dilate3")
    rng = np.random.default_rng(4)
    weights = {name: (rng.standard_normal(k).astype(np.float32), rng.standard_normal(b).astype(np.float32))
               for name, (k, b) in vae.weight_shapes(cfg).items()}
    path = tmp_path / "vae.npz"
    vae.save_weights(path, weights, cfg)
    with np.load(path) as data:
        assert str(data[vae.FRAMES]) == "atari pong_dilate3"
    vae.load_weights(path, cfg)  # the same frames
    with pytest.raises(WorldModelsError, match="trained on 'atari pong_dilate3' frames.*'atari pong' frames"):
        vae.load_weights(path, replace(cfg, frames="atari pong"))
    vae.load_weights(path, replace(cfg, frames="atari pong"), check_frames=False)  # a start point for fine-tuning
    vae.load_weights(path, replace(cfg, frames=""))  # a config that names no frames checks none
    vae.save_weights(tmp_path / "old.npz", weights, replace(cfg, frames=""))  # as files written before the field
    with np.load(tmp_path / "old.npz") as data:
        assert vae.FRAMES not in data.files
    vae.load_weights(tmp_path / "old.npz", cfg)


def test_mean_frame_keras_matches_numpy_and_starts_at_the_mean():
    """VAEConfig.mean_frame: the encoder sees x - m, the decoder adds logit(m); numpy == Keras."""
    from worldmodels import keras_vae
    cfg = VAEConfig(z_size=8, channels=1, mean_frame=True)
    model, enc, dec = keras_vae.build_vae(cfg, seed=0)
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    assert trainable == vae.num_params(cfg) == vae.num_params(VAEConfig(z_size=8, channels=1))
    rng = np.random.default_rng(4)
    frames = rng.integers(0, 256, (6, 64, 64, 1), dtype=np.uint8)
    m = vae.mean_frame([frames[:4], frames[4:]])  # summed batch by batch
    np.testing.assert_allclose(m, np.clip(frames.mean(0) / 255.0, 0.01, 0.99), atol=1e-6)
    np.testing.assert_array_equal(vae.mean_frame(frames), m)  # one array = one batch
    keras_vae.set_mean_frame(enc, dec, m)
    weights = keras_vae.get_weights(enc, dec)
    np.testing.assert_array_equal(weights[vae.MEAN_FRAME][0], m)
    np_vae = vae.NumpyVAE(weights, cfg)
    mu_k, logvar_k = enc(frames.astype(np.float32) / 255.0)
    mu_n, logvar_n = np_vae.encode_mu_logvar(frames)
    np.testing.assert_allclose(mu_n, np.asarray(mu_k), atol=1e-5)
    np.testing.assert_allclose(logvar_n, np.asarray(logvar_k), atol=1e-5)
    # the encoder's input is centred: the mean frame itself gives what a zero image would without m
    plain = vae.NumpyVAE({k: v for k, v in weights.items() if k != vae.MEAN_FRAME}, VAEConfig(z_size=8, channels=1))
    np.testing.assert_allclose(np_vae.encode(m[None]), plain.encode(np.zeros((1, 64, 64, 1), np.float32)), atol=1e-5)
    z = rng.standard_normal((3, 8)).astype(np.float32)
    np.testing.assert_allclose(np_vae.decode(z), np.asarray(dec(z)), atol=1e-5)
    # a fresh V's last deconv is small, so its first pictures are the mean frame up to small noise
    np.testing.assert_allclose(np_vae.decode(z), np.broadcast_to(m, (3, 64, 64, 1)), atol=0.1)


def test_mean_frame_round_trip_and_mismatches(tmp_path):
    cfg = VAEConfig(z_size=8, channels=1, mean_frame=True)
    weights = vae.random_weights(cfg, np.random.default_rng(5))
    vae.save_weights(tmp_path / "vae.npz", weights, cfg)
    back = vae.load_weights(tmp_path / "vae.npz", cfg)
    np.testing.assert_array_equal(back[vae.MEAN_FRAME][0], weights[vae.MEAN_FRAME][0])
    with pytest.raises(WorldModelsError, match="holds? a mean frame but this V has none"):
        vae.load_weights(tmp_path / "vae.npz", VAEConfig(z_size=8, channels=1))
    plain_cfg = VAEConfig(z_size=8, channels=1)
    vae.save_weights(tmp_path / "plain.npz", vae.random_weights(plain_cfg, np.random.default_rng(6)), plain_cfg)
    with pytest.raises(WorldModelsError, match="layer mean_frame missing: .*retrain with vae_train.py"):
        vae.load_weights(tmp_path / "plain.npz", cfg)
    bad = dict(weights, mean_frame=(np.full((64, 64, 1), 1.0, np.float32), np.zeros(0, np.float32)))
    with pytest.raises(WorldModelsError, match=r"mean frame outside \[0.01, 0.99\] \(min 1, max 1\)"):
        vae.save_weights(tmp_path / "bad.npz", bad, cfg)
    assert not (tmp_path / "bad.npz").exists()


def test_encoding_cache_matches_the_encoder_and_respects_its_size():
    cfg = VAEConfig(z_size=8)
    rng = np.random.default_rng(4)
    weights = {name: ((0.05 * rng.standard_normal(k)).astype(np.float32), np.zeros(b, np.float32))
               for name, (k, b) in vae.weight_shapes(cfg).items()}
    plain = vae.NumpyVAE(weights, cfg)
    cached = vae.NumpyVAE(weights, cfg, cache_entries=3)
    distinct = rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    batches = [distinct[[0, 1, 0]], distinct[[1, 2, 0, 2]], distinct[[3, 3, 1]]]
    for frames in batches:
        want_mu, want_logvar = plain.encode_mu_logvar(frames)
        mu, logvar = cached.encode_mu_logvar(frames)
        np.testing.assert_allclose(mu, want_mu, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(logvar, want_logvar, rtol=1e-5, atol=1e-6)
    # distinct frames are encoded once each while there is room (frames 0, 1, 2), frame 3 is not
    # stored (the cache holds 3) and is encoded once for its batch, where it appears twice
    assert (cached.cache_misses, cached.cache_hits) == (4, 6), (cached.cache_misses, cached.cache_hits)
    assert len(cached._cache) == 3
    with pytest.raises(ValueError, match="-1"):
        vae.NumpyVAE(weights, cfg, cache_entries=-1)
