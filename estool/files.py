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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success rename it over ``path``, else delete it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix if suffix is not None else ".tmp", dir=target.parent
    )
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
