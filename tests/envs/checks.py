"""Helpers shared by the environment tests: a scripted rollout and gymnasium's env checker."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env


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


def registered(gym_id: str, entry_point: str, **kwargs: Any) -> gym.Env:
    """gym.make of our environment under ``gym_id`` (registered on first use), so it has a spec."""
    if gym_id not in gym.registry:
        gym.register(gym_id, entry_point=entry_point)
    return gym.make(gym_id, **kwargs)


def checker_warnings(env: gym.Env, ignore: Iterable[str] = (), **kwargs: Any) -> list[str]:
    """gymnasium's check_env on ``env``; the warnings it gave, minus those containing an ``ignore`` text."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, **kwargs)
    ignore = tuple(ignore)
    return [str(w.message) for w in caught if not any(text in str(w.message) for text in ignore)]
