"""V as Keras 3 models (training). Uses ``keras.ops`` only, so any Keras backend trains it.

Layer names match ``vae.LAYER_ORDER`` so weights move between Keras, ``vae.npz`` and the
original ``vae.json`` by name.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from worldmodels.config import VAEConfig
from worldmodels.vae import (
    DECODER_DECONVS,
    ENCODER_CONVS,
    FLAT_SIZE,
    IMAGE_SIZE,
    LAYER_ORDER,
    MEAN_FRAME,
    STRIDE,
    VAEWeights,
    logit,
)

MEAN_FRAME_LOGIT = "mean_frame_logit"  # the decoder's copy of the mean frame (VAEConfig.mean_frame)
LAST_KERNEL_SCALE = 0.01  # with a mean frame: the last deconv starts at 0.1x Glorot's spread, so
                          # V's first outputs are the mean frame up to small noise (ours)


@keras.saving.register_keras_serializable(package="worldmodels")
class Sampling(layers.Layer):
    """z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) [orig vae.py]."""

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mu, logvar = inputs
        eps = keras.random.normal(ops.shape(mu), seed=self.seed_generator)
        return mu + ops.exp(logvar / 2.0) * eps


@keras.saving.register_keras_serializable(package="worldmodels")
class MeanFrame(layers.Layer):
    """A fixed (non-trainable) frame m: ``center`` gives x - m (encoder input), ``logit`` gives
    sigmoid(x + logit(m)) (decoder output). Set from the data by ``set_mean_frame``."""

    def __init__(self, channels: int, mode: str, **kwargs):
        super().__init__(**kwargs)
        assert mode in ("center", "logit"), mode
        self.channels, self.mode = channels, mode
        value = 0.0 if mode == "logit" else 0.5  # m = 1/2 until set
        self.frame = self.add_weight(shape=(IMAGE_SIZE, IMAGE_SIZE, channels), name="frame", trainable=False,
                                     initializer=keras.initializers.Constant(value))

    def call(self, x):
        return x - self.frame if self.mode == "center" else ops.sigmoid(x + self.frame)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "mode": self.mode}


@keras.saving.register_keras_serializable(package="worldmodels")
class Conv2DTranspose(layers.Conv2DTranspose):
    """Keras' Conv2DTranspose, with a 1 x 1 input (V's first deconv, on the reshaped ``dec_fc``)
    computed as one matmul.

    With padding "valid" a transposed convolution of a 1 x 1 x C input is k x k x filters,
    out[i, j, f] = sum_c x[c] W[i, j, f, c] + b[f], whatever the stride: a dense layer. TensorFlow
    2.21's CPU kernel took 1.4 s for a batch of 100 there, the matmul milliseconds, so V trained
    ~5x slower (binpacking/EXPERIMENTS.md, 2026-12-07). Same variables as Keras' layer, and the same
    class name, because Keras names a layer's weights in a checkpoint by its class: checkpoints
    written before this change resume."""

    def call(self, inputs):
        if (tuple(inputs.shape[1:3]) != (1, 1) or self.padding != "valid" or self.data_format != "channels_last"
                or tuple(self.dilation_rate) != (1, 1) or self.output_padding is not None):
            return super().call(inputs)
        kh, kw, filters, channels = self.kernel.shape
        matrix = ops.reshape(ops.transpose(self.kernel, (3, 0, 1, 2)), (channels, kh * kw * filters))
        out = ops.reshape(ops.matmul(ops.reshape(inputs, (-1, channels)), matrix), (-1, kh, kw, filters))
        if self.use_bias:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out


def build_encoder(cfg: VAEConfig) -> keras.Model:
    x_in = keras.Input((IMAGE_SIZE, IMAGE_SIZE, cfg.channels), name="x")
    h = MeanFrame(cfg.channels, "center", name=MEAN_FRAME)(x_in) if cfg.mean_frame else x_in
    for name, filters, k in ENCODER_CONVS:
        h = layers.Conv2D(filters, k, strides=STRIDE, padding="valid", activation="relu", name=name)(h)
    h = layers.Flatten()(h)
    mu = layers.Dense(cfg.z_size, name="enc_fc_mu")(h)
    logvar = layers.Dense(cfg.z_size, name="enc_fc_log_var")(h)
    return keras.Model(x_in, [mu, logvar], name="encoder")


def build_decoder(cfg: VAEConfig, deconv: type = Conv2DTranspose) -> keras.Model:
    """V's decoder; ``deconv``: the transposed-convolution layer (Keras' own for a comparison)."""
    z_in = keras.Input((cfg.z_size,), name="z")
    h = layers.Dense(FLAT_SIZE, name="dec_fc")(z_in)  # no activation [orig vae.py]
    h = layers.Reshape((1, 1, FLAT_SIZE))(h)
    for name, filters, k in DECODER_DECONVS:
        last = filters is None
        options = {}
        if last and cfg.mean_frame:  # logits; MeanFrame adds logit(m) and applies the sigmoid
            options = {"activation": None, "kernel_initializer": keras.initializers.VarianceScaling(
                LAST_KERNEL_SCALE, mode="fan_avg", distribution="uniform")}
        h = deconv(cfg.channels if last else filters, k, strides=STRIDE, padding="valid",
                                   **{"activation": "sigmoid" if last else "relu", "name": name, **options})(h)
    if cfg.mean_frame:
        h = MeanFrame(cfg.channels, "logit", name=MEAN_FRAME_LOGIT)(h)
    return keras.Model(z_in, h, name="decoder")


def set_mean_frame(encoder: keras.Model, decoder: keras.Model, frame: np.ndarray) -> None:
    """Give V its mean frame m (values in (0, 1), from ``vae.mean_frame``)."""
    encoder.get_layer(MEAN_FRAME).set_weights([frame])
    decoder.get_layer(MEAN_FRAME_LOGIT).set_weights([logit(frame)])


def build_vae(cfg: VAEConfig, seed: int | None = None,
              deconv: type = Conv2DTranspose) -> tuple[keras.Model, keras.Model, keras.Model]:
    """Return (train_model, encoder, decoder).

    ``train_model`` maps x to one packed tensor [reconstruction (flattened), mu, logvar] so that
    ``vae_loss`` can be a plain Keras loss and ``fit`` works on every backend.
    """
    encoder, decoder = build_encoder(cfg), build_decoder(cfg, deconv)
    x_in = keras.Input((IMAGE_SIZE, IMAGE_SIZE, cfg.channels), name="x")
    mu, logvar = encoder(x_in)
    z = Sampling(seed=seed, name="sampling")([mu, logvar])
    y = decoder(z)
    packed = layers.Concatenate(name="packed")([layers.Flatten()(y), mu, logvar])
    return keras.Model(x_in, packed, name="vae"), encoder, decoder


def _unpack(cfg: VAEConfig, x, packed):
    """(x flattened, reconstruction, mu, logvar) from the train model's packed output."""
    n_pixels = IMAGE_SIZE * IMAGE_SIZE * cfg.channels
    x = ops.reshape(ops.cast(x, "float32"), (-1, n_pixels))
    return (x, packed[:, :n_pixels], packed[:, n_pixels:n_pixels + cfg.z_size],
            packed[:, n_pixels + cfg.z_size:])


