"""Real-environment rollouts: bookkeeping with fewer games than episodes, seeds, frames, masks."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from worldmodels import vae
from worldmodels.config import ControllerConfig, RNNConfig, VAEConfig
from worldmodels.controller import Controller, features
from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
from worldmodels.rollout import Z_NOISE_STREAM, Agent, real_rollouts

Z, H = 4, 6
VAE_CFG = VAEConfig(z_size=Z, channels=3)
RNN_CFG = RNNConfig(z_size=Z, action_size=1, hidden_units=H, use_restart=True)
C_CFG = ControllerConfig(input_size=Z + H, output_size=1, use_bias=True, action="doom", features="zh")
CAP = 20


class ActionEnv(gym.Env):
    """Discrete(3) game whose length depends on the actions: it ends (terminated) once the sum of
    actions reaches 6 + seed % 3, else is truncated at 20 steps; reward = action + 1 per step.
    Frames are random but fixed by the seed."""

    metadata = {"render_modes": ["rgb_array"]}
    observation_space = gym.spaces.Box(0, 255, (64, 64, 3), np.uint8)
    action_space = gym.spaces.Discrete(3)

    def __init__(self, blocked: int | None = None):
        self.render_mode = "rgb_array"
        self.blocked = blocked
        self.received: list[int] = []

    def _obs(self):
        return self.np_random.integers(0, 256, (64, 64, 3), dtype=np.uint8)

    def _info(self):
        mask = np.ones(3, bool)
        if self.blocked is not None:
            mask[self.blocked] = False
        return {"mask": mask}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        assert seed is not None, "real_rollouts must pass each episode's seed"
        self.t, self.total, self.goal = 0, 0, 6 + seed % 3
        return self._obs(), self._info()

    def step(self, action):
        action = int(action)
        assert self.action_space.contains(action), action
        self.received.append(action)
        self.t += 1
        self.total += action
        terminated = self.total >= self.goal
        truncated = self.t >= CAP and not terminated
        return self._obs(), float(action + 1), terminated, truncated, self._info()

    def render(self):
        return np.full((8, 8, 3), self.t, np.uint8)


def make_agent(seed: int = 0, cfg: ControllerConfig = C_CFG, action_mask=None) -> Agent:
    rng = np.random.default_rng(seed)
    weights = {name: ((rng.standard_normal(k) * 0.03).astype(np.float32),
                      (rng.standard_normal(b) * 0.1).astype(np.float32))
               for name, (k, b) in vae.weight_shapes(VAE_CFG).items()}
    rnn_cfg = RNN_CFG if cfg.output_size == 1 else RNNConfig(z_size=Z, action_size=cfg.output_size, hidden_units=H,
                                                                use_restart=True)
    h4 = 4 * H
    w = RNNWeights(kernel=(rng.standard_normal((rnn_cfg.input_size, h4)) * 0.5).astype(np.float32),
                   recurrent=(rng.standard_normal((H, h4)) * 0.5).astype(np.float32),
                   bias=(rng.standard_normal(h4) * 0.5).astype(np.float32),
                   output_w=(rng.standard_normal((H, rnn_cfg.output_size)) * 0.5).astype(np.float32),
                   output_b=np.zeros(rnn_cfg.output_size, np.float32))
    return Agent(vae=vae.NumpyVAE(weights, VAE_CFG), rnn=NumpyMDNRNN(w, rnn_cfg), controller_cfg=cfg,
                 action_mask=action_mask)


def constant_action_params(actions: list[int]) -> np.ndarray:
    """W = 0, bias -> tanh(b) = -0.96 (left=1), 0 (no-op=0), 0.96 (right=2)."""
    b = {1: -2.0, 0: 0.0, 2: 2.0}
    params = np.zeros((len(actions), C_CFG.num_params), np.float32)
    params[:, 0] = [b[a] for a in actions]
    return params


def test_bookkeeping_with_fewer_games_than_episodes():
    actions = [1, 2, 0]  # per candidate
    seeds = np.array([[10, 11, 12], [20, 21, 22], [30, 31, 32]])
    made = []

    def make_env():
        made.append(ActionEnv())
        return made[-1]

    rewards, steps, frames = real_rollouts(make_agent(), make_env, constant_action_params(actions), seeds,
                                           num_envs=2)
    assert len(made) == 2
    expected_steps = np.zeros((3, 3), np.int64)
    for i, a in enumerate(actions):
        for e in range(3):
            goal = 6 + seeds[i, e] % 3
            expected_steps[i, e] = CAP if a == 0 else -(-goal // a)
    np.testing.assert_array_equal(steps, expected_steps)
    np.testing.assert_allclose(rewards, expected_steps * (np.array(actions)[:, None] + 1))
    assert frames == [[] for _ in range(9)]
    assert sum(len(env.received) for env in made) == expected_steps.sum()


def _reference_episode(agent: Agent, params: np.ndarray, seed: int, z_noise: bool) -> tuple[float, int]:
    """One episode played step by step with V, M and C directly (no batching); with ``z_noise``
    z = mu + sigma * eps, eps from the episode's own generator."""
    env = ActionEnv()
    obs, _ = env.reset(seed=int(seed))
    noise = np.random.default_rng([int(seed), Z_NOISE_STREAM])
    h, c = agent.rnn.initial_state(1)
    ctrl = Controller(agent.controller_cfg, params)
    total, t = 0.0, 0
    while True:
        mu, logvar = agent.vae.encode_mu_logvar(obs[None])
        z = mu + np.exp(logvar / 2.0) * noise.standard_normal((1, Z), dtype=np.float32) if z_noise else mu
        env_a, m_a = ctrl.act(features(agent.controller_cfg, z, h, c))
        h, c, _ = agent.rnn.step(z, m_a, h, c, np.array([1.0 if t == 0 else 0.0]))
        obs, r, term, trunc, _ = env.step(env_a[0])
        total, t = total + r, t + 1
        if term or trunc:
            return total, t


