"""atari/config.py: a spec per game, per-game folders, and the checks of loaded M and C files."""

from __future__ import annotations

import json

import pytest

from atari.config import check_controller, spec_for, spec_matching_rnn, variant
from worldmodels.fileio import WorldModelsError
from worldmodels.pipeline import evaluate


@pytest.mark.parametrize("game,n", [("Pong", 6), ("Breakout", 4), ("SpaceInvaders", 6), ("Seaquest", 18)])
def test_spec_is_sized_by_the_games_actions(game, n):
    spec = spec_for(game)
    assert spec.rnn.action_size == n and spec.controller.output_size == n
    assert spec.controller.action == "argmax" and spec.controller.features == "zh"
    assert spec.controller.num_params == (32 + 256) * n + n  # [z, h] -> n logits, with a bias
    assert spec.rnn.input_size == 32 + n + 1  # z, one-hot action, restart flag
    assert spec.rnn.reward_head and spec.rnn.done_head
    assert spec.vae.channels == 1 and spec.vae.z_size == 32
    assert spec.vae.mean_frame and spec.vae.foreground_weight == 20.0  # what made V draw both paddles (README)
    assert spec.dream.max_steps == 4500  # 18,000 frames at frame skip 4


def test_variants_keep_their_own_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("ATARI_WORKDIR", str(tmp_path))
    assert variant("ALE/SpaceInvaders-v5") == "space_invaders"
    full = spec_for("Pong", full_action_space=True, rgb=True)
    assert full.name == "pong_full_rgb" and full.rnn.action_size == 18 and full.vae.channels == 3
    spec = spec_for("Breakout")
    assert spec.paths.path("record") == tmp_path / "breakout" / "record"
    assert spec.paths.path("rnn") == tmp_path / "breakout" / "tf_rnn" / "rnn.npz"
    assert spec.paths.path("log") == tmp_path / "log"  # one log folder: the notebook plots every game
    with pytest.raises(WorldModelsError, match="unknown Atari game"):
        spec_for("Pongg")
    dilated = spec_for("Pong", dilate=3)
    assert dilated.name == "pong_dilate3"
    assert dilated.paths.path("vae") == tmp_path / "pong_dilate3" / "tf_vae" / "vae.npz"
    with pytest.raises(WorldModelsError, match="dilate must be an odd number"):
        variant("Pong", dilate=2)


def test_dilate_reaches_the_spec_and_the_game_from_the_command_line():
    import argparse

    from atari.config import env_options, parse

    args, spec = parse(["--game", "Pong", "--dilate", "5"], lambda spec: argparse.ArgumentParser())
    assert spec.name == "pong_dilate5" and env_options(args).dilate == 5
    args, spec = parse([], lambda spec: argparse.ArgumentParser())
    assert spec.name == "pong" and env_options(args).dilate == 1


def test_m_heads_are_read_from_the_weights_and_action_counts_checked(tmp_path, fake_rnn):
    pong = spec_for("Pong")
    fake_rnn(tmp_path / "heads.npz", pong)
    assert spec_matching_rnn(pong, tmp_path / "heads.npz").rnn.reward_head
    plain = spec_for("Pong", heads=False)
    fake_rnn(tmp_path / "plain.npz", plain)
    got = spec_matching_rnn(pong, tmp_path / "plain.npz")
    assert not got.rnn.reward_head and not got.rnn.done_head
    fake_rnn(tmp_path / "breakout.npz", spec_for("Breakout"))
    with pytest.raises(WorldModelsError, match="takes 4 actions, but pong \\(6 actions\\)"):
        spec_matching_rnn(pong, tmp_path / "breakout.npz")
    assert spec_matching_rnn(pong, tmp_path / "missing.npz") is pong  # RNNWeights.load names the step


def test_controller_for_another_game_is_named(tmp_path):
    pong = spec_for("Pong")
    with pytest.raises(WorldModelsError, match="no controller at .*train one with train.py"):
        check_controller(tmp_path / "missing.json", pong)
    path = tmp_path / "seaquest.json"
    path.write_text(json.dumps([[0.0] * spec_for("Seaquest").controller.num_params, 1.0]))
    with pytest.raises(WorldModelsError, match="chooses among 18 actions, but pong \\(6 actions\\) needs 1734"):
        check_controller(path, pong)
    path.write_text(json.dumps([0.0] * 1734))
    check_controller(path, pong)


def test_v_and_m_default_to_the_controllers_own_folder(tmp_path, monkeypatch):
    """model.py: the shipped controller plays with the shipped V and M, any other with this game's
    own pipeline; files given on the command line win; no shipped agent -> your own run's."""
    import atari.model as model
    monkeypatch.setenv("ATARI_WORKDIR", str(tmp_path / "work"))
    monkeypatch.setattr(model, "TRAINED", tmp_path / "trained")
    pong = spec_for("Pong")
    assert model.shipped_files(pong) is None and model.files(pong) == model.own_files(pong)
    shipped = tmp_path / "trained" / "pong"
    shipped.mkdir(parents=True)
    (shipped / "pong.best.json").write_text("[]")
    assert model.files(pong).controller == shipped / "pong.best.json"

    def filled(argv):
        args = model.make_parser(pong).parse_args(argv)
        evaluate.fill_model_files(args, pong)
        return args

    args = filled(["real", "norender"])
    assert (args.vae, args.rnn, args.initial_z) == (shipped / "vae.npz", shipped / "rnn.npz",
                                                    shipped / "initial_z.json")
    args = filled(["real", "norender", str(tmp_path / "work" / "log" / "mine.best.json")])
    assert (args.vae, args.rnn) == (pong.paths.path("vae"), pong.paths.path("rnn"))
    args = filled(["real", "norender", "--vae", str(tmp_path / "v.npz")])
    assert args.vae == tmp_path / "v.npz" and args.rnn == shipped / "rnn.npz"
