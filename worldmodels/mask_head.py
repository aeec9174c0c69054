"""M's mask head: which actions are valid on the current frame, so a game with invalid moves can dream.

A game such as bin packing forbids some actions on some frames (an item that does not fit a bag);
the real environment says which in ``info["action_mask"]`` and C plays the best valid one. In the
dream there is no environment to ask, so the world model predicts the mask too: one logistic
output per action from the features C reads, [z_t, h_t] (the frame's z and M's hidden state before
the step), valid where the logit is > 0.

Why [z, h] and not M's output layer alone: the valid actions of frame t+1 depend on the next item,
which M samples as part of z_{t+1}; a head on h_{t+1} alone could only give the probability over
the items M may draw, not the mask of the item it drew. The head is fitted on real transitions
with M frozen (``worldmodels.pipeline.fit_mask``), like the paper fits C on a frozen M, and lives
beside its M as ``mask.npz`` (``mask_path``): it reads that M's h, so it belongs to it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from worldmodels.config import RNNConfig
from worldmodels.fileio import WorldModelsError, atomic_savez
from worldmodels.rowwise import RowwiseMatmul

MASK_FILE = "mask.npz"


def mask_path(rnn_path: str | Path) -> Path:
    """Where the mask head of the M at ``rnn_path`` lives: ``mask.npz`` in M's folder."""
    return Path(rnn_path).parent / MASK_FILE


@dataclass(frozen=True)
class MaskHead:
    """Logits [z, h] @ w + b, one per action; valid where > 0."""

    w: np.ndarray  # (z_size + hidden_units, action_size)
    b: np.ndarray  # (action_size,)
    _product: RowwiseMatmul = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the same row in any batch (the dream's episodes do not depend on their batch)
        object.__setattr__(self, "_product", RowwiseMatmul(np.asarray(self.w, np.float32)))

    def check(self, cfg: RNNConfig, source: str = "mask head") -> None:
        want = (cfg.z_size + cfg.hidden_units, cfg.action_size)
        if self.w.shape != want or self.b.shape != (cfg.action_size,):
            raise WorldModelsError(f"{source}: weights {self.w.shape} + bias {self.b.shape}, expected {want} + "
                                   f"({cfg.action_size},) for this M (z={cfg.z_size}, hidden={cfg.hidden_units}, "
                                   f"actions={cfg.action_size}); was it fitted on another M?")

    def logits(self, z: np.ndarray, h: np.ndarray) -> np.ndarray:
        """(B, A) logits from z (B, z_size) and h (B, H)."""
        x = np.concatenate([np.asarray(z, np.float32), np.asarray(h, np.float32)], axis=1)
        return self._product(x) + self.b

    def valid(self, z: np.ndarray, h: np.ndarray) -> np.ndarray:
        """(B, A) bool: the actions the head allows."""
        return self.logits(z, h) > 0.0

    def save(self, path: str | Path, cfg: RNNConfig) -> None:
        self.check(cfg)
        atomic_savez(path, mask_w=self.w.astype(np.float32), mask_b=self.b.astype(np.float32))

    @classmethod
    def load(cls, path: str | Path, cfg: RNNConfig, step_hint: str = "fit_mask.py") -> MaskHead:
        path = Path(path)
        if not path.is_file():
            raise WorldModelsError(f"no mask head at {path}: run {step_hint} (it fits one for the M beside it)")
        try:
            with np.load(path) as data:
                head = cls(w=data["mask_w"].astype(np.float32), b=data["mask_b"].astype(np.float32))
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
            raise WorldModelsError(f"mask head {path} is corrupt ({err}); re-run {step_hint}") from err
        head.check(cfg, source=f"mask head {path}")
        return head
