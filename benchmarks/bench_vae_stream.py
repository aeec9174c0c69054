"""V training speed and memory: frames streamed from disk (FrameStream) vs an in-memory array.

Writes synthetic episodes (``record/*.npz``, compressed, smooth 64x64x3 frames) to a temp folder,
then trains the same V for the same number of steps twice, each in a fresh subprocess so that
their peak RSS can be compared: once fed by ``worldmodels.data.FrameStream`` (bounded pool of
episodes read from disk, as vae_train.py does) and once from all frames loaded into one array.

    .venv/bin/python benchmarks/bench_vae_stream.py           # 40 episodes x 250 frames, 40 steps of 100, pool 8
    .venv/bin/python benchmarks/bench_vae_stream.py --quick   # 16 episodes x 100 frames, 10 steps of 32, pool 4

Prints training images/s (after 2 warm-up steps), peak RSS (psutil, sampled every 10 ms, and the
kernel's ru_maxrss) of each, and the ratio disk / memory (target >= 0.9x). The episode files
were just written, so "disk" reads mostly come from the page cache. Times only; no asserts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from estool.arguments import int_in  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402

logger = logging.getLogger(__name__)


def write_episodes(folder: Path, n_episodes: int, length: int, seed: int = 0) -> int:
    """Smooth moving blobs (compress like real frames do), written with data.save_episode."""
    from worldmodels.data import save_episode
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:64, :64].astype(np.float32)
    for k in range(n_episodes):
        path = rng.uniform(8, 56, 2) + np.cumsum(rng.normal(0, 1, (length, 2)), axis=0)
        cy, cx = np.clip(path[:, 0], 0, 63), np.clip(path[:, 1], 0, 63)
        d = (yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2
        blob = np.exp(-d / 60.0)
        obs = np.stack([200 * blob + 30, 100 * (1 - blob) + 50, np.full_like(blob, 90)], -1).astype(np.uint8)
        save_episode(folder / f"{k:05d}.npz", obs, rng.uniform(-1, 1, (length, 1)))
    return n_episodes * length


class PeakRSS:
    """Samples this process's RSS in a thread; ``peak`` in bytes."""

    def __init__(self, interval: float = 0.01):
        import psutil
        self.proc, self.interval, self.peak = psutil.Process(), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def child(mode: str, record: Path, steps: int, batch: int, pool: int) -> dict:
    """Train V for ``steps`` batches fed from disk or memory; return the measurements."""
    from worldmodels.data import FrameStream, list_episodes, load_episode
    files = list_episodes(record)
    with PeakRSS() as rss:
        import keras

        from worldmodels import keras_vae
        from worldmodels.config import VAEConfig
        cfg = VAEConfig(z_size=32, batch_size=batch)
        keras.utils.set_random_seed(0)
        model, _, _ = keras_vae.build_vae(cfg, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss=keras_vae.make_vae_loss(cfg))
        rss_before_data = rss.proc.memory_info().rss

        if mode == "disk":
            stream = FrameStream(files, batch, pool_episodes=pool, seed=0)

            def batches():
                while True:
                    yield from stream.epoch()
        else:
            frames = np.concatenate([load_episode(f, keys=("obs",))["obs"] for f in files])
            rng = np.random.default_rng(0)

            def batches():
                while True:
                    perm = rng.permutation(len(frames))
                    for i in range(0, len(perm) - batch + 1, batch):
                        yield frames[perm[i:i + batch]]

        it = batches()
        for _ in range(2):  # warm-up: graph tracing
            x = next(it).astype(np.float32) / 255.0
            model.train_on_batch(x, x)
        t0 = time.perf_counter()
        for _ in range(steps):
            x = next(it).astype(np.float32) / 255.0
            model.train_on_batch(x, x)
        seconds = time.perf_counter() - t0
    return {"mode": mode, "images_per_s": steps * batch / seconds, "seconds": seconds,
            "peak_rss_mb": rss.peak / 2**20, "rss_before_data_mb": rss_before_data / 2**20,
            "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run")
    p.add_argument("--episodes", type=int_in(1), default=None)
    p.add_argument("--length", type=int_in(1), default=None, help="frames per episode")
    p.add_argument("--steps", type=int_in(1), default=None)
    p.add_argument("--batch", type=int_in(1), default=None)
    p.add_argument("--pool", type=int_in(1), default=None, help="FrameStream pool_episodes (default 8, quick 4)")
    p.add_argument("--child", choices=["disk", "memory"], help=argparse.SUPPRESS)
    p.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    episodes = args.episodes or (16 if args.quick else 40)
    length = args.length or (100 if args.quick else 250)
    steps = args.steps or (10 if args.quick else 40)
    batch = args.batch or (32 if args.quick else 100)
    args.pool = args.pool or (4 if args.quick else 8)

    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.record, steps, batch, args.pool)), flush=True)
        return

    with tempfile.TemporaryDirectory(prefix="bench_vae_stream.") as tmp:
        record = Path(tmp) / "record"
        t0 = time.perf_counter()
        n_frames = write_episodes(record, episodes, length)
        on_disk = sum(f.stat().st_size for f in record.iterdir()) / 2**20
        print(f"{episodes} episodes x {length} frames = {n_frames} frames ({n_frames * 64 * 64 * 3 / 2**20:.0f} MB "
              f"as uint8, {on_disk:.1f} MB compressed on disk, written in {time.perf_counter() - t0:.1f} s); "
              f"V z 32, batch {batch}, {steps} timed steps, FrameStream pool {args.pool} episodes; "
              f"cpus {os.cpu_count()}")
        results = {}
        for mode in ("memory", "disk"):
            cmd = [sys.executable, __file__, "--child", mode, "--record", str(record), "--steps", str(steps),
                   "--batch", str(batch), "--pool", str(args.pool), "--episodes", str(episodes),
                   "--length", str(length)]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
            if out.returncode != 0 or line is None:
                logger.error("%s\n%s", out.stdout[-2000:], out.stderr[-4000:])
                raise SystemExit(f"the {mode} run failed (exit {out.returncode})")
            results[mode] = json.loads(line[len("RESULT "):])
    for mode in ("memory", "disk"):
        r = results[mode]
        print(f"{mode:6s}: {r['images_per_s']:7.1f} images/s ({r['seconds']:.1f} s); "
              f"peak RSS {r['peak_rss_mb']:6.0f} MB "
              f"(ru_maxrss {r['ru_maxrss_mb']:.0f} MB; {r['rss_before_data_mb']:.0f} MB with TF and V before any data)")
    ratio = results["disk"]["images_per_s"] / results["memory"]["images_per_s"]
    print(f"ratio disk / memory: {ratio:.2f}x images/s (target >= 0.9x); peak RSS disk - memory: "
          f"{results['disk']['peak_rss_mb'] - results['memory']['peak_rss_mb']:+.0f} MB")


if __name__ == "__main__":
    cli_main(main)
