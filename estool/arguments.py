"""Number options that check their range where they are declared.

``type=int_in(1)`` or ``type=float_in(0, 1, lo_open=True)`` in ``add_argument`` parses the text
and refuses a value out of range (and, for floats, NaN and infinities) with argparse's own error,
which names the option: ``argument --episodes: must be an integer >= 1, got '0'``. Under
``estool.cli.cli_main`` that is the script's one error line and exit status 2. ``check`` applies
the same rule to a value that did not come from a command line (a config built in code)::

    parser.add_argument("--episodes", type=int_in(1), default=100)
    parser.add_argument("--seed", type=SEED, default=0)
    SEED.check(cfg.seed, "--seed")     # UsageError: --seed must be an integer in [0, 2147483647], got -1
"""

from __future__ import annotations

import argparse
import math
import numbers
from dataclasses import dataclass

from estool.files import UsageError


@dataclass(frozen=True)
class Number:
    """An argparse ``type``: ``kind`` (int or float) within [lo, hi] (an end may be open or absent).

    Floats must be finite: no option of these scripts means anything by NaN or an infinity."""

    kind: type
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def __post_init__(self) -> None:
        if self.kind not in (int, float):
            raise TypeError(f"Number parses int or float, not {self.kind!r}")
        if self.lo is not None and self.hi is not None and not self.lo <= self.hi:
            raise ValueError(f"empty range: lo {self.lo} > hi {self.hi}")

    def describe(self) -> str:
        """What the option takes, for messages: 'an integer >= 1', 'a finite number in (0, 1]'."""
        what = "an integer" if self.kind is int else "a finite number"
        if self.lo is not None and self.hi is not None:
            return f"{what} in {'(' if self.lo_open else '['}{self.lo}, {self.hi}{')' if self.hi_open else ']'}"
        if self.lo is not None:
            return f"{what} {'>' if self.lo_open else '>='} {self.lo}"
        if self.hi is not None:
            return f"{what} {'<' if self.hi_open else '<='} {self.hi}"
        return what

    def accepts(self, value: float) -> bool:
        """Whether ``value`` is of this kind (an int for an integer option; never a bool) and in range."""
        if isinstance(value, bool) or not isinstance(value, numbers.Integral if self.kind is int else numbers.Real):
            return False
        if not math.isfinite(value):
            return False
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return self.hi is None or (value < self.hi if self.hi_open else value <= self.hi)

    def __call__(self, text: str) -> int | float:
        """The option's value from its text; ``argparse.ArgumentTypeError`` when it is not one."""
        try:
            value = self.kind(text)
        except ValueError:
            value = None
        if value is None or not self.accepts(value):
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got {text!r}")
        return value

    def check(self, value: float, option: str) -> None:
        """A ``UsageError`` naming ``option`` when ``value`` is out of range."""
        if not self.accepts(value):
            raise UsageError(f"{option} must be {self.describe()}, got {value!r}")


def int_in(lo: int | None = None, hi: int | None = None) -> Number:
    """An integer in [lo, hi]; None leaves that end open: ``int_in(1)`` is a count of at least one."""
    return Number(int, lo, hi)


def float_in(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
             hi_open: bool = False) -> Number:
    """A finite float in [lo, hi] (``lo_open`` / ``hi_open``: that end excluded); None: no bound."""
    return Number(float, lo, hi, lo_open, hi_open)


SEED_MAX = 2**31 - 1
"""The largest seed an option takes: the original's episode seeds lie in [0, 2^31 - 1) [orig
train.py's Seeder], and every seed here feeds numpy's or gymnasium's seeding, which refuse a
negative one."""

SEED = int_in(0, SEED_MAX)
"""A seed option: an integer in [0, 2^31 - 1]."""
