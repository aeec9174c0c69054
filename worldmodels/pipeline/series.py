"""Encode every recorded episode with V into ``series/series.npz`` and write ``initial_z.json``.

Per frame V's (mu, logvar) are stored (float16, as [orig] series.py), not z: M's training
re-samples z from them for every batch. V runs batched through onnxruntime (``--encoder numpy``:
the numpy forward pass); no TensorFlow.

Resumable: each episode is encoded into its own file under ``series/series.partial/<key>/`` (written
atomically; the key is a hash of V's weights file, the encoder and the batch size, so an episode
encoded by another V is never reused), and series.npz is assembled from them at the end, then the
folder is deleted. A run killed part way re-encodes only the episodes it had not finished, and
writes the same series.npz as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from estool.arguments import int_in
from worldmodels.config import EnvSpec, VAEConfig
from worldmodels.data import READ_ERRORS, Series, list_episodes, load_episode, report_bad_episodes
from worldmodels.fileio import WorldModelsError, atomic_savez
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
    skip_bad: bool = False
    """Leave corrupt episode files out (one warning line) instead of stopping with exit 2 (``--skip_bad``)."""


def add_arguments(parser: argparse.ArgumentParser, spec: EnvSpec) -> None:
    parser.add_argument("--max_episodes", type=int_in(1), default=None, help="the first N episodes (default: all)")
    parser.add_argument("--record_dir", type=Path, default=spec.paths.path("record"))
    parser.add_argument("--vae", type=Path, default=spec.paths.path("vae"))
    add_encoder_argument(parser)
    parser.add_argument("--skip_bad", action="store_true",
                        help="leave corrupt episode files out (one warning line) instead of stopping")


def config_from_args(args: argparse.Namespace, spec: EnvSpec) -> SeriesConfig:
    return SeriesConfig(vae=spec.vae, record_dir=args.record_dir, vae_path=args.vae,
                        series_path=spec.paths.path("series"), initial_z_path=spec.paths.path("initial_z"),
                        max_episodes=args.max_episodes, encode_cache=spec.encode_cache, encoder=args.encoder,
                        skip_bad=args.skip_bad)


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


def partial_dir(cfg: SeriesConfig) -> Path:
    """Where the per-episode encodings of this V, encoder and batch size go (module docstring)."""
    key = hashlib.sha256(Path(cfg.vae_path).read_bytes())
    key.update(f"{cfg.encoder} {cfg.batch_size}".encode())  # onnx and numpy differ in the last bits
    return partial_root(cfg) / key.hexdigest()[:16]


def partial_root(cfg: SeriesConfig) -> Path:
    return cfg.series_path.with_name(f"{cfg.series_path.stem}.partial")


def record_stamp(path: Path) -> np.ndarray:
    """Size and modification time of a record file: a partial encoding of an older file of the
    same name (re-extracted since) is not reused."""
    st = path.stat()
    return np.array([st.st_size, st.st_mtime_ns], np.int64)


def read_partial(path: Path, record: Path) -> dict[str, np.ndarray] | None:
    """An episode's encoding from an earlier run, or None where there is none (or it is unusable)."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            out = {k: data[k] for k in data.files}
    except READ_ERRORS:
        return None
    if "record_stamp" not in out or not np.array_equal(out["record_stamp"], record_stamp(record)):
        return None
    return out


def encode_episode(model: NumpyVAE, path: Path, batch_size: int) -> dict[str, np.ndarray]:
    """One record file encoded: mu, logvar float16 (what series.npz stores) and its action, reward,
    done and, where the record has one, its action mask."""
    ep = load_episode(path, keys=("obs", "action"))
    n = len(ep["obs"])
    try:
        with np.load(path) as data:
            reward = data["reward"] if "reward" in data.files else np.zeros(n, np.float32)
            done = data["done"] if "done" in data.files else np.zeros(n, np.float32)
            mask = {"mask": np.asarray(data["mask"], bool)} if "mask" in data.files else {}
    except READ_ERRORS as err:
        raise WorldModelsError(f"episode file {path} is corrupt ({err}); delete it and re-extract") from err
    mu, logvar = encode_frames(model, ep["obs"], batch_size)
    return {"mu": mu.astype(np.float16), "logvar": logvar.astype(np.float16), "action": ep["action"],
            "reward": np.asarray(reward, np.float32), "done": np.asarray(done, np.float32), **mask}


def run(cfg: SeriesConfig) -> Series:
    files = list_episodes(cfg.record_dir, step_hint="extract.py (or extract.bash)")
    if cfg.max_episodes:
        files = files[:cfg.max_episodes]
    model = NumpyVAE(load_weights(cfg.vae_path, cfg.vae), cfg.vae, cache_entries=cfg.encode_cache,
                     encoder=cfg.encoder)
    work = partial_dir(cfg)
    for other in partial_root(cfg).glob("*"):  # encodings by another V (or encoder): of no use now
        if other != work:
            shutil.rmtree(other, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    episodes: list[dict[str, np.ndarray]] = []
    bad: list[Path] = []
    resumed = 0
    start = time.time()
    for path in tqdm(files, desc="series", unit="episode"):
        part = work / path.name
        episode = read_partial(part, path)
        if episode is not None:
            resumed += 1
        else:
            try:
                episode = encode_episode(model, path, cfg.batch_size)
            except WorldModelsError as err:
                logger.debug("%s", err)
                bad.append(path)
                continue
            atomic_savez(part, compressed=False, record_stamp=record_stamp(path), **episode)
        episodes.append(episode)
    if resumed:
        logger.info("series: %d of %d episodes were encoded by an earlier run (%s)", resumed, len(files), work)
    report_bad_episodes(bad, len(files), cfg.skip_bad, "series")  # the encodings so far are kept: a re-run resumes
    if not episodes:
        raise WorldModelsError(f"no readable episodes in {cfg.record_dir}: re-run extract")
    series = Series(mu=np.concatenate([e["mu"] for e in episodes]),
                    logvar=np.concatenate([e["logvar"] for e in episodes]),
                    action=np.concatenate([e["action"] for e in episodes]),
                    episode_lengths=np.array([len(e["mu"]) for e in episodes], np.int64),
                    reward=np.concatenate([e["reward"] for e in episodes]),
                    done=np.concatenate([e["done"] for e in episodes]),
                    # the mask where every episode has one (a game with invalid moves records it always)
                    mask=np.concatenate([e["mask"] for e in episodes]) if all("mask" in e for e in episodes) else None)
    series.save(cfg.series_path)
    starts = series.episode_starts[:INITIAL_Z_EPISODES]
    write_initial_z(cfg.initial_z_path, series.mu[starts].astype(np.float32), series.logvar[starts].astype(np.float32))
    shutil.rmtree(partial_root(cfg), ignore_errors=True)  # series.npz and initial_z.json are complete
    print(f"series: {len(episodes)} episodes, {len(series.mu)} frames in {time.time() - start:.0f} s -> "
          f"{cfg.series_path}; {len(starts)} initial z -> {cfg.initial_z_path}"
          + (f"; skipped {len(bad)} corrupt files" if bad else ""))
    return series
