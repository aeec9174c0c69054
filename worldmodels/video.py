"""Episode videos: mp4 (imageio-ffmpeg, H.264) or gif (Pillow), written atomically.

    write_video(frames, "episode.mp4", fps=30, scale=4)     # 64x64 frames -> 256x256 video
    write_video((side_by_side(real, decoded) for real, decoded in pairs), "vae.gif")

Frames are uint8 [H, W, 3] (or [H, W] / [H, W, 1] grayscale, shown as gray RGB), from a sequence,
an array [T, H, W, C] or an iterator; mp4 frames are streamed to the encoder, not held in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from worldmodels.fileio import WorldModelsError, atomic_path

VIDEO_SUFFIXES = (".mp4", ".gif")


def to_rgb(frame: np.ndarray) -> np.ndarray:
    """A uint8 frame as [H, W, 3]: grayscale [H, W] or [H, W, 1] is repeated over 3 channels."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8:
        raise WorldModelsError(f"video frames must be uint8, got {frame.dtype} (scale [0,1] floats by 255 first)")
    if frame.ndim == 2:
        frame = frame[:, :, None]
    if frame.ndim != 3 or frame.shape[2] not in (1, 3):
        raise WorldModelsError(f"a video frame must be [H, W, 3] or [H, W], got shape {frame.shape}")
    return np.repeat(frame, 3, axis=2) if frame.shape[2] == 1 else frame


def upscale(frame: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling of [..., H, W, C] by an integer factor (pixels stay sharp)."""
    if factor < 1:
        raise ValueError(f"upscale factor must be >= 1, got {factor}")
    if factor == 1:
        return frame
    return np.repeat(np.repeat(frame, factor, axis=-3), factor, axis=-2)


def side_by_side(a: np.ndarray, b: np.ndarray, gap: int = 2) -> np.ndarray:
    """Place frames (or batches [T, H, W, C]) ``a`` and ``b`` left and right, ``gap`` white columns
    apart: e.g. a real frame and its VAE reconstruction."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        raise ValueError(f"side_by_side needs equal frames, got {a.shape} {a.dtype} and {b.shape} {b.dtype}")
    if a.ndim < 3:
        raise ValueError(f"side_by_side needs [..., H, W, C] frames, got shape {a.shape}")
    white = np.iinfo(a.dtype).max if np.issubdtype(a.dtype, np.integer) else 1.0
    spacer = np.full((*a.shape[:-2], gap, a.shape[-1]), white, dtype=a.dtype)
    return np.concatenate([a, spacer, b], axis=-2)


def _frames(frames: Iterable[np.ndarray] | np.ndarray, scale: int) -> Iterator[np.ndarray]:
    """Validated, upscaled RGB frames, all of the first frame's shape."""
    shape = None
    for i, frame in enumerate(frames):
        rgb = upscale(to_rgb(frame), scale)
        if shape is None:
            shape = rgb.shape
        elif rgb.shape != shape:
            raise WorldModelsError(f"video frame {i} has shape {rgb.shape}, the first had {shape}")
        yield rgb


def write_video(
    frames: Iterable[np.ndarray] | np.ndarray, path: str | os.PathLike, fps: float = 30, scale: int = 1
) -> Path:
    """Write frames to ``path`` (.mp4 or .gif by suffix) at ``fps``, upscaled ``scale`` x; return the path.

    mp4: H.264, yuv420p (plays everywhere), so the upscaled frame size must be even.
    """
    import imageio.v2 as imageio

    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise WorldModelsError(f"video file must end in {' or '.join(VIDEO_SUFFIXES)}, got {out}")
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    count = 0
    with atomic_path(out, suffix=suffix) as tmp:
        if suffix == ".mp4":
            writer = imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                        pixelformat="yuv420p", macro_block_size=1, ffmpeg_log_level="error")
            try:
                for rgb in _frames(frames, scale):
                    if rgb.shape[0] % 2 or rgb.shape[1] % 2:
                        raise WorldModelsError(f"mp4 (yuv420p) needs an even frame size, got {rgb.shape[:2]}; "
                                               "use scale=2 or write a .gif")
                    writer.append_data(rgb)
                    count += 1
            finally:
                writer.close()
        else:
            stack: list[npt.ArrayLike] = list(_frames(frames, scale))  # imageio types mimwrite(ims: list[ArrayLike])
            count = len(stack)
            if count:
                # GIF stores frame delays in 1/100 s; Pillow takes milliseconds
                imageio.mimwrite(tmp, stack, format="GIF", duration=1000.0 / fps, loop=0)
        if count == 0:
            raise WorldModelsError(f"no frames to write to {out}")
    return out
