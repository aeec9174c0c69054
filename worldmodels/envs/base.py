"""What every environment adapter shares: frame preprocessing and the policy interface.

An adapter (``doom.py``, ...) is a ``gymnasium.Env`` whose observation is the 64x64 frame V
sees; these helpers keep the crop-and-resize and the extraction policy the same everywhere.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

OBS_SIZE = 64
"""V's input is 64x64 in every environment [paper, sec. A.1]."""


def crop_and_resize(frame: np.ndarray, keep_rows: int, size: int = OBS_SIZE) -> np.ndarray:
    """Keep the top ``keep_rows`` rows of an (H, W, C) uint8 frame, area-resize to (size, size, C)."""
    assert frame.ndim == 3 and frame.dtype == np.uint8, (frame.shape, frame.dtype)
    assert 0 < keep_rows <= frame.shape[0], (keep_rows, frame.shape)
    out = cv2.resize(frame[:keep_rows], (size, size), interpolation=cv2.INTER_AREA)
    return out.reshape(size, size, frame.shape[2])  # cv2 drops a trailing channel axis of 1


class Policy(Protocol):
    """An extraction policy: redrawn per episode by ``reset``, then called once per frame.

    It returns the continuous action that is recorded and fed to M; the environment's own
    action is derived from it by the caller (e.g. Doom's thirds mapping).
    """

    def reset(self, rng: np.random.Generator) -> None: ...

    def __call__(self, obs: np.ndarray) -> float | np.ndarray: ...
