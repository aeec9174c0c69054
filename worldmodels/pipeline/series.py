"""Encode every recorded episode with V into ``series/series.npz`` and write ``initial_z.json``.

Per frame V's (mu, logvar) are stored (float16, as [orig] series.py), not z: M's training
re-samples z from them for every batch. V runs batched through onnxruntime (``--encoder numpy``:
the numpy forward pass); no TensorFlow.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from worldmodels.config import EnvSpec, VAEConfig
from worldmodels.data import Series, list_episodes, load_episode
from worldmodels.fileio import WorldModelsError
from worldmodels.formats import write_initial_z
from worldmodels.onnx_encoder import DEFAULT_ENCODER, add_encoder_argument
from worldmodels.vae import NumpyVAE, load_weights

logger = logging.getLogger(__name__)

INITIAL_Z_EPISODES = 1000  # [orig] initial_z.json holds the first frames of 1000 episodes


@dataclass(frozen=True)
class SeriesConfig:
    vae: VAEConfig
    record_dir: Path
    vae_path: Path
    series_path: Path
    initial_z_path: Path
    batch_size: int = 256
    """Frames per encoder call."""
    max_episodes: int | None = None
    encode_cache: int = 0
    """Distinct frames whose encoding is remembered (the env's ``EnvSpec.encode_cache``)."""
    encoder: str = DEFAULT_ENCODER
    """How V encodes: onnx (onnxruntime) or numpy (``--encoder``; worldmodels.onnx_encoder)."""


def add_arguments(parser: argparse.ArgumentParser, spec: EnvSpec) -> None:
    parser.add_argument("--max_episodes", type=int, default=None)
    parser.add_argument("--record_dir", type=Path, default=spec.paths.path("record"))
    parser.add_argument("--vae", type=Path, default=spec.paths.path("vae"))
    add_encoder_argument(parser)


def config_from_args(args: argparse.Namespace, spec: EnvSpec) -> SeriesConfig:
    return SeriesConfig(vae=spec.vae, record_dir=args.record_dir, vae_path=args.vae,
                        series_path=spec.paths.path("series"), initial_z_path=spec.paths.path("initial_z"),
                        max_episodes=args.max_episodes, encode_cache=spec.encode_cache, encoder=args.encoder)


def script_main(description: str, spec: EnvSpec, argv: list[str] | None = None) -> Series:
    """An environment's series.py: its command line over ``run``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    add_arguments(parser, spec)
    return run(config_from_args(parser.parse_args(argv), spec))


def encode_frames(model: NumpyVAE, obs: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    mus, logvars = [], []
    for i in range(0, len(obs), batch_size):
        mu, logvar = model.encode_mu_logvar(obs[i:i + batch_size])
        mus.append(mu)
        logvars.append(logvar)
    return np.concatenate(mus), np.concatenate(logvars)


def run(cfg: SeriesConfig) -> Series:
    files = list_episodes(cfg.record_dir, step_hint="extract.py (or extract.bash)")
    if cfg.max_episodes:
        files = files[:cfg.max_episodes]
    model = NumpyVAE(load_weights(cfg.vae_path, cfg.vae), cfg.vae, cache_entries=cfg.encode_cache,
                     encoder=cfg.encoder)
    mus, logvars, actions, rewards, dones, lengths = [], [], [], [], [], []
    skipped = []
    start = time.time()
    for path in tqdm(files, desc="series", unit="episode"):
        try:
            ep = load_episode(path, keys=("obs", "action"))
        except WorldModelsError as err:
            logger.warning("skipping %s", err)
            skipped.append(path)
            continue
        with np.load(path) as data:
            reward = data["reward"] if "reward" in data.files else np.zeros(len(ep["obs"]), np.float32)
            done = data["done"] if "done" in data.files else np.zeros(len(ep["obs"]), np.float32)
        mu, logvar = encode_frames(model, ep["obs"], cfg.batch_size)
        mus.append(mu)
        logvars.append(logvar)
        actions.append(ep["action"])
        rewards.append(reward)
        dones.append(done)
        lengths.append(len(mu))
    if not lengths:
        raise WorldModelsError(f"no readable episodes in {cfg.record_dir}: re-run extract")
    series = Series(mu=np.concatenate(mus), logvar=np.concatenate(logvars), action=np.concatenate(actions),
                    episode_lengths=np.array(lengths, np.int64), reward=np.concatenate(rewards).astype(np.float32),
                    done=np.concatenate(dones).astype(np.float32))
    series.save(cfg.series_path)
    starts = series.episode_starts[:INITIAL_Z_EPISODES]
    write_initial_z(cfg.initial_z_path, series.mu[starts].astype(np.float32), series.logvar[starts].astype(np.float32))
    print(f"series: {len(lengths)} episodes, {len(series.mu)} frames in {time.time() - start:.0f} s -> "
          f"{cfg.series_path}; {len(starts)} initial z -> {cfg.initial_z_path}"
          + (f"; skipped {len(skipped)} corrupt files" if skipped else ""))
    return series
