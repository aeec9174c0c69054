"""Every command line answers ``--help`` (exit 0, a usage line, the logging options) and logs to stderr.

The command lines are found, not listed: every ``.py`` with an ``if __name__ == "__main__":``
in an environment folder or benchmarks/ (run as a file) or in worldmodels/ or estool/ (run as
``python -m``). Their ``--help`` runs two at a time (about 0.5 s each).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT_FOLDERS = ("carracing", "doomrnn", "atari", "binpacking", "benchmarks")
PACKAGES = ("worldmodels", "estool")
MAIN_GUARD = 'if __name__ == "__main__":'

NOT_CHECKED = {
    "*/extract.bash": "bash: its usage is its header comment; it hands its options to extract.py",
    "*/gpu_jobs.bash": "bash: no options of its own (runs worldmodels/scripts/model_steps.bash)",
    "worldmodels/scripts/*.bash": "bash helpers of the two above, not meant to be run by hand",
    "carracing/gce_train.bash": "bash: hands every option to train.py (its --help is train.py's); "
                                "tests/test_original_commands.py runs it",
}
"""Command lines this test leaves out, and why."""


def command_lines() -> dict[str, list[str]]:
    """{path relative to the repository: the arguments to python that run it}."""
    found: dict[str, list[str]] = {}
    for folder in SCRIPT_FOLDERS:
        for path in sorted((REPO / folder).glob("*.py")):
            if MAIN_GUARD in path.read_text():
                found[str(path.relative_to(REPO))] = [str(path)]
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            if MAIN_GUARD in path.read_text():
                found[str(path.relative_to(REPO))] = ["-m", ".".join(path.relative_to(REPO).with_suffix("").parts)]
    return found


COMMAND_LINES = command_lines()


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without a display (no window opens) and without the variable that quiets TensorFlow."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "TF_CPP_MIN_LOG_LEVEL")}
    return {**env, **extra}


def python(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def helps() -> dict[str, subprocess.CompletedProcess]:
    """``--help`` of every command line, two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda argv: python(*argv, "--help"), COMMAND_LINES.values())
        return dict(zip(COMMAND_LINES, results))


def test_the_command_lines_are_found():
    for env in ("carracing", "doomrnn", "atari", "binpacking"):
        for script in ("extract.py", "vae_train.py", "series.py", "rnn_train.py", "train.py", "model.py",
                       "dream_model.py", "miniature.py"):
            assert f"{env}/{script}" in COMMAND_LINES
    assert COMMAND_LINES["worldmodels/notebooks.py"] == ["-m", "worldmodels.notebooks"]
    assert {"worldmodels/plots.py", "estool/toy_train.py", "benchmarks/bench_agents.py"} <= set(COMMAND_LINES)
    for pattern in NOT_CHECKED:
        assert list(REPO.glob(pattern)), f"{pattern} matches nothing: drop it from NOT_CHECKED"


@pytest.mark.parametrize("name", COMMAND_LINES)
def test_help(helps, name):
    result = helps[name]
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage: "), result.stdout[:500]
    assert "-q, --quiet" in result.stdout and "-v, --verbose" in result.stdout, result.stdout[-500:]
    assert result.stderr == "", result.stderr[-2000:]  # no warning, no TensorFlow start-up noise


def test_help_after_positional_words():
    result = python(str(REPO / "carracing" / "model.py"), "carracing", "norender", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: model.py"), result.stderr[-2000:]


def test_quiet_and_verbose_exclude_each_other():
    result = python(str(REPO / "binpacking" / "baselines.py"), "-q", "-v")
    assert result.returncode == 2 and "exclude each other" in result.stderr, result.stderr


def test_a_warning_goes_to_stderr_and_the_result_to_stdout(tmp_path):
    """series.py --skip_bad skips a corrupt episode with a warning (kept by -q) and prints its result line."""
    import numpy as np

    from worldmodels import vae
    from worldmodels.config import VAEConfig
    from worldmodels.data import save_episode
    cfg = VAEConfig(z_size=32)
    vae.save_weights(tmp_path / "vae.npz", vae.random_weights(cfg, np.random.default_rng(0)), cfg)
    frames = np.random.default_rng(0).integers(0, 256, (5, 64, 64, 3), dtype=np.uint8)
    save_episode(tmp_path / "record" / "good.npz", frames, np.zeros((5, 3), np.float32))
    (tmp_path / "record" / "bad.npz").write_bytes(b"corrupt")
    env = clean_env(CARRACING_WORKDIR=str(tmp_path))
    for quiet in ((), ("-q",)):
        result = python(str(REPO / "carracing" / "series.py"), "--vae", str(tmp_path / "vae.npz"), "--skip_bad",
                        *quiet, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "warning: series skipped 1 of 2" in result.stderr and "bad.npz" in result.stderr, result.stderr
        assert "warning:" not in result.stdout and "bad.npz" not in result.stdout, result.stdout
        assert result.stdout.startswith("series: 1 episodes, 5 frames"), result.stdout


def test_quiet_hides_info_lines_and_keeps_the_results():
    """model.py on the shipped agent: its timing line is info (stderr), its scores are results (stdout)."""
    if not (REPO / "carracing" / "trained").is_dir():
        pytest.skip("no shipped CarRacing agent")
    args = (str(REPO / "carracing" / "model.py"), "carracing", "norender", "--episodes", "1", "--max_steps", "5")
    plain, quiet = python(*args), python(*args, "--quiet")
    assert plain.returncode == 0 and quiet.returncode == 0, plain.stderr[-2000:] + quiet.stderr[-2000:]
    assert "1 episodes in" in plain.stderr and "1 episodes in" not in plain.stdout, plain.stderr
    assert quiet.stderr == "", quiet.stderr
    assert quiet.stdout == plain.stdout and plain.stdout.splitlines()[-1].startswith("seed 0 average_reward ")


def test_help_into_a_closed_pipe_ends_without_a_traceback():
    """`python train.py --help | head -2`: the reader closes the pipe before the help is written;
    the script ends quietly (no BrokenPipeError traceback on stderr)."""
    proc = subprocess.Popen([sys.executable, str(REPO / "doomrnn" / "train.py"), "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the script has printed anything: its writes hit a closed pipe
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err[-2000:]
