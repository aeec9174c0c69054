"""Pack this folder's finished runs into trained/, what model.py plays by default.

    python ship.py                                       # V, M and the real-trained C of the three distributions
    python ship.py --distributions linear_waste          # only some of them
    python ship.py --dream perfect_pack --run work/dream/perfect_pack/log/dream/perfect_pack/iter3
        # a dream-trained C with its M (float16), M's mask head and initial z -> trained/dream/perfect_pack/
    BINPACKING_WORKDIR=work/capacity100 python ship.py --distributions perfect_pack_large bounded_waste_large \
        --log_name binpacking.cma.2.32.   # capacity 100's V, M and controllers -> trained/capacity100/ (README.md)

Distributions shipped together share V and M, so they must share the bag capacity. A dream-trained
agent plays with the shipped V of its capacity (trained/vae.npz, trained/capacity100/vae.npz:
dream.bash encodes with it):
``python model.py binpacking norender trained/dream/D/binpacking.D.best.json --distribution D``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: scripts are not installed

from binpacking.config import (  # noqa: E402
    DISTRIBUTION,
    SHIPPED_DISTRIBUTIONS,
    capacity_of,
    check_distribution,
    check_models,
    dream_files,
    shipped_distributions,
    shipped_prefix,
    sizes_for,
    train_log_prefix,
)
from worldmodels.fileio import WorldModelsError, cli_main  # noqa: E402
from worldmodels.mask_head import mask_path  # noqa: E402
from worldmodels.mdnrnn import RNNWeights  # noqa: E402
from worldmodels.pipeline.ship import ship_pipeline_run  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distributions", nargs="+", default=list(SHIPPED_DISTRIBUTIONS),
                        choices=shipped_distributions(), help="of one bag capacity (default: capacity 9's three)")
    parser.add_argument("--log_name", default=train_log_prefix(DISTRIBUTION).name,
                        help="the run's file prefix in log/<distribution>/, train.py's binpacking.cma.<episodes>."
                             "<population>. (default %(default)s: train.py --real's defaults)")
    parser.add_argument("--dream", choices=shipped_distributions(), default=None,
                        help="ship a dream-trained C of this distribution (with --run) to trained/dream/")
    parser.add_argument("--run", type=Path, default=None,
                        help="with --dream: the run folder (its best.json, rnn.npz and mask.npz)")
    args = parser.parse_args(argv)
    if args.dream is None:
        capacities = sorted({capacity_of(d) for d in args.distributions})
        if len(capacities) > 1:
            raise WorldModelsError(f"--distributions {' '.join(args.distributions)} mix bag capacities {capacities}, "
                                   f"whose V and M differ: ship each capacity's with its own BINPACKING_WORKDIR")
        if "/" in args.log_name or not args.log_name.startswith("binpacking."):
            raise WorldModelsError(f"--log_name is a file prefix such as binpacking.cma.2.32., got {args.log_name!r}")
        prefixes = {shipped_prefix(d): train_log_prefix(d).with_name(args.log_name) for d in args.distributions}
        spec = check_distribution(args.distributions[0])
        check_models(spec, args.distributions[0], vae=spec.paths.path("vae"), rnn=spec.paths.path("rnn"))
        ship_pipeline_run(spec, prefixes, sizes_for(capacities[0]).trained)
        return
    if args.run is None:
        raise WorldModelsError("--dream needs --run FOLDER (e.g. work/dream/perfect_pack/log/dream/perfect_pack/iter3)")
    ship_dream(args.dream, args.run)


def ship_dream(distribution: str, run: Path) -> None:
    """best.json (+ hist, log), M as float16, its mask head and the dream's initial z -> trained/dream/<D>/."""
    spec = check_distribution(distribution)
    files = dream_files(distribution)
    out = files.controller.parent
    sources = {name: run / f"binpacking.cma.16.64.{name}" for name in ("best.json", "hist.json", "log.json")}
    needed = [sources["best.json"], run / "rnn.npz", mask_path(run / "rnn.npz"), spec.paths.path("initial_z")]
    for path in needed:
        if not path.is_file():
            raise WorldModelsError(f"{path} not found: finish the run (and BINPACKING_WORKDIR= its work folder)")
    check_models(spec, distribution, rnn=run / "rnn.npz")
    out.mkdir(parents=True, exist_ok=True)
    RNNWeights.load(run / "rnn.npz", spec.rnn).save(files.rnn, spec.rnn, dtype="float16")
    shutil.copyfile(mask_path(run / "rnn.npz"), mask_path(files.rnn))
    shutil.copyfile(spec.paths.path("initial_z"), files.initial_z)
    for name, src in sources.items():
        if src.is_file():
            shutil.copyfile(src, out / f"{shipped_prefix(distribution)}{name}")
    for path in sorted(out.iterdir()):
        print(f"shipped {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    cli_main(main)
