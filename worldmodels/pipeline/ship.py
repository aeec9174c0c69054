"""Pack a finished run into ``<env>/trained/``: what ``model.py`` plays by default.

V and M are stored as float16 npz (half the size; the scores in each README are measured on
these very files), next to initial_z.json and the run's best.json / hist.json / log.json.
Existing shipped files are moved to ``trained/previous/`` rather than overwritten.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from worldmodels.config import EnvSpec, ModelFiles
from worldmodels.fileio import WorldModelsError
from worldmodels.mdnrnn import RNNWeights
from worldmodels.vae import load_weights, save_weights


def ship(spec: EnvSpec, vae_path: Path, rnn_path: Path, initial_z_path: Path, log_prefix: Path | dict[str, Path],
         out_dir: Path, dtype: str = "float16") -> list[Path]:
    """Copy a run into ``out_dir``; ``log_prefix`` is e.g. ``log/doomrnn.cma.16.64.``, or several
    controllers of the same V and M as {shipped name prefix: log prefix}, e.g.
    ``{"binpacking.linear_waste.": Path("log/linear_waste/binpacking.cma.2.64.")}``."""
    prefixes = log_prefix if isinstance(log_prefix, dict) else {Path(log_prefix).name: Path(log_prefix)}
    sources = {f"{name}{suffix}": Path(f"{prefix}{suffix}") for name, prefix in prefixes.items()
               for suffix in ("best.json", "hist.json", "log.json")}
    bests = [src for dst, src in sources.items() if dst.endswith("best.json")]
    for path in (vae_path, rnn_path, initial_z_path, *bests):
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: finish the pipeline (and train.py) before shipping")
    out_dir.mkdir(parents=True, exist_ok=True)
    old = [p for p in out_dir.iterdir() if p.is_file()]
    if old:
        backup = out_dir / "previous" / time.strftime("%Y%m%d-%H%M%S")
        backup.mkdir(parents=True)
        for p in old:
            shutil.move(str(p), backup / p.name)
    layout = ModelFiles.in_folder(out_dir, next(dst for dst in sources if dst.endswith("best.json")))
    written = [layout.vae, layout.rnn, layout.initial_z]  # where model.py's defaults look
    save_weights(written[0], load_weights(vae_path, spec.vae), spec.vae, dtype=dtype)
    RNNWeights.load(rnn_path, spec.rnn).save(written[1], spec.rnn, dtype=dtype)
    shutil.copyfile(initial_z_path, written[2])
    for name, src in sources.items():
        if src.is_file():
            shutil.copyfile(src, out_dir / name)
            written.append(out_dir / name)
    return written


def ship_pipeline_run(spec: EnvSpec, log_prefix: Path | dict[str, Path], out_dir: Path) -> list[Path]:
    """ship() what this environment's pipeline wrote (spec.paths: tf_vae, tf_rnn, tf_initial_z)
    and print each shipped file with its size: the body of every <env>/ship.py."""
    written = ship(spec, spec.paths.path("vae"), spec.paths.path("rnn"), spec.paths.path("initial_z"),
                   log_prefix, out_dir)
    for path in written:
        print(f"shipped {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return written


def main_one_run(argv: list[str] | None, spec: EnvSpec, doc: str, default_log_prefix: str, out_dir: Path,
                 shipped_name: str | None = None) -> None:
    """The ``ship.py [--log_prefix PREFIX]`` command of an environment that ships one controller:
    ``default_log_prefix`` is relative to the env's log/ folder; with ``shipped_name`` (e.g.
    ``carracing.``) the run's files are renamed so model.py's defaults find them."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--log_prefix", default=str(spec.paths.path("log") / default_log_prefix))
    args = parser.parse_args(argv)
    prefix = Path(args.log_prefix)
    ship_pipeline_run(spec, {shipped_name: prefix} if shipped_name else prefix, out_dir)
