"""V's training step with its first deconv as Keras' Conv2DTranspose vs as one matmul (ours).

V's decoder reshapes dec_fc's 1024 outputs to 1 x 1 x 1024 and deconvolves them to 5 x 5 x 128
[orig vae.py]. On a 1 x 1 input that transposed convolution is a dense layer, and
``worldmodels.keras_vae.Conv2DTranspose`` computes it as one; TensorFlow's CPU kernel for it is
slow. Both Vs are built the same way (``keras_vae.build_vae``), with the same weights, and trained
on the same random batches in one process, one after the other:

    .venv/bin/python benchmarks/bench_vae_deconv.py             # batch 100, 64x64x3, z 32, 6 steps each
    .venv/bin/python benchmarks/bench_vae_deconv.py --channels 1 --steps 3

Prints images/s of each (after one warm-up step), the ratio ours / Keras' (target > 1), and the
largest difference of the decoders' outputs on the same z (the same math: ~1e-6). Times only; no asserts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from estool.arguments import int_in  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402


def build(cfg, stock: bool):
    """(train model, decoder) of V; ``stock``: its Conv2DTranspose layers are Keras' own."""
    import keras

    from worldmodels import keras_vae
    deconv = keras.layers.Conv2DTranspose if stock else keras_vae.Conv2DTranspose
    model, _, decoder = keras_vae.build_vae(cfg, seed=0, deconv=deconv)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss=keras_vae.make_vae_loss(cfg))
    return model, decoder


def images_per_second(model, x: np.ndarray, steps: int) -> float:
    model.train_on_batch(x, x)  # warm-up: tracing
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, x)
    return steps * len(x) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int_in(1), default=100, help="[orig vae_train.py] (default %(default)s)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=3)
    parser.add_argument("--z", type=int_in(1), default=32)
    parser.add_argument("--steps", type=int_in(1), default=6)
    args = parser.parse_args(argv)
    import keras

    from worldmodels.config import VAEConfig
    cfg = VAEConfig(z_size=args.z, channels=args.channels)
    rng = np.random.default_rng(0)
    x = rng.random((args.batch, 64, 64, args.channels), dtype=np.float32)
    stock, stock_decoder = build(cfg, stock=True)
    ours, ours_decoder = build(cfg, stock=False)
    ours.set_weights(stock.get_weights())
    z = rng.standard_normal((8, args.z)).astype(np.float32)
    diff = float(np.abs(np.asarray(ours_decoder(z)) - np.asarray(stock_decoder(z))).max())
    rate_stock = images_per_second(stock, x, args.steps)
    rate_ours = images_per_second(ours, x, args.steps)
    print(f"V training, batch {args.batch} of 64x64x{args.channels}, z {args.z}, {args.steps} steps each, "
          f"Keras {keras.__version__} ({keras.backend.backend()})")
    print(f"Keras' Conv2DTranspose: {rate_stock:.1f} images/s")
    print(f"ours (one matmul):      {rate_ours:.1f} images/s")
    print(f"ratio ours / Keras': {rate_ours / rate_stock:.2f}x; decoders' largest difference {diff:.2e}")


if __name__ == "__main__":
    cli_main(main)
