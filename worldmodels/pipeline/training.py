"""What V and M training share: epoch checkpoints that make a run resumable, and TensorBoard.

After every epoch the weights go to ``<out_dir>/checkpoint.weights.h5`` and the finished epoch
count to ``<out_dir>/checkpoint.json`` (both atomic), and the exportable weights (``vae.npz`` /
``rnn.npz``) are rewritten. A re-run picks up after the last finished epoch with the optimiser's
state (Adam's moments, saved with the weights) and its step counter (learning-rate decay).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import keras

from worldmodels.fileio import atomic_path, atomic_write_json, read_json

logger = logging.getLogger(__name__)


class EpochCheckpoint(keras.callbacks.Callback):
    def __init__(self, out_dir: Path, export: Callable[[], None], steps_per_epoch: int):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.export = export
        self.steps_per_epoch = steps_per_epoch

    def on_epoch_end(self, epoch, logs=None):
        with atomic_path(self.out_dir / "checkpoint.weights.h5", suffix=".weights.h5") as tmp:
            self.model.save_weights(tmp)
        self.export()
        atomic_write_json(self.out_dir / "checkpoint.json",
                          {"epochs_done": epoch + 1, "loss": float((logs or {}).get("loss", float("nan")))})


def resume_epoch(model: keras.Model, out_dir: Path, steps_per_epoch: int, fresh: bool) -> int:
    """Load the last checkpoint into ``model`` (compiled) and return the epochs already done."""
    state_path = Path(out_dir) / "checkpoint.json"
    weights_path = Path(out_dir) / "checkpoint.weights.h5"
    if fresh or not (state_path.is_file() and weights_path.is_file()):
        return 0
    done = int(read_json(state_path, "training checkpoint")["epochs_done"])
    model.load_weights(weights_path)
    model.optimizer.iterations.assign(done * steps_per_epoch)
    logger.info("resuming from %s after epoch %d", weights_path, done)
    return done


def tensorboard_available() -> bool:
    import importlib.util
    return importlib.util.find_spec("tensorboard") is not None


def callbacks(out_dir: Path, export: Callable[[], None], steps_per_epoch: int, tensorboard: bool = True) -> list:
    cbs: list = [EpochCheckpoint(out_dir, export, steps_per_epoch)]
    if tensorboard and tensorboard_available():
        cbs.append(keras.callbacks.TensorBoard(log_dir=str(Path(out_dir) / "tensorboard"), update_freq=50))
    return cbs
