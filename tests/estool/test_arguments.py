"""Number options checked where they are declared (``estool.arguments``), and argparse's errors as
one line under ``cli_main`` (``estool.cli.one_line_parse_errors``)."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from estool.arguments import SEED, SEED_MAX, Number, float_in, int_in
from estool.cli import cli_main, one_line_parse_errors
from estool.files import UsageError, check_writable_folder
from estool.train import RANGES, TrainConfig, build_parser


@pytest.mark.parametrize("number,text,value", [
    (int_in(1), "1", 1), (int_in(1), "250", 250), (int_in(0), "0", 0), (int_in(-1), "-1", -1),
    (int_in(0, 3), "3", 3), (int_in(), "-7", -7), (SEED, "0", 0), (SEED, str(SEED_MAX), SEED_MAX),
    (float_in(0), "0", 0.0), (float_in(0, lo_open=True), "1e-9", 1e-9), (float_in(0, 1, lo_open=True), "1", 1.0),
    (float_in(), "-2.5", -2.5),
])
def test_values_in_range_parse(number, text, value):
    assert number(text) == value and type(number(text)) is number.kind


@pytest.mark.parametrize("number,text,message", [
    (int_in(1), "0", "must be an integer >= 1, got '0'"),
    (int_in(1), "1.5", "must be an integer >= 1, got '1.5'"),
    (int_in(1), "ten", "must be an integer >= 1, got 'ten'"),
    (int_in(0, 3), "4", "must be an integer in [0, 3], got '4'"),
    (SEED, "-1", f"must be an integer in [0, {SEED_MAX}], got '-1'"),
    (SEED, str(SEED_MAX + 1), f"must be an integer in [0, {SEED_MAX}], got '{SEED_MAX + 1}'"),
    (float_in(0), "-0.1", "must be a finite number >= 0, got '-0.1'"),
    (float_in(0, lo_open=True), "0", "must be a finite number > 0, got '0'"),
    (float_in(0, 1, lo_open=True), "1.01", "must be a finite number in (0, 1], got '1.01'"),
    (float_in(hi=1, hi_open=True), "1", "must be a finite number < 1, got '1'"),
    (float_in(), "nan", "must be a finite number, got 'nan'"),
    (float_in(0), "inf", "must be a finite number >= 0, got 'inf'"),
    (float_in(0), "1e400", "must be a finite number >= 0, got '1e400'"),  # overflows to inf
    (float_in(), "", "must be a finite number, got ''"),
])
def test_values_out_of_range_are_refused_with_the_range(number, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        number(text)
    assert str(err.value) == message


def test_check_names_the_option_for_values_from_code():
    SEED.check(5, "--seed")
    float_in(0).check(np.float64(0.5), "--x")  # numpy numbers count as numbers
    int_in(0).check(np.int64(3), "--n")
    with pytest.raises(UsageError, match=r"^--seed must be an integer in \[0, 2147483647\], got -1$"):
        SEED.check(-1, "--seed")
    with pytest.raises(UsageError, match=r"^--n must be an integer >= 0, got 2\.0$"):
        int_in(0).check(2.0, "--n")  # a float is not an integer option's value
    with pytest.raises(UsageError, match=r"^--x must be a finite number >= 0, got True$"):
        float_in(0).check(True, "--x")
    with pytest.raises(UsageError, match=r"got nan$"):
        float_in().check(float("nan"), "--x")


def test_a_number_is_a_range_of_int_or_float():
    with pytest.raises(TypeError, match="int or float"):
        Number(str)
    with pytest.raises(ValueError, match="empty range"):
        int_in(3, 1)


def test_the_train_options_defaults_pass_their_checks():
    TrainConfig().validate()
    for name, number in RANGES.items():
        number.check(getattr(TrainConfig(), name), name)
    parser = build_parser(TrainConfig())
    typed = {a.dest: a.type for a in parser._actions if isinstance(a.type, Number)}
    assert typed == RANGES  # every number of the config is declared with its range


def _run(main, argv, capsys) -> tuple[int, list[str], str]:
    code = 0
    try:
        cli_main(main, argv)  # logs to the sys.stderr of the moment: capsys's
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="script.py")
    parser.add_argument("--episodes", type=int_in(1), default=100)
    parser.add_argument("--rate", type=float_in(0, lo_open=True), default=0.1)
    parser.add_argument("seed", nargs="?", type=SEED, default=0)
    return parser


@pytest.mark.parametrize("argv,line", [
    (["--episodes", "0"], "error: argument --episodes: must be an integer >= 1, got '0'"),
    (["--rate", "nan"], "error: argument --rate: must be a finite number > 0, got 'nan'"),
    (["--", "-3"], "error: argument seed: must be an integer in [0, 2147483647], got '-3'"),
    (["--episodes"], "error: argument --episodes: expected one argument"),
    (["--epsiodes", "3"], "error: unrecognized arguments: --epsiodes (script.py --help lists the options)"),
    (["-q", "-v"], "error: -q/--quiet and -v/--verbose exclude each other"),
])
def test_argparse_errors_are_one_line_and_exit_2_under_cli_main(capsys, argv, line):
    code, err, _ = _run(lambda args: _parser().parse_args(args), argv, capsys)
    assert (code, err) == (2, [line])


def test_help_is_untouched_and_parsers_outside_cli_main_keep_argparse_behaviour(capsys):
    code, err, out = _run(lambda args: _parser().parse_args(args), ["--help"], capsys)
    assert code == 0 and err == [] and out.startswith("usage: script.py") and "-q, --quiet" in out
    with pytest.raises(SystemExit):  # outside cli_main: argparse's own usage block and exit
        _parser().parse_args(["--episodes", "0"])
    assert capsys.readouterr().err.startswith("usage: script.py")
    with one_line_parse_errors(), pytest.raises(UsageError, match="--episodes: must be"):
        _parser().parse_args(["--episodes", "0"])
    assert argparse.ArgumentParser.error.__qualname__ == "ArgumentParser.error"  # restored after the block


def test_check_writable_folder_refuses_in_one_line_and_creates_nothing(tmp_path):
    assert check_writable_folder(tmp_path / "new" / "log", "--log_dir") == tmp_path / "new" / "log"
    assert not (tmp_path / "new").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"^--log_dir .*/file/log: .*/file is a file, not a folder; give a folder"):
        check_writable_folder(tmp_path / "file" / "log", "--log_dir")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        check_writable_folder(tmp_path / "file", "--out_dir")
    assert (tmp_path / "file").read_text() == "x"
