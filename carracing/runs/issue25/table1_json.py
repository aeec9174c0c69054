"""Collect the finished rows of table1.bash into runs/issue25/results/table1.json (the notebook's table).

    python runs/issue25/table1_json.py /work/cr25          # WORKDIR of table1.bash
    python runs/issue25/table1_json.py /work/cr25 --gens 150

A row counts once its held-out score file (``table1/<row>/score_gen<G>_seeds1000.txt``, written by
``model.py ... norender``: its last line is ``seed 1000 average_reward X stdev Y``) exists. Each entry
holds the row, the mean and std over the 100 held-out tracks, the generations trained and the
training's wall time (the last row of the run's hist.json), and the paper's figure [paper Table 1].
Rows not finished are listed on stderr and left out; the file is replaced atomically.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROWS = (  # (row, run name, the paper's Table 1: mean +- std over 100 tracks)
    ("v_only", "carracing_z", "632 +- 251"),
    ("v_hidden", "carracing_z_hidden", "788 +- 141"),
    ("full", "carracing", "906 +- 21"),
    ("finetuned", "carracing", "-"),  # the paper did not train C in CarRacing's dream
)
SCORE_LINE = re.compile(r"seed (\d+) average_reward (-?[\d.]+) stdev ([\d.]+)")


def row_entry(workdir: Path, row: str, name: str, paper: str, gens: int) -> dict | None:
    folder = workdir / "table1" / row
    score = folder / f"score_gen{gens}_seeds1000.txt"
    if not score.is_file():
        return None
    lines = score.read_text().strip().splitlines()
    match = SCORE_LINE.fullmatch(lines[-1].strip()) if lines else None
    if match is None:
        raise SystemExit(f"table1_json.py: {score} does not end with 'seed S average_reward X stdev Y'; "
                         f"re-run table1.bash to rewrite it")
    hist = json.loads((folder / f"{name}.cma.1.32.hist.json").read_text())
    return {"row": row, "mean": float(match[2]), "std": float(match[3]), "seed": int(match[1]),
            "episodes": 100, "generations": int(hist[-1][0]), "train_wall_s": round(float(hist[-1][1])),
            "paper": paper}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="table1.bash's WORKDIR")
    parser.add_argument("--gens", type=int, default=150, help="the rows' generations (table1.bash's GENS)")
    parser.add_argument("--out", type=Path, default=RESULTS / "table1.json", help="default: %(default)s")
    args = parser.parse_args(argv)
    if not (args.workdir / "table1").is_dir():
        raise SystemExit(f"table1_json.py: no {args.workdir / 'table1'}; run table1.bash with WORKDIR={args.workdir}")
    rows = []
    for row, name, paper in ROWS:
        entry = row_entry(args.workdir, row, name, paper, args.gens)
        if entry is None:
            print(f"table1_json.py: row {row} has no held-out score yet", file=sys.stderr)
        else:
            rows.append(entry)
    out = args.out
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n")
    os.replace(tmp, out)
    print(f"{len(rows)} row(s) -> {out}")


if __name__ == "__main__":
    main()
