"""Command-line options built from the config dataclasses, so a setting is declared once.

A field of a frozen config (``worldmodels.config``), with its docstring, becomes the option
``--<field>``: its type, its default and its help text come from the field (CleanRL's style of
args, with tyro's docstrings as help). The dataclass's own ``__post_init__`` checks a value, in
one place for every script: as the option is parsed (``argparse`` refuses it with the config's
message, under ``cli_main`` one line and exit 2: ``error: --temperature (tau) must be a finite
number > 0, got 0.0``) and again when ``from_options`` puts the values given back into the config
through ``dataclasses.replace``.

    add_options(parser, spec.dream, ("temperature",))      # default: this environment's value
    add_options(parser, DreamConfig, ("temperature",))     # default None: the environment's, later
    dream = from_options(parser.parse_args(argv), spec.dream)
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import inspect
import textwrap
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from estool.files import UsageError

T = TypeVar("T")

_PARSERS: dict[Any, type] = {int: int, float: float, str: str}
"""Field types an option can parse (a bool or a path has its own option where it is needed)."""


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """{field: its docstring, on one line}: the string literal after each field in ``cls``'s source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]  # the ClassDef
    docs: dict[str, str] = {}
    for node, after in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _field(cls: type, name: str) -> tuple[type, str]:
    """(the parser of field ``name`` of ``cls``, its help text)."""
    hints = typing.get_type_hints(cls)
    if name not in {f.name for f in dataclasses.fields(cls)}:
        raise TypeError(f"{cls.__name__} has no field {name!r}")
    if hints[name] not in _PARSERS:
        raise TypeError(f"{cls.__name__}.{name}: no option for type {hints[name]!r}")
    return _PARSERS[hints[name]], field_docs(cls).get(name, "")


def _checked(config: Any, name: str, parse: type) -> Callable[[str], Any]:
    """The ``type`` of option ``--name``: ``parse`` the text, then check the value by building the
    config with it (a config class: with its defaults otherwise). A refused value is argparse's
    error with the config's own message, which names the option, the value and the range."""
    def parse_and_check(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            kind = "an integer" if parse is int else "a number"
            raise argparse.ArgumentTypeError(f"must be {kind}, got {text!r}") from None
        try:
            config(**{name: value}) if isinstance(config, type) else dataclasses.replace(config, **{name: value})
        except UsageError as err:  # ArgumentError(None, ...): the message alone, it names the option itself
            raise argparse.ArgumentError(None, str(err)) from None
        return value

    return parse_and_check


def _dest(cls: type, name: str) -> str:
    """Where the option's value lands in the namespace: ``DreamConfig.temperature``, so that
    ``from_options`` takes exactly the options ``add_options`` made (``--max_steps`` is
    ``RolloutConfig.max_steps``, not ``DreamConfig.max_steps``)."""
    return f"{cls.__name__}.{name}"


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, config: Any,
                names: tuple[str, ...]) -> None:
    """``--<name>`` for each field ``names`` of ``config``, a config instance (its values are the
    defaults) or a config class (default None: the value of the config ``from_options`` is given)."""
    cls = config if isinstance(config, type) else type(config)
    for name in names:
        parse, doc = _field(cls, name)
        doc = doc.replace("%", "%%")  # argparse formats help with %
        if isinstance(config, type):
            default, shown = None, "the environment's"
        else:
            default, shown = getattr(config, name), "%(default)s"
        parser.add_argument(f"--{name}", dest=_dest(cls, name), metavar=name.upper(),
                            type=_checked(config, name, parse), default=default, help=f"{doc} (default: {shown})")


def from_options(args: argparse.Namespace, config: T) -> T:
    """``config`` with the values of the options ``add_options`` made for its class (None: keep
    ``config``'s), checked by the config's own ``__post_init__``."""
    cls = type(config)
    given = {f.name: value for f in dataclasses.fields(cls)  # type: ignore[arg-type]
             if (value := getattr(args, _dest(cls, f.name), None)) is not None}
    return dataclasses.replace(config, **given)  # type: ignore[type-var]
