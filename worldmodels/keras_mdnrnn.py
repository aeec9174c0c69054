"""M as a Keras 3 model (training), ``keras.ops`` only.

The LSTM is a custom cell so that, as in the original Doom model, the state resets wherever the
restart flag (the last input column) is 1 [orig doomrnn.py]; without ``use_restart`` it is a
plain LSTM. Gate order and layout are Keras' (i, f, c, o; kernel + recurrent kernel), so the
weights map one to one onto ``mdnrnn.RNNWeights``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from worldmodels.config import RNNConfig
from worldmodels.mdnrnn import RNNWeights


@keras.saving.register_keras_serializable(package="worldmodels")
class ResettableLSTMCell(layers.Layer):
    """LSTM cell (sigmoid gates, tanh cell) that zeroes (h, c) where inputs[:, -1] == 1."""

    def __init__(self, units: int, use_restart: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.use_restart = use_restart
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape):
        n_in = input_shape[-1]
        self.kernel = self.add_weight(shape=(n_in, 4 * self.units), initializer="glorot_uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, 4 * self.units), initializer="orthogonal",
                                                name="recurrent_kernel")
        # forget-gate bias starts at 1.0, like the original's forget_bias=1.0 [orig rnn.py]
        init = np.zeros(4 * self.units, np.float32)
        init[self.units:2 * self.units] = 1.0
        self.bias = self.add_weight(shape=(4 * self.units,), initializer=keras.initializers.Constant(init),
                                    name="bias")

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        if self.use_restart:
            keep = 1.0 - inputs[:, -1:]
            h, c = h * keep, c * keep
        gates = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        i, f, g, o = ops.split(gates, 4, axis=-1)
        c_new = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h_new = ops.sigmoid(o) * ops.tanh(c_new)
        return h_new, [h_new, c_new]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_restart": self.use_restart}


@keras.saving.register_keras_serializable(package="worldmodels")
class DecaySchedule(keras.optimizers.schedules.LearningRateSchedule):
    """lr = (lr0 - min) * decay^step + min [orig doomrnn.py]."""

    def __init__(self, initial: float, minimum: float, decay: float):
        self.initial, self.minimum, self.decay = initial, minimum, decay

    def __call__(self, step):
        step = ops.cast(step, "float32")
        return (self.initial - self.minimum) * ops.power(self.decay, step) + self.minimum

    def get_config(self):
        return {"initial": self.initial, "minimum": self.minimum, "decay": self.decay}


def build_mdnrnn(cfg: RNNConfig) -> keras.Model:
    """(B, T, input_size) -> (B, T, output_size) raw outputs (see mdnrnn.split_output)."""
    x_in = keras.Input((None, cfg.input_size), name="x")
    cell = ResettableLSTMCell(cfg.hidden_units, use_restart=cfg.use_restart, name="lstm_cell")
    h = layers.RNN(cell, return_sequences=True, name="lstm")(x_in)
    y = layers.Dense(cfg.output_size, name="output")(h)
    return keras.Model(x_in, y, name="mdnrnn")


def target_size(cfg: RNNConfig) -> int:
    """Packed targets: z_{t+1} (z_size) [+ done_t] [+ reward_t]."""
    return cfg.z_size + (1 if cfg.done_head else 0) + (1 if cfg.reward_head else 0)


def make_mdn_loss(cfg: RNNConfig):
    """Per-step loss: mean over z of the mixture NLL (logsumexp) + weighted done CE + reward SE.

    Where the done target is 1 the next z belongs to the next episode, so the z term is masked
    there (the original trained through these boundaries).
    """
    k, z = cfg.num_mixtures, cfg.z_size
    start = 1 if cfg.done_head else 0
    log_sqrt_2pi = 0.5 * math.log(2.0 * math.pi)
    w = cfg.done_positive_weight

    def mdn_loss(y_true, y_pred):
        z_next = y_true[..., :z]
        mdn = ops.reshape(y_pred[..., start:start + z * 3 * k], (-1, z, 3 * k))
        logmix = mdn[..., :k] - ops.logsumexp(mdn[..., :k], axis=-1, keepdims=True)
        mean, logstd = mdn[..., k:2 * k], mdn[..., 2 * k:]
        y = ops.reshape(z_next, (-1, z, 1))
        log_gauss = -0.5 * ops.square((y - mean) / ops.exp(logstd)) - logstd - log_sqrt_2pi
        nll = -ops.mean(ops.logsumexp(logmix + log_gauss, axis=-1), axis=-1)
        nll = ops.reshape(nll, ops.shape(z_next)[:-1])
        loss = nll
        if cfg.done_head:
            done = y_true[..., z]
            logit = y_pred[..., 0]
            # weighted sigmoid cross-entropy, positives x w [orig doomrnn.py]
            ce = (1.0 - done) * logit + (1.0 + (w - 1.0) * done) * ops.softplus(-logit)
            loss = nll * (1.0 - done) + ce
        if cfg.reward_head:
            loss = loss + ops.square(y_true[..., -1] - y_pred[..., -1])
        return loss

    return mdn_loss


def compile_mdnrnn(model: keras.Model, cfg: RNNConfig) -> None:
    schedule = DecaySchedule(cfg.learning_rate, cfg.min_learning_rate, cfg.decay_rate)
    optimizer = keras.optimizers.Adam(learning_rate=schedule, clipvalue=cfg.grad_clip)  # [orig: clip 1.0]
    model.compile(optimizer=optimizer, loss=make_mdn_loss(cfg))


def get_weights(model: keras.Model) -> RNNWeights:
    cell = model.get_layer("lstm").cell
    out = model.get_layer("output")
    return RNNWeights(kernel=np.asarray(cell.kernel.numpy()), recurrent=np.asarray(cell.recurrent_kernel.numpy()),
                      bias=np.asarray(cell.bias.numpy()), output_w=np.asarray(out.kernel.numpy()),
                      output_b=np.asarray(out.bias.numpy()))


def set_weights(model: keras.Model, weights: RNNWeights) -> None:
    cell = model.get_layer("lstm").cell
    cell.kernel.assign(weights.kernel)
    cell.recurrent_kernel.assign(weights.recurrent)
    cell.bias.assign(weights.bias)
    out = model.get_layer("output")
    out.kernel.assign(weights.output_w)
    out.bias.assign(weights.output_b)
