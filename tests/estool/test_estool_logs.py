"""The checkpoint names the library versions that wrote it and says so when they no longer fit."""

from __future__ import annotations

import json
import logging
import pickle

import numpy as np
import pytest

from estool.es import make_optimizer
from estool.logs import CHECKPOINT_VERSION, TrainState, library_versions, load_checkpoint, save_checkpoint
from worldmodels.fileio import WorldModelsError


def _state() -> TrainState:
    es = make_optimizer("cma", num_params=4, popsize=6, sigma_init=0.1, weight_decay=0.01, seed=3)
    es.ask()
    es.tell(np.arange(6.0))
    return TrainState(es=es, num_params=4, popsize=6, optimizer="cma", generation=1)


def _rewrite_header(path, **changes):
    header_line, payload = path.read_bytes().split(b"\n", 1)
    header = json.loads(header_line)
    for key, value in changes.items():
        if key == "version":
            header["version"] = value
        else:
            header["libraries"][key] = value
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def test_header_names_format_and_versions(tmp_path):
    path = tmp_path / "es.pkl"
    save_checkpoint(path, _state())
    header = json.loads(path.read_bytes().split(b"\n", 1)[0])
    assert header["version"] == CHECKPOINT_VERSION
    assert header["libraries"] == library_versions()
    assert set(header["libraries"]) == {"python", "cma", "numpy"}
    state = load_checkpoint(path)
    assert state.generation == 1
    np.testing.assert_array_equal(state.es.current_param(), _state().es.current_param())


def test_other_cma_version_that_unpickles_resumes_with_a_warning(tmp_path, caplog):
    path = tmp_path / "es.pkl"
    save_checkpoint(path, _state())
    _rewrite_header(path, cma="0.0.1")
    with caplog.at_level(logging.WARNING, logger="estool.logs"):
        assert load_checkpoint(path).generation == 1
    assert "cma 0.0.1" in caplog.text


def test_other_cma_version_that_fails_names_both_versions_and_the_pin(tmp_path):
    path = tmp_path / "es.pkl"
    save_checkpoint(path, _state())
    _rewrite_header(path, cma="0.0.1")
    header_line, payload = path.read_bytes().split(b"\n", 1)
    path.write_bytes(header_line + b"\n" + payload[: len(payload) // 2])  # what an incompatible class does
    with pytest.raises(WorldModelsError) as err:
        load_checkpoint(path)
    message = str(err.value)
    assert "cma 0.0.1" in message and f"cma {library_versions()['cma']}" in message
    assert "pip install 'cma==0.0.1'" in message and "--fresh" in message and "\n" not in message


def test_unknown_format_version_is_one_line(tmp_path):
    path = tmp_path / "es.pkl"
    save_checkpoint(path, _state())
    _rewrite_header(path, version=CHECKPOINT_VERSION + 1)
    with pytest.raises(WorldModelsError, match=f"format version {CHECKPOINT_VERSION + 1}"):
        load_checkpoint(path)


def test_version_1_bare_pickle_still_loads(tmp_path):
    path = tmp_path / "es.pkl"
    state = _state()
    state.version = 1
    path.write_bytes(pickle.dumps(state))
    assert load_checkpoint(path).generation == 1


@pytest.mark.parametrize("content", [b"", b"{not json\n", b'{"format": "other"}\n', b"garbage"])
def test_corrupt_checkpoint_is_one_line(tmp_path, content):
    path = tmp_path / "es.pkl"
    path.write_bytes(content)
    with pytest.raises(WorldModelsError, match="--fresh"):
        load_checkpoint(path)
