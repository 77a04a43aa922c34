"""Options of `transcribe`, `eval`, `bench` and `lexicon learn`: the recognizer, and the server's
own model and audio settings (same names, defaults, environment variables and config file)."""

from __future__ import annotations

import argparse

from ..evaluation.systems import RECOGNIZERS, SystemSpec
from .options import add_settings_arguments, settings_from_args


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    add_settings_arguments(parser, groups=("model",))


def add_system_arguments(parser: argparse.ArgumentParser) -> None:
    add_settings_arguments(parser, groups=("model", "audio"))
    parser.add_argument(
        "--recognizer",
        # not the server's `recognizer` setting (local or ray): which system is evaluated
        dest="system",
        choices=RECOGNIZERS,
        default="local",
        help="our recognizer, or the pocketsphinx en-us baseline (local)",
    )


def spec_from_args(args: argparse.Namespace) -> SystemSpec:
    """ConfigError when a setting is invalid."""
    return SystemSpec(getattr(args, "system", "local"), settings_from_args(args))
