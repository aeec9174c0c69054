"""Check V on recorded episodes: its reconstruction loss per frame, as V's training counts it.

For every frame of the chosen episodes V encodes the frame, decodes its mu and the squared error
is summed over all pixels and channels in [0, 1] (the reconstruction term of the original's loss
[orig vae.py], without KL or our foreground weight); the mean over frames is printed. Point
``--record_dir`` at episodes V was not trained on for a held-out figure, e.g. at EnvPool's and at
gymnasium's CarRacing frames to compare the two renderers (carracing/EXPERIMENTS.md).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from estool.arguments import int_in
from worldmodels.config import VAEConfig
from worldmodels.data import list_episodes, load_episode
from worldmodels.fileio import WorldModelsError
from worldmodels.vae import NumpyVAE, load_weights


@dataclass(frozen=True)
class VAECheck:
    episodes: int
    frames: int
    reconstruction: float
    """Mean over frames of the summed squared error of decode(mu) (pixels in [0, 1])."""
    reconstruction_std: float
    """Standard deviation of the per-frame figure over the frames."""


def reconstruction_errors(vae: NumpyVAE, frames: np.ndarray, batch_size: int = 100) -> np.ndarray:
    """Per frame, sum over pixels of (x - decode(mu(x)))^2, x in [0, 1]."""
    out = []
    for i in range(0, len(frames), batch_size):
        batch = frames[i:i + batch_size]
        mu, _ = vae.encode_mu_logvar(batch)
        x = NumpyVAE.to_float(batch)
        out.append(np.square(x - vae.decode(mu)).reshape(len(batch), -1).sum(axis=1))
    return np.concatenate(out)


def check(vae: NumpyVAE, record_dir: Path, episodes: int, frames_per_episode: int = 0) -> VAECheck:
    """V's reconstruction loss over the last ``episodes`` episodes of ``record_dir``, the first
    ``frames_per_episode`` frames of each (0 = all)."""
    files = list_episodes(record_dir, step_hint="extract.py")[-episodes:]
    errors = []
    for path in files:
        obs = load_episode(path, keys=("obs",))["obs"]
        errors.append(reconstruction_errors(vae, obs[:frames_per_episode] if frames_per_episode else obs))
    all_errors = np.concatenate(errors)
    return VAECheck(episodes=len(files), frames=len(all_errors), reconstruction=float(all_errors.mean()),
                    reconstruction_std=float(all_errors.std()))


def script_main(description: str, cfg: VAEConfig, default_vae: Path, default_record: Path,
                argv: list[str] | None = None) -> VAECheck:
    """An environment's vae_check.py: its command line over ``check``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--vae", type=Path, default=default_vae, help="V weights (default %(default)s)")
    parser.add_argument("--record_dir", type=Path, default=default_record, help="episodes (default %(default)s)")
    parser.add_argument("--episodes", type=int_in(1), default=10, help="the last N episodes of the folder")
    parser.add_argument("--frames", type=int_in(0), default=0, help="the first N frames of each episode; 0 = all")
    args = parser.parse_args(argv)
    if args.episodes < 1 or args.frames < 0:
        raise WorldModelsError(f"--episodes must be >= 1 and --frames >= 0, got {args.episodes}, {args.frames}")
    vae = NumpyVAE(load_weights(args.vae, cfg), cfg, encoder="onnx")
    result = check(vae, args.record_dir, args.episodes, args.frames)
    print(f"V {args.vae} on {result.episodes} episodes of {args.record_dir} ({result.frames} frames): "
          f"reconstruction loss {result.reconstruction:.2f} +- {result.reconstruction_std:.2f} per frame "
          f"(sum of squared error over 64x64x{cfg.channels} pixels in [0, 1], z = mu)")
    return result
