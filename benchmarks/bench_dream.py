"""Dream throughput: one vectorised call for a whole population vs one rollout at a time.

Doom-sized M (z 64, LSTM 512, restart input, done head; random weights) and C (1088 params,
features z, c, h, thirds) [design sec. 3]. The done head is disabled by a large negative bias so
every rollout runs exactly to the step cap and both sides do the same number of rollout-steps.

    .venv/bin/python benchmarks/bench_dream.py            # 1024 rollouts x 100 steps each way
    .venv/bin/python benchmarks/bench_dream.py --quick    # 1024 x 10 batched, 128 x 10 one by one
    .venv/bin/python benchmarks/bench_dream.py --threads 1  # one BLAS thread, as an MPI ES worker

Prints rollout-steps/s of both, their ratio (target >= 20x) and the time of one ES generation
(population 64 x 16 episodes) extrapolated to a given mean episode length. Times only; no asserts.
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
from worldmodels.config import ControllerConfig, DreamConfig, RNNConfig  # noqa: E402
from worldmodels.dream import dream_rollouts  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights  # noqa: E402

RNN = RNNConfig(z_size=64, action_size=1, hidden_units=512, use_restart=True, done_head=True)  # Doom [paper A.2]
CTRL = ControllerConfig(input_size=64 + 512 + 512, output_size=1, use_bias=False, action="doom",
                        features="zch")  # 1088 params [orig doomrnn/model.py]


def make_rnn(seed: int = 0) -> NumpyMDNRNN:
    rng = np.random.default_rng(seed)
    h4 = 4 * RNN.hidden_units

    def r(*shape, scale):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = RNNWeights(kernel=r(RNN.input_size, h4, scale=0.05), recurrent=r(RNN.hidden_units, h4, scale=0.05),
                   bias=r(h4, scale=0.1), output_w=r(RNN.hidden_units, RNN.output_size, scale=0.05),
                   output_b=r(RNN.output_size, scale=0.1))
    w.output_w[:, 0] = 0.0
    w.output_b[0] = -1e3  # done head off: every rollout runs to the cap
    return NumpyMDNRNN(w, RNN)


def matrix_product_floor(rnn: NumpyMDNRNN, batch: int, repeats: int = 20) -> float:
    """Seconds per batched step spent in the LSTM's and the output layer's matrix products only."""
    rng = np.random.default_rng(2)
    xh = rng.standard_normal((batch, rnn.kernel.shape[0])).astype(np.float32)
    h = rng.standard_normal((batch, RNN.hidden_units)).astype(np.float32)
    xh @ rnn.kernel, h @ rnn.output_w  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        xh @ rnn.kernel, h @ rnn.output_w
    return (time.perf_counter() - t0) / repeats


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run: cap 10 steps, 128 single rollouts")
    p.add_argument("--candidates", type=int_in(1), default=64, help="population [paper: 64]")
    p.add_argument("--episodes", type=int_in(1), default=16, help="episodes per candidate [paper: 16]")
    p.add_argument("--cap", type=int_in(1), default=None, help="steps per rollout (default 100, quick 10)")
    p.add_argument("--single", type=int_in(1), default=None,
                   help="rollouts played one at a time (default: as many as batched, quick 128)")
    p.add_argument("--mean_len", type=int_in(1), default=400, help="mean episode length for the generation estimate")
    p.add_argument("--threads", type=int_in(1), default=None,
                   help="BLAS threads (default: numpy's own); 1 = as an ES worker under MPI (estool.mpi)")
    args = p.parse_args(argv)
    cap = args.cap or (10 if args.quick else 100)
    n_batch = args.candidates * args.episodes
    n_single = args.single or (128 if args.quick else n_batch)

    rnn = make_rnn()
    rng = np.random.default_rng(1)
    params = (rng.standard_normal((args.candidates, CTRL.num_params)) * 0.1).astype(np.float32)
    mu = rng.standard_normal((1000, 64)).astype(np.float32)
    logvar = np.full((1000, 64), -2.0, np.float32)
    cfg = DreamConfig(temperature=1.15, max_steps=cap, reward_per_step=1.0)
    seeds = np.arange(n_batch).reshape(args.candidates, args.episodes)

    print(f"M: z {RNN.z_size}, LSTM {RNN.hidden_units}, restart, done head (off); C: {CTRL.num_params} params, "
          f"zch, thirds; cap {cap} steps; cpus {os.cpu_count()}, "
          f"BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}")
    dream_rollouts(rnn, CTRL, params[:2], mu, logvar, cfg, seeds[:2, :2], max_len=2)  # warm-up

    t0 = time.perf_counter()
    _, steps = dream_rollouts(rnn, CTRL, params, mu, logvar, cfg, seeds)
    t_batch = time.perf_counter() - t0
    assert steps.sum() == n_batch * cap, steps.sum()  # sanity of the setup (not a timing assert)
    rate_batch = steps.sum() / t_batch

    t0 = time.perf_counter()
    total = 0
    for k in range(n_single):
        i = k % args.candidates
        _, s = dream_rollouts(rnn, CTRL, params[i:i + 1], mu, logvar, cfg, np.array([[k]]))
        total += int(s.sum())
    t_single = time.perf_counter() - t0
    rate_single = total / t_single

    print(f"batched    : {n_batch:5d} rollouts ({args.candidates} x {args.episodes}) in one call: "
          f"{steps.sum():7d} steps in {t_batch:7.2f} s = {rate_batch:9.0f} rollout-steps/s "
          f"({t_batch / cap * 1e3:.1f} ms per batched step)")
    print(f"one by one : {n_single:5d} rollouts, one call each:          "
          f"{total:7d} steps in {t_single:7.2f} s = {rate_single:9.0f} rollout-steps/s")
    print(f"ratio batched / one-by-one: {rate_batch / rate_single:.1f}x (target >= 20x)")
    t_gemm = matrix_product_floor(rnn, n_batch)
    print(f"floor: M's two matrix products alone take {t_gemm * 1e3:.1f} ms per batched step "
          f"(BLAS, compute-bound), so no numpy dream step can beat {n_batch / t_gemm:.0f} rollout-steps/s "
          f"here: at most {n_batch / t_gemm / rate_single:.1f}x over one by one on this machine")
    gen = args.mean_len * t_batch / cap
    print(f"one generation, {args.candidates} x {args.episodes} episodes of mean length {args.mean_len}: "
          f"~{gen:.0f} s EXTRAPOLATED (mean_len x measured time per full batched step; an upper estimate, "
          f"since finished rollouts drop out of the batch); one by one it would be "
          f"~{n_batch * args.mean_len / rate_single:.0f} s")


if __name__ == "__main__":
    cli_main(main)
