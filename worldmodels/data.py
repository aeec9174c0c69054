"""Episode records (``record/*.npz``), latent series (``series/series.npz``) and streaming batches.

Formats (DESIGN.md section 3, "Data and episodes"):

* ``record/<id>.npz``: ``obs`` uint8 (T, 64, 64, C) and ``action`` float32 (T, action_dim);
  ``obs[t]`` is the frame the action ``action[t]`` was taken on. Optional ``reward`` (T,) and
  ``done`` (T,) (done[T-1] is 1 when the episode ended by the game rather than a cap), and for
  games with invalid moves ``mask`` bool (T, A): the actions valid on frame t.
* ``series/series.npz``: all episodes laid end to end: ``mu``/``logvar`` float16 (N, z),
  ``action`` float32 (N, action_dim), ``episode_lengths`` int64 (E,), plus optional ``reward``
  ``done`` and ``mask``. Restart flags are derived: 1 on the first frame of every episode.

Frames are never all held in RAM: V training streams a bounded pool of episodes.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worldmodels.fileio import WorldModelsError, atomic_savez

logger = logging.getLogger(__name__)

RECORD_SUFFIX = ".npz"
READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, zlib.error)
"""What numpy raises on a truncated or damaged npz (zlib.error: a damaged compressed member)."""
SKIP_BAD_HINT = "delete them and re-run extract (it re-records them), or pass --skip_bad to go on without them"
SHOWN_BAD = 3  # file names a report on corrupt files shows


def save_episode(path: str | Path, obs: np.ndarray, action: np.ndarray, **extra: np.ndarray) -> None:
    """Write one episode atomically. ``obs`` uint8 (T,H,W,C); ``action`` (T, A)."""
    obs = np.asarray(obs)
    action = np.asarray(action, dtype=np.float32)
    if action.ndim == 1:
        action = action[:, None]
    assert obs.dtype == np.uint8 and obs.ndim == 4, (obs.dtype, obs.shape)
    assert action.ndim == 2 and len(action) == len(obs), (action.shape, obs.shape)
    for name, value in extra.items():
        assert len(value) == len(obs), (name, np.shape(value), obs.shape)
    # compressed= given: otherwise mypy takes the unpacked arrays for possible values of it
    atomic_savez(path, compressed=True, obs=obs, action=action, **{k: np.asarray(v) for k, v in extra.items()})


def load_episode(path: str | Path, keys: Sequence[str] = ("obs", "action")) -> dict[str, np.ndarray]:
    """Read an episode; a corrupt or incomplete file raises ``WorldModelsError`` naming it."""
    path = Path(path)
    try:
        with np.load(path) as data:
            missing = [k for k in keys if k not in data.files]
            if missing:
                raise WorldModelsError(f"episode file {path} lacks {missing}; delete it and re-extract")
            out = {k: data[k] for k in keys}
    except READ_ERRORS as err:
        raise WorldModelsError(f"episode file {path} is corrupt ({err}); delete it and re-extract") from err
    if "obs" in out and (out["obs"].dtype != np.uint8 or out["obs"].ndim != 4):
        raise WorldModelsError(
            f"episode file {path}: obs must be uint8 (T,H,W,C), got {out['obs'].dtype} {out['obs'].shape}")
    return out


def list_episodes(record_dir: str | Path, step_hint: str = "extract.py") -> list[Path]:
    """Sorted episode files of ``record_dir``; missing or empty folder -> one-line error."""
    record_dir = Path(record_dir)
    # names starting with "." are temp files of a write still in progress (fileio.atomic_path)
    files = sorted(p for p in record_dir.glob(f"*{RECORD_SUFFIX}") if not p.name.startswith(".")) \
        if record_dir.is_dir() else []
    if not files:
        raise WorldModelsError(f"no episodes in {record_dir}/: run {step_hint} first")
    return files


def report_bad_episodes(bad: Sequence[Path], total: int, skip_bad: bool, step: str) -> None:
    """After ``step`` found ``bad`` unreadable episode files among ``total``: without ``skip_bad`` one
    error line (exit 2), so a run that lost data never looks successful; with it one warning line."""
    if not bad:
        return
    names = ", ".join(p.name for p in bad[:SHOWN_BAD]) + (", ..." if len(bad) > SHOWN_BAD else "")
    where = Path(bad[0]).parent
    if not skip_bad:
        raise WorldModelsError(f"{len(bad)} of {total} episode files in {where} are corrupt ({names}): {SKIP_BAD_HINT}")
    logger.warning("%s skipped %d of %d episode files in %s as corrupt (--skip_bad): %s", step, len(bad), total,
                   where, names)


def episode_length(path: str | Path) -> int:
    """Number of frames, read from the npz header of ``action`` without loading the frames."""
    try:
        with np.load(path) as data:
            return int(data["action"].shape[0])
    except READ_ERRORS as err:
        raise WorldModelsError(f"episode file {path} is corrupt ({err}); delete it and re-extract") from err


class FrameStream:
    """Shuffled batches of frames streamed from episode files in bounded memory.

    Holds at most ``pool_episodes`` episodes at once: it loads a random group of files, shuffles
    their frames together and yields full batches; leftovers carry into the next group. Memory
    is O(pool_episodes x episode length), independent of how many episodes there are.
    Corrupt files are reported by name and skipped (``skipped`` lists them): the stream never
    raises, as Keras would turn an error in it into a TensorFlow traceback; the caller decides
    (``report_bad_episodes``).
    """

    def __init__(self, files: Sequence[Path], batch_size: int, pool_episodes: int = 32,
                 max_frames: int | None = None, seed: int = 0):
        assert batch_size > 0 and pool_episodes > 0, (batch_size, pool_episodes)
        self.files = list(files)
        self.batch_size = batch_size
        self.pool_episodes = pool_episodes
        self.max_frames = max_frames
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.skipped: list[Path] = []

    def epoch(self, key: tuple[int, ...] | None = None) -> Iterator[np.ndarray]:
        """One pass over the episodes (at most ``max_frames`` frames): uint8 batches (B,H,W,C).
        ``key``: the pass draws its order from its own generator, ``default_rng([seed, *key])``, so
        it is the same whatever passes came before (a resumed training run replays none); None: from
        the stream's generator, one pass after another."""
        if key is not None:
            self.rng = np.random.default_rng([self.seed, *key])
        order = self.rng.permutation(len(self.files))
        carry: np.ndarray | None = None
        served = 0
        for start in range(0, len(order), self.pool_episodes):
            frames = []
            for idx in order[start:start + self.pool_episodes]:
                try:
                    frames.append(load_episode(self.files[idx], keys=("obs",))["obs"])
                except WorldModelsError as err:
                    if self.files[idx] not in self.skipped:
                        logger.warning("skipping %s", err)
                        self.skipped.append(self.files[idx])
            if carry is not None:
                frames.append(carry)
            if not frames:
                continue
            pool = np.concatenate(frames)
            pool = pool[self.rng.permutation(len(pool))]
            n_full = len(pool) // self.batch_size
            for b in range(n_full):
                if self.max_frames is not None and served >= self.max_frames:
                    return
                served += self.batch_size
                yield pool[b * self.batch_size:(b + 1) * self.batch_size]
            carry = pool[n_full * self.batch_size:]