def _kl(mu, logvar):
    """KL(N(mu, e^logvar) || N(0, I)) per image, in nats [orig vae.py]."""
    return -0.5 * ops.sum(1.0 + logvar - ops.square(mu) - ops.exp(logvar), axis=1)


def make_vae_loss(cfg: VAEConfig):
    """Per-image loss: sum of squared error + max(KL, kl_tolerance * z_size) [orig vae.py].

    With ``cfg.foreground_weight`` w > 0, each pixel's squared error is weighted by
    1 + w * |x - mean of x over the batch| (ours; see ``VAEConfig.foreground_weight``).
    """
    kl_floor = cfg.kl_tolerance * cfg.z_size

    def vae_loss(x, packed):
        x, y, mu, logvar = _unpack(cfg, x, packed)
        error = ops.square(x - y)
        if cfg.foreground_weight:
            error = error * (1.0 + cfg.foreground_weight * ops.abs(x - ops.mean(x, axis=0, keepdims=True)))
        return ops.sum(error, axis=1) + ops.maximum(_kl(mu, logvar), kl_floor)

    return vae_loss


def make_vae_metrics(cfg: VAEConfig) -> list:
    """The two parts of the loss the original printed while training [orig vae_train.py: r_loss,
    kl_loss]: ``r_loss`` the unweighted sum of squared error per image, ``kl`` the KL in nats
    before the floor (so a V that uses fewer nats than its floor shows it)."""

    def r_loss(x, packed):
        x, y, _, _ = _unpack(cfg, x, packed)
        return ops.sum(ops.square(x - y), axis=1)

    def kl(x, packed):
        _, _, mu, logvar = _unpack(cfg, x, packed)
        return _kl(mu, logvar)

    return [r_loss, kl]


def get_weights(encoder: keras.Model, decoder: keras.Model) -> VAEWeights:
    out: VAEWeights = {}
    for model in (encoder, decoder):
        for layer in model.layers:
            if layer.name in LAYER_ORDER:
                kernel, bias = layer.get_weights()
                out[layer.name] = (np.asarray(kernel), np.asarray(bias))
            elif layer.name == MEAN_FRAME:
                out[MEAN_FRAME] = (np.asarray(layer.get_weights()[0]), np.zeros(0, np.float32))
    return out


def set_weights(encoder: keras.Model, decoder: keras.Model, weights: VAEWeights) -> None:
    for model in (encoder, decoder):
        for layer in model.layers:
            if layer.name in LAYER_ORDER:
                layer.set_weights([weights[layer.name][0], weights[layer.name][1]])
    if MEAN_FRAME in weights:
        set_mean_frame(encoder, decoder, weights[MEAN_FRAME][0])
