"""The dream of a game with invalid moves: M's mask head, C confined to the moves it allows (issue #27)."""

from __future__ import annotations

import numpy as np
import pytest

import worldmodels.dream as dream_module
from tests.blas_platform import ROWWISE_NEEDS_AVX512
from tests.test_dream import initial_z, random_rnn
from worldmodels.config import ControllerConfig, DreamConfig, RNNConfig
from worldmodels.dream import DreamEnv, VectorDream, dream_rollouts
from worldmodels.fileio import WorldModelsError
from worldmodels.mask_head import MaskHead, mask_path

Z, H, A = 3, 8, 4
CFG = RNNConfig(z_size=Z, action_size=A, hidden_units=H, use_restart=True, done_head=True, reward_head=True)
C = ControllerConfig(input_size=Z + H, output_size=A, use_bias=True, action="argmax", features="zh")
MASKED = DreamConfig(temperature=1.0, max_steps=40, action_mask=True, use_done_head=False,
                     no_valid_action_reward=-100.0)


def head(seed: int = 0, bias: float | None = None) -> MaskHead:
    """Action 0 always allowed; the others by a random linear rule of [z, h] (about half the time)."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((Z + H, A)).astype(np.float32)
    b = np.zeros(A, np.float32)
    w[:, 0], b[0] = 0.0, 10.0
    if bias is not None:
        w[:] = 0.0
        b[:] = bias
    return MaskHead(w=w, b=b)


def params(n: int, favourite: int | None = None, seed: int = 3) -> np.ndarray:
    p = (np.random.default_rng(seed).standard_normal((n, C.num_params)) * 0.5).astype(np.float32)
    if favourite is not None:  # a huge bias on one action: C's first choice on every frame
        p[:, favourite] = 100.0  # the bias comes first (worldmodels.controller.split_params)
    return p


def test_c_plays_only_the_moves_the_head_allows(monkeypatch):
    rnn, mask = random_rnn(CFG, seed=5), head(seed=6)
    played: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    step = VectorDream.step

    def spy(self, m_action, rows):
        played.append((self.valid_actions(rows), np.asarray(m_action).argmax(axis=1), rows))
        return step(self, m_action, rows)

    monkeypatch.setattr(dream_module.VectorDream, "step", spy)
    mu, logvar = initial_z(z=Z)
    rewards, steps = dream_rollouts(rnn, C, params(3, favourite=2), mu, logvar, MASKED, np.arange(6).reshape(3, 2),
                                    mask_head=mask)
    np.testing.assert_array_equal(steps, 40)
    allowed = np.concatenate([v[np.arange(len(a)), a] for v, a, _ in played])
    assert allowed.all()
    chosen = np.concatenate([a for _, a, _ in played])
    favourite_allowed = np.concatenate([v[:, 2] for v, _, _ in played])
    # C's favourite where the head allows it, another move where it does not
    assert (chosen[favourite_allowed] == 2).all() and (chosen[~favourite_allowed] != 2).all()
    assert 0.1 < favourite_allowed.mean() < 0.9, favourite_allowed.mean()


def test_a_frame_with_no_allowed_move_ends_the_episode_with_the_penalty():
    rnn = random_rnn(CFG, seed=5, reward=1.0)
    mu, logvar = initial_z(z=Z)
    rewards, steps = dream_rollouts(rnn, C, params(2), mu, logvar, MASKED, np.arange(4).reshape(2, 2),
                                    mask_head=head(bias=-5.0))
    np.testing.assert_array_equal(steps, 1)
    np.testing.assert_allclose(rewards, -100.0)


def test_without_the_done_head_an_episode_lasts_the_cap():
    rnn = random_rnn(CFG, seed=5, done_bias=50.0)  # the done head fires on every step
    mu, logvar = initial_z(z=Z)
    _, steps = dream_rollouts(rnn, C, params(2), mu, logvar, MASKED, np.arange(4).reshape(2, 2), mask_head=head())
    np.testing.assert_array_equal(steps, 40)
    with_head = DreamConfig(temperature=1.0, max_steps=40, action_mask=True)
    _, steps = dream_rollouts(rnn, C, params(2), mu, logvar, with_head, np.arange(4).reshape(2, 2), mask_head=head())
    np.testing.assert_array_equal(steps, 1)


def test_a_masked_dream_refuses_to_run_without_its_head():
    mu, logvar = initial_z(z=Z)
    with pytest.raises(WorldModelsError, match="mask head"):
        dream_rollouts(random_rnn(CFG), C, params(1), mu, logvar, MASKED, np.zeros((1, 1), int))


@ROWWISE_NEEDS_AVX512
def test_an_episode_is_the_same_in_any_batch_with_a_mask():
    rnn, mask = random_rnn(CFG, seed=8, scale=0.3), head(seed=9)
    mu, logvar = initial_z(n=6, z=Z)
    p = params(5, seed=10)
    seeds = np.random.default_rng(11).integers(0, 2**31 - 1, (5, 2))
    cfg = DreamConfig(temperature=1.0, max_steps=60, action_mask=True, use_done_head=False)
    rewards, steps = dream_rollouts(rnn, C, p, mu, logvar, cfg, seeds, mask_head=mask)
    for idx in np.array_split(np.arange(5), 3):
        r, s = dream_rollouts(rnn, C, p[idx], mu, logvar, cfg, seeds[idx], mask_head=mask)
        np.testing.assert_array_equal(r, rewards[idx])
        np.testing.assert_array_equal(s, steps[idx])


def test_dream_env_reports_the_mask_and_ends_on_a_forbidden_move():
    rnn = random_rnn(CFG, seed=5)
    mu, logvar = initial_z(z=Z)
    env = DreamEnv(rnn, mu, logvar, MASKED, C, mask_head=head(bias=-5.0))
    _, info = env.reset(seed=0)
    assert info["action_mask"].tolist() == [False] * A
    _, reward, terminated, truncated, info = env.step(1)
    assert (reward, terminated, truncated, info["invalid"]) == (-100.0, True, False, True)
    env = DreamEnv(rnn, mu, logvar, MASKED, C, mask_head=head(bias=5.0))
    _, info = env.reset(seed=0)
    _, _, terminated, _, info = env.step(3)
    assert not terminated and info["action_mask"].all()


def test_mask_head_file_round_trip_and_errors(tmp_path):
    m = head(seed=1)
    path = mask_path(tmp_path / "tf_rnn" / "rnn.npz")
    assert path == tmp_path / "tf_rnn" / "mask.npz"
    path.parent.mkdir()
    m.save(path, CFG)
    back = MaskHead.load(path, CFG)
    z, h = np.ones((2, Z), np.float32), np.ones((2, H), np.float32)
    np.testing.assert_array_equal(back.logits(z, h), m.logits(z, h))
    other = RNNConfig(z_size=Z, action_size=A, hidden_units=2 * H)
    with pytest.raises(WorldModelsError, match="fitted on another M"):
        MaskHead.load(path, other)
    with pytest.raises(WorldModelsError, match="run fit_mask.py"):
        MaskHead.load(tmp_path / "nothing.npz", CFG)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(WorldModelsError, match="corrupt"):
        MaskHead.load(tmp_path / "bad.npz", CFG)
    # a row's logits do not depend on the rows beside it (the dream's episodes do not depend on their batch)
    rows = np.random.default_rng(2).standard_normal((9, Z + H)).astype(np.float32)
    alone = np.concatenate([m.logits(r[None, :Z], r[None, Z:]) for r in rows])
    np.testing.assert_array_equal(alone, m.logits(rows[:, :Z], rows[:, Z:]))
