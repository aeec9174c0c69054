"""Evaluators for ``estool``: C's candidates scored in M's dream or in the real environment.

Both satisfy ``estool.pool.Evaluator``: ``evaluate(params (n, P), seeds (n, E), max_len,
train_mode) -> (rewards (n, E), steps (n, E))``, all of a worker's candidates x episodes in one
call. They load V / M from files when built (once per worker) and never import TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import numpy as np

from worldmodels.config import DreamConfig, EnvSpec, RNNConfig
from worldmodels.dream import dream_rollouts
from worldmodels.formats import read_initial_z
from worldmodels.mask_head import MaskHead, mask_path
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights, heads_config
from worldmodels.onnx_encoder import DEFAULT_ENCODER
from worldmodels.rollout import Agent, VectorGame, real_rollouts, vector_rollouts
from worldmodels.vae import NumpyVAE, load_weights


def load_mask_head(dream: DreamConfig, rnn_path: Path, rnn_cfg: RNNConfig) -> MaskHead | None:
    """M's mask head (mask.npz beside ``rnn_path``) for a dream of a game with invalid moves, else None."""
    return MaskHead.load(mask_path(rnn_path), rnn_cfg) if dream.action_mask else None


def load_agent(spec: EnvSpec, vae_path: Path, rnn_path: Path, action_mask=None,
               encoder: str = DEFAULT_ENCODER) -> Agent:
    vae = NumpyVAE(load_weights(vae_path, spec.vae), spec.vae, cache_entries=spec.encode_cache, encoder=encoder)
    rnn_cfg = heads_config(spec.rnn, rnn_path)  # an M given reward and done heads by fit_heads.py
    rnn = NumpyMDNRNN(RNNWeights.load(rnn_path, rnn_cfg), rnn_cfg)
    return Agent(vae=vae, rnn=rnn, controller_cfg=spec.controller, action_mask=action_mask)


class DreamEvaluator:
    """C inside M's dream as ``spec.dream`` says (its temperature, step cap and reward)."""

    def __init__(self, spec: EnvSpec, rnn_path: Path, initial_z_path: Path, dream: DreamConfig | None = None):
        self.spec = spec
        self.dream_cfg = dream or spec.dream
        rnn_cfg = heads_config(spec.rnn, rnn_path)  # the reward and done heads fit_heads.py gave M
        self.rnn = NumpyMDNRNN(RNNWeights.load(rnn_path, rnn_cfg), rnn_cfg)
        self.initial_mu, self.initial_logvar = read_initial_z(initial_z_path, spec.rnn.z_size)
        self.mask_head = load_mask_head(self.dream_cfg, rnn_path, spec.rnn)

    def evaluate(self, params: np.ndarray, seeds: np.ndarray, max_len: int = 0, train_mode: bool = True):
        return dream_rollouts(self.rnn, self.spec.controller, params, self.initial_mu, self.initial_logvar,
                              self.dream_cfg, seeds, max_len=max_len, mask_head=self.mask_head)


class RealEvaluator:
    """C (with V and M) in the real environment, ``num_envs`` games in lockstep; with ``make_vector``
    (a ``VectorGame`` factory, e.g. EnvPool's CarRacing) the games are stepped as one batch, in
    rounds of ``num_envs`` episodes (``worldmodels.rollout.vector_rollouts``)."""

    def __init__(self, spec: EnvSpec, make_env: Callable[[], gym.Env], vae_path: Path, rnn_path: Path,
                 num_envs: int = 8, action_mask=None, encoder: str = DEFAULT_ENCODER,
                 make_vector: Callable[[], VectorGame] | None = None):
        self.agent = load_agent(spec, vae_path, rnn_path, action_mask, encoder)
        self.make_env = make_env
        self.num_envs = num_envs
        self.envs: list[gym.Env] = []
        self.make_vector = make_vector
        self.vector: VectorGame | None = None

    def evaluate(self, params: np.ndarray, seeds: np.ndarray, max_len: int = 0, train_mode: bool = True):
        if self.make_vector is not None:
            if self.vector is None:
                self.vector = self.make_vector()
            return vector_rollouts(self.agent, self.vector, params, seeds, max_len=max_len, num_envs=self.num_envs)
        needed = min(self.num_envs, seeds.size)
        while len(self.envs) < needed:  # games are kept between calls: starting one costs time
            self.envs.append(self.make_env())
        rewards, steps, _ = real_rollouts(self.agent, self.make_env, params, seeds, max_len=max_len,
                                          envs=self.envs[:needed])
        return rewards, steps

    def close(self) -> None:
        for env in self.envs:
            env.close()
        self.envs = []
        if self.vector is not None:
            self.vector.close()
            self.vector = None
