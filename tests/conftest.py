"""Shared fixtures: the repository root on sys.path, quiet TensorFlow, the reference folder."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference" / "original"
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # pygame (CarRacing) never opens a window in tests

# TensorFlow first: seen once on this machine, importing it late in a process that already held
# pygame, Box2D, ALE, scipy and zmq crashed in TF's self-check (a segfault in pywrap_tensorflow).
import tensorflow  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _signal_dispositions():
    """Each test leaves SIGINT and SIGTERM as it found them: estool's exit path after a Ctrl-C
    ignores SIGINT, and an ignored signal is inherited by every child a later test starts."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        if signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


@pytest.fixture
def reference() -> Path:
    """../shared/reference/original, or skip when it is absent (it is never committed)."""
    if not REFERENCE.is_dir():
        pytest.skip(f"reference files not found at {REFERENCE}")
    return REFERENCE
