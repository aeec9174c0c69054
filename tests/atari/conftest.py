"""Fixtures of the Atari tests."""

from __future__ import annotations

import numpy as np
import pytest

from worldmodels.mdnrnn import RNNWeights


def _fake_rnn(path, spec) -> None:
    """Write zero M weights shaped for ``spec.rnn`` (action count and heads are what matter)."""
    cfg = spec.rnn
    h4 = 4 * cfg.hidden_units
    RNNWeights(np.zeros((cfg.input_size, h4)), np.zeros((cfg.hidden_units, h4)), np.zeros(h4),
               np.zeros((cfg.hidden_units, cfg.output_size)), np.zeros(cfg.output_size)).save(path, cfg)


@pytest.fixture
def fake_rnn():
    return _fake_rnn
