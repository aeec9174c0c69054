"""Helpers shared by the environment tests: a scripted rollout (gymnasium's env checker runs on every id in
test_registration.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import gymnasium as gym
import numpy as np


def rollout(env: gym.Env, seed: int, actions: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Frames (first observation included) and rewards of ``actions`` from reset(seed), up to the end."""
    obs, _ = env.reset(seed=seed)
    frames, rewards = [obs], []
    for a in actions:
        obs, reward, terminated, truncated, _ = env.step(a)
        frames.append(obs)
        rewards.append(reward)
        if terminated or truncated:
            break
    return np.stack(frames), np.asarray(rewards)
