"""V: the convolutional VAE's layout, weight I/O and numpy forward passes (no TensorFlow).

Architecture (DESIGN.md sec. 3, [orig] vae.py): 64x64xC input; encoder conv 32/64/128/256,
kernel 4, stride 2, valid, ReLU (spatial 31, 14, 6, 2) -> flatten 1024 -> dense mu, logvar;
decoder dense z -> 1024 -> 1x1x1024 -> deconv 128 k5, 64 k5, 32 k6 (ReLU), C k6 (sigmoid),
all stride 2 (spatial 5, 13, 30, 64). Kernels use the TF/Keras layouts: conv [kh,kw,in,out],
deconv [kh,kw,out,in]. The Keras model lives in ``keras_vae.py``; rollouts use ``NumpyVAE``.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from worldmodels.config import VAEConfig
from worldmodels.fileio import WorldModelsError, atomic_savez, atomic_write_json, read_json
from worldmodels.formats import from_ints, to_ints
from worldmodels.onnx_encoder import OnnxEncoder, build_graph, check_encoder_name
from worldmodels.rowwise import RowwiseMatmul

# (name, filters, kernel) in the original's creation order, which is also vae.json's order.
ENCODER_CONVS = (("enc_conv1", 32, 4), ("enc_conv2", 64, 4), ("enc_conv3", 128, 4), ("enc_conv4", 256, 4))
DECODER_DECONVS = (("dec_deconv1", 128, 5), ("dec_deconv2", 64, 5), ("dec_deconv3", 32, 6), ("dec_deconv4", None, 6))
STRIDE = 2
IMAGE_SIZE = 64
FLAT_SIZE = 1024  # 2 x 2 x 256 after the encoder [orig vae.py]
LAYER_ORDER = ("enc_conv1", "enc_conv2", "enc_conv3", "enc_conv4", "enc_fc_mu", "enc_fc_log_var",
               "dec_fc", "dec_deconv1", "dec_deconv2", "dec_deconv3", "dec_deconv4")
FRAMES = "frames"  # VAEConfig.frames, a 0-d string array; absent in files written without one
MEAN_FRAME = "mean_frame"  # VAEConfig.mean_frame: (frame in [0,1] (64,64,C), empty "bias")
MEAN_FRAME_CLIP = 0.01     # m is clipped to [0.01, 0.99] so logit(m) is finite (|logit| <= 4.6)


def layer_names(cfg: VAEConfig) -> tuple[str, ...]:
    """The weight entries of ``cfg``'s V: the original's layers, plus the mean frame if used."""
    return LAYER_ORDER + ((MEAN_FRAME,) if cfg.mean_frame else ())


def mean_frame(batches: Iterable[np.ndarray]) -> np.ndarray:
    """The ``mean_frame`` entry of V's weights: the mean in [0,1], clipped, of batches of uint8
    frames (N,64,64,C), summed batch by batch (50,000 RGB frames as float64 would take 4.9 GB).
    A single array of frames counts as one batch."""
    if isinstance(batches, np.ndarray):
        batches = [batches]
    total, count = None, 0
    for frames in batches:
        assert frames.ndim == 4 and frames.shape[1:3] == (IMAGE_SIZE, IMAGE_SIZE), frames.shape
        batch_sum = frames.sum(axis=0, dtype=np.float64)
        total = batch_sum if total is None else total + batch_sum
        count += len(frames)
    assert total is not None and count, "mean_frame needs at least one frame"
    m = total / count / 255.0
    return np.clip(m, MEAN_FRAME_CLIP, 1.0 - MEAN_FRAME_CLIP).astype(np.float32)


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), the inverse of the sigmoid."""
    return np.log(p / (1.0 - p))


def weight_shapes(cfg: VAEConfig) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """(kernel shape, bias shape) of every layer, in vae.json order."""
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    in_ch = cfg.channels
    for name, filters, k in ENCODER_CONVS:
        shapes[name] = ((k, k, in_ch, filters), (filters,))
        in_ch = filters
    shapes["enc_fc_mu"] = ((FLAT_SIZE, cfg.z_size), (cfg.z_size,))
    shapes["enc_fc_log_var"] = ((FLAT_SIZE, cfg.z_size), (cfg.z_size,))
    shapes["dec_fc"] = ((cfg.z_size, FLAT_SIZE), (FLAT_SIZE,))
    in_ch = FLAT_SIZE
    for name, deconv_filters, k in DECODER_DECONVS:
        out_ch = cfg.channels if deconv_filters is None else deconv_filters
        shapes[name] = ((k, k, out_ch, in_ch), (out_ch,))
        in_ch = out_ch
    if cfg.mean_frame:
        shapes[MEAN_FRAME] = ((IMAGE_SIZE, IMAGE_SIZE, cfg.channels), (0,))
    return shapes


