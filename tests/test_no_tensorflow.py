"""Rollout-side modules never import TensorFlow or Keras (6-8 s and ~560 MB per worker) [design sec. 4]."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULES = ["worldmodels.vae", "worldmodels.onnx_encoder", "worldmodels.mdnrnn", "worldmodels.controller",
           "worldmodels.dream", "worldmodels.rollout", "worldmodels.evaluators", "worldmodels.formats",
           "worldmodels.data", "estool.train"]

PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras', 'jax', 'torch'))
print('HEAVY:' + ','.join(heavy))
"""


def _heavy_modules(modules: list[str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *modules], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("HEAVY:"))
    return [m for m in line[len("HEAVY:"):].split(",") if m]


def test_rollout_modules_do_not_import_tensorflow_or_keras():
    heavy = _heavy_modules(MODULES)
    assert "tensorflow" not in heavy and "keras" not in heavy, heavy[:10]
    assert heavy == [], heavy[:10]


def test_the_probe_detects_keras():
    # the check can fail: the training-side module does pull Keras in
    assert "keras" in _heavy_modules(["worldmodels.keras_mdnrnn"])
