"""The shape of the code: no import circles in the core, the core never imports an environment
folder, environment configs never load the command-line runner."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = ("worldmodels", "estool")
ENV_FOLDERS = ("carracing", "doomrnn", "atari", "binpacking")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (a lazy import is still an edge)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}  # `from pkg import module`
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for package in CORE for p in (REPO / package).rglob("*.py")}
    return {name: {m for m in _imports(path) if m in files and m != name} for name, path in files.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_circle_in_the_core():
    graph = _graph()
    # a package's __init__ importing its own modules is not a circle of concerns
    graph = {m: {d for d in deps if not (m.startswith(d + ".") and "." in m)} for m, deps in graph.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_core_never_imports_an_environment_folder():
    offenders = {f"{_module_name(p)} imports {m}" for package in CORE for p in (REPO / package).rglob("*.py")
                 for m in _imports(p) if m.split(".")[0] in ENV_FOLDERS}
    assert not offenders, sorted(offenders)


@pytest.mark.parametrize("env", ENV_FOLDERS)
def test_an_environment_config_does_not_load_the_command_line_runner(env):
    code = (f"import sys; import {env}.config; "
            "bad = [m for m in sys.modules if m.startswith('worldmodels.pipeline') or m in ('tensorflow', 'keras')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"{env}.config loads {out.stdout.strip()}"


def test_estool_stands_alone():
    """estool imports nothing of worldmodels (as the original's estool stood alone) ..."""
    offenders = {f"{_module_name(p)} imports {m}" for p in (REPO / "estool").rglob("*.py") for m in _imports(p)
                 if m.split(".")[0] == "worldmodels"}
    assert not offenders, sorted(offenders)


def test_estool_trains_with_worldmodels_unimportable(tmp_path):
    """... and trains (a toy problem, logs and checkpoint) in a process where worldmodels cannot load."""
    code = ("import sys; sys.modules['worldmodels'] = None\n"
            "from estool.toy_train import main\n"
            "main(['-n', '4', '-e', '1', '-g', '2', '--dim', '3', '--num_procs', '1', "
            f"'--log_dir', {str(tmp_path)!r}])\n"
            "assert not any(m.startswith('worldmodels') and sys.modules[m] for m in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "gen 2" in out.stdout and (tmp_path / "toy_sphere.cma.1.4.es.pkl").is_file()


def test_importing_the_core_changes_nothing_in_the_process():
    """Nothing of ours runs at import time: no umask or environment change when every core module is
    imported (after the libraries they import, some of which set variables of their own)."""
    third_party = sorted({m.split(".")[0] for package in CORE for p in (REPO / package).rglob("*.py")
                          for m in _imports(p)} - set(CORE) - set(sys.stdlib_module_names) - {"__future__"})
    code = ("import os, sys, pkgutil, importlib, contextlib\n"
            f"for name in {third_party!r}:\n"
            "    with contextlib.suppress(ImportError):\n"
            "        importlib.import_module(name)\n"
            "env = dict(os.environ); os.umask(0o027); calls = []; real_umask = os.umask\n"
            "os.umask = lambda mask: calls.append(mask) or real_umask(mask)\n"
            "import worldmodels, estool\n"
            "for pkg in (worldmodels, estool):\n"
            "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            "changed = {k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k)}\n"
            "print(sorted(changed), calls)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[] []", out.stdout  # no variable set, umask never touched


GAME_FREE = ("config", "controller", "dream", "rollout", "evaluators", "mdnrnn", "vae", "options", "parallel")
"""Core modules that serve every game alike: the game-specific parts (an action mapping, a mask)
reach them through ``EnvSpec`` / ``ControllerConfig`` and the adapters (worldmodels/envs/)."""
GAME_WORDS = re.compile(r"doom|carracing|car_racing|thirds|atari|pong|binpacking|bin_packing|box2d|ale_py", re.I)


def _code_words(path: Path) -> list[tuple[int, str]]:
    """(line, word) of every name and every string in ``path``'s code: identifiers, attributes,
    imports, arguments and string literals, but no comment or docstring (those cite the original's
    files, e.g. [orig doomrnn/model.py], and may name games as examples)."""
    tree = ast.parse(path.read_text(), str(path))
    docs: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for before, stmt in zip([None, *body], body):  # a docstring, or the one after a field
            is_string = isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(
                stmt.value.value, str)
            if is_string and (before is None or isinstance(before, (ast.Assign, ast.AnnAssign))):
                docs.add(id(stmt.value))
    words: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            word = node.id
        elif isinstance(node, ast.Attribute):
            word = node.attr
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            word = node.name
        elif isinstance(node, ast.arg):
            word = node.arg
        elif isinstance(node, ast.alias):
            word = node.name
        elif isinstance(node, ast.ImportFrom):
            word = node.module or ""
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            word = node.value
        else:
            continue
        words.append((getattr(node, "lineno", 0), word))
    return words


@pytest.mark.parametrize("module", GAME_FREE)
def test_the_generic_core_names_no_game(module):
    path = REPO / "worldmodels" / f"{module}.py"
    found = [f"{path.name}:{line}: {word[:60]!r}" for line, word in _code_words(path) if GAME_WORDS.search(word)]
    assert not found, f"game-specific names in the generic core (move them to the adapter): {found}"


def test_the_scan_sees_code_and_skips_docstrings_and_comments(tmp_path):
    source = tmp_path / "m.py"
    source.write_text('"""Doom\'s C [orig doomrnn/model.py]."""\nLIMIT = 1  # Pong\n"""Atari."""\n\n\n'
                      'def thirds(a):\n    """CarRacing."""\n    return doom.act(a, "binpacking")\n')
    found = sorted(word for _, word in _code_words(source) if GAME_WORDS.search(word))
    assert found == ["binpacking", "doom", "thirds"]
