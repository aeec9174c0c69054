"""Every command of the original READMEs runs as typed, headless, in its folder (issue 29 item 1).

``ORIGINAL`` lists them: hardmaru/WorldModelsExperiments' carracing/ and doomrnn/ READMEs, its
doomrnn.py and carracing/gce_train.bash, and the Atari and bin-packing forks' READMEs (which kept
the CarRacing log name; the Atari fork's Make targets are at the end). Each runs in a subprocess in
its folder, without DISPLAY and with stdin empty, in one of these ways:

- ``run``: exactly as typed, to the end. Cheap enough: ``render`` (one episode, written to a video
  in the folder's videos/, removed afterwards unless it was there before), the dream runs, bin
  packing's ``norender`` (100 episodes, ~12 s), ``doomrnn.py`` (40 dream episodes).
- ``fails``: keyboard play as typed; without a display (or a terminal) it must exit 2 with one
  line naming the ``model.py ... render`` command that writes a video instead.
- ``dry``: as typed plus ``--dry_run``, which resolves and loads every file and prints what it would
  play, then stops: ``norender`` of 100 CarRacing, Doom or Pong episodes takes 2 to 20 minutes.
- ``small``: the training steps as typed run for hours; extract.bash and gce_train.bash run as
  typed plus options that shrink them (1 episode; 1 generation of 2 candidates, 5 frames), in a
  CARRACING_WORKDIR made here, as vae_train.py and series.py run exactly as typed on a tiny record.
- ``parse``: rnn_train.py and train.py (4000 steps of M; 64 workers x 16 episodes) and bin packing's
  run_evaluation_dopamine.py (Rainbow for ~13 minutes, in .venv-dopamine): ``--help`` must reach the
  script's parser (test_cli_help.py checks every script's; tests/estool the flags; what bin packing's
  train.py does as typed on a fresh checkout, and the Dopamine line on a tiny budget: tests/binpacking).

Where the original's log/ file is absent (it is never shipped), ``model.py`` must name the shipped
controller standing in for it on stderr. The Make targets: ``make -n`` shows each one runs the
dispatcher, whose ``--dry_run`` names the folder and command for each GAME id, and
``make play GAME=DoomTakeCover-v0`` runs as typed (a Doom episode to a video).
Wall time about 2 min on the 2-core development machine, 4 min while it is busy (runs go two at a time).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CAR_LOG, DOOM_LOG = "log/carracing.cma.16.64.best.json", "log/doomrnn.cma.16.64.best.json"
SMALL_TRAINING = "-n 2 -e 1 -g 1 --max_steps 5 --num_procs 1 --vae trained/vae.npz --rnn trained/rnn.npz"

ORIGINAL = [  # (folder, the command as typed, how it is checked, what it adds)
    ("carracing", "python env.py", "fails", ""),
    ("carracing", f"python model.py render {CAR_LOG}", "run", ""),
    ("carracing", f"python model.py norender {CAR_LOG}", "dry", ""),
    ("carracing", f"python dream_model.py {CAR_LOG}", "run", ""),
    ("carracing", "bash extract.bash", "small", "-w 1 -e 1 -- --max_frames 5"),
    ("carracing", "python rnn_train.py", "parse", ""),
    ("carracing", "python train.py", "parse", ""),
    ("carracing", "bash gce_train.bash", "small", SMALL_TRAINING),
    ("doomrnn", f"python model.py doomreal norender {DOOM_LOG}", "dry", ""),
    ("doomrnn", f"python model.py doomreal render {DOOM_LOG}", "run", ""),
    ("doomrnn", f"python model.py doomrnn norender {DOOM_LOG}", "run", ""),
    ("doomrnn", "python doomrnn.py", "run", ""),
    ("doomrnn", "python env.py", "fails", ""),
    ("atari", f"python model.py norender {CAR_LOG}", "dry", ""),
    ("binpacking", f"python model.py norender {CAR_LOG}", "run", ""),
    ("binpacking", "python model.py binpacking norender --distribution perfect_pack 7", "run", ""),
    ("binpacking", "python bin_packing_environment.py", "fails", ""),
    ("binpacking", "python train.py", "parse", ""),
    ("binpacking", 'python run_evaluation_dopamine.py --base_dir="test_results" --gin_files="test_configs/rainbow.gin"',
     "parse", ""),
]
MAKE_TARGETS = ("observations", "vae", "z-values", "mdnrnn", "controller", "play")
VIDEOS = [REPO / "carracing" / "videos" / "carracing_carracing_seed0.mp4",
          REPO / "carracing" / "videos" / "dream_seed0.mp4",
          REPO / "doomrnn" / "videos" / "doomrnn_doomreal_seed0.mp4"]


def headless_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "3", **extra}


def argv(command: str, extra: str = "") -> list[str]:
    words = shlex.split(command) + shlex.split(extra)
    return [sys.executable if w == "python" else w for w in words]


def run(folder: str, command: str, extra: str = "", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv(command, extra), cwd=REPO / folder, env=headless_env(**env), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def tiny_workdir(tmp_path_factory) -> Path:
    """A CARRACING_WORKDIR with a record/ of two 60-frame episodes (vae_train.py needs 100 frames)."""
    from worldmodels.data import save_episode
    work = tmp_path_factory.mktemp("carracing_work")
    rng = np.random.default_rng(0)
    for i in range(2):
        save_episode(work / "record" / f"{i}.npz", rng.integers(0, 256, (60, 64, 64, 3), dtype=np.uint8),
                     rng.uniform(-1, 1, (60, 3)).astype(np.float32))
    return work


@pytest.fixture(scope="module")
def results(tiny_workdir) -> dict[tuple[str, str], subprocess.CompletedProcess]:
    """Every command of ORIGINAL, two at a time; the videos they write are removed unless they were there."""
    there = {v for v in VIDEOS if v.exists()}

    def one(row):
        folder, command, how, extra = row
        if how == "dry":
            extra = "--dry_run"
        elif how == "parse":
            extra = "--help"
        return run(folder, command, extra, CARRACING_WORKDIR=str(tiny_workdir)) if how == "small" else \
            run(folder, command, extra)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip([(r[0], r[1]) for r in ORIGINAL], pool.map(one, ORIGINAL)))
    yield done
    for video in set(VIDEOS) - there:
        video.unlink(missing_ok=True)
        if video.parent.is_dir() and not any(video.parent.iterdir()):
            video.parent.rmdir()


def stands_in(folder: str, command: str, stderr: str) -> None:
    """The original's log/ file, when absent, is played by the shipped controller: one line says which."""
    log = next((w for w in command.split() if w.startswith("log/")), None)
    if log is None or (REPO / folder / log).exists():
        return
    lines = [line for line in stderr.splitlines() if "in its place" in line]
    assert len(lines) == 1 and log in lines[0] and "trained/" in lines[0], stderr


