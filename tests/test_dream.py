"""The dream: vectorised rollouts (shapes, caps, done head, seeds, per-candidate rows), DreamEnv."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from worldmodels.config import ControllerConfig, DreamConfig, RNNConfig
from worldmodels.dream import DreamEnv, dream_rollouts
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights

Z, H = 3, 8
DOOMLIKE = RNNConfig(z_size=Z, action_size=1, hidden_units=H, use_restart=True, done_head=True)
# the dream feeds M C's tanh output a, as Doom's C does (its game action, by thirds, is never used here)
DOOMLIKE_C = ControllerConfig(input_size=Z + 2 * H, output_size=1, use_bias=False, action="tanh", features="zch")


def random_rnn(cfg: RNNConfig, seed: int = 0, done_bias: float | None = None, scale: float = 0.4,
               done_w_scale: float | None = None, reward: float | None = None) -> NumpyMDNRNN:
    """Random M. ``done_bias`` sets the done head's bias; its weights are multiplied by
    ``done_w_scale``, which defaults to 0 when a bias is given (a constant done logit).
    ``reward`` makes the reward head constant."""
    rng = np.random.default_rng(seed)
    h4 = 4 * cfg.hidden_units

    def r(*shape):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = RNNWeights(kernel=r(cfg.input_size, h4), recurrent=r(cfg.hidden_units, h4), bias=r(h4),
                   output_w=r(cfg.hidden_units, cfg.output_size), output_b=r(cfg.output_size))
    if cfg.done_head and done_bias is not None:
        w.output_w[:, 0] *= 0.0 if done_w_scale is None else done_w_scale
        w.output_b[0] = done_bias
    if reward is not None:
        w.output_w[:, -1] = 0.0
        w.output_b[-1] = reward
    return NumpyMDNRNN(w, cfg)


def initial_z(n: int = 4, z: int = Z, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, z)).astype(np.float32), np.full((n, z), -2.0, np.float32)


def _params(n: int, cfg: ControllerConfig = DOOMLIKE_C, seed: int = 2) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((n, cfg.num_params)) * 0.5).astype(np.float32)


def test_shapes_and_step_cap():
    mu, logvar = initial_z()
    seeds = np.arange(15).reshape(5, 3)
    rewards, steps = dream_rollouts(random_rnn(DOOMLIKE, done_bias=-50.0), DOOMLIKE_C, _params(5), mu, logvar,
                                    DreamConfig(temperature=1.15, max_steps=12, reward_per_step=1.0), seeds)
    assert rewards.shape == steps.shape == (5, 3)
    np.testing.assert_array_equal(steps, 12)
    np.testing.assert_allclose(rewards, 12.0)
    # max_len caps below the config's cap
    _, steps = dream_rollouts(random_rnn(DOOMLIKE, done_bias=-50.0), DOOMLIKE_C, _params(5), mu, logvar,
                              DreamConfig(max_steps=12), seeds, max_len=4)
    np.testing.assert_array_equal(steps, 4)


def test_done_head_large_positive_bias_ends_every_episode_after_one_step():
    mu, logvar = initial_z()
    rewards, steps = dream_rollouts(random_rnn(DOOMLIKE, done_bias=50.0), DOOMLIKE_C, _params(4), mu, logvar,
                                    DreamConfig(max_steps=100, reward_per_step=2.0), np.arange(8).reshape(4, 2))
    np.testing.assert_array_equal(steps, 1)
    np.testing.assert_allclose(rewards, 2.0)


def test_all_rollouts_end_by_the_cap_with_a_random_done_head():
    mu, logvar = initial_z()
    rnn = random_rnn(DOOMLIKE, seed=5, scale=1.0)
    _, steps = dream_rollouts(rnn, DOOMLIKE_C, _params(8, seed=6) * 4, mu, logvar,
                              DreamConfig(max_steps=40), np.arange(64).reshape(8, 8))
    assert steps.min() >= 1 and steps.max() <= 40


def test_reproducible_for_the_same_seeds():
    mu, logvar = initial_z()
    rnn = random_rnn(DOOMLIKE, seed=7, scale=0.8, done_w_scale=3.0, done_bias=-1.0)  # episodes of varied length
    cfg = DreamConfig(temperature=1.25, max_steps=60)
    params = _params(6, seed=8) * 3
    seeds = np.arange(100, 124).reshape(6, 4)
    r1, s1 = dream_rollouts(rnn, DOOMLIKE_C, params, mu, logvar, cfg, seeds)
    r2, s2 = dream_rollouts(rnn, DOOMLIKE_C, params, mu, logvar, cfg, seeds)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(r1, r2)
    assert len(np.unique(s1)) > 3, s1  # lengths vary, so the comparison means something
    _, s3 = dream_rollouts(rnn, DOOMLIKE_C, params, mu, logvar, cfg, seeds + 1000)
    assert not np.array_equal(s1, s3)


def test_reward_head_gives_the_reward():
    cfg = RNNConfig(z_size=Z, action_size=1, hidden_units=H, reward_head=True)
    rnn = random_rnn(cfg, seed=9, reward=0.25)
    mu, logvar = initial_z()
    c_cfg = ControllerConfig(input_size=Z + H, output_size=1, use_bias=False, action="tanh", features="zh")
    rewards, steps = dream_rollouts(rnn, c_cfg, _params(2, c_cfg), mu, logvar, DreamConfig(max_steps=7),
                                    np.arange(4).reshape(2, 2))
    np.testing.assert_array_equal(steps, 7)
    np.testing.assert_allclose(rewards, 7 * 0.25, rtol=1e-6)


def test_done_reward_replaces_the_reward_heads_on_the_ending_step():
    """CarRacing: the reward head pays the ordinary steps, the step the done head ends scores the
    game's -100 (leaving the playfield) in its place; the cap's last step keeps the head's reward."""
    cfg = RNNConfig(z_size=Z, action_size=1, hidden_units=H, done_head=True, reward_head=True)
    c_cfg = ControllerConfig(input_size=Z + H, output_size=1, use_bias=False, action="tanh", features="zh")
    mu, logvar = initial_z()
    seeds = np.arange(4).reshape(2, 2)
    ends_at_once = random_rnn(cfg, seed=9, done_bias=50.0, reward=0.25)
    rewards, steps = dream_rollouts(ends_at_once, c_cfg, _params(2, c_cfg), mu, logvar,
                                    DreamConfig(max_steps=7, done_reward=-100.0), seeds)
    np.testing.assert_array_equal(steps, 1)
    np.testing.assert_allclose(rewards, -100.0)
    rewards, _ = dream_rollouts(ends_at_once, c_cfg, _params(2, c_cfg), mu, logvar, DreamConfig(max_steps=7), seeds)
    np.testing.assert_allclose(rewards, 0.25, rtol=1e-6)  # None: the head's reward on that step too
    never_ends = random_rnn(cfg, seed=9, done_bias=-50.0, reward=0.25)
    rewards, steps = dream_rollouts(never_ends, c_cfg, _params(2, c_cfg), mu, logvar,
                                    DreamConfig(max_steps=7, done_reward=-100.0), seeds)
    np.testing.assert_array_equal(steps, 7)
    np.testing.assert_allclose(rewards, 7 * 0.25, rtol=1e-6)
    with pytest.raises(Exception, match="done_reward"):
        DreamConfig(done_reward=float("nan"))


