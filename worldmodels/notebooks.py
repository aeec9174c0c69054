"""Write each environment's ``plot_training_progress.ipynb`` (the same cells everywhere).

    python -m worldmodels.notebooks doomrnn carracing atari binpacking

The notebook plots every ``log/**/*.hist.json`` of its folder (falling back to the shipped
``trained/*.hist.json``) next to the original's history when ../shared/reference has one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from worldmodels.fileio import WorldModelsError, cli_main

CELLS = [
    ("md", "# Training progress\n\nES training curves from this folder's `log/**/*.hist.json` "
           "(or the shipped `trained/*.hist.json`): the population's mean, best and worst fitness "
           "per generation, and the best candidate so far. Runs headless."),
    ("code", "import sys\nfrom pathlib import Path\n\nHERE = Path.cwd()\nsys.path.insert(0, str(HERE.parent))\n"
             "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
             "from worldmodels.plots import load_history"),
    ("code", "hists = sorted((HERE / 'log').rglob('*.hist.json')) or sorted((HERE / 'trained').glob('*.hist.json'))\n"
             "reference = HERE.parents[1] / 'shared' / 'reference' / 'original' / HERE.name\n"
             "originals = sorted(reference.glob('*.hist.json')) if reference.is_dir() else []\n"
             "def name(path): return f'{path.parent.name}/{path.name}'  # runs may share file names\n"
             "print('ours:', [name(h) for h in hists]); print('original:', [name(h) for h in originals])"),
    ("code", "fig, axes = plt.subplots(1, 2, figsize=(13, 4))\n"
             "for path, tag in [(p, 'ours') for p in hists] + [(p, 'original') for p in originals]:\n"
             "    h = load_history(path)\n"
             "    line, = axes[0].plot(h['generation'], h['avg'], label=f'{tag} {name(path)}: mean')\n"
             "    axes[0].plot(h['generation'], h['max'], color=line.get_color(), alpha=0.4, label=f'{tag}: max')\n"
             "    axes[1].plot(h['seconds'] / 3600, h['best'], label=f'{tag}: best so far')\n"
             "axes[0].set_xlabel('generation'); axes[0].set_ylabel('fitness'); axes[0].legend()\n"
             "axes[1].set_xlabel('hours'); axes[1].set_ylabel('fitness'); axes[1].legend()\n"
             "plt.tight_layout(); plt.show()"),
    ("code", "for path in hists + originals:\n"
             "    h = load_history(path)\n"
             "    print(f\"{name(path)}: {len(h['generation'])} generations, last mean {h['avg'][-1]:.1f}, \"\n"
             "          f\"best {h['best'][-1]:.1f}, {h['seconds'][-1] / 3600:.2f} h\")"),
]


def build() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="environment folders, e.g. doomrnn carracing")
    args = parser.parse_args(argv)
    for folder in args.folders:
        if not folder.is_dir():
            raise WorldModelsError(f"no folder {folder}: pass environment folders (doomrnn carracing atari binpacking)")
        path = folder / "plot_training_progress.ipynb"
        nbformat.write(build(), path)
        print(f"wrote {path}")


if __name__ == "__main__":
    cli_main(main)
