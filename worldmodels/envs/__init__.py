"""Environment adapters and their registry.

``make_env(name, **kwargs)`` imports an adapter only when it is asked for, so importing this
package costs nothing and needs none of vizdoom, box2d or ale-py. Each entry names a factory
as ``"module:function"``; the factory takes keyword options and returns a ``gymnasium.Env``, built
by ``gymnasium.make`` of its ``WorldModels/`` id (``registration.py`` lists the ids).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

REGISTRY: dict[str, str] = {
    "doom": "worldmodels.envs.doom:make",
    "binpacking": "worldmodels.envs.binpacking:make",
    "carracing": "worldmodels.envs.carracing:make",
    "atari": "worldmodels.envs.atari:make",
}
"""Environment name -> "module:factory". Adapters add their line here; an adapter whose game
takes C's continuous outputs also defines ``action_from_controller`` (``ControllerConfig.action``
names the environment)."""


def _load(target: str, what: str) -> Any:
    """The object a "module:name" string names; one line when the module has no such name."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    if not hasattr(module, attr):
        from worldmodels.fileio import WorldModelsError  # numpy-free import of this package

        raise WorldModelsError(f"no {what} {target!r}: {module_name} has no {attr!r}")
    return getattr(module, attr)


def _adapter(name: str) -> str:
    """The module of environment ``name``'s adapter."""
    if name not in REGISTRY:
        from worldmodels.fileio import WorldModelsError

        raise WorldModelsError(f"unknown environment {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name].partition(":")[0]


def make_env(name: str, **kwargs: Any) -> Any:
    """Build environment ``name`` with adapter options ``kwargs`` (returns a ``gymnasium.Env``)."""
    _adapter(name)
    return _load(REGISTRY[name], "environment factory")(**kwargs)


def action_from_controller(name: str) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The mapping of C's tanh outputs (B, out) to (game actions, M's actions (B, A)) that
    ``ControllerConfig.action`` names: the ``action_from_controller`` of the adapter of an
    environment of ``REGISTRY``, or the function a "module:function" string names (a game outside
    this package). The adapter is imported here, the first time a controller needs it."""
    target = name if ":" in name else f"{_adapter(name)}:action_from_controller"
    return _load(target, "controller action mapping")
