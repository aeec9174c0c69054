"""Videos follow the environment's working directory (CARRACING_WORKDIR, DOOMRNN_WORKDIR, ATARI_WORKDIR,
BINPACKING_WORKDIR, ``--workdir``) like every other output: model.py / dream_model.py without --video
write to <workdir>/videos/ (``Paths.videos``); a --video path is taken as given (relative: to the
current folder, as every path on a command line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENVS = ("atari", "binpacking", "carracing", "doomrnn")


def _run(tmp_path: Path, script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}  # headless: a file
    env.update(BINPACKING_WORKDIR=str(tmp_path / "work"), OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, str(REPO / "binpacking" / script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("script, args, video", [
    ("model.py", ("render", "--max_steps", "5"), "binpacking_binpacking_seed0.mp4"),
    ("dream_model.py", ("--max_steps", "5"), "dream_seed0.mp4"),
])
def test_a_video_without_video_goes_to_the_working_directory(tmp_path, script, args, video):
    result = _run(tmp_path, script, *args, cwd=REPO / "binpacking")
    assert result.returncode == 0, result.stderr
    written = tmp_path / "work" / "videos" / video
    assert written.stat().st_size > 0 and f"video: {written}" in result.stdout


def test_a_relative_video_path_is_taken_from_the_current_folder(tmp_path):
    (tmp_path / "here").mkdir()
    result = _run(tmp_path, "dream_model.py", "--max_steps", "5", "--video", "mine.gif", cwd=tmp_path / "here")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "here" / "mine.gif").is_file() and not (tmp_path / "work" / "videos").exists()


@pytest.mark.parametrize("env", ENVS)
def test_no_script_writes_videos_beside_itself(env):
    """Every default video folder comes from the spec's paths (the working directory), never from HERE."""
    for script in (REPO / env).glob("*.py"):
        assert 'HERE / "videos"' not in script.read_text(), script
