"""Agent steps/s on one core in the real games (V + M + C), where the time goes, and V's FLOP rate.

    .venv/bin/python benchmarks/bench_agents.py           # ~3 minutes
    .venv/bin/python benchmarks/bench_agents.py --quick   # ~1 minute, rougher figures

One process, one math thread (as every rollout worker runs; ``--threads N`` to compare), the
shipped V, M and C of each game, 8 games in lockstep as train.py and model.py play them. Printed,
all measured in this one run:

* the matmul FLOP limit of this core (1024^3 float32 matmul, best of 5) and V's encoder in
  frames/s and % of that limit, numpy vs onnxruntime, at batch 1 and 8 (29.56 MFLOP a frame);
* each game alone (random actions): stock gymnasium CarRacing-v3, FastCarRacing, EnvPool's
  CarRacing-v3; DoomTakeCover; Pong;
* each agent loop "before" (numpy encoder; M computes its mixture head every step, as the code did
  until issue #24) and "after" (onnxruntime encoder; only M's LSTM advances in play), in steps/s
  and microseconds per step split into env, V, M, C and the rest (the loop's own bookkeeping);
* the ratios the issue asks for: CarRacing's training loop (EnvPool, after) and evaluation loop
  (FastCarRacing, after) over the stock game alone, and Doom / Pong after over before.

Times only; nothing is asserted. Figures move by ~10 % between runs on a shared VM.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from threads import limit_threads_from_argv  # noqa: E402  (benchmarks/, the script's own folder)

limit_threads_from_argv()
from worldmodels.threads import one_thread_per_process  # noqa: E402

one_thread_per_process()  # what every rollout worker runs with, unless --threads says otherwise

import numpy as np  # noqa: E402

from estool.arguments import int_in  # noqa: E402
from worldmodels.fileio import cli_main  # noqa: E402

ENCODER_MFLOP = 29.56
"""Multiply-adds x 2 of V's encoder per 64x64x3 frame: the four convolutions and the two heads."""

PARTS = ("env", "V", "M", "C")


def encoder_flops(cfg) -> float:
    """FLOPs of V's encoder for one frame of ``cfg`` (2 per multiply-add)."""
    from worldmodels.vae import ENCODER_CONVS, FLAT_SIZE, IMAGE_SIZE, STRIDE
    side, channels, total = IMAGE_SIZE, cfg.channels, 0
    for _, filters, k in ENCODER_CONVS:
        side = (side - k) // STRIDE + 1
        total += 2 * side * side * filters * k * k * channels
        channels = filters
    return total + 2 * 2 * FLAT_SIZE * cfg.z_size


def matmul_limit(repeats: int = 5) -> float:
    """GFLOP/s of a 1024^3 float32 matmul on this thread (best of ``repeats``)."""
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    a @ a
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t0)
    return 2 * 1024**3 / best / 1e9


