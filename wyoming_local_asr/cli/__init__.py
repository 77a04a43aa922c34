"""Command line: `wyoming-local-asr COMMAND ...`; each command lives in its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from .. import __version__
from . import bench, corpus, lexicon, model, serve, token, transcribe
from . import eval as eval_command

# Each module has `add_parser(subparsers)`, which registers its command and sets
# `func(args) -> int` as the parser default. `serve` is also the default command.
COMMANDS: list[ModuleType] = [serve, token, model, transcribe, eval_command, corpus, bench, lexicon]


def build_parser() -> argparse.ArgumentParser:
    parser, _ = _build()
    return parser


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    """Each command's own parser, by command name."""
    _, subparsers = _build()
    return dict(subparsers.choices)


def _build() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="wyoming-local-asr",
        description="Private, fast, local speech-to-text for Home Assistant (Wyoming protocol).",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser, subparsers


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, subparsers = _build()
    known = {"-h", "--help", "--version", *subparsers.choices}
    if not args_list or args_list[0] not in known:
        args_list.insert(0, "serve")
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "debug", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args))
