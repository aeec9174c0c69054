"""model.py's V and M follow the controller: shipped C -> shipped V/M, any other -> the pipeline's."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from worldmodels.config import Paths
from worldmodels.pipeline import evaluate


@pytest.fixture
def setup(tmp_path):
    from dataclasses import replace

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
