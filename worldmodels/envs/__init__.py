"""Environment adapters and their registry.

``make_env(name, **kwargs)`` imports an adapter only when it is asked for, so importing this
package costs nothing and needs none of vizdoom, box2d or ale-py. Each entry names a factory
as ``"module:function"``; the factory takes keyword options and returns a ``gymnasium.Env``, built
by ``gymnasium.make`` of its ``WorldModels/`` id (``registration.py`` lists the ids).
"""

from __future__ import annotations

import importlib
from typing import Any

REGISTRY: dict[str, str] = {
    "doom": "worldmodels.envs.doom:make",
    "binpacking": "worldmodels.envs.binpacking:make",
    "carracing": "worldmodels.envs.carracing:make",
    "atari": "worldmodels.envs.atari:make",
}
"""Environment name -> "module:factory". Adapters add their line here."""


def make_env(name: str, **kwargs: Any) -> Any:
    """Build environment ``name`` with adapter options ``kwargs`` (returns a ``gymnasium.Env``)."""
    target = REGISTRY.get(name)
    if target is None:
        from worldmodels.fileio import (
            WorldModelsError,  # numpy-free import of this package
        )

        raise WorldModelsError(f"unknown environment {name!r}; known: {', '.join(sorted(REGISTRY))}")
    module_name, _, factory = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, factory)(**kwargs)
