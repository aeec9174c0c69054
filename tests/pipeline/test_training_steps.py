"""V training (resumable) and the series step on tiny episodes; missing inputs give one-line errors."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from worldmodels.config import VAEConfig
from worldmodels.data import Series, save_episode
from worldmodels.fileio import WorldModelsError
from worldmodels.formats import read_initial_z
from worldmodels.pipeline import series as series_step
from worldmodels.pipeline import vae_train
from worldmodels.vae import NumpyVAE, load_weights

VAE_CFG = VAEConfig(z_size=8, channels=3, batch_size=10, epochs=2)
LENGTHS = (12, 9, 11)  # 32 frames: 3 batches of 10 per epoch


def _record(folder: Path) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    episodes = []
    for k, n in enumerate(LENGTHS):
        # smooth blobs rather than noise, so V has something to learn
        yy, xx = np.mgrid[:64, :64]
        centres = rng.uniform(10, 54, (n, 2))
        d = (yy[None] - centres[:, 0, None, None]) ** 2 + (xx[None] - centres[:, 1, None, None]) ** 2
        obs = np.repeat((255 * np.exp(-d / 80.0))[..., None], 3, axis=-1).astype(np.uint8)
        obs[..., 1] //= 2
        save_episode(folder / f"ep{k}.npz", obs, rng.uniform(-1, 1, (n, 1)),
                     reward=np.ones(n, np.float32), done=np.r_[np.zeros(n - 1), 1.0].astype(np.float32))
        episodes.append(obs)
    return episodes


@contextlib.contextmanager
def printed_and_logged(buf: io.StringIO) -> Iterator[None]:
    """What a step prints (stdout) and logs (worldmodels' info lines: stderr in a script), in ``buf``."""
    handler, logger = logging.StreamHandler(buf), logging.getLogger("worldmodels")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with contextlib.redirect_stdout(buf):
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Record 3 episodes, train V for 2 epochs, then ask for 3 (a resume); keep what was printed and logged."""
    root = tmp_path_factory.mktemp("steps")
    (root / "record").mkdir()
    episodes = _record(root / "record")
    cfg = vae_train.VAETrainConfig(vae=VAE_CFG, record_dir=root / "record", out_dir=root / "tf_vae",
                                   tensorboard=False)
    logs = []
    for epochs in (2, 3, 3):
        buf = io.StringIO()
        with printed_and_logged(buf):
            out = vae_train.train(replace(cfg, vae=replace(VAE_CFG, epochs=epochs)))
        state = json.loads((root / "tf_vae" / "checkpoint.json").read_text())
        logs.append((buf.getvalue(), {**state, "iterations": _saved_iterations(root / "tf_vae")}))
    return root, episodes, out, logs


def _saved_iterations(out_dir: Path) -> int:
    """The optimiser's step counter in the Keras checkpoint (its first optimizer variable)."""
    import h5py

    from worldmodels.pipeline.training import read_checkpoint
    with h5py.File(read_checkpoint(out_dir)[1], "r") as f:  # the weights file checkpoint.json names
        return int(f["optimizer/vars/0"][()])


def test_vae_train_writes_weights_and_checkpoint(trained):
    root, _, out, logs = trained
    assert out == root / "tf_vae" / "vae.npz"
    printed, state = logs[0]
    assert state["epochs_done"] == 2 and np.isfinite(state["loss"]) and state["iterations"] == 6
    assert "3 episodes, 32 frames; 3 batches of 10 per epoch, epochs 1..2" in printed
    assert "resuming" not in printed
    weights = load_weights(out, VAE_CFG)
    assert weights["enc_fc_mu"][0].shape == (1024, 8)


def test_vae_train_resumes_after_the_last_epoch(trained):
    root, _, _, logs = trained
    printed, state = logs[1]
    assert "resuming from" in printed and "after epoch 2" in printed
    assert "epochs 3..3" in printed
    assert state["epochs_done"] == 3
    assert state["iterations"] == 9  # the step counter continues: 3 epochs x 3 batches
    printed, state = logs[2]
    assert "already trained for 3 epochs" in printed and state["epochs_done"] == 3


def test_series_writes_series_and_initial_z(trained):
    root, episodes, vae_path, _ = trained
    cfg = series_step.SeriesConfig(vae=VAE_CFG, record_dir=root / "record", vae_path=vae_path,
                                   series_path=root / "series" / "series.npz",
                                   initial_z_path=root / "tf_initial_z" / "initial_z.json", batch_size=4)
    series_step.run(cfg)
    s = Series.load(root / "series" / "series.npz")
    np.testing.assert_array_equal(s.episode_lengths, LENGTHS)
    assert s.mu.shape == (32, 8) and s.mu.dtype == np.float16
    np.testing.assert_array_equal(s.restart[[0, 12, 21]], 1.0)
    assert s.restart.sum() == 3
    np.testing.assert_array_equal(s.done[[11, 20, 31]], 1.0)
    # per frame V's (mu, logvar) of that very frame, in order
    model = NumpyVAE(load_weights(vae_path, VAE_CFG), VAE_CFG)
    mu, logvar = model.encode_mu_logvar(np.concatenate(episodes))
    np.testing.assert_allclose(s.mu, mu, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(s.logvar, logvar, rtol=2e-3, atol=2e-3)
    assert np.abs(mu[0] - mu[1]).max() > 1e-3  # frames differ, so the order check means something
    init_mu, init_logvar = read_initial_z(root / "tf_initial_z" / "initial_z.json", 8)
    assert init_mu.shape == (3, 8)
    np.testing.assert_allclose(init_mu, mu[[0, 12, 21]], atol=2e-3)
    np.testing.assert_allclose(init_logvar, logvar[[0, 12, 21]], atol=2e-3)


def test_vae_train_gives_v_the_mean_frame_of_its_data(tmp_path):
    """VAEConfig.mean_frame: a fresh run sets m from the frames; a resumed run keeps its own m."""
    (tmp_path / "record").mkdir()
    episodes = _record(tmp_path / "record")
    vae_cfg = replace(VAE_CFG, mean_frame=True, epochs=1)
    cfg = vae_train.VAETrainConfig(vae=vae_cfg, record_dir=tmp_path / "record", out_dir=tmp_path / "tf_vae",
                                   tensorboard=False)
    out = vae_train.train(cfg)
    m = load_weights(out, vae_cfg)["mean_frame"][0]
    # whole batches of 10 of the 32 frames are averaged: 30 of them
    frames = np.concatenate(episodes)
    assert np.abs(m - np.clip(frames.mean(0) / 255.0, 0.01, 0.99)).max() < 0.05
    assert m[..., 1].mean() < m[..., 0].mean()  # the green channel was halved
    for ep in (tmp_path / "record").glob("*.npz"):  # different data: a resume must not re-average
        save_episode(ep, np.zeros_like(np.load(ep)["obs"]), np.zeros((len(np.load(ep)["obs"]), 1)))
    vae_train.train(replace(cfg, vae=replace(vae_cfg, epochs=2)))
    np.testing.assert_allclose(load_weights(out, vae_cfg)["mean_frame"][0], m, atol=1e-6)


def test_missing_record_dir_mentions_extract(tmp_path):
    with pytest.raises(WorldModelsError, match="extract"):
        vae_train.train(vae_train.VAETrainConfig(vae=VAE_CFG, record_dir=tmp_path / "record",
                                                 out_dir=tmp_path / "tf_vae", tensorboard=False))
    with pytest.raises(WorldModelsError, match="extract"):
        series_step.run(series_step.SeriesConfig(vae=VAE_CFG, record_dir=tmp_path / "record",
                                                 vae_path=tmp_path / "vae.npz", series_path=tmp_path / "s.npz",
                                                 initial_z_path=tmp_path / "z.json"))


def test_too_few_frames_for_a_batch(tmp_path):
    (tmp_path / "record").mkdir()
    save_episode(tmp_path / "record" / "ep.npz", np.zeros((4, 64, 64, 3), np.uint8), np.zeros((4, 1)))
    with pytest.raises(WorldModelsError, match="need at least one batch"):
        vae_train.train(vae_train.VAETrainConfig(vae=VAE_CFG, record_dir=tmp_path / "record",
                                                 out_dir=tmp_path / "tf_vae", tensorboard=False))


def test_series_needs_trained_v(tmp_path):
    (tmp_path / "record").mkdir()
    save_episode(tmp_path / "record" / "ep.npz", np.zeros((4, 64, 64, 3), np.uint8), np.zeros((4, 1)))
    with pytest.raises(WorldModelsError, match="run vae_train.py first"):
        series_step.run(series_step.SeriesConfig(vae=VAE_CFG, record_dir=tmp_path / "record",
                                                 vae_path=tmp_path / "vae.npz", series_path=tmp_path / "s.npz",
                                                 initial_z_path=tmp_path / "z.json"))


def test_vae_options_reach_the_config_and_bad_values_are_one_line_errors(tmp_path):
    import argparse
    defaults = vae_train.VAETrainConfig(vae=VAE_CFG, record_dir=tmp_path / "record", out_dir=tmp_path / "tf_vae")
    parser = argparse.ArgumentParser()
    vae_train.add_arguments(parser, defaults)
    cfg = vae_train.config_from_args(parser.parse_args([]), defaults)
    assert cfg.vae == VAE_CFG  # the defaults are the environment's
    cfg = vae_train.config_from_args(parser.parse_args(
        ["--learning_rate", "3e-4", "--kl_tolerance", "2", "--foreground_weight", "20"]), defaults)
    assert (cfg.vae.learning_rate, cfg.vae.kl_tolerance, cfg.vae.foreground_weight) == (3e-4, 2.0, 20.0)
    from estool.cli import one_line_parse_errors  # argparse's error as under cli_main: a WorldModelsError
    for bad in (["--learning_rate", "0"], ["--kl_tolerance", "-1"], ["--foreground_weight", "-2"],
                ["--learning_rate", "nan"], ["--epochs", "0"]):
        with one_line_parse_errors(), pytest.raises(WorldModelsError, match=f"^argument {bad[0]}: must be"):
            parser.parse_args(bad)  # refused by the option's type


def test_a_resumed_run_uses_its_own_learning_rate(trained, tmp_path):
    import shutil

    import h5py
    root, *_ = trained
    shutil.copytree(root / "tf_vae", tmp_path / "tf_vae")
    cfg = vae_train.VAETrainConfig(vae=replace(VAE_CFG, epochs=4, learning_rate=5e-3), record_dir=root / "record",
                                   out_dir=tmp_path / "tf_vae", tensorboard=False)
    with contextlib.redirect_stdout(io.StringIO()):
        vae_train.train(cfg)
    from worldmodels.pipeline.training import read_checkpoint
    with h5py.File(read_checkpoint(tmp_path / "tf_vae")[1], "r") as f:
        # optimizer variables 0 and 1: the step counter and the learning rate (1e-4 before the resume)
        assert int(f["optimizer/vars/0"][()]) == 12
        assert float(f["optimizer/vars/1"][()]) == pytest.approx(5e-3)


def test_vae_train_init_from_starts_at_the_given_weights(trained, tmp_path):
    root, episodes, vae_path, _ = trained
    start = load_weights(vae_path, VAE_CFG)
    cfg = vae_train.VAETrainConfig(vae=replace(VAE_CFG, epochs=1, learning_rate=1e-12), record_dir=root / "record",
                                   out_dir=tmp_path / "tuned", tensorboard=False, init_from=vae_path)
    out = vae_train.train(cfg)
    tuned = load_weights(out, VAE_CFG)
    for name in ("enc_conv1", "enc_fc_mu", "dec_deconv4"):  # a vanishing step: still the start weights
        np.testing.assert_allclose(tuned[name][0], start[name][0], atol=1e-6)
    with pytest.raises(WorldModelsError, match="no VAE weights"):
        vae_train.train(replace(cfg, out_dir=tmp_path / "other", init_from=tmp_path / "missing.npz"))


def test_vae_check_reports_the_reconstruction_loss(trained, capsys):
    from worldmodels.pipeline import vae_check
    root, episodes, vae_path, _ = trained
    result = vae_check.script_main("check", VAE_CFG, vae_path, root / "record", ["--episodes", "2"])
    model = NumpyVAE(load_weights(vae_path, VAE_CFG), VAE_CFG)
    frames = np.concatenate(episodes[1:])  # the last two episodes
    x = frames.astype(np.float32) / 255.0
    expected = np.square(x - model.decode(model.encode_mu_logvar(frames)[0])).reshape(len(x), -1).sum(axis=1)
    assert (result.episodes, result.frames) == (2, len(frames))
    assert result.reconstruction == pytest.approx(float(expected.mean()), rel=1e-4)
    assert "reconstruction loss" in capsys.readouterr().out
    from estool.cli import one_line_parse_errors
    with one_line_parse_errors(), pytest.raises(WorldModelsError, match="--episodes"):
        vae_check.script_main("check", VAE_CFG, vae_path, root / "record", ["--episodes", "0"])


def test_a_resumed_v_ends_with_the_weights_of_an_uninterrupted_one(tmp_path):
    """Issue #30: 2 epochs straight vs 1 epoch, stop, resume to 2: the same vae.npz to the bit
    (training epoch e streams passes (e, 0), (e, 1), ... each shuffled by its own generator)."""
    (tmp_path / "record").mkdir()
    _record(tmp_path / "record")
    straight = vae_train.VAETrainConfig(vae=replace(VAE_CFG, epochs=2), record_dir=tmp_path / "record",
                                        out_dir=tmp_path / "straight", tensorboard=False)
    vae_train.train(straight)
    resumed = replace(straight, out_dir=tmp_path / "resumed", vae=replace(VAE_CFG, epochs=1))
    vae_train.train(resumed)
    vae_train.train(replace(resumed, vae=replace(VAE_CFG, epochs=2)))
    with np.load(tmp_path / "straight" / "vae.npz") as a, np.load(tmp_path / "resumed" / "vae.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
