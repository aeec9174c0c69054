"""Gymnasium ids of every World Models game and of the dream, in the ``WorldModels/`` namespace.

* ``WorldModels/CarRacing-v0``: gymnasium's CarRacing-v3 as V sees it, 64x64 RGB (``carracing.CarRacingEnv``);
  kwargs ``CarRacingConfig`` fields, ``backend`` "fast" (default: ``FastCarRacing``, stock's frames,
  faster) or "stock".
* ``WorldModels/CarRacingEnvPool-v0``: the same over EnvPool's C++ CarRacing-v3, other tracks per
  seed: for extraction and training only (needs envpool).
* ``WorldModels/DoomTakeCover-v0``: vizdoom's take_cover.cfg (``doom.DoomTakeCoverEnv``); kwargs
  ``DoomConfig`` fields.
* ``WorldModels/Atari-v0``: an ale-py game under Machado et al. 2018's protocol (``atari.make``);
  kwargs ``game`` ("Pong" by default), ``max_steps`` and ``AtariConfig`` fields.
* ``WorldModels/BinPacking-v0``: or-rl-benchmarks' online bin packing (``binpacking.BinPackingEnv``);
  kwargs ``distribution``, ``items``, ``action_mask``, ``count_scale``.
* ``WorldModels/Dream-v0``: one rollout in M's dream (``dream.DreamEnv``); kwargs ``rnn`` (M or its
  weights file), ``initial_z`` (arrays or file), ``spec`` or ``controller`` [, ``dream``].

Importing this module registers the ids (gymnasium's convention, which its "module:id" form
relies on), so ``gym.make("worldmodels.envs.registration:WorldModels/BinPacking-v0")`` works in a
fresh interpreter; our own code calls ``register_envs()`` (idempotent) through ``make_registered``.
The ids live here, not in ``worldmodels/envs/__init__.py``, because ``import worldmodels.envs``
stays free of gymnasium and of every game. Entry points are strings: registering imports no game.
(gymnasium 1.x loads no ``gymnasium.envs`` entry-point plugins: nothing to declare in pyproject.toml.)

What ``gymnasium.make`` would wrap around a game, and why our code's game is the game itself:

* no ``TimeLimit``: each game truncates at its own ``max_steps`` (its config), so the specs have
  ``max_episode_steps=None``;
* no ``OrderEnforcing`` (``order_enforce=False``): our games refuse ``step()`` before ``reset()``
  with a one-line error themselves (ale-py's game is playable from its load, as before), and a
  gymnasium 1.x wrapper would hide their attributes (``progress()``, ``frame``, ``bins``);
* ``PassiveEnvChecker``: kept for anyone's ``gym.make(id)``; ``make_registered`` passes
  ``disable_env_checker=True``; tests/envs/test_registration.py runs the full checker per id.

So ``make_registered`` returns the very object the adapter's entry point built, with ``spec`` set.
EnvPool's batched ``EnvPoolCarRacingVector`` and the dream's ``VectorDream`` are no
``gymnasium.Env`` (each steps a batch of games with its own interface) and are built directly.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

NAMESPACE = "WorldModels"
CARRACING = f"{NAMESPACE}/CarRacing-v0"
CARRACING_ENVPOOL = f"{NAMESPACE}/CarRacingEnvPool-v0"
DOOM = f"{NAMESPACE}/DoomTakeCover-v0"
ATARI = f"{NAMESPACE}/Atari-v0"
BINPACKING = f"{NAMESPACE}/BinPacking-v0"
DREAM = f"{NAMESPACE}/Dream-v0"

SPECS: dict[str, dict[str, Any]] = {
    # 900: CarRacing counts as solved at an average of 900 over 100 episodes [paper sec. 3;
    # gymnasium registers CarRacing-v3 with reward_threshold=900]
    CARRACING: {"entry_point": "worldmodels.envs.carracing:build", "reward_threshold": 900.0},
    # no threshold: EnvPool's tracks are not the scored benchmark's
    CARRACING_ENVPOOL: {"entry_point": "worldmodels.envs.carracing:build_envpool"},
    # 750: DoomTakeCover counts as solved at an average survival of 750 steps over 100 episodes [paper sec. 4]
    DOOM: {"entry_point": "worldmodels.envs.doom:build", "reward_threshold": 750.0},
    ATARI: {"entry_point": "worldmodels.envs.atari:build"},
    BINPACKING: {"entry_point": "worldmodels.envs.binpacking:build"},
    DREAM: {"entry_point": "worldmodels.dream:build_dream_env"},
}
"""id -> ``gymnasium.register`` options beside the ones every id shares (see ``register_envs``)."""


def _options(env_id: str) -> dict[str, Any]:
    return {"order_enforce": False, "max_episode_steps": None, "reward_threshold": None, **SPECS[env_id]}


def register_envs() -> None:
    """Register every id of ``SPECS``; an id already registered with the same options is left alone."""
    for env_id in SPECS:
        options = _options(env_id)
        known = gym.registry.get(env_id)
        if known is not None and all(getattr(known, key) == value for key, value in options.items()):
            continue
        gym.register(env_id, **options)


def make_registered(env_id: str, **kwargs: Any) -> gym.Env:
    """``gymnasium.make(env_id, **kwargs)`` of one of our ids without the env checker: the game itself."""
    if env_id not in SPECS:
        from worldmodels.fileio import WorldModelsError
        raise WorldModelsError(f"not a World Models gymnasium id: {env_id!r}; known: {', '.join(SPECS)}")
    register_envs()
    return gym.make(env_id, disable_env_checker=True, **kwargs)


register_envs()  # on import, as gymnasium's "module:id" form expects (registers strings only)
