"""Train M on ``series/series.npz`` and export ``rnn.npz``.

Batches (DESIGN.md sec. 3, [orig] rnn_train.py / doomrnn.py):
* episode-aligned (CarRacing): each sequence is one episode's first ``seq_len + 1`` frames
  (inputs 0..seq_len-1, targets 1..seq_len); shorter episodes are zero-padded and masked.
* streams (Doom): all episodes laid end to end, cut at a random offset every epoch into windows
  of ``seq_len + 1``; the restart flag resets M's state at every episode start.
z is re-sampled from (mu, logvar) for every batch [orig], never taken as mu.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from estool.arguments import SEED, int_in
from estool.files import check_writable_folder
from worldmodels.config import EnvSpec, RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError, atomic_write_json, read_json
from worldmodels.logs import tensorflow_startup_hidden
from worldmodels.mdnrnn import RNNWeights

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RNNTrainConfig:
    rnn: RNNConfig
    series_path: Path
    out_dir: Path
    epochs: int = 20
    """Passes over the series (the paper trains M for 20 epochs [paper sec. A.2])."""
    steps_per_epoch: int | None = None
    """Batches per epoch; None: as many as the series holds."""
    seed: int = 0
    fresh: bool = False
    tensorboard: bool = True
    held_out: Path | None = None
    """A series M is not trained on: after every epoch M's teacher-forced next-z NLL on it (its last
    ``held_out_episodes`` episodes, ``rnn_check``) goes to ``<out_dir>/held_out.json``."""
    held_out_episodes: int = 100
    until_flat: bool = False
    """Stop before ``epochs`` once the held-out NLL has stopped improving (``flat``)."""
    add_series: tuple[Path, ...] = ()
    """More series M trains on, after ``series_path``'s episodes (iterative training: the agent's
    own episodes, encoded into a series of their own so the random ones are not re-encoded)."""
    init_from: Path | None = None
    """An ``rnn.npz`` whose weights a new run starts from (not the optimiser state): M retrained on
    more data (issue #26's iterative training), or a trained M carried on at another layout."""


class SequenceBatches:
    """Builds (inputs, targets, weights) batches from a ``Series`` for ``cfg``."""

    def __init__(self, series: Series, cfg: RNNConfig, seed: int = 0):
        self.s, self.cfg, self.seed = series, cfg, seed
        self.rng = np.random.default_rng(seed)
        self.mu = series.mu.astype(np.float32)
        self.sigma = np.exp(series.logvar.astype(np.float32) / 2.0)
        self.action = series.action.astype(np.float32).reshape(len(self.mu), -1)
        if self.action.shape[1] != cfg.action_size:
            raise WorldModelsError(f"series actions have width {self.action.shape[1]}, M expects {cfg.action_size}")
        if self.mu.shape[1] != cfg.z_size:
            raise WorldModelsError(f"series z has width {self.mu.shape[1]}, M expects {cfg.z_size}: "
                                   f"was it encoded with another V?")
        self.restart = series.restart
        self.reward = series.reward if series.reward is not None else np.zeros(len(self.mu), np.float32)
        # done[t] = 1 where the game ended the episode at frame t; an episode cut at a step cap is
        # not a death, so the done target comes from the recorded flags when the series has them
        ends = np.roll(self.restart, -1)
        ends[-1] = 1.0
        self.done = series.done.astype(np.float32) if series.done is not None else ends
        self.cut = ends * (1.0 - self.done)  # episode ends that are not deaths: no target there

    def num_windows(self) -> int:
        if self.cfg.episode_aligned:
            return len(self.s.episode_lengths)
        return max(0, (len(self.mu) - 1) // self.cfg.seq_len)

    def steps_per_epoch(self) -> int:
        return max(1, self.num_windows() // self.cfg.batch_size)

    def _windows(self) -> np.ndarray:
        """Start index and length of every window of one epoch, shuffled."""
        t = self.cfg.seq_len + 1
        if self.cfg.episode_aligned:
            starts = self.s.episode_starts
            lengths = np.minimum(self.s.episode_lengths, t)
        else:
            offset = int(self.rng.integers(0, self.cfg.seq_len))
            n = (len(self.mu) - offset - 1) // self.cfg.seq_len
            if n < 1:
                offset, n = 0, 1
            starts = offset + self.cfg.seq_len * np.arange(n)
            lengths = np.minimum(t, len(self.mu) - starts)
        order = self.rng.permutation(len(starts))
        return np.stack([starts[order], lengths[order]], axis=1)

    def batch(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cfg, t = self.cfg, self.cfg.seq_len
        b = len(windows)
        z = np.zeros((b, t + 1, cfg.z_size), np.float32)
        a = np.zeros((b, t + 1, cfg.action_size), np.float32)
        restart = np.zeros((b, t + 1), np.float32)
        done = np.zeros((b, t + 1), np.float32)
        cut = np.zeros((b, t + 1), np.float32)
        reward = np.zeros((b, t + 1), np.float32)
        valid = np.zeros((b, t + 1), np.float32)
        for k, (start, length) in enumerate(windows):
            sl = slice(start, start + length)
            eps = self.rng.standard_normal((length, cfg.z_size)).astype(np.float32)
            z[k, :length] = self.mu[sl] + self.sigma[sl] * eps
            a[k, :length], restart[k, :length] = self.action[sl], self.restart[sl]
            done[k, :length], cut[k, :length] = self.done[sl], self.cut[sl]
            reward[k, :length], valid[k, :length] = self.reward[sl], 1.0
        parts = [z[:, :-1], a[:, :-1]] + ([restart[:, :-1, None]] if cfg.use_restart else [])
        x = np.concatenate(parts, axis=-1)
        targets = [z[:, 1:]]
        if cfg.done_head:
            targets.append(done[:, :-1, None])  # the action on frame t ended the episode
        if cfg.reward_head:
            targets.append(reward[:, :-1, None])
        # no target where the next frame is missing or belongs to the next episode after a cut
        weights = valid[:, 1:] * (1.0 - cut[:, :-1])
        return x, np.concatenate(targets, axis=-1), weights

    def epochs(self, first: int = 0, steps: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Endless batches (full batches only), ``steps`` per training epoch from epoch ``first`` on.

        Training epoch e draws its windows, their order and the z noise from its own generator,
        ``default_rng([seed, e])``: passes over the data one after another, the last cut off after
        ``steps`` batches. So epoch e's batches are the same whether the run started at epoch 0 or
        resumed at e (issue #30: a killed and resumed run ends with the very weights of an
        uninterrupted one). ``steps`` None: one pass per epoch."""
        bs = self.cfg.batch_size
        for epoch in itertools.count(first):
            self.rng = np.random.default_rng([self.seed, epoch])
            served = 0
            while steps is None or served < steps:
                windows = self._windows()
                if len(windows) < bs:  # tiny data: sample windows with replacement to fill a batch
                    windows = windows[self.rng.integers(0, len(windows), bs)]
                for i in range(0, len(windows) - bs + 1, bs):
                    if steps is not None and served >= steps:
                        break
                    served += 1
                    yield self.batch(windows[i:i + bs])
                if steps is None:
                    break


def defaults_for(spec: EnvSpec, epochs: int, steps_per_epoch: int | None = None) -> RNNTrainConfig:
    """An environment's M training: its series/ in, tf_rnn/ out, its budget."""
    return RNNTrainConfig(rnn=spec.rnn, series_path=spec.paths.path("series"), out_dir=spec.paths.path("rnn").parent,
                          epochs=epochs, steps_per_epoch=steps_per_epoch)


def script_main(description: str, defaults: RNNTrainConfig, argv: list[str] | None = None) -> Path:
    """An environment's rnn_train.py: its command line over ``train``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    add_arguments(parser, defaults)
    return train(config_from_args(parser.parse_args(argv), defaults))


def add_arguments(parser: argparse.ArgumentParser, defaults: RNNTrainConfig) -> None:
    parser.add_argument("--epochs", type=int_in(1), default=defaults.epochs)
    parser.add_argument("--steps_per_epoch", type=int_in(1), default=defaults.steps_per_epoch)
    parser.add_argument("--batch_size", type=int_in(1), default=defaults.rnn.batch_size)
    parser.add_argument("--seq_len", type=int_in(1), default=defaults.rnn.seq_len)
    parser.add_argument("--series", type=Path, default=defaults.series_path)
    parser.add_argument("--add_series", type=Path, nargs="+", default=list(defaults.add_series), metavar="SERIES",
                        help="more series to train on besides --series (e.g. the agent's own episodes)")
    parser.add_argument("--out_dir", type=Path, default=defaults.out_dir)
    parser.add_argument("--seed", type=SEED, default=defaults.seed)
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--held_out", type=Path, default=defaults.held_out,
                        help="a series M never trains on: its NLL after every epoch -> OUT_DIR/held_out.json")
    parser.add_argument("--held_out_episodes", type=int_in(1), default=defaults.held_out_episodes,
                        help="the last N episodes of --held_out (default %(default)s)")
    parser.add_argument("--until_flat", action="store_true",
                        help=f"with --held_out: stop once the held-out NLL improved by less than "
                             f"{FLAT_GAIN * 100:g} %% over the last fifth of the epochs (at least {FLAT_MIN_EPOCHS} "
                             f"epochs)")
    parser.add_argument("--init_from", type=Path, default=defaults.init_from,
                        help="rnn.npz: a new run starts from these weights (a resumed run ignores it)")


def config_from_args(args: argparse.Namespace, defaults: RNNTrainConfig) -> RNNTrainConfig:
    check_writable_folder(args.out_dir, "--out_dir")  # the numbers were checked by their options' types
    if args.until_flat and args.held_out is None:
        raise WorldModelsError("--until_flat needs --held_out SERIES (the episodes whose NLL decides)")
    return replace(defaults, rnn=replace(defaults.rnn, batch_size=args.batch_size, seq_len=args.seq_len),
                   epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, series_path=args.series,
                   add_series=tuple(args.add_series),
                   out_dir=args.out_dir, seed=args.seed, fresh=args.fresh, held_out=args.held_out,
                   held_out_episodes=args.held_out_episodes, until_flat=args.until_flat,
                   init_from=args.init_from)


FLAT_GAIN = 0.01
"""--until_flat: improvement of the held-out NLL over the last fifth of the epochs below which M has
converged (issue #26: "under 1 % better over the last fifth of the run")."""
FLAT_MIN_EPOCHS = 10
"""--until_flat never stops before this many epochs (a fifth of them is then >= 2 epochs)."""


def flat(nll: list[float]) -> bool:
    """Whether the held-out NLL per epoch (``nll[e]`` after epoch e + 1) has stopped improving: at
    least ``FLAT_MIN_EPOCHS`` epochs, and the last value less than ``FLAT_GAIN`` (relative to its size)
    below the value a fifth of the epochs earlier."""
    n = len(nll)
    if n < FLAT_MIN_EPOCHS:
        return False
    before = nll[n - 1 - max(1, n // 5)]
    return bool(before - nll[-1] < FLAT_GAIN * abs(before))


def already_flat(path: Path, done: int) -> bool:
    """Whether ``--until_flat`` stopped a run after its checkpointed epoch ``done`` (held_out.json)."""
    if not path.is_file():
        return False
    rows = [r for r in read_json(path, "held-out log") if r["epoch"] <= done]
    return len(rows) == done and flat([r["held_out_nll"] for r in rows])


def held_out_callback(cfg: RNNTrainConfig, model, steps_per_epoch: int):
    """After every epoch: M's held-out NLL appended to out_dir/held_out.json (rows of epochs after the
    checkpoint dropped, so a resumed run rewrites them) and, with ``until_flat``, the stop."""
    import keras

    from worldmodels import keras_mdnrnn
    from worldmodels.mdnrnn import NumpyMDNRNN
    from worldmodels.pipeline.rnn_check import check_rnn
    assert cfg.held_out is not None
    held_out = Series.load(cfg.held_out, step_hint="series.py (with another workdir for held-out episodes)")
    episodes = min(cfg.held_out_episodes, len(held_out.episode_lengths))
    path = cfg.out_dir / "held_out.json"

    class HeldOut(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            done = int(self.model.optimizer.iterations.numpy()) // steps_per_epoch
            rows = read_json(path, "held-out log") if path.is_file() else []
            self.rows = [r for r in rows if r["epoch"] <= done]

        def on_epoch_end(self, epoch, logs=None):
            rnn = NumpyMDNRNN(keras_mdnrnn.get_weights(model), cfg.rnn)
            result = check_rnn(rnn, held_out, episodes)
            # steps so far: an epoch's batches change when data is added (--add_series), so count on from the last row
            before = self.rows[-1]["steps"] if self.rows else epoch * steps_per_epoch
            self.rows.append({"epoch": epoch + 1, "steps": before + steps_per_epoch, "held_out_nll": result.z_nll,
                              "train_loss": float((logs or {}).get("loss", float("nan"))), "episodes": episodes})
            atomic_write_json(path, self.rows)
            logger.info("epoch %d: held-out NLL %.4f (%d episodes of %s)", epoch + 1, result.z_nll, episodes,
                        cfg.held_out)
            if cfg.until_flat and flat([r["held_out_nll"] for r in self.rows]):
                print(f"held-out NLL flat after epoch {epoch + 1} (< {FLAT_GAIN:.0%} better over the last fifth): "
                      f"stopping", flush=True)
                self.model.stop_training = True

    return HeldOut()


def train(cfg: RNNTrainConfig) -> Path:
    series = Series.load(cfg.series_path, step_hint="series.py")
    if cfg.add_series:
        paths = (cfg.series_path, *cfg.add_series)
        series = Series.concatenate([series] + [Series.load(p, step_hint="series.py") for p in cfg.add_series],
                                    names=[str(p) for p in paths])
    # read before Keras loads: a missing or wrong file is one line at once
    start_weights = None if cfg.init_from is None else RNNWeights.load(cfg.init_from, cfg.rnn)
    data = SequenceBatches(series, cfg.rnn, seed=cfg.seed)
    steps = cfg.steps_per_epoch or data.steps_per_epoch()

    with tensorflow_startup_hidden():  # TF_CPP_MIN_LOG_LEVEL is set by cli_main (worldmodels.logs)
        import keras

    from worldmodels import keras_mdnrnn
    from worldmodels.pipeline import training

    keras.utils.set_random_seed(cfg.seed)
    model = keras_mdnrnn.build_mdnrnn(cfg.rnn)
    keras_mdnrnn.compile_mdnrnn(model, cfg.rnn)
    model.build((None, None, cfg.rnn.input_size))
    model.optimizer.build(model.trainable_variables)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    done = training.resume_epoch(model, cfg.out_dir, steps, cfg.fresh)
    if start_weights is not None and done == 0:
        keras_mdnrnn.set_weights(model, start_weights)
        logger.info("M starts from %s", cfg.init_from)
    out = cfg.out_dir / "rnn.npz"

    def export() -> None:
        keras_mdnrnn.get_weights(model).save(out, cfg.rnn)

    if done >= cfg.epochs:
        logger.info("M already trained for %d epochs (%s); pass --fresh to retrain", done, out)
        return out
    if cfg.until_flat and done and already_flat(cfg.out_dir / "held_out.json", done):
        logger.info("M's held-out NLL was already flat after epoch %d (%s); pass --fresh to retrain", done, out)
        return out  # a re-run must not move an M that later steps (C) were trained on
    logger.info("M: %d episodes, %d frames; %d batches of %d x %d per epoch, epochs %d..%d",
                len(series.episode_lengths), len(series.mu), steps, cfg.rnn.batch_size, cfg.rnn.seq_len, done + 1,
                cfg.epochs)
    start = time.time()
    callbacks = training.callbacks(cfg.out_dir, export, steps, cfg.tensorboard, cfg.seed)
    if cfg.held_out is not None:
        callbacks.append(held_out_callback(cfg, model, steps))  # after the checkpoint: a stop keeps the epoch
    model.fit(data.epochs(done, steps), steps_per_epoch=steps, epochs=cfg.epochs, initial_epoch=done,
              callbacks=callbacks, verbose=2)
    print(f"M trained in {time.time() - start:.0f} s -> {out}")
    return out
