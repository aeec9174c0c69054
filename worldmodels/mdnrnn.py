"""M: the MDN-RNN's weights, numpy step, mixture maths and temperature sampling (no TensorFlow).

One LSTM layer over concat(z_t, a_t[, restart_t]); a dense layer from h to the outputs:
[done logit (if done head)] + z_size x [logmix(K), mean(K), logstd(K)] + [reward (if head)]
(DESIGN.md sec. 3; [orig] rnn.py / doomrnn.py). Weights are held in Keras' layout: kernel
[in, 4H], recurrent [H, 4H], bias [4H], gates ordered i, f, c, o; the original rnn.json
layout (one [in+H, 4H] kernel, gates i, j, f, o, forget bias +1 at run time) is converted by
``rnn_from_original`` / ``rnn_to_original`` (``read_rnn_json`` / ``write_rnn_json``).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from worldmodels.config import RNNConfig
from worldmodels.fileio import WorldModelsError, atomic_savez, atomic_write_json, read_json
from worldmodels.formats import from_ints, to_ints
from worldmodels.rowwise import RowwiseMatmul

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
FORGET_BIAS = 1.0  # [orig] BasicLSTMCell forget_bias added at run time


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
    def random(cls, cfg: RNNConfig, rng: np.random.Generator, scale: float = 0.05) -> RNNWeights:
        """N(0, scale^2) matrices and zero biases of ``cfg``'s shapes: for benchmarks and tests."""
        h4 = 4 * cfg.hidden_units
        return cls(kernel=rng.normal(0, scale, (cfg.input_size, h4)).astype(np.float32),
                   recurrent=rng.normal(0, scale, (cfg.hidden_units, h4)).astype(np.float32),
                   bias=np.zeros(h4, np.float32),
                   output_w=rng.normal(0, scale, (cfg.hidden_units, cfg.output_size)).astype(np.float32),
                   output_b=np.zeros(cfg.output_size, np.float32))

    @classmethod
    def load(cls, path: str | Path, cfg: RNNConfig, step_hint: str = "rnn_train.py") -> RNNWeights:
        path = Path(path)
        if not path.is_file():
            raise WorldModelsError(f"no RNN weights at {path}: run {step_hint} first")
        if path.suffix == ".json":
            return read_rnn_json(path, cfg)
        try:
            with np.load(path) as data:
                weights = cls(**{k: data[k].astype(np.float32) for k in
                                 ("kernel", "recurrent", "bias", "output_w", "output_b")})
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
            raise WorldModelsError(f"RNN weights {path} are corrupt ({err}); re-run {step_hint}") from err
        weights.check(cfg, source=f"RNN weights {path}")
        return weights


def heads_config(cfg: RNNConfig, path: str | Path) -> RNNConfig:
    """``cfg`` with the reward and done heads set when the M weights at ``path`` (``.npz``) have
    them (output width z x 3K + 2), as ``worldmodels.pipeline.fit_heads`` writes them after M was
    trained on z alone. Anything else returns ``cfg`` unchanged, for ``RNNWeights.load`` to report.
    Every loader of an M calls it, so an M with fitted heads plays, dreams and trains like its plain self."""
    path = Path(path)
    if path.suffix != ".npz" or not path.is_file():
        return cfg
    try:
        with np.load(path) as data:
            outputs = int(data["output_b"].shape[0])
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return cfg
    plain = replace(cfg, done_head=False, reward_head=False)
    if outputs == plain.output_size + 2:
        return replace(cfg, done_head=True, reward_head=True)
    return cfg


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


class MixtureDraws(NamedTuple):
    """The random numbers of one sampling step of B rollouts: what ``sample_z`` / ``sample_next``
    would draw from a generator, given instead (the dream draws each rollout's from its own
    stream, worldmodels.dream.EpisodeNoise)."""

    uniform: np.ndarray
    """(B, z) float32 in [0, 1): picks each dimension's mixture component."""
    normal: np.ndarray
    """(B, z) float32 N(0, 1): the chosen Gaussian's noise."""


def draw_mixture(rng: np.random.Generator, shape: tuple[int, ...]) -> MixtureDraws:
    """A step's random numbers from one generator, in the order the sampler has always drawn them:
    the uniforms, then the normals."""
    return MixtureDraws(rng.random(shape, dtype=np.float32), rng.standard_normal(shape, dtype=np.float32))


