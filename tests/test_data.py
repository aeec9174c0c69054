"""Episode records, the streaming frame loader (coverage, corrupt files, bounded memory), series."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from worldmodels import data
from worldmodels.data import FrameStream, Series
from worldmodels.fileio import WorldModelsError


def _frames_with_ids(first_id: int, n: int) -> np.ndarray:
    """(n, 64, 64, 3) uint8 frames; pixel (0, 0) encodes a unique id in its first two channels."""
    obs = np.zeros((n, 64, 64, 3), np.uint8)
    ids = np.arange(first_id, first_id + n)
    obs[:, 0, 0, 0], obs[:, 0, 0, 1] = ids % 256, ids // 256
    obs[:, 1:, :, 2] = (ids % 251)[:, None, None]  # some content
    return obs


def _ids(batch: np.ndarray) -> np.ndarray:
    return batch[:, 0, 0, 0].astype(np.int64) + 256 * batch[:, 0, 0, 1].astype(np.int64)


def _write_episodes(folder: Path, lengths: list[int]) -> list[Path]:
    paths, next_id = [], 0
    for k, n in enumerate(lengths):
        path = folder / f"ep{k:03d}.npz"
        data.save_episode(path, _frames_with_ids(next_id, n), np.zeros((n, 1), np.float32))
        paths.append(path)
        next_id += n
    return paths


# ----------------------------------------------------------------------------------------------
# episode files


def test_save_load_episode_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    obs = rng.integers(0, 256, (6, 64, 64, 3), dtype=np.uint8)
    action = rng.uniform(-1, 1, 6)  # 1-D actions become (T, 1)
    reward = rng.standard_normal(6).astype(np.float32)
    done = np.array([0, 0, 0, 0, 0, 1], np.float32)
    data.save_episode(tmp_path / "a.npz", obs, action, reward=reward, done=done)
    back = data.load_episode(tmp_path / "a.npz", keys=("obs", "action", "reward", "done"))
    np.testing.assert_array_equal(back["obs"], obs)
    assert back["action"].shape == (6, 1) and back["action"].dtype == np.float32
    np.testing.assert_allclose(back["action"][:, 0], action, rtol=1e-6)
    np.testing.assert_array_equal(back["reward"], reward)
    np.testing.assert_array_equal(back["done"], done)
    assert data.episode_length(tmp_path / "a.npz") == 6
    assert not list(tmp_path.glob(".*"))  # no temp file left behind
    with pytest.raises(AssertionError):
        data.save_episode(tmp_path / "b.npz", obs.astype(np.float32), action)
    with pytest.raises(AssertionError):
        data.save_episode(tmp_path / "b.npz", obs, action[:5])


@pytest.mark.parametrize("content", [b"garbage", "half"])
def test_corrupt_episode_names_the_file(tmp_path, content):
    path = tmp_path / "ep.npz"
    data.save_episode(path, np.zeros((3, 64, 64, 3), np.uint8), np.zeros((3, 1)))
    raw = path.read_bytes()
    path.write_bytes(raw[:len(raw) // 2] if content == "half" else content)
    with pytest.raises(WorldModelsError, match=r"ep\.npz.*corrupt"):
        data.load_episode(path)
    with pytest.raises(WorldModelsError, match=r"ep\.npz.*corrupt"):
        data.episode_length(path)


def test_episode_missing_keys_or_bad_obs(tmp_path):
    np.savez(tmp_path / "nokey.npz", obs=np.zeros((2, 64, 64, 3), np.uint8))
    with pytest.raises(WorldModelsError, match=r"nokey\.npz lacks \['action'\]"):
        data.load_episode(tmp_path / "nokey.npz")
    np.savez(tmp_path / "float.npz", obs=np.zeros((2, 64, 64, 3), np.float32), action=np.zeros((2, 1)))
    with pytest.raises(WorldModelsError, match="uint8"):
        data.load_episode(tmp_path / "float.npz")


def test_list_episodes_ignores_dotfiles_and_explains_a_missing_folder(tmp_path):
    _write_episodes(tmp_path, [2, 2, 2])
    (tmp_path / ".ep999.npz.abc123.npz").write_bytes(b"in progress")  # a temp file of atomic_savez
    (tmp_path / "notes.txt").write_text("x")
    files = data.list_episodes(tmp_path)
    assert [f.name for f in files] == ["ep000.npz", "ep001.npz", "ep002.npz"]
    with pytest.raises(WorldModelsError, match=r"no episodes in .*missing.*run extract\.py first"):
        data.list_episodes(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WorldModelsError, match="run extract.bash first"):
        data.list_episodes(tmp_path / "empty", step_hint="extract.bash")


# ----------------------------------------------------------------------------------------------
# FrameStream


def test_frame_stream_serves_every_frame_once_per_epoch(tmp_path):
    lengths = [7, 13, 10, 9, 11]  # 50 frames, batch 10, pools of 2 episodes: leftovers must carry
    files = _write_episodes(tmp_path, lengths)
    stream = FrameStream(files, batch_size=10, pool_episodes=2, seed=0)
    orders = []
    for _ in range(2):
        batches = list(stream.epoch())
        assert all(b.shape == (10, 64, 64, 3) and b.dtype == np.uint8 for b in batches)
        ids = np.concatenate([_ids(b) for b in batches])
        np.testing.assert_array_equal(np.sort(ids), np.arange(50))
        orders.append(ids)
    assert not np.array_equal(orders[0], orders[1])  # reshuffled each epoch
    assert not np.array_equal(orders[0], np.arange(50))  # frames are shuffled, not in file order
    assert stream.skipped == []


def test_frame_stream_max_frames_and_partial_last_batch(tmp_path):
    files = _write_episodes(tmp_path, [7, 13, 10, 9, 11])
    capped = list(FrameStream(files, batch_size=10, pool_episodes=2, max_frames=20).epoch())
    assert len(capped) == 2
    batches = list(FrameStream(files, batch_size=8, pool_episodes=2).epoch())
    ids = np.concatenate([_ids(b) for b in batches])
    assert len(batches) == 6 and len(np.unique(ids)) == 48  # 50 // 8 full batches, no repeats


def test_frame_stream_skips_and_lists_corrupt_files(tmp_path, caplog):
    files = _write_episodes(tmp_path, [10, 10, 10, 10])
    files[2].write_bytes(b"corrupt")
    stream = FrameStream(files, batch_size=5, pool_episodes=3, seed=1)
    ids = np.concatenate([_ids(b) for b in stream.epoch()])
    np.testing.assert_array_equal(np.sort(ids), np.r_[0:20, 30:40])
    assert stream.skipped == [files[2]]
    assert "ep002.npz" in caplog.text and caplog.records[0].levelname == "WARNING"  # a warning, on stderr


def _peak_bytes_of_one_epoch(files: list[Path]) -> int:
    stream = FrameStream(files, batch_size=10, pool_episodes=2, seed=0)
    tracemalloc.start()
    try:
        n = 0
        for batch in stream.epoch():
            n += len(batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 10 * (sum(data.episode_length(f) for f in files) // 10)
    return peak


def test_frame_stream_memory_is_bounded_by_the_pool(tmp_path):
    (tmp_path / "few").mkdir()
    (tmp_path / "many").mkdir()
    few = _write_episodes(tmp_path / "few", [40] * 4)
    many = _write_episodes(tmp_path / "many", [40] * 16)
    episode_bytes = 40 * 64 * 64 * 3
    peak_few = _peak_bytes_of_one_epoch(few)
    peak_many = _peak_bytes_of_one_epoch(many)
    # 4x the episodes, the same peak (give or take); and far below holding all 16 episodes
    assert peak_many < 1.3 * peak_few, (peak_few, peak_many)
    assert peak_many < 0.6 * 16 * episode_bytes, (peak_many, 16 * episode_bytes)


# ----------------------------------------------------------------------------------------------
# Series


def test_series_save_load_and_restart_flags(tmp_path):
    rng = np.random.default_rng(2)
    lengths = np.array([3, 1, 4], np.int64)
    n = int(lengths.sum())
    mu = rng.standard_normal((n, 5)).astype(np.float32)
    logvar = rng.standard_normal((n, 5)).astype(np.float32)
    action = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    done = np.zeros(n, np.float32)
    done[[2, 3, 7]] = 1.0
    s = Series(mu=mu, logvar=logvar, action=action, episode_lengths=lengths, done=done)
    np.testing.assert_array_equal(s.restart, [1, 0, 0, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(s.episode_starts, [0, 3, 4])
    s.save(tmp_path / "series" / "series.npz")
    back = Series.load(tmp_path / "series" / "series.npz")
    assert back.mu.dtype == np.float16 and back.logvar.dtype == np.float16  # as [orig] series.py
    np.testing.assert_allclose(back.mu, mu, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(back.logvar, logvar, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(back.action, action)
    np.testing.assert_array_equal(back.episode_lengths, lengths)
    np.testing.assert_array_equal(back.done, done)
    assert back.reward is None and back.mask is None
    np.testing.assert_array_equal(back.restart, s.restart)
    # a game with invalid moves: each frame's valid actions ride along, bool
    mask = rng.random((n, 3)) > 0.5
    Series(mu=mu, logvar=logvar, action=action, episode_lengths=lengths, mask=mask).save(tmp_path / "m.npz")
    back = Series.load(tmp_path / "m.npz")
    assert back.mask is not None and back.mask.dtype == bool
    np.testing.assert_array_equal(back.mask, mask)


def test_series_errors(tmp_path):
    with pytest.raises(WorldModelsError, match="run series.py first"):
        Series.load(tmp_path / "none.npz")
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(WorldModelsError, match="corrupt.*re-run series.py"):
        Series.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "partial.npz", mu=np.zeros((2, 3)))
    with pytest.raises(WorldModelsError, match="corrupt"):
        Series.load(tmp_path / "partial.npz")
    with pytest.raises(AssertionError):
        Series(mu=np.zeros((4, 2)), logvar=np.zeros((4, 2)), action=np.zeros((4, 1)),
               episode_lengths=np.array([2, 3]))


def test_series_concatenate_keeps_episodes_in_order_and_checks_the_parts():
    rng = np.random.default_rng(0)

    def part(lengths, with_done=True):
        n = int(sum(lengths))
        return Series(mu=rng.standard_normal((n, 3)).astype(np.float32), logvar=np.zeros((n, 3), np.float32),
                      action=rng.standard_normal((n, 1)).astype(np.float32), episode_lengths=np.array(lengths),
                      done=np.zeros(n, np.float32) if with_done else None)

    a, b = part([4, 5]), part([3])
    joined = Series.concatenate([a, b])
    assert joined.episode_lengths.tolist() == [4, 5, 3] and np.array_equal(joined.mu[9:], b.mu)
    assert joined.restart.tolist() == [1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0] and len(joined.done) == 12
    assert joined.reward is None
    with pytest.raises(WorldModelsError, match="'done' is in some and not in others"):
        Series.concatenate([a, part([2], with_done=False)], names=["a.npz", "b.npz"])
    with pytest.raises(WorldModelsError, match="no series"):
        Series.concatenate([])