def test_lockstep_games_equal_episodes_played_one_by_one():
    agent = make_agent(seed=1)
    rng = np.random.default_rng(2)
    params = (rng.standard_normal((3, C_CFG.num_params)) * 1.5).astype(np.float32)
    seeds = np.arange(100, 106).reshape(3, 2)
    for z_noise in (False, True):
        expected = np.array([[_reference_episode(agent, params[i], seeds[i, e], z_noise) for e in range(2)]
                             for i in range(3)])
        assert len(np.unique(expected[..., 1])) > 2, expected  # lengths vary with the actions taken
        for num_envs in (1, 4):
            rewards, steps, _ = real_rollouts(agent, ActionEnv, params, seeds, num_envs=num_envs, z_noise=z_noise)
            np.testing.assert_array_equal(steps, expected[..., 1], err_msg=f"num_envs={num_envs} z_noise={z_noise}")
            np.testing.assert_allclose(rewards, expected[..., 0], err_msg=f"num_envs={num_envs} z_noise={z_noise}")


def test_an_episode_depends_only_on_params_and_seed():
    """z noise is per episode: a candidate scores the same alone or batched with others."""
    agent = make_agent(seed=5)
    params = (np.random.default_rng(6).standard_normal((3, C_CFG.num_params)) * 1.5).astype(np.float32)
    seeds = np.array([[40, 41], [40, 41], [42, 43]])
    together, steps, _ = real_rollouts(agent, ActionEnv, params, seeds, num_envs=3)
    alone, alone_steps, _ = real_rollouts(agent, ActionEnv, params[1:2], seeds[1:2, ::-1], num_envs=1)
    np.testing.assert_allclose(alone[0, ::-1], together[1])
    np.testing.assert_array_equal(alone_steps[0, ::-1], steps[1])
    noiseless, _, _ = real_rollouts(agent, ActionEnv, params, seeds, num_envs=3, z_noise=False)
    assert not np.array_equal(noiseless, together), "z noise should change some episode"