# ----------------------------------------------------------------------------------------------
# candidate-specific lengths: M's done logit depends on the action C feeds it

ACTION_RATE_C = ControllerConfig(input_size=2 + 2, output_size=1, use_bias=True, action="tanh", features="zh")


def counting_rnn() -> NumpyMDNRNN:
    """An M whose cell 0 adds tanh(a) every step (input, forget, output gates saturated open) and
    whose done logit is 10 h0 - 5: an episode ends at the first t with tanh(t * tanh(a)) > 0.5."""
    cfg = RNNConfig(z_size=2, action_size=1, hidden_units=2, use_restart=True, done_head=True)
    h = cfg.hidden_units
    kernel = np.zeros((cfg.input_size, 4 * h), np.float32)
    kernel[2, 2 * h] = 1.0                   # action -> candidate gate g of unit 0 (Keras order i, f, c, o)
    bias = np.zeros(4 * h, np.float32)
    bias[:2 * h] = 20.0                      # i, f ~ 1
    bias[3 * h:] = 20.0                      # o ~ 1
    output_w = np.zeros((h, cfg.output_size), np.float32)
    output_b = np.zeros(cfg.output_size, np.float32)
    output_w[0, 0], output_b[0] = 10.0, -5.0
    w = RNNWeights(kernel=kernel, recurrent=np.zeros((h, 4 * h), np.float32), bias=bias, output_w=output_w,
                   output_b=output_b)
    return NumpyMDNRNN(w, cfg)


