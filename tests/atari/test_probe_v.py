"""atari/probe_v.py: probes from the shipped Pong V's z to the RAM on a tiny budget (the table, not its values)."""

from __future__ import annotations

import json

import pytest

from atari.config import TRAINED
from atari.probe_v import HEADINGS, RAM_TARGETS, ZH, main
from worldmodels.fileio import WorldModelsError

COLUMNS = ("target", "R^2 from z", "R^2 from z_t, z_t-1", "R^2 from pixels", "R^2 from paddles (RAM)",
           "rows (fit / held-out)")


def test_probe_v_prints_a_table_of_every_target(capsys, tmp_path):
    table = main(["--episodes", "2", "--max_steps", "200", "--encoder", "numpy", "--json", str(tmp_path / "t.json")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert "2 episodes" in lines[0] and "400 steps" in lines[0] and "ball off the screen on" in lines[0]
    header, rule, *rows = lines[1:]
    assert [c.strip() for c in header.strip("|").split("|")] == list(COLUMNS)
    assert rule.count("---") == len(COLUMNS)
    ball = [t.name for t in RAM_TARGETS["pong"] if t.ball]
    names = [t.name for t in RAM_TARGETS["pong"]]
    assert len(rows) == len(names) + len(ball)  # each ball coordinate also "beyond paddles"
    assert all(row.count("|") == len(COLUMNS) + 1 for row in rows)
    assert [row["target"] for row in table if "beyond" not in row["target"]] == names
    assert all(row["fit_rows"] == 200 and row["test_rows"] == 200 for row in table if row["target"] in ("player_y",))
    for row in table:  # the ball's rows are the visible ones: at most the 200 steps of each half
        assert 0 < row["fit_rows"] <= 200 and 0 < row["test_rows"] <= 200, row
    assert [row["constant"] for row in table if row["target"] in ("enemy_x", "player_x")] == [64, 188]
    saved = json.loads((tmp_path / "t.json").read_text())
    assert saved["steps"] == 400 and len(saved["table"]) == len(rows)


def test_probe_v_knows_the_ram_of_pong_only():
    with pytest.raises(WorldModelsError, match="RAM addresses"):
        main(["--game", "Breakout", "--episodes", "2", "--max_steps", "10"])


def test_probe_v_reads_pongs_ram_in_every_variant():
    """--dilate (and --rgb, --full_action_space) change the folder's name, not the game's RAM."""
    table = main(["--dilate", "3", "--vae", str(TRAINED / "pong" / "vae.npz"), "--episodes", "2",
                  "--max_steps", "120", "--encoder", "numpy"])
    assert {row["target"] for row in table} >= {"player_y", "ball_x"}


def test_probe_v_with_m_adds_the_z_h_column(capsys):
    """--rnn: [z, h] (h from M run over the episode) is probed too, in its own column before the paddles'."""
    rnn = str(TRAINED / "pong" / "rnn.npz")
    table = main(["--episodes", "2", "--max_steps", "120", "--encoder", "numpy", "--rnn", rnn])
    header = capsys.readouterr().out.strip().splitlines()[1]
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert columns == list(COLUMNS[:4]) + [HEADINGS[ZH]] + list(COLUMNS[4:])
    player = next(row for row in table if row["target"] == "player_y")
    assert -1e9 < player[ZH] <= 1.0 and player[ZH] != player["z"]  # scored, and not z's score again
