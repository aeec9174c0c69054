"""Run an environment's miniature pipeline: every step's real script on tiny data, in order.

Each environment's ``miniature.py`` lists its steps (script name + options) and calls
``run_steps``; the outputs go to ``work`` through the environment's WORKDIR variable, never to
the environment folder itself.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def run_steps(script_dir: Path, steps: list[list[str]], workdir_var: str, work: Path) -> None:
    """Run ``python script_dir/<step[0]> <step[1:]>`` for each step, stopping at the first failure."""
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, workdir_var: str(work)}  # each step's cli_main quiets TensorFlow
    start = time.time()
    for cmd in steps:
        t = time.time()
        logger.info("$ python %s", " ".join(cmd))
        result = subprocess.run([sys.executable, str(script_dir / cmd[0]), *cmd[1:]], env=env, cwd=work)
        if result.returncode != 0:
            sys.exit(f"miniature pipeline: step {cmd[0]} failed with exit code {result.returncode}")
        logger.info("  (%.0f s)", time.time() - t)
    print(f"miniature pipeline done in {time.time() - start:.0f} s; outputs in {work}")
