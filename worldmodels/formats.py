"""The original's JSON formats, read and written exactly [orig hardmaru/WorldModelsExperiments].

* ``vae.json`` / ``rnn.json``: a list with one entry per trainable variable in creation order,
  nested lists in the variable's shape, values ``round(w * 10000)`` as ints (load divides by 1e4).
  vae.json: kernel then bias of enc_conv1..4, enc_fc_mu, enc_fc_log_var, dec_fc, dec_deconv1..4.
  rnn.json: output_w [H, out], output_b [out], LSTM kernel [in + H, 4H], bias [4H]; the LSTM's
  gates are ordered i, j (candidate), f, o and 1.0 is added to the forget bias at run time.
* ``initial_z.json``: ``[mu, logvar]``, each a list of per-episode lists, ints scaled by 1e4.
* controller ``best.json``: ``[params, best_eval_reward]``; the run's ``.json``: params.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from worldmodels.config import RNNConfig, VAEConfig
from worldmodels.fileio import WorldModelsError, atomic_write_json, read_json
from worldmodels.mdnrnn import RNNWeights
from worldmodels.vae import LAYER_ORDER, VAEWeights, check_weights

SCALE = 10000.0  # [orig] json weights are round(w * 10000)
FORGET_BIAS = 1.0  # [orig] BasicLSTMCell forget_bias added at run time


def _to_ints(a: np.ndarray) -> list:
    return np.round(np.asarray(a, np.float64) * SCALE).astype(np.int64).tolist()


def _from_ints(x, what: str, path: Path) -> np.ndarray:
    try:
        return np.asarray(x, np.float64).astype(np.float32) / SCALE
    except (ValueError, TypeError) as err:
        raise WorldModelsError(f"{path}: {what} is not a rectangular list of numbers ({err})") from err


def read_vae_json(path: str | Path, cfg: VAEConfig) -> VAEWeights:
    path = Path(path)
    data = read_json(path, "vae.json")
    if not isinstance(data, list) or len(data) != 2 * len(LAYER_ORDER):
        raise WorldModelsError(f"{path}: expected {2 * len(LAYER_ORDER)} variables, got "
                               f"{len(data) if isinstance(data, list) else type(data).__name__}")
    weights = {name: (_from_ints(data[2 * i], f"{name} kernel", path),
                      _from_ints(data[2 * i + 1], f"{name} bias", path))
               for i, name in enumerate(LAYER_ORDER)}
    check_weights(weights, cfg, source=str(path))
    return weights


def write_vae_json(path: str | Path, weights: VAEWeights, cfg: VAEConfig) -> None:
    check_weights(weights, cfg)
    out = []
    for name in LAYER_ORDER:
        out += [_to_ints(weights[name][0]), _to_ints(weights[name][1])]
    atomic_write_json(path, out)


def _reorder(a: np.ndarray, order: tuple[int, int, int, int]) -> np.ndarray:
    blocks = np.split(a, 4, axis=-1)
    return np.concatenate([blocks[i] for i in order], axis=-1)


# original gate blocks (i, j, f, o) -> Keras (i, f, c=j, o), and back
_ORIG_TO_KERAS = (0, 2, 1, 3)
_KERAS_TO_ORIG = (0, 2, 1, 3)


def rnn_from_original(output_w, output_b, kernel, bias, cfg: RNNConfig) -> RNNWeights:
    """Convert the original's LSTM layout to Keras' (forget bias folded into the bias)."""
    n_in = cfg.input_size
    kernel = _reorder(np.asarray(kernel, np.float32), _ORIG_TO_KERAS)
    bias = _reorder(np.asarray(bias, np.float32), _ORIG_TO_KERAS).copy()
    h = cfg.hidden_units
    bias[h:2 * h] += FORGET_BIAS
    return RNNWeights(kernel=kernel[:n_in], recurrent=kernel[n_in:], bias=bias,
                      output_w=np.asarray(output_w, np.float32), output_b=np.asarray(output_b, np.float32))


def rnn_to_original(w: RNNWeights, cfg: RNNConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    h = cfg.hidden_units
    bias = w.bias.astype(np.float32).copy()
    bias[h:2 * h] -= FORGET_BIAS
    kernel = _reorder(np.concatenate([w.kernel, w.recurrent]), _KERAS_TO_ORIG)
    return w.output_w, w.output_b, kernel, _reorder(bias, _KERAS_TO_ORIG)


def read_rnn_json(path: str | Path, cfg: RNNConfig) -> RNNWeights:
    path = Path(path)
    data = read_json(path, "rnn.json")
    if not isinstance(data, list) or len(data) != 4:
        raise WorldModelsError(f"{path}: expected 4 variables (output_w, output_b, kernel, bias), got "
                               f"{len(data) if isinstance(data, list) else type(data).__name__}")
    arrays = [_from_ints(x, name, path) for x, name in zip(data, ("output_w", "output_b", "kernel", "bias"))]
    expect = [(cfg.hidden_units, cfg.output_size), (cfg.output_size,),
              (cfg.input_size + cfg.hidden_units, 4 * cfg.hidden_units), (4 * cfg.hidden_units,)]
    for a, shape, name in zip(arrays, expect, ("output_w", "output_b", "kernel", "bias")):
        if a.shape != shape:
            raise WorldModelsError(f"{path}: {name} has shape {a.shape}, expected {shape} for this "
                                   f"environment's M (z={cfg.z_size}, action={cfg.action_size}, "
                                   f"hidden={cfg.hidden_units}); are these weights for another environment?")
    return rnn_from_original(*arrays, cfg)


def write_rnn_json(path: str | Path, w: RNNWeights, cfg: RNNConfig) -> None:
    w.check(cfg)
    atomic_write_json(path, [_to_ints(a) for a in rnn_to_original(w, cfg)])


def write_initial_z(path: str | Path, mu: np.ndarray, logvar: np.ndarray) -> None:
    assert mu.shape == logvar.shape and mu.ndim == 2, (mu.shape, logvar.shape)
    atomic_write_json(path, [_to_ints(mu), _to_ints(logvar)])


def read_initial_z(path: str | Path, z_size: int, step_hint: str = "series.py") -> tuple[np.ndarray, np.ndarray]:
    """``[mu, logvar]`` as float32 (N, z); a single pair is accepted as N = 1."""
    path = Path(path)
    if not path.is_file():
        raise WorldModelsError(f"no initial_z.json at {path}: run {step_hint} first")
    data = read_json(path, "initial_z.json")
    if not isinstance(data, list) or len(data) != 2:
        raise WorldModelsError(f"{path}: expected [mu, logvar]")
    mu, logvar = (np.atleast_2d(_from_ints(x, "initial_z", path)) for x in data)
    if mu.shape != logvar.shape or mu.shape[1] != z_size:
        raise WorldModelsError(f"{path}: mu {mu.shape} / logvar {logvar.shape}, expected (N, {z_size})")
    return mu, logvar


def _controller_params(path: Path) -> np.ndarray:
    """The flat parameters of a ``best.json`` ([params, reward]) or plain params ``.json``; an empty
    array when the file holds something else."""
    data = read_json(path, "controller file")
    if isinstance(data, list) and len(data) == 2 and isinstance(data[0], list):
        data = data[0]
    return np.asarray(data, np.float64) if isinstance(data, list) else np.zeros(0)


def controller_size(path: str | Path) -> int:
    """How many parameters a controller file holds (0 when it is not a flat list of numbers)."""
    params = _controller_params(Path(path))
    return params.size if params.ndim == 1 else 0


def read_controller(path: str | Path, num_params: int) -> np.ndarray:
    """Parameters from a ``best.json`` ([params, reward]) or a plain params ``.json``."""
    path = Path(path)
    params = _controller_params(path)
    if params.ndim != 1 or params.size != num_params:
        raise WorldModelsError(f"{path}: controller has {params.size} parameters, this environment's C needs "
                               f"{num_params}; is it a controller for another environment?")
    return params


def write_best(path: str | Path, params: np.ndarray, reward: float) -> None:
    atomic_write_json(path, [np.asarray(params, np.float64).tolist(), float(reward)])
