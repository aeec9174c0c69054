"""Does M's h tell C anything z does not? Linear probes from z, h and [z, h] on held-out episodes.

    python h_probe.py                                    # the shipped V and M, 40 random-policy episodes
    python h_probe.py --vae tf_vae/vae.npz --rnn tf_rnn/rnn.npz --episodes 60 --seed 5000
    python h_probe.py --controller trained/carracing.best.json    # episodes driven by that C (through V and M)

Plays ``--episodes`` episodes of gymnasium's CarRacing (FastCarRacing: the same frames), episode k
on seed S + k, with the extraction policy (the default: what M was trained on) or with a controller
(``--controller``), and records each frame, action, reward and the car's true speed. V encodes every frame
(z = mu), M runs over the episode as in a rollout (h_0 = 0, h_{t+1} = LSTM(z_t, a_t, h_t)), and ridge
regressions from z_t, h_t and [z_t, h_t] predict the step's reward r_t, the speed after the step
and z_{t+1}. They are fitted on the first half of the episodes (the penalty chosen on the last
quarter of those) and scored (R^2) on the second half.
V never sees the speed (the indicator bar is cropped [orig env.py]), so only h can carry it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from worldmodels.threads import one_thread_per_process  # noqa: E402  (before numpy loads)

one_thread_per_process()

from carracing.config import EPISODE_STEPS, SHIPPED, SPEC  # noqa: E402
from estool.arguments import SEED, int_in  # noqa: E402
from worldmodels.config import RolloutConfig  # noqa: E402
from worldmodels.fileio import WorldModelsError, atomic_write_json, cli_main  # noqa: E402
from worldmodels.options import add_options, from_options  # noqa: E402


def play_random(seeds: np.ndarray, max_steps: int) -> list[dict[str, np.ndarray]]:
    """Episodes of the extraction policy: frames (T+1), actions, rewards, speeds after each step (T)."""
    from worldmodels.envs.carracing import action_to_env, make, random_policy

    env = make(backend="fast", max_steps=max_steps)
    episodes = []
    for seed in seeds:
        policy = random_policy(np.random.default_rng([int(seed), 1]))
        obs, _ = env.reset(seed=int(seed))
        record = {"obs": [obs], "action": [], "reward": [], "speed": []}
        while True:
            action = policy(obs)
            obs, reward, terminated, truncated, _ = env.step(action_to_env(action))
            record["obs"].append(obs)
            record["action"].append(action)
            record["reward"].append(reward)
            record["speed"].append(env.unwrapped.progress()[1])
            if terminated or truncated:
                break
        episodes.append({k: np.asarray(v) for k, v in record.items()})
    env.close()
    return episodes


def play_controller(controller: Path, vae: Path, rnn: Path, seeds: np.ndarray, max_steps: int
                    ) -> list[dict[str, np.ndarray]]:
    """Episodes driven by ``controller`` through V and M (as model.py plays them), recorded."""
    import gymnasium as gym

    from worldmodels.envs.carracing import make
    from worldmodels.evaluators import load_agent
    from worldmodels.formats import read_controller
    from worldmodels.rollout import real_rollouts

    records: dict[int, dict[str, list]] = {}

    class Recorder(gym.Wrapper):
        def reset(self, *, seed=None, options=None):
            obs, info = self.env.reset(seed=seed, options=options)
            self.record = records[int(seed)] = {"obs": [obs], "action": [], "reward": [], "speed": []}
            return obs, info

        def step(self, action):
            obs, reward, terminated, truncated, info = self.env.step(action)
            for key, value in (("obs", obs), ("action", action), ("reward", reward),
                               ("speed", self.env.unwrapped.progress()[1])):
                self.record[key].append(value)
            return obs, reward, terminated, truncated, info

    params = read_controller(controller, SPEC.controller.num_params)
    agent = load_agent(SPEC, vae, rnn)
    real_rollouts(agent, lambda: Recorder(make(backend="fast", max_steps=max_steps)), params[None], seeds[None],
                  num_envs=8)
    return [{k: np.asarray(v, np.float32 if k != "obs" else np.uint8) for k, v in records[int(s)].items()}
            for s in seeds]


def probe_table(episodes: list[dict[str, np.ndarray]], vae: Path, rnn: Path) -> list[dict]:
    from worldmodels.mdnrnn import NumpyMDNRNN, RNNWeights
    from worldmodels.probe import hidden_states, probe
    from worldmodels.vae import NumpyVAE, load_weights

    v = NumpyVAE(load_weights(vae, SPEC.vae), SPEC.vae)
    m = NumpyMDNRNN(RNNWeights.load(rnn, SPEC.rnn), SPEC.rnn)
    rows = []
    for ep in episodes:
        z = np.concatenate([v.encode_mu_logvar(ep["obs"][i:i + 256])[0] for i in range(0, len(ep["obs"]), 256)])
        action = np.asarray(ep["action"], np.float32)
        h = hidden_states(m, z[:-1], action)
        rows.append({"z": z[:-1], "h": h, "zh": np.hstack([z[:-1], h]), "reward": np.asarray(ep["reward"])[:, None],
                     "speed": np.asarray(ep["speed"])[:, None], "next z": z[1:]})
    half = len(rows) // 2
    split = {key: (np.concatenate([r[key] for r in rows[:half]]), np.concatenate([r[key] for r in rows[half:]]))
             for key in rows[0]}
    results = probe({k: split[k] for k in ("z", "h", "zh")}, {k: split[k] for k in ("reward", "speed", "next z")})
    return [{"target": r.target, "features": r.features, "train_r2": r.train_r2, "test_r2": r.test_r2,
             "ridge": r.ridge, "train_steps": len(split["z"][0]), "test_steps": len(split["z"][1])} for r in results]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vae", type=Path, default=SHIPPED.vae, help="V weights (default: the shipped V)")
    parser.add_argument("--rnn", type=Path, default=SHIPPED.rnn, help="M weights (default: the shipped M)")
    parser.add_argument("--episodes", type=int_in(2), default=40, help="half fit the probes, half score them")
    parser.add_argument("--seed", type=SEED, default=5000, help="episode k plays seed S + k")
    add_options(parser, RolloutConfig(), ("max_steps",))  # 0: EPISODE_STEPS = 1000
    parser.add_argument("--controller", type=Path, default=None,
                        help="drive with this C (through --vae and --rnn) instead of the extraction policy")
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    max_steps = from_options(args, RolloutConfig()).max_steps or EPISODE_STEPS  # checks --max_steps >= 0
    if max_steps < 2:  # a probe pairs a step with the next
        raise WorldModelsError(f"--max_steps must be >= 2 (or 0: {EPISODE_STEPS}), got {max_steps}")
    for path in (args.vae, args.rnn, args.controller):
        if path is not None and not path.is_file():
            raise WorldModelsError(f"{path} not found")
    seeds = args.seed + np.arange(args.episodes, dtype=np.int64)
    if args.controller is None:
        episodes = play_random(seeds, max_steps)
    else:
        episodes = play_controller(args.controller, args.vae, args.rnn, seeds, max_steps)
    table = probe_table(episodes, args.vae, args.rnn)
    print(f"V {args.vae}, M {args.rnn}; {args.episodes} episodes from seed {args.seed} "
          f"({'extraction policy' if args.controller is None else args.controller}); "
          f"{table[0]['train_steps']} steps fit, {table[0]['test_steps']} held out")
    for row in table:
        print(f"{row['target']:>7} from {row['features']:<2}  R^2 held-out {row['test_r2']:.3f}  "
              f"(fit {row['train_r2']:.3f}, ridge {row['ridge']:g})")
    if args.json is not None:
        atomic_write_json(args.json, table)


if __name__ == "__main__":
    cli_main(main)
