"""Logging of every command line: results on stdout, diagnostics on stderr, ``-q`` / ``-v``.

The generic plumbing is ``estool.cli`` (estool stands alone); this module adds our packages'
names and hides TensorFlow's start-up logs.

A script prints its results (``seed S average_reward X stdev Y``, the ES's line per generation,
tables, the path it wrote) on stdout; everything else (progress notes, warnings) goes through its
module's ``logger = logging.getLogger(__name__)`` to stderr, one short line each:

    python model.py carracing norender -q    # stderr: warnings and errors only
    python vae_train.py -v                    # stderr: debug lines too, and TensorFlow's own logs

``worldmodels.fileio.cli_main``, which runs every script's ``main``, takes ``-q`` / ``-v`` out of
the command line (``split_logging_arguments``) and calls ``setup_logging`` before ``main`` runs;
``--help`` lists them after the script's own options. Nothing here runs at import time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator

from estool import cli as estool_cli
from estool.cli import (  # noqa: F401  (re-exported)
    LEVELS,
    QUIET,
    VERBOSE,
    add_logging_arguments,
    asks_for_help,
    logging_help,
    split_logging_arguments,
)

OWN_PACKAGES = ("__main__", "worldmodels", "estool", "carracing", "doomrnn", "atari", "binpacking")
"""Loggers that follow -q / -v; any other library's only shows warnings (info lines with -v)."""

TENSORFLOW_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3"}
"""TensorFlow's C++ log threshold unless -v (or the variable is set already): errors surface as
Python exceptions anyway."""

_STARTUP_NOISE = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\)"
                            r"|[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] "
                            r"|To enable the following instructions: ")
"""Lines TensorFlow writes to fd 2 while it loads whatever TF_CPP_MIN_LOG_LEVEL says (TF 2.21):
absl's "before InitializeLog" warning and oneDNN's info line (I0000 ... port.cc:153] oneDNN custom
operations are on ...). TF_ENABLE_ONEDNN_OPTS=0 would silence it too, but also changes the kernels."""


def setup_logging(level: int = logging.INFO) -> None:
    """``estool.cli.setup_logging`` for all our packages, and TensorFlow's own logs hidden unless
    debugging."""
    estool_cli.setup_logging(level, OWN_PACKAGES)
    if level > logging.DEBUG:
        for name, value in TENSORFLOW_QUIET.items():
            os.environ.setdefault(name, value)  # read when TensorFlow loads: set before any import of it


@contextlib.contextmanager
def tensorflow_startup_hidden() -> Iterator[None]:
    """Around the first ``import keras`` / ``tensorflow``: drop the start-up lines it writes to
    fd 2 that TF_CPP_MIN_LOG_LEVEL does not reach (``_STARTUP_NOISE``), pass any other on. Does
    nothing with -v or once TensorFlow is loaded."""
    if logging.getLogger("worldmodels").getEffectiveLevel() <= logging.DEBUG or "tensorflow" in sys.modules:
        yield
        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            lines = caught.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not _STARTUP_NOISE.match(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()
