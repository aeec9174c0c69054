"""A corrupt record file stops vae_train.py and series.py with one error line and exit 2 (a run that
lost data must not look successful); ``--skip_bad`` goes on without it, saying so in one warning line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from worldmodels.config import VAEConfig
from worldmodels.data import Series, load_episode, save_episode
from worldmodels.fileio import WorldModelsError
from worldmodels.pipeline import series as series_step
from worldmodels.pipeline import vae_train
from worldmodels.vae import random_weights, save_weights

REPO = Path(__file__).resolve().parents[2]
VAE_CFG = VAEConfig(z_size=8, channels=3, batch_size=10, epochs=1)


def record(folder: Path, lengths=(12, 9, 11), action_size: int = 1) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for k, n in enumerate(lengths):
        path = folder / f"ep{k}.npz"
        save_episode(path, rng.integers(0, 256, (n, 64, 64, 3), dtype=np.uint8), rng.uniform(-1, 1, (n, action_size)),
                     reward=np.ones(n, np.float32), done=np.r_[np.zeros(n - 1), 1.0].astype(np.float32))
        paths.append(path)
    return paths


def truncate(path: Path) -> None:
    """Cut the file short: its zip directory (the header every reader needs) is gone."""
    path.write_bytes(path.read_bytes()[:1000])


def damage_frames(path: Path) -> None:
    """Flip bytes inside the compressed frames: the header and the actions still read."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("obs.npy")
    data = bytearray(path.read_bytes())
    local = info.header_offset
    start = local + 30 + int.from_bytes(data[local + 26:local + 28], "little") \
        + int.from_bytes(data[local + 28:local + 30], "little")  # past the local header, name and extra
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    load_episode(path, keys=("action",))
    with pytest.raises(WorldModelsError, match="is corrupt"):
        load_episode(path)


def series_cfg(root: Path, **kw) -> series_step.SeriesConfig:
    vae_path = root / "vae.npz"
    if not vae_path.is_file():
        save_weights(vae_path, random_weights(VAE_CFG, np.random.default_rng(1)), VAE_CFG)
    return series_step.SeriesConfig(vae=VAE_CFG, record_dir=root / "record", vae_path=vae_path,
                                    series_path=root / "series" / "series.npz",
                                    initial_z_path=root / "tf_initial_z" / "initial_z.json", batch_size=4,
                                    encoder="numpy", **kw)


def test_series_stops_on_corrupt_files_unless_skip_bad(tmp_path, caplog):
    paths = record(tmp_path / "record", lengths=(5, 6, 7, 8))
    truncate(paths[1])
    damage_frames(paths[3])
    with pytest.raises(WorldModelsError, match=r"^2 of 4 episode files in .*record are corrupt \(ep1.npz, ep3.npz\): "
                                               r"delete them .* or pass --skip_bad"):
        series_step.run(series_cfg(tmp_path))
    assert not (tmp_path / "series" / "series.npz").exists()
    caplog.set_level(logging.WARNING, logger="worldmodels")
    series_step.run(series_cfg(tmp_path, skip_bad=True))
    assert Series.load(tmp_path / "series" / "series.npz").episode_lengths.tolist() == [5, 7]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "series skipped 2 of 4 episode files" in warnings[0], warnings
    assert "ep1.npz, ep3.npz" in warnings[0]


def test_vae_train_stops_on_an_unreadable_file_before_training(tmp_path):
    paths = record(tmp_path / "record", lengths=(12, 9, 11, 5))
    truncate(paths[2])
    cfg = vae_train.VAETrainConfig(vae=VAE_CFG, record_dir=tmp_path / "record", out_dir=tmp_path / "tf_vae",
                                   tensorboard=False)
    with pytest.raises(WorldModelsError, match=r"^1 of 4 episode files .* \(ep2.npz\): .*--skip_bad"):
        vae_train.train(cfg)
    assert not (tmp_path / "tf_vae").exists()  # refused before any work


def test_vae_train_stops_on_frames_that_do_not_read_and_skip_bad_goes_on(tmp_path, caplog):
    paths = record(tmp_path / "record", lengths=(12, 9, 11))
    damage_frames(paths[1])  # found only when V's stream loads the frames, inside Keras' loop
    cfg = vae_train.VAETrainConfig(vae=VAE_CFG, record_dir=tmp_path / "record", out_dir=tmp_path / "tf_vae",
                                   tensorboard=False, pool_episodes=1)
    with pytest.raises(WorldModelsError, match=r"^1 of 3 episode files .* \(ep1.npz\): "):
        vae_train.train(cfg)  # a WorldModelsError, not TensorFlow's traceback of the stream
    assert not (tmp_path / "tf_vae" / "checkpoint.json").exists()  # the epoch is not counted as done
    caplog.set_level(logging.WARNING, logger="worldmodels")
    vae_train.train(replace(cfg, skip_bad=True))
    assert (tmp_path / "tf_vae" / "checkpoint.json").is_file()
    assert "vae_train skipped 1 of 3 episode files" in caplog.text


def test_the_scripts_exit_2_on_a_corrupt_file_and_0_with_skip_bad(tmp_path):
    """carracing/series.py as typed: one error line and exit 2; --skip_bad: one warning line and exit 0."""
    from carracing.config import SPEC
    save_weights(tmp_path / "tf_vae" / "vae.npz", random_weights(SPEC.vae, np.random.default_rng(0)), SPEC.vae)
    paths = record(tmp_path / "record", lengths=(3, 4, 3), action_size=3)
    truncate(paths[0])
    env = {**os.environ, "CARRACING_WORKDIR": str(tmp_path), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, str(REPO / "carracing" / "series.py"), "--encoder", "numpy"]
    bad = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    errors = [line for line in bad.stderr.splitlines() if line.startswith("error:")]
    assert bad.returncode == 2 and len(errors) == 1, bad.stderr
    assert "1 of 3 episode files" in errors[0] and "(ep0.npz)" in errors[0] and "--skip_bad" in errors[0]
    good = subprocess.run(cmd + ["--skip_bad"], env=env, capture_output=True, text=True, timeout=300)
    warnings = [line for line in good.stderr.splitlines() if line.startswith("warning:")]
    assert good.returncode == 0 and len(warnings) == 1 and "skipped 1 of 3" in warnings[0], good.stderr
    assert Series.load(tmp_path / "series" / "series.npz").episode_lengths.tolist() == [4, 3]
