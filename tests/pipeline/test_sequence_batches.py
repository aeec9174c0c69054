"""M's training batches: done targets from the recorded flags, no target across a capped end."""

from __future__ import annotations

import numpy as np

from worldmodels.config import RNNConfig
from worldmodels.data import Series
from worldmodels.pipeline.rnn_train import SequenceBatches


def test_done_target_and_cut_episodes():
    # two episodes: the first cut by a step cap (done 0), the second ended by the game (done 1)
    lengths = np.array([4, 3])
    n = int(lengths.sum())
    mu = np.arange(n, dtype=np.float32)[:, None].repeat(2, axis=1)
    series = Series(mu=mu, logvar=np.full((n, 2), -30.0, np.float32), action=np.zeros((n, 1), np.float32),
                    episode_lengths=lengths, done=np.array([0, 0, 0, 0, 0, 0, 1], np.float32))
    cfg = RNNConfig(z_size=2, action_size=1, hidden_units=4, use_restart=True, done_head=True, seq_len=6,
                    batch_size=1, episode_aligned=False)
    x, y, w = SequenceBatches(series, cfg).batch(np.array([[0, 7]]))
    assert x.shape == (1, 6, 4) and y.shape == (1, 6, 3) and w.shape == (1, 6)
    np.testing.assert_array_equal(x[0, :, -1], [1, 0, 0, 0, 1, 0])       # restart flags
    np.testing.assert_allclose(y[0, :, 0], [1, 2, 3, 4, 5, 6], atol=1e-4)  # z targets: the next frame
    np.testing.assert_array_equal(y[0, :, 2], [0, 0, 0, 0, 0, 0])        # no death inside the window
    np.testing.assert_array_equal(w[0], [1, 1, 1, 0, 1, 1])              # frame 3 -> next episode: cut
    _, y, w = SequenceBatches(series, cfg).batch(np.array([[1, 6]]))
    np.testing.assert_array_equal(y[0, :5, 2], [0, 0, 0, 0, 0])
    x, y, w = SequenceBatches(series, RNNConfig(**{**cfg.__dict__, "seq_len": 2})).batch(np.array([[4, 3]]))
    np.testing.assert_array_equal(y[0, :, 2], [0, 0])
    # a window ending on the game's end: the done target sits on the last frame's step
    s2 = Series(mu=mu[:3], logvar=series.logvar[:3], action=series.action[:3], episode_lengths=np.array([3]),
                done=np.array([0, 0, 1], np.float32))
    x, y, w = SequenceBatches(s2, RNNConfig(**{**cfg.__dict__, "seq_len": 2})).batch(np.array([[0, 3]]))
    np.testing.assert_array_equal(y[0, :, 2], [0, 0])
    np.testing.assert_array_equal(w[0], [1, 1])


def test_without_done_flags_every_episode_end_is_a_death():
    lengths = np.array([2, 2])
    mu = np.zeros((4, 2), np.float32)
    series = Series(mu=mu, logvar=mu - 30, action=np.zeros((4, 1), np.float32), episode_lengths=lengths)
    cfg = RNNConfig(z_size=2, action_size=1, hidden_units=4, use_restart=True, done_head=True, seq_len=3,
                    batch_size=1, episode_aligned=False)
    _, y, w = SequenceBatches(series, cfg).batch(np.array([[0, 4]]))
    np.testing.assert_array_equal(y[0, :, 2], [0, 1, 0])
    np.testing.assert_array_equal(w[0], [1, 1, 1])
