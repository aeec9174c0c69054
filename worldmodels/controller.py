"""C: one linear layer from V's z and M's state to the action; the maths every game shares.

Flat parameter layout as the original [orig carracing/model.py, doomrnn/model.py]: with a
bias, params = bias (out) then W (in x out) row-major; without, params = W. With a hidden layer
(``ControllerConfig.hidden_units`` N, the paper's ablation), the hidden layer's bias (N) and W
(in x N), then the output layer's bias (out) and W (N x out) [orig MODE_Z_HIDDEN]. Features are
concatenated in the order z, c, h ("zch"), z, h ("zh") or z alone ("z", the paper's V-only
ablation).

C's output becomes (game action, M's action) as ``ControllerConfig.action`` says:
* "argmax" (a discrete head): argmax over the logits (invalid actions masked); M is fed one-hot;
* "tanh": a = tanh(.) is both;
* an environment's name: a = tanh(.) goes through its adapter's ``action_from_controller``
  (``worldmodels.envs.action_from_controller`` finds it), which knows the game.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from worldmodels.config import ARGMAX, TANH, ControllerConfig
from worldmodels.fileio import WorldModelsError

ActionMapping = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""C's tanh outputs (B, out) -> (game actions (B, ...), M's action input (B, A))."""


def features(cfg: ControllerConfig, z: np.ndarray, h: np.ndarray | None = None,
             c: np.ndarray | None = None) -> np.ndarray:
    """C's input (B, input_size) for its feature set."""
    by_set: dict[str, list[np.ndarray | None]] = {"z": [z], "zh": [z, h], "zch": [z, c, h]}
    parts = by_set[cfg.features]
    given = [p for p in parts if p is not None]
    assert len(given) == len(parts), f"features {cfg.features!r} need z, h (and c)"
    x = np.concatenate(given, axis=-1)
    assert x.shape[-1] == cfg.input_size, (x.shape, cfg.input_size)
    return x


def split_params(cfg: ControllerConfig, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W [..., in, out], b [..., out]) from flat params [..., num_params] (batched or not) of a
    one-layer C."""
    params = np.asarray(params, np.float32)
    assert params.shape[-1] == cfg.num_params, (params.shape, cfg.num_params)
    assert not cfg.hidden_units, "a C with a hidden layer: split_layers"
    lead = params.shape[:-1]
    if cfg.use_bias:
        b = params[..., :cfg.output_size]
        w = params[..., cfg.output_size:]
    else:
        b = np.zeros(lead + (cfg.output_size,), np.float32)
        w = params
    return w.reshape(lead + (cfg.input_size, cfg.output_size)), b


def split_layers(cfg: ControllerConfig, params: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """C's layers [(W, b), ...] from flat params [..., num_params]: one for a linear C; the hidden
    layer's and the output layer's for a C with ``hidden_units``."""
    if not cfg.hidden_units:
        return [split_params(cfg, params)]
    params = np.asarray(params, np.float32)
    assert params.shape[-1] == cfg.num_params, (params.shape, cfg.num_params)
    lead, n_hidden = params.shape[:-1], cfg.hidden_units
    cut = (cfg.input_size + 1) * n_hidden
    first = params[..., :cut]
    second = params[..., cut:]
    return [(first[..., n_hidden:].reshape(lead + (cfg.input_size, n_hidden)), first[..., :n_hidden]),
            (second[..., cfg.output_size:].reshape(lead + (n_hidden, cfg.output_size)), second[..., :cfg.output_size])]


def widen_params(params: np.ndarray, small: ControllerConfig, big: ControllerConfig) -> np.ndarray:
    """``small``'s parameters as a ``big`` C that acts the same: ``big``'s features start with
    ``small``'s (z inside [z, h]) and the weights from the extra inputs are zero. (CarRacing's
    ``train.py --init_from`` starts the [z, h] C from a trained V-only C this way.)"""
    params = np.asarray(params, np.float64)
    if params.shape != (small.num_params,):
        raise WorldModelsError(f"a {small.features!r} controller has {small.num_params} params, "
                               f"got shape {params.shape}")
    if (not big.features.startswith(small.features) or big.input_size < small.input_size
            or (big.output_size, big.use_bias) != (small.output_size, small.use_bias)
            or small.hidden_units or big.hidden_units):
        raise WorldModelsError(f"cannot widen a {small.features!r} controller ({small.input_size} inputs, "
                               f"{small.output_size} outputs) to {big.features!r} "
                               f"({big.input_size}, {big.output_size})")
    # bias first, then W (in x out) row-major: the extra inputs' rows come last
    return np.concatenate([params, np.zeros((big.input_size - small.input_size) * big.output_size)])


def tanh_action(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The "tanh" action: C's tanh outputs are the game's action and M's."""
    return a, a


def action_mapping(name: str) -> ActionMapping:
    """The ``ActionMapping`` a ``ControllerConfig.action`` other than "argmax" names."""
    if name == TANH:
        return tanh_action
    from worldmodels.envs import action_from_controller  # the adapter's, imported on first use
    return action_from_controller(name)


def argmax_action(logits: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The "argmax" action: (the index of the largest logit among the valid ones (``mask``), its
    one-hot for M)."""
    if mask is not None:
        logits = np.where(mask, logits, -np.inf)
    idx = np.argmax(logits, axis=-1)
    return idx, np.eye(logits.shape[-1], dtype=np.float32)[idx]


class Controller:
    """C for a batch of rollouts, each with its own parameters (or one set for all)."""

    def __init__(self, cfg: ControllerConfig, params: np.ndarray):
        self.cfg = cfg
        self.layers = split_layers(cfg, params)
        self.batched = self.layers[0][0].ndim == 3
        self.mapping = None if cfg.action == ARGMAX else action_mapping(cfg.action)

    def output(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Raw output (B, out): logits for "argmax", else tanh of them; a hidden layer is tanh.

        With per-rollout params, ``rows`` picks each input row's parameter set (default: row i
        uses set i).
        """
        y = x
        for k, (w, b) in enumerate(self.layers):
            if k:
                y = np.tanh(y)  # the hidden layer's activation [orig MODE_Z_HIDDEN]
            if self.batched:
                w = w if rows is None else w[rows]
                b = b if rows is None else b[rows]
                y = np.einsum("bi,bio->bo", y, w) + b
            else:
                y = y @ w + b
        return y if self.mapping is None else np.tanh(y)

    def act(self, x: np.ndarray, rows: np.ndarray | None = None, mask: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """(game action, M's action) for the batch of features ``x``; ``mask`` (B, out): the valid
        actions of an "argmax" C."""
        y = self.output(x, rows)
        return argmax_action(y, mask) if self.mapping is None else self.mapping(y)
