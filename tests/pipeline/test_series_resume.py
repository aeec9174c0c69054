"""series.py resumes: a run killed part way keeps the episodes it encoded (series/series.partial/), a
re-run encodes only the rest, and the series and initial z are those of an uninterrupted run. Episodes
encoded by another V, or from a record file replaced since, are encoded again."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.pipeline.test_corrupt_records import VAE_CFG, record, series_cfg
from worldmodels.data import Series, save_episode
from worldmodels.pipeline import series as series_step
from worldmodels.vae import random_weights, save_weights

LENGTHS = (5, 6, 7, 8, 4)


class Counting:
    """``series.encode_episode`` that counts its calls and raises KeyboardInterrupt (a kill) at call ``stop``."""

    def __init__(self, stop: int | None = None):
        self.calls: list[str] = []
        self.stop = stop

    def __call__(self, model, path: Path, batch_size: int):
        if len(self.calls) == self.stop:
            raise KeyboardInterrupt
        self.calls.append(path.name)
        return ENCODE(model, path, batch_size)


ENCODE = series_step.encode_episode


def _partials(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "series" / "series.partial").glob("*/*.npz"))


def _same_series(a: Path, b: Path) -> None:
    with np.load(a) as x, np.load(b) as y:
        assert sorted(x.files) == sorted(y.files)
        for key in x.files:
            assert x[key].dtype == y[key].dtype
            np.testing.assert_array_equal(x[key], y[key], err_msg=key)


def test_a_killed_run_resumes_and_writes_what_an_uninterrupted_run_writes(tmp_path, monkeypatch):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    record(whole / "record", LENGTHS)
    shutil.copytree(whole / "record", killed / "record")  # copytree keeps the files' times
    shutil.copy(series_cfg(whole).vae_path, killed / "vae.npz")
    series_step.run(series_cfg(whole))

    first = Counting(stop=3)
    monkeypatch.setattr(series_step, "encode_episode", first)
    with pytest.raises(KeyboardInterrupt):
        series_step.run(series_cfg(killed))
    assert first.calls == ["ep0.npz", "ep1.npz", "ep2.npz"] and _partials(killed) == first.calls
    assert not (killed / "series" / "series.npz").exists()

    second = Counting()
    monkeypatch.setattr(series_step, "encode_episode", second)
    series_step.run(series_cfg(killed))
    assert second.calls == ["ep3.npz", "ep4.npz"]  # only what the killed run had not finished
    _same_series(killed / "series" / "series.npz", whole / "series" / "series.npz")
    assert (killed / "tf_initial_z" / "initial_z.json").read_text() == \
        (whole / "tf_initial_z" / "initial_z.json").read_text()
    assert not (killed / "series" / "series.partial").exists()  # done: the partial encodings are gone
    assert Series.load(killed / "series" / "series.npz").episode_lengths.tolist() == list(LENGTHS)


def test_encodings_of_another_v_or_an_older_record_file_are_not_reused(tmp_path, monkeypatch):
    record(tmp_path / "record", LENGTHS)
    monkeypatch.setattr(series_step, "encode_episode", Counting(stop=3))
    with pytest.raises(KeyboardInterrupt):
        series_step.run(series_cfg(tmp_path))
    old = list((tmp_path / "series" / "series.partial").iterdir())

    save_weights(tmp_path / "vae.npz", random_weights(VAE_CFG, np.random.default_rng(7)), VAE_CFG)  # a new V
    again = Counting(stop=2)
    monkeypatch.setattr(series_step, "encode_episode", again)
    with pytest.raises(KeyboardInterrupt):
        series_step.run(series_cfg(tmp_path))
    assert again.calls == ["ep0.npz", "ep1.npz"]  # from the start: the other V's encodings are of no use
    assert not any(p.exists() for p in old)  # and they are gone

    ep0 = tmp_path / "record" / "ep0.npz"  # re-extracted since: another file under the same name
    save_episode(ep0, np.zeros((9, 64, 64, 3), np.uint8), np.zeros((9, 1)))
    last = Counting()
    monkeypatch.setattr(series_step, "encode_episode", last)
    series = series_step.run(series_cfg(tmp_path))
    assert last.calls == ["ep0.npz", "ep2.npz", "ep3.npz", "ep4.npz"]
    assert series.episode_lengths.tolist() == [9, *LENGTHS[1:]]
