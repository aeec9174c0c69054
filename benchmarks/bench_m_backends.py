"""M's training throughput on each Keras 3 backend and batch layout, side by side (issue #26).

Doom's M (z 64, LSTM 512, restart input, done head [paper A.2]) trained on random data through the
project's own model and loss (``worldmodels.keras_mdnrnn``), as rnn_train.py trains it: each backend
in its own process (``KERAS_BACKEND``), every layout timed after warm-up steps (compilation).

    .venv/bin/python benchmarks/bench_m_backends.py                       # tensorflow, jax, torch
    .venv/bin/python benchmarks/bench_m_backends.py --backends jax --layouts 100x500 50x250 --steps 3

Prints, per backend and layout (batch x sequence length), seconds per step, frames (batch x
sequence) per second and the ratio to the first backend's figure on that layout. A backend that is
not installed is reported as such (``pip install jax``; torch: ``pip install torch``). Times only;
no asserts. Threads: whatever the backend uses by default on this machine (set OMP_NUM_THREADS
etc. yourself to compare under a limit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from worldmodels.fileio import cli_main  # noqa: E402

BACKENDS = ("tensorflow", "jax", "torch")
LAYOUTS = ("100x500", "50x250", "100x100")  # [orig doomrnn: batch 100 x 500]; smaller ones fit a CPU


def parse_layout(text: str) -> tuple[int, int]:
    try:
        batch, seq = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a layout is BATCHxSEQ_LEN, e.g. 100x500; got {text!r}") from None
    if batch < 1 or seq < 2:
        raise argparse.ArgumentTypeError(f"a layout needs batch >= 1 and sequence length >= 2, got {text!r}")
    return batch, seq


def worker(layouts: list[tuple[int, int]], steps: int, warmup: int) -> None:
    """In a process whose KERAS_BACKEND is set: time ``steps`` training steps per layout; one JSON line."""
    import keras
    import numpy as np

    from worldmodels import keras_mdnrnn
    from worldmodels.config import RNNConfig
    cfg = RNNConfig(z_size=64, action_size=1, hidden_units=512, use_restart=True, done_head=True)  # Doom
    rows = []
    for batch, seq in layouts:
        keras.utils.set_random_seed(0)
        model = keras_mdnrnn.build_mdnrnn(cfg)
        keras_mdnrnn.compile_mdnrnn(model, cfg)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((batch, seq, cfg.input_size)).astype(np.float32)
        x[..., -1] = 0.0
        x[:, 0, -1] = 1.0  # the restart flag on each sequence's first frame
        y = rng.standard_normal((batch, seq, keras_mdnrnn.target_size(cfg))).astype(np.float32)
        y[..., cfg.z_size] = (rng.random((batch, seq)) < 0.003).astype(np.float32)  # rare deaths
        for _ in range(warmup):
            model.train_on_batch(x, y)
        start = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(x, y)
        seconds = (time.perf_counter() - start) / steps
        rows.append({"layout": f"{batch}x{seq}", "seconds_per_step": seconds, "frames_per_s": batch * seq / seconds})
    print(json.dumps({"backend": keras.backend.backend(), "rows": rows}), flush=True)


def run_backend(backend: str, layouts: list[str], steps: int, warmup: int) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = [sys.executable, __file__, "--worker", "--steps", str(steps), "--warmup", str(warmup), "--layouts", *layouts]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    if result.returncode or not lines:
        tail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        missing = "ModuleNotFoundError" in result.stderr or "No module named" in result.stderr
        return {"backend": backend, "error": f"not installed (pip install {backend})" if missing else tail}
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    p.add_argument("--layouts", nargs="+", default=list(LAYOUTS), help="BATCHxSEQ_LEN (default: %(default)s)")
    p.add_argument("--steps", type=int, default=5, help="timed training steps per layout")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (compilation)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    layouts = [parse_layout(text) for text in args.layouts]
    if args.steps < 1 or args.warmup < 0:
        p.error(f"--steps must be >= 1 and --warmup >= 0, got {args.steps} and {args.warmup}")
    if args.worker:
        worker(layouts, args.steps, args.warmup)
        return
    names = [f"{b}x{s}" for b, s in layouts]
    results = [run_backend(backend, names, args.steps, args.warmup) for backend in args.backends]
    print(f"M (Doom: z 64, LSTM 512, done head), {args.steps} timed steps after {args.warmup} warm-up, "
          f"{os.cpu_count()} CPUs")
    print(f"{'backend':<12} {'layout':<9} {'s/step':>8} {'frames/s':>10} {'ratio':>6}")
    first = {}
    for res in results:
        if "error" in res:
            print(f"{res['backend']:<12} {res['error']}")
            continue
        for row in res["rows"]:
            base = first.setdefault(row["layout"], row["frames_per_s"])
            print(f"{res['backend']:<12} {row['layout']:<9} {row['seconds_per_step']:8.3f} {row['frames_per_s']:10.0f} "
                  f"{row['frames_per_s'] / base:6.2f}")


if __name__ == "__main__":
    cli_main(main)