def random_weights(cfg: VAEConfig, rng: np.random.Generator, scale: float = 0.05) -> VAEWeights:
    """N(0, scale^2) kernels and zero biases of ``cfg``'s shapes (a uniform [0.01, 0.99] mean frame):
    for benchmarks and tests."""
    weights = {name: (rng.normal(0, scale, k).astype(np.float32), np.zeros(b, np.float32))
               for name, (k, b) in weight_shapes(cfg).items()}
    if cfg.mean_frame:
        frame = rng.uniform(MEAN_FRAME_CLIP, 1.0 - MEAN_FRAME_CLIP, weights[MEAN_FRAME][0].shape)
        weights[MEAN_FRAME] = (frame.astype(np.float32), np.zeros(0, np.float32))
    return weights


def num_params(cfg: VAEConfig) -> int:
    """Trainable parameters (the mean frame is data, not a parameter)."""
    return sum(int(np.prod(k)) + int(np.prod(b)) for name, (k, b) in weight_shapes(cfg).items() if name != MEAN_FRAME)


VAEWeights = dict[str, tuple[np.ndarray, np.ndarray]]


def check_weights(weights: VAEWeights, cfg: VAEConfig, source: str = "VAE weights") -> None:
    """Raise a one-line error when a layer is missing or has the wrong shape for ``cfg``."""
    for name, (k_shape, b_shape) in weight_shapes(cfg).items():
        if name == MEAN_FRAME and name not in weights:
            raise WorldModelsError(f"{source}: layer {name} missing: this V is built around its data's mean frame "
                                   f"(VAEConfig.mean_frame) and these weights have none; retrain with vae_train.py")
        if name not in weights:
            raise WorldModelsError(f"{source}: layer {name} missing")
        kernel, bias = weights[name]
        if kernel.shape != k_shape or bias.shape != b_shape:
            raise WorldModelsError(
                f"{source}: {name} has shapes {kernel.shape}/{bias.shape}, expected {k_shape}/{b_shape} "
                f"for z_size={cfg.z_size}, channels={cfg.channels}; are these weights for another environment?")
    if MEAN_FRAME in weights:
        frame = weights[MEAN_FRAME][0]
        if not cfg.mean_frame:
            raise WorldModelsError(f"{source} hold a mean frame but this V has none (VAEConfig.mean_frame=False); "
                                   f"are these weights for another environment?")
        if not (frame.min() >= MEAN_FRAME_CLIP - 1e-3 and frame.max() <= 1.0 - MEAN_FRAME_CLIP + 1e-3):
            raise WorldModelsError(f"{source}: mean frame outside [{MEAN_FRAME_CLIP}, {1 - MEAN_FRAME_CLIP}] "
                                   f"(min {frame.min():.4g}, max {frame.max():.4g}); re-run vae_train.py")


def save_weights(path: str | Path, weights: VAEWeights, cfg: VAEConfig, dtype: str = "float32") -> None:
    """Write ``vae.npz``: ``<layer>/kernel`` and ``<layer>/bias`` arrays (atomic)."""
    check_weights(weights, cfg)
    arrays = {}
    for name in layer_names(cfg):
        kernel, bias = weights[name]
        arrays[f"{name}/kernel"] = kernel.astype(dtype)
        arrays[f"{name}/bias"] = bias.astype(dtype)
    arrays["config"] = np.array([cfg.z_size, cfg.channels], np.int64)
    if cfg.frames:
        arrays[FRAMES] = np.array(cfg.frames)
    atomic_savez(path, compressed=True, **arrays)  # compressed= given: else mypy takes arrays for values of it


def load_weights(path: str | Path, cfg: VAEConfig, step_hint: str = "vae_train.py",
                 check_frames: bool = True) -> VAEWeights:
    """Read ``vae.npz`` (or an original ``vae.json``) and check it fits ``cfg``: its shapes and,
    unless ``check_frames`` is False (a start point for fine-tuning), the frames it was trained on
    (``VAEConfig.frames``, where both the file and ``cfg`` name them)."""
    path = Path(path)
    if not path.is_file():
        raise WorldModelsError(f"no VAE weights at {path}: run {step_hint} first")
    if path.suffix == ".json":
        return read_vae_json(path, cfg)
    try:
        with np.load(path) as data:
            weights = {name: (data[f"{name}/kernel"].astype(np.float32), data[f"{name}/bias"].astype(np.float32))
                       for name in LAYER_ORDER + (MEAN_FRAME,) if f"{name}/kernel" in data.files}
            frames = str(data[FRAMES]) if FRAMES in data.files else ""
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise WorldModelsError(f"VAE weights {path} are corrupt ({err}); re-run {step_hint}") from err
    check_weights(weights, cfg, source=f"VAE weights {path}")
    if check_frames and frames and cfg.frames and frames != cfg.frames:
        raise WorldModelsError(f"VAE weights {path} were trained on {frames!r} frames, but this run makes "
                               f"{cfg.frames!r} frames: give the options V was trained with, or train a V "
                               f"for these frames with {step_hint}")
    return weights


