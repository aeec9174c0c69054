"""Atomic file writes, JSON reading and the user-facing error type (estool needs nothing else).

Every log and checkpoint is written to a temporary file in the destination folder and renamed over
the target, so an interrupted write never leaves a half-written file behind and never clobbers a
good one. ``worldmodels`` uses the same functions (``worldmodels.fileio`` re-exports them, and its
``WorldModelsError`` is ``UsageError``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class UsageError(RuntimeError):
    """An error a user can act on: bad input, a missing step, a wrong shape.

    Command lines catch it at the top level and print its message as one line (``estool.cli.cli_main``).
    """


@functools.cache
def _umask() -> int:
    """The process's umask, read once when first needed (reading it means setting it: not at import)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_temps(path: str | os.PathLike, suffix: str = ".tmp") -> list[Path]:
    """Delete the temp files ``atomic_path`` left next to ``path`` in processes that no longer run
    (killed mid-write: ``kill -9``, a power cut); return them. A temp file is named
    ``.<name>.<pid>.<random><suffix>``: one of a process that still runs (this one included) is
    kept, as is any other file."""
    target = Path(path)
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[A-Za-z0-9_]+{re.escape(suffix)}")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except FileNotFoundError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(FileNotFoundError):  # another process cleaned it up first
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success rename it over ``path``, else delete it.

    The temp file is ``.<name>.<pid>.<random><suffix>`` (a leading dot: folder listings skip it).
    One that a killed process left behind is deleted by the next write of the same target
    (``remove_stale_temps``)."""
    target = Path(path)
    suffix = suffix if suffix is not None else ".tmp"
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target, suffix)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual rw-r--r--
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj))


def read_json(path: str | os.PathLike, what: str = "file") -> Any:
    """Read JSON, turning a missing or corrupt file into a one-line ``UsageError``."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"{what} not found: {p}")
    try:
        return json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UsageError(f"{what} {p} is not valid JSON ({err}); re-create it") from err


def check_writable_folder(folder: str | os.PathLike, option: str) -> Path:
    """Refuse, in one line naming ``option``, an output folder that could not be created or written
    (a file in its way, a read-only or foreign folder), so that a step stops before any work rather
    than with a traceback at its first write. Creates nothing: the folder's nearest existing
    ancestor must be a folder this process may write in."""
    path = Path(folder)
    try:
        existing = next(p for p in (path, *path.parents) if p.exists())
        ok = existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)  # access(2): EROFS, modes
    except OSError as err:  # e.g. a parent that cannot be searched
        raise UsageError(f"{option} {path}: cannot write there ({err.strerror}); "
                         f"give a folder you can write to") from err
    if not existing.is_dir():
        raise UsageError(f"{option} {path}: {existing} is a file, not a folder; give a folder you can write to")
    if not ok:
        raise UsageError(f"{option} {path}: {existing} is not writable; give a folder you can write to")
    return path
