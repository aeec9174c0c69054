"""V's encoder: the batched numpy encoder vs Keras called once per frame (z 64, Doom-sized V).

    .venv/bin/python benchmarks/bench_encoder.py           # 50 numpy batches, 256 / 64 Keras frames
    .venv/bin/python benchmarks/bench_encoder.py --quick   # 5 numpy batches, 32 / 8 Keras frames

Prints frames/s of: numpy NumpyVAE.encode_mu_logvar on batches of 64; the same through
onnxruntime (``--encoder onnx``, the default in rollouts); Keras ``encoder(x)`` one
frame per call; Keras ``encoder.predict(x)`` one frame per call (what DESIGN.md sec. 4 forbids in
a loop); and, for context, Keras ``encoder(x)`` on batches of 64. Both encoders hold the same
random weights; the numpy result is checked against Keras once. Times only; no asserts on them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from threads import limit_threads_from_argv  # noqa: E402  (benchmarks/, the script's own folder)

limit_threads_from_argv()

import numpy as np  # noqa: E402

from estool.arguments import int_in  # noqa: E402
from worldmodels.config import VAEConfig  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.logs import tensorflow_startup_hidden  # noqa: E402
from worldmodels.vae import NumpyVAE  # noqa: E402


def rate(fn, n_calls: int, frames_per_call: int) -> float:
    fn()  # warm-up (graph tracing, caches)
    t0 = time.perf_counter()
    for _ in range(n_calls):
        fn()
    return n_calls * frames_per_call / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run")
    p.add_argument("--batch", type=int_in(1), default=64, help="frames per numpy call")
    p.add_argument("--threads", type=int_in(1), default=None, help="BLAS threads for numpy (default: numpy's own)")
    args = p.parse_args(argv)
    n_np, n_call, n_predict = (5, 32, 8) if args.quick else (50, 256, 64)

    with tensorflow_startup_hidden():
        import keras

    from worldmodels import keras_vae

    cfg = VAEConfig(z_size=64, channels=3)  # Doom's V [paper A.2]
    keras.utils.set_random_seed(0)
    _, encoder, decoder = keras_vae.build_vae(cfg, seed=0)
    np_vae = NumpyVAE(keras_vae.get_weights(encoder, decoder), cfg)
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (args.batch, 64, 64, 3), dtype=np.uint8)
    x = frames.astype(np.float32) / 255.0
    mu_k, _ = encoder(x)
    err = float(np.abs(np_vae.encode_mu_logvar(frames)[0] - np.asarray(mu_k)).max())

    print(f"V encoder, z {cfg.z_size}; cpus {os.cpu_count()}, numpy BLAS threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}; max |numpy - keras| on mu = {err:.1e}")
    r_np = rate(lambda: np_vae.encode_mu_logvar(frames), n_np, args.batch)
    print(f"numpy, batch {args.batch:3d}               : {r_np:8.1f} frames/s  ({n_np} calls)")
    ort_vae = NumpyVAE(keras_vae.get_weights(encoder, decoder), cfg, encoder="onnx")
    r_ort = rate(lambda: ort_vae.encode_mu_logvar(frames), n_np, args.batch)
    print(f"onnx,  batch {args.batch:3d}               : {r_ort:8.1f} frames/s  ({n_np} calls; the default "
          f"--encoder; numpy's threads do not apply, onnxruntime's follow OMP_NUM_THREADS)")
    k = iter(range(10**9))
    r_call = rate(lambda: encoder(x[next(k) % args.batch][None]), n_call, 1)
    print(f"keras encoder(x), 1 frame per call : {r_call:8.1f} frames/s  ({n_call} calls)")
    r_pred = rate(lambda: encoder.predict(x[next(k) % args.batch][None], verbose=0), n_predict, 1)
    print(f"keras predict(x), 1 frame per call : {r_pred:8.1f} frames/s  ({n_predict} calls)")
    r_kb = rate(lambda: encoder(x), max(2, n_np // 2), args.batch)
    print(f"keras encoder(x), batch {args.batch:3d}       : {r_kb:8.1f} frames/s  (context)")
    print(f"ratio numpy batched / keras per-frame call: {r_np / r_call:.1f}x; / per-frame predict: "
          f"{r_np / r_pred:.1f}x; onnx / numpy batched: {r_ort / r_np:.2f}x")


if __name__ == "__main__":
    cli_main(main)
