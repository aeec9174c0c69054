"""carracing/runs/issue25/table1_json.py: finished Table 1 rows -> the notebook's table1.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "carracing" / "runs" / "issue25" / "table1_json.py"


def _row(workdir: Path, row: str, name: str, score: str | None, gens: int = 150) -> None:
    folder = workdir / "table1" / row
    folder.mkdir(parents=True)
    (folder / f"{name}.cma.1.32.hist.json").write_text(json.dumps([[1, 20.0], [gens, 6633.4]]))
    if score is not None:
        (folder / f"score_gen{gens}_seeds1000.txt").write_text(f"100 episodes in 180.5 s\n{score}\n")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_finished_rows_only_with_their_score_and_wall_time(tmp_path):
    _row(tmp_path, "finetuned", "carracing", "seed 1000 average_reward 844.01 stdev 118.78")
    _row(tmp_path, "v_only", "carracing_z", "seed 1000 average_reward -12.50 stdev 3.00")
    _row(tmp_path, "full", "carracing", None)  # still training: left out
    out = tmp_path / "table1.json"
    done = run(str(tmp_path), "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert [r["row"] for r in rows] == ["v_only", "finetuned"]  # the paper's order
    assert rows[0]["mean"] == -12.5 and rows[0]["paper"] == "632 +- 251"
    assert rows[1] == {"row": "finetuned", "mean": 844.01, "std": 118.78, "seed": 1000, "episodes": 100,
                       "generations": 150, "train_wall_s": 6633, "paper": "-"}
    assert "row full has no held-out score yet" in done.stderr


def test_a_score_file_without_the_score_line_is_one_error(tmp_path):
    _row(tmp_path, "full", "carracing", "Traceback (most recent call last):")
    done = run(str(tmp_path), "--out", str(tmp_path / "t.json"))
    assert done.returncode != 0 and "does not end with" in done.stderr
    assert not (tmp_path / "t.json").exists()


def test_a_missing_workdir_says_what_to_run(tmp_path):
    done = run(str(tmp_path / "nowhere"), "--out", str(tmp_path / "t.json"))
    assert done.returncode != 0 and "run table1.bash" in done.stderr
