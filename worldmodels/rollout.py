"""The agent (V + M + C) acting in a real environment, many games stepped in lockstep.

Per step, the frames of every live game are encoded by V in one batched call, C acts on
(z[, c], h) and M advances its state on (z, M's action) [orig model.py]. z is sampled from V's
posterior (mu + sigma * eps) as the original's model.py did. Rollouts are numpy only: no
TensorFlow in a worker.

Each episode draws its z noise from its own generator, ``default_rng([seed, Z_NOISE_STREAM])``, so
an episode's track and noise depend only on its seed: not on how many games run in lockstep, which
other episodes share the batch or how the episodes are split over processes (and candidates given
the same seed play the same track with the same noise). Its float32 sums do not depend on the batch
either (issue #30): V encodes a frame, and M steps a game, the same in a batch of any size
(``worldmodels.rowwise``; tests/test_rowwise.py), so an episode is the same to the last bit for any
``num_envs`` and any split over processes or MPI workers (tests/test_same_episodes_any_workers.py).
Another machine or BLAS build may still round differently, and in a chaotic game (CarRacing) that
rounding can grow, over 1000 frames, into a different episode (carracing/EXPERIMENTS.md measures it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

import gymnasium as gym
import numpy as np

from worldmodels.config import ControllerConfig
from worldmodels.controller import Controller, features
from worldmodels.mdnrnn import NumpyMDNRNN
from worldmodels.vae import NumpyVAE

Z_NOISE_STREAM = 1
"""An episode of seed s samples z with ``np.random.default_rng([s, Z_NOISE_STREAM])`` (the game
itself is reset with seed s)."""


@dataclass
class Agent:
    """V, M and C's configuration; C's parameters are given per rollout."""

    vae: NumpyVAE
    rnn: NumpyMDNRNN
    controller_cfg: ControllerConfig
    action_mask: Callable[[dict], np.ndarray] | None = None
    """For masked discrete games: info dict -> boolean mask of valid actions."""


@dataclass
class _Slot:
    env: gym.Env
    job: int = -1
    obs: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    frames: list = field(default_factory=list)
    noise: np.random.Generator | None = None

    def started(self) -> tuple[np.ndarray, np.random.Generator]:
        """The frame and z-noise generator of a game with an episode (``start`` set both)."""
        assert self.obs is not None and self.noise is not None, "no episode started in this game"
        return self.obs, self.noise


def _rendered(env: gym.Env) -> np.ndarray:
    """``env.render()`` of a game made with render_mode="rgb_array": its frame."""
    return cast(np.ndarray, env.render())


def agent_step(agent: Agent, controller: Controller, obs: np.ndarray, noises: list[np.random.Generator] | None,
               h: np.ndarray, c: np.ndarray, rows: np.ndarray, first: np.ndarray, mask: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of B live games: V encodes their frames (B, ...) in one call, z = mu + sigma * eps with
    each game's own noise generator (``noises``; None: z = mu), C acts on (z[, c], h) with parameter
    set ``rows`` (B,), and M's LSTM advances on (z, M's action); ``first`` (B,) flags each episode's
    first step (M's restart input). Returns (env actions, new h, new c)."""
    cfg = agent.controller_cfg
    mu, logvar = agent.vae.encode_mu_logvar(obs)
    if noises is not None:
        eps = np.stack([noise.standard_normal(mu.shape[1], dtype=np.float32) for noise in noises])
        z = mu + np.exp(logvar / 2.0) * eps
    else:
        z = mu
    env_action, m_action = controller.act(features(cfg, z, h, c), rows=rows, mask=mask)
    if cfg.features != "z":  # C reads M's state; a V-only C [paper sec. 3.4] does not need M
        # only the LSTM: M's mixture-density head predicts the next z, which play never reads
        h, c = agent.rnn.advance(z, m_action, h, c, first)
    return env_action, h, c


