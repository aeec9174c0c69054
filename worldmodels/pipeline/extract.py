"""Collect random-policy episodes into ``record/`` (step 1 of the pipeline).

One worker runs ``num_episodes`` kept episodes through one environment and writes each as
``record/<worker>_<seed>_<index>.npz`` (``worldmodels.data`` format) with the continuous action
the policy produced (what M is fed), the processed frames, the reward and the done flag.

Episode ``index`` is seeded from ``(seed, index)`` alone, so a re-run of the same worker
reproduces the same episodes and RESUMES: files already present are counted and skipped.
Episodes of ``min_frames`` frames or fewer are dropped [orig doomrnn: keeps > 100 frames]; a
re-run replays those (they are short by definition) and drops them again. Workers with different
``worker``/``seed`` never write the same name, so they can share one ``record/`` folder.

SIGTERM (extract.bash stopping its workers on Ctrl-C) ends a worker as Ctrl-C would: the episode
it was writing is deleted, never left half-written, and the worker exits with status 143.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm import tqdm

from estool.arguments import SEED, float_in, int_in
from estool.files import check_writable_folder
from worldmodels.config import EnvSpec
from worldmodels.data import RECORD_SUFFIX, save_episode
from worldmodels.envs.base import Policy
from worldmodels.fileio import WorldModelsError


@dataclass(frozen=True)
class ExtractConfig:
    """One extraction worker."""

    num_episodes: int = 200
    """Episodes to keep (write) [orig doomrnn/extract.py: 200 trials per worker]."""
    seed: int = 0
    """Worker seed; episode i is seeded from (seed, i). Give every parallel worker its own."""
    out_dir: Path = Path("record")
    """Folder the episode files go to (shared by all workers)."""
    min_frames: int = 0
    """Drop episodes of min_frames frames or fewer (Doom: 100 [orig doomrnn])."""
    max_frames: int = 1000
    """Stop an episode after this many frames (Doom 2100 [paper]; CarRacing 1000 [orig])."""
    worker: int = 0
    """Worker id, part of the file names."""
    max_attempts: int | None = None
    """Give up after this many episodes were played (default 10 x num_episodes + 10)."""
    progress: bool = True
    """Show a tqdm bar."""

    def __post_init__(self) -> None:
        for name in ("num_episodes", "seed", "min_frames", "worker"):
            if getattr(self, name) < 0:
                raise WorldModelsError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_frames <= self.min_frames:
            raise WorldModelsError(f"max_frames ({self.max_frames}) must exceed min_frames ({self.min_frames})")

    def episode_path(self, index: int) -> Path:
        return Path(self.out_dir) / f"{self.worker}_{self.seed}_{index:05d}{RECORD_SUFFIX}"

    def episode_rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, index]))


def play_episode(env: gym.Env, policy: Policy, action_to_env: Callable[[np.ndarray], Any],
                 rng: np.random.Generator, max_frames: int) -> dict[str, np.ndarray]:
    """One episode: obs[t] is the frame action[t] was taken on; done[-1] = 1 if the game ended it.
    Where the game's info carries ``action_mask`` (games with invalid moves), mask[t] (bool) holds
    the actions that were valid on frame t: the target of M's mask head (``worldmodels.mask_head``)."""
    policy.reset(rng)
    obs, info = env.reset(seed=int(rng.integers(2**31 - 1)))
    frames, actions, rewards, dones, masks = [], [], [], [], []
    for _ in range(max_frames):
        action = np.atleast_1d(np.asarray(policy(obs), dtype=np.float32))
        frames.append(obs)
        actions.append(action)
        if "action_mask" in info:  # a game with invalid moves: the valid actions on this frame
            masks.append(np.asarray(info["action_mask"], bool))
        obs, reward, terminated, truncated, info = env.step(action_to_env(action))
        rewards.append(reward)
        dones.append(terminated)
        if terminated or truncated:
            break
    episode: dict[str, np.ndarray] = {"obs": np.stack(frames).astype(np.uint8), "action": np.stack(actions),
                                      "reward": np.asarray(rewards, np.float32),
                                      "done": np.asarray(dones, np.float32)}
    if len(masks) == len(frames):
        episode["mask"] = np.stack(masks)
    return episode


