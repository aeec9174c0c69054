"""What V and M training share: epoch checkpoints that make a run resumable, and TensorBoard.

After every epoch the weights go to a new file ``<out_dir>/checkpoint-<epochs>.weights.h5``, the
exportable weights (``vae.npz`` / ``rnn.npz``) are rewritten, and then ``<out_dir>/checkpoint.json``
names that weights file, its SHA-256 and the finished epoch count. Each file is written atomically
and the JSON comes last, so it always names a complete weights file of the same epoch: a run killed
between the two writes resumes from the previous pair (whose weights file is deleted only after the
JSON has moved on). A re-run picks up after the last finished epoch with the optimiser's state
(Adam's moments, saved with the weights) and its step counter (learning-rate decay).

A checkpoint.json without ``weights`` (written before 2026-12) pairs with ``checkpoint.weights.h5``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras

from worldmodels.fileio import WorldModelsError, atomic_path, atomic_write_json, read_json

logger = logging.getLogger(__name__)

STATE = "checkpoint.json"
LEGACY_WEIGHTS = "checkpoint.weights.h5"
"""The one weights file of checkpoints written before the pair was versioned (no name in the JSON)."""


def weights_name(epochs_done: int) -> str:
    """The weights file of the checkpoint after ``epochs_done`` epochs (Keras wants ``.weights.h5``)."""
    return f"checkpoint-{epochs_done:04d}.weights.h5"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checkpoint(out_dir: Path) -> tuple[dict[str, Any], Path] | None:
    """(checkpoint.json's contents, its weights file), checked to belong together; None where
    ``out_dir`` has no checkpoint. A pair that does not match is one line (``WorldModelsError``)."""
    state_path = Path(out_dir) / STATE
    if not state_path.is_file():
        return None
    state = read_json(state_path, "training checkpoint")
    if not isinstance(state, dict) or not isinstance(state.get("epochs_done"), int):
        raise WorldModelsError(f"training checkpoint {state_path} has no epochs_done: {str(state)[:80]}; "
                               f"re-run with --fresh to start over")
    if "weights" not in state:  # a checkpoint of before the pair was versioned
        weights = Path(out_dir) / LEGACY_WEIGHTS
        return (state, weights) if weights.is_file() else None
    weights = Path(out_dir) / str(state["weights"])
    if not weights.is_file():
        raise WorldModelsError(f"training checkpoint {state_path} names {weights.name}, which is missing; "
                               f"re-run with --fresh to start over")
    if sha256(weights) != state.get("sha256"):
        raise WorldModelsError(f"{weights} is not the file training checkpoint {state_path} was written with "
                               f"(its SHA-256 differs); re-run with --fresh to start over")
    return state, weights


def remove_old_weights(out_dir: Path, keep: str) -> None:
    """Delete every checkpoint weights file of ``out_dir`` but ``keep`` (the one checkpoint.json names)."""
    for old in [*Path(out_dir).glob("checkpoint-*.weights.h5"), Path(out_dir) / LEGACY_WEIGHTS]:
        if old.name != keep:
            old.unlink(missing_ok=True)


class EpochCheckpoint(keras.callbacks.Callback):
    def __init__(self, out_dir: Path, export: Callable[[], None], steps_per_epoch: int):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.export = export
        self.steps_per_epoch = steps_per_epoch

    def on_epoch_end(self, epoch, logs=None):
        weights = self.out_dir / weights_name(epoch + 1)
        with atomic_path(weights, suffix=".weights.h5") as tmp:
            self.model.save_weights(tmp)
        self.export()
        atomic_write_json(self.out_dir / STATE,  # last: from here on a re-run resumes from this pair
                          {"epochs_done": epoch + 1, "loss": float((logs or {}).get("loss", float("nan"))),
                           "weights": weights.name, "sha256": sha256(weights)})
        remove_old_weights(self.out_dir, keep=weights.name)


def resume_epoch(model: keras.Model, out_dir: Path, steps_per_epoch: int, fresh: bool) -> int:
    """Load the last checkpoint into ``model`` (compiled) and return the epochs already done.
    ``fresh`` drops the checkpoint (a new run must not leave a JSON naming an older run's weights)."""
    if fresh:
        (Path(out_dir) / STATE).unlink(missing_ok=True)
        return 0
    found = read_checkpoint(out_dir)
    if found is None:
        return 0
    state, weights_path = found
    done = int(state["epochs_done"])
    model.load_weights(weights_path)
    model.optimizer.iterations.assign(done * steps_per_epoch)
    logger.info("resuming from %s after epoch %d", weights_path, done)
    return done


def seed_generators(layer: Any) -> list[keras.random.SeedGenerator]:
    """The Keras seed generators of ``layer`` and the layers inside it (V's sampling layer has one)."""
    found = [value for value in vars(layer).values() if isinstance(value, keras.random.SeedGenerator)]
    for inner in getattr(layer, "layers", []):
        found += seed_generators(inner)
    return found


class EpochSeeds(keras.callbacks.Callback):
    """At the start of training epoch e, every seed generator of the model starts a stream of its
    own, ``SeedSequence([seed, e])``: the draws of epoch e (V's z = mu + sigma * eps) are the same
    whether the run started at epoch 0 or resumed at e. A generator's state is not in the weights
    file, so without this a resumed run would draw other noise (issue #30, tests/pipeline)."""

    def __init__(self, seed: int):
        super().__init__()
        self.seed = seed

    def on_epoch_begin(self, epoch, logs=None):
        import numpy as np

        first = int(np.random.SeedSequence([self.seed, epoch]).generate_state(1)[0] >> 1)  # < 2^31: any seed dtype
        for generator in seed_generators(self.model):
            generator.state.assign(np.array([first, 0], dtype=generator.state.dtype))


def tensorboard_available() -> bool:
    import importlib.util
    return importlib.util.find_spec("tensorboard") is not None


def callbacks(out_dir: Path, export: Callable[[], None], steps_per_epoch: int, tensorboard: bool = True,
              seed: int = 0) -> list:
    cbs: list = [EpochSeeds(seed), EpochCheckpoint(out_dir, export, steps_per_epoch)]
    if tensorboard and tensorboard_available():
        cbs.append(keras.callbacks.TensorBoard(log_dir=str(Path(out_dir) / "tensorboard"), update_freq=50))
    return cbs
