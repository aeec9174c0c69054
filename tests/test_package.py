"""pyproject.toml is the source of truth: every import is declared, the pins cover it, and the
installed package imports from anywhere."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
RUNTIME_DIRS = ["worldmodels", "estool", "carracing", "doomrnn", "atari", "binpacking"]
FIRST_PARTY = {"worldmodels", "estool", "carracing", "doomrnn", "atari", "binpacking", "config", "tests", "conftest"}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(requirement).name).lower()


def _declared(*extras: str) -> set[str]:
    names = {_name(r) for r in PROJECT["dependencies"]}
    for extra in extras:
        names |= {_name(r) for r in PROJECT["optional-dependencies"][extra] if not r.startswith("worldmodels")}
    return names


def _imported_distributions(folders: list[str]) -> dict[str, set[str]]:
    """Distribution name -> files importing it, for every absolute third-party import in ``folders``."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in FIRST_PARTY or top in sys.stdlib_module_names or top not in owners:
                        continue
                    for dist in owners[top]:
                        found.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), set()).add(str(path.relative_to(REPO)))
    return found


def test_every_runtime_import_is_a_declared_dependency():
    declared = _declared("envpool", "jax")  # lazily imported: envpool (--backend envpool), jax (Dopamine)
    undeclared = {d: sorted(f)[:3] for d, f in _imported_distributions(RUNTIME_DIRS).items() if d not in declared}
    # keras pulls these in itself; tensorflow-cpu installs the 'tensorflow' module
    undeclared = {d: f for d, f in undeclared.items() if d not in {"tensorflow", "tensorflow-cpu", "pygame"}}
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"


def test_every_test_and_benchmark_import_is_declared():
    declared = _declared("envpool", "test", "bench", "dev")
    undeclared = {d: sorted(f)[:3] for d, f in _imported_distributions(["tests", "benchmarks"]).items()
                  if d not in declared and d not in {"tensorflow", "tensorflow-cpu", "pygame"}}
    assert not undeclared, f"imported by tests or benchmarks but not declared: {undeclared}"


def test_pins_cover_the_declared_dependencies_and_are_constraints():
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    assert all("[" not in p and "==" in p for p in pins), "requirements.txt is a constraints file: name==version only"
    pinned = {_name(p) for p in pins}
    missing = _declared("envpool", "test", "bench", "dev") - pinned - {"jax"}  # jax: GPU machines only
    assert not missing, f"declared in pyproject.toml but not pinned in requirements.txt: {sorted(missing)}"


@pytest.mark.parametrize("requirement", PROJECT["dependencies"])
def test_installed_versions_satisfy_the_declared_bounds(requirement):
    req = Requirement(requirement)
    version = importlib.metadata.version(req.name)
    assert req.specifier.contains(version, prereleases=True), f"{req.name} {version} does not satisfy {req}"


def test_the_package_imports_from_anywhere(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import worldmodels, estool; print(worldmodels.__file__)"],
                         cwd=tmp_path, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).parent == REPO / "worldmodels"


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_test_runs_ruff_and_mypy_before_the_tests():
    """The README's test command lints and type-checks the core (issue 31): ``make -n`` prints the commands."""
    out = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    commands = out.stdout.splitlines()
    first_pytest = next(i for i, c in enumerate(commands) if "-m pytest" in c)
    assert any(c.endswith("/ruff check .") for c in commands[:first_pytest]), commands
    assert any(c.endswith("/mypy") for c in commands[:first_pytest]), commands
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(config["files"]) == {"worldmodels", "estool"}