# --- the original's vae.json: kernel then bias of each layer in LAYER_ORDER [orig vae.py]


def read_vae_json(path: str | Path, cfg: VAEConfig) -> VAEWeights:
    path = Path(path)
    data = read_json(path, "vae.json")
    if not isinstance(data, list) or len(data) != 2 * len(LAYER_ORDER):
        raise WorldModelsError(f"{path}: expected {2 * len(LAYER_ORDER)} variables, got "
                               f"{len(data) if isinstance(data, list) else type(data).__name__}")
    weights = {name: (from_ints(data[2 * i], f"{name} kernel", path),
                      from_ints(data[2 * i + 1], f"{name} bias", path))
               for i, name in enumerate(LAYER_ORDER)}
    check_weights(weights, cfg, source=str(path))
    return weights


def write_vae_json(path: str | Path, weights: VAEWeights, cfg: VAEConfig) -> None:
    check_weights(weights, cfg)
    out = []
    for name in LAYER_ORDER:
        out += [to_ints(weights[name][0]), to_ints(weights[name][1])]
    atomic_write_json(path, out)


def _conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid conv, stride 2, as a strided im2col matmul. x (B,H,W,Cin), kernel [kh,kw,Cin,Cout]."""
    k = kernel.shape[0]
    patches = sliding_window_view(x, (k, k), axis=(1, 2))[:, ::STRIDE, ::STRIDE]  # B,Ho,Wo,Cin,kh,kw
    w = kernel.transpose(2, 0, 1, 3).reshape(-1, kernel.shape[3])  # (Cin*kh*kw, Cout)
    b, ho, wo = patches.shape[:3]
    out = patches.reshape(b * ho * wo, -1) @ w
    return (out + bias).reshape(b, ho, wo, -1)


def _deconv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid transposed conv, stride 2: each kernel tap scatters one matmul into the output.

    x (B,H,W,Cin), kernel [kh,kw,Cout,Cin] (TF layout); output side (H-1)*2 + k.
    """
    b, h, w, _ = x.shape
    k, _, c_out, _ = kernel.shape
    out = np.zeros((b, (h - 1) * STRIDE + k, (w - 1) * STRIDE + k, c_out), np.float32)
    for i in range(k):
        for j in range(k):
            out[:, i:i + STRIDE * h:STRIDE, j:j + STRIDE * w:STRIDE] += x @ kernel[i, j].T
    return out + bias


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