@contextlib.contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """While inside, SIGTERM raises ``SystemExit(143)`` (128 + 15, a shell's status for it) instead
    of ending the process on the spot, so ``finally`` blocks and ``atomic_path`` clean up."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_extract(cfg: ExtractConfig, make_env: Callable[[], gym.Env],
                make_policy: Callable[[np.random.Generator], Policy],
                action_to_env: Callable[[np.ndarray], Any]) -> int:
    """Write ``cfg.num_episodes`` kept episodes (resuming); return how many this run wrote."""
    out_dir = Path(cfg.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    max_attempts = cfg.max_attempts if cfg.max_attempts is not None else 10 * cfg.num_episodes + 10
    kept = written = dropped = 0
    index = 0
    env: gym.Env | None = None
    with exit_on_sigterm():  # extract.bash stops its workers with SIGTERM
        bar = tqdm(total=cfg.num_episodes, desc=f"worker {cfg.worker}", unit="ep",
                   position=cfg.worker, disable=not cfg.progress, dynamic_ncols=True)
        try:
            while kept < cfg.num_episodes:
                if index >= max_attempts:
                    raise WorldModelsError(
                        f"only {kept} of {cfg.num_episodes} episodes were longer than min_frames="
                        f"{cfg.min_frames} after {index} attempts; lower --min_frames")
                path = cfg.episode_path(index)
                if path.exists():  # written by an earlier run (writes are atomic: it is complete)
                    kept += 1
                    bar.update(1)
                else:
                    if env is None:
                        env = make_env()
                        policy = make_policy(np.random.default_rng(cfg.seed))
                    episode = play_episode(env, policy, action_to_env, cfg.episode_rng(index), cfg.max_frames)
                    length = len(episode["obs"])
                    if length > cfg.min_frames:
                        save_episode(path, **episode)
                        kept += 1
                        written += 1
                        bar.update(1)
                    else:
                        dropped += 1
                    bar.set_postfix(frames=length, dropped=dropped)
                index += 1
        finally:
            bar.close()
            if env is not None:
                env.close()
        return written


def add_extract_args(parser: argparse.ArgumentParser, defaults: ExtractConfig) -> None:
    """The command-line options of ``ExtractConfig`` (defaults from ``defaults``)."""
    # 0 is allowed: extract.bash gives a worker no episodes when there are fewer episodes than workers
    parser.add_argument("--num_episodes", type=int_in(0), default=defaults.num_episodes,
                        help="episodes to keep (default %(default)s)")
    parser.add_argument("--seed", type=SEED, default=defaults.seed, help="worker seed (default %(default)s)")
    parser.add_argument("--worker", type=int_in(0), default=defaults.worker, help="worker id (default %(default)s)")
    parser.add_argument("--out_dir", type=Path, default=defaults.out_dir, help="record folder (default %(default)s)")
    parser.add_argument("--min_frames", type=int_in(0), default=defaults.min_frames,
                        help="drop episodes of this many frames or fewer (default %(default)s)")
    parser.add_argument("--max_frames", type=int_in(1), default=defaults.max_frames,
                        help="frame cap per episode (default %(default)s)")
    parser.add_argument("--no_progress", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace, defaults: ExtractConfig) -> ExtractConfig:
    check_writable_folder(args.out_dir, "--out_dir")
    return ExtractConfig(num_episodes=args.num_episodes, seed=args.seed, out_dir=args.out_dir,
                         min_frames=args.min_frames, max_frames=args.max_frames, worker=args.worker,
                         max_attempts=defaults.max_attempts, progress=not args.no_progress)


def add_agent_args(parser: argparse.ArgumentParser, vae: Path, rnn: Path, explore: float = 0.1) -> None:
    """Options of the agent's own play (``--controller`` with ``--explore``, ``--vae``, ``--rnn``):
    the new data of iterative training [paper sec. 5] (``worldmodels.agent_policy``)."""
    own = parser.add_argument_group("the agent's own play (iterative training)")
    own.add_argument("--controller", type=Path, default=None, help="C that plays (default: the extraction policy)")
    own.add_argument("--explore", type=float_in(0.0, 1.0), default=explore,
                     help="probability of a random move instead of C's (default %(default)s)")
    own.add_argument("--vae", type=Path, default=vae, help="V (default %(default)s)")
    own.add_argument("--rnn", type=Path, default=rnn, help="M (default %(default)s)")


def agent_policy_factory(spec: EnvSpec, args: argparse.Namespace, valid_actions: Callable[[], np.ndarray] | None = None
                         ) -> Callable[[np.random.Generator], Policy]:
    """``make_policy`` for ``run_extract`` that plays ``args.controller`` with ``args.vae`` and ``args.rnn``
    (``add_agent_args``): V, M and C are read here, so a wrong file is one line before any episode."""
    from worldmodels.agent_policy import AgentPolicy
    from worldmodels.evaluators import load_agent
    from worldmodels.formats import read_controller
    params = read_controller(args.controller, spec.controller.num_params)
    agent = load_agent(spec, args.vae, args.rnn)
    return lambda rng: AgentPolicy(agent, params, args.explore, valid_actions)