def _choose_mixture(logit_cols: list[np.ndarray], tau: float, uniform: np.ndarray) -> np.ndarray:
    """Index (..., z) of one component per z dimension, drawn from softmax(logits / tau).

    ``logit_cols`` holds the K logit arrays (..., z); ``uniform`` (..., z) one U[0, 1) draw per
    dimension (not changed). Inverse CDF with one uniform per dimension on
    the unnormalised cumulative sum (softmax(log_softmax(l) / tau) == softmax(l / tau): the
    normaliser cancels, so u is scaled instead of every weight divided). A loop over the K
    columns, not reductions along a length-K axis: those are several times slower in numpy.
    """
    inv_tau = np.float32(1.0 / tau)
    top = np.maximum(logit_cols[0], logit_cols[-1])
    for col in logit_cols[1:-1]:
        np.maximum(top, col, out=top)
    top *= inv_tau
    cdf, running = [], None
    for col in logit_cols:
        e = col * inv_tau
        e -= top
        np.exp(e, out=e)
        if running is not None:
            e += running
        running = e
        cdf.append(e)
    assert uniform.shape == top.shape, (uniform.shape, top.shape)
    u = uniform * cdf[-1]
    idx = np.zeros(top.shape, np.intp)
    for edge in cdf[:-1]:  # idx = number of cumulative weights below u
        idx += u > edge
    return idx


def _gaussian(mean: np.ndarray, logstd: np.ndarray, tau: float, normal: np.ndarray) -> np.ndarray:
    """z = mean + exp(logstd) * normal * sqrt(tau), ``normal`` N(0,1) draws; ``logstd`` is overwritten."""
    assert normal.shape == mean.shape, (normal.shape, mean.shape)
    std = np.exp(logstd, out=logstd)
    std *= normal
    std *= np.float32(np.sqrt(tau))
    return (mean + std).astype(np.float32, copy=False)


def sample_z(out: MDNOutput, tau: float, rng: np.random.Generator | MixtureDraws) -> np.ndarray:
    """Temperature sampling [paper sec. 4.4; orig]: mixture logits / tau, softmax, pick one
    component per z dimension, z = mean + exp(logstd) * N(0,1) * sqrt(tau). ``rng``: a generator,
    or the step's random numbers already drawn."""
    assert tau > 0, tau
    k = out.mix_logits.shape[-1]
    draws = draw_mixture(rng, out.mean.shape[:-1]) if isinstance(rng, np.random.Generator) else rng
    idx = _choose_mixture([out.mix_logits[..., j] for j in range(k)], tau, draws.uniform)[..., None]
    mean = np.take_along_axis(out.mean, idx, axis=-1)[..., 0]
    logstd = np.take_along_axis(out.logstd, idx, axis=-1)[..., 0].astype(np.float32)
    return _gaussian(mean, logstd, tau, draws.normal)


