"""Logging of every command line: results on stdout, diagnostics on stderr, ``-q`` / ``-v``.

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

import argparse
import contextlib
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator

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


QUIET = ("-q", "--quiet")
VERBOSE = ("-v", "--verbose")
LEVELS = {**dict.fromkeys(QUIET, logging.WARNING), **dict.fromkeys(VERBOSE, logging.DEBUG)}
"""The logging level each flag asks for; INFO without one."""


def add_logging_arguments(parser: argparse.ArgumentParser) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (exclusive), stored as the logging level ``log_level``."""
    group = parser.add_argument_group("logging (every script)").add_mutually_exclusive_group()
    group.add_argument(*QUIET, dest="log_level", action="store_const", const=LEVELS[QUIET[0]],
                       default=logging.INFO, help="stderr: only warnings and errors")
    group.add_argument(*VERBOSE, dest="log_level", action="store_const", const=LEVELS[VERBOSE[0]],
                       help="stderr: debug lines too, and TensorFlow's start-up logs")


def _logging_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    add_logging_arguments(parser)
    return parser


def split_logging_arguments(argv: list[str]) -> tuple[int, list[str]]:
    """Take ``-q`` / ``-v`` out of ``argv`` (not after a ``--``): (the level they ask for, the rest)."""
    cut = argv.index("--") if "--" in argv else len(argv)
    found = {LEVELS[arg] for arg in argv[:cut] if arg in LEVELS}
    if len(found) > 1:
        _logging_parser().error("-q/--quiet and -v/--verbose exclude each other")
    rest = [arg for arg in argv[:cut] if arg not in LEVELS] + argv[cut:]
    return (found.pop() if found else logging.INFO), rest


def logging_help() -> str:
    """The help text of the logging options, as ``--help`` shows them after the script's own."""
    text = _logging_parser().format_help()
    return "\n" + text[text.index("\n\n") + 2:]  # a blank line, then the group without the usage line


def asks_for_help(argv: list[str]) -> bool:
    cut = argv.index("--") if "--" in argv else len(argv)
    return any(arg in ("-h", "--help") for arg in argv[:cut])


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (tests swap it), through
    ``tqdm.write`` once tqdm is loaded so that a line never lands in the middle of a progress bar."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        tqdm = sys.modules.get("tqdm")
        if tqdm is None:
            super().emit(record)
            return
        try:
            tqdm.tqdm.write(self.format(record), file=self.stream)
        except Exception:  # as logging does: report, never raise
            self.handleError(record)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _ShortFormatter(logging.Formatter):
    """``message`` for info lines, ``warning: message`` (``error: ``, ``debug: ``) for the others."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno == logging.INFO else f"{record.levelname.lower()}: {text}"


def setup_logging(level: int = logging.INFO) -> None:
    """Log our packages at ``level`` (others at WARNING, INFO when debugging) to stderr, one short
    line a record; hide TensorFlow's own logs unless debugging. Idempotent: replaces the handler a
    previous call added and leaves any other (a test runner's) in place."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(_ShortFormatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO if level <= logging.DEBUG else logging.WARNING)
    for name in OWN_PACKAGES:
        logging.getLogger(name).setLevel(level)
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