@pytest.mark.slow
@pytest.mark.parametrize("folder,command,how,extra", ORIGINAL, ids=[f"{r[0]}: {r[1]}" for r in ORIGINAL])
def test_the_original_command_runs_as_typed(results, folder, command, how, extra):
    result = results[(folder, command)]
    out, err = result.stdout, result.stderr
    if how == "fails":
        assert result.returncode == 2, (out[-2000:], err[-2000:])
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
        assert "python model.py " in err and " render" in err, err
        return
    assert result.returncode == 0, (out[-2000:], err[-2000:])
    stands_in(folder, command, err)
    if how == "dry":
        assert out.startswith("dry run: ") and "100 episodes" in out, out
    elif how == "parse":
        assert out.startswith("usage: "), out[:500]
    elif "model.py" in command and "norender" in command:
        assert out.splitlines()[-1].startswith("seed "), out[-2000:]
        if "perfect_pack 7" in command:  # options before the seed
            assert out.splitlines()[-1].startswith("seed 7 average_reward "), out[-500:]
    elif "render" in command or "dream_model.py" in command:
        video = next(line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("video: "))
        assert Path(video).stat().st_size > 0
    elif command == "python doomrnn.py":
        assert out.count("cumulative reward ") == 40 and out.splitlines()[-1].startswith("average reward "), out
    elif command == "bash gce_train.bash":
        assert "no xvfb-run needed: python train.py" in err and "gen 1 avg" in out, (out, err)
    elif command == "bash extract.bash":
        assert "wrote 1 new episodes" in out, (out, err)


@pytest.mark.slow
def test_the_model_steps_run_as_typed_on_a_tiny_record(tiny_workdir):
    """``python vae_train.py`` then ``python series.py`` [orig README], as typed, on 120 frames (~25 s)."""
    for command in ("python vae_train.py", "python series.py"):
        result = run("carracing", command, CARRACING_WORKDIR=str(tiny_workdir))
        assert result.returncode == 0, (command, result.stderr[-2000:])
    assert (tiny_workdir / "series" / "series.npz").is_file()


@pytest.fixture
def venv_up_to_date() -> None:
    """make runs a target only after setup: skip where setup would install packages first."""
    if subprocess.run(["make", "-q", "setup"], cwd=REPO).returncode != 0:
        pytest.skip(".venv is not up to date: make would install packages first")


