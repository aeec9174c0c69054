"""M: the MDN-RNN's weights, numpy step, mixture maths and temperature sampling (no TensorFlow).

One LSTM layer over concat(z_t, a_t[, restart_t]); a dense layer from h to the outputs:
[done logit (if done head)] + z_size x [logmix(K), mean(K), logstd(K)] + [reward (if head)]
(DESIGN.md sec. 3; [orig] rnn.py / doomrnn.py). Weights are held in Keras' layout: kernel
[in, 4H], recurrent [H, 4H], bias [4H], gates ordered i, f, c, o; the original rnn.json
layout (one [in+H, 4H] kernel, gates i, j, f, o, forget bias +1 at run time) is converted in
``formats.py``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worldmodels.config import RNNConfig
from worldmodels.fileio import WorldModelsError, atomic_savez

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass(frozen=True)
class RNNWeights:
    kernel: np.ndarray      # [in, 4H], gates i, f, c, o (Keras)
    recurrent: np.ndarray   # [H, 4H]
    bias: np.ndarray        # [4H]
    output_w: np.ndarray    # [H, out]
    output_b: np.ndarray    # [out]

    def check(self, cfg: RNNConfig, source: str = "RNN weights") -> None:
        h4 = 4 * cfg.hidden_units
        expected = {"kernel": (cfg.input_size, h4), "recurrent": (cfg.hidden_units, h4), "bias": (h4,),
                    "output_w": (cfg.hidden_units, cfg.output_size), "output_b": (cfg.output_size,)}
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise WorldModelsError(
                    f"{source}: {name} has shape {got}, expected {shape} (z_size={cfg.z_size}, "
                    f"action_size={cfg.action_size}, hidden={cfg.hidden_units}, restart={cfg.use_restart}, "
                    f"done_head={cfg.done_head}); are these weights for another environment?")

    def save(self, path: str | Path, cfg: RNNConfig, dtype: str = "float32") -> None:
        self.check(cfg)
        atomic_savez(path, **{k: getattr(self, k).astype(dtype) for k in
                              ("kernel", "recurrent", "bias", "output_w", "output_b")})

    @classmethod
    def load(cls, path: str | Path, cfg: RNNConfig, step_hint: str = "rnn_train.py") -> RNNWeights:
        path = Path(path)
        if not path.is_file():
            raise WorldModelsError(f"no RNN weights at {path}: run {step_hint} first")
        if path.suffix == ".json":
            from worldmodels.formats import read_rnn_json
            return read_rnn_json(path, cfg)
        try:
            with np.load(path) as data:
                weights = cls(**{k: data[k].astype(np.float32) for k in
                                 ("kernel", "recurrent", "bias", "output_w", "output_b")})
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
            raise WorldModelsError(f"RNN weights {path} are corrupt ({err}); re-run {step_hint}") from err
        weights.check(cfg, source=f"RNN weights {path}")
        return weights


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free form of 1 / (1 + e^-x)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - np.max(x, axis=axis, keepdims=True)
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


@dataclass(frozen=True)
class MDNOutput:
    mix_logits: np.ndarray        # (..., z, K), raw (unnormalised) mixture logits
    mean: np.ndarray              # (..., z, K)
    logstd: np.ndarray            # (..., z, K)
    done_logit: np.ndarray | None  # (...,)
    reward: np.ndarray | None      # (...,)

    @property
    def logmix(self) -> np.ndarray:
        """Log mixture weights (log-softmax over K)."""
        return log_softmax(self.mix_logits)


def split_output(y: np.ndarray, cfg: RNNConfig) -> MDNOutput:
    """Unpack M's dense output (..., out) into the mixture parameters and heads."""
    assert y.shape[-1] == cfg.output_size, (y.shape, cfg.output_size)
    k = cfg.num_mixtures
    start = 1 if cfg.done_head else 0
    mdn = y[..., start:start + cfg.z_size * 3 * k].reshape(*y.shape[:-1], cfg.z_size, 3 * k)
    return MDNOutput(mix_logits=mdn[..., :k], mean=mdn[..., k:2 * k], logstd=mdn[..., 2 * k:],
                     done_logit=y[..., 0] if cfg.done_head else None,
                     reward=y[..., -1] if cfg.reward_head else None)


def mdn_nll(out: MDNOutput, z_next: np.ndarray) -> np.ndarray:
    """-log p(z_next) per z dimension, in log space (logsumexp over the K mixtures)."""
    y = z_next[..., None]
    log_gauss = -0.5 * np.square((y - out.mean) / np.exp(out.logstd)) - out.logstd - LOG_SQRT_2PI
    v = out.logmix + log_gauss
    vmax = np.max(v, axis=-1, keepdims=True)
    return -(np.log(np.sum(np.exp(v - vmax), axis=-1)) + vmax[..., 0])