def encoder_rate(vae, batch: int, frames_total: int) -> float:
    """frames/s of ``vae.encode_mu_logvar`` on uint8 batches of ``batch`` (best of 3 passes)."""
    frames = np.random.default_rng(batch).integers(0, 256, (batch, 64, 64, vae.cfg.channels), dtype=np.uint8)
    vae.encode_mu_logvar(frames)
    calls = max(1, frames_total // batch)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(calls):
            vae.encode_mu_logvar(frames)
        best = min(best, time.perf_counter() - t0)
    return calls * batch / best


# ------------------------------------------------------------------- timing the agent's parts


class Clock:
    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)

    def timed(self, part: str, fn, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds[part] += time.perf_counter() - t0


class TimedEnv:
    """The game with its reset and step counted as "env"."""

    def __init__(self, env, clock: Clock):
        self.env, self.clock = env, clock

    def reset(self, **kwargs):
        return self.clock.timed("env", self.env.reset, **kwargs)

    def step(self, action):
        return self.clock.timed("env", self.env.step, action)

    def render(self):
        return self.env.render()

    def close(self):
        self.env.close()


class TimedVector:
    """A VectorGame (EnvPool's round of games) with its reset and step counted as "env"."""

    def __init__(self, game, clock: Clock):
        self.game, self.clock = game, clock

    def reset(self, seeds):
        return self.clock.timed("env", self.game.reset, seeds)

    def step(self, actions, ids):
        return self.clock.timed("env", self.game.step, actions, ids)

    def close(self):
        self.game.close()


class TimedVAE:
    def __init__(self, vae, clock: Clock):
        self.vae, self.clock, self.cfg = vae, clock, vae.cfg

    def encode_mu_logvar(self, frames):
        return self.clock.timed("V", self.vae.encode_mu_logvar, frames)


class TimedRNN:
    """M; ``full_head`` also computes the mixture-density head every step (the code before #24)."""

    def __init__(self, rnn, clock: Clock, full_head: bool):
        self.rnn, self.clock, self.full_head, self.cfg = rnn, clock, full_head, rnn.cfg

    def initial_state(self, batch):
        return self.rnn.initial_state(batch)

    def advance(self, z, action, h, c, restart=None):
        if self.full_head:
            return self.clock.timed("M", self.rnn.step, z, action, h, c, restart)[:2]
        return self.clock.timed("M", self.rnn.advance, z, action, h, c, restart)


@dataclass
class LoopResult:
    steps: int
    seconds: float
    parts: dict[str, float]

    @property
    def rate(self) -> float:
        return self.steps / self.seconds

    def micros(self, part: str) -> float:
        if part == "rest":
            return 1e6 * (self.seconds - sum(self.parts.get(p, 0.0) for p in PARTS)) / self.steps
        return 1e6 * self.parts.get(part, 0.0) / self.steps


def agent_loop(spec, make_env, vae_weights, rnn_weights, params, encoder: str, full_head: bool,
               episodes: int, max_len: int, seed: int = 0, vector: bool = False) -> LoopResult:
    """real_rollouts (or, ``vector``, vector_rollouts over EnvPool) over ``episodes`` seeds, 8 games
    in lockstep, its parts timed."""
    import worldmodels.rollout as rollout
    from worldmodels.mdnrnn import NumpyMDNRNN
    from worldmodels.vae import NumpyVAE

    clock = Clock()

    class TimedController(rollout.Controller):
        def act(self, x, rows=None, mask=None):
            return clock.timed("C", super().act, x, rows, mask)

    vae = TimedVAE(NumpyVAE(vae_weights, spec.vae, encoder=encoder), clock)
    rnn = TimedRNN(NumpyMDNRNN(rnn_weights, spec.rnn), clock, full_head)
    agent = rollout.Agent(vae=vae, rnn=rnn, controller_cfg=spec.controller)
    seeds = (seed + np.arange(episodes))[None]
    if vector:  # EnvPool's games stepped as one batch, as train.py --backend envpool plays them
        from worldmodels.envs.envpool_carracing import EnvPoolCarRacingVector
        game = TimedVector(EnvPoolCarRacingVector(max_steps=1000), clock)

        def play(seeds, max_len):
            return rollout.vector_rollouts(agent, game, params[None], seeds, max_len=max_len)[1]
        envs = [game]
    else:
        envs = [TimedEnv(make_env(), clock) for _ in range(min(8, episodes))]

        def play(seeds, max_len):
            return rollout.real_rollouts(agent, None, params[None], seeds, max_len=max_len, envs=envs)[1]
    original, rollout.Controller = rollout.Controller, TimedController
    try:
        play(seeds[:, :1], 5)  # warm-up
        clock.seconds.clear()
        t0 = time.perf_counter()
        steps = play(seeds, max_len)
        seconds = time.perf_counter() - t0
    finally:
        rollout.Controller = original
        for env in envs:
            env.close()
    return LoopResult(int(steps.sum()), seconds, dict(clock.seconds))


def env_alone(make_env, sample_action, steps: int, max_len: int) -> float:
    """steps/s of the game alone with ``sample_action(rng)`` actions, episodes cut at ``max_len``."""
    env = make_env()
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    done, taken, episode_steps, seed = False, 0, 0, 0
    t0 = time.perf_counter()
    while taken < steps:
        if done or episode_steps >= max_len:
            seed += 1
            env.reset(seed=seed)
            episode_steps = 0
        _, _, terminated, truncated, _ = env.step(sample_action(rng))
        done = terminated or truncated
        taken += 1
        episode_steps += 1
    rate = taken / (time.perf_counter() - t0)
    env.close()
    return rate


# ------------------------------------------------------------------- the games


def car_action(rng):
    return np.array([rng.uniform(-1, 1), rng.uniform(0, 1), 0.0])


def games(only: set[str]):
    """(name, spec, make_env(backend), vae, rnn, params, random action) of each shipped agent."""
    from worldmodels.formats import read_controller
    from worldmodels.mdnrnn import RNNWeights
    from worldmodels.vae import load_weights

    def load(spec, files):
        return (load_weights(files.vae, spec.vae), RNNWeights.load(files.rnn, spec.rnn),
                read_controller(files.controller, spec.controller.num_params).astype(np.float32))

    out = []
    if "carracing" in only:
        from carracing.config import SHIPPED, SPEC
        from worldmodels.envs import make_env

        def car(backend):
            return lambda: make_env("carracing", backend=backend, max_steps=1000)
        out.append(("carracing", SPEC, car, *load(SPEC, SHIPPED), car_action))
    if "doom" in only:
        from doomrnn.config import SHIPPED, SPEC
        from worldmodels.envs import make_env
        out.append(("doom", SPEC, lambda _: (lambda: make_env("doom", resolution="160x120")), *load(SPEC, SHIPPED),
                    lambda rng: int(rng.integers(3))))
    if "pong" in only:
        from atari.config import TRAINED, spec_for
        from worldmodels.config import ModelFiles
        from worldmodels.envs.atari import AtariConfig, make_from_config
        spec = spec_for("Pong")
        files = ModelFiles.in_folder(TRAINED / "pong", "pong.best.json")
        out.append(("pong", spec, lambda _: (lambda: make_from_config(AtariConfig(game="Pong"))), *load(spec, files),
                    lambda rng: int(rng.integers(spec.controller.output_size))))
    return out


def row(label: str, result: LoopResult) -> str:
    parts = "  ".join(f"{p} {result.micros(p):6.0f}" for p in (*PARTS, "rest"))
    return f"  {label:<34} {result.rate:7.0f} steps/s   us/step: {parts}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer steps (rougher figures)")
    parser.add_argument("--threads", type=int_in(1), default=None, help="math threads (default 1, as a worker)")
    parser.add_argument("--games", default="carracing,doom,pong", help="comma-separated subset")
    args = parser.parse_args(argv)
    only = set(args.games.split(","))
    episodes, alone_steps, enc_frames = (8, 800, 400) if args.quick else (8, 3000, 2000)
    # steps per episode: CarRacing's whole 1000 (its first ~50 frames zoom in and draw slower), the
    # others cut where their loops have long settled
    max_lens = {"carracing": 300 if args.quick else 1000, "doom": 300 if args.quick else 1000,
                "pong": 200 if args.quick else 500}

    from worldmodels.config import VAEConfig
    from worldmodels.vae import NumpyVAE, random_weights

    print(f"one process, OMP/OPENBLAS threads {os.environ.get('OMP_NUM_THREADS')}; {episodes} episodes per "
          f"agent loop, 8 games in lockstep, episodes cut at {max_lens}")
    limit = matmul_limit()
    cfg = VAEConfig(z_size=32, channels=3)
    flops = encoder_flops(cfg)
    weights = random_weights(cfg, np.random.default_rng(0))
    print(f"\nV's encoder ({flops / 1e6:.2f} MFLOP a frame); matmul limit {limit:.1f} GFLOP/s "
          f"(1024^3 float32, best of 5)")
    for encoder in ("numpy", "onnx"):
        vae = NumpyVAE(weights, cfg, encoder=encoder)
        for batch in (1, 8):
            fps = encoder_rate(vae, batch, enc_frames)
            print(f"  {encoder:<5} batch {batch}: {fps:7.0f} frames/s  {fps * flops / 1e9:6.1f} GFLOP/s  "
                  f"{100 * fps * flops / 1e9 / limit:5.1f} % of the limit")

    rates: dict[str, float] = {}
    for name, spec, make, vae_w, rnn_w, params, sample in games(only):
        print(f"\n{name}")
        max_len = max_lens[name]
        backends = ("stock", "fast", "envpool") if name == "carracing" else (None,)
        for backend in backends:
            rate = env_alone(make(backend), sample, alone_steps if backend != "stock" else alone_steps // 2, max_len)
            rates[f"{name} {backend} alone"] = rate
            print(f"  {'game alone' + (f' ({backend})' if backend else ''):<34} {rate:7.0f} steps/s")
        loops = [("fast", "numpy", True), ("fast", "onnx", False), ("envpool", "onnx", False)] \
            if name == "carracing" else [(None, "numpy", True), (None, "onnx", False)]
        for backend, encoder, full_head in loops:
            result = agent_loop(spec, make(backend), vae_w, rnn_w, params, encoder, full_head, episodes, max_len,
                                vector=backend == "envpool")
            when = "before" if full_head else "after"
            label = f"agent {when}" + (f" ({backend})" if backend else "")
            rates[f"{name} {label}"] = result.rate
            print(row(label, result))

    print("\nratios")
    if "carracing" in only:
        stock = rates["carracing stock alone"]
        print(f"  CarRacing training loop (EnvPool, V+M+C) / stock game alone: "
              f"{rates['carracing agent after (envpool)'] / stock:.2f}x   (target >= 4.5x)")
        print(f"  CarRacing evaluation loop (FastCarRacing, V+M+C) / stock game alone: "
              f"{rates['carracing agent after (fast)'] / stock:.2f}x   (target >= 2.2x)")
        print(f"  CarRacing FastCarRacing agent after / before: "
              f"{rates['carracing agent after (fast)'] / rates['carracing agent before (fast)']:.2f}x")
    for name in ("doom", "pong"):
        if name in only:
            print(f"  {name} agent after / before: {rates[f'{name} agent after'] / rates[f'{name} agent before']:.2f}x"
                  f"   (target >= 1.5x over 593 / 659 steps/s)")


if __name__ == "__main__":
    cli_main(main)
