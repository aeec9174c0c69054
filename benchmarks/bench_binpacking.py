"""BinPacking: real-environment steps/s of the full agent (V + M + C), the costs of train.py's workers.

    python benchmarks/bench_binpacking.py [--quick] [--vae binpacking/tf_vae/vae.npz --rnn ...]  # default: shipped

Prints, measured side by side in one run on this machine (one process, one BLAS thread):
steps/s of C's rollouts in the real environment for V without and with the encoding cache
(``NumpyVAE(cache_entries=...)``), 8 and 32 games in lockstep, over two "generations" of the same
candidates (the cache is kept between them, as in a train.py worker), and the ratios to the
uncached 8-game figure. Uses the given V and M when present, else random weights of the right
shapes; candidates are drawn as CMA-ES's first generation is (N(0, 0.1^2) parameters).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from binpacking.config import SPEC, model_files  # noqa: E402
from worldmodels import vae as vae_mod  # noqa: E402
from worldmodels.envs import binpacking  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights  # noqa: E402
from worldmodels.rollout import Agent, real_rollouts  # noqa: E402


def load_or_random(vae_path: Path, rnn_path: Path, rng: np.random.Generator):
    if vae_path.is_file() and rnn_path.is_file():
        return vae_mod.load_weights(vae_path, SPEC.vae), RNNWeights.load(rnn_path, SPEC.rnn), "trained"
    rnn = RNNWeights.random(SPEC.rnn, rng)
    vae = vae_mod.random_weights(SPEC.vae, rng)
    return vae, rnn, "random"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter episodes (noisier figures)")
    parser.add_argument("--vae", type=Path, default=model_files().vae, help="default: the shipped V")
    parser.add_argument("--rnn", type=Path, default=model_files().rnn, help="default: the shipped M")
    parser.add_argument("--distribution", default="linear_waste")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    vae_w, rnn_w, source = load_or_random(args.vae, args.rnn, rng)
    candidates, items = (4, 200) if args.quick else (8, 1000)
    params = rng.normal(0, 0.1, (candidates, SPEC.controller.num_params)).astype(np.float32)
    make_env = partial(binpacking.make, distribution=args.distribution, items=items)
    print(f"{source} V and M; {candidates} candidates x 1 episode of {items} items ({args.distribution}) "
          f"per generation, two generations, one process")
    base = None
    for cache, num_envs in ((0, 8), (SPEC.encode_cache, 8), (SPEC.encode_cache, 32)):
        vae = vae_mod.NumpyVAE(vae_w, SPEC.vae, cache_entries=cache)
        agent = Agent(vae=vae, rnn=NumpyMDNRNN(rnn_w, SPEC.rnn), controller_cfg=SPEC.controller,
                      action_mask=binpacking.action_mask)
        rates = []
        for generation in range(2):
            seeds = np.arange(candidates)[:, None] + 100 * generation
            start = time.perf_counter()
            _, steps, _ = real_rollouts(agent, make_env, params, seeds, num_envs=num_envs)
            rates.append(steps.sum() / (time.perf_counter() - start))
        base = base or rates[0]
        hits = vae.cache_hits / max(vae.cache_hits + vae.cache_misses, 1)
        print(f"cache {cache:>7,d}  games {num_envs:>2d}:  generation 1 {rates[0]:7.0f} steps/s "
              f"({rates[0] / base:4.1f}x)  generation 2 {rates[1]:7.0f} steps/s ({rates[1] / base:4.1f}x)  "
              f"cache hits {100 * hits:4.1f}%")


if __name__ == "__main__":
    cli_main(main)
