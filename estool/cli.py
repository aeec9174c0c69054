"""Every command line's plumbing: ``-q`` / ``-v``, logging to stderr, one error line and exit 2.

A command line prints its results (the ES's line per generation, a score line, the path it wrote)
on stdout; everything else (progress notes, warnings) goes through its module's
``logger = logging.getLogger(__name__)`` to stderr, one short line each. ``cli_main`` runs a
script's ``main``: it takes ``-q`` / ``-v`` out of the command line (``split_logging_arguments``),
sets up logging, turns a ``UsageError`` into ``error: ...`` and exit status 2 and Ctrl-C into one
line and 130, and lists the two flags after the script's own ``--help``. While ``main`` runs, an
argparse error of any parser is that one line too (``one_line_parse_errors``), instead of argparse's
usage block: a bad number reads ``error: argument --episodes: must be an integer >= 1, got '0'``
(``estool.arguments``). ``worldmodels`` runs every script through it too
(``worldmodels.fileio.cli_main``). Nothing here runs at import time.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from estool.files import UsageError

logger = logging.getLogger(__name__)

OWN_PACKAGES = ("__main__", "estool")
"""Loggers that follow -q / -v; any other library's only shows warnings (info lines with -v)."""

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
                       help="stderr: debug lines too, and other libraries' info lines")


def _logging_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    add_logging_arguments(parser)
    return parser


def split_logging_arguments(argv: list[str]) -> tuple[int, list[str]]:
    """Take ``-q`` / ``-v`` out of ``argv`` (not after a ``--``): (the level they ask for, the rest)."""
    cut = argv.index("--") if "--" in argv else len(argv)
    found = {LEVELS[arg] for arg in argv[:cut] if arg in LEVELS}
    if len(found) > 1:
        raise UsageError("-q/--quiet and -v/--verbose exclude each other")
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
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class _ShortFormatter(logging.Formatter):
    """``message`` for info lines, ``warning: message`` (``error: ``, ``debug: ``) for the others."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno == logging.INFO else f"{record.levelname.lower()}: {text}"


def setup_logging(level: int = logging.INFO, packages: Sequence[str] = OWN_PACKAGES) -> None:
    """Log ``packages`` at ``level`` (others at WARNING, INFO when debugging) to stderr, one short
    line a record. Idempotent: replaces the handler a previous call added and leaves any other (a
    test runner's) in place."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(_ShortFormatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO if level <= logging.DEBUG else logging.WARNING)
    for name in packages:
        logging.getLogger(name).setLevel(level)


_ABOUT_THE_OPTIONS = ("unrecognized arguments", "the following arguments are required", "one of the arguments")
"""Beginnings of argparse's messages about which options a command has rather than about a value."""


def _raise_usage_error(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    """``ArgumentParser.error`` inside ``one_line_parse_errors``: argparse's message as a ``UsageError``;
    one about an unknown or a missing option says where the options are listed (argparse's usage
    block would have shown them)."""
    if message.startswith(_ABOUT_THE_OPTIONS):
        message = f"{message} ({parser.prog} --help lists the options)"
    raise UsageError(message)


@contextlib.contextmanager
def one_line_parse_errors() -> Iterator[None]:
    """Within the block, every argparse parser (a script's, its sub-parsers, a pre-parser) raises its
    error as a ``UsageError`` (``cli_main``: one line, exit 2) instead of printing its usage block
    and exiting. ``--help`` is untouched."""
    saved = argparse.ArgumentParser.error
    argparse.ArgumentParser.error = _raise_usage_error  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        argparse.ArgumentParser.error = saved  # type: ignore[method-assign]


def cli_main(main: Callable[[list[str]], Any], argv: list[str] | None = None,
             setup: Callable[[int], None] = setup_logging) -> None:
    """Run a script's ``main`` on its command line (default ``sys.argv[1:]``) less ``-q`` / ``-v``,
    after ``setup(level)``; a ``UsageError`` (an argparse error included) becomes one line on
    stderr and exit 2, Ctrl-C one line and exit 130."""
    try:
        level, args = split_logging_arguments(list(sys.argv[1:] if argv is None else argv))
    except UsageError as err:
        setup(logging.INFO)
        logger.error("%s", err)
        sys.exit(2)
    setup(level)
    try:
        with one_line_parse_errors():
            main(args)
    except UsageError as err:
        logger.error("%s", err)
        sys.exit(2)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C (e.g. forwarded by mpiexec) during exit
        logger.warning("interrupted; the outputs written so far are complete: re-run to resume")
        sys.exit(130)
    except SystemExit as stop:
        if stop.code in (0, None) and asks_for_help(args):  # argparse printed the script's own options
            try:
                print(logging_help(), end="", flush=True)
            except BrokenPipeError:  # `--help | head` closed the pipe: the reader has what it wanted
                _stdout_to_devnull()
        raise
    except BrokenPipeError:  # output piped into a reader that stopped early (`| head`): no traceback
        _stdout_to_devnull()
        sys.exit(1)


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not raise on the closed pipe
    again (the recipe of Python's signal module documentation, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
