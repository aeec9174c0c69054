"""Atomic file writes and the user-facing error type shared by every step.

Every output of the pipeline is written to a temporary file in the destination folder and
renamed over the target, so an interrupted write never leaves a half-written file behind and
never clobbers a good one. The generic parts live in ``estool.files`` (estool stands alone) and are
re-exported here; ``atomic_savez`` is ours.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from estool.cli import cli_main as estool_cli_main
from estool.files import UsageError, atomic_path, atomic_write_json, atomic_write_text, read_json  # noqa: F401
from worldmodels import logs

logger = logging.getLogger(__name__)


WorldModelsError = UsageError
"""An error a user can act on: bad input, a missing step, a wrong shape (``estool.files.UsageError``:
one class for both packages). Scripts catch it at the top level and print its message as one line
(see ``cli_main``)."""


def atomic_savez(path: str | os.PathLike, compressed: bool = True, **arrays: np.ndarray) -> None:
    """``np.savez[_compressed]`` through a temp file (suffix .npz so numpy keeps the name)."""
    save = np.savez_compressed if compressed else np.savez
    named: dict[str, Any] = arrays  # as dict[str, ndarray], mypy would check them against savez's allow_pickle
    with atomic_path(path, suffix=".npz") as tmp:
        save(tmp, **named)


def cli_main(main: Callable[[list[str]], Any], argv: list[str] | None = None) -> None:
    """Run a script's ``main`` through ``estool.cli.cli_main`` with our logging setup
    (``worldmodels.logs``): ``-q`` / ``-v``, one error line and exit 2, Ctrl-C one line and 130."""
    estool_cli_main(main, argv, setup=logs.setup_logging)
