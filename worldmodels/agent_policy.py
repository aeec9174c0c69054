"""A trained agent (V + M + C) as an extraction policy: the data of iterative training [paper sec. 5].

The paper's iterative procedure collects new episodes with the current controller (plus
exploration), retrains M on old and new data, and evolves C again in M's new dream, so that M
learns the states C actually drives the game into (where a dream-trained C exploits M's errors,
the real game shows M what really happens there). ``AgentPolicy`` satisfies
``worldmodels.envs.base.Policy``: extract.py records its episodes like any other policy's.

Each frame: V encodes it (z = mu + sigma * eps, the episode's own noise), C acts on its features;
with probability ``explore`` a random action replaces C's (a random valid one in a game with invalid
moves, uniform in [-1, 1]^A for a continuous one); M's LSTM then advances on (z, the action played).
The action returned is M's (one-hot for a discrete C): what the record stores.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from worldmodels.controller import Controller, features
from worldmodels.fileio import WorldModelsError
from worldmodels.rollout import Agent


class AgentPolicy:
    """C with V and M, exploring with probability ``explore``; ``valid_actions`` (for a game with
    invalid moves) returns the current frame's mask, as the game's ``info["action_mask"]``."""

    def __init__(self, agent: Agent, params: np.ndarray, explore: float = 0.0,
                 valid_actions: Callable[[], np.ndarray] | None = None):
        if not 0.0 <= explore <= 1.0:
            raise WorldModelsError(f"exploration must be a probability in [0, 1], got {explore}")
        self.agent, self.explore, self.valid_actions = agent, float(explore), valid_actions
        self.controller = Controller(agent.controller_cfg, np.asarray(params, np.float32))
        self.discrete = agent.controller_cfg.action == "argmax"
        self.rng = np.random.default_rng(0)
        self.h, self.c = agent.rnn.initial_state(1)
        self.first = True

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.h, self.c = self.agent.rnn.initial_state(1)
        self.first = True

    def _random(self, mask: np.ndarray | None) -> np.ndarray:
        size = self.agent.rnn.cfg.action_size
        if not self.discrete:
            return self.rng.uniform(-1.0, 1.0, (1, size)).astype(np.float32)
        allowed = np.flatnonzero(mask[0]) if mask is not None else np.arange(size)
        one_hot = np.zeros((1, size), np.float32)
        one_hot[0, int(self.rng.choice(allowed))] = 1.0
        return one_hot

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        mu, logvar = self.agent.vae.encode_mu_logvar(np.asarray(obs)[None])
        z = mu + np.exp(logvar / 2.0) * self.rng.standard_normal(mu.shape, dtype=np.float32)
        mask = None if self.valid_actions is None else np.asarray(self.valid_actions(), bool)[None]
        if self.explore and self.rng.random() < self.explore:
            m_action = self._random(mask)
        else:
            _, m_action = self.controller.act(features(self.agent.controller_cfg, z, self.h, self.c), mask=mask)
        restart = np.array([1.0 if self.first else 0.0], np.float32)
        self.h, self.c = self.agent.rnn.advance(z, m_action, self.h, self.c, restart)
        self.first = False
        return np.asarray(m_action[0], np.float32)
