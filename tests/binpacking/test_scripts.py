"""binpacking scripts: play at a prompt or by keyboard, the baselines table, bad input answered with one line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def run(script: str, *args: str, workdir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "BINPACKING_WORKDIR": str(workdir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, str(REPO / "binpacking" / script), *args], env=env, cwd=workdir,
                          input=stdin, capture_output=True, text=True, timeout=300)


def test_a_person_plays_at_the_prompt(tmp_path):
    # seed 0 of bounded_waste with 3 items: the items are drawn from default_rng via reset(seed=0)
    from worldmodels.envs.binpacking import BinPackingEnv
    env = BinPackingEnv("bounded_waste", items=3)
    env.reset(seed=0)
    items = env.bins.items
    result = run("bin_packing_environment.py", "--text", "--distribution", "bounded_waste", "--items", "3", "--seed",
                 "0", workdir=tmp_path, stdin="oops\n0\n0\n0\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "not an action: 'oops'" in out and "valid actions: [0]" in out
    waste = sum(9 - s for s in items)
    assert out.count("action> ") == 4 and f"episode over after 3 items: total reward {-waste}, waste {waste}" in out


def test_invalid_action_at_the_prompt_without_mask_ends_the_episode(tmp_path):
    result = run("bin_packing_environment.py", "--text", "--items", "5", "--no_mask", workdir=tmp_path, stdin="4\n")
    assert result.returncode == 0, result.stderr
    assert "(invalid: episode over)" in result.stdout and "episode over after 1 items: total reward -100" \
        in result.stdout


def test_quit_and_end_of_input(tmp_path):
    for stdin in ("q\n", "5\n"):  # quit; end of input after an action
        result = run("bin_packing_environment.py", "--text", "--items", "5", workdir=tmp_path, stdin=stdin)
        assert result.returncode == 0 and "episode over after " in result.stdout, result.stderr


def test_no_input_and_no_terminal_says_how_to_watch_the_agent(tmp_path):
    result = run("bin_packing_environment.py", "--text", "--items", "5", workdir=tmp_path, stdin="")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "python model.py binpacking render" in result.stderr


@pytest.mark.parametrize("display,driver,reason", [
    (None, None, "$DISPLAY is not set"),        # a headless machine
    (":0", "dummy", "SDL_VIDEODRIVER=dummy"),    # a display, but pygame would draw nowhere
])
def test_the_keyboard_game_without_a_display_is_one_line_naming_the_headless_ways(tmp_path, display, driver, reason):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env.update({"BINPACKING_WORKDIR": str(tmp_path), **({"DISPLAY": display} if display else {}),
                **({"SDL_VIDEODRIVER": driver} if driver else {})})
    result = subprocess.run([sys.executable, str(REPO / "binpacking" / "bin_packing_environment.py")], env=env,
                            cwd=REPO / "binpacking", stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr
    assert line.startswith("error: the keyboard game needs a display") and reason in line, line
    assert "python bin_packing_environment.py --text" in line and "python model.py binpacking render" in line, line
    assert result.stdout == ""


def test_the_keyboard_game_rules():
    from binpacking.bin_packing_environment import KeyboardGame
    from worldmodels.envs.binpacking import BinPackingEnv
    out = io.StringIO()
    game = KeyboardGame(BinPackingEnv("bounded_waste", items=3), seed=5, out=out)
    items = list(game.env.bins.items)
    assert "valid actions: [0]" in "\n".join(game.lines())
    for key in ("x", "9", "[0]", "0"):  # not a key of the game; no level 9; the keypad's 0; the top row's
        assert game.press(key) is None
    assert game.step == 2 and "no level" not in game.note
    assert game.press("return") is None and game.step == 2  # Enter only starts the next episode once one is over
    game.press("0")
    waste = sum(9 - s for s in items)
    assert game.over and game.scores == [-waste]
    assert f"episode 0 (seed 5): over after 3 items, total reward {-waste}, waste {waste}" in out.getvalue()
    assert game.press("return") is None and game.episode == 1 and not game.over  # seed 6
    assert game.press("escape") == "quit"


def test_the_keyboard_game_window_draws_and_takes_keys(monkeypatch):
    pygame = pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    from binpacking.bin_packing_environment import play_window
    from worldmodels.envs.binpacking import BinPackingEnv
    pygame.init()
    for key in (pygame.K_0, pygame.K_0, pygame.K_KP0, pygame.K_RETURN, pygame.K_ESCAPE):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
    out = io.StringIO()
    scores = play_window(BinPackingEnv("bounded_waste", items=3), seed=0, out=out, max_events=200)
    env = BinPackingEnv("bounded_waste", items=3)
    env.reset(seed=0)
    assert scores == [-sum(9 - s for s in env.bins.items)], out.getvalue()


def test_the_fork_train_line_on_a_fresh_checkout_names_the_steps_and_a_line_that_trains(tmp_path):
    """``python train.py`` as typed in binpacking/ (the seed WorldModelsDreaming trains C in the
    dream), before any M: one line naming the pipeline steps and the line that evolves C in the
    shipped M's dream; that line (shrunk: 2 candidates, 1 generation of 20-item dreams, in this
    process) trains. ``--real`` names the real environment's steps and its line, which trains too."""
    env = {**os.environ, "BINPACKING_WORKDIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    small = ["-n", "2", "-e", "1", "-g", "1", "--items", "20", "--num_procs", "1"]
    for extra, step, want, log in (
            ([], "run rnn_train.py first (bash dream.bash linear_waste",
             "train.py --rnn trained/dream/linear_waste/rnn.npz --initial_z trained/dream/linear_waste/initial_z.json "
             "--distribution linear_waste", tmp_path / "log" / "dream" / "linear_waste"),
            (["--real"], "run vae_train.py first (bash extract.bash, then bash gpu_jobs.bash)",
             "train.py --real --vae trained/vae.npz --rnn trained/rnn.npz", tmp_path / "log" / "linear_waste")):
        typed = subprocess.run([sys.executable, "train.py", *extra], cwd=REPO / "binpacking", env=env,
                               capture_output=True, text=True, timeout=300)
        assert typed.returncode == 2 and typed.stderr.count("\n") == 1, typed.stderr
        assert step in typed.stderr, typed.stderr
        line = typed.stderr.split(": python ", 1)[1].strip()
        assert line == want, typed.stderr
        result = subprocess.run([sys.executable, *line.split(), *small], cwd=REPO / "binpacking", env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "gen 1 " in result.stdout, result.stdout[-2000:]
        assert any(log.iterdir())


def test_baselines_table(tmp_path):
    result = run("baselines.py", "--episodes", "3", "--items", "60", "--markdown", workdir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "mean +- std over 3 episodes, seed 0" in lines[0]
    assert lines[1] == "| distribution | best_fit | sum_of_squares | random_valid |"
    assert [line.split(" | ")[0] for line in lines[3:6]] == ["| perfect_pack", "| bounded_waste", "| linear_waste"]
    from binpacking.baselines import POLICIES, score
    from worldmodels.envs.binpacking import parse_distribution
    dist = parse_distribution("bounded_waste", 60)[0]
    bf = score(dist, POLICIES["best_fit"], 0, 3)
    assert f"{bf.mean():.1f} +- {bf.std():.1f}" in lines[4]
    np.testing.assert_array_equal(bf, score(dist, POLICIES["best_fit"], 0, 3))  # seeded: the same again


def test_baselines_play_the_items_of_the_environment_seeds():
    # baselines.py's episode k with seed S = model.py's episode k with seed S (env.reset(seed=S + k)),
    # so the agent's score in README.md is compared on the very same item sequences
    from binpacking.baselines import POLICIES, score
    from worldmodels.envs.binpacking import best_fit, make, parse_distribution
    for name in ("perfect_pack", "linear_waste"):
        dist = parse_distribution(name, 80)[0]
        want = score(dist, POLICIES["best_fit"], 7, 3)
        env = make(distribution=name, items=80)
        for k in range(3):
            _, info = env.reset(seed=7 + k)
            total, done = 0.0, False
            while not done:
                _, reward, done, _, info = env.step(best_fit(info["state"]))
                total += reward
            assert total == want[k], (name, k, total, want[k])


@pytest.mark.parametrize("script,args,hint", [
    ("extract.py", ("--distribution", "9:2,3:0.5,0.6"), "sum to 1.1, not 1"),
    ("extract.py", ("--distribution", "9:2,12:0.5,0.5"), "outside 1..9"),
    ("extract.py", ("--distribution", "12:2,3:0.5,0.5"), "sized for bag capacity 9 or 100"),
    ("baselines.py", ("--distributions", "9:4:0.9"), "sum to 0.9"),
    ("bin_packing_environment.py", ("--distribution", "12:13:1"), "outside 1..12"),
    # vae_train/rnn_train import TensorFlow before they look at their input (core: pipeline.training)
    pytest.param("vae_train.py", (), "extract", marks=pytest.mark.slow),
    ("series.py", (), "extract"),
    pytest.param("rnn_train.py", (), "series.py", marks=pytest.mark.slow),
    ("train.py", ("-g", "1"), "run rnn_train.py first (bash dream.bash linear_waste"),
    ("train.py", ("--real", "-g", "1"), "vae_train.py"),
    ("fit_mask.py", (), "not found"),
    ("train.py", ("-g", "1", "--distribution", "12:2,3:0.5,0.5"), "sized for bag capacity 9 or 100"),
    ("train.py", ("-g", "1", "--distribution", "bounded_waste_large"), "run rnn_train.py first (bash dream.bash "
                                                                        "bounded_waste_large"),
    ("model.py", ("binpacking", "norender", "missing.json"), "not found"),
    ("model.py", ("binpacking", "norender", "--distribution", "oops"), "unknown distribution 'oops'"),
    ("dream_model.py", ("missing.json",), "not found"),
])
def test_bad_input_is_one_line_and_nothing_is_written(tmp_path, script, args, hint):
    (tmp_path / "keep.txt").write_text("mine")
    result = run(script, *args, workdir=tmp_path)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") and hint in last, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]  # nothing created, nothing lost