def test_seeds_are_honoured():
    agent = make_agent(seed=3)
    params = (np.random.default_rng(4).standard_normal((2, C_CFG.num_params)) * 1.5).astype(np.float32)
    seeds = np.array([[5, 6, 7], [8, 9, 10]])
    a = real_rollouts(agent, ActionEnv, params, seeds, num_envs=2)
    b = real_rollouts(agent, ActionEnv, params, seeds, num_envs=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # other seeds: other goals (6 + seed % 3) for constant actions, so other lengths
    const = constant_action_params([1, 1])
    _, s1, _ = real_rollouts(agent, ActionEnv, const, seeds, num_envs=2)
    _, s2, _ = real_rollouts(agent, ActionEnv, const, seeds + 1, num_envs=2)
    np.testing.assert_array_equal(s1, 6 + seeds % 3)
    np.testing.assert_array_equal(s2, 6 + (seeds + 1) % 3)


def test_record_frames_and_max_len():
    agent = make_agent()
    seeds = np.array([[1, 2], [3, 4]])
    rewards, steps, frames = real_rollouts(agent, ActionEnv, constant_action_params([2, 0]), seeds, num_envs=3,
                                           record_frames=True)
    assert len(frames) == 4
    for j, (i, e) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        assert len(frames[j]) == steps[i, e] + 1  # the reset frame, then one per step
        assert [int(f[0, 0, 0]) for f in frames[j]] == list(range(steps[i, e] + 1))
    _, capped, _ = real_rollouts(agent, ActionEnv, constant_action_params([2, 0]), seeds, max_len=3)
    np.testing.assert_array_equal(capped, [[3, 3], [3, 3]])


def test_given_envs_are_reused_and_not_closed():
    closed = []

    class ClosingEnv(ActionEnv):
        def close(self):
            closed.append(self)

    envs = [ClosingEnv(), ClosingEnv()]
    real_rollouts(make_agent(), None, constant_action_params([1]), np.array([[0, 1, 2]]), envs=envs)
    assert closed == [] and all(env.received for env in envs)
    real_rollouts(make_agent(), ClosingEnv, constant_action_params([1]), np.array([[0, 1, 2]]), num_envs=2)
    assert len(closed) == 2  # its own games are closed


@pytest.mark.parametrize("blocked", [0, 2])
def test_action_mask_is_applied(blocked):
    cfg = ControllerConfig(input_size=Z + H, output_size=3, use_bias=True, action="argmax", features="zh")
    agent = make_agent(cfg=cfg, action_mask=lambda info: info["mask"])
    params = np.zeros((1, cfg.num_params), np.float32)
    params[0, blocked] = 10.0  # the blocked action has by far the highest logit
    envs = [ActionEnv(blocked=blocked)]
    _, steps, _ = real_rollouts(agent, None, params, np.array([[0, 1]]), envs=envs)
    assert envs[0].received and blocked not in envs[0].received


def test_a_v_only_controller_plays_without_stepping_m():
    from dataclasses import replace
    cfg = replace(C_CFG, input_size=Z, features="z")
    params = np.random.default_rng(5).standard_normal((2, cfg.num_params)).astype(np.float32)
    seeds = np.array([[0, 1], [2, 3]])
    stepped = make_agent(cfg=cfg)
    expected = real_rollouts(stepped, ActionEnv, params, seeds, num_envs=2, z_noise=True)[:2]

    class NoM:
        initial_state = stepped.rnn.initial_state

        def step(self, *args):
            raise AssertionError("M was stepped for a controller that reads z only")

    unstepped = replace(stepped, rnn=NoM())
    got = real_rollouts(unstepped, ActionEnv, params, seeds, num_envs=2, z_noise=True)[:2]
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)


class ListGame:
    """A ``VectorGame`` over ordinary envs: stepped one by one, reset per round with the given seeds."""

    def __init__(self, make_env, max_steps):
        self.make_env, self.max_steps, self.envs = make_env, max_steps, []

    def reset(self, seeds):
        self.envs = [self.make_env() for _ in seeds]
        self.steps = [0] * len(seeds)
        return np.stack([env.reset(seed=s)[0] for env, s in zip(self.envs, seeds)])

    def step(self, actions, ids):
        obs, rewards, ended = [], [], []
        for a, k in zip(actions, ids):
            o, r, term, trunc, _ = self.envs[k].step(a)
            self.steps[k] += 1
            obs.append(o), rewards.append(r), ended.append(term or trunc or self.steps[k] >= self.max_steps)
        return np.stack(obs), np.array(rewards), np.array(ended)

    def close(self):
        pass


def test_vector_rollouts_play_the_same_episodes_as_real_rollouts():
    from worldmodels.rollout import vector_rollouts
    agent = make_agent()
    params = np.random.default_rng(0).normal(0, 1.0, (2, C_CFG.num_params)).astype(np.float32)
    seeds = np.array([[3, 4, 5], [3, 6, 7]])
    expected, expected_steps, _ = real_rollouts(agent, ActionEnv, params, seeds, max_len=15, num_envs=4)
    assert len(set(expected_steps.ravel())) > 1  # episodes of several lengths: some wait for their round
    for num_envs in (1, 4, 8):
        rewards, steps = vector_rollouts(agent, ListGame(ActionEnv, CAP), params, seeds, max_len=15, num_envs=num_envs)
        np.testing.assert_array_equal(steps, expected_steps)
        np.testing.assert_allclose(rewards, expected, rtol=1e-5)
