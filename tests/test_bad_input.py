"""Bad input is one line naming what is wrong, exit status 2: a table of cases, each run as a subprocess.

Every case fails while its script parses its options or reads a file, before any heavy work (a
few seconds each, two at a time). Each must exit 2 with exactly one line on stderr, ``error: ...``,
naming the option (or file) and the value. docs/bad_input.md shows the table with the line each
case gets; this module writes it from real runs, and a test keeps it current:

    python tests/test_bad_input.py            # print the table
    python tests/test_bad_input.py --write    # rewrite it in docs/bad_input.md
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "bad_input.md"
BEGIN, END = "<!-- table: python tests/test_bad_input.py --write -->", "<!-- end of table -->"


@dataclass(frozen=True)
class Case:
    script: str
    """The script, as ``folder/name.py`` in the repository."""
    args: tuple[str, ...]
    bad: str
    """The bad input, in words (and what it did before issue #30, where it did harm)."""
    names: tuple[str, ...]
    """What the line must name: the option (or file) and the value."""


MODEL, TRAIN = "carracing/model.py", "carracing/train.py"
PLAY = ("carracing", "norender")
SMALL_RUN = ("-o", "oes", "-n", "2", "-e", "1", "--num_procs", "1")  # a popsize-2 run, in this process

CASES = (
    Case(MODEL, (*PLAY, "--episodes", "0"), "zero episodes (played 100)", ("--episodes", "'0'")),
    Case(MODEL, (*PLAY, "--episodes", "ten"), "a word for a number", ("--episodes", "'ten'")),
    Case(MODEL, (*PLAY, "--max_steps", "-5"), "a negative step cap", ("--max_steps", "-5")),
    Case(MODEL, (*PLAY, "carracing.best.json", "-1"), "a negative seed (a gymnasium traceback)", ("seed", "'-1'")),
    Case(MODEL, (*PLAY, "--procs", "0"), "no processes", ("--procs", "'0'")),
    Case(MODEL, (*PLAY, "bad.json"), 'a controller file holding `["a", 1]` (a numpy traceback)', ("bad.json", "'a'")),
    Case(MODEL, (*PLAY, "--no_such_option"), "an unknown option", ("--no_such_option", "--help")),
    Case("doomrnn/model.py", ("doomrnn", "norender", "--temperature", "nan"), "a NaN temperature",
         ("--temperature", "nan")),
    Case("doomrnn/doomrnn.py", ("--seed", "-1"), "a negative seed", ("--seed", "'-1'")),
    Case(TRAIN, ("--weight_decay", "nan"), "a NaN weight decay (trained on NaN fitness)", ("--weight_decay", "'nan'")),
    Case(TRAIN, ("--sigma_decay", "-0.5"), "a negative sigma decay (trained with sigma < 0)",
         ("--sigma_decay", "'-0.5'")),
    Case(TRAIN, ("--sigma_init", "inf"), "an infinite sigma", ("--sigma_init", "'inf'")),
    Case(TRAIN, ("--cap_time", "nan"), "NaN for a 0-or-1 flag", ("--cap_time", "'nan'")),
    Case(TRAIN, ("-s", "-1"), "a negative seed", ("--seed_start", "'-1'")),
    Case(TRAIN, ("-e", "0"), "zero episodes per candidate", ("--num_episode", "'0'")),
    Case(TRAIN, ("--popsize", "1"), "a population of one", ("--popsize", "got 1")),
    Case(TRAIN, ("--log_dir", "notafolder/log"), "a log folder under a file (a traceback after reading V and M)",
         ("--log_dir", "notafolder/log")),
    Case(TRAIN, (*SMALL_RUN, "--log_dir", "doom"), "DoomRNN's checkpoint copied into CarRacing's run",
         ("doom/carracing.oes.1.2.es.pkl", "doomrnn")),
    Case(TRAIN, (*SMALL_RUN, "--log_dir", "cut"), "a truncated checkpoint",
         ("cut/carracing.oes.1.2.es.pkl", "truncated")),
    Case("carracing/extract.py", ("--num_episodes", "-1"), "a negative episode count", ("--num_episodes", "'-1'")),
    Case("carracing/extract.py", ("--out_dir", "notafolder/record"), "an output folder under a file",
         ("--out_dir", "notafolder/record")),
    Case("carracing/vae_train.py", ("--learning_rate", "nan"), "a NaN learning rate", ("--learning_rate", "'nan'")),
    Case("carracing/vae_train.py", ("--batch_size", "0"), "an empty batch", ("--batch_size", "'0'")),
    Case("carracing/rnn_train.py", ("--seq_len", "0"), "empty sequences", ("--seq_len", "'0'")),
    Case("binpacking/baselines.py", ("--episodes", "0"), "zero episodes", ("--episodes", "'0'")),
    Case("atari/env.py", ("--random", "0"), "zero random episodes", ("--random", "'0'")),
)
"""The bad inputs tried, in the order docs/bad_input.md lists them."""

WORKDIRS = ("CARRACING_WORKDIR", "DOOMRNN_WORKDIR", "ATARI_WORKDIR", "BINPACKING_WORKDIR")


def make_inputs(folder: Path) -> None:
    """The files the cases name, in ``folder`` (the cases' working folder and every environment's
    WORKDIR): bad.json, notafolder (a file), doom/ (a DoomRNN checkpoint under CarRacing's run name),
    cut/ (a truncated checkpoint), and CarRacing's shipped V and M where train.py reads them."""
    from estool.es import make_optimizer
    from estool.logs import TrainState, save_checkpoint

    (folder / "bad.json").write_text(json.dumps(["a", 1]))
    (folder / "notafolder").write_text("a file, not a folder\n")
    name = "carracing.oes.1.2.es.pkl"  # SMALL_RUN's checkpoint
    for params, env, where in ((1088, "doomrnn", "doom"), (867, "carracing", "cut")):
        es = make_optimizer("oes", params, 2, sigma_init=0.1, sigma_decay=0.999, weight_decay=0.01, antithetic=True,
                            seed=0)
        save_checkpoint(folder / where / name, TrainState(es=es, num_params=params, popsize=2, optimizer="oes",
                                                          env_name=env))
    data = (folder / "cut" / name).read_bytes()
    (folder / "cut" / name).write_bytes(data[:len(data) // 2])
    for model, step in (("vae.npz", "tf_vae"), ("rnn.npz", "tf_rnn")):
        (folder / step).mkdir()
        (folder / step / model).symlink_to(REPO / "carracing" / "trained" / model)


def run_case(case: Case, folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "TF_CPP_MIN_LOG_LEVEL")}
    env.update(dict.fromkeys(WORKDIRS, str(folder)), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(REPO / case.script), *case.args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def run_cases(folder: Path) -> list[subprocess.CompletedProcess]:
    make_inputs(folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda case: run_case(case, folder), CASES))


def table(results: list[subprocess.CompletedProcess]) -> str:
    """The markdown table of the cases and the line each got."""
    rows = ["| command | bad input | what it prints (exit status 2) |", "|---|---|---|"]
    for case, result in zip(CASES, results):
        line = result.stderr.strip().replace("|", "\\|")
        rows.append(f"| `python {case.script} {' '.join(case.args)}` | {case.bad} | `{line}` |")
    return "\n".join(rows) + "\n"


def documented_table() -> str:
    text = DOC.read_text()
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n") + "\n"


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> list[subprocess.CompletedProcess]:
    return run_cases(tmp_path_factory.mktemp("bad_input"))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c.script}:{' '.join(c.args)}" for c in CASES])
def test_bad_input_is_one_line_naming_it(results, index):
    case, result = CASES[index], results[index]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr[-3000:]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert lines[0].startswith("error: "), lines
    for name in case.names:
        assert name in lines[0], (name, lines[0])


def test_the_documented_table_is_the_one_the_cases_print(results):
    assert documented_table() == table(results), "run: python tests/test_bad_input.py --write"


def test_every_default_passes_its_options_check():
    """Each command line's ``--help`` run with ``add_argument`` wrapped to check every number option's
    default against its own range (argparse never checks a default that is not a string)."""
    def runnable(path: Path) -> bool:
        return 'if __name__ == "__main__":' in path.read_text()

    targets = [str(p) for folder in ("carracing", "doomrnn", "atari", "binpacking")
               for p in sorted((REPO / folder).glob("*.py")) if runnable(p)]
    modules = [".".join(p.relative_to(REPO).with_suffix("").parts) for package in ("estool", "worldmodels")
               for p in sorted((REPO / package).rglob("*.py")) if runnable(p)]
    driver = """
import argparse, contextlib, io, json, runpy, sys
from estool.arguments import Number
checked, refused = [], []
add = argparse._ActionsContainer.add_argument
def checking_add(self, *args, **kwargs):
    action = add(self, *args, **kwargs)
    if isinstance(action.type, Number) and action.default not in (None, argparse.SUPPRESS):
        checked.append(action.dest)
        if not action.type.accepts(action.default):
            refused.append(f"{sys.argv[0]} {action.dest}={action.default!r}: not {action.type.describe()}")
    return action
argparse._ActionsContainer.add_argument = checking_add
targets, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for target in targets + modules:
    sys.argv = [target, "--help"]
    # SystemExit: --help's; any other failure of --help is tests/test_cli_help.py's to report
    with contextlib.suppress(SystemExit, Exception), contextlib.redirect_stdout(io.StringIO()):
        if target in modules:
            runpy.run_module(target, run_name="__main__")
        else:
            runpy.run_path(target, run_name="__main__")
print(json.dumps([len(checked), refused]))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", driver, json.dumps(targets), json.dumps(modules)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    checked, refused = json.loads(result.stdout.strip().splitlines()[-1])
    assert checked > 100 and refused == [], refused  # 147 number options on 2026-12-06


# ----------------------------------------------------------------------------- the doc's table


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(REPO))  # make_inputs imports estool (under pytest, conftest.py does this)
    with tempfile.TemporaryDirectory() as folder:
        text = table(run_cases(Path(folder)))
    if "--write" not in argv:
        print(text, end="")
        return
    doc = DOC.read_text()
    DOC.write_text(doc[:doc.index(BEGIN) + len(BEGIN)] + "\n" + text + doc[doc.index(END):])
    print(f"wrote the table of {len(CASES)} cases to {DOC}")


if __name__ == "__main__":
    main(sys.argv[1:])
