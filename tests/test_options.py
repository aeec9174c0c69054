"""Options built from config fields: type, default and help from the field, values checked by the config
as they are parsed."""

from __future__ import annotations

import argparse

import pytest

from estool.cli import one_line_parse_errors
from worldmodels.config import DreamConfig, RolloutConfig, VAEConfig
from worldmodels.fileio import WorldModelsError
from worldmodels.options import add_options, field_docs, from_options


def test_help_is_the_field_docstring_and_the_default_the_config_value():
    parser = argparse.ArgumentParser()
    add_options(parser, DreamConfig(temperature=0.7), ("temperature",))
    text = " ".join(parser.format_help().split())
    assert "--temperature TEMPERATURE tau, the temperature of M's sampling in the dream" in text
    assert "[paper sec. 4.4]" in text and "(default: 0.7)" in text
    assert from_options(parser.parse_args([]), DreamConfig(temperature=0.7)).temperature == 0.7
    assert from_options(parser.parse_args(["--temperature", "1.25"]), DreamConfig()).temperature == 1.25


def test_a_class_leaves_the_default_to_the_config_given_later():
    parser = argparse.ArgumentParser()
    add_options(parser, DreamConfig, ("temperature",))
    assert "(default: the environment's)" in " ".join(parser.format_help().split())
    assert from_options(parser.parse_args([]), DreamConfig(temperature=0.7)) == DreamConfig(temperature=0.7)


def test_only_the_options_made_for_the_config_are_taken():
    parser = argparse.ArgumentParser()
    add_options(parser, DreamConfig(), ("temperature",))
    parser.add_argument("--max_steps", type=int, default=0)  # a script's own option of the same name
    args = parser.parse_args(["--max_steps", "0", "--temperature", "2"])
    assert from_options(args, DreamConfig()) == DreamConfig(temperature=2.0)


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parser.parse_args`` as under ``cli_main``: argparse's error raised as a ``WorldModelsError``."""
    with one_line_parse_errors():
        return parser.parse_args(argv)


@pytest.mark.parametrize("value", ["0", "-0.5", "nan", "inf"])
def test_values_are_checked_by_the_config_in_one_line_as_they_are_parsed(value):
    parser = argparse.ArgumentParser()
    add_options(parser, DreamConfig(), ("temperature", "max_steps"))
    with pytest.raises(WorldModelsError, match=r"^--temperature \(tau\) must be a finite number > 0, got "):
        parse(parser, ["--temperature", value])
    with pytest.raises(WorldModelsError, match=r"^the dream's --max_steps must be >= 1, got 0$"):
        parse(parser, ["--max_steps", "0"])
    with pytest.raises(WorldModelsError, match=r"^argument --max_steps: must be an integer, got 'ten'$"):
        parse(parser, ["--max_steps", "ten"])
    with pytest.raises(WorldModelsError, match="max_steps must be >= 1, got 0"):  # a namespace made in code
        from_options(argparse.Namespace(**{"DreamConfig.max_steps": 0}), DreamConfig())


def test_field_docs_and_unsupported_fields():
    docs = field_docs(VAEConfig)
    assert docs["z_size"].startswith("Latent size: 32 for CarRacing") and "\n" not in docs["foreground_weight"]
    with pytest.raises(TypeError, match="no option for type"):
        add_options(argparse.ArgumentParser(), VAEConfig(), ("mean_frame",))  # a bool: not an option here
    with pytest.raises(TypeError, match="has no field 'tau'"):
        add_options(argparse.ArgumentParser(), DreamConfig(), ("tau",))


@pytest.mark.parametrize("value", ["0", "-1"])
def test_num_envs_is_declared_once_and_checked_by_rollout_config(value):
    parser = argparse.ArgumentParser()
    add_options(parser, RolloutConfig(), ("num_envs",))
    text = " ".join(parser.format_help().split())
    assert "--num_envs NUM_ENVS real: games a worker plays in lockstep" in text and "(default: 8)" in text
    assert from_options(parser.parse_args([]), RolloutConfig()).num_envs == 8
    assert from_options(parser.parse_args(["--num_envs", "3"]), RolloutConfig()).num_envs == 3
    with pytest.raises(WorldModelsError, match=rf"^--num_envs \(games in lockstep\) must be >= 1, got {value}$"):
        parse(parser, ["--num_envs", value])


def test_max_steps_is_declared_once_and_checked_by_rollout_config():
    parser = argparse.ArgumentParser()
    add_options(parser, RolloutConfig(), ("max_steps",))
    text = " ".join(parser.format_help().split())
    assert "--max_steps MAX_STEPS cap every episode at this many steps; 0 = the environment's own limit" in text
    assert "(default: 0)" in text
    assert from_options(parser.parse_args([]), RolloutConfig()).max_steps == 0
    assert from_options(parser.parse_args(["--max_steps", "30"]), RolloutConfig()).max_steps == 30
    with pytest.raises(WorldModelsError, match=r"^--max_steps \(steps per episode, 0: the environment's own limit\) "
                                               r"must be >= 0, got -1$"):
        parse(parser, ["--max_steps", "-1"])
    with pytest.raises(WorldModelsError, match=r"must be >= 0, got -1$"):
        RolloutConfig(max_steps=-1)