def real_rollouts(agent: Agent, make_env: Callable[[], gym.Env], params: np.ndarray, seeds: np.ndarray,
                  max_len: int = 0, num_envs: int = 8, z_noise: bool = True,
                  record_frames: bool = False, envs: list[gym.Env] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, list[list[np.ndarray]]]:
    """Play n candidates x E episodes (``params`` (n, P), ``seeds`` (n, E)) in real games.

    ``num_envs`` games run in lockstep; each takes the next episode when its own ends.
    Returns rewards (n, E), steps (n, E) and, with ``record_frames``, each episode's rendered
    frames (env.render()).
    """
    params = np.atleast_2d(np.asarray(params, np.float32))
    n, n_episodes = seeds.shape
    cfg = agent.controller_cfg
    assert params.shape == (n, cfg.num_params), (params.shape, (n, cfg.num_params))
    jobs = [(i, e) for i in range(n) for e in range(n_episodes)]
    controller = Controller(cfg, params)
    rewards = np.zeros((n, n_episodes))
    steps = np.zeros((n, n_episodes), np.int64)
    frames: list[list[np.ndarray]] = [[] for _ in jobs]
    own_envs = envs is None
    if envs is None:
        envs = [make_env() for _ in range(min(num_envs, len(jobs)))]
    slots = [_Slot(env) for env in envs]
    h_all, c_all = agent.rnn.initial_state(len(slots))
    next_job = 0

    def start(slot_idx: int) -> None:
        nonlocal next_job
        slot = slots[slot_idx]
        slot.job = next_job if next_job < len(jobs) else -1
        if slot.job < 0:
            return
        i, e = jobs[slot.job]
        next_job += 1
        slot.obs, slot.info = slot.env.reset(seed=int(seeds[i, e]))
        slot.noise = np.random.default_rng([int(seeds[i, e]), Z_NOISE_STREAM])
        h_all[slot_idx] = 0.0
        c_all[slot_idx] = 0.0
        if record_frames:
            frames[slot.job].append(_rendered(slot.env))

    try:
        for k in range(len(slots)):
            start(k)
        while True:
            live = [k for k, s in enumerate(slots) if s.job >= 0]
            if not live:
                break
            started = [slots[k].started() for k in live]
            obs = np.stack([frame for frame, _ in started])
            rows = np.array([jobs[slots[k].job][0] for k in live])
            mask = None
            if agent.action_mask is not None:
                mask = np.stack([agent.action_mask(slots[k].info) for k in live])
            first = np.array([steps[jobs[slots[k].job]] == 0 for k in live], np.float32)
            noises = [noise for _, noise in started] if z_noise else None
            env_action, h_all[live], c_all[live] = agent_step(agent, controller, obs, noises, h_all[live],
                                                              c_all[live], rows, first, mask)
            for j, k in enumerate(live):
                slot = slots[k]
                i, e = jobs[slot.job]
                slot.obs, reward, terminated, truncated, slot.info = slot.env.step(env_action[j])
                rewards[i, e] += reward
                steps[i, e] += 1
                if record_frames:
                    frames[slot.job].append(_rendered(slot.env))
                if terminated or truncated or (max_len and steps[i, e] >= max_len):
                    start(k)
    finally:
        if own_envs:
            for slot in slots:
                slot.env.close()
    return rewards, steps, frames


class VectorGame(Protocol):
    """Games stepped as one batch (EnvPool's): a round of episodes starts together.

    ``reset(seeds)`` starts len(seeds) episodes, game i's track fixed by seeds[i] alone, and returns
    their first frames (n, ...). ``step(actions (m, ...), ids (m,))`` advances games ``ids`` (which
    have not ended) and returns their frames, rewards (m,) and whether each episode ended (m,),
    at a termination or at the game's own step cap. ``close()`` frees the games.
    """

    def reset(self, seeds: list[int]) -> np.ndarray: ...

    def step(self, actions: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def close(self) -> None: ...


def vector_rollouts(agent: Agent, game: VectorGame, params: np.ndarray, seeds: np.ndarray, max_len: int = 0,
                    num_envs: int = 8, z_noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``real_rollouts`` over a ``VectorGame``: the n x E episodes are played in rounds of
    ``num_envs``, each round's games reset together and stepped as one batch until all have ended
    (a game whose episode ended early waits for the round; only live games are stepped and
    encoded). Episode k of a round has the same seed, noise generator and so the same track and z
    noise as in ``real_rollouts``. Returns rewards (n, E) and steps (n, E)."""
    params = np.atleast_2d(np.asarray(params, np.float32))
    n, n_episodes = seeds.shape
    cfg = agent.controller_cfg
    assert params.shape == (n, cfg.num_params), (params.shape, (n, cfg.num_params))
    assert agent.action_mask is None, "vector games have no action masks"
    jobs = [(i, e) for i in range(n) for e in range(n_episodes)]
    controller = Controller(cfg, params)
    rewards = np.zeros((n, n_episodes))
    steps = np.zeros((n, n_episodes), np.int64)
    for start in range(0, len(jobs), num_envs):
        round_jobs = jobs[start:start + num_envs]
        round_seeds = [int(seeds[i, e]) for i, e in round_jobs]
        obs = game.reset(round_seeds)
        noises = [np.random.default_rng([s, Z_NOISE_STREAM]) for s in round_seeds]
        rows = np.array([i for i, _ in round_jobs])
        h, c = agent.rnn.initial_state(len(round_jobs))
        live = np.arange(len(round_jobs))
        first = np.ones(len(round_jobs), np.float32)
        while len(live):
            live_noises = [noises[k] for k in live] if z_noise else None
            action, h[live], c[live] = agent_step(agent, controller, obs, live_noises, h[live], c[live], rows[live],
                                                  first[live])
            first[live] = 0.0
            obs, reward, ended = game.step(action, live)
            for j, k in enumerate(live):
                i, e = round_jobs[k]
                rewards[i, e] += reward[j]
                steps[i, e] += 1
                if max_len and steps[i, e] >= max_len:
                    ended[j] = True
            live, obs = live[~ended], obs[~ended]
    return rewards, steps
