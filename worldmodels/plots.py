"""Progress plots of ES training from ``*.hist.json`` logs (ours and the original's).

    python -m worldmodels.plots log/carracing.cma.16.64.hist.json -o progress.png

A ``hist.json`` holds one row per generation:
[gen, seconds, avg, min, max, std, rms_sigma, mean_steps, max_steps] [orig train.py]. When the
run's ``log.json`` (evaluations of the mean: [gen, eval_reward, ...]) lies next to it, the
evaluations are drawn too. Rendering uses the Agg canvas directly: no display, no pyplot state.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from worldmodels.fileio import WorldModelsError, atomic_path, cli_main, read_json

HIST_COLUMNS = ("generation", "seconds", "avg", "min", "max", "std", "rms_sigma", "mean_steps", "max_steps")

PathLike = str | os.PathLike


def load_history(path: PathLike) -> dict[str, np.ndarray]:
    """Columns of a ``hist.json`` as float arrays (keys ``HIST_COLUMNS``), plus ``best``: the running
    maximum of ``max`` (the best candidate so far)."""
    data = read_json(path, "training history")
    if not isinstance(data, list):
        raise WorldModelsError(f"training history {path} is not a list of rows (got {type(data).__name__})")
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) < len(HIST_COLUMNS) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in row[: len(HIST_COLUMNS)]
        ):
            raise WorldModelsError(
                f"training history {path}: row {i} is {str(row)[:80]}, expected {len(HIST_COLUMNS)} numbers "
                f"({', '.join(HIST_COLUMNS)})"
            )
    table = np.array([row[: len(HIST_COLUMNS)] for row in data], dtype=np.float64).reshape(-1, len(HIST_COLUMNS))
    columns = {name: table[:, i] for i, name in enumerate(HIST_COLUMNS)}
    columns["best"] = np.maximum.accumulate(columns["max"]) if len(table) else columns["max"].copy()
    return columns


def load_evaluations(hist_path: PathLike) -> np.ndarray | None:
    """[gen, eval_reward] rows from the run's ``log.json`` beside ``hist_path``; None if absent/unreadable."""
    name = Path(hist_path).name
    if not name.endswith("hist.json"):
        return None
    log_path = Path(hist_path).with_name(name.removesuffix("hist.json") + "log.json")
    if not log_path.is_file():
        return None
    try:
        rows = read_json(log_path, "evaluation log")
        return np.array([[float(r[0]), float(r[1])] for r in rows], dtype=np.float64).reshape(-1, 2)
    except (WorldModelsError, TypeError, ValueError, IndexError):
        return None  # evaluations are an extra; the history alone still plots


def _label(path: PathLike) -> str:
    return Path(path).name.removesuffix(".json").removesuffix(".hist")


def plot_history(
    hist_paths: PathLike | Sequence[PathLike], out_png: PathLike, title: str | None = None
) -> Path:
    """Plot avg (line), min..max (band) and best-so-far per generation, against generations (left)
    and hours of training (right); one colour per run. Writes ``out_png`` atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    paths = [hist_paths] if isinstance(hist_paths, (str, os.PathLike)) else list(hist_paths)
    if not paths:
        raise WorldModelsError("plot_history: no hist.json given")
    runs = [(p, load_history(p), load_evaluations(p)) for p in paths]

    fig = Figure(figsize=(13, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax_gen, ax_time = fig.subplots(1, 2, sharey=True)
    for k, (path, h, evals) in enumerate(runs):
        color = f"C{k % 10}"
        label = _label(path)
        for ax, x in ((ax_gen, h["generation"]), (ax_time, h["seconds"] / 3600.0)):
            ax.fill_between(x, h["min"], h["max"], color=color, alpha=0.15, linewidth=0)
            ax.plot(x, h["avg"], color=color, linewidth=1.0, label=f"{label} avg (band: min..max)")
            ax.plot(x, h["best"], color=color, linewidth=1.0, linestyle="--", label=f"{label} best candidate so far")
        if evals is not None and len(evals):
            ax_gen.plot(evals[:, 0], evals[:, 1], "o", color=color, markersize=3, label=f"{label} eval of mean")
    ax_gen.set_xlabel("generation")
    ax_time.set_xlabel("hours of training")
    ax_gen.set_ylabel("fitness (mean episode reward)")
    for ax in (ax_gen, ax_time):
        ax.grid(True, alpha=0.3)
    ax_gen.legend(loc="lower right", fontsize=7)
    fig.suptitle(title or ", ".join(_label(p) for p in paths))
    fig.tight_layout()
    out = Path(out_png)
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    return out


def plot_dream_vs_real(rows: Sequence[Sequence[float]], out_png: PathLike, title: str,
                       hist_path: PathLike | None = None) -> Path:
    """Dream score and real score of a dream-trained C's mean per generation (mean line, +- std
    band): ``rows`` [generation, dream mean, dream std, real mean, real std, episodes], as
    ``worldmodels.pipeline.dream_vs_real`` records them; with the population's mean fitness in the
    dream from the run's ``hist_path`` when it exists. Writes ``out_png`` atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not rows:
        raise WorldModelsError("no dream-vs-real rows to plot: run dream_vs_real.py first")
    t = np.array(rows, dtype=np.float64)
    fig = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    if hist_path is not None and Path(hist_path).is_file():
        h = load_history(hist_path)
        ax.plot(h["generation"], h["avg"], color="0.6", linewidth=0.8, label="population mean fitness (dream)")
    for col, name, color in ((1, "dream", "C0"), (3, "real game", "C3")):
        ax.fill_between(t[:, 0], t[:, col] - t[:, col + 1], t[:, col] + t[:, col + 1], color=color, alpha=0.15,
                        linewidth=0)
        ax.plot(t[:, 0], t[:, col], "o-", color=color, markersize=3, label=f"C's mean in the {name} (+- std)")
    ax.set_xlabel("generation (trained in the dream)")
    ax.set_ylabel(f"mean episode reward ({int(t[-1, 5])} episodes, the same seeds in both)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    out = Path(out_png)
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Plot ES training progress from hist.json files.")
    p.add_argument("hist", nargs="+", help="one or more <prefix>hist.json files")
    p.add_argument("-o", "--out", default="progress.png", help="PNG to write")
    p.add_argument("--title", default=None)
    args = p.parse_args(argv)
    print(plot_history(args.hist, args.out, args.title))


if __name__ == "__main__":
    cli_main(main)
