"""C: one linear layer from V's z and M's state to the action, with the action adapters.

Flat parameter layout as the original [orig carracing/model.py, doomrnn/model.py]: with a
bias, params = bias (out) then W (in x out) row-major; without, params = W. Features are
concatenated in the order z, c, h ("zch", Doom), z, h ("zh", CarRacing) or z alone ("z", the
paper's V-only ablation).

Adapters turn C's output into (env action, M action):
* continuous (CarRacing): a = tanh(.), steer = a0, gas = (a1 + 1) / 2, brake = clip(a2, 0, 1);
  M is fed that game action [steer, gas, brake]: the original converts a in place before
  ``rnn_next_state`` [orig carracing/model.py], so its rnn.json expects it.
* thirds (Doom): a = tanh(.) (one value); a < -1/3 left, a > 1/3 right, else no-op; M is fed a.
* argmax (discrete games): argmax over the logits (invalid actions masked); M is fed one-hot.
"""

from __future__ import annotations

import numpy as np

from worldmodels.config import ControllerConfig
from worldmodels.fileio import WorldModelsError

NOOP, LEFT, RIGHT = 0, 1, 2  # Doom's discrete actions (worldmodels.envs.doom)


def features(cfg: ControllerConfig, z: np.ndarray, h: np.ndarray | None = None,
             c: np.ndarray | None = None) -> np.ndarray:
    """C's input (B, input_size) for its feature set."""
    parts = {"z": [z], "zh": [z, h], "zch": [z, c, h]}[cfg.features]
    assert all(p is not None for p in parts), f"features {cfg.features!r} need z, h (and c)"
    x = np.concatenate(parts, axis=-1)
    assert x.shape[-1] == cfg.input_size, (x.shape, cfg.input_size)
    return x


def split_params(cfg: ControllerConfig, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W [..., in, out], b [..., out]) from flat params [..., num_params] (batched or not)."""
    params = np.asarray(params, np.float32)
    assert params.shape[-1] == cfg.num_params, (params.shape, cfg.num_params)
    lead = params.shape[:-1]
    if cfg.use_bias:
        b = params[..., :cfg.output_size]
        w = params[..., cfg.output_size:]
    else:
        b = np.zeros(lead + (cfg.output_size,), np.float32)
        w = params
    return w.reshape(lead + (cfg.input_size, cfg.output_size)), b


def widen_params(params: np.ndarray, small: ControllerConfig, big: ControllerConfig) -> np.ndarray:
    """``small``'s parameters as a ``big`` C that acts the same: ``big``'s features start with
    ``small``'s (z inside [z, h]) and the weights from the extra inputs are zero. (CarRacing's
    ``train.py --init_from`` starts the [z, h] C from a trained V-only C this way.)"""
    params = np.asarray(params, np.float64)
    if params.shape != (small.num_params,):
        raise WorldModelsError(f"a {small.features!r} controller has {small.num_params} params, "
                               f"got shape {params.shape}")
    if (not big.features.startswith(small.features) or big.input_size < small.input_size
            or (big.output_size, big.use_bias) != (small.output_size, small.use_bias)):
        raise WorldModelsError(f"cannot widen a {small.features!r} controller ({small.input_size} inputs, "
                               f"{small.output_size} outputs) to {big.features!r} "
                               f"({big.input_size}, {big.output_size})")
    # bias first, then W (in x out) row-major: the extra inputs' rows come last
    return np.concatenate([params, np.zeros((big.input_size - small.input_size) * big.output_size)])


def thirds(a: np.ndarray) -> np.ndarray:
    """Doom: a < -1/3 -> left, a > 1/3 -> right, else no-op [orig doomrnn/model.py]."""
    a = np.asarray(a)
    return np.where(a < -1.0 / 3.0, LEFT, np.where(a > 1.0 / 3.0, RIGHT, NOOP))


def car_racing_action(a: np.ndarray) -> np.ndarray:
    """tanh outputs -> [steer, gas, brake] [orig carracing/model.py]."""
    a = np.asarray(a, np.float32)
    return np.stack([a[..., 0], (a[..., 1] + 1.0) / 2.0, np.clip(a[..., 2], 0.0, 1.0)], axis=-1)


class Controller:
    """C for a batch of rollouts, each with its own parameters (or one set for all)."""

    def __init__(self, cfg: ControllerConfig, params: np.ndarray):
        self.cfg = cfg
        self.w, self.b = split_params(cfg, params)
        self.batched = self.w.ndim == 3

    def output(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Raw output (B, out): tanh for continuous/thirds, logits for argmax.

        With per-rollout params, ``rows`` picks each input row's parameter set (default: row i
        uses set i).
        """
        if self.batched:
            w = self.w if rows is None else self.w[rows]
            b = self.b if rows is None else self.b[rows]
            y = np.einsum("bi,bio->bo", x, w) + b
        else:
            y = x @ self.w + self.b
        return y if self.cfg.action_mode == "argmax" else np.tanh(y)

    def act(self, x: np.ndarray, rows: np.ndarray | None = None, mask: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """(env action, M action) for the batch of features ``x``."""
        y = self.output(x, rows)
        mode = self.cfg.action_mode
        if mode == "continuous":
            game_action = car_racing_action(y)
            return game_action, game_action
        if mode == "thirds":
            return thirds(y[:, 0]), y
        if mask is not None:
            y = np.where(mask, y, -np.inf)
        idx = np.argmax(y, axis=-1)
        return idx, np.eye(self.cfg.output_size, dtype=np.float32)[idx]
