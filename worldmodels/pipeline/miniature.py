"""Run an environment's miniature pipeline: every step's real script on tiny data, in order.

Each environment's ``miniature.py`` lists its steps (script name + options) and calls
``run_steps``; the outputs go to ``work`` through the environment's WORKDIR variable, never to
the environment folder itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def run_steps(script_dir: Path, steps: list[list[str]], workdir_var: str, work: Path) -> None:
    """Run ``python script_dir/<step[0]> <step[1:]>`` for each step, stopping at the first failure."""
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, workdir_var: str(work), "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.time()
    for cmd in steps:
        t = time.time()
        print(f"$ python {' '.join(cmd)}", flush=True)
        result = subprocess.run([sys.executable, str(script_dir / cmd[0]), *cmd[1:]], env=env, cwd=work)
        if result.returncode != 0:
            sys.exit(f"miniature pipeline: step {cmd[0]} failed with exit code {result.returncode}")
        print(f"  ({time.time() - t:.0f} s)", flush=True)
    print(f"miniature pipeline done in {time.time() - start:.0f} s; outputs in {work}")