def expected_length(rate: float, cap: int) -> int:
    for t in range(1, cap + 1):
        if np.tanh(t * rate) > 0.5:
            return t
    return cap


def test_candidates_get_their_own_lengths():
    rates = np.array([0.07, -0.5, 0.3, 0.04, 0.12, 0.0])  # tanh(a) per candidate
    cap = 30
    expected = [expected_length(r, cap) for r in rates]
    assert expected == [8, 30, 2, 14, 5, 30]
    params = np.zeros((len(rates), ACTION_RATE_C.num_params), np.float32)
    params[:, 0] = np.arctanh(np.arctanh(rates))  # C's bias: a = tanh(b) with tanh(a) = rate; W = 0
    mu, logvar = initial_z(z=2)
    seeds = np.arange(len(rates) * 3).reshape(len(rates), 3)
    rnn = counting_rnn()
    cfg = DreamConfig(temperature=1.0, max_steps=cap)
    _, steps = dream_rollouts(rnn, ACTION_RATE_C, params, mu, logvar, cfg, seeds)
    np.testing.assert_array_equal(steps, np.repeat(np.array(expected)[:, None], 3, axis=1))
    # each candidate alone gives the same as its row of the batch
    for i in range(len(rates)):
        _, alone = dream_rollouts(rnn, ACTION_RATE_C, params[i:i + 1], mu, logvar, cfg, seeds[i:i + 1])
        np.testing.assert_array_equal(alone[0], steps[i])
    # tiling one candidate n times gives n identical rows
    _, tiled = dream_rollouts(rnn, ACTION_RATE_C, np.tile(params[4], (4, 1)), mu, logvar, cfg,
                              np.arange(8).reshape(4, 2))
    np.testing.assert_array_equal(tiled, expected[4])


# ----------------------------------------------------------------------------------------------
# DreamEnv


def _check_env(env) -> None:
    from gymnasium.utils.env_checker import check_env
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings about unbounded observation spaces are fine here
        check_env(env, skip_render_check=True)


def test_dream_env_box_passes_check_env_and_ends_like_the_batch():
    mu, logvar = initial_z()
    env = DreamEnv(random_rnn(DOOMLIKE, seed=11, done_bias=-50.0), mu, logvar, DreamConfig(max_steps=5), DOOMLIKE_C)
    _check_env(env)
    obs, _ = env.reset(seed=3)
    assert obs.shape == (Z + 2 * H,) and obs.dtype == np.float32
    np.testing.assert_array_equal(obs[Z:], 0.0)  # c and h start at zero
    for t in range(5):
        obs, reward, terminated, truncated, _ = env.step(np.array([0.2], np.float32))
        assert reward == 1.0 and not terminated
        assert truncated == (t == 4)
    env_end = DreamEnv(random_rnn(DOOMLIKE, seed=11, done_bias=50.0), mu, logvar, DreamConfig(max_steps=5), DOOMLIKE_C)
    env_end.reset(seed=3)
    _, _, terminated, truncated, _ = env_end.step(env_end.action_space.sample())
    assert terminated and not truncated


