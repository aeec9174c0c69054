"""model.py's V and M follow the controller: shipped C -> shipped V/M, any other -> the pipeline's."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from estool.cli import one_line_parse_errors
from worldmodels.config import DreamConfig, Paths
from worldmodels.fileio import WorldModelsError
from worldmodels.pipeline import evaluate


@pytest.fixture
def setup(tmp_path):
    from carracing.config import SPEC
    spec = replace(SPEC, paths=Paths(root=tmp_path / "work"))
    trained = tmp_path / "trained"
    shipped = evaluate.ModelFiles(vae=trained / "vae.npz", rnn=trained / "rnn.npz",
                                  initial_z=trained / "initial_z.json", controller=trained / "c.best.json")
    return spec, shipped


def parsed(argv: list[str], shipped: evaluate.ModelFiles, spec, dream: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    if dream:
        evaluate.add_dream_model_arguments(parser, shipped, spec)
    else:
        evaluate.add_arguments(parser, shipped, ("real",), ("dream",))
    args = parser.parse_args(argv)
    evaluate.fill_model_files(args, spec)
    return args


@pytest.mark.parametrize("dream", [False, True])
def test_model_files_follow_the_controller(setup, tmp_path, dream):
    spec, shipped = setup
    head = [] if dream else ["real", "norender"]
    args = parsed(head, shipped, spec, dream)
    assert args.controller == shipped.controller
    assert (args.vae, args.rnn, args.initial_z) == (shipped.vae, shipped.rnn, shipped.initial_z)
    # another file in the shipped folder (e.g. another distribution's C) keeps the shipped V and M
    args = parsed(head + [str(shipped.controller.parent / "other.best.json")], shipped, spec, dream)
    assert args.vae == shipped.vae
    # a controller in a folder under the shipped one plays with the files beside it, else the shipped
    sub = shipped.controller.parent / "real"
    sub.mkdir(parents=True)
    (sub / "rnn.npz").write_bytes(b"")
    args = parsed(head + [str(sub / "real.best.json")], shipped, spec, dream)
    assert (args.vae, args.rnn, args.initial_z) == (shipped.vae, sub / "rnn.npz", shipped.initial_z)
    # your own controller plays with your own pipeline's V, M and initial z, never the shipped ones
    mine = tmp_path / "work" / "log" / "carracing.cma.1.32.best.json"
    args = parsed(head + [str(mine)], shipped, spec, dream)
    assert (args.vae, args.rnn, args.initial_z) == (spec.paths.path("vae"), spec.paths.path("rnn"),
                                                    spec.paths.path("initial_z"))
    # files given on the command line win
    args = parsed(head + [str(mine), "--vae", "v.npz", "--initial_z", "z.json"], shipped, spec, dream)
    assert (args.vae, args.rnn, args.initial_z) == (Path("v.npz"), spec.paths.path("rnn"), Path("z.json"))


@pytest.mark.parametrize("dream", [False, True])
def test_dream_config_applies_only_the_options_given(setup, dream):
    spec, shipped = setup
    spec = replace(spec, dream=DreamConfig(0.7, 1200, 0.0))  # CarRacing's watched dream [orig dream_env.py]
    head = [] if dream else ["dream", "norender"]
    assert evaluate.dream_config(spec, parsed(head, shipped, spec, dream)) == spec.dream
    assert evaluate.dream_config(spec, parsed(head + ["--temperature", "1.3"], shipped, spec, dream)) == DreamConfig(
        1.3, 1200, 0.0)
    assert evaluate.dream_config(spec, parsed(head + ["--max_steps", "50"], shipped, spec, dream)) == DreamConfig(
        0.7, 50, 0.0)


@pytest.mark.parametrize("dream", [False, True])
@pytest.mark.parametrize("tau", ["0", "-1", "nan", "inf"])
def test_a_bad_temperature_is_one_line_naming_the_option(setup, dream, tau):
    spec, shipped = setup
    # checked where the option is declared: the parse fails (under cli_main, one line and exit 2)
    with pytest.raises(WorldModelsError, match=rf"--temperature \(tau\) must be a finite number > 0, got {tau}"), \
            one_line_parse_errors():
        parsed(([] if dream else ["dream", "norender"]) + ["--temperature", tau], shipped, spec, dream)
