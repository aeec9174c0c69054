"""Atomic file writes and the user-facing error type shared by every step.

Every output of the pipeline is written to a temporary file in the destination folder and
renamed over the target, so an interrupted write never leaves a half-written file behind and
never clobbers a good one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from worldmodels import logs

logger = logging.getLogger(__name__)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


class WorldModelsError(RuntimeError):
    """An error a user can act on: bad input, a missing step, a wrong shape.

    Scripts catch it at the top level and print its message as one line (see ``cli_main``).
    """


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
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual rw-r--r--
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


def atomic_savez(path: str | os.PathLike, compressed: bool = True, **arrays: np.ndarray) -> None:
    """``np.savez[_compressed]`` through a temp file (suffix .npz so numpy keeps the name)."""
    save = np.savez_compressed if compressed else np.savez
    with atomic_path(path, suffix=".npz") as tmp:
        save(tmp, **arrays)


def read_json(path: str | os.PathLike, what: str = "file") -> Any:
    """Read JSON, turning a missing or corrupt file into a one-line ``WorldModelsError``."""
    p = Path(path)
    if not p.is_file():
        raise WorldModelsError(f"{what} not found: {p}")
    try:
        return json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise WorldModelsError(f"{what} {p} is not valid JSON ({err}); re-create it") from err


def cli_main(main: Callable[[list[str]], Any], argv: list[str] | None = None) -> None:
    """Run a script's ``main`` on its command line (default ``sys.argv[1:]``) less ``-q`` / ``-v``,
    with logging set up (``worldmodels.logs``); a ``WorldModelsError`` becomes one line on stderr
    and exit 2, Ctrl-C one line and exit 130."""
    level, args = logs.split_logging_arguments(list(sys.argv[1:] if argv is None else argv))
    logs.setup_logging(level)
    try:
        main(args)
    except WorldModelsError as err:
        logger.error("%s", err)
        sys.exit(2)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C (e.g. forwarded by mpiexec) during exit
        logger.warning("interrupted; the outputs written so far are complete: re-run to resume")
        sys.exit(130)
    except SystemExit as stop:
        if stop.code in (0, None) and logs.asks_for_help(args):  # argparse printed the script's own options
            print(logs.logging_help(), end="")
        raise