def test_dream_env_discrete_passes_check_env():
    cfg = RNNConfig(z_size=Z, action_size=4, hidden_units=H)
    c_cfg = ControllerConfig(input_size=Z + H, output_size=4, action="argmax", features="zh")
    mu, logvar = initial_z()
    env = DreamEnv(random_rnn(cfg, seed=12), mu, logvar, DreamConfig(max_steps=10), c_cfg)
    assert env.action_space.n == 4
    _check_env(env)
    env.reset(seed=0)
    o1 = [env.step(a)[0] for a in (0, 3, 1)]
    env.reset(seed=0)
    o2 = [env.step(a)[0] for a in (0, 3, 1)]
    np.testing.assert_array_equal(o1, o2)
    env.reset(seed=0)
    o3 = [env.step(a)[0] for a in (2, 2, 2)]
    assert not np.allclose(o1[-1][Z:], o3[-1][Z:])  # the action reaches M


def test_dream_env_decode_frame_uses_v():
    class FakeV:
        def decode(self, z):
            return np.broadcast_to(z[:, :1, None, None], (len(z), 64, 64, 3))

    mu, logvar = initial_z()
    env = DreamEnv(random_rnn(DOOMLIKE, seed=13), mu, logvar, DreamConfig(max_steps=5), DOOMLIKE_C)
    obs, _ = env.reset(seed=1)
    frame = env.decode_frame(FakeV())
    assert frame.shape == (64, 64, 3)
    assert frame[0, 0, 0] == pytest.approx(obs[0])


# ----------------------------------------------------------------------------------------------
# issue #30: an episode depends on its seed and its candidate alone, not on the batch it is played in

MID = RNNConfig(z_size=16, action_size=1, hidden_units=64, use_restart=True, done_head=True)
MID_C = ControllerConfig(input_size=16 + 2 * 64, output_size=1, use_bias=False, action="tanh", features="zch")
# M's products here have K x N of 21,248 and 16,448 (LSTM, mixture head): batches of up to 47 and
# 60 rows would take BLAS's gemv / small-matrix paths without worldmodels.rowwise's padding


def test_an_episode_is_the_same_in_any_batch():
    """Split over 1, 2, 3 or 7 workers as estool's MPIPool splits the population, or played alone,
    candidate i's episode of seed s gives the same reward and length to the last bit."""
    rnn = random_rnn(MID, seed=21, scale=0.3, done_w_scale=1.0, done_bias=-1.0)  # lengths 3..101
    mu, logvar = initial_z(n=10, z=MID.z_size)
    cfg = DreamConfig(temperature=1.15, max_steps=150)
    params = _params(7, MID_C, seed=22)
    seeds = np.random.default_rng(23).integers(0, 2**31 - 1, (7, 3))
    rewards, steps = dream_rollouts(rnn, MID_C, params, mu, logvar, cfg, seeds)
    assert len(np.unique(steps)) > 5, steps  # lengths vary: a changed draw would show
    for workers in (2, 3, 7):
        shares = [dream_rollouts(rnn, MID_C, params[idx], mu, logvar, cfg, seeds[idx])
                  for idx in np.array_split(np.arange(7), workers)]
        np.testing.assert_array_equal(np.concatenate([r for r, _ in shares]), rewards)
        np.testing.assert_array_equal(np.concatenate([s for _, s in shares]), steps)
    for i, e in [(0, 0), (3, 2), (6, 1)]:
        r, s = dream_rollouts(rnn, MID_C, params[i:i + 1], mu, logvar, cfg, seeds[i:i + 1, e:e + 1])
        assert (r[0, 0], s[0, 0]) == (rewards[i, e], steps[i, e])
    # the candidates in another order, each with its seeds: the same episodes, in that order
    order = np.array([4, 0, 6, 2, 5, 1, 3])
    r, s = dream_rollouts(rnn, MID_C, params[order], mu, logvar, cfg, seeds[order])
    np.testing.assert_array_equal(r, rewards[order])
    np.testing.assert_array_equal(s, steps[order])
