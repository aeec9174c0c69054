"""The shipped CarRacing agent loads through model.py's defaults and drives real tracks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_default_agent_is_the_shipped_one_and_drives():
    from carracing.config import SHIPPED
    assert SHIPPED.controller.parent == REPO / "carracing" / "trained", SHIPPED
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, str(REPO / "carracing" / "model.py"), "carracing", "norender",
                             "--episodes", "2", "--max_steps", "100"], env=env, cwd=REPO / "carracing",
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("seed 0 average_reward "), last
    # 100 steps cost -10 (0.1 a frame); each new tile pays 1000/N (~3.4 on a ~290-tile track). A
    # car that does not drive stays near -10; the shipped agent collects tiles from the start.
    assert float(last.split()[3]) > 10, last


def test_shipped_v_only_controller_plays_with_the_shipped_v(capsys):
    """trained/v_only/: the paper's ablation (C sees z alone, 99 params) plays with the shipped V
    through model.py's defaults (a controller under trained/ takes the shipped V and M)."""
    from carracing import model
    from worldmodels.formats import controller_size

    best = REPO / "carracing" / "trained" / "v_only" / "carracing_z.best.json"
    assert controller_size(best) == 99, best
    model.main(["carracing", "norender", str(best), "--episodes", "2", "--max_steps", "100"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("seed 0 average_reward ") and float(last.split()[3]) > 10, last


def test_procs_split_gives_the_same_episodes(capsys):
    """model.py norender --procs 2 plays the same episodes (track and z noise come from the seed
    alone); over 40 frames float32 rounding differences between the batchings have not grown into
    different rewards (over 1000 frames they can: carracing/EXPERIMENTS.md)."""
    from carracing import model

    lines = []
    for procs in ("1", "2"):
        model.main(["carracing", "norender", "--episodes", "3", "--max_steps", "40", "--procs", procs])
        lines.append([line for line in capsys.readouterr().out.splitlines() if line.startswith("episode ")])
    assert len(lines[0]) == 3 and lines[0] == lines[1], lines
    assert len({line.split()[5] for line in lines[0]}) > 1, lines  # three tracks, not one