@dataclass(frozen=True)
class Series:
    """Latent series of all episodes laid end to end (see module docstring)."""

    mu: np.ndarray
    logvar: np.ndarray
    action: np.ndarray
    episode_lengths: np.ndarray
    reward: np.ndarray | None = None
    done: np.ndarray | None = None
    mask: np.ndarray | None = None
    """bool (N, A): the actions valid on each frame (games with invalid moves only)."""

    def __post_init__(self) -> None:
        n = len(self.mu)
        assert self.mask is None or len(self.mask) == n, (np.shape(self.mask), n)
        assert self.mu.shape == self.logvar.shape, (self.mu.shape, self.logvar.shape)
        assert len(self.action) == n and int(self.episode_lengths.sum()) == n, (
            self.action.shape, int(self.episode_lengths.sum()), n)

    @property
    def restart(self) -> np.ndarray:
        """1.0 on the first frame of every episode (where M's state resets)."""
        flags = np.zeros(len(self.mu), np.float32)
        flags[np.concatenate([[0], np.cumsum(self.episode_lengths)[:-1]])] = 1.0
        return flags

    @property
    def episode_starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.episode_lengths)[:-1]]).astype(np.int64)

    def save(self, path: str | Path) -> None:
        arrays: dict[str, np.ndarray] = dict(mu=self.mu.astype(np.float16), logvar=self.logvar.astype(np.float16),
                                             action=self.action.astype(np.float32),
                                             episode_lengths=self.episode_lengths.astype(np.int64))
        if self.reward is not None:
            arrays["reward"] = self.reward.astype(np.float32)
        if self.done is not None:
            arrays["done"] = self.done.astype(np.float32)
        if self.mask is not None:
            arrays["mask"] = self.mask.astype(bool)
        atomic_savez(path, compressed=False, **arrays)

    @classmethod
    def concatenate(cls, parts: Sequence[Series], names: Sequence[str] = ()) -> Series:
        """Several series as one, episodes in order (M trained on random play and on the agent's own
        episodes of iterative training). An optional array must be in every part or in none; ``names``
        (the parts' files) go into the error."""
        if not parts:
            raise WorldModelsError("no series to join")
        widths = {(p.mu.shape[1], p.action.shape[1] if p.action.ndim > 1 else 1) for p in parts}
        if len(widths) > 1:
            raise WorldModelsError(f"series {list(names) or ''} have different z / action widths {sorted(widths)}: "
                                   f"encoded by different Vs, or of different environments?")

        def joined(field: str) -> np.ndarray | None:
            arrays = [getattr(p, field) for p in parts]
            if all(a is None for a in arrays):
                return None
            if any(a is None for a in arrays):
                raise WorldModelsError(f"series {list(names) or ''}: '{field}' is in some and not in others")
            return np.concatenate(arrays)

        return cls(mu=np.concatenate([p.mu for p in parts]), logvar=np.concatenate([p.logvar for p in parts]),
                   action=np.concatenate([p.action for p in parts]),
                   episode_lengths=np.concatenate([p.episode_lengths for p in parts]),
                   reward=joined("reward"), done=joined("done"), mask=joined("mask"))

    @classmethod
    def load(cls, path: str | Path, step_hint: str = "series.py") -> Series:
        path = Path(path)
        if not path.is_file():
            raise WorldModelsError(f"no series at {path}: run {step_hint} first")
        try:
            with np.load(path) as data:
                return cls(mu=data["mu"], logvar=data["logvar"], action=data["action"],
                           episode_lengths=data["episode_lengths"],
                           reward=data["reward"] if "reward" in data.files else None,
                           done=data["done"] if "done" in data.files else None,
                           mask=data["mask"] if "mask" in data.files else None)
        except (*READ_ERRORS, AssertionError) as err:
            raise WorldModelsError(f"series file {path} is corrupt ({err}); re-run {step_hint}") from err
