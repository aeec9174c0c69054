"""Train V on frames streamed from ``record/`` (bounded memory) and export ``vae.npz``.

[orig] vae_train.py: Adam 1e-4, batch 100, 10 epochs over every frame. On a 2-core CPU the
budget is set by ``max_frames`` (frames per epoch) and ``epochs``; see each environment's README.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from estool.arguments import SEED, float_in, int_in
from estool.files import check_writable_folder
from worldmodels.config import EnvSpec, VAEConfig
from worldmodels.data import FrameStream, list_episodes, report_bad_episodes
from worldmodels.fileio import WorldModelsError
from worldmodels.logs import tensorflow_startup_hidden
from worldmodels.vae import IMAGE_SIZE, mean_frame, save_weights

logger = logging.getLogger(__name__)

MEAN_FRAME_FRAMES = 50_000  # frames averaged for VAEConfig.mean_frame (a 64x64 mean settles well before)


@dataclass(frozen=True)
class VAETrainConfig:
    vae: VAEConfig
    record_dir: Path
    out_dir: Path
    """Gets vae.npz, checkpoints and TensorBoard logs."""
    max_frames: int | None = None
    """Frames per epoch (None: all). A subset keeps V's cost bounded on a CPU."""
    max_episodes: int | None = None
    """Use only the first N episode files (None: all)."""
    pool_episodes: int = 32
    """Episodes held in memory at once by the streaming loader."""
    seed: int = 0
    fresh: bool = False
    """Ignore an existing checkpoint and start over."""
    tensorboard: bool = True
    init_from: Path | None = None
    """A run without a checkpoint starts from these V weights (vae.npz or vae.json): fine-tuning, e.g.
    CarRacing's V on frames of both renderers (issue #24). None: random initial weights."""
    skip_bad: bool = False
    """Train on the readable episodes when some are corrupt (one warning line) instead of stopping
    with exit 2 (``--skip_bad``)."""


def defaults_for(spec: EnvSpec, epochs: int, frames_per_epoch: int | None) -> VAETrainConfig:
    """An environment's V training: its record/ in, tf_vae/ out, its budget."""
    return VAETrainConfig(vae=replace(spec.vae, epochs=epochs), record_dir=spec.paths.path("record"),
                          out_dir=spec.paths.path("vae").parent, max_frames=frames_per_epoch)