@pytest.mark.parametrize("target", MAKE_TARGETS)
def test_the_fork_make_target_runs_its_step(target):
    """``make -n``: after setup's lines (if .venv is stale), the target's one line runs the dispatcher."""
    result = subprocess.run(["make", "--no-print-directory", "-n", target, "GAME=CarRacing-v0"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f'.venv/bin/python -m worldmodels.make_targets {target} "CarRacing-v0"'


@pytest.mark.parametrize("game,target,want", [
    ("CarRacing-v0", "observations", "cd carracing && bash extract.bash"),
    ("CarRacing-v3", "vae", "cd carracing && python vae_train.py"),
    ("CarRacing-v0", "z-values", "cd carracing && python series.py"),
    ("CarRacing-v0", "mdnrnn", "cd carracing && python rnn_train.py"),
    ("CarRacing-v0", "controller", "cd carracing && python train.py"),
    ("CarRacing-v0", "play", f"cd carracing && python model.py carracing render {CAR_LOG}"),
    ("DoomTakeCover-v0", "play", f"cd doomrnn && python model.py doomreal render {DOOM_LOG}"),
    ("PongNoFrameskip-v4", "observations", "cd atari && bash extract.bash -- --game PongNoFrameskip-v4"),
    ("ALE/Pong-v5", "mdnrnn", "cd atari && python rnn_train.py --game ALE/Pong-v5"),
    ("Pong", "play", "cd atari && python model.py render --game Pong"),
    ("BinPacking-v0", "controller", "cd binpacking && python train.py"),
])
def test_game_names_its_folder(game, target, want):
    result = run(".", f"python -m worldmodels.make_targets {target} {game} --dry_run")
    assert result.returncode == 0 and result.stdout.strip() == want, (result.stdout, result.stderr)


def test_an_unknown_game_is_one_line_listing_the_accepted_ones(venv_up_to_date):
    for game in ("Foo-v0", ""):
        result = subprocess.run(["make", "--no-print-directory", "vae", f"GAME={game}"], cwd=REPO,
                                capture_output=True, text=True,
                                env=headless_env())
        assert result.returncode != 0, result.stdout
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "CarRacing-v0" in errors[0] and "Pong" in errors[0], result.stderr


def test_make_play_runs_as_typed(venv_up_to_date):
    video = REPO / "doomrnn" / "videos" / "doomrnn_doomreal_seed0.mp4"
    was_there = video.exists()
    try:
        result = subprocess.run(["make", "--no-print-directory", "play", "GAME=DoomTakeCover-v0"], cwd=REPO,
                                env=headless_env(), capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"video: {video}" in result.stdout and video.stat().st_size > 0, result.stdout
        stands_in("doomrnn", DOOM_LOG, result.stderr)
    finally:
        if not was_there:
            video.unlink(missing_ok=True)
            if video.parent.is_dir() and not any(video.parent.iterdir()):
                video.parent.rmdir()


def test_the_line_is_read_as_the_original_meant_it(tmp_path, monkeypatch, caplog):
    """The helpers every model.py uses: the optional word, options anywhere, a lone number is the seed,
    the original's log name stands in for the shipped controller only while it does not exist."""
    import argparse

    from worldmodels import original
    from worldmodels.pipeline import evaluate
    shipped = evaluate.ModelFiles.in_folder(tmp_path / "trained", "c.best.json")
    names = ("carracing", "carracingrnn")
    want = ["carracing", "norender", "x.json"]
    assert original.with_default_where(["norender", "x.json"], names, "carracing") == want
    assert original.with_default_where(["carracingrnn", "render"], names, "carracing") == ["carracingrnn", "render"]
    parser = argparse.ArgumentParser()
    evaluate.add_arguments(parser, shipped, names[:1], names[1:])
    for line, controller, seed in ((["carracing", "norender", "--episodes", "3", "7"], shipped.controller, 7),
                                   (["carracing", "norender", "--episodes", "3", "a.json", "7"], Path("a.json"), 7),
                                   (["--episodes", "3", "carracing", "norender"], shipped.controller, 0)):
        args = original.parse_play_args(parser, line)
        assert (args.controller, args.seed, args.episodes) == (controller, seed, 3), line
    monkeypatch.chdir(tmp_path)
    log = Path(CAR_LOG)
    assert original.stand_in(log, shipped.controller) == log  # no shipped file: the usual error follows
    shipped.controller.parent.mkdir()
    shipped.controller.write_text("[]")
    with caplog.at_level("WARNING"):
        assert original.stand_in(log, shipped.controller) == shipped.controller
    assert "trained/c.best.json in its place" in caplog.text
    assert original.stand_in(Path("log/mine.best.json"), shipped.controller) == Path("log/mine.best.json")
    log.parent.mkdir()
    log.write_text("[]")  # your own run of that name plays as given
    assert original.stand_in(log, shipped.controller) == log
