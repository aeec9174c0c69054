"""V's and M's epoch checkpoints (worldmodels/pipeline/training.py): the weights file and checkpoint.json
are one pair. A run killed between the two writes resumes from the previous pair; a pair that does not
match is one error line; a checkpoint written before the pair was versioned still resumes. Tiny M."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import numpy as np
import pytest

from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.fileio import WorldModelsError

RNN_CFG = RNNConfig(z_size=4, action_size=1, hidden_units=8, seq_len=10, batch_size=2, learning_rate=1e-2,
                    min_learning_rate=1e-2, episode_aligned=True)
STEPS = 2  # batches per epoch


@pytest.fixture()
def tcfg(tmp_path):
    from worldmodels.pipeline.rnn_train import RNNTrainConfig
    rng = np.random.default_rng(0)
    n = 4 * 11  # 4 episodes of seq_len + 1 frames
    Series(mu=rng.standard_normal((n, 4)).astype(np.float32), logvar=np.full((n, 4), -2.0, np.float32),
           action=rng.uniform(-1, 1, (n, 1)).astype(np.float32), episode_lengths=np.full(4, 11)).save(
        tmp_path / "series.npz")
    return RNNTrainConfig(rnn=RNN_CFG, series_path=tmp_path / "series.npz", out_dir=tmp_path / "tf_rnn", epochs=1,
                          steps_per_epoch=STEPS, tensorboard=False)


def _state(cfg) -> dict:
    return json.loads((cfg.out_dir / "checkpoint.json").read_text())


def _weight_files(cfg) -> list[str]:
    return sorted(p.name for p in cfg.out_dir.iterdir() if p.name.endswith(".weights.h5"))


def _iterations(path) -> int:
    import h5py
    with h5py.File(path, "r") as f:
        return int(f["optimizer/vars/0"][()])  # the optimiser's step counter


def test_checkpoint_json_names_and_hashes_its_weights_file(tcfg):
    from worldmodels.pipeline import rnn_train, training
    rnn_train.train(tcfg)
    state = _state(tcfg)
    assert state["epochs_done"] == 1 and state["weights"] == "checkpoint-0001.weights.h5"
    assert state["sha256"] == training.sha256(tcfg.out_dir / state["weights"])
    rnn_train.train(replace(tcfg, epochs=2))
    assert _state(tcfg)["weights"] == "checkpoint-0002.weights.h5"
    assert _weight_files(tcfg) == ["checkpoint-0002.weights.h5"]  # the older pair goes once the JSON moved on


def test_a_run_killed_between_the_two_writes_resumes_from_the_previous_pair(tcfg, monkeypatch, caplog):
    from worldmodels.pipeline import rnn_train, training
    rnn_train.train(tcfg)
    before = _state(tcfg)

    def killed(path, obj):  # the process dies after the weights file, before checkpoint.json
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "atomic_write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        rnn_train.train(replace(tcfg, epochs=2))
    assert _state(tcfg) == before  # still the pair of epoch 1, both files intact
    assert _weight_files(tcfg) == ["checkpoint-0001.weights.h5", "checkpoint-0002.weights.h5"]
    assert training.read_checkpoint(tcfg.out_dir)[1].name == "checkpoint-0001.weights.h5"

    monkeypatch.undo()
    caplog.set_level(logging.INFO, logger="worldmodels")
    rnn_train.train(replace(tcfg, epochs=2))
    assert "after epoch 1" in caplog.text  # epoch 2 is trained again, from epoch 1's weights and step counter
    assert _state(tcfg)["epochs_done"] == 2 and _weight_files(tcfg) == ["checkpoint-0002.weights.h5"]
    assert _iterations(tcfg.out_dir / "checkpoint-0002.weights.h5") == 2 * STEPS


def test_a_pair_that_does_not_match_is_one_line(tcfg):
    from worldmodels.pipeline import rnn_train
    rnn_train.train(tcfg)
    weights = tcfg.out_dir / "checkpoint-0001.weights.h5"
    good = weights.read_bytes()
    weights.write_bytes(good[:-10] + b"0123456789")
    with pytest.raises(WorldModelsError, match=r"SHA-256 differs\); re-run with --fresh"):
        rnn_train.train(replace(tcfg, epochs=2))
    weights.unlink()
    with pytest.raises(WorldModelsError, match="names checkpoint-0001.weights.h5, which is missing"):
        rnn_train.train(replace(tcfg, epochs=2))
    rnn_train.train(replace(tcfg, epochs=2, fresh=True))  # --fresh starts over
    assert _state(tcfg)["epochs_done"] == 2


def test_a_checkpoint_of_before_the_versioned_pair_resumes(tcfg, caplog):
    from worldmodels.pipeline import rnn_train
    rnn_train.train(tcfg)
    (tcfg.out_dir / "checkpoint-0001.weights.h5").rename(tcfg.out_dir / "checkpoint.weights.h5")
    (tcfg.out_dir / "checkpoint.json").write_text(json.dumps({"epochs_done": 1, "loss": 1.0}))
    caplog.set_level(logging.INFO, logger="worldmodels")
    rnn_train.train(replace(tcfg, epochs=2))
    assert "checkpoint.weights.h5 after epoch 1" in caplog.text
    assert _weight_files(tcfg) == ["checkpoint-0002.weights.h5"]