class NumpyMDNRNN:
    """Batched numpy M: one call advances B rollouts by one step (float32). Each rollout's result
    is the same whichever other rollouts share the batch (``worldmodels.rowwise``)."""

    def __init__(self, weights: RNNWeights, cfg: RNNConfig):
        weights.check(cfg)
        self.cfg = cfg
        n, k, nz = cfg.hidden_units, cfg.num_mixtures, cfg.z_size
        # gates regrouped i, f, o, c (Keras: i, f, c, o) so the three sigmoid gates are one block,
        # and sigmoid(x) = (tanh(x / 2) + 1) / 2: their columns are halved so one tanh serves all
        order = np.r_[0:2 * n, 3 * n:4 * n, 2 * n:3 * n]
        scale = np.r_[np.full(3 * n, 0.5), np.ones(n)].astype(np.float32)
        # rows [x; 1; h]: the bias rides in the matrix product as the row met by a column of ones
        self.kernel = (np.concatenate([weights.kernel, weights.bias[None], weights.recurrent])[:, order]
                       * scale).astype(np.float32)
        self.output_w = weights.output_w.astype(np.float32)
        self.output_b = weights.output_b.astype(np.float32)
        # the sampler's copy of the output layer, columns grouped [logits, means, logstds] each
        # K-major (k, z), then the heads: every column it reads is a contiguous run of z values
        start = 1 if cfg.done_head else 0
        mdn = (start + np.arange(nz)[:, None] * 3 * k + np.arange(3 * k)[None, :]).reshape(nz, 3, k)
        grouped = np.concatenate([mdn.transpose(1, 2, 0).ravel(),
                                  [0] if cfg.done_head else [], [cfg.output_size - 1] if cfg.reward_head else []])
        grouped = grouped.astype(np.intp)
        self._grouped_w = np.ascontiguousarray(self.output_w[:, grouped])
        self._grouped_b = self.output_b[grouped]
        self._lstm_product = RowwiseMatmul(self.kernel)
        self._sample_product = RowwiseMatmul(self._grouped_w)

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
        """One LSTM step (Keras' maths: sigmoid gates, tanh cell). Restart resets h, c first."""
        if self.cfg.use_restart and x[:, -1].any():
            keep = 1.0 - x[:, -1:]
            h, c = h * keep, c * keep
        t = self._lstm_product(np.concatenate([x, np.ones((len(x), 1), np.float32), h], axis=1))
        np.tanh(t, out=t)  # in place from here on: one (B, 4H) buffer
        n = self.cfg.hidden_units
        gates = t[:, :3 * n]
        gates *= 0.5
        gates += 0.5
        i, f, o, g = (t[:, j * n:(j + 1) * n] for j in range(4))
        c_new = f * c
        g *= i
        c_new += g
        h_new = np.tanh(c_new)
        h_new *= o
        return h_new, c_new

    def advance(self, z: np.ndarray, action: np.ndarray, h: np.ndarray, c: np.ndarray,
                restart: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Advance the LSTM state one step, without the mixture-density head: what play in the real
        game needs (C reads h; nothing reads M's prediction there)."""
        return self.lstm(self.input(z, action, restart), h, c)

    def step(self, z: np.ndarray, action: np.ndarray, h: np.ndarray, c: np.ndarray,
             restart: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance one step: returns (h, c, raw output (B, out))."""
        h, c = self.advance(z, action, h, c, restart)
        return h, c, h @ self.output_w + self.output_b

    def sample_next(self, h: np.ndarray, tau: float, rng: np.random.Generator | MixtureDraws
                    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """z_{t+1} sampled from the mixture M predicts from h (B, H), plus the done logit and
        reward heads (None without them). ``rng``: a generator, or the step's random numbers
        already drawn (``MixtureDraws``). Draws the same random numbers as
        ``sample_z(split_output(y))``, so both give the same z; faster (grouped layout)."""
        assert tau > 0, tau
        cfg = self.cfg
        k, nz = cfg.num_mixtures, cfg.z_size
        draws = draw_mixture(rng, (len(h), nz)) if isinstance(rng, np.random.Generator) else rng
        y = self._sample_product(h)
        y += self._grouped_b
        idx = _choose_mixture([y[:, j * nz:(j + 1) * nz] for j in range(k)], tau, draws.uniform)
        flat = idx * nz  # column of the chosen mean: k * nz + dimension, in a row of y
        flat += np.arange(nz)
        flat += (np.arange(len(y)) * y.shape[1] + k * nz)[:, None]
        mean = np.take(y, flat)
        flat += k * nz
        z = _gaussian(mean, np.take(y, flat), tau, draws.normal)
        heads = 3 * k * nz
        done_logit = y[:, heads] if cfg.done_head else None
        reward = y[:, -1] if cfg.reward_head else None
        return z, done_logit, reward

    def sequence(self, z: np.ndarray, action: np.ndarray, restart: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run (B, T, ...) inputs from a zero state: outputs (B,T,out), hs, cs (B,T,H)."""
        b, t = z.shape[:2]
        h, c = self.initial_state(b)
        outs, hs, cs = [], [], []
        for k in range(t):
            h, c, y = self.step(z[:, k], action[:, k], h, c, None if restart is None else restart[:, k])
            outs.append(y)
            hs.append(h)
            cs.append(c)
        return np.stack(outs, 1), np.stack(hs, 1), np.stack(cs, 1)


# --- the original's rnn.json: output_w [H, out], output_b [out], LSTM kernel [in + H, 4H], bias [4H],
# gates ordered i, j (candidate), f, o, 1.0 added to the forget bias at run time [orig rnn.py]


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
    arrays = [from_ints(x, name, path) for x, name in zip(data, ("output_w", "output_b", "kernel", "bias"))]
    expect = [(cfg.hidden_units, cfg.output_size), (cfg.output_size,),
              (cfg.input_size + cfg.hidden_units, 4 * cfg.hidden_units), (4 * cfg.hidden_units,)]
    for a, shape, name in zip(arrays, expect, ("output_w", "output_b", "kernel", "bias")):
        if a.shape != shape:
            raise WorldModelsError(f"{path}: {name} has shape {a.shape}, expected {shape} for this "
                                   f"environment's M (z={cfg.z_size}, action={cfg.action_size}, "
                                   f"hidden={cfg.hidden_units}); are these weights for another environment?")
    output_w, output_b, kernel, bias = arrays
    return rnn_from_original(output_w, output_b, kernel, bias, cfg)


def write_rnn_json(path: str | Path, w: RNNWeights, cfg: RNNConfig) -> None:
    w.check(cfg)
    atomic_write_json(path, [to_ints(a) for a in rnn_to_original(w, cfg)])