def script_main(description: str, defaults: VAETrainConfig, argv: list[str] | None = None) -> Path:
    """An environment's vae_train.py: its command line over ``train``."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    add_arguments(parser, defaults)
    return train(config_from_args(parser.parse_args(argv), defaults))


def add_arguments(parser: argparse.ArgumentParser, defaults: VAETrainConfig) -> None:
    parser.add_argument("--epochs", type=int_in(1), default=defaults.vae.epochs)
    parser.add_argument("--batch_size", type=int_in(1), default=defaults.vae.batch_size)
    parser.add_argument("--learning_rate", type=float_in(0, lo_open=True), default=defaults.vae.learning_rate,
                        help="Adam's step size (default %(default)s); applies to a resumed run too")
    parser.add_argument("--kl_tolerance", type=float_in(0), default=defaults.vae.kl_tolerance,
                        help="free nats per z dimension: the loss is max(KL, this x z_size) (default %(default)s)")
    parser.add_argument("--foreground_weight", type=float_in(0), default=defaults.vae.foreground_weight,
                        help="weight pixels 1 + this x |x - batch mean| in the squared error; 0: plain "
                             "(default %(default)s)")
    parser.add_argument("--max_frames", type=int_in(1), default=defaults.max_frames, help="frames per epoch")
    parser.add_argument("--max_episodes", type=int_in(1), default=defaults.max_episodes)
    parser.add_argument("--record_dir", type=Path, default=defaults.record_dir)
    parser.add_argument("--out_dir", type=Path, default=defaults.out_dir)
    parser.add_argument("--seed", type=SEED, default=defaults.seed)
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--init_from", type=Path, default=None,
                        help="start a new run from these V weights (fine-tune) instead of random ones")
    parser.add_argument("--skip_bad", action="store_true",
                        help="leave corrupt episode files out (one warning line) instead of stopping")


def config_from_args(args: argparse.Namespace, defaults: VAETrainConfig) -> VAETrainConfig:
    check_writable_folder(args.out_dir, "--out_dir")  # the numbers were checked by their options' types
    return replace(defaults, vae=replace(defaults.vae, epochs=args.epochs, batch_size=args.batch_size,
                                         learning_rate=args.learning_rate, kl_tolerance=args.kl_tolerance,
                                         foreground_weight=args.foreground_weight),
                   max_frames=args.max_frames, max_episodes=args.max_episodes, record_dir=args.record_dir,
                   out_dir=args.out_dir, seed=args.seed, fresh=args.fresh, init_from=args.init_from,
                   skip_bad=args.skip_bad)


def readable_episodes(files: list[Path]) -> tuple[list[Path], int, list[Path]]:
    """Files whose header reads, their total frames, and the corrupt ones (each named at debug level)."""
    from worldmodels.data import episode_length
    good, total, bad = [], 0, []
    for f in files:
        try:
            total += episode_length(f)
            good.append(f)
        except WorldModelsError as err:
            logger.debug("%s", err)
            bad.append(f)
    return good, total, bad


def data_mean_frame(files: list[Path], batch_size: int, seed: int, max_frames: int = MEAN_FRAME_FRAMES,
                    skip_bad: bool = True) -> np.ndarray:
    """V's mean frame (``VAEConfig.mean_frame``) over at most ``max_frames`` frames of the data
    (whole batches of ``batch_size``: the caller has checked there is at least one)."""
    stream = FrameStream(files, batch_size=batch_size, max_frames=max_frames, seed=seed)
    m = mean_frame(stream.epoch())  # batch by batch: the frames are never all in memory
    report_bad_episodes(stream.skipped, len(files), skip_bad, "vae_train")
    return m


def bad_file_guard(stream: FrameStream, total: int):
    """A Keras callback that stops training with one error line (``report_bad_episodes``) as soon as
    ``stream`` skipped a file whose header read but whose frames do not; it runs in Keras' own loop,
    before the epoch's checkpoint, since an error raised inside the stream would reach the user as a
    TensorFlow traceback."""
    import keras

    class BadFileGuard(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            report_bad_episodes(stream.skipped, total, False, "vae_train")

        def on_epoch_end(self, epoch, logs=None):
            report_bad_episodes(stream.skipped, total, False, "vae_train")

    return BadFileGuard()


def train(cfg: VAETrainConfig) -> Path:
    """Train (resuming when a checkpoint exists) and return the path of ``vae.npz``."""
    files = list_episodes(cfg.record_dir, step_hint="extract.py (or extract.bash)")
    start_weights = None
    if cfg.init_from is not None:  # read before TensorFlow loads: a wrong file is one line at once
        from worldmodels.vae import load_weights
        start_weights = load_weights(cfg.init_from, cfg.vae, check_frames=False)  # any frames: a start point
    if cfg.max_episodes:
        files = files[:cfg.max_episodes]
    files, total, bad = readable_episodes(files)
    report_bad_episodes(bad, len(files) + len(bad), cfg.skip_bad, "vae_train")
    per_epoch = min(total, cfg.max_frames) if cfg.max_frames else total
    steps = per_epoch // cfg.vae.batch_size
    if steps < 1:
        raise WorldModelsError(f"only {total} frames in {cfg.record_dir}: need at least one batch of "
                               f"{cfg.vae.batch_size}; extract more episodes")

    with tensorflow_startup_hidden():  # TF_CPP_MIN_LOG_LEVEL is set by cli_main (worldmodels.logs)
        import keras

    from worldmodels import keras_vae
    from worldmodels.pipeline import training

    keras.utils.set_random_seed(cfg.seed)
    model, encoder, decoder = keras_vae.build_vae(cfg.vae, seed=cfg.seed)
    model.compile(optimizer=keras.optimizers.Adam(cfg.vae.learning_rate), loss=keras_vae.make_vae_loss(cfg.vae),
                  metrics=keras_vae.make_vae_metrics(cfg.vae))
    model.optimizer.build(model.trainable_variables)  # so a checkpoint restores Adam's moments too
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    done = training.resume_epoch(model, cfg.out_dir, steps, cfg.fresh)
    if start_weights is not None and done == 0:
        keras_vae.set_weights(encoder, decoder, start_weights)
        logger.info("V starts from %s", cfg.init_from)
    elif cfg.vae.mean_frame and done == 0:  # a resumed run has m in its checkpoint
        keras_vae.set_mean_frame(encoder, decoder, data_mean_frame(files, cfg.vae.batch_size, cfg.seed,
                                                                    skip_bad=cfg.skip_bad))
    model.optimizer.learning_rate = cfg.vae.learning_rate  # this run's, not the checkpoint's
    out = cfg.out_dir / "vae.npz"

    def export() -> None:
        save_weights(out, keras_vae.get_weights(encoder, decoder), cfg.vae)

    if done >= cfg.vae.epochs:
        logger.info("V already trained for %d epochs (%s); pass --fresh to retrain", done, out)
        return out
    stream = FrameStream(files, cfg.vae.batch_size, cfg.pool_episodes, max_frames=per_epoch, seed=cfg.seed)

    def batches():
        # training epoch e: exactly `steps` batches from passes (e, 0), (e, 1), ... of the stream,
        # each shuffled by its own generator: the same batches whether the run started at epoch 0
        # or resumed at e (issue #30: a killed and resumed run ends with an uninterrupted run's weights)
        for epoch in itertools.count(done):
            served = 0
            for one_pass in itertools.count():
                for batch in stream.epoch((epoch, one_pass)):
                    x = batch.astype(np.float32) / 255.0
                    assert x.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE, cfg.vae.channels), x.shape
                    yield x, x
                    served += 1
                    if served == steps:
                        break
                if served == steps:
                    break

    logger.info("V: %d episodes, %d frames; %d batches of %d per epoch, epochs %d..%d", len(files), total, steps,
                cfg.vae.batch_size, done + 1, cfg.vae.epochs)
    start = time.time()
    guard = [] if cfg.skip_bad else [bad_file_guard(stream, len(files))]  # first: before the checkpoint
    model.fit(batches(), steps_per_epoch=steps, epochs=cfg.vae.epochs, initial_epoch=done,
              callbacks=guard + training.callbacks(cfg.out_dir, export, steps, cfg.tensorboard, cfg.seed), verbose=2)
    report_bad_episodes(stream.skipped, len(files), True, "vae_train")  # with --skip_bad: one warning line
    print(f"V trained in {time.time() - start:.0f} s -> {out}")
    return out