def sample_z(out: MDNOutput, tau: float, rng: np.random.Generator) -> np.ndarray:
    """Temperature sampling [paper sec. 4.4; orig]: mixture logits / tau, softmax, pick one
    component per z dimension, z = mean + exp(logstd) * N(0,1) * sqrt(tau)."""
    assert tau > 0, tau
    # softmax(log_softmax(l) / tau) == softmax(l / tau): the normaliser cancels; the inverse CDF
    # is searched on the unnormalised cumulative sum, scaling u instead of dividing every weight
    logits = out.mix_logits / np.float32(tau)
    cdf = np.cumsum(np.exp(logits - logits.max(axis=-1, keepdims=True)), axis=-1)   # (B, z, K)
    u = rng.random(cdf.shape[:-1] + (1,), dtype=np.float32) * cdf[..., -1:]
    idx = np.minimum((cdf < u).sum(axis=-1), cdf.shape[-1] - 1)
    pick = idx[..., None]
    mean = np.take_along_axis(out.mean, pick, axis=-1)[..., 0]
    logstd = np.take_along_axis(out.logstd, pick, axis=-1)[..., 0]
    noise = rng.standard_normal(mean.shape, dtype=np.float32)
    return (mean + np.exp(logstd) * noise * np.float32(np.sqrt(tau))).astype(np.float32, copy=False)


class NumpyMDNRNN:
    """Batched numpy M: one call advances B rollouts by one step (float32)."""

    def __init__(self, weights: RNNWeights, cfg: RNNConfig):
        weights.check(cfg)
        self.cfg = cfg
        n = cfg.hidden_units
        # sigmoid(x) = (tanh(x / 2) + 1) / 2: halving the i, f, o columns lets one tanh serve all gates
        self._scale = np.concatenate([np.full(2 * n, 0.5), np.ones(n), np.full(n, 0.5)]).astype(np.float32)
        self.kernel = np.concatenate([weights.kernel, weights.recurrent]).astype(np.float32) * self._scale
        self.bias = weights.bias.astype(np.float32) * self._scale
        self.output_w = weights.output_w.astype(np.float32)
        self.output_b = weights.output_b.astype(np.float32)

    def initial_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        h = np.zeros((batch, self.cfg.hidden_units), np.float32)
        return h, h.copy()

    def input(self, z: np.ndarray, action: np.ndarray, restart: np.ndarray | None = None) -> np.ndarray:
        """concat(z, a[, restart]) with shapes checked."""
        action = np.asarray(action, np.float32).reshape(len(z), -1)
        assert action.shape[1] == self.cfg.action_size, (action.shape, self.cfg.action_size)
        parts = [np.asarray(z, np.float32), action]
        if self.cfg.use_restart:
            r = np.zeros(len(z), np.float32) if restart is None else np.asarray(restart, np.float32)
            parts.append(r.reshape(len(z), 1))
        return np.concatenate(parts, axis=1)

    def lstm(self, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One LSTM step (Keras gate order i, f, c, o; sigmoid / tanh). Restart resets h, c first."""
        if self.cfg.use_restart and x[:, -1].any():
            keep = 1.0 - x[:, -1:]
            h, c = h * keep, c * keep
        t = np.tanh(np.concatenate([x, h], axis=1) @ self.kernel + self.bias)
        n = self.cfg.hidden_units
        i, f, g, o = (t[:, j * n:(j + 1) * n] for j in range(4))
        c_new = (0.5 * f + 0.5) * c + (0.5 * i + 0.5) * g
        h_new = (0.5 * o + 0.5) * np.tanh(c_new)
        return h_new, c_new

    def step(self, z: np.ndarray, action: np.ndarray, h: np.ndarray, c: np.ndarray,
             restart: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance one step: returns (h, c, raw output (B, out))."""
        h, c = self.lstm(self.input(z, action, restart), h, c)
        return h, c, h @ self.output_w + self.output_b

    def sequence(self, z: np.ndarray, action: np.ndarray, restart: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run (B, T, ...) inputs from a zero state: outputs (B,T,out), hs, cs (B,T,H)."""
        b, t = z.shape[:2]
        h, c = self.initial_state(b)
        outs, hs, cs = [], [], []
        for k in range(t):
            h, c, y = self.step(z[:, k], action[:, k], h, c, None if restart is None else restart[:, k])
            outs.append(y), hs.append(h), cs.append(c)
        return np.stack(outs, 1), np.stack(hs, 1), np.stack(cs, 1)
