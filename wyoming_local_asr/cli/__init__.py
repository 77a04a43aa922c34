"""Command line: `wyoming-local-asr COMMAND ...`; each command lives in its own module.

Only the module of the command that runs is imported, so `serve` loads the server and nothing
of the build or evaluation wings; those commands import their wing themselves.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Iterable, Sequence

from .. import __version__

# Command name -> module of this package. Each module has `add_parser(subparsers)`, which
# registers its command and sets `func(args) -> int` as the parser default. `serve` is also
# the default command.
COMMANDS = {
    "serve": "serve",
    "token": "token",
    "model": "model",
    "transcribe": "transcribe",
    "eval": "eval",
    "corpus": "corpus",
    "bench": "bench",
    "lexicon": "lexicon",
    "stress": "stress",
    "ray": "ray_deploy",
}
DEFAULT_COMMAND = "serve"


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    """Each command's own parser, by command name."""
    _, subparsers = _build(COMMANDS)
    return dict(subparsers.choices)


def _build(
    commands: Iterable[str],
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="wyoming-local-asr",
        description="Private, fast, local speech-to-text for Home Assistant (Wyoming protocol).",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in commands:
        module = importlib.import_module(f".{COMMANDS[name]}", __name__)
        module.add_parser(subparsers)
    return parser, subparsers


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in {"-h", "--help", "--version", *COMMANDS}:
        args_list.insert(0, DEFAULT_COMMAND)
    # `wyoming-local-asr --help` lists every command; otherwise only the chosen one is loaded.
    chosen = [args_list[0]] if args_list[0] in COMMANDS else list(COMMANDS)
    parser, _ = _build(chosen)
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "debug", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args))
