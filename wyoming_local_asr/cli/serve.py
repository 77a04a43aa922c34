"""`wyoming-local-asr serve`: run the Wyoming server (also the default command)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from ..app import StartupError, prepare_model, run_server
from ..audio.rnnoise import RNNoiseUnavailableError
from ..config import ConfigError, Settings
from ..memory import limit_malloc_arenas
from .options import add_settings_arguments, settings_from_args

# `ConfigError` exits with 2 (like argparse's usage errors); a start-up failure with 1.
EXIT_CONFIG = 2
EXIT_STARTUP = 1


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Wyoming server (default command)",
        description="Run the Wyoming speech-to-text server. Every option can also be set with "
        "an environment variable LOCAL_ASR_<OPTION> (for example LOCAL_ASR_VAD_AGGRESSIVENESS=3) "
        "or in the --config file; the command line wins over the environment, which wins over "
        "the file.",
    )
    add_settings_arguments(parser)
    parser.set_defaults(func=run)


def build_default_model(data_dir: Path) -> Path:
    """The build wing, imported only when the default model must be built (first start).

    A package the build needs that is missing (an install made with `--no-deps`, a package
    removed by hand) is one line naming the command that installs it, not a traceback."""
    try:
        from ..build.default_model import ensure_default_model

        return ensure_default_model(data_dir)
    except ModuleNotFoundError as error:
        package = (error.name or "").partition(".")[0] or "wyoming-local-asr"
        raise StartupError(
            f"building the default model needs the `{package}` package, which is not "
            f"installed: run `pip install {package}`"
        ) from None


def failed(error: Exception, prefix: str = "") -> int:
    """Print `error` as one line and return its exit code: `EXIT_STARTUP` for a start-up
    failure, else `EXIT_CONFIG` (a setting or an option's value)."""
    print(f"wyoming-local-asr: error: {prefix}{error}", file=sys.stderr)
    return EXIT_STARTUP if isinstance(error, StartupError) else EXIT_CONFIG


def prepared_settings(args: argparse.Namespace) -> Settings:
    """The settings of `args`, with their model ready (the default model built when missing);
    ConfigError or StartupError otherwise."""
    settings = settings_from_args(args)
    prepare_model(settings, build_default_model)
    return settings


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        if settings.debug:
            logging.getLogger().setLevel(logging.DEBUG)
        limit_malloc_arenas()  # before any worker thread exists
        asyncio.run(run_server(settings, build_model=build_default_model))
    except (ConfigError, StartupError) as error:
        return failed(error)
    except RNNoiseUnavailableError as error:
        return failed(StartupError(error), "--denoise: ")
    except KeyboardInterrupt:
        pass
    return 0
