"""Doom: one generation of CMA-ES in the dream, and real-game evaluation batched vs one frame at a time.

    python benchmarks/bench_doom.py [--quick] [--rnn doomrnn/trained/rnn.npz ...]

Prints, measured side by side in one run on this machine:
1. the wall time of one generation of population 64 x 16 dream episodes (one process, one
   vectorised batch of 1024 rollouts) with the given M and controller, and the rollout-steps/s;
2. real-game steps/s of the full agent (V + M + C) with 8 games in lockstep (V encodes 8 frames
   per call) vs 1 game (one frame per call), and the ratio.
Uses the shipped weights when present, else random weights of the right shapes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from doomrnn.config import SHIPPED, SPEC  # noqa: E402
from worldmodels import vae as vae_mod  # noqa: E402
from worldmodels.dream import dream_rollouts  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.formats import read_controller, read_initial_z  # noqa: E402
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights  # noqa: E402
from worldmodels.rollout import Agent, real_rollouts  # noqa: E402


def random_weights(rng: np.random.Generator):
    rnn = RNNWeights.random(SPEC.rnn, rng)
    rnn.output_b[0] = -3.0  # done logit well below 0: episodes run to the cap
    vae = vae_mod.random_weights(SPEC.vae, rng)
    mu = rng.normal(size=(100, SPEC.vae.z_size)).astype(np.float32)
    return rnn, vae, mu, np.full_like(mu, -2.0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (noisier figures)")
    parser.add_argument("--rnn", type=Path, default=SHIPPED.rnn)
    parser.add_argument("--vae", type=Path, default=SHIPPED.vae)
    parser.add_argument("--initial_z", type=Path, default=SHIPPED.initial_z)
    parser.add_argument("--controller", type=Path, default=SHIPPED.controller)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    shipped = all(p.is_file() for p in (args.rnn, args.vae, args.initial_z, args.controller))
    if shipped:
        rnn_w = RNNWeights.load(args.rnn, SPEC.rnn)
        vae_w = vae_mod.load_weights(args.vae, SPEC.vae)
        mu, logvar = read_initial_z(args.initial_z, SPEC.rnn.z_size)
        params = read_controller(args.controller, SPEC.controller.num_params)
    else:
        rnn_w, vae_w, mu, logvar = random_weights(rng)
        params = rng.normal(0, 0.1, SPEC.controller.num_params)
    print(f"weights: {'shipped (' + str(args.rnn.parent) + ')' if shipped else 'random'}; "
          f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}")
    rnn = NumpyMDNRNN(rnn_w, SPEC.rnn)
    pop, episodes = 64, 16
    cap = 200 if args.quick else 0
    population = params + rng.normal(0, 0.1, (pop, params.size))
    seeds = np.arange(pop * episodes).reshape(pop, episodes)
    start = time.perf_counter()
    rewards, steps = dream_rollouts(rnn, SPEC.controller, population, mu, logvar, SPEC.dream, seeds, max_len=cap)
    took = time.perf_counter() - start
    print(f"dream generation (population {pop} x {episodes} episodes{f', capped at {cap} steps' if cap else ''}): "
          f"{took:.1f} s, mean episode {steps.mean():.0f} steps, {steps.sum() / took:,.0f} rollout-steps/s")

    from worldmodels.envs.doom import make
    agent = Agent(vae=vae_mod.NumpyVAE(vae_w, SPEC.vae), rnn=rnn, controller_cfg=SPEC.controller)
    n_eps = 8 if args.quick else 16
    max_len = 150 if args.quick else 300
    real_seeds = np.arange(n_eps)[None]
    results = {}
    for num_envs in (8, 1):
        envs = [make() for _ in range(num_envs)]
        start = time.perf_counter()
        _, steps, _ = real_rollouts(agent, make, params[None], real_seeds, max_len=max_len, envs=envs)
        results[num_envs] = steps.sum() / (time.perf_counter() - start)
        for env in envs:
            env.close()
        print(f"real game, {num_envs} game(s) in lockstep: {results[num_envs]:,.0f} agent steps/s "
              f"({n_eps} episodes, <= {max_len} steps each)")
    print(f"batched / one frame at a time: {results[8] / results[1]:.2f}x")


if __name__ == "__main__":
    cli_main(main)