class NumpyVAE:
    """V's encoder and decoder as batched numpy forward passes (float32), for rollout workers."""

    def __init__(self, weights: VAEWeights, cfg: VAEConfig, cache_entries: int = 0, encoder: str = "numpy"):
        """``encoder`` picks how uint8 frames are encoded: "numpy" (the im2col forward pass below) or
        "onnx" (the same network as an onnxruntime graph, worldmodels.onnx_encoder: ~2.5x faster at
        batch 8; float frames always take the numpy path). Both give the same mu and logvar up to
        float32 rounding (~1e-6). A missing onnxruntime is one error line naming --encoder numpy.

        ``cache_entries`` > 0 memoizes ``encode_mu_logvar`` by frame content, up to that many
        distinct frames (~0.8 kB each, measured with tracemalloc at z = 32): V is a pure function of
        the frame, so a hit returns what encoding it again would (bit for bit: a frame's encoding
        does not depend on the batch it is encoded in, measured for both encoders, issue #30), and
        pictures that repeat (binpacking's charts) are encoded once. Once full, new frames are
        encoded without being stored."""
        check_weights(weights, cfg)
        if cache_entries < 0:
            raise ValueError(f"cache_entries must be >= 0, got {cache_entries}")
        self.cfg = cfg
        self.w = {name: (k.astype(np.float32), b.astype(np.float32)) for name, (k, b) in weights.items()}
        self.cache_entries = cache_entries
        self._cache: dict[bytes, np.ndarray] = {}  # frame digest -> [mu, logvar] (2, z)
        self.cache_hits = 0
        self.cache_misses = 0
        # VAEConfig.mean_frame: the encoder sees x - m, the decoder adds logit(m) before its sigmoid
        self.frame: np.ndarray | None = None
        self.frame_logit: np.ndarray | None = None
        if cfg.mean_frame:
            self.frame = self.w[MEAN_FRAME][0]
            self.frame_logit = logit(self.frame).astype(np.float32)
        # a frame's mu and logvar the same in any batch (worldmodels.rowwise; the convolutions' products
        # have B x 31 x 31 .. B x 2 x 2 rows, never few enough to need it: measured, issue #30)
        self._fc_mu, self._fc_logvar = RowwiseMatmul(self.w["enc_fc_mu"][0]), RowwiseMatmul(self.w["enc_fc_log_var"][0])
        self.encoder = check_encoder_name(encoder)
        self._onnx = None
        if encoder == "onnx":
            graph = build_graph(self.w, ENCODER_CONVS, cfg.channels, IMAGE_SIZE, STRIDE, self.frame)
            self._onnx = OnnxEncoder(graph, cfg.z_size)

    @staticmethod
    def to_float(frames: np.ndarray) -> np.ndarray:
        """uint8 [0,255] -> float32 [0,1]; float input is passed through."""
        if frames.dtype == np.uint8:
            return frames.astype(np.float32) / 255.0
        return frames.astype(np.float32, copy=False)

    def encode_mu_logvar(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """frames (B,64,64,C) uint8 or float in [0,1] -> mu, logvar (B, z)."""
        if self.cache_entries:
            return self._encode_cached(frames)
        return self._encode(frames)

    def _encode_cached(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        frames = np.ascontiguousarray(frames)
        keys = [hashlib.blake2b(f.tobytes(), digest_size=16).digest() for f in frames]
        missing: dict[bytes, int] = {}  # distinct unseen frames -> first index in the batch
        for i, key in enumerate(keys):
            if key not in self._cache and key not in missing:
                missing[key] = i
        fresh = {}
        if missing:
            mu, logvar = self._encode(frames[list(missing.values())])
            fresh = {key: np.stack([mu[j], logvar[j]]) for j, key in enumerate(missing)}
            room = self.cache_entries - len(self._cache)
            self._cache.update(list(fresh.items())[:max(room, 0)])
        self.cache_misses += len(missing)
        self.cache_hits += len(keys) - len(missing)
        both = np.stack([fresh[key] if key in fresh else self._cache[key] for key in keys])
        return both[:, 0], both[:, 1]

    def _encode(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._onnx is not None and frames.dtype == np.uint8:
            assert frames.ndim == 4 and frames.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, self.cfg.channels), frames.shape
            return self._onnx.encode(frames)
        x = self.to_float(frames)
        assert x.ndim == 4 and x.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, self.cfg.channels), x.shape
        if self.frame is not None:
            x = x - self.frame
        for name, _, _ in ENCODER_CONVS:
            x = _relu(_conv2d(x, *self.w[name]))
        flat = x.reshape(len(x), -1)  # NHWC flatten, as Keras' and TF's reshape
        mu = self._fc_mu(flat) + self.w["enc_fc_mu"][1]
        logvar = self._fc_logvar(flat) + self.w["enc_fc_log_var"][1]
        return mu, logvar

    def encode(self, frames: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """z = mu + exp(logvar / 2) * eps [orig]; with ``rng=None`` returns mu."""
        mu, logvar = self.encode_mu_logvar(frames)
        if rng is None:
            return mu
        return (mu + np.exp(logvar / 2.0) * rng.standard_normal(mu.shape)).astype(np.float32)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z (B, z_size) -> images (B,64,64,C) float32 in [0,1]."""
        z = np.asarray(z, np.float32)
        assert z.ndim == 2 and z.shape[1] == self.cfg.z_size, z.shape
        x = (z @ self.w["dec_fc"][0] + self.w["dec_fc"][1]).reshape(len(z), 1, 1, FLAT_SIZE)
        for name, _, _ in DECODER_DECONVS[:-1]:
            x = _relu(_deconv2d(x, *self.w[name]))
        logits = _deconv2d(x, *self.w["dec_deconv4"])
        if self.frame_logit is not None:
            logits += self.frame_logit
        return 1.0 / (1.0 + np.exp(-logits))


def vae_loss_numpy(x: np.ndarray, y: np.ndarray, mu: np.ndarray, logvar: np.ndarray,
                   kl_tolerance: float, foreground_weight: float = 0.0) -> tuple[float, float, float]:
    """Reference loss [orig vae.py]: (total, reconstruction, KL), each averaged over the batch.

    reconstruction = sum of squared error over pixels, each weighted 1 + foreground_weight *
    |x - the batch's mean image| (ours; 0 = the original); KL = -1/2 sum(1 + logvar - mu^2 - e^logvar),
    floored per image at kl_tolerance * z_size.
    """
    weight = 1.0 + foreground_weight * np.abs(x - x.mean(axis=0, keepdims=True))
    r = np.sum((weight * np.square(x - y)).reshape(len(x), -1), axis=1)
    kl = -0.5 * np.sum(1.0 + logvar - np.square(mu) - np.exp(logvar), axis=1)
    kl = np.maximum(kl, kl_tolerance * mu.shape[1])
    return float(np.mean(r + kl)), float(np.mean(r)), float(np.mean(kl))
