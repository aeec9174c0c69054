"""The dream: M as an environment, vectorised over many rollouts (numpy, no TensorFlow).

One ``VectorDream.step`` advances every live rollout by one step; finished rollouts are masked
out and cost nothing. Episodes start from a random entry of initial_z [orig doomrnn.py]; the
next z is sampled from M's mixture at temperature tau; an episode ends when the done head's
logit is > 0 [design] (unless ``DreamConfig.use_done_head`` is off) or at the step cap. Reward:
M's reward head when it has one, else a constant per step survived (Doom: +1 [paper sec. 4.2]);
on the step the done head ends, ``DreamConfig.done_reward`` when set (CarRacing's -100).
A game with invalid moves dreams with M's mask head (``worldmodels.mask_head``): C plays the best
action the head allows on the dreamed frame; a frame on which it allows none ends the episode with
``DreamConfig.no_valid_action_reward``.

Every rollout draws its random numbers from its own stream (``EpisodeNoise``); an episode of seed
s from ``np.random.default_rng([s, DREAM_NOISE_STREAM])``. With M's products row by row
(``worldmodels.rowwise``) an episode is then the same, to the last bit, whichever episodes share
its batch: the same on 1 or 63 MPI workers (issue #30; tests/test_dream.py).

``dream_rollouts`` plays C in the dream for a whole population at once; ``DreamEnv`` wraps a
single rollout as a ``gymnasium.Env``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from worldmodels.config import ARGMAX, ControllerConfig, DreamConfig, EnvSpec
from worldmodels.controller import Controller, features
from worldmodels.fileio import WorldModelsError
from worldmodels.mask_head import MaskHead, mask_path
from worldmodels.mdnrnn import MixtureDraws, NumpyMDNRNN, RNNWeights, heads_config, sigmoid

DREAM_NOISE_STREAM = 2
"""A dream episode of seed s draws with ``np.random.default_rng([s, DREAM_NOISE_STREAM])`` (the real
game's z noise is stream 1, worldmodels.rollout.Z_NOISE_STREAM)."""

NOISE_BLOCK = 32
"""Steps of random numbers an episode's stream draws per call: one numpy call per rollout and step
would cost ~2 us x 2 x 1024 rollouts (~4 ms) per step of a Doom generation; in blocks of 32 it
is ~1/32 of that, for 32 x 2 x z float32 (16 kB at z = 64) per rollout."""


class EpisodeNoise:
    """The random streams of B rollouts, one generator each: what a rollout draws depends on its
    generator and its step alone, never on the other rollouts of the batch.

    At its start a rollout draws its initial_z entry and that entry's noise; then every
    ``NOISE_BLOCK`` steps the uniforms and the normals of the next block of steps.
    """

    def __init__(self, generators: list[np.random.Generator], z_size: int, block: int = NOISE_BLOCK):
        assert block >= 1, block
        self.generators, self.z_size, self.block = generators, z_size, block
        self.uniform = np.empty((len(generators), block, z_size), np.float32)
        self.normal = np.empty((len(generators), block, z_size), np.float32)

    @classmethod
    def from_seeds(cls, seeds: np.ndarray, z_size: int) -> EpisodeNoise:
        return cls([np.random.default_rng([int(s), DREAM_NOISE_STREAM]) for s in np.ravel(seeds)], z_size)

    def start(self, num_entries: int) -> tuple[np.ndarray, np.ndarray]:
        """Each rollout's initial_z entry (B,) in [0, num_entries) and its noise (B, z)."""
        idx = np.array([g.integers(0, num_entries) for g in self.generators], np.intp)
        eps = np.stack([g.standard_normal(self.z_size, dtype=np.float32) for g in self.generators])
        return idx, eps

    def draws(self, rows: np.ndarray, steps: np.ndarray) -> MixtureDraws:
        """The random numbers of rollouts ``rows`` at their step ``steps`` (steps taken so far)."""
        at = steps % self.block
        for row in rows[at == 0]:
            g = self.generators[row]
            self.uniform[row] = g.random((self.block, self.z_size), dtype=np.float32)
            self.normal[row] = g.standard_normal((self.block, self.z_size), dtype=np.float32)
        return MixtureDraws(self.uniform[rows, at], self.normal[rows, at])


class VectorDream:
    """B dream rollouts stepped together (built directly: a batch with its own interface, no
    ``gymnasium.Env``; ``DreamEnv``, one rollout, is ``WorldModels/Dream-v0``). ``rng`` gives each
    rollout of a ``reset`` without seeds its own stream (spawned from it)."""

    def __init__(self, rnn: NumpyMDNRNN, initial_mu: np.ndarray, initial_logvar: np.ndarray,
                 cfg: DreamConfig, rng: np.random.Generator | None = None, mask_head: MaskHead | None = None):
        assert initial_mu.shape == initial_logvar.shape and initial_mu.shape[1] == rnn.cfg.z_size, (
            initial_mu.shape, initial_logvar.shape, rnn.cfg.z_size)
        if cfg.action_mask and mask_head is None:
            raise WorldModelsError("this dream has invalid moves (DreamConfig.action_mask) and needs M's mask head "
                                   "(mask.npz beside M: fit_mask.py)")
        self.rnn, self.cfg, self.rng = rnn, cfg, rng
        self.mask_head = mask_head if cfg.action_mask else None
        self.initial_mu, self.initial_sigma = initial_mu.astype(np.float32), np.exp(initial_logvar / 2.0)

    def reset(self, batch: int, seeds: np.ndarray | None = None) -> None:
        """Start ``batch`` rollouts: with ``seeds`` (batch,), rollout i is the episode of seed
        seeds[i] (``DREAM_NOISE_STREAM``); without, each gets a new stream spawned from ``rng``."""
        if seeds is None:
            assert self.rng is not None, "a VectorDream without rng resets with seeds"
            self.noise = EpisodeNoise(self.rng.spawn(batch), self.rnn.cfg.z_size)
        else:
            assert np.shape(seeds) == (batch,), (np.shape(seeds), batch)
            self.noise = EpisodeNoise.from_seeds(seeds, self.rnn.cfg.z_size)
        idx, eps = self.noise.start(len(self.initial_mu))
        self.z = self.initial_mu[idx] + self.initial_sigma[idx] * eps
        self.h, self.c = self.rnn.initial_state(batch)
        self.done = np.zeros(batch, bool)
        self.steps = np.zeros(batch, np.int64)
        self.total_reward = np.zeros(batch, np.float64)

    @property
    def active(self) -> np.ndarray:
        return np.flatnonzero(~self.done)

    def step(self, m_action: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance the rollouts ``rows`` (all live) with M's action input (len(rows), A).

        Returns (reward, done) for those rows; state, z and totals update in place.
        """
        everyone = len(rows) == len(self.done)  # all live: whole arrays, no gather / scatter copies
        pick = slice(None) if everyone else rows
        restart = (self.steps[pick] == 0).astype(np.float32)  # as in training: 1 on an episode's first frame
        draws = self.noise.draws(np.asarray(rows), self.steps[rows])
        h, c = self.rnn.lstm(self.rnn.input(self.z[pick], m_action, restart), self.h[pick], self.c[pick])
        z_next, done_logit, reward = self.rnn.sample_next(h, self.cfg.temperature, draws)
        steps = self.steps[pick] + 1
        done = steps >= self.cfg.max_steps
        if reward is None:
            reward = np.full(len(rows), self.cfg.reward_per_step)
        if done_logit is not None and self.cfg.use_done_head:
            ended = done_logit > 0.0
            done |= ended
            if self.cfg.done_reward is not None:  # the game's terminal reward (CarRacing's -100)
                reward = np.where(ended, self.cfg.done_reward, reward)
        if everyone:
            self.h, self.c, self.z = h, c, z_next
        else:
            self.h[rows], self.c[rows], self.z[rows] = h, c, z_next
        self.steps[pick] = steps
        self.done[pick] = done
        self.total_reward[pick] += reward
        return reward, done

    def valid_actions(self, rows: np.ndarray) -> np.ndarray | None:
        """(len(rows), A) bool: the actions M's mask head allows on the dreamed frame of ``rows``; None
        for a game without invalid moves."""
        if self.mask_head is None:
            return None
        return self.mask_head.valid(self.z[rows], self.h[rows])

    def end_without_move(self, rows: np.ndarray) -> None:
        """End the rollouts ``rows``, whose frame allows no action: one last step scored
        ``no_valid_action_reward``."""
        self.steps[rows] += 1
        self.done[rows] = True
        self.total_reward[rows] += self.cfg.no_valid_action_reward

    def live_with_moves(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(the live rollouts that have a move, their valid actions (None without a mask head)); the
        live ones whose frame allows none are ended (``end_without_move``)."""
        rows = self.active
        mask = self.valid_actions(rows)
        if mask is not None:
            stuck = ~mask.any(axis=1)
            if stuck.any():
                self.end_without_move(rows[stuck])
                rows, mask = rows[~stuck], mask[~stuck]
        return rows, mask


def dream_rollouts(rnn: NumpyMDNRNN, controller_cfg: ControllerConfig, params: np.ndarray,
                   initial_mu: np.ndarray, initial_logvar: np.ndarray, dream_cfg: DreamConfig,
                   seeds: np.ndarray, max_len: int = 0, mask_head: MaskHead | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Play C (one parameter set per candidate) in the dream: n candidates x E episodes at once.

    ``params`` (n, num_params), ``seeds`` (n, E) -> (rewards (n, E), steps (n, E)). Episode (i, e)
    is the episode of seed seeds[i, e] played by candidate i: the same in any batch, so the same
    for any split of the population over workers (its own random stream, M's products row by row).
    """
    params = np.atleast_2d(np.asarray(params, np.float32))
    n, n_episodes = seeds.shape
    assert params.shape == (n, controller_cfg.num_params), (params.shape, n, controller_cfg.num_params)
    if max_len:
        dream_cfg = replace(dream_cfg, max_steps=min(dream_cfg.max_steps, max_len))
    dream = VectorDream(rnn, initial_mu, initial_logvar, dream_cfg, mask_head=mask_head)
    dream.reset(n * n_episodes, seeds=np.asarray(seeds, np.int64).ravel())
    controller = Controller(controller_cfg, params)
    candidate = np.repeat(np.arange(n), n_episodes)
    while True:
        rows, mask = dream.live_with_moves()
        if len(rows) == 0:
            break
        pick = slice(None) if len(rows) == len(candidate) else rows  # all live: no gather copies
        x = features(controller_cfg, dream.z[pick], dream.h[pick], dream.c[pick])
        _, m_action = controller.act(x, rows=candidate[rows], mask=mask)
        dream.step(m_action, rows)
    return dream.total_reward.reshape(n, n_episodes), dream.steps.reshape(n, n_episodes)


class DreamEnv(gym.Env):
    """One dream rollout as a gymnasium environment.

    Observation: C's features (z[, c], h) as float32; action: M's action input, a Box in
    [-1, 1]^A, or Discrete(A) for one-hot (argmax) controllers.
    """

    metadata = {"render_modes": []}

    def __init__(self, rnn: NumpyMDNRNN, initial_mu: np.ndarray, initial_logvar: np.ndarray,
                 dream_cfg: DreamConfig, controller_cfg: ControllerConfig, mask_head: MaskHead | None = None):
        self.rnn, self.controller_cfg, self.dream_cfg, self.mask_head = rnn, controller_cfg, dream_cfg, mask_head
        self.initial = (initial_mu, initial_logvar)
        a = rnn.cfg.action_size
        self.one_hot = controller_cfg.action == ARGMAX
        self.action_space = gym.spaces.Discrete(a) if self.one_hot else gym.spaces.Box(-1.0, 1.0, (a,), np.float32)
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (controller_cfg.input_size,), np.float32)
        self._dream: VectorDream | None = None

    def _obs(self) -> np.ndarray:
        d = self._dream
        assert d is not None, "call reset() first"
        return features(self.controller_cfg, d.z, d.h, d.c)[0].astype(np.float32)

    def _info(self) -> dict[str, Any]:
        assert self._dream is not None, "call reset() first"
        mask = self._dream.valid_actions(np.array([0]))
        return {} if mask is None else {"action_mask": mask[0]}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._dream = VectorDream(self.rnn, *self.initial, self.dream_cfg, self.np_random, mask_head=self.mask_head)
        self._dream.reset(1)
        return self._obs(), self._info()

    def step(self, action):
        assert self._dream is not None, "call reset() first"
        mask = self._dream.valid_actions(np.array([0]))
        if mask is not None and not mask[0, int(action)]:  # a move the mask head forbids ends the episode
            self._dream.end_without_move(np.array([0]))
            return self._obs(), float(self.dream_cfg.no_valid_action_reward), True, False, {"invalid": True}
        if self.one_hot:
            m_action = np.eye(self.rnn.cfg.action_size, dtype=np.float32)[[int(action)]]
        else:
            m_action = np.asarray(action, np.float32).reshape(1, -1)
        reward, done = self._dream.step(m_action, np.array([0]))
        truncated = bool(self._dream.steps[0] >= self.dream_cfg.max_steps)
        terminated = bool(done[0]) and not truncated
        return self._obs(), float(reward[0]), terminated, truncated, {"done_probability": None, **self._info()}

    def decode_frame(self, vae) -> np.ndarray:
        """V's picture of the current dream z (64x64xC float in [0,1]), for videos."""
        assert self._dream is not None, "call reset() first"
        return vae.decode(self._dream.z[:1])[0]


def build_dream_env(rnn: NumpyMDNRNN | str | Path | None = None,
                    initial_z: tuple[np.ndarray, np.ndarray] | str | Path | None = None,
                    spec: EnvSpec | None = None, controller: ControllerConfig | None = None,
                    dream: DreamConfig | None = None, render_mode: str | None = None) -> DreamEnv:
    """``WorldModels/Dream-v0``'s entry point: one dream rollout of M.

    ``rnn``: M (a ``NumpyMDNRNN``) or its weights file (rnn.npz / rnn.json, read with ``spec.rnn``);
    ``initial_z``: (mu, logvar) arrays (N, z) or an initial_z.json; ``spec``: an environment
    folder's ``worldmodels.config.EnvSpec`` (e.g. doomrnn's ``SPEC``), which supplies ``controller``
    (C's features and action kind) and ``dream`` (tau, step cap, reward) unless they are given.
    """
    if render_mode is not None:
        raise WorldModelsError(f"the dream has no render modes (decode_frame draws V's picture), got {render_mode!r}")
    if rnn is None or initial_z is None:
        missing = [name for name, value in (("rnn", rnn), ("initial_z", initial_z)) if value is None]
        raise WorldModelsError(f"WorldModels/Dream-v0 needs rnn= (M or its weights file) and initial_z=; "
                               f"missing: {', '.join(missing)}")
    rnn_file = rnn
    if not isinstance(rnn, NumpyMDNRNN):
        if spec is None:
            raise WorldModelsError(f"WorldModels/Dream-v0: rnn={str(rnn)!r} is a weights file: give spec= too")
        rnn_cfg = heads_config(spec.rnn, rnn)
        rnn = NumpyMDNRNN(RNNWeights.load(rnn, rnn_cfg), rnn_cfg)
    if isinstance(initial_z, (str, Path)):
        from worldmodels.formats import read_initial_z
        mu, logvar = read_initial_z(initial_z, rnn.cfg.z_size)
    else:
        mu, logvar = (np.asarray(a, np.float32) for a in initial_z)
    controller = controller or (spec.controller if spec is not None else None)
    if controller is None:
        raise WorldModelsError("WorldModels/Dream-v0 needs controller= (a ControllerConfig) or spec=, got neither")
    dream = dream or (spec.dream if spec is not None else DreamConfig())
    mask_head = None
    if dream.action_mask:  # the head lives beside M's file; an M given as an object has none to find
        if not isinstance(rnn_file, (str, Path)):
            raise WorldModelsError("WorldModels/Dream-v0: a dream with invalid moves needs rnn= as a weights file "
                                   "(its mask head, mask.npz, lies beside it)")
        mask_head = MaskHead.load(mask_path(rnn_file), rnn.cfg)
    return DreamEnv(rnn, mu, logvar, dream, controller, mask_head)


__all__ = ["DREAM_NOISE_STREAM", "EpisodeNoise", "VectorDream", "dream_rollouts", "DreamEnv", "build_dream_env",
           "sigmoid"]
